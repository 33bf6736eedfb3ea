//! Resident units and new economic and social organisations, with their party coverage.

use crate::access::Caller;
use crate::audit::{self, Entry};
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::rollup::{Deltas, unit_metric};
use crate::sql::{Count, Page, Related, Sql};
use datong_domain::credit_code::CreditCode;
use datong_domain::division::DivisionCode;
use datong_domain::unit::{Coverage, UnitKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unit {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub kind: UnitKind,
    pub territory: DivisionCode,
    pub address: Option<String>,
    pub coverage: Coverage,
    pub org_id: Option<i64>,
    pub version: i64,
}

const COLUMNS: &str =
    "id, name, credit_code, kind, territory_code, address, coverage, org_id, version";

fn from_row(r: &Row) -> StoreResult<Unit> {
    Ok(Unit {
        id: r.i64(0)?,
        name: r.str(1)?,
        credit_code: r.str(2)?,
        kind: UnitKind::parse(&r.str(3)?).unwrap_or(UnitKind::Other),
        territory: DivisionCode::from_path(&r.str(4)?)
            .map_err(|e| StoreError::invalid("territory", e.to_string()))?,
        address: r.opt_str(5)?,
        coverage: Coverage::parse(&r.str(6)?).unwrap_or(Coverage::None),
        org_id: r.opt_i64(7)?,
        version: r.i64(8)?,
    })
}

/// A unit's account reads its own unit wherever it is.
fn own(caller: &Caller) -> [Related; 1] {
    [Related::ids("id", caller.own.unit)]
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Unit> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM unit WHERE id = "));
    q.bind(id)
        .and_visible("territory_code", caller, None, &own(caller));
    from_row(
        &conn
            .query_opt(&q.text, &q.params)?
            .ok_or(StoreError::NotFound)?,
    )
}

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub order: crate::sql::ListOrder,
    pub descending: bool,
    pub kind: Option<UnitKind>,
    pub coverage: Option<Coverage>,
    pub territory: Option<DivisionCode>,
    pub name: Option<String>,
}

pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    f: &UnitFilter,
    page: &Page,
) -> StoreResult<Vec<Unit>> {
    let mut q = filtered(caller, f);
    q.push(f.order.order_by(f.descending)).page(page);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(from_row)
        .collect()
}

/// How many units [`list`] would give, all pages.
pub fn count(conn: &mut Conn, caller: &Caller, f: &UnitFilter) -> StoreResult<Count> {
    filtered(caller, f).count(conn)
}

fn filtered(caller: &Caller, f: &UnitFilter) -> Sql {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM unit WHERE 1 = 1"));
    q.and_visible("territory_code", caller, f.territory.as_ref(), &own(caller));
    if let Some(k) = f.kind {
        q.push(" AND kind = ").bind(k.as_str());
    }
    if let Some(c) = f.coverage {
        q.push(" AND coverage = ").bind(c.as_str());
    }
    if let Some(n) = &f.name {
        q.and_contains("name", n);
    }
    q
}

#[derive(Debug, Clone)]
pub struct UnitInput {
    pub name: String,
    pub credit_code: CreditCode,
    pub kind: UnitKind,
    pub territory: DivisionCode,
    pub address: Option<String>,
    pub coverage: Coverage,
    pub org_id: Option<i64>,
}

/// Checks what a unit's fields say against each other and the caller's scope.
fn check(conn: &mut Conn, caller: &Caller, u: &UnitInput) -> StoreResult<()> {
    if !caller.places.contains(&u.territory) {
        return Err(StoreError::invalid(
            "territory",
            "所在区划不存在或不在权限范围内",
        ));
    }
    caller.may_write(&u.territory)?;
    crate::territory::stored_in_scope(conn, caller, &u.territory)
        .map_err(|_| StoreError::invalid("territory", "所在区划不存在或不在权限范围内"))?;
    match (u.coverage.is_org_coverage(), u.org_id) {
        (true, None) => {
            return Err(StoreError::invalid(
                "org_id",
                "单独组建或联合组建的单位应填写所属党组织",
            ));
        }
        (false, Some(_)) => {
            return Err(StoreError::invalid(
                "org_id",
                "未组建党组织的单位不应填写党组织",
            ));
        }
        (true, Some(o)) => {
            crate::org::get(conn, caller, o)
                .map_err(|_| StoreError::invalid("org_id", "党组织不存在或不在权限范围内"))?;
        }
        (false, None) => {}
    }
    Ok(())
}

fn unique(e: crate::db::DbError) -> StoreError {
    if e.is_unique_violation() {
        StoreError::conflict("credit_code", "该统一社会信用代码已登记")
    } else {
        e.into()
    }
}

pub fn create(conn: &mut Conn, caller: &Caller, u: UnitInput) -> StoreResult<Unit> {
    check(conn, caller, &u)?;
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO unit (name, credit_code, kind, territory_code, address, coverage, org_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                params![&u.name, u.credit_code.as_str(), u.kind.as_str(), u.territory.as_path(), u.address.clone(), u.coverage.as_str(), u.org_id],
            )
            .map_err(unique)?
            .i64(0)?;
        let mut d = Deltas::default();
        d.at(u.territory.as_path(), &unit_metric(u.kind.as_str(), u.coverage.as_str()), 1);
        d.flush(c)?;
        let unit = from_row(&c.query_one(&format!("SELECT {COLUMNS} FROM unit WHERE id = $1"), params![id])?)?;
        audit::append(c, &caller.actor, Entry {
            action: "create",
            entity: "unit",
            entity_id: &id.to_string(),
            before: None,
            after: Some(&serde_json::to_value(&unit).expect("plain struct")),
        })?;
        Ok(unit)
    })
}

pub fn update(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    u: UnitInput,
    version: Option<i64>,
) -> StoreResult<Unit> {
    let before = get(conn, caller, id)?;
    caller.may_write(&before.territory)?;
    if version.is_some_and(|v| v != before.version) {
        return Err(StoreError::conflict(
            "version",
            "该单位已被他人修改，请刷新后重试",
        ));
    }
    check(conn, caller, &u)?;
    conn.tx(|c| {
        c.execute(
            "UPDATE unit SET name = $1, credit_code = $2, kind = $3, territory_code = $4, address = $5, coverage = $6, org_id = $7,
                version = version + 1 WHERE id = $8",
            params![&u.name, u.credit_code.as_str(), u.kind.as_str(), u.territory.as_path(), u.address.clone(), u.coverage.as_str(), u.org_id, id],
        )
        .map_err(unique)?;
        let mut d = Deltas::default();
        d.at(before.territory.as_path(), &unit_metric(before.kind.as_str(), before.coverage.as_str()), -1);
        d.at(u.territory.as_path(), &unit_metric(u.kind.as_str(), u.coverage.as_str()), 1);
        d.flush(c)?;
        let after = from_row(&c.query_one(&format!("SELECT {COLUMNS} FROM unit WHERE id = $1"), params![id])?)?;
        audit::append(c, &caller.actor, Entry {
            action: "update",
            entity: "unit",
            entity_id: &id.to_string(),
            before: Some(&serde_json::to_value(&before).expect("plain struct")),
            after: Some(&serde_json::to_value(&after).expect("plain struct")),
        })?;
        Ok(after)
    })
}
