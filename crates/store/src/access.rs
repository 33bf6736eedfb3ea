//! Who is calling, and what they may see.

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

/// The caller of a repository function: every read is filtered to `scope`, every write is
/// recorded under `actor`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub assignments: Vec<Assignment>,
    /// Where the caller reads: every assignment's subtree.
    pub scope: Scope,
    /// Where the caller manages records (roles that write, see `Role::manages_records`).
    pub write_scope: Scope,
    /// Where the caller reads personal numbers unmasked.
    pub unmask_scope: Scope,
}

impl Caller {
    pub fn new(actor: Actor, assignments: Vec<Assignment>) -> Self {
        let roots = |f: &dyn Fn(&Assignment) -> bool| {
            Scope::new(
                assignments
                    .iter()
                    .filter(|a| f(a))
                    .map(|a| a.scope.clone())
                    .collect(),
            )
        };
        let scope = roots(&|_| true);
        let write_scope = roots(&|a| a.role.manages_records());
        let unmask_scope = roots(&|a| a.unmask);
        Caller {
            actor,
            assignments,
            scope,
            write_scope,
            unmask_scope,
        }
    }

    /// The command line: the whole tree, unmasked, as the named operator.
    pub fn system(actor: Actor) -> Self {
        Caller {
            actor,
            assignments: Vec::new(),
            scope: Scope::everything(),
            write_scope: Scope::everything(),
            unmask_scope: Scope::everything(),
        }
    }

    /// Refuses a write outside the subtrees where the caller manages records. Reads are
    /// checked first, so a node the caller cannot see is reported as absent, not forbidden.
    pub fn may_write(&self, code: &DivisionCode) -> Result<(), crate::error::StoreError> {
        if self.write_scope.contains(code) {
            Ok(())
        } else {
            Err(crate::error::StoreError::Forbidden)
        }
    }

    /// Refuses a setting that holds for everyone below the city (the escalation ladder,
    /// the street template) unless the caller is the city, the administrator or the
    /// command line.
    pub fn may_set_city_wide(&self) -> Result<(), crate::error::StoreError> {
        let city_wide = self.assignments.is_empty()
            || self
                .assignments
                .iter()
                .any(|a| matches!(a.role, Role::City | Role::Admin));
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
            return self.write_scope.contains(code).then(DivisionCode::nation);
        }
        self.assignments
            .iter()
            .filter(|a| roles.contains(&a.role) && a.scope.contains(code))
            .map(|a| a.scope.clone())
            .max_by_key(|s| s.as_path().len())
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.actor
            .at
            .get(..10)
            .and_then(|d| d.parse().ok())
            .unwrap_or_default()
    }
}
