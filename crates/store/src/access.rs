//! Who is calling, and what they may see.
//!
//! A caller sees by subtree and by relation. The roles that manage a subtree (city,
//! district, street, community, grid, administrator) read and write its records; every
//! role sees the places of its assignments (names, paths, roll-up figures). What the other
//! roles read of the records is what they stand in a relation to (`Own`): a member their
//! own record and organisation, a unit itself and its organisation, a department the work
//! of its own field. Both are turned into SQL in one place, `Sql::and_visible`.

use crate::audit::Actor;
use datong_domain::{DivisionCode, Role, Scope};

/// One role held over one subtree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Assignment {
    pub role: Role,
    pub scope: DivisionCode,
    /// May read ID and phone numbers unmasked in this subtree (each read is audited).
    pub unmask: bool,
}

/// The records an account stands in a relation to, whatever its subtree.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Own {
    /// The member record the account is (`member` role).
    pub member: Option<i64>,
    /// The resident unit the account acts for (`unit` role).
    pub unit: Option<i64>,
    /// The party organisations of that member and that unit.
    pub orgs: Vec<i64>,
    /// The departments the account acts for (`department` role).
    pub departments: Vec<i64>,
    /// Every account acting for one of those departments, and the caller: a
    /// department's work is its own, whichever of its clerks filed it.
    pub department_logins: Vec<String>,
}

/// The caller of a repository function: every read is filtered to what it sees, every
/// write is recorded under `actor`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub assignments: Vec<Assignment>,
    /// Where the caller reads and writes records by subtree: the assignments of the roles
    /// that manage one (`Role::manages_records`).
    pub scope: Scope,
    /// Where the caller sees the territory: every assignment's subtree.
    pub places: Scope,
    /// Where the caller reads personal numbers unmasked.
    pub unmask_scope: Scope,
    /// What the caller reads by relation.
    pub own: Own,
}

impl Caller {
    pub fn new(actor: Actor, assignments: Vec<Assignment>) -> Self {
        Caller::with_own(actor, assignments, Own::default())
    }

    pub fn with_own(actor: Actor, assignments: Vec<Assignment>, own: Own) -> Self {
        let roots = |f: &dyn Fn(&Assignment) -> bool| {
            Scope::new(
                assignments
                    .iter()
                    .filter(|a| f(a))
                    .map(|a| a.scope.clone())
                    .collect(),
            )
        };
        let places = roots(&|_| true);
        let scope = roots(&|a| a.role.manages_records());
        let unmask_scope = roots(&|a| a.unmask && a.role.manages_records());
        Caller {
            actor,
            assignments,
            scope,
            places,
            unmask_scope,
            own,
        }
    }

    /// The command line: the whole tree, unmasked, as the named operator.
    pub fn system(actor: Actor) -> Self {
        Caller {
            actor,
            assignments: Vec::new(),
            scope: Scope::everything(),
            places: Scope::everything(),
            unmask_scope: Scope::everything(),
            own: Own::default(),
        }
    }

    /// Refuses a write outside the subtrees where the caller manages records. Reads are
    /// checked first, so a node the caller cannot see is reported as absent, not forbidden.
    pub fn may_write(&self, code: &DivisionCode) -> Result<(), crate::error::StoreError> {
        if self.scope.contains(code) {
            Ok(())
        } else {
            Err(crate::error::StoreError::Forbidden)
        }
    }

    /// Refuses a setting that holds for everyone below the city (the escalation ladder,
    /// the street template, request settings, Open311 keys) unless the caller is the
    /// city's organisation department, the administrator of the deployment, or the
    /// command line. Each role counts only where it is held (`Role::held_at`), so an
    /// assignment written at the wrong level grants nothing.
    pub fn may_set_city_wide(&self) -> Result<(), crate::error::StoreError> {
        let city_wide = self.assignments.is_empty()
            || self.assignments.iter().any(|a| {
                matches!(a.role, Role::City | Role::Admin) && a.role.held_at(a.scope.level())
            });
        if city_wide {
            Ok(())
        } else {
            Err(crate::error::StoreError::Forbidden)
        }
    }

    /// The node from which the caller acts on `code` in one of `roles`: the scope of such
    /// an assignment containing `code` (the whole tree for the command line).
    pub fn acting_as(&self, roles: &[Role], code: &DivisionCode) -> Option<DivisionCode> {
        if self.assignments.is_empty() {
            // Only `Caller::system` has a write scope without assignments.
            return self.scope.contains(code).then(DivisionCode::nation);
        }
        self.assignments
            .iter()
            .filter(|a| roles.contains(&a.role) && a.scope.contains(code))
            .map(|a| a.scope.clone())
            .max_by_key(|s| s.as_path().len())
    }

    /// Who the caller is and what they may see, as text: with the day, what a read that
    /// depends on the caller and on the date is kept under (see `datong_http::memo`).
    pub fn memo_key(&self) -> String {
        format!(
            "{}|{}|{:?}|{:?}",
            self.today(),
            self.actor.login,
            self.assignments,
            self.own
        )
    }

    /// [`Caller::memo_key`] for a read that judges what is late to the minute.
    pub fn memo_key_to_the_minute(&self) -> String {
        let minute = self.actor.at.get(..16).unwrap_or_default();
        format!("{}|{minute}", self.memo_key())
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.actor
            .at
            .get(..10)
            .and_then(|d| d.parse().ok())
            .unwrap_or_default()
    }
}
