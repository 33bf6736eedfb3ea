//! The rules of 《中国共产党支部工作条例（试行）》 (2018) that the platform checks.
//!
//! They are reported as findings and never block an edit: a branch in breach still exists
//! and still has to be managed while it is put right.
//! - Art. 5: a unit with 3 or more full members forms a branch; fewer join a joint branch,
//!   which generally covers no more than 5 units; a branch generally has no more than 50
//!   members.
//! - Art. 20: a branch with 7 or more full members elects a committee of 3–5 (at most 7);
//!   with fewer, a secretary (and if need be a deputy).
//! - Art. 21: a branch committee's term is 3 years, or 5 for community and village branches.

use crate::org::OrgKind;
use chrono::NaiveDate;
use serde::Serialize;

/// What the rules need to know about one organisation, gathered by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    pub kind: OrgKind,
    pub full_members: u32,
    pub probationary_members: u32,
    /// 0 when the branch has a secretary but no elected committee.
    pub committee_size: u32,
    pub term_end: Option<NaiveDate>,
    /// For a joint branch: how many units it covers.
    pub units: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    TooFewFullMembers,
    CommitteeRequired,
    CommitteeSize,
    TermExpired,
    JointBranchTooManyUnits,
    BranchTooLarge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: FindingCode,
    pub message: String,
}

impl FindingCode {
    pub const ALL: [FindingCode; 6] = [
        FindingCode::TooFewFullMembers,
        FindingCode::CommitteeRequired,
        FindingCode::CommitteeSize,
        FindingCode::TermExpired,
        FindingCode::JointBranchTooManyUnits,
        FindingCode::BranchTooLarge,
    ];

    /// Its stable name, as serialised (`too_few_full_members` …).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::TooFewFullMembers => "too_few_full_members",
            FindingCode::CommitteeRequired => "committee_required",
            FindingCode::CommitteeSize => "committee_size",
            FindingCode::TermExpired => "term_expired",
            FindingCode::JointBranchTooManyUnits => "joint_branch_too_many_units",
            FindingCode::BranchTooLarge => "branch_too_large",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// A short name for charts and tables.
    pub fn label(self) -> &'static str {
        match self {
            FindingCode::TooFewFullMembers => "正式党员不足3名",
            FindingCode::CommitteeRequired => "应设未设支委会",
            FindingCode::CommitteeSize => "支委会人数不符",
            FindingCode::TermExpired => "任期届满未换届",
            FindingCode::JointBranchTooManyUnits => "联合支部单位过多",
            FindingCode::BranchTooLarge => "支部超过50人",
        }
    }
}

pub const MIN_FULL_MEMBERS: u32 = 3;
pub const COMMITTEE_THRESHOLD: u32 = 7;
pub const COMMITTEE_MIN: u32 = 3;
pub const COMMITTEE_MAX: u32 = 7;
pub const MAX_BRANCH_MEMBERS: u32 = 50;
pub const MAX_JOINT_UNITS: u32 = 5;

/// Term of office in years: 5 for branches in communities and villages, 3 otherwise.
pub fn term_years(in_community_or_village: bool) -> u32 {
    if in_community_or_village { 5 } else { 3 }
}

pub fn evaluate(f: &OrgFacts, today: NaiveDate) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |code, message: String| out.push(Finding { code, message });
    if f.kind.is_branch() {
        if f.kind == OrgKind::Branch && f.full_members < MIN_FULL_MEMBERS {
            push(
                FindingCode::TooFewFullMembers,
                format!(
                    "正式党员 {} 名，不足 {MIN_FULL_MEMBERS} 名，应与其他单位联合成立党支部",
                    f.full_members
                ),
            );
        }
        if f.full_members >= COMMITTEE_THRESHOLD && f.committee_size == 0 {
            push(
                FindingCode::CommitteeRequired,
                format!(
                    "正式党员 {} 名，达到 {COMMITTEE_THRESHOLD} 名，应设立支部委员会",
                    f.full_members
                ),
            );
        }
        let total = f.full_members + f.probationary_members;
        if total > MAX_BRANCH_MEMBERS {
            push(
                FindingCode::BranchTooLarge,
                format!("党员 {total} 名，超过 {MAX_BRANCH_MEMBERS} 名，一般应分设党支部"),
            );
        }
        if f.kind == OrgKind::JointBranch && f.units > MAX_JOINT_UNITS {
            push(
                FindingCode::JointBranchTooManyUnits,
                format!(
                    "联合党支部覆盖 {} 个单位，一般不超过 {MAX_JOINT_UNITS} 个",
                    f.units
                ),
            );
        }
    }
    if f.committee_size > 0 && !(COMMITTEE_MIN..=COMMITTEE_MAX).contains(&f.committee_size) {
        push(
            FindingCode::CommitteeSize,
            format!(
                "委员会 {} 人，应为 {COMMITTEE_MIN}–5 人，最多不超过 {COMMITTEE_MAX} 人",
                f.committee_size
            ),
        );
    }
    if let Some(end) = f.term_end
        && end < today
    {
        push(
            FindingCode::TermExpired,
            format!("任期已于 {end} 届满，应按期换届"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One case per line: `kind full probationary committee term_end units => codes`.
    fn check(input: &str, expect: &str) {
        let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        let w: Vec<&str> = input.split_whitespace().collect();
        let facts = OrgFacts {
            kind: OrgKind::parse(w[0]).unwrap(),
            full_members: w[1].parse().unwrap(),
            probationary_members: w[2].parse().unwrap(),
            committee_size: w[3].parse().unwrap(),
            term_end: (w[4] != "-").then(|| w[4].parse().unwrap()),
            units: w[5].parse().unwrap(),
        };
        let got: Vec<String> = evaluate(&facts, today)
            .iter()
            .map(|f| {
                serde_json::to_value(f.code)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(got.join(" "), expect, "case: {input}");
    }

    #[test]
    fn branch_rules() {
        check("branch 3 0 0 - 1", "");
        check("branch 2 5 0 - 1", "too_few_full_members");
        check("branch 6 0 0 - 1", "");
        check("branch 7 0 0 - 1", "committee_required");
        check("branch 7 0 3 - 1", "");
        check("branch 40 10 5 - 1", "");
        check("branch 40 11 5 - 1", "branch_too_large");
        check("branch 9 0 2 - 1", "committee_size");
        check("branch 9 0 8 - 1", "committee_size");
        check("branch 9 0 7 - 1", "");
        check("branch 5 0 0 2026-11-25 1", "term_expired");
        check("branch 5 0 0 2026-11-26 1", "");
        check("joint_branch 2 0 0 - 5", "");
        check("joint_branch 2 0 0 - 6", "joint_branch_too_many_units");
        check(
            "joint_branch 8 0 0 - 6",
            "committee_required joint_branch_too_many_units",
        );
        check("temporary_branch 1 0 0 - 1", "");
        check("committee 1 0 0 - 1", "");
        check("group 1 0 0 2020-01-01 1", "term_expired");
        check(
            "branch 0 0 0 2020-01-01 9",
            "too_few_full_members term_expired",
        );
    }

    #[test]
    fn terms() {
        assert_eq!(term_years(true), 5);
        assert_eq!(term_years(false), 3);
    }
}
