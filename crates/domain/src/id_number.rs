//! Citizen identity numbers (公民身份号码), GB 11643-1999.
//!
//! 18 characters: a 6-digit address code, an 8-digit birth date, a 3-digit sequence whose
//! last digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character.
//! The number is text everywhere: spreadsheets turn it into a float otherwise.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [u8; 11] = *b"10X98765432";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("公民身份号码应为 18 位")]
    BadLength,
    #[error("公民身份号码前 17 位应为数字，末位为数字或 X")]
    BadCharacter,
    #[error("公民身份号码中的出生日期无效")]
    BadBirthDate,
    #[error("公民身份号码校验码错误")]
    BadCheckDigit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
    pub fn parse(s: &str) -> Option<Sex> {
        match s {
            "male" | "男" => Some(Sex::Male),
            "female" | "女" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// A valid GB 11643 number. `Debug` masks it, so it cannot leak into logs by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

impl IdNumber {
    pub fn parse(s: &str) -> Result<Self, IdNumberError> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(IdNumberError::BadLength);
        }
        if !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(IdNumberError::BadCharacter);
        }
        NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").map_err(|_| IdNumberError::BadBirthDate)?;
        if check_char(&b[..17]) != b[17] {
            return Err(IdNumberError::BadCheckDigit);
        }
        Ok(IdNumber(s))
    }

    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").expect("checked at parse")
    }

    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `140213********123X`: the address code and the last four stay, the birth date and
    /// most of the sequence go.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl<'de> serde::Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IdNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn with_check(first17: &str) -> String {
        let c = check_char(first17.as_bytes()) as char;
        format!("{first17}{c}")
    }

    #[test]
    fn known_numbers() {
        // The worked example printed in GB 11643-1999's annex.
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(
            IdNumber::parse("11010519491231002x").unwrap().as_str(),
            "11010519491231002X"
        );
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::BadCheckDigit)
        );
        assert_eq!(
            IdNumber::parse("110105194902300028"),
            Err(IdNumberError::BadBirthDate)
        );
        assert_eq!(
            IdNumber::parse("1101051949123100"),
            Err(IdNumberError::BadLength)
        );
        assert_eq!(
            IdNumber::parse("1101051949123100XX"),
            Err(IdNumberError::BadCharacter)
        );
    }

    #[test]
    fn debug_never_shows_the_number() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    proptest! {
        #[test]
        fn every_valid_number_round_trips(
            area in 110000u32..660000,
            days in 0i64..40_000,
            seq in 0u32..1000,
        ) {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Days::new(days as u64);
            let first17 = format!("{area:06}{}{seq:03}", birth.format("%Y%m%d"));
            let s = with_check(&first17);
            let id = IdNumber::parse(&s).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
        }

        #[test]
        fn any_single_digit_change_is_caught(
            area in 110000u32..660000,
            seq in 0u32..1000,
            pos in 0usize..17,
            delta in 1u8..10,
        ) {
            let s = with_check(&format!("{area:06}19800101{seq:03}"));
            let mut b = s.into_bytes();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).unwrap();
            // MOD 11-2 detects every single-character substitution.
            prop_assert!(IdNumber::parse(&changed).is_err());
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,24}") {
            let _ = IdNumber::parse(&s);
        }
    }
}
