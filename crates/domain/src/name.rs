//! Names of people, organisations and places as they are kept: trimmed, 1 to 100
//! characters, no control characters, something visible (`text::line`).

use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Name(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("应为 1 至 {max} 个字符的名称，不含控制字符或仅由不可见字符组成", max = Name::MAX)]
pub struct NameError;

impl Name {
    pub const MAX: usize = 100;

    pub fn parse(s: &str) -> Result<Name, NameError> {
        crate::text::line(s, Self::MAX)
            .map(|t| Name(t.to_owned()))
            .map_err(|_| NameError)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Name::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds() {
        assert_eq!(Name::parse(" 一网格 ").unwrap().as_str(), "一网格");
        assert_eq!(
            Name::parse(&"格".repeat(100))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            100
        );
        for bad in ["", "   ", "一\n网格", "\u{200B}\u{200C}", &"格".repeat(101)] {
            assert_eq!(Name::parse(bad), Err(NameError), "{bad:?}");
        }
    }
}
