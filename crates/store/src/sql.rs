//! A small builder for queries whose shape depends on filters, and the scope filter.

use crate::access::Caller;
use crate::db::Value;
use datong_domain::{DivisionCode, Scope};

/// A relation in which a row is the caller's own whatever its subtree, for
/// `Sql::and_visible`: `<expr> IN (<values>)`, e.g. a member's own record by its id.
#[derive(Debug)]
pub struct Related {
    expr: &'static str,
    through: Option<&'static str>,
    values: Vec<Value>,
}

impl Related {
    /// Rows whose `expr` is one of `ids`.
    pub fn ids(expr: &'static str, ids: impl IntoIterator<Item = i64>) -> Self {
        Related {
            expr,
            through: None,
            values: ids.into_iter().map(Value::from).collect(),
        }
    }

    /// Relates through a table: `<expr> IN (<select> IN (<values>))`, where `select`
    /// reads one column of the rows whose last-named column holds one of the values.
    pub fn through(self, select: &'static str) -> Self {
        Related {
            through: Some(select),
            ..self
        }
    }

    /// Rows whose `expr` (a login column) is one of `logins`.
    pub fn logins(expr: &'static str, logins: &[String]) -> Self {
        Related {
            expr,
            through: None,
            values: logins.iter().map(|l| Value::from(l.as_str())).collect(),
        }
    }
}

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
    /// Architecture invariant: this, `and_in_scope_under` and `and_visible` are the only
    /// places a scope becomes SQL. Every repository read of a scoped table goes through
    /// one of them, so a handler cannot forget it.
    pub fn and_in_scope(&mut self, column: &str, scope: &Scope) -> &mut Self {
        self.and_in_scope_under(column, scope, None)
    }

    /// Appends `AND (<column> in one of the scope's subtrees, and under <under>)`, written
    /// as the intersection: one range a root, the narrower of the root's and `under`'s.
    /// Two ranges on one column would leave the planner to guess which to search by, and
    /// with bound values SQLite takes the first: the caller's whole city, to find one
    /// community's rows.
    pub fn and_in_scope_under(
        &mut self,
        column: &str,
        scope: &Scope,
        under: Option<&DivisionCode>,
    ) -> &mut Self {
        self.push(" AND (")
            .scope_ranges(column, scope, under)
            .push(")")
    }

    /// Appends what a caller sees of a table: `AND (<column> in its subtrees, under
    /// <under> OR <expr> IN (<values>) …)`, one disjunct for each relation that holds
    /// values. A caller related to nothing gets the plain scope filter.
    pub fn and_visible(
        &mut self,
        column: &str,
        caller: &Caller,
        under: Option<&DivisionCode>,
        related: &[Related],
    ) -> &mut Self {
        self.push(" AND ((")
            .scope_ranges(column, &caller.scope, under)
            .push(")");
        for r in related.iter().filter(|r| !r.values.is_empty()) {
            self.push(&format!(" OR ({} IN ", r.expr));
            if let Some(select) = r.through {
                self.push(&format!("({select} IN "));
            }
            self.bind_list(r.values.iter().cloned());
            if r.through.is_some() {
                self.push(")");
            }
            if let Some(u) = under {
                self.push(" AND ").prefix_range(column, u.as_path());
            }
            self.push(")");
        }
        self.push(")")
    }

    fn scope_ranges(
        &mut self,
        column: &str,
        scope: &Scope,
        under: Option<&DivisionCode>,
    ) -> &mut Self {
        let ranges: Vec<&DivisionCode> = scope
            .roots()
            .iter()
            .filter_map(|root| match under {
                None => Some(root),
                Some(u) if root.contains(u) => Some(u),
                Some(u) if u.contains(root) => Some(root),
                Some(_) => None,
            })
            .collect();
        for (i, code) in ranges.iter().enumerate() {
            if i > 0 {
                self.push(" OR ");
            }
            self.prefix_range(column, code.as_path());
        }
        if ranges.is_empty() {
            self.push("1 = 0");
        }
        self
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

    /// Appends `(<placeholder>, …)` bound to `values`, for `IN`; `(NULL)`, which matches
    /// nothing, when there are none.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.push("(");
        let mut any = false;
        for v in values {
            if any {
                self.push(", ");
            }
            self.bind(v);
            any = true;
        }
        if !any {
            self.push("NULL");
        }
        self.push(")")
    }

    /// Appends `LIMIT/OFFSET` for a page.
    ///
    /// The two numbers are written into the SQL, not bound: they are integers the server
    /// checked, and SQLite re-prepares a statement each time a bound LIMIT changes value.
    pub fn page(&mut self, page: &Page) -> &mut Self {
        self.push(&format!(" LIMIT {} OFFSET {}", page.limit, page.offset))
    }
}

/// How many rows a list holds, counted up to [`COUNT_CAP`]: past it, only that there are
/// more, so that counting a city-wide list costs a bounded read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Count {
    pub n: i64,
    /// More rows than `n` (the cap) match.
    pub more: bool,
}

pub const COUNT_CAP: i64 = 10_000;

impl Count {
    pub fn exact(n: i64) -> Self {
        Count { n, more: false }
    }
}

impl Sql {
    /// Counts the rows this query returns (built without its order or page), reading at
    /// most `COUNT_CAP + 1` of them.
    pub fn count(&self, conn: &mut crate::db::Conn) -> crate::StoreResult<Count> {
        let text = format!(
            "SELECT COUNT(*) FROM ({} LIMIT {}) AS counted",
            self.text,
            COUNT_CAP + 1
        );
        let n = conn.query_one(&text, &self.params)?.i64(0)?;
        Ok(Count {
            n: n.min(COUNT_CAP),
            more: n > COUNT_CAP,
        })
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
    /// Each order ends on the id, so pages never overlap; `descending` reverses all of it.
    pub fn order_by(self, descending: bool) -> &'static str {
        match (self, descending) {
            (ListOrder::Place, false) => " ORDER BY territory_code, id",
            (ListOrder::Place, true) => " ORDER BY territory_code DESC, id DESC",
            (ListOrder::Name, false) => " ORDER BY name, id",
            (ListOrder::Name, true) => " ORDER BY name DESC, id DESC",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scope's roots, the subtree asked for, and the prefixes searched.
    fn check(roots: &[&str], under: Option<&str>, expect: &[&str]) {
        let code = |c: &str| DivisionCode::parse(c).unwrap();
        let scope = Scope::new(roots.iter().map(|r| code(r)).collect());
        let under = under.map(code);
        let mut q = Sql::new("");
        q.and_in_scope_under("c", &scope, under.as_ref());
        let searched: Vec<String> = q
            .params
            .iter()
            .step_by(2)
            .map(|v| match v {
                Value::Text(t) => t.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(searched, expect, "{roots:?} under {under:?}: {}", q.text);
        if expect.is_empty() {
            assert_eq!(q.text, " AND (1 = 0)");
        }
    }

    #[test]
    fn a_scope_under_a_node_is_searched_as_the_narrower_range() {
        check(&["1402"], None, &["1402"]);
        check(&["1402"], Some("140213050001"), &["140213050001"]);
        check(&["140213050001"], Some("1402"), &["140213050001"]);
        check(&["140213050001"], Some("140213050002"), &[]);
        check(
            &["140213050001", "140214"],
            Some("140213"),
            &["140213050001"],
        );
        check(&["140213", "140214"], Some("1402"), &["140213", "140214"]);
        check(&[], Some("1402"), &[]);
    }

    #[test]
    fn a_list_binds_each_value_and_an_empty_one_matches_nothing() {
        let mut q = Sql::new("x IN ");
        q.bind_list(["a", "b"]);
        assert_eq!((q.text.as_str(), q.params.len()), ("x IN ($1, $2)", 2));
        let mut q = Sql::new("x IN ");
        q.bind_list(Vec::<i64>::new());
        assert_eq!(q.text, "x IN (NULL)");
    }
}
