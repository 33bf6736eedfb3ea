//! Subtree roll-ups from counters kept on write.
//!
//! Territory codes are materialised paths, so the ancestors of a node are the prefixes of
//! its code at the level lengths. Every write adds its deltas to the counters of those
//! ancestors in the same transaction; a roll-up then reads one node's counters instead of
//! walking its subtree. `rebuild` recomputes them all from the tables, and tests check that
//! the two always agree.
//! Architecture invariant: every write to territory, party_org, member or unit that changes
//! a counted attribute records it in a `Deltas` and flushes that in its transaction.

use crate::db::{BulkLock, Conn, DbResult, Value};
use crate::params;
use datong_domain::Level;
use datong_domain::division::{DivisionCode, Kind};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Prefixes of `path` at each level length: the ancestors, and `path` itself if asked.
fn prefixes(path: &str, include_self: bool) -> impl Iterator<Item = &str> {
    Level::ALL
        .into_iter()
        .map(Level::code_len)
        .filter(move |&n| n < path.len() || (include_self && n == path.len()))
        .map(move |n| &path[..n])
}

/// Community social workers at a node and below.
pub const SOCIAL_WORKERS: &str = "social_workers";

/// Territories count by kind (街道 apart from 镇 and 乡, 社区 from 村, 区 from 县: the
/// seed counts Datong's streets and communities apart from its towns and villages); a
/// level's count is the sum of its kinds', worked out when read, so the counters hold no
/// more rows than the kinds need (the nation's import writes each once).
pub fn territory_kind_metric(kind: Kind) -> String {
    format!("territory_kind:{}", kind.as_str())
}
pub fn org_metric(kind: &str) -> String {
    format!("org:{kind}")
}
/// What one member counts under: status, education, and the decades of birth and of
/// joining (ages follow from birth decades at read time, so no counter ages).
pub fn member_metrics(
    status: &str,
    education: &str,
    birth_date: &str,
    joined_on: &str,
) -> [String; 4] {
    let decade = |date: &str| format!("{}0", date.get(..3).unwrap_or("000"));
    [
        format!("member:{status}"),
        format!("member_edu:{education}"),
        format!("member_born:{}", decade(birth_date)),
        format!("member_joined:{}", decade(joined_on)),
    ]
}
pub fn unit_metric(kind: &str, coverage: &str) -> String {
    format!("unit:{kind}:{coverage}")
}

/// Counter changes gathered during one write, applied at the end, by metric then node.
///
/// Architecture invariant: every transaction updates counters in this one order, so two
/// concurrent writers under the same ancestors queue behind each other on PostgreSQL
/// instead of deadlocking.
#[derive(Debug, Default)]
pub struct Deltas(HashMap<String, HashMap<String, i64>>);

impl Deltas {
    /// A territory node counts at its strict ancestors (it is a sub-territory of them),
    /// under its kind.
    pub fn territory(&mut self, path: &str, kind: Kind, d: i64) {
        self.add(&territory_kind_metric(kind), prefixes(path, false), d);
    }

    /// `n` new children of `level` under `parent` count at the parent and its ancestors:
    /// what `territory` does for each, in one step.
    pub fn territory_children(&mut self, parent: &str, kind: Kind, n: i64) {
        self.add(&territory_kind_metric(kind), prefixes(parent, true), n);
    }

    /// An organisation, member or unit counts at the node it sits at and every ancestor.
    pub fn at(&mut self, path: &str, metric: &str, d: i64) {
        self.add(metric, prefixes(path, true), d);
    }

    /// A member counts at the node of its organisation and every ancestor, once under
    /// each of its metrics.
    pub fn member(&mut self, path: &str, metrics: &[String; 4], d: i64) {
        for m in metrics {
            self.at(path, m, d);
        }
    }

    // Looks up by borrowed keys first: a bulk import touches few distinct nodes many times.
    fn add<'a>(&mut self, metric: &str, nodes: impl Iterator<Item = &'a str>, d: i64) {
        let by_node = match self.0.get_mut(metric) {
            Some(m) => m,
            None => self.0.entry(metric.to_owned()).or_default(),
        };
        for node in nodes {
            match by_node.get_mut(node) {
                Some(n) => *n += d,
                None => {
                    by_node.insert(node.to_owned(), d);
                }
            }
        }
    }

    /// The non-zero changes as (node, metric, change), in the invariant's order.
    fn into_rows(self) -> impl Iterator<Item = (String, String, i64)> {
        let mut rows: Vec<(String, String, i64)> = self
            .0
            .into_iter()
            .flat_map(|(metric, by_node)| {
                by_node
                    .into_iter()
                    .filter(|&(_, d)| d != 0)
                    .map(move |(node, d)| (node, metric.clone(), d))
            })
            .collect();
        rows.sort_unstable_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        rows.into_iter()
    }

    fn rows(self) -> Vec<Vec<Value>> {
        self.into_rows()
            .map(|(node, metric, d)| vec![node.into(), metric.into(), d.into()])
            .collect()
    }

    pub fn flush(self, conn: &mut Conn) -> DbResult<()> {
        conn.bulk_add("rollup_counter", &COUNTER_COLUMNS, &self.rows())
    }

    /// [`Deltas::flush`] for a bulk write that took [`lock`] first in its transaction.
    pub fn flush_locked(self, conn: &mut Conn, lock: &BulkLock) -> DbResult<()> {
        conn.bulk_add_locked(lock, &COUNTER_COLUMNS, &self.rows())
    }
}

const COUNTER_COLUMNS: [&str; 3] = ["node", "metric", "n"];

/// Holds the counters against every other writer for the rest of the transaction: for a
/// bulk write (the nation's divisions) that changes tens of thousands of them, taken
/// before any. Writers under the same ancestors queue behind such a write anyway.
pub fn lock(conn: &mut Conn) -> DbResult<BulkLock> {
    conn.lock_for_bulk("rollup_counter")
}

/// Recomputes every counter from the tables.
pub fn rebuild(conn: &mut Conn) -> DbResult<u64> {
    let mut d = Deltas::default();
    for r in conn.query(
        "SELECT code, kind FROM territory WHERE valid_to IS NULL",
        params![],
    )? {
        let kind = Kind::parse(&r.str(1)?).unwrap_or(Kind::Household);
        d.territory(&r.str(0)?, kind, 1);
    }
    for r in conn.query(
        "SELECT territory_code, kind FROM party_org WHERE valid_to IS NULL",
        params![],
    )? {
        d.at(&r.str(0)?, &org_metric(&r.str(1)?), 1);
    }
    for r in conn.query(
        "SELECT territory_code, status, education, birth_date, joined_on FROM member",
        params![],
    )? {
        let metrics = member_metrics(&r.str(1)?, &r.str(2)?, &r.str(3)?, &r.str(4)?);
        d.member(&r.str(0)?, &metrics, 1);
    }
    for r in conn.query("SELECT territory_code FROM social_worker", params![])? {
        d.at(&r.str(0)?, SOCIAL_WORKERS, 1);
    }
    for r in conn.query("SELECT territory_code, kind, coverage FROM unit", params![])? {
        d.at(&r.str(0)?, &unit_metric(&r.str(1)?, &r.str(2)?), 1);
    }
    conn.execute("DELETE FROM rollup_counter", params![])?;
    let rows: Vec<[Value; 3]> = d
        .into_rows()
        .map(|(node, metric, n)| [Value::Text(node), Value::Text(metric), Value::Int(n)])
        .collect();
    conn.bulk_insert(
        "rollup_counter",
        &["node", "metric", "n"],
        rows.iter().map(|r| &r[..]),
    )
}

/// All counters, for comparing the kept ones with a rebuild.
pub fn snapshot(conn: &mut Conn) -> DbResult<BTreeMap<(String, String), i64>> {
    conn.query(
        "SELECT node, metric, n FROM rollup_counter WHERE n <> 0",
        params![],
    )?
    .into_iter()
    .map(|r| Ok(((r.str(0)?, r.str(1)?), r.i64(2)?)))
    .collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoverageByKind {
    pub units: i64,
    /// Units with their own party organisation or in a joint branch.
    pub covered: i64,
    /// Units reached by an instructor only (work coverage).
    pub instructor: i64,
    /// covered / units; absent when there are no units.
    pub coverage_rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rollup {
    pub code: DivisionCode,
    pub territories: BTreeMap<String, i64>,
    /// By kind: street and town, community and village, district and county.
    pub territory_kinds: BTreeMap<String, i64>,
    pub orgs: BTreeMap<String, i64>,
    pub members: BTreeMap<String, i64>,
    pub members_by_education: BTreeMap<String, i64>,
    /// By decade of birth (`1950`: born 1950–1959).
    pub members_by_birth_decade: BTreeMap<String, i64>,
    /// By decade of joining the party.
    pub members_by_joined_decade: BTreeMap<String, i64>,
    pub members_total: i64,
    pub social_workers: i64,
    pub units_total: i64,
    pub units: BTreeMap<String, CoverageByKind>,
}

/// Reads one node's roll-up for a caller: only nodes inside its scope.
pub fn read_for(
    conn: &mut Conn,
    caller: &crate::access::Caller,
    code: &DivisionCode,
) -> crate::StoreResult<Rollup> {
    crate::territory::get_in_scope(conn, caller, code)?;
    Ok(read(conn, code)?)
}

/// Reads one node's roll-up from its counters, unchecked: for the command line, benches
/// and [`read_for`].
pub fn read(conn: &mut Conn, code: &DivisionCode) -> DbResult<Rollup> {
    let rows = conn.query(
        "SELECT metric, n FROM rollup_counter WHERE node = $1",
        params![code.as_path()],
    )?;
    from_metrics(code, rows.iter().map(|r| Ok((r.str(0)?, r.i64(1)?))))
}

/// The roll-ups of several nodes in one query (a dashboard's children), unchecked like
/// [`read`]: the caller listed the nodes through a scoped read.
pub fn read_many(conn: &mut Conn, codes: &[DivisionCode]) -> DbResult<Vec<Rollup>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = crate::sql::Sql::new("SELECT node, metric, n FROM rollup_counter WHERE node IN ");
    q.bind_list(codes.iter().map(DivisionCode::as_path));
    let mut by_node: std::collections::HashMap<String, Vec<(String, i64)>> = Default::default();
    for r in conn.query(&q.text, &q.params)? {
        by_node
            .entry(r.str(0)?)
            .or_default()
            .push((r.str(1)?, r.i64(2)?));
    }
    codes
        .iter()
        .map(|c| {
            let rows = by_node.remove(c.as_path()).unwrap_or_default();
            from_metrics(c, rows.into_iter().map(Ok))
        })
        .collect()
}

/// One measure of many nodes from the counters: at each node, the sum of `metrics` (a
/// node with none of them is absent). Unchecked like [`read`].
pub fn sum_many(
    conn: &mut Conn,
    codes: &[DivisionCode],
    metrics: &[&str],
) -> DbResult<std::collections::HashMap<String, i64>> {
    if codes.is_empty() {
        return Ok(Default::default());
    }
    let mut q = crate::sql::Sql::new("SELECT node, SUM(n) FROM rollup_counter WHERE node IN ");
    q.bind_list(codes.iter().map(DivisionCode::as_path))
        .push(" AND metric IN ")
        .bind_list(metrics.iter().copied())
        .push(" GROUP BY node");
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| Ok((r.str(0)?, r.i64(1)?)))
        .collect()
}

/// The same roll-up computed by walking the subtree with a recursive CTE over
/// `parent_code`: what the counters replace. The benchmark's baseline and a test's oracle.
/// Ended places are walked through but not counted: what still hangs on them (until a
/// redistricting moves it) counts where it stands.
pub fn read_by_walking(conn: &mut Conn, code: &DivisionCode) -> DbResult<Rollup> {
    let rows = conn.query(
        "WITH RECURSIVE sub(code, kind, current) AS (
             SELECT code, kind, valid_to IS NULL FROM territory
              WHERE code = $1 OR ($1 = '' AND parent_code IS NULL)
             UNION ALL
             SELECT t.code, t.kind, t.valid_to IS NULL FROM territory t JOIN sub ON t.parent_code = sub.code
         )
         SELECT 'territory_kind:' || kind, COUNT(*) FROM sub WHERE code <> $1 AND current GROUP BY kind
         UNION ALL
         SELECT 'org:' || o.kind, COUNT(*) FROM party_org o JOIN sub ON o.territory_code = sub.code
          WHERE o.valid_to IS NULL GROUP BY o.kind
         UNION ALL
         SELECT 'member:' || m.status, COUNT(*) FROM member m JOIN sub ON m.territory_code = sub.code
          GROUP BY m.status
         UNION ALL
         SELECT 'member_edu:' || m.education, COUNT(*) FROM member m JOIN sub ON m.territory_code = sub.code
          GROUP BY m.education
         UNION ALL
         SELECT 'member_born:' || substr(m.birth_date, 1, 3) || '0', COUNT(*) FROM member m
           JOIN sub ON m.territory_code = sub.code GROUP BY substr(m.birth_date, 1, 3)
         UNION ALL
         SELECT 'member_joined:' || substr(m.joined_on, 1, 3) || '0', COUNT(*) FROM member m
           JOIN sub ON m.territory_code = sub.code GROUP BY substr(m.joined_on, 1, 3)
         UNION ALL
         SELECT 'social_workers', COUNT(*) FROM social_worker w JOIN sub ON w.territory_code = sub.code
         UNION ALL
         SELECT 'unit:' || u.kind || ':' || u.coverage, COUNT(*) FROM unit u
           JOIN sub ON u.territory_code = sub.code GROUP BY u.kind, u.coverage",
        params![code.as_path()],
    )?;
    from_metrics(code, rows.iter().map(|r| Ok((r.str(0)?, r.i64(1)?))))
}

fn from_metrics(
    code: &DivisionCode,
    metrics: impl Iterator<Item = DbResult<(String, i64)>>,
) -> DbResult<Rollup> {
    let mut r = Rollup {
        code: code.clone(),
        territories: BTreeMap::new(),
        territory_kinds: BTreeMap::new(),
        orgs: BTreeMap::new(),
        members: BTreeMap::new(),
        members_by_education: BTreeMap::new(),
        members_by_birth_decade: BTreeMap::new(),
        members_by_joined_decade: BTreeMap::new(),
        members_total: 0,
        social_workers: 0,
        units_total: 0,
        units: BTreeMap::new(),
    };
    for m in metrics {
        let (metric, n) = m?;
        if n == 0 {
            continue;
        }
        let mut parts = metric.split(':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("territory_kind"), Some(kind), None) => {
                r.territory_kinds.insert(kind.to_owned(), n);
                if let Some(k) = Kind::parse(kind) {
                    *r.territories
                        .entry(k.level().as_str().to_owned())
                        .or_default() += n;
                }
            }
            (Some("org"), Some(kind), None) => {
                r.orgs.insert(kind.to_owned(), n);
            }
            (Some("member"), Some(status), None) => {
                r.members.insert(status.to_owned(), n);
                r.members_total += n;
            }
            (Some(SOCIAL_WORKERS), None, None) => r.social_workers = n,
            (Some("member_edu"), Some(education), None) => {
                r.members_by_education.insert(education.to_owned(), n);
            }
            (Some("member_born"), Some(decade), None) => {
                r.members_by_birth_decade.insert(decade.to_owned(), n);
            }
            (Some("member_joined"), Some(decade), None) => {
                r.members_by_joined_decade.insert(decade.to_owned(), n);
            }
            (Some("unit"), Some(kind), Some(coverage)) => {
                let e = r.units.entry(kind.to_owned()).or_insert(CoverageByKind {
                    units: 0,
                    covered: 0,
                    instructor: 0,
                    coverage_rate: None,
                });
                e.units += n;
                r.units_total += n;
                match datong_domain::unit::Coverage::parse(coverage) {
                    Some(c) if c.is_org_coverage() => e.covered += n,
                    Some(datong_domain::unit::Coverage::Instructor) => e.instructor += n,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    for e in r.units.values_mut() {
        e.coverage_rate = (e.units > 0).then(|| e.covered as f64 / e.units as f64);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_counts_the_sum_of_its_kinds() {
        let code = DivisionCode::parse("1402").unwrap();
        let rows = [
            ("territory_kind:street", 39),
            ("territory_kind:town", 37),
            ("territory_kind:township", 51),
            ("territory_kind:village", 1426),
        ];
        let r = from_metrics(&code, rows.iter().map(|(m, n)| Ok((m.to_string(), *n)))).unwrap();
        assert_eq!(r.territories["street"], 127);
        assert_eq!(r.territories["community"], 1426);
        assert_eq!(r.territory_kinds["township"], 51);
    }

    #[test]
    fn prefixes_are_level_ancestors() {
        let p: Vec<&str> = prefixes("140213001001", false).collect();
        assert_eq!(p, ["", "14", "1402", "140213", "140213001"]);
        let p: Vec<&str> = prefixes("1402", true).collect();
        assert_eq!(p, ["", "14", "1402"]);
    }
}
