//! 接诉即办: residents' requests. `catalogue` (services, routing, settings, the point
//! lookup), `intake` (receiving, placing and routing, in batches), `workflow` (each step,
//! and the climb when a holder does not answer), `tally` (counters per node and month,
//! and the rates read from them), `keys` (Open311 API keys), `receipt` (what the reporter
//! reads and does through the receipt: timeline, photos, rating; found by number and phone).
//!
//! Who sees what: the staff who manage the request's place (its grid, community, street …)
//! and the department it was summoned to see it whole; its reporter sees it whole; any
//! other resident sees the public summary, which carries no personal data and only a
//! rounded place.

pub mod catalogue;
pub mod intake;
pub mod keys;
pub mod receipt;
pub mod tally;
pub mod workflow;

use crate::access::Caller;
use crate::audit;
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::sql::{Count, Page, Sql};
use datong_domain::request::{Channel, Stage, Tier};
use datong_domain::{DivisionCode, Level, Phone};
use serde::Serialize;

/// Who reported a request. Numbers are masked unless the reader is the reporter or has
/// the right (and that read is audited).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reporter {
    pub login: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub phone_masked: bool,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Request {
    pub id: i64,
    pub token: String,
    pub service_code: String,
    pub service_name: String,
    pub channel: Channel,
    pub node: DivisionCode,
    pub node_name: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    pub description: String,
    pub reporter: Reporter,
    pub stage: Stage,
    pub tier: Option<Tier>,
    pub handler_code: Option<DivisionCode>,
    pub department_id: Option<i64>,
    /// The grid, community, street or department holding it, by name.
    pub handler: Option<String>,
    pub summons_id: Option<i64>,
    pub received_at: String,
    pub due_at: String,
    pub step_due_at: Option<String>,
    pub responded_at: Option<String>,
    pub closed_at: Option<String>,
    pub updated_at: String,
    pub reworks: i64,
    pub extensions: i64,
    pub score: Option<i64>,
    pub solved: Option<bool>,
    pub rating_text: Option<String>,
    pub status_notes: String,
    /// The current step is past its time limit.
    pub overdue: bool,
    pub photos: Vec<PhotoRef>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PhotoRef {
    pub id: i64,
    pub kind: String,
    pub size: i64,
}

/// What anyone may know of a request: Open311's public fields, without the reporter,
/// the description or the exact place.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub id: i64,
    pub service_code: String,
    pub service_name: String,
    pub stage: Stage,
    pub status_notes: String,
    /// The community (or wider node) it lies in.
    pub area: String,
    pub agency_responsible: Option<String>,
    pub received_at: String,
    pub updated_at: String,
    pub due_at: String,
    /// Rounded to 0.001° (about a hundred metres).
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// What a reader gets of one request.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum View {
    Full(Box<Request>),
    Public(Box<Summary>),
}

const COLUMNS: &str = "r.id, r.token, r.service_code, s.name, r.channel, r.node_code, t.name, r.lon, r.lat, r.address, \
    r.description, r.reporter_login, r.reporter_name, r.reporter_phone, r.reporter_email, r.stage, r.tier, \
    r.handler_code, r.department_id, COALESCE(d.name, h.name), r.summons_id, r.received_at, r.due_at, r.step_due_at, \
    r.responded_at, r.closed_at, r.updated_at, r.reworks, r.extensions, r.score, r.solved, r.rating_text, r.status_notes";

const FROM: &str = " FROM request r JOIN service s ON s.code = r.service_code \
    JOIN territory t ON t.code = r.node_code \
    LEFT JOIN territory h ON h.code = r.handler_code \
    LEFT JOIN department d ON d.id = r.department_id";

fn code(s: &str) -> StoreResult<DivisionCode> {
    DivisionCode::from_path(s).map_err(|_| StoreError::invalid("code", "stored code invalid"))
}

fn from_row(c: &Conn, r: &Row, now: &str, unmask: bool) -> StoreResult<Request> {
    let phone = r.opt_str(13)?.map(|p| c.unseal(&p)).transpose()?;
    let masked = !unmask && phone.is_some();
    let stage = Stage::parse(&r.str(15)?)
        .ok_or_else(|| StoreError::invalid("stage", "stored stage unknown"))?;
    let step_due_at = r.opt_str(23)?;
    Ok(Request {
        id: r.i64(0)?,
        token: r.str(1)?,
        service_code: r.str(2)?,
        service_name: r.str(3)?,
        channel: Channel::parse(&r.str(4)?).unwrap_or(Channel::Api),
        node: code(&r.str(5)?)?,
        node_name: r.str(6)?,
        lon: r.opt_f64(7)?,
        lat: r.opt_f64(8)?,
        address: r.str(9)?,
        description: r.str(10)?,
        reporter: Reporter {
            login: r.opt_str(11)?,
            name: r.opt_str(12)?,
            phone: phone.map(|p| match Phone::parse(&p) {
                Ok(ph) if masked => ph.masked(),
                _ => p,
            }),
            phone_masked: masked,
            email: r.opt_str(14)?,
        },
        overdue: stage.is_open() && step_due_at.as_deref().is_some_and(|d| d < now),
        stage,
        tier: r.opt_str(16)?.and_then(|t| Tier::parse(&t)),
        handler_code: r.opt_str(17)?.map(|c| code(&c)).transpose()?,
        department_id: r.opt_i64(18)?,
        handler: r.opt_str(19)?,
        summons_id: r.opt_i64(20)?,
        received_at: r.str(21)?,
        due_at: r.str(22)?,
        step_due_at,
        responded_at: r.opt_str(24)?,
        closed_at: r.opt_str(25)?,
        updated_at: r.str(26)?,
        reworks: r.i64(27)?,
        extensions: r.i64(28)?,
        score: r.opt_i64(29)?,
        solved: r.opt_i64(30)?.map(|v| v != 0),
        rating_text: r.opt_str(31)?,
        status_notes: r.str(32)?,
        photos: Vec::new(),
    })
}

/// True when the caller is staff: someone who manages records somewhere or acts for a
/// department. Staff see requests in their subtrees and nothing of the others.
fn is_staff(caller: &Caller) -> bool {
    caller.assignments.is_empty()
        || caller
            .assignments
            .iter()
            .any(|a| a.role.manages_records() || a.role == datong_domain::Role::Department)
}

fn acts_for_department(
    conn: &mut Conn,
    caller: &Caller,
    department: Option<i64>,
) -> StoreResult<bool> {
    let Some(d) = department else {
        return Ok(false);
    };
    Ok(conn
        .query_opt(
            "SELECT 1 FROM department_account WHERE department_id = $1 AND login = $2",
            params![d, &caller.actor.login],
        )?
        .is_some())
}

/// Reads one request whole, for those who may see it whole; `NotFound` for the rest.
/// With `unmask`, the reporter's phone number is shown where the caller has the right,
/// and the read is audited.
pub fn get(conn: &mut Conn, caller: &Caller, id: i64, unmask: bool) -> StoreResult<Request> {
    let row = conn
        .query_opt(
            &format!("SELECT {COLUMNS}{FROM} WHERE r.id = $1"),
            params![id],
        )?
        .ok_or(StoreError::NotFound)?;
    let node = code(&row.str(5)?)?;
    let own = row.opt_str(11)?.as_deref() == Some(caller.actor.login.as_str());
    let sees =
        own || caller.scope.contains(&node) || acts_for_department(conn, caller, row.opt_i64(18)?)?;
    if !sees {
        return Err(StoreError::NotFound);
    }
    if unmask && !own && !caller.unmask_scope.contains(&node) {
        return Err(StoreError::Forbidden);
    }
    let mut r = from_row(conn, &row, &caller.actor.at, unmask || own)?;
    if unmask && !own && r.reporter.phone.is_some() {
        conn.tx(|c| {
            audit::record(
                c,
                &caller.actor,
                "unmask",
                "request",
                id,
                &serde_json::json!({ "fields": ["reporter_phone"] }),
            )
        })?;
    }
    r.photos = photos(conn, id)?;
    Ok(r)
}

/// What the caller may know of one request: whole, or (for a resident who did not
/// report it) its public summary. Staff outside its place learn nothing.
pub fn view(conn: &mut Conn, caller: &Caller, id: i64, unmask: bool) -> StoreResult<View> {
    match get(conn, caller, id, unmask) {
        Ok(r) => Ok(View::Full(Box::new(r))),
        Err(StoreError::NotFound) if !is_staff(caller) => {
            Ok(View::Public(Box::new(summary(conn, id)?)))
        }
        Err(e) => Err(e),
    }
}

pub(crate) fn photos(conn: &mut Conn, id: i64) -> StoreResult<Vec<PhotoRef>> {
    conn.query(
        "SELECT id, kind, size FROM request_photo WHERE request_id = $1 ORDER BY id",
        params![id],
    )?
    .iter()
    .map(|r| {
        Ok(PhotoRef {
            id: r.i64(0)?,
            kind: r.str(1)?,
            size: r.i64(2)?,
        })
    })
    .collect()
}

/// A photo's media type and bytes, for whoever may see its request whole.
pub fn photo(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    photo: i64,
) -> StoreResult<(String, Vec<u8>)> {
    get(conn, caller, id, false)?;
    photo_of(conn, id, photo)
}

/// Photo `photo` of request `id`, for a reader already let in.
pub(crate) fn photo_of(conn: &mut Conn, id: i64, photo: i64) -> StoreResult<(String, Vec<u8>)> {
    let r = conn
        .query_opt(
            "SELECT kind, bytes FROM request_photo WHERE request_id = $1 AND id = $2",
            params![id, photo],
        )?
        .ok_or(StoreError::NotFound)?;
    Ok((r.str(0)?, r.bytes(1)?))
}

const SUMMARY_COLUMNS: &str = "r.id, r.service_code, s.name, r.stage, r.status_notes, COALESCE(a.name, t.name), \
    COALESCE(d.name, h.name), r.received_at, r.updated_at, r.due_at, r.lat, r.lon";

const SUMMARY_FROM: &str = " FROM request r JOIN service s ON s.code = r.service_code \
    JOIN territory t ON t.code = r.node_code \
    LEFT JOIN territory a ON a.code = substr(r.node_code, 1, 12) AND length(r.node_code) >= 12 \
    LEFT JOIN territory h ON h.code = r.handler_code \
    LEFT JOIN department d ON d.id = r.department_id";

fn rounded(v: Option<f64>) -> Option<f64> {
    v.map(|x| (x * 1000.0).round() / 1000.0)
}

fn summary_from(r: &Row) -> StoreResult<Summary> {
    Ok(Summary {
        id: r.i64(0)?,
        service_code: r.str(1)?,
        service_name: r.str(2)?,
        stage: Stage::parse(&r.str(3)?)
            .ok_or_else(|| StoreError::invalid("stage", "stored stage unknown"))?,
        status_notes: r.str(4)?,
        area: r.str(5)?,
        agency_responsible: r.opt_str(6)?,
        received_at: r.str(7)?,
        updated_at: r.str(8)?,
        due_at: r.str(9)?,
        lat: rounded(r.opt_f64(10)?),
        lon: rounded(r.opt_f64(11)?),
    })
}

pub fn summary(conn: &mut Conn, id: i64) -> StoreResult<Summary> {
    let r = conn
        .query_opt(
            &format!("SELECT {SUMMARY_COLUMNS}{SUMMARY_FROM} WHERE r.id = $1"),
            params![id],
        )?
        .ok_or(StoreError::NotFound)?;
    summary_from(&r)
}

/// The request a GeoReport token (the reporter's receipt) names.
pub fn by_token(conn: &mut Conn, token: &str) -> StoreResult<Option<i64>> {
    conn.query_opt("SELECT id FROM request WHERE token = $1", params![token])?
        .map(|r| r.i64(0))
        .transpose()
        .map_err(StoreError::from)
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only those placed in this subtree.
    pub under: Option<DivisionCode>,
    pub service_code: Option<String>,
    pub stage: Option<Stage>,
    /// Open (true) or closed (false), as Open311 counts them.
    pub open: Option<bool>,
    /// Received at or after / before these times (stored form).
    pub from: Option<String>,
    pub until: Option<String>,
    pub ids: Vec<i64>,
}

fn and_filter(q: &mut Sql, f: &Filter) {
    if let Some(u) = &f.under {
        // A district or the city holds most requests: reading newest first and keeping
        // those inside finds a page at once, where the node index would gather and sort
        // them all (97 ms for the demo city's 31,000). The expression keeps both engines
        // off that index; a street's or community's few rows still use it.
        let column = if u.level() <= Level::District {
            "r.node_code || ''"
        } else {
            "r.node_code"
        };
        q.and_in_subtree(column, u);
    }
    if let Some(s) = &f.service_code {
        q.push(" AND r.service_code = ").bind(s.as_str());
    }
    if let Some(s) = f.stage {
        q.push(" AND r.stage = ").bind(s.as_str());
    }
    if let Some(open) = f.open {
        q.push(if open {
            " AND r.stage NOT IN ('closed', 'rated')"
        } else {
            " AND r.stage IN ('closed', 'rated')"
        });
    }
    if let Some(t) = &f.from {
        q.push(" AND r.received_at >= ").bind(t.as_str());
    }
    if let Some(t) = &f.until {
        q.push(" AND r.received_at < ").bind(t.as_str());
    }
    if !f.ids.is_empty() {
        q.push(" AND r.id IN ").bind_list(f.ids.iter().copied());
    }
}

/// The requests the caller may see whole, newest first: staff those placed in their
/// subtrees (and a department's account those it was summoned to), anyone else their own.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    f: &Filter,
    page: &Page,
) -> StoreResult<Vec<Request>> {
    let mut q = visible(caller, f, &format!("SELECT {COLUMNS}{FROM}"));
    q.push(" ORDER BY r.id DESC").page(page);
    let rows = conn.query(&q.text, &q.params)?;
    rows.iter()
        .map(|r| {
            from_row(
                conn,
                r,
                &caller.actor.at,
                r.opt_str(11).ok().flatten().as_deref() == Some(caller.actor.login.as_str()),
            )
        })
        .collect()
}

/// How many requests [`list`] would give, all pages (up to the cap).
pub fn count(conn: &mut Conn, caller: &Caller, f: &Filter) -> StoreResult<Count> {
    let unfiltered = f.service_code.is_none()
        && f.stage.is_none()
        && f.open.is_none()
        && f.from.is_none()
        && f.until.is_none()
        && f.ids.is_empty();
    match &f.under {
        // All of a node the caller sees whole: the counters know.
        Some(u) if unfiltered && caller.scope.contains(u) => {
            Ok(Count::exact(tally::received_total(conn, u)?))
        }
        // The filters read the request row alone: no join is needed to count.
        _ => visible(caller, f, "SELECT r.id FROM request r").count(conn),
    }
}

/// `select` (which names the request `r`) with the caller's sight of requests and the filter.
fn visible(caller: &Caller, f: &Filter, select: &str) -> Sql {
    let mut q = Sql::new(&format!("{select} WHERE "));
    match &f.under {
        // Everything under a node of the caller's own is seen by subtree: no relation can
        // add a row, and without the OR an index can serve the order.
        Some(u) if caller.scope.contains(u) => {
            q.push("1 = 1");
        }
        _ => {
            q.push("(r.reporter_login = ")
                .bind(caller.actor.login.as_str());
            if caller.scope.roots().is_empty() {
                q.push(" OR 1 = 0");
            } else {
                q.push(" OR (1 = 1")
                    .and_in_scope("r.node_code", &caller.scope)
                    .push(")");
            }
            q.push(" OR r.department_id IN (SELECT department_id FROM department_account WHERE login = ")
                .bind(caller.actor.login.as_str())
                .push("))");
        }
    }
    and_filter(&mut q, f);
    q
}

/// Public summaries, newest first, for Open311's `GET requests`: anyone may read them.
pub fn summaries(conn: &mut Conn, f: &Filter, limit: u32) -> StoreResult<Vec<Summary>> {
    let mut q = Sql::new(&format!(
        "SELECT {SUMMARY_COLUMNS}{SUMMARY_FROM} WHERE 1 = 1"
    ));
    and_filter(&mut q, f);
    q.push(" ORDER BY r.id DESC").page(&Page {
        limit: i64::from(limit),
        offset: 0,
    });
    conn.query(&q.text, &q.params)?
        .iter()
        .map(summary_from)
        .collect()
}

/// A step in a request's history.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    pub at: String,
    pub actor: String,
    pub kind: datong_domain::request::Event,
    pub stage: Stage,
    pub tier: Option<Tier>,
    pub handler_code: Option<DivisionCode>,
    pub department_id: Option<i64>,
    pub note: String,
}

/// Every step taken on a request, oldest first, for whoever may see it whole.
pub fn history(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Vec<Step>> {
    let r = get(conn, caller, id, false)?;
    steps(conn, &r)
}

/// The steps of a request the caller has already read whole (a `Request` comes only from
/// `get` and `list`, which decide who may see it).
pub fn steps(conn: &mut Conn, r: &Request) -> StoreResult<Vec<Step>> {
    conn.query(
        "SELECT at, actor, kind, stage, tier, handler_code, department_id, note FROM request_event WHERE request_id = $1 ORDER BY id",
        params![r.id],
    )?
    .iter()
    .map(|r| {
        Ok(Step {
            at: r.str(0)?,
            actor: r.str(1)?,
            kind: datong_domain::request::Event::parse(&r.str(2)?)
                .ok_or_else(|| StoreError::invalid("kind", "stored event unknown"))?,
            stage: Stage::parse(&r.str(3)?).ok_or_else(|| StoreError::invalid("stage", "stored stage unknown"))?,
            tier: r.opt_str(4)?.and_then(|t| Tier::parse(&t)),
            handler_code: r.opt_str(5)?.map(|c| code(&c)).transpose()?,
            department_id: r.opt_i64(6)?,
            note: r.str(7)?,
        })
    })
    .collect()
}

/// The agenda of a node's joint meeting (the community's 大党委, the street's 大工委):
/// what climbed to the top of the ladder there.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgendaItem {
    pub id: i64,
    pub node: DivisionCode,
    pub request_id: i64,
    pub reason: String,
    pub added_at: String,
}

pub fn agenda(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
    page: &Page,
) -> StoreResult<Vec<AgendaItem>> {
    crate::territory::get_in_scope(conn, caller, under)?;
    let mut q =
        Sql::new("SELECT id, node_code, request_id, reason, added_at FROM agenda_item WHERE 1 = 1");
    q.and_in_scope_under("node_code", &caller.scope, Some(under));
    q.push(" ORDER BY id DESC").page(page);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| {
            Ok(AgendaItem {
                id: r.i64(0)?,
                node: code(&r.str(1)?)?,
                request_id: r.i64(2)?,
                reason: r.str(3)?,
                added_at: r.str(4)?,
            })
        })
        .collect()
}

/// The level a node is at, for the tiers that are territory.
fn holder_at(node: &DivisionCode, tier: Tier) -> Option<DivisionCode> {
    let level: Level = tier.level()?;
    node.ancestor_at(level)
}
