//! Unified social credit identifiers (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters from the 31-character set `0-9 A-Z` less I, O, S, V, Z: a registration
//! authority, an organisation type, the 6-digit division code of the registering office, a
//! 9-character organisation code, and a check character. The check weights are 3^i mod 31
//! and the check value is 31 − (Σ mod 31), 31 written as 0.
//! Only the outer check is enforced: some early pilot-area codes carry a non-conforming
//! inner organisation-code check digit and are still lawful.

use serde::{Deserialize, Serialize};
use std::fmt;

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("统一社会信用代码应为 18 位")]
    BadLength,
    #[error("统一社会信用代码含有无效字符（不使用 I、O、S、V、Z）")]
    BadCharacter,
    #[error("统一社会信用代码校验码错误")]
    BadCheckCharacter,
}

#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, each already in the charset.
pub fn check_char(first17: &[u8]) -> u8 {
    let mut weight = 1u32;
    let mut sum = 0u32;
    for &c in first17 {
        sum += value(c).expect("charset checked") * weight;
        weight = weight * 3 % 31;
    }
    CHARSET[((31 - sum % 31) % 31) as usize]
}

impl CreditCode {
    pub fn parse(s: &str) -> Result<Self, CreditCodeError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(CreditCodeError::BadLength);
        }
        if !b.iter().all(|&c| value(c).is_some()) {
            return Err(CreditCodeError::BadCharacter);
        }
        if check_char(&b[..17]) != b[17] {
            return Err(CreditCodeError::BadCheckCharacter);
        }
        Ok(CreditCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The division code of the registering office (characters 3–8).
    pub fn registration_area(&self) -> &str {
        &self.0[2..8]
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditCode({})", self.0)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes() {
        // The example code used throughout GB 32100's explanatory material.
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::BadCheckCharacter)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::BadLength)
        );
        assert_eq!(
            CreditCode::parse("91350100M00010OY43"),
            Err(CreditCodeError::BadCharacter)
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y43")
                .unwrap()
                .registration_area(),
            "350100"
        );
    }

    fn charset_string(len: usize) -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(proptest::sample::select(CHARSET.to_vec()), len)
    }

    proptest! {
        #[test]
        fn computed_check_always_parses(first17 in charset_string(17)) {
            let mut code = first17.clone();
            code.push(check_char(&first17));
            prop_assert!(CreditCode::parse(std::str::from_utf8(&code).unwrap()).is_ok());
        }

        #[test]
        fn single_substitution_is_caught(first17 in charset_string(17), pos in 0usize..18, shift in 1u32..31) {
            let mut code = first17.clone();
            code.push(check_char(&first17));
            let v = value(code[pos]).unwrap();
            code[pos] = CHARSET[((v + shift) % 31) as usize];
            // 31 is prime and no weight is 0 mod 31, so any one substitution changes Σ mod 31.
            prop_assert!(CreditCode::parse(std::str::from_utf8(&code).unwrap()).is_err());
        }

        #[test]
        fn lowercase_is_accepted(first17 in charset_string(17)) {
            let mut code = first17.clone();
            code.push(check_char(&first17));
            let lower = std::str::from_utf8(&code).unwrap().to_ascii_lowercase();
            prop_assert!(CreditCode::parse(&lower).is_ok());
        }
    }
}
