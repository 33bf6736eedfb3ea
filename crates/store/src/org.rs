//! The party-organisation tree. Each organisation sits at a territory node and belongs to
//! a parent organisation; `path` (`/1/5/9/`) is the chain of ids from the root.

use crate::access::Caller;
use crate::audit::{self, Entry};
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::rollup::{Deltas, org_metric};
use crate::sql::{Count, Page, Related, Sql};
use datong_domain::branch_rules::{self, Finding, OrgFacts};
use datong_domain::division::{DivisionCode, Level};
use datong_domain::org::OrgKind;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Org {
    pub id: i64,
    pub name: String,
    pub kind: OrgKind,
    pub territory: DivisionCode,
    pub parent_id: Option<i64>,
    pub committee_size: i64,
    pub term_start: Option<String>,
    pub term_end: Option<String>,
    pub version: i64,
}

const COLUMNS: &str =
    "id, name, kind, territory_code, parent_id, committee_size, term_start, term_end, version";

fn from_row(r: &Row) -> StoreResult<Org> {
    Ok(Org {
        id: r.i64(0)?,
        name: r.str(1)?,
        kind: OrgKind::parse(&r.str(2)?)
            .ok_or_else(|| StoreError::invalid("kind", "stored kind unknown"))?,
        territory: DivisionCode::from_path(&r.str(3)?)
            .map_err(|e| StoreError::invalid("territory", e.to_string()))?,
        parent_id: r.opt_i64(4)?,
        committee_size: r.i64(5)?,
        term_start: r.opt_str(6)?,
        term_end: r.opt_str(7)?,
        version: r.i64(8)?,
    })
}

/// The organisations of a member's or a unit's account, which it reads wherever they are.
fn own(caller: &Caller) -> [Related; 1] {
    [Related::ids("id", caller.own.orgs.iter().copied())]
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Org> {
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM party_org WHERE valid_to IS NULL AND id = "
    ));
    q.bind(id)
        .and_visible("territory_code", caller, None, &own(caller));
    let r = conn
        .query_opt(&q.text, &q.params)?
        .ok_or(StoreError::NotFound)?;
    from_row(&r)
}

#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    pub order: crate::sql::ListOrder,
    pub descending: bool,
    pub kind: Option<OrgKind>,
    pub territory: Option<DivisionCode>,
    pub parent_id: Option<i64>,
    pub name: Option<String>,
    /// The organisations that stood on this day (ended ones included), not today's.
    pub as_of: Option<chrono::NaiveDate>,
}

/// The names of the organisations with these ids (repeats welcome) that the caller may see.
pub fn names(
    conn: &mut Conn,
    caller: &Caller,
    ids: impl IntoIterator<Item = i64>,
) -> StoreResult<std::collections::HashMap<i64, String>> {
    let ids: std::collections::BTreeSet<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut q = Sql::new("SELECT id, name FROM party_org WHERE id IN ");
    q.bind_list(ids.iter().copied());
    q.and_visible("territory_code", caller, None, &own(caller));
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| Ok((r.i64(0)?, r.str(1)?)))
        .collect()
}

pub fn list(conn: &mut Conn, caller: &Caller, f: &OrgFilter, page: &Page) -> StoreResult<Vec<Org>> {
    let mut q = filtered(caller, f);
    q.push(f.order.order_by(f.descending)).page(page);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(from_row)
        .collect()
}

/// How many organisations [`list`] would give, all pages: from the kept counters where the
/// filter is a whole subtree the caller sees today (by kind or not), else counted up to
/// the cap.
pub fn count(conn: &mut Conn, caller: &Caller, f: &OrgFilter) -> StoreResult<Count> {
    let whole_subtree = f.name.is_none() && f.parent_id.is_none() && f.as_of.is_none();
    match &f.territory {
        Some(t) if whole_subtree && caller.scope.contains(t) => {
            let r = crate::rollup::read(conn, t)?;
            Ok(Count::exact(match f.kind {
                Some(k) => r.orgs.get(k.as_str()).copied().unwrap_or(0),
                None => r.orgs.values().sum(),
            }))
        }
        _ => filtered(caller, f).count(conn),
    }
}

fn filtered(caller: &Caller, f: &OrgFilter) -> Sql {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM party_org WHERE "));
    match f.as_of {
        None => q.push("valid_to IS NULL"),
        Some(day) => q
            .push("valid_from <= ")
            .bind(day.to_string())
            .push(" AND (valid_to IS NULL OR valid_to > ")
            .bind(day.to_string())
            .push(")"),
    };
    q.and_visible("territory_code", caller, f.territory.as_ref(), &own(caller));
    if let Some(k) = f.kind {
        q.push(" AND kind = ").bind(k.as_str());
    }
    if let Some(p) = f.parent_id {
        q.push(" AND parent_id = ").bind(p);
    }
    if let Some(n) = &f.name {
        q.and_contains("name", n);
    }
    q
}

#[derive(Debug, Clone)]
pub struct NewOrg {
    pub name: String,
    pub kind: OrgKind,
    pub territory: DivisionCode,
    pub parent_id: Option<i64>,
    pub committee_size: i64,
    pub term_start: Option<chrono::NaiveDate>,
}

/// The end of a term that starts on `start`, by the branch-rule term lengths.
fn term_end(start: chrono::NaiveDate, territory: &DivisionCode) -> String {
    let years = branch_rules::term_years(territory.level() >= Level::Community);
    (start + chrono::Months::new(12 * years)).to_string()
}

fn check_write(caller: &Caller, territory: &DivisionCode) -> StoreResult<()> {
    if !caller.places.contains(territory) {
        return Err(StoreError::invalid(
            "territory",
            "所在区划不存在或不在权限范围内",
        ));
    }
    caller.may_write(territory)?;
    Ok(())
}

pub fn create(conn: &mut Conn, caller: &Caller, n: NewOrg) -> StoreResult<Org> {
    check_write(caller, &n.territory)?;
    crate::territory::stored_in_scope(conn, caller, &n.territory)
        .map_err(|_| StoreError::invalid("territory", "所在区划不存在或不在权限范围内"))?;
    let parent =
        match n.parent_id {
            Some(p) => Some(get(conn, caller, p).map_err(|_| {
                StoreError::invalid("parent_id", "上级党组织不存在或不在权限范围内")
            })?),
            None => None,
        };
    if let Some(p) = &parent
        && !p.kind.can_parent(n.kind)
    {
        return Err(StoreError::invalid(
            "parent_id",
            format!("{}之下不能设立{}", p.kind.label(), n.kind.label()),
        ));
    }
    if !(0..=15).contains(&n.committee_size) {
        return Err(StoreError::invalid(
            "committee_size",
            "委员会人数应在 0 至 15 之间",
        ));
    }
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO party_org (name, kind, territory_code, parent_id, path, committee_size, term_start, term_end, valid_from)
                 VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8) RETURNING id",
                params![
                    &n.name,
                    n.kind.as_str(),
                    n.territory.as_path(),
                    n.parent_id,
                    n.committee_size,
                    n.term_start.map(|d| d.to_string()),
                    n.term_start.map(|d| term_end(d, &n.territory)),
                    caller.today().to_string()
                ],
            )?
            .i64(0)?;
        let parent_path = match n.parent_id {
            Some(p) => c.query_one("SELECT path FROM party_org WHERE id = $1", params![p])?.str(0)?,
            None => "/".to_owned(),
        };
        c.execute("UPDATE party_org SET path = $1 WHERE id = $2", params![format!("{parent_path}{id}/"), id])?;
        let mut d = Deltas::default();
        d.at(n.territory.as_path(), &org_metric(n.kind.as_str()), 1);
        d.flush(c)?;
        let org = from_row(&c.query_one(&format!("SELECT {COLUMNS} FROM party_org WHERE id = $1"), params![id])?)?;
        let after = serde_json::to_value(&org).expect("plain struct");
        audit::append(c, &caller.actor, Entry { action: "create", entity: "party_org", entity_id: &id.to_string(), before: None, after: Some(&after) })?;
        Ok(org)
    })
}

/// Ends an organisation on `on`, for `reason` (merged, dissolved, redistricted): its row
/// stays, with the day and the reason. One that still has members or current
/// organisations under it is refused, saying how many: they move first.
pub fn end(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    on: chrono::NaiveDate,
    reason: &str,
) -> StoreResult<()> {
    let org = get(conn, caller, id)?;
    caller.may_write(&org.territory)?;
    let reason = datong_domain::text::line(reason, 500)
        .map_err(|e| StoreError::invalid("reason", e.to_string()))?
        .to_owned();
    conn.tx(|c| {
        let members = c.query_one("SELECT COUNT(*) FROM member WHERE org_id = $1", params![id])?.i64(0)?;
        let children = c
            .query_one("SELECT COUNT(*) FROM party_org WHERE parent_id = $1 AND valid_to IS NULL", params![id])?
            .i64(0)?;
        if members > 0 || children > 0 {
            return Err(StoreError::conflict(
                "id",
                format!("该党组织尚有 {members} 名党员、{children} 个下级组织，应先转接或撤销"),
            ));
        }
        c.execute(
            "UPDATE party_org SET valid_to = $1, end_reason = $2, version = version + 1 WHERE id = $3 AND valid_to IS NULL",
            params![on.to_string(), &reason, id],
        )?;
        let mut d = Deltas::default();
        d.at(org.territory.as_path(), &org_metric(org.kind.as_str()), -1);
        d.flush(c)?;
        let after = serde_json::json!({ "valid_to": on, "reason": reason });
        audit::append(c, &caller.actor, Entry { action: "end", entity: "party_org", entity_id: &id.to_string(), before: None, after: Some(&after) })?;
        Ok(())
    })
}

#[derive(Debug, Clone, Default)]
pub struct OrgChange {
    pub name: Option<String>,
    pub committee_size: Option<i64>,
    pub term_start: Option<chrono::NaiveDate>,
    /// Optimistic lock: the version the client last read.
    pub version: Option<i64>,
}

pub fn update(conn: &mut Conn, caller: &Caller, id: i64, ch: OrgChange) -> StoreResult<Org> {
    let before = get(conn, caller, id)?;
    check_write(caller, &before.territory)?;
    if let Some(v) = ch.version
        && v != before.version
    {
        return Err(StoreError::conflict(
            "version",
            "该党组织已被他人修改，请刷新后重试",
        ));
    }
    if ch.committee_size.is_some_and(|s| !(0..=15).contains(&s)) {
        return Err(StoreError::invalid(
            "committee_size",
            "委员会人数应在 0 至 15 之间",
        ));
    }
    conn.tx(|c| {
        let term_start = ch.term_start.map(|d| d.to_string()).or(before.term_start.clone());
        let term_end = match ch.term_start {
            Some(d) => Some(term_end(d, &before.territory)),
            None => before.term_end.clone(),
        };
        c.execute(
            "UPDATE party_org SET name = $1, committee_size = $2, term_start = $3, term_end = $4, version = version + 1 WHERE id = $5",
            params![ch.name.clone().unwrap_or(before.name.clone()), ch.committee_size.unwrap_or(before.committee_size), term_start, term_end, id],
        )?;
        let after = from_row(&c.query_one(&format!("SELECT {COLUMNS} FROM party_org WHERE id = $1"), params![id])?)?;
        audit::append(c, &caller.actor, Entry {
            action: "update",
            entity: "party_org",
            entity_id: &id.to_string(),
            before: Some(&serde_json::to_value(&before).expect("plain struct")),
            after: Some(&serde_json::to_value(&after).expect("plain struct")),
        })?;
        Ok(after)
    })
}

/// The branch-rule findings for one organisation, from its current members and units.
/// A branch's members include those of its 党小组 (a group is part of its branch).
pub fn findings(conn: &mut Conn, caller: &Caller, org: &Org) -> StoreResult<Vec<Finding>> {
    let counts = conn.query_one(
        "SELECT COALESCE(SUM(CASE WHEN m.status = 'full' THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN m.status = 'probationary' THEN 1 ELSE 0 END), 0)
         FROM member m JOIN party_org g ON g.id = m.org_id
        WHERE g.id = $1 OR (g.parent_id = $1 AND g.kind = 'group')",
        params![org.id],
    )?;
    let units = conn
        .query_one(
            "SELECT COUNT(*) FROM unit WHERE org_id = $1",
            params![org.id],
        )?
        .i64(0)?;
    let facts = OrgFacts {
        kind: org.kind,
        full_members: counts.i64(0)? as u32,
        probationary_members: counts.i64(1)? as u32,
        committee_size: org.committee_size as u32,
        term_end: org.term_end.as_deref().and_then(|d| d.parse().ok()),
        units: units as u32,
    };
    Ok(branch_rules::evaluate(&facts, caller.today()))
}

/// An organisation of a subtree judged by the branch rules.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Judged {
    pub id: i64,
    pub name: String,
    pub territory: DivisionCode,
    pub findings: Vec<branch_rules::Finding>,
}

/// Every current organisation under `code` the caller manages, judged by the branch
/// rules, in code order: those with no finding too.
pub fn judged(conn: &mut Conn, caller: &Caller, code: &DivisionCode) -> StoreResult<Vec<Judged>> {
    crate::territory::get_in_scope(conn, caller, code)?;
    let mut q = Sql::new(
        "SELECT o.kind, o.committee_size, o.term_end, COALESCE(m.full_n, 0), COALESCE(m.prob_n, 0), COALESCE(u.n, 0),
                o.id, o.name, o.territory_code
           FROM party_org o
           LEFT JOIN (SELECT CASE WHEN g.kind = 'group' THEN g.parent_id ELSE g.id END AS org_id,
                             SUM(CASE WHEN m.status = 'full' THEN 1 ELSE 0 END) AS full_n,
                             SUM(CASE WHEN m.status = 'probationary' THEN 1 ELSE 0 END) AS prob_n
                        FROM member m JOIN party_org g ON g.id = m.org_id WHERE 1 = 1",
    );
    // A branch's members include those of its 党小组, which sit in the same subtree.
    q.and_in_subtree("m.territory_code", code);
    q.push(
        " GROUP BY CASE WHEN g.kind = 'group' THEN g.parent_id ELSE g.id END) m ON m.org_id = o.id
           LEFT JOIN (SELECT org_id, COUNT(*) AS n FROM unit WHERE org_id IS NOT NULL GROUP BY org_id) u ON u.org_id = o.id
          WHERE o.valid_to IS NULL",
    );
    q.and_in_scope_under("o.territory_code", &caller.scope, Some(code));
    q.push(" ORDER BY o.territory_code, o.id");
    let today = caller.today();
    let mut out = Vec::new();
    for r in conn.query(&q.text, &q.params)? {
        let Some(kind) = OrgKind::parse(&r.str(0)?) else {
            continue;
        };
        let facts = OrgFacts {
            kind,
            committee_size: r.i64(1)? as u32,
            term_end: r.opt_str(2)?.and_then(|d| d.parse().ok()),
            full_members: r.i64(3)? as u32,
            probationary_members: r.i64(4)? as u32,
            units: r.i64(5)? as u32,
        };
        out.push(Judged {
            id: r.i64(6)?,
            name: r.str(7)?,
            territory: DivisionCode::from_path(&r.str(8)?)
                .map_err(|e| StoreError::invalid("territory", e.to_string()))?,
            findings: branch_rules::evaluate(&facts, today),
        });
    }
    Ok(out)
}

/// How many organisations under `code` have each finding.
pub fn findings_summary(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
) -> StoreResult<std::collections::BTreeMap<branch_rules::FindingCode, i64>> {
    let mut out = std::collections::BTreeMap::new();
    for j in judged(conn, caller, code)? {
        for f in j.findings {
            *out.entry(f.code).or_insert(0) += 1;
        }
    }
    Ok(out)
}
