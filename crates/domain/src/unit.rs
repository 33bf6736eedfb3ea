//! Resident units (驻区单位) and new economic and social organisations (两新组织).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 党政机关
    Agency,
    /// 事业单位
    PublicInstitution,
    /// 国有企业
    StateEnterprise,
    /// 非公有制企业 (the "new economic organisations")
    NonPublicEnterprise,
    /// 社会组织 (the "new social organisations")
    SocialOrganisation,
    /// 物业服务企业
    PropertyCompany,
    /// 业主委员会
    OwnersCommittee,
    /// 派出所
    PoliceStation,
    Other,
}

impl UnitKind {
    pub const ALL: [UnitKind; 9] = [
        UnitKind::Agency,
        UnitKind::PublicInstitution,
        UnitKind::StateEnterprise,
        UnitKind::NonPublicEnterprise,
        UnitKind::SocialOrganisation,
        UnitKind::PropertyCompany,
        UnitKind::OwnersCommittee,
        UnitKind::PoliceStation,
        UnitKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Agency => "agency",
            UnitKind::PublicInstitution => "public_institution",
            UnitKind::StateEnterprise => "state_enterprise",
            UnitKind::NonPublicEnterprise => "non_public_enterprise",
            UnitKind::SocialOrganisation => "social_organisation",
            UnitKind::PropertyCompany => "property_company",
            UnitKind::OwnersCommittee => "owners_committee",
            UnitKind::PoliceStation => "police_station",
            UnitKind::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Agency => "机关",
            UnitKind::PublicInstitution => "事业单位",
            UnitKind::StateEnterprise => "国有企业",
            UnitKind::NonPublicEnterprise => "非公有制企业",
            UnitKind::SocialOrganisation => "社会组织",
            UnitKind::PropertyCompany => "物业服务企业",
            UnitKind::OwnersCommittee => "业主委员会",
            UnitKind::PoliceStation => "派出所",
            UnitKind::Other => "其他",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// How a unit's party work is covered (党的组织覆盖 / 工作覆盖).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// 单独组建: its own party organisation
    OwnOrg,
    /// 联合组建: in a joint branch with other units
    JointBranch,
    /// 选派党建指导员: covered by a party-building instructor (work coverage only)
    Instructor,
    None,
}

impl Coverage {
    pub const ALL: [Coverage; 4] = [
        Coverage::OwnOrg,
        Coverage::JointBranch,
        Coverage::Instructor,
        Coverage::None,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::OwnOrg => "own_org",
            Coverage::JointBranch => "joint_branch",
            Coverage::Instructor => "instructor",
            Coverage::None => "none",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Coverage::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// Organisational coverage (党组织覆盖率) counts units with a party organisation of
    /// their own or a joint one; an instructor is work coverage only.
    pub fn is_org_coverage(self) -> bool {
        matches!(self, Coverage::OwnOrg | Coverage::JointBranch)
    }
}
