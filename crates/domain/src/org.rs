//! Party organisations (党组织) and their kinds.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 党委
    Committee,
    /// 党工委 (a street's party working committee)
    WorkingCommittee,
    /// 党总支
    GeneralBranch,
    /// 党支部
    Branch,
    /// 联合党支部: units with fewer than 3 full members join one, at most 5 units
    JointBranch,
    /// 临时党支部
    TemporaryBranch,
    /// 党小组
    Group,
}

impl OrgKind {
    pub const ALL: [OrgKind; 7] = [
        OrgKind::Committee,
        OrgKind::WorkingCommittee,
        OrgKind::GeneralBranch,
        OrgKind::Branch,
        OrgKind::JointBranch,
        OrgKind::TemporaryBranch,
        OrgKind::Group,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Committee => "committee",
            OrgKind::WorkingCommittee => "working_committee",
            OrgKind::GeneralBranch => "general_branch",
            OrgKind::Branch => "branch",
            OrgKind::JointBranch => "joint_branch",
            OrgKind::TemporaryBranch => "temporary_branch",
            OrgKind::Group => "group",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Committee => "党委",
            OrgKind::WorkingCommittee => "党工委",
            OrgKind::GeneralBranch => "党总支",
            OrgKind::Branch => "党支部",
            OrgKind::JointBranch => "联合党支部",
            OrgKind::TemporaryBranch => "临时党支部",
            OrgKind::Group => "党小组",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s || k.label() == s)
    }

    /// Branches are where members are organised; the 支部工作条例 rules apply to them.
    pub fn is_branch(self) -> bool {
        matches!(
            self,
            OrgKind::Branch | OrgKind::JointBranch | OrgKind::TemporaryBranch
        )
    }

    /// A group sits inside a branch; every other kind may have children.
    pub fn can_parent(self, child: OrgKind) -> bool {
        match self {
            OrgKind::Group => false,
            k if k.is_branch() => child == OrgKind::Group,
            _ => true,
        }
    }
}
