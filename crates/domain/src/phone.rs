//! Telephone numbers: mainland mobiles (11 digits from 1) and landlines with an area code.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("联系电话应为 11 位手机号或带区号的固定电话")]
    Invalid,
}

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, PhoneError> {
        let s: String = s.trim().chars().filter(|c| *c != ' ').collect();
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        let mobile = digits.len() == 11 && digits.starts_with('1');
        let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
        if !digits.bytes().all(|b| b.is_ascii_digit()) || !(mobile || landline) {
            return Err(PhoneError::Invalid);
        }
        Ok(Phone(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`: the first three and last four digits stay.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        format!("{}{}{}", &self.0[..3], "*".repeat(n - 7), &self.0[n - 4..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl<'de> serde::Deserialize<'de> for Phone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Phone::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_masks() {
        assert_eq!(
            Phone::parse("138 0013 8000").unwrap().masked(),
            "138****8000"
        );
        assert_eq!(
            Phone::parse("0352-1234567").unwrap().masked(),
            "035****4567"
        );
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("2380013800a").is_err());
    }
}
