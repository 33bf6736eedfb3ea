//! The city's service catalogue, its routing rules and shared settings, and finding the
//! grid a point falls in.

use crate::access::Caller;
use crate::audit;
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use datong_domain::request::{self as rules, Limits, Point, Tier, Weights};
use datong_domain::{DivisionCode, Scope};
use serde::Serialize;

/// A kind of request (Open311 "service").
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Service {
    pub code: String,
    pub name: String,
    pub group: String,
    pub description: String,
    pub keywords: String,
    /// Hours from receipt to the due time.
    pub limit_hours: u32,
    /// Who takes it first.
    pub tier: Tier,
    /// The department the street summons when it climbs past the street.
    pub department: Option<String>,
    pub active: bool,
}

const SERVICE_COLUMNS: &str =
    "code, name, group_name, description, keywords, limit_hours, tier, department, active";

fn service_from(r: &Row) -> StoreResult<Service> {
    Ok(Service {
        code: r.str(0)?,
        name: r.str(1)?,
        group: r.str(2)?,
        description: r.str(3)?,
        keywords: r.str(4)?,
        limit_hours: u32::try_from(r.i64(5)?).unwrap_or(0),
        tier: Tier::parse(&r.str(6)?)
            .ok_or_else(|| StoreError::invalid("tier", "stored tier unknown"))?,
        department: r.opt_str(7)?,
        active: r.bool(8)?,
    })
}

/// The catalogue, in the city's order; `all` includes the services taken out of use.
pub fn services(conn: &mut Conn, all: bool) -> StoreResult<Vec<Service>> {
    let filter = if all { "" } else { " WHERE active = $1" };
    let sql = format!("SELECT {SERVICE_COLUMNS} FROM service{filter} ORDER BY position, code");
    let params = if all { params![] } else { params![true] };
    conn.query(&sql, params)?.iter().map(service_from).collect()
}

pub fn service(conn: &mut Conn, code: &str) -> StoreResult<Service> {
    conn.query_opt(
        &format!("SELECT {SERVICE_COLUMNS} FROM service WHERE code = $1"),
        params![code],
    )?
    .map(|r| service_from(&r))
    .transpose()?
    .ok_or(StoreError::NotFound)
}

/// Adds a service or changes one: the city's (or the administrator's) to do. A code is
/// never deleted, only taken out of use, so old requests keep their meaning.
pub fn put_service(conn: &mut Conn, caller: &Caller, s: &Service) -> StoreResult<Service> {
    caller.may_set_city_wide()?;
    let code_ok = !s.code.is_empty()
        && s.code.len() <= 40
        && s.code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !code_ok {
        return Err(StoreError::invalid(
            "code",
            "编码应为 1–40 位字母、数字、下划线或连字符",
        ));
    }
    if s.name.trim().is_empty() {
        return Err(StoreError::invalid("name", "名称不能为空"));
    }
    if s.limit_hours == 0 || s.limit_hours > 24 * 90 {
        return Err(StoreError::invalid(
            "limit_hours",
            "办理时限应为 1 至 2160 小时",
        ));
    }
    if matches!(s.tier, Tier::Agenda) {
        return Err(StoreError::invalid(
            "tier",
            "首接层级应为网格、社区、街道或职能部门",
        ));
    }
    conn.tx(|c| {
        let position = c.query_one("SELECT COALESCE(MAX(position), 0) + 1 FROM service", params![])?.i64(0)?;
        c.execute(
            "INSERT INTO service (code, name, group_name, description, keywords, limit_hours, tier, department, active, position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, group_name = excluded.group_name, \
               description = excluded.description, keywords = excluded.keywords, limit_hours = excluded.limit_hours, \
               tier = excluded.tier, department = excluded.department, active = excluded.active",
            params![&s.code, s.name.trim(), &s.group, &s.description, &s.keywords, i64::from(s.limit_hours), s.tier.as_str(), s.department.clone(), s.active, position],
        )?;
        audit::append(c, &caller.actor, audit::Entry {
            action: "put",
            entity: "service",
            entity_id: &s.code,
            before: None,
            after: Some(&serde_json::to_value(s).expect("a plain value")),
        })?;
        Ok::<_, StoreError>(())
    })?;
    service(conn, &s.code)
}

/// Where a request for `service` at `node` goes first: the routing rule at the longest
/// prefix of the place, else the service's own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub tier: Tier,
    pub department: Option<String>,
}

pub fn route(conn: &mut Conn, service: &Service, node: &DivisionCode) -> StoreResult<Route> {
    let mut q =
        crate::sql::Sql::new("SELECT tier, department FROM routing_rule WHERE service_code = ");
    q.bind(service.code.as_str())
        .push(" AND scope_code IN ")
        .bind_list(node.lineage().iter().map(DivisionCode::as_path))
        .push(" ORDER BY length(scope_code) DESC LIMIT 1");
    Ok(match conn.query_opt(&q.text, &q.params)? {
        Some(r) => Route {
            tier: Tier::parse(&r.str(0)?).unwrap_or(service.tier),
            department: r.opt_str(1)?,
        },
        None => Route {
            tier: service.tier,
            department: service.department.clone(),
        },
    })
}

/// Sets how `service` is routed in `scope` (a district, a street …), for the callers who
/// manage that subtree.
pub fn put_rule(
    conn: &mut Conn,
    caller: &Caller,
    service_code: &str,
    scope: &DivisionCode,
    r: &Route,
) -> StoreResult<()> {
    service(conn, service_code)
        .map_err(|_| StoreError::invalid("service_code", "没有这个服务类别"))?;
    crate::territory::get_in_scope(conn, caller, scope)
        .map_err(|_| StoreError::invalid("scope", "区划不存在或不在权限范围内"))?;
    caller.may_write(scope)?;
    if matches!(r.tier, Tier::Agenda) {
        return Err(StoreError::invalid(
            "tier",
            "首接层级应为网格、社区、街道或职能部门",
        ));
    }
    conn.tx(|c| {
        c.execute(
            "INSERT INTO routing_rule (service_code, scope_code, tier, department) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (service_code, scope_code) DO UPDATE SET tier = excluded.tier, department = excluded.department",
            params![service_code, scope.as_path(), r.tier.as_str(), r.department.clone()],
        )?;
        audit::append(c, &caller.actor, audit::Entry {
            action: "put",
            entity: "routing_rule",
            entity_id: &format!("{service_code}@{}", scope.as_path()),
            before: None,
            after: Some(&serde_json::to_value(r).expect("a plain value")),
        })?;
        Ok(())
    })
}

/// The time limits and the composite's weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Settings {
    pub limits: Limits,
    pub weights: Weights,
}

pub fn settings(conn: &mut Conn) -> StoreResult<Settings> {
    let r = conn.query_one(
        "SELECT respond_hours, verify_hours, extend_hours, weight_response, weight_resolution, weight_satisfaction \
         FROM request_setting WHERE id = 1",
        params![],
    )?;
    let n = |i: usize| -> StoreResult<u32> { Ok(u32::try_from(r.i64(i)?).unwrap_or(0)) };
    Ok(Settings {
        limits: Limits {
            respond_hours: n(0)?,
            verify_hours: n(1)?,
            extend_hours: n(2)?,
        },
        weights: Weights {
            response: n(3)?,
            resolution: n(4)?,
            satisfaction: n(5)?,
        },
    })
}

pub fn put_settings(conn: &mut Conn, caller: &Caller, s: &Settings) -> StoreResult<Settings> {
    caller.may_set_city_wide()?;
    let w = Weights::new(
        s.weights.response,
        s.weights.resolution,
        s.weights.satisfaction,
    )
    .map_err(|m| StoreError::invalid("weights", m))?;
    let l = s.limits;
    for (field, v) in [
        ("respond_hours", l.respond_hours),
        ("verify_hours", l.verify_hours),
        ("extend_hours", l.extend_hours),
    ] {
        if v == 0 || v > 24 * 30 {
            return Err(StoreError::invalid(
                &format!("limits.{field}"),
                "应为 1 至 720 小时",
            ));
        }
    }
    conn.tx(|c| {
        c.execute(
            "UPDATE request_setting SET respond_hours = $1, verify_hours = $2, extend_hours = $3, \
             weight_response = $4, weight_resolution = $5, weight_satisfaction = $6 WHERE id = 1",
            params![
                i64::from(l.respond_hours),
                i64::from(l.verify_hours),
                i64::from(l.extend_hours),
                i64::from(w.response),
                i64::from(w.resolution),
                i64::from(w.satisfaction)
            ],
        )?;
        audit::record(c, &caller.actor, "put", "request_setting", 1, s)?;
        Ok::<_, StoreError>(())
    })?;
    settings(conn)
}

/// Rebuilds the lookup squares of every grid and community that has a polygon. Run after
/// places are loaded or redrawn; a point finds only the areas indexed here.
pub fn index_areas(conn: &mut Conn) -> StoreResult<usize> {
    let areas = conn.query(
        "SELECT g.code, g.polygon FROM territory_geo g WHERE g.polygon IS NOT NULL",
        params![],
    )?;
    let mut rows: Vec<[crate::db::Value; 2]> = Vec::new();
    for r in &areas {
        let code = r.str(0)?;
        let level = DivisionCode::from_path(&code).map(|c| c.level());
        if !matches!(
            level,
            Ok(datong_domain::Level::Grid | datong_domain::Level::Community)
        ) {
            continue;
        }
        if let Some(ring) = rules::ring_of(&r.str(1)?) {
            for cell in rules::cells_of(&ring) {
                rows.push([cell.into(), code.as_str().into()]);
            }
        }
    }
    let n = rows.len();
    conn.tx(|c| {
        c.execute("DELETE FROM area_cell", params![])?;
        c.bulk_insert("area_cell", &["cell", "code"], rows.iter().map(|r| &r[..]))?;
        Ok::<_, StoreError>(())
    })?;
    Ok(n)
}

/// The deepest indexed area (a grid, else a community) that contains `p`.
pub fn locate(
    conn: &mut Conn,
    p: Point,
    within: Option<&Scope>,
) -> StoreResult<Option<DivisionCode>> {
    let found = conn.query(
        "SELECT c.code, g.polygon FROM area_cell c JOIN territory_geo g ON g.code = c.code \
         JOIN territory t ON t.code = c.code WHERE c.cell = $1 AND t.valid_to IS NULL",
        params![p.cell()],
    )?;
    let mut best: Option<DivisionCode> = None;
    for r in &found {
        let inside = r
            .opt_str(1)?
            .and_then(|g| rules::ring_of(&g))
            .is_some_and(|ring| rules::contains(&ring, p));
        if !inside {
            continue;
        }
        let code = DivisionCode::from_path(&r.str(0)?)
            .map_err(|_| StoreError::invalid("code", "stored code invalid"))?;
        if within.is_some_and(|w| !w.contains(&code)) {
            continue;
        }
        if best
            .as_ref()
            .is_none_or(|b| code.as_path().len() > b.as_path().len())
        {
            best = Some(code);
        }
    }
    Ok(best)
}

/// What anyone filing a request may read of the territory: place names down to the
/// community, and a community's grids and buildings on the map. Households are people's
/// homes and never listed.
fn public() -> Caller {
    Caller::system(audit::Actor {
        login: "public".into(),
        at: String::new(),
    })
}

/// The current children of `under` a resident chooses among, down to communities.
pub fn places(
    conn: &mut Conn,
    under: &DivisionCode,
) -> StoreResult<Vec<crate::territory::Territory>> {
    if under.level() >= datong_domain::Level::Community {
        return Ok(Vec::new());
    }
    let page = crate::sql::Page {
        limit: 1000,
        offset: 0,
    };
    crate::territory::children(conn, &public(), under, &page)
}

/// Communities under `under` whose name holds `text`, or whose pinyin initials start with
/// it (`pcq`), for a resident who would rather type than tap down: the first 20.
pub fn search_communities(
    conn: &mut Conn,
    under: &DivisionCode,
    text: &str,
) -> StoreResult<Vec<crate::territory::Territory>> {
    let text: String = text.trim().chars().take(50).collect();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut within = public();
    within.places = datong_domain::Scope::new(vec![under.clone()]);
    let page = crate::sql::Page {
        limit: 20,
        offset: 0,
    };
    crate::territory::search(
        conn,
        &within,
        &text,
        Some(datong_domain::Level::Community),
        &page,
    )
}

/// One place a resident may name, down to the community.
pub fn place(conn: &mut Conn, code: &DivisionCode) -> StoreResult<crate::territory::Territory> {
    if code.level() > datong_domain::Level::Community {
        return Err(StoreError::NotFound);
    }
    crate::territory::get(conn, &public(), code)
}

/// A community's outline, grids and buildings, for a resident to point at.
pub fn community_map(
    conn: &mut Conn,
    community: &DivisionCode,
) -> StoreResult<Vec<crate::territory::Placed>> {
    if community.level() != datong_domain::Level::Community {
        return Err(StoreError::invalid("community", "应为社区（村）"));
    }
    crate::territory::placed_below(conn, &public(), community, datong_domain::Level::Building)
}
