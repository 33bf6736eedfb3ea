//! Counters per node, month received and measure, kept in the transaction of every step
//! at each level from the province down to the request's place; the rates a dashboard
//! shows are read from them, so reading costs the same at a million requests as at ten.

use crate::access::Caller;
use crate::db::{Conn, Value};
use crate::error::{StoreError, StoreResult};
use crate::sql::Sql;
use datong_domain::request::{Measure, Rates, Tally, Weights, rates};
use datong_domain::{DivisionCode, Level};
use serde::Serialize;

/// Adds `deltas` to the counters of `node` and every node above it, for `month`.
pub(crate) fn add(
    c: &mut Conn,
    node: &DivisionCode,
    month: &str,
    deltas: &[(Measure, i64)],
) -> StoreResult<()> {
    // One change a measure (a new rating replaces the old: -1 and +1), as each counter
    // may be written once.
    let mut by_measure: Vec<(Measure, i64)> = Vec::new();
    for &(m, d) in deltas {
        match by_measure.iter_mut().find(|(seen, _)| *seen == m) {
            Some((_, sum)) => *sum += d,
            None => by_measure.push((m, d)),
        }
    }
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for n in node.lineage().iter().filter(|n| !n.is_nation()) {
        for (m, d) in by_measure.iter().filter(|(_, d)| *d != 0) {
            rows.push(vec![
                n.level().as_str().into(),
                n.as_path().into(),
                month.into(),
                m.as_str().into(),
                Value::Int(*d),
            ]);
        }
    }
    // One global key order, so concurrent writers under a common ancestor queue on
    // PostgreSQL instead of deadlocking.
    rows.sort_by(|a, b| a[..4].iter().map(text).cmp(b[..4].iter().map(text)));
    c.bulk_add(
        "request_tally",
        &["level", "node_code", "month", "measure", "n"],
        &rows,
    )?;
    Ok(())
}

fn text(v: &Value) -> &str {
    match v {
        Value::Text(s) => s,
        _ => "",
    }
}

/// A half-open range of months, `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Months {
    pub first: String,
    pub last: String,
}

impl Months {
    /// The months of a period (`2026`, `2026-Q3`, `2026-07`).
    pub fn of(p: &datong_domain::accountability::Period) -> Months {
        Months {
            first: p.first.format("%Y-%m").to_string(),
            last: p.last.format("%Y-%m").to_string(),
        }
    }
}

/// One node's counts and rates.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeFigures {
    pub code: DivisionCode,
    pub name: String,
    pub tally: Tally,
    pub rates: Rates,
}

/// A node's figures over some months: in all, month by month, and for each child.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub node: NodeFigures,
    pub weights: Weights,
    pub months: Vec<(String, Tally)>,
    pub children: Vec<NodeFigures>,
}

/// Reads the counters of `nodes` (all at one level) over `months`, summed per node and,
/// for each node, per month.
fn read(
    conn: &mut Conn,
    level: Level,
    nodes: &[DivisionCode],
    months: &Months,
) -> StoreResult<Vec<(String, String, Tally)>> {
    if nodes.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = Sql::new("SELECT node_code, month, measure, n FROM request_tally WHERE level = ");
    q.bind(level.as_str())
        .push(" AND node_code IN ")
        .bind_list(nodes.iter().map(DivisionCode::as_path))
        .push(" AND month >= ")
        .bind(months.first.as_str())
        .push(" AND month <= ")
        .bind(months.last.as_str());
    let mut out: std::collections::HashMap<(String, String), Tally> =
        std::collections::HashMap::new();
    for r in conn.query(&q.text, &q.params)? {
        let Some(m) = Measure::parse(&r.str(2)?) else {
            continue;
        };
        out.entry((r.str(0)?, r.str(1)?))
            .or_default()
            .add(m, r.i64(3)?);
    }
    Ok(out.into_iter().map(|((n, m), t)| (n, m, t)).collect())
}

fn total(rows: &[(String, String, Tally)], node: &str) -> Tally {
    let mut t = Tally::default();
    for (_, _, x) in rows.iter().filter(|(n, _, _)| n == node) {
        t += *x;
    }
    t
}

/// The figures of `node` over `months`: its rates, its trend month by month, and the same
/// for each of its children (grids being the last level counted).
pub fn figures(
    conn: &mut Conn,
    caller: &Caller,
    node: &DivisionCode,
    months: &Months,
) -> StoreResult<Figures> {
    let t = crate::territory::get_in_scope(conn, caller, node)?;
    if node.is_nation() {
        return Err(StoreError::invalid("code", "请选择省、市或更低一级"));
    }
    let weights = super::catalogue::settings(conn)?.weights;
    let own = read(conn, node.level(), std::slice::from_ref(node), months)?;
    let tally = total(&own, node.as_path());
    let mut by_month: Vec<(String, Tally)> = own.into_iter().map(|(_, m, t)| (m, t)).collect();
    by_month.sort_by(|a, b| a.0.cmp(&b.0));
    let children = match node.level().child().filter(|l| *l <= Level::Grid) {
        Some(level) => {
            let kids = crate::territory::at_level(conn, caller, node, level)?;
            let codes: Vec<DivisionCode> = kids.iter().map(|(c, _)| c.clone()).collect();
            let rows = read(conn, level, &codes, months)?;
            kids.into_iter()
                .map(|(code, name)| {
                    let tally = total(&rows, code.as_path());
                    NodeFigures {
                        rates: rates(&tally, &weights),
                        code,
                        name,
                        tally,
                    }
                })
                .collect()
        }
        None => Vec::new(),
    };
    Ok(Figures {
        node: NodeFigures {
            code: node.clone(),
            name: t.name,
            rates: rates(&tally, &weights),
            tally,
        },
        weights,
        months: by_month,
        children,
    })
}

/// Requests received over `months` in each node at `level` below `node`, with the
/// node's place: what the map draws.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Dot {
    pub code: DivisionCode,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub received: i64,
}

pub fn dots(
    conn: &mut Conn,
    caller: &Caller,
    node: &DivisionCode,
    level: Level,
    months: &Months,
) -> StoreResult<Vec<Dot>> {
    if level <= node.level() || level > Level::Community {
        return Err(StoreError::invalid(
            "level",
            "应为街道或社区，且低于所选区划",
        ));
    }
    // The nodes level by level through the parent index, then their places by key: a
    // city's streets without reading the places of every building below them.
    let nodes = crate::territory::at_level(conn, caller, node, level)?;
    let mut at: std::collections::HashMap<String, (f64, f64)> = std::collections::HashMap::new();
    for batch in nodes.chunks(500) {
        let mut q = Sql::new("SELECT code, lon, lat FROM territory_geo WHERE code IN ");
        q.bind_list(batch.iter().map(|(c, _)| c.as_path()));
        for r in conn.query(&q.text, &q.params)? {
            at.insert(r.str(0)?, (r.f64(1)?, r.f64(2)?));
        }
    }
    let mut q =
        Sql::new("SELECT node_code, CAST(SUM(n) AS BIGINT) FROM request_tally WHERE level = ");
    q.bind(level.as_str())
        .push(" AND measure = ")
        .bind(Measure::Received.as_str());
    q.push(" AND month >= ")
        .bind(months.first.as_str())
        .push(" AND month <= ")
        .bind(months.last.as_str());
    q.and_in_subtree("node_code", node)
        .push(" GROUP BY node_code");
    let counts: std::collections::HashMap<String, i64> = conn
        .query(&q.text, &q.params)?
        .iter()
        .map(|r| Ok((r.str(0)?, r.i64(1)?)))
        .collect::<StoreResult<_>>()?;
    Ok(nodes
        .into_iter()
        .filter_map(|(code, name)| {
            let &(lon, lat) = at.get(code.as_path())?;
            Some(Dot {
                received: counts.get(code.as_path()).copied().unwrap_or(0),
                code,
                name,
                lon,
                lat,
            })
        })
        .collect())
}

/// Open requests under `under`, counted at each node of `level` (their ancestors there),
/// for the nodes the caller's places hold.
pub fn open_by_node(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
    level: Level,
) -> StoreResult<std::collections::HashMap<String, i64>> {
    crate::territory::get_in_scope(conn, caller, under)?;
    // The prefix length comes from the level, written as a literal (both engines then type
    // `substr` alike).
    let len = level.code_len();
    let mut q = Sql::new(&format!(
        "SELECT substr(node_code, 1, {len}), COUNT(*) FROM request \
         WHERE stage NOT IN ('closed', 'rated') AND length(node_code) >= {len}"
    ));
    q.and_in_scope_under("node_code", &caller.places, Some(under))
        .push(" GROUP BY 1");
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| Ok((r.str(0)?, r.i64(1)?)))
        .collect()
}

/// Every request ever received under `node`, from the counters (requests are never
/// deleted, so this is how many lie under it).
pub fn received_total(conn: &mut Conn, node: &DivisionCode) -> StoreResult<i64> {
    let r = conn.query_one(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM request_tally \
         WHERE level = $1 AND node_code = $2 AND measure = $3",
        crate::params![
            node.level().as_str(),
            node.as_path(),
            Measure::Received.as_str()
        ],
    )?;
    Ok(r.i64(0)?)
}
