//! Roles (DESIGN §1) and the scope every account acts within.

use crate::division::{DivisionCode, Level};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    City,
    District,
    Department,
    Street,
    Community,
    Grid,
    Unit,
    Member,
    Resident,
    Admin,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::City,
        Role::District,
        Role::Department,
        Role::Street,
        Role::Community,
        Role::Grid,
        Role::Unit,
        Role::Member,
        Role::Resident,
        Role::Admin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::City => "city",
            Role::District => "district",
            Role::Department => "department",
            Role::Street => "street",
            Role::Community => "community",
            Role::Grid => "grid",
            Role::Unit => "unit",
            Role::Member => "member",
            Role::Resident => "resident",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles that manage the party's records in their subtree; the others (units,
    /// members, residents) read only what concerns themselves and write nothing here.
    pub fn manages_records(self) -> bool {
        matches!(
            self,
            Role::City | Role::District | Role::Street | Role::Community | Role::Grid | Role::Admin
        )
    }
}

impl Role {
    /// The levels of the territory at which the role is held: the organisation
    /// department at a city, a district committee and its departments at a district,
    /// and so on down; a resident where people live; the administrator over a
    /// deployment (the nation, a province or a city). A member's and a unit's place is
    /// the record's own, wherever that is.
    pub fn held_at(self, level: Level) -> bool {
        match self {
            Role::City => level == Level::City,
            Role::District | Role::Department => level == Level::District,
            Role::Street => level == Level::Street,
            Role::Community => level == Level::Community,
            Role::Grid => level == Level::Grid,
            Role::Resident => level >= Level::Community,
            Role::Member | Role::Unit => level >= Level::City,
            Role::Admin => level <= Level::City,
        }
    }
}

/// Where a caller may read and write: the union of the subtrees of its role assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    roots: Vec<DivisionCode>,
}

impl Scope {
    /// Keeps only the outermost roots: a subtree inside another adds nothing.
    pub fn new(mut roots: Vec<DivisionCode>) -> Self {
        roots.sort();
        let mut kept: Vec<DivisionCode> = Vec::new();
        for r in roots {
            if !kept.iter().any(|k| k.contains(&r)) {
                kept.push(r);
            }
        }
        Scope { roots: kept }
    }

    /// The whole tree: for the command line and the importer, never for a web caller.
    pub fn everything() -> Self {
        Scope {
            roots: vec![DivisionCode::nation()],
        }
    }

    pub fn roots(&self) -> &[DivisionCode] {
        &self.roots
    }

    pub fn contains(&self, code: &DivisionCode) -> bool {
        self.roots.iter().any(|r| r.contains(code))
    }

    /// True when the node is inside the scope or is an ancestor of a root, so that a
    /// caller can walk down to its own subtree.
    pub fn sees_path_to(&self, code: &DivisionCode) -> bool {
        self.contains(code) || self.roots.iter().any(|r| code.contains(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn each_role_is_held_at_its_own_levels() {
        use Level::*;
        let at =
            |r: Role| -> Vec<Level> { Level::ALL.into_iter().filter(|l| r.held_at(*l)).collect() };
        assert_eq!(at(Role::City), [City]);
        assert_eq!(at(Role::Department), [District]);
        assert_eq!(at(Role::Street), [Street]);
        assert_eq!(at(Role::Grid), [Grid]);
        assert_eq!(at(Role::Resident), [Community, Grid, Building, Household]);
        assert_eq!(at(Role::Admin), [Nation, Province, City]);
    }

    #[test]
    fn scope_merges_nested_roots() {
        let s = Scope::new(vec![c("140213001001"), c("140213"), c("140214")]);
        assert_eq!(s.roots(), &[c("140213"), c("140214")]);
        assert!(s.contains(&c("140213001001")));
        assert!(!s.contains(&c("140212")));
        assert!(s.sees_path_to(&c("1402")));
        assert!(!s.sees_path_to(&c("1401")));
    }
}
