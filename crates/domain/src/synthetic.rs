//! How synthetic (demo and test) records mark themselves, so that none can be taken for, or
//! collide with, a real person or company.
//!
//! - Citizen IDs and credit codes carry a region code starting `99`: no province has that
//!   code (GB/T 2260 provinces run from 11 to 82), so no real person or registered unit
//!   has such a number, yet the check characters are valid.
//! - Phone numbers start `100`: no mainland mobile number does (they start 13 to 19).

use crate::{CreditCode, IdNumber, Phone};

/// The first two digits of every synthetic region code.
pub const REGION_PREFIX: &str = "99";
/// The first three digits of every synthetic phone number.
pub const PHONE_PREFIX: &str = "100";

/// The synthetic region for a real district: `99` and the district's last four digits
/// (`140213` → `990213`), so a demo ID still hints at where it belongs.
pub fn region_for(district: &str) -> String {
    let tail = district.get(2..6).unwrap_or("0000");
    format!("{REGION_PREFIX}{tail}")
}

pub fn is_synthetic_id(id: &IdNumber) -> bool {
    id.as_str().starts_with(REGION_PREFIX)
}

pub fn is_synthetic_credit_code(code: &CreditCode) -> bool {
    code.registration_area().starts_with(REGION_PREFIX)
}

pub fn is_synthetic_phone(phone: &Phone) -> bool {
    phone.as_str().starts_with(PHONE_PREFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_keep_the_district() {
        assert_eq!(region_for("140213"), "990213");
        let first17 = format!("{}19800101001", region_for("140213"));
        let id = format!(
            "{first17}{}",
            crate::id_number::check_char(first17.as_bytes()) as char
        );
        assert!(is_synthetic_id(&IdNumber::parse(&id).unwrap()));
        assert!(is_synthetic_phone(&Phone::parse("10012345678").unwrap()));
        assert!(!is_synthetic_phone(&Phone::parse("13812345678").unwrap()));
    }
}
