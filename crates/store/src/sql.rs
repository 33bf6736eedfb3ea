//! A small builder for queries whose shape depends on filters, and the scope filter.

use crate::db::Value;
use datong_domain::{DivisionCode, Scope};

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

    /// Appends `(<column> starts with <prefix>)` as a range that an index serves: stored
    /// codes are ASCII digits and ':' sorts right after '9'.
    fn prefix_range(&mut self, column: &str, prefix: &str) -> &mut Self {
        if prefix.is_empty() {
            return self.push("1 = 1");
        }
        self.push(&format!("({column} >= "))
            .bind(prefix)
            .push(&format!(" AND {column} < "))
            .bind(format!("{prefix}:"))
            .push(")")
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
            self.prefix_range(column, root.as_path());
        }
        if scope.roots().is_empty() {
            self.push("1 = 0");
        }
        self.push(")")
    }

    /// Appends `AND <column> in the subtree of <code>` (a filter, inside the scope).
    pub fn and_in_subtree(&mut self, column: &str, code: &DivisionCode) -> &mut Self {
        self.and_code_prefix(column, code.as_path())
    }

    /// Appends `AND <column> starts with <digits>`.
    pub fn and_code_prefix(&mut self, column: &str, digits: &str) -> &mut Self {
        self.push(" AND ").prefix_range(column, digits)
    }

    /// Appends `AND <column> starts with <text>` for ASCII text (pinyin initials): the
    /// range ends at DEL, above every printable ASCII character.
    pub fn and_ascii_prefix(&mut self, column: &str, text: &str) -> &mut Self {
        debug_assert!(text.is_ascii());
        self.push(&format!(" AND {column} >= "))
            .bind(text)
            .push(&format!(" AND {column} < "))
            .bind(format!("{text}\u{7f}"))
    }

    /// Appends `AND NOT (<column> starts with <text>)` for ASCII text.
    pub fn and_ascii_prefix_not(&mut self, column: &str, text: &str) -> &mut Self {
        self.push(&format!(" AND NOT ({column} >= "))
            .bind(text)
            .push(&format!(" AND {column} < "))
            .bind(format!("{text}\u{7f}"))
            .push(")")
    }

    /// Appends `AND <column> contains <text>`; LIKE's wildcards in the text are dropped.
    pub fn and_contains(&mut self, column: &str, text: &str) -> &mut Self {
        self.push(&format!(" AND {column} LIKE "))
            .bind(format!("%{}%", text.replace(['%', '_'], "")))
    }

    /// Appends `LIMIT/OFFSET` for a page.
    ///
    /// The two numbers are written into the SQL, not bound: they are integers the server
    /// checked, and SQLite re-prepares a statement each time a bound LIMIT changes value.
    pub fn page(&mut self, page: &Page) -> &mut Self {
        self.push(&format!(" LIMIT {} OFFSET {}", page.limit, page.offset))
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

/// The orders a list of organisations or units can be read in; each ends on the id, so
/// pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListOrder {
    #[default]
    Place,
    Name,
}

impl ListOrder {
    pub fn order_by(self) -> &'static str {
        match self {
            ListOrder::Place => " ORDER BY territory_code, id",
            ListOrder::Name => " ORDER BY name, id",
        }
    }
}
