//! Party members: status, recruitment stage, probation and lost contact.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// 预备党员
    Probationary,
    /// 正式党员
    Full,
}

impl MemberStatus {
    pub const ALL: [MemberStatus; 2] = [MemberStatus::Probationary, MemberStatus::Full];
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Probationary => "probationary",
            MemberStatus::Full => "full",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "probationary" | "预备党员" | "预备" => Some(MemberStatus::Probationary),
            "full" | "正式党员" | "正式" => Some(MemberStatus::Full),
            _ => None,
        }
    }
}

/// Education as the national member system records it (highest completed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Education {
    Primary,
    JuniorSecondary,
    SeniorSecondary,
    Vocational,
    Associate,
    Bachelor,
    Master,
    Doctor,
}

impl Education {
    pub const ALL: [Education; 8] = [
        Education::Primary,
        Education::JuniorSecondary,
        Education::SeniorSecondary,
        Education::Vocational,
        Education::Associate,
        Education::Bachelor,
        Education::Master,
        Education::Doctor,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Education::Primary => "primary",
            Education::JuniorSecondary => "junior_secondary",
            Education::SeniorSecondary => "senior_secondary",
            Education::Vocational => "vocational",
            Education::Associate => "associate",
            Education::Bachelor => "bachelor",
            Education::Master => "master",
            Education::Doctor => "doctor",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Education::Primary => "小学",
            Education::JuniorSecondary => "初中",
            Education::SeniorSecondary => "高中",
            Education::Vocational => "中专",
            Education::Associate => "大专",
            Education::Bachelor => "大学本科",
            Education::Master => "硕士研究生",
            Education::Doctor => "博士研究生",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Education::ALL
            .into_iter()
            .find(|e| e.as_str() == s || e.label() == s)
    }
}

/// Probation lasts one year (党章 art. 7). 《中国共产党发展党员工作细则》(2014) art. 32:
/// "需要继续考察和教育的，可以延长一次预备期，延长时间不能少于半年，最长不超过一年" — once,
/// by no less than six months and at most a year (党章 art. 7: "不能超过一年").
pub const PROBATION_MONTHS: u32 = 12;
pub const MIN_EXTENSION_MONTHS: u32 = 6;
pub const MAX_EXTENSION_MONTHS: u32 = 12;
/// No organisational life for six months or more: lost contact (失联).
pub const LOST_CONTACT_MONTHS: u32 = 6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbationError {
    #[error("只有预备党员才能转正或延长预备期")]
    NotProbationary,
    #[error("转正日期不能早于预备期满（{0}）")]
    TooEarly(NaiveDate),
    #[error(
        "预备期只能延长一次，不少于 {MIN_EXTENSION_MONTHS} 个月、不超过 {MAX_EXTENSION_MONTHS} 个月（《发展党员工作细则》第三十二条）"
    )]
    BadExtension,
}

/// When probation ends, counting any extension.
pub fn probation_end(joined: NaiveDate, extension_months: u32) -> NaiveDate {
    joined + Months::new(PROBATION_MONTHS + extension_months)
}

/// Checks a conversion to full membership on `on`.
pub fn check_full_membership(
    status: MemberStatus,
    joined: NaiveDate,
    extension_months: u32,
    on: NaiveDate,
) -> Result<(), ProbationError> {
    if status != MemberStatus::Probationary {
        return Err(ProbationError::NotProbationary);
    }
    let end = probation_end(joined, extension_months);
    if on < end {
        return Err(ProbationError::TooEarly(end));
    }
    Ok(())
}

/// Checks an extension of `months` for a member already extended by `already`.
pub fn check_extension(
    status: MemberStatus,
    already: u32,
    months: u32,
) -> Result<(), ProbationError> {
    if status != MemberStatus::Probationary {
        return Err(ProbationError::NotProbationary);
    }
    if already > 0 || !(MIN_EXTENSION_MONTHS..=MAX_EXTENSION_MONTHS).contains(&months) {
        return Err(ProbationError::BadExtension);
    }
    Ok(())
}

/// A member whose last organisational activity is six months or more before `today`.
pub fn is_lost_contact(last_activity: NaiveDate, today: NaiveDate) -> bool {
    last_activity + Months::new(LOST_CONTACT_MONTHS) <= today
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn probation() {
        let p = MemberStatus::Probationary;
        assert_eq!(
            check_full_membership(p, d("2025-07-01"), 0, d("2026-06-30")),
            Err(ProbationError::TooEarly(d("2026-07-01")))
        );
        assert_eq!(
            check_full_membership(p, d("2025-07-01"), 0, d("2026-07-01")),
            Ok(())
        );
        assert_eq!(
            check_full_membership(p, d("2025-07-01"), 6, d("2026-12-31")),
            Err(ProbationError::TooEarly(d("2027-01-01")))
        );
        assert_eq!(
            check_full_membership(MemberStatus::Full, d("2025-07-01"), 0, d("2027-01-01")),
            Err(ProbationError::NotProbationary)
        );
        assert_eq!(check_extension(p, 0, 12), Ok(()));
        assert_eq!(check_extension(p, 0, 6), Ok(()));
        assert_eq!(check_extension(p, 0, 5), Err(ProbationError::BadExtension));
        assert_eq!(check_extension(p, 0, 13), Err(ProbationError::BadExtension));
        assert_eq!(check_extension(p, 6, 6), Err(ProbationError::BadExtension));
    }

    #[test]
    fn lost_contact() {
        assert!(!is_lost_contact(d("2026-05-27"), d("2026-11-26")));
        assert!(is_lost_contact(d("2026-05-26"), d("2026-11-26")));
    }
}
