//! A small builder for queries whose shape depends on filters, and the scope filter.

use crate::db::Value;
use datong_domain::Scope;

#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    /// Appends text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `v`.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.params.push(v.into());
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }

    /// Appends `AND (<column> in one of the scope's subtrees)`.
    ///
    /// Architecture invariant: this is the only place a scope becomes SQL. Every
    /// repository read of a scoped table goes through it, so a handler cannot forget it.
    pub fn and_in_scope(&mut self, column: &str, scope: &Scope) -> &mut Self {
        self.push(" AND (");
        for (i, root) in scope.roots().iter().enumerate() {
            if i > 0 {
                self.push(" OR ");
            }
            if root.is_nation() {
                self.push("1 = 1");
                continue;
            }
            let (lo, hi) = root.subtree_range();
            self.push(&format!("({column} >= "))
                .bind(lo)
                .push(&format!(" AND {column} < "))
                .bind(hi)
                .push(")");
        }
        if scope.roots().is_empty() {
            self.push("1 = 0");
        }
        self.push(")");
        self
    }

    /// Appends `LIMIT/OFFSET` for a page.
    pub fn page(&mut self, page: &Page) -> &mut Self {
        self.push(" LIMIT ")
            .bind(page.limit)
            .push(" OFFSET ")
            .bind(page.offset)
    }
}

/// A page of a list: at most `limit` rows starting after `offset`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Page {
    pub const MAX_LIMIT: i64 = 500;
}
