//! How big the demo city is: the numbers each scale draws to.

use datong_domain::unit::UnitKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Datong as the seed describes it: 3.1 million residents, about 11,000 party
    /// organisations and 222,000 members.
    Datong,
    /// A few hundred members on the same tree, for tests.
    Small,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Scale> {
        match s {
            "datong" => Some(Scale::Datong),
            "small" => Some(Scale::Small),
            _ => None,
        }
    }
}

pub struct Plan {
    pub residents: u64,
    /// Residents in urban communities (社区) rather than villages (村).
    pub urban_share: f64,
    pub household_size: f64,
    pub households_per_building_urban: u32,
    pub households_per_building_rural: u32,
    pub grids_urban: (u32, u32),
    pub grids_rural: (u32, u32),
    pub members: u64,
    /// Party groups (党小组) in buildings, as a share of urban buildings.
    pub group_share: f64,
    pub units: &'static [(UnitKind, u32)],
    /// Shares of org coverage (own organisation or joint branch) to aim for by kind.
    pub coverage_non_public: f64,
    pub coverage_social: f64,
    pub building_orgs: u32,
    /// Tasks each district sends its streets in a month, over the demo's half year.
    pub tasks_per_district_month: u32,
    /// Residents' requests over the demo's year (接诉即办).
    pub requests_per_year: u32,
}

impl Plan {
    pub fn of(scale: Scale) -> Plan {
        match scale {
            Scale::Datong => Plan {
                residents: 3_100_000,
                urban_share: 0.7,
                household_size: 2.6,
                households_per_building_urban: 48,
                households_per_building_rural: 25,
                grids_urban: (8, 15),
                grids_rural: (1, 3),
                members: 222_000,
                group_share: 0.04,
                units: &[
                    (UnitKind::Agency, 600),
                    (UnitKind::PublicInstitution, 800),
                    (UnitKind::StateEnterprise, 300),
                    (UnitKind::NonPublicEnterprise, 3000),
                    (UnitKind::SocialOrganisation, 600),
                    (UnitKind::PropertyCompany, 400),
                    (UnitKind::OwnersCommittee, 300),
                    (UnitKind::PoliceStation, 80),
                ],
                // The seed's rates: 95.6% of non-public enterprises and 93.2% of social
                // organisations have party organisations.
                coverage_non_public: 0.956,
                coverage_social: 0.932,
                building_orgs: 12,
                tasks_per_district_month: 4,
                requests_per_year: 30_000,
            },
            Scale::Small => Plan {
                residents: 6_000,
                urban_share: 0.7,
                household_size: 2.6,
                households_per_building_urban: 48,
                households_per_building_rural: 25,
                grids_urban: (2, 3),
                grids_rural: (1, 2),
                members: 400,
                group_share: 0.2,
                units: &[
                    (UnitKind::Agency, 2),
                    (UnitKind::PublicInstitution, 2),
                    (UnitKind::StateEnterprise, 1),
                    (UnitKind::NonPublicEnterprise, 12),
                    (UnitKind::SocialOrganisation, 6),
                    (UnitKind::PropertyCompany, 2),
                    (UnitKind::OwnersCommittee, 1),
                    (UnitKind::PoliceStation, 1),
                ],
                coverage_non_public: 0.9,
                coverage_social: 0.8,
                building_orgs: 2,
                tasks_per_district_month: 3,
                requests_per_year: 400,
            },
        }
    }
}
