//! 派遣 → 处置 → 反馈 → 核查 → 结案 → 评价, 返工 and 延期, and the climb: a holder that
//! does not sign for a request or answer it in time, or says it is not their duty, passes
//! it up (grid → community → street → the district department the street summons →
//! the joint meeting's agenda).
//!
//! Architecture invariant: a request's row, its new history rows, its counters and its
//! audit row change in one transaction, and only through `apply`.

use super::catalogue::{self, Settings};
use super::intake::later;
use super::{Request, acts_for_department, code, holder_at, tally};
use crate::access::Caller;
use crate::audit::{self, Actor};
use crate::db::{Conn, Engine, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::street::powers::{SummonsDraft, insert_summons};
use datong_domain::request::{self as rules, Act, Event, Measure, SATISFIED_FROM, Stage, Tier};
use datong_domain::{DivisionCode, Level, Role};

/// What someone does to a request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Hand it to a grid, community or street (a dispatcher's correction).
    Dispatch {
        to: DivisionCode,
    },
    Take,
    /// 超职责: not this holder's duty; it goes on up.
    Decline {
        reason: String,
    },
    Reply {
        text: String,
        photos: Vec<Vec<u8>>,
    },
    Verify {
        passed: bool,
        note: String,
    },
    Rate {
        score: u8,
        solved: bool,
        text: String,
    },
    Extend {
        hours: u32,
        reason: String,
    },
    /// Pass it up now (the holder asks for help).
    Escalate {
        reason: String,
    },
    /// Put it on the agenda of the holder's joint meeting (大党委 / 大工委).
    Table {
        reason: String,
    },
}

/// The mutable part of a request, read under lock and written back whole.
#[derive(Debug, Clone)]
pub(crate) struct State {
    id: i64,
    service_code: String,
    node: DivisionCode,
    month: String,
    reporter_login: Option<String>,
    description: String,
    pub(crate) stage: Stage,
    pub(crate) tier: Option<Tier>,
    pub(crate) handler_code: Option<DivisionCode>,
    department_id: Option<i64>,
    summons_id: Option<i64>,
    due_at: String,
    step_due_at: Option<String>,
    first_dispatched_at: Option<String>,
    responded_at: Option<String>,
    closed_at: Option<String>,
    reworks: i64,
    extensions: i64,
    score: Option<i64>,
    solved: Option<bool>,
    rating_text: Option<String>,
    status_notes: String,
}

fn state_from(r: &Row) -> StoreResult<State> {
    Ok(State {
        id: r.i64(0)?,
        service_code: r.str(1)?,
        node: code(&r.str(2)?)?,
        month: r.str(3)?,
        reporter_login: r.opt_str(4)?,
        description: r.str(5)?,
        stage: Stage::parse(&r.str(6)?)
            .ok_or_else(|| StoreError::invalid("stage", "stored stage unknown"))?,
        tier: r.opt_str(7)?.and_then(|t| Tier::parse(&t)),
        handler_code: r.opt_str(8)?.map(|c| code(&c)).transpose()?,
        department_id: r.opt_i64(9)?,
        summons_id: r.opt_i64(10)?,
        due_at: r.str(11)?,
        step_due_at: r.opt_str(12)?,
        first_dispatched_at: r.opt_str(13)?,
        responded_at: r.opt_str(14)?,
        closed_at: r.opt_str(15)?,
        reworks: r.i64(16)?,
        extensions: r.i64(17)?,
        score: r.opt_i64(18)?,
        solved: r.opt_i64(19)?.map(|v| v != 0),
        rating_text: r.opt_str(20)?,
        status_notes: r.str(21)?,
    })
}

/// Reads a request's state, locked against other writers until the transaction ends.
fn lock(c: &mut Conn, id: i64) -> StoreResult<State> {
    read_state(c, id, true)
}

fn read_state(c: &mut Conn, id: i64, for_update: bool) -> StoreResult<State> {
    let lock = if for_update && c.engine() == Engine::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let sql = format!(
        "SELECT id, service_code, node_code, month, reporter_login, description, stage, tier, handler_code, department_id, \
         summons_id, due_at, step_due_at, first_dispatched_at, responded_at, closed_at, reworks, extensions, score, solved, \
         rating_text, status_notes FROM request WHERE id = $1{lock}"
    );
    let r = c
        .query_opt(&sql, params![id])?
        .ok_or(StoreError::NotFound)?;
    state_from(&r)
}

fn save(c: &mut Conn, s: &State, at: &str) -> StoreResult<()> {
    c.execute(
        "UPDATE request SET stage = $1, tier = $2, handler_code = $3, department_id = $4, summons_id = $5, due_at = $6, \
         step_due_at = $7, first_dispatched_at = $8, responded_at = $9, closed_at = $10, reworks = $11, extensions = $12, \
         score = $13, solved = $14, rating_text = $15, status_notes = $16, updated_at = $17 WHERE id = $18",
        params![
            s.stage.as_str(), s.tier.map(|t| t.as_str()), s.handler_code.as_ref().map(|h| h.as_path().to_owned()),
            s.department_id, s.summons_id, &s.due_at, s.step_due_at.clone(), s.first_dispatched_at.clone(),
            s.responded_at.clone(), s.closed_at.clone(), s.reworks, s.extensions, s.score, s.solved,
            s.rating_text.clone(), &s.status_notes, at, s.id
        ],
    )?;
    Ok(())
}

/// Where a request stands after a step: what its history row records.
pub(crate) struct Standing<'a> {
    pub stage: Stage,
    pub tier: Option<Tier>,
    pub handler: Option<&'a DivisionCode>,
    pub department: Option<i64>,
}

/// Appends a step to a request's history.
pub(crate) fn log(
    c: &mut Conn,
    id: i64,
    actor: &Actor,
    kind: Event,
    at: &Standing<'_>,
    note: &str,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO request_event (request_id, at, actor, kind, stage, tier, handler_code, department_id, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        params![
            id, &actor.at, &actor.login, kind.as_str(), at.stage.as_str(), at.tier.map(|t| t.as_str()),
            at.handler.map(|h| h.as_path().to_owned()), at.department, note
        ],
    )?;
    Ok(())
}

fn event(c: &mut Conn, s: &State, actor: &Actor, kind: Event, note: &str) -> StoreResult<()> {
    let at = Standing {
        stage: s.stage,
        tier: s.tier,
        handler: s.handler_code.as_ref(),
        department: s.department_id,
    };
    log(c, s.id, actor, kind, &at, note)
}

pub(crate) fn add_photo(c: &mut Conn, id: i64, bytes: &[u8], at: &str) -> StoreResult<()> {
    use sm3::Digest;
    let kind = rules::photo_type(bytes).map_err(|e| StoreError::invalid("media", e.to_string()))?;
    c.execute(
        "INSERT INTO request_photo (request_id, kind, sm3, size, bytes, added_at) VALUES ($1, $2, $3, $4, $5, $6)",
        params![id, kind, hex::encode(sm3::Sm3::digest(bytes)), bytes.len() as i64, bytes.to_vec(), at],
    )?;
    Ok(())
}

/// Roles that hold a request at `tier` (and the joint meeting of a community or street).
fn holder_roles(tier: Tier, handler: Option<&DivisionCode>) -> &'static [Role] {
    match tier {
        Tier::Grid => &[Role::Grid],
        Tier::Community => &[Role::Community],
        Tier::Street => &[Role::Street],
        Tier::Department => &[],
        Tier::Agenda if handler.is_some_and(|h| h.level() == Level::Community) => {
            &[Role::Community]
        }
        Tier::Agenda => &[Role::Street],
    }
}

/// Roles that verify what a holder at `tier` replied: the levels above it.
fn verifier_roles(tier: Option<Tier>) -> &'static [Role] {
    match tier {
        Some(Tier::Grid) => &[
            Role::Community,
            Role::Street,
            Role::District,
            Role::City,
            Role::Admin,
        ],
        Some(Tier::Community) => &[Role::Street, Role::District, Role::City, Role::Admin],
        _ => &[Role::Street, Role::District, Role::City, Role::Admin],
    }
}

const DISPATCHERS: &[Role] = &[
    Role::Community,
    Role::Street,
    Role::District,
    Role::City,
    Role::Admin,
];

fn holds(c: &mut Conn, caller: &Caller, s: &State) -> StoreResult<bool> {
    let Some(tier) = s.tier else { return Ok(false) };
    if tier == Tier::Department {
        return Ok(s.department_id.is_some()
            && (caller.assignments.is_empty()
                || acts_for_department(c, caller, s.department_id)?));
    }
    Ok(s.handler_code
        .as_ref()
        .is_some_and(|h| caller.acting_as(holder_roles(tier, Some(h)), h).is_some()))
}

/// Who the caller is to a request: what kinds of step it may take, whatever its stage
/// allows. A page offers only these; [`act`] refuses the rest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Permits {
    /// It holds the request: signs for it, replies, asks for more time, declines.
    pub hold: bool,
    /// It may hand the request on (and so pass it up or table it too).
    pub dispatch: bool,
    /// It checks a reply: never the one who gave it.
    pub verify: bool,
    pub rate: bool,
}

fn permits(c: &mut Conn, caller: &Caller, s: &State) -> StoreResult<Permits> {
    Ok(Permits {
        hold: holds(c, caller, s)?,
        dispatch: caller.acting_as(DISPATCHERS, &s.node).is_some(),
        verify: caller.acting_as(verifier_roles(s.tier), &s.node).is_some(),
        // The reporter rates; a request with no account behind it (a hotline call) is
        // rated by the staff who call the reporter back (回访).
        rate: match &s.reporter_login {
            Some(l) => *l == caller.actor.login,
            None => caller.acting_as(DISPATCHERS, &s.node).is_some(),
        },
    })
}

/// What `caller` may do to request `id` as it stands (see [`Permits`]); not found when
/// it may not see the request whole.
pub fn permits_on(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Permits> {
    super::get(conn, caller, id, false)?;
    let s = read_state(conn, id, false)?;
    permits(conn, caller, &s)
}

/// Does `action` to request `id` as `caller`, and returns the request as it then stands.
pub fn act(conn: &mut Conn, caller: &Caller, id: i64, action: &Action) -> StoreResult<Request> {
    // Only those who may see the request whole may act on it; the rest learn nothing.
    super::get(conn, caller, id, false)?;
    let settings = catalogue::settings(conn)?;
    conn.tx(|c| {
        let mut s = lock(c, id)?;
        let p = permits(c, caller, &s)?;
        let may = match action {
            Action::Take
            | Action::Decline { .. }
            | Action::Reply { .. }
            | Action::Extend { .. } => p.hold,
            Action::Escalate { .. } | Action::Table { .. } => p.hold || p.dispatch,
            Action::Dispatch { to } => p.dispatch && caller.scope.contains(to),
            Action::Verify { .. } => p.verify,
            Action::Rate { .. } => p.rate,
        };
        if !may {
            return Err(StoreError::Forbidden);
        }
        apply(c, &caller.actor, &mut s, action, &settings)?;
        Ok(())
    })?;
    super::get(conn, caller, id, false)
}

/// The reporter's rating through their receipt: whoever holds it is the reporter, with or
/// without an account.
pub(super) fn rate_by_reporter(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
    action: &Action,
) -> StoreResult<()> {
    debug_assert!(matches!(action, Action::Rate { .. }));
    let settings = catalogue::settings(conn)?;
    conn.tx(|c| {
        let mut s = lock(c, id)?;
        apply(c, actor, &mut s, action, &settings)
    })
}

fn text_required(field: &str, v: &str) -> StoreResult<()> {
    if v.trim().is_empty() {
        return Err(StoreError::invalid(field, "须写明"));
    }
    if v.chars().count() > 4000 {
        return Err(StoreError::invalid(field, "不能超过 4000 个字符"));
    }
    Ok(())
}

fn refused(e: rules::Refusal) -> StoreError {
    StoreError::conflict("stage", e.to_string())
}

/// The due time a holder who takes a request now works to: its own due time while that
/// lies ahead, else (after a climb past it) the service's full time from now.
fn reply_by(s: &State, at: &str, limit_hours: u32) -> String {
    if s.due_at.as_str() > at {
        s.due_at.clone()
    } else {
        later(at, i64::from(limit_hours))
    }
}

fn apply(
    c: &mut Conn,
    actor: &Actor,
    s: &mut State,
    action: &Action,
    settings: &Settings,
) -> StoreResult<()> {
    let at = actor.at.clone();
    let service = catalogue::service(c, &s.service_code)?;
    let mut deltas: Vec<(Measure, i64)> = Vec::new();
    let reopen = |s: &mut State, deltas: &mut Vec<(Measure, i64)>| {
        if s.reworks == 0 {
            deltas.push((Measure::Reworked, 1));
        }
        s.reworks += 1;
        s.step_due_at = Some(later(&at, i64::from(service.limit_hours)));
    };
    match action {
        Action::Dispatch { to } => {
            s.stage = rules::next_stage(s.stage, Act::Dispatch).map_err(refused)?;
            let tier = match to.level() {
                Level::Grid => Tier::Grid,
                Level::Community => Tier::Community,
                Level::Street => Tier::Street,
                _ => return Err(StoreError::invalid("to", "只能派遣到街道、社区或网格")),
            };
            let known = c.query_opt(
                "SELECT 1 FROM territory WHERE code = $1 AND valid_to IS NULL",
                params![to.as_path()],
            )?;
            if known.is_none() {
                return Err(StoreError::invalid("to", "没有这个街道、社区或网格"));
            }
            s.tier = Some(tier);
            s.handler_code = Some(to.clone());
            s.department_id = None;
            s.step_due_at = Some(later(&at, i64::from(settings.limits.respond_hours)));
            if s.first_dispatched_at.is_none() {
                s.first_dispatched_at = Some(at.clone());
            }
            event(c, s, actor, Event::Dispatched, "")?;
        }
        Action::Take => {
            s.stage = rules::next_stage(s.stage, Act::Take).map_err(refused)?;
            if s.responded_at.is_none() {
                s.responded_at = Some(at.clone());
                let limit = s
                    .first_dispatched_at
                    .as_deref()
                    .map(|d| later(d, i64::from(settings.limits.respond_hours)));
                if limit.is_some_and(|l| at <= l) {
                    deltas.push((Measure::Responded, 1));
                }
            }
            s.step_due_at = Some(reply_by(s, &at, service.limit_hours));
            event(c, s, actor, Event::Taken, "")?;
        }
        Action::Decline { reason } => {
            text_required("reason", reason)?;
            rules::next_stage(s.stage, Act::Decline).map_err(refused)?;
            event(c, s, actor, Event::Declined, reason)?;
            climb_state(c, actor, s, reason, settings)?;
        }
        Action::Escalate { reason } => {
            text_required("reason", reason)?;
            rules::next_stage(s.stage, Act::Escalate).map_err(refused)?;
            climb_state(c, actor, s, reason, settings)?;
        }
        Action::Table { reason } => {
            text_required("reason", reason)?;
            rules::next_stage(s.stage, Act::Escalate).map_err(refused)?;
            let at_community = s.tier.is_some_and(|t| t <= Tier::Community);
            let node = holder_at(
                &s.node,
                if at_community {
                    Tier::Community
                } else {
                    Tier::Street
                },
            )
            .ok_or_else(|| StoreError::invalid("tier", "诉求不在社区或街道之下"))?;
            table(c, actor, s, &node, reason)?;
        }
        Action::Reply { text, photos } => {
            text_required("text", text)?;
            if photos.len() > rules::MAX_PHOTOS {
                return Err(StoreError::invalid(
                    "media",
                    format!("照片最多 {} 张", rules::MAX_PHOTOS),
                ));
            }
            s.stage = rules::next_stage(s.stage, Act::Reply).map_err(refused)?;
            s.status_notes = text.trim().to_owned();
            s.step_due_at = Some(later(&at, i64::from(settings.limits.verify_hours)));
            for p in photos {
                add_photo(c, s.id, p, &at)?;
            }
            event(c, s, actor, Event::Replied, text)?;
        }
        Action::Verify { passed, note } => {
            s.stage =
                rules::next_stage(s.stage, Act::Verify { passed: *passed }).map_err(refused)?;
            if *passed {
                event(c, s, actor, Event::Verified, note)?;
                if s.closed_at.is_none() {
                    s.closed_at = Some(at.clone());
                    deltas.push((Measure::Closed, 1));
                    if at <= s.due_at {
                        deltas.push((Measure::ClosedOnTime, 1));
                    }
                }
                s.step_due_at = None;
                event(c, s, actor, Event::Closed, "")?;
            } else {
                text_required("note", note)?;
                event(c, s, actor, Event::Rejected, note)?;
                reopen(s, &mut deltas);
                event(c, s, actor, Event::Reopened, note)?;
            }
        }
        Action::Rate {
            score,
            solved,
            text,
        } => {
            let next =
                rules::next_stage(s.stage, Act::Rate { score: *score }).map_err(|e| match e {
                    rules::Refusal::BadScore => StoreError::invalid("score", e.to_string()),
                    e => refused(e),
                })?;
            if text.chars().count() > 4000 {
                return Err(StoreError::invalid("text", "不能超过 4000 个字符"));
            }
            if let Some(old) = s.score {
                deltas.push((Measure::Rated, -1));
                if old >= i64::from(SATISFIED_FROM) {
                    deltas.push((Measure::Satisfied, -1));
                }
                if s.solved == Some(true) {
                    deltas.push((Measure::Solved, -1));
                }
            }
            deltas.push((Measure::Rated, 1));
            if *score >= SATISFIED_FROM {
                deltas.push((Measure::Satisfied, 1));
            }
            if *solved {
                deltas.push((Measure::Solved, 1));
            }
            s.score = Some(i64::from(*score));
            s.solved = Some(*solved);
            s.rating_text = Some(text.trim().to_owned());
            s.stage = next;
            event(c, s, actor, Event::Rated, &format!("{score} {text}"))?;
            if next == Stage::Handling {
                reopen(s, &mut deltas);
                event(c, s, actor, Event::Reopened, "评价不满意")?;
            }
        }
        Action::Extend { hours, reason } => {
            text_required("reason", reason)?;
            if *hours == 0 || *hours > settings.limits.extend_hours {
                return Err(StoreError::invalid(
                    "hours",
                    format!("延期应为 1 至 {} 小时", settings.limits.extend_hours),
                ));
            }
            s.stage = rules::next_stage(s.stage, Act::Extend).map_err(refused)?;
            if s.extensions == 0 {
                deltas.push((Measure::Extended, 1));
            }
            s.extensions += 1;
            s.due_at = later(&s.due_at, i64::from(*hours));
            s.step_due_at = s
                .step_due_at
                .as_deref()
                .map(|d| later(d, i64::from(*hours)));
            event(c, s, actor, Event::Extended, reason)?;
        }
    }
    save(c, s, &at)?;
    tally::add(c, &s.node, &s.month, &deltas)?;
    audit::record(
        c,
        actor,
        action_name(action),
        "request",
        s.id,
        &serde_json::json!({
            "stage": s.stage, "tier": s.tier, "handler": s.handler_code, "department_id": s.department_id,
        }),
    )?;
    Ok(())
}

fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Dispatch { .. } => "dispatch",
        Action::Take => "take",
        Action::Decline { .. } => "decline",
        Action::Reply { .. } => "reply",
        Action::Verify { .. } => "verify",
        Action::Rate { .. } => "rate",
        Action::Extend { .. } => "extend",
        Action::Escalate { .. } => "escalate",
        Action::Table { .. } => "table",
    }
}

fn table(
    c: &mut Conn,
    actor: &Actor,
    s: &mut State,
    node: &DivisionCode,
    reason: &str,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO agenda_item (node_code, request_id, reason, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (request_id) DO UPDATE SET node_code = excluded.node_code, reason = excluded.reason, added_at = excluded.added_at",
        params![node.as_path(), s.id, reason, &actor.at],
    )?;
    s.stage = Stage::Dispatched;
    s.tier = Some(Tier::Agenda);
    s.handler_code = Some(node.clone());
    s.department_id = None;
    // The joint meeting sits on its own calendar: nothing climbs from it by the clock.
    s.step_due_at = None;
    event(c, s, actor, Event::Tabled, reason)
}

/// One rung up, on a locked state; writes the steps' history, not the row.
fn climb_state(
    c: &mut Conn,
    actor: &Actor,
    s: &mut State,
    reason: &str,
    settings: &Settings,
) -> StoreResult<()> {
    let next = match s.tier {
        None => Tier::Community,
        Some(t) => t.above().ok_or_else(|| refused(rules::Refusal::Top))?,
    };
    s.stage = Stage::Dispatched;
    s.step_due_at = Some(later(&actor.at, i64::from(settings.limits.respond_hours)));
    if s.first_dispatched_at.is_none() {
        s.first_dispatched_at = Some(actor.at.clone());
    }
    match next {
        Tier::Grid | Tier::Community | Tier::Street => {
            s.tier = Some(next);
            s.handler_code = holder_at(&s.node, next);
            s.department_id = None;
            event(c, s, actor, Event::Escalated, reason)
        }
        Tier::Department => {
            let service = catalogue::service(c, &s.service_code)?;
            let route = catalogue::route(c, &service, &s.node)?;
            let district = s.node.ancestor_at(Level::District);
            let street = s.node.ancestor_at(Level::Street);
            let department = match (&route.department, &district) {
                (Some(name), Some(d)) => c
                    .query_opt(
                        "SELECT id FROM department WHERE district_code = $1 AND name = $2",
                        params![d.as_path(), name.as_str()],
                    )?
                    .map(|r| r.i64(0))
                    .transpose()?,
                _ => None,
            };
            let (Some(department), Some(street)) = (department, street) else {
                // No department of that name in this district: the street's 大工委 takes it.
                let street = s
                    .node
                    .ancestor_at(Level::Street)
                    .unwrap_or_else(|| s.node.clone());
                return table(c, actor, s, &street, &format!("{reason}；本区无对口部门"));
            };
            let today = chrono::DateTime::parse_from_rfc3339(&actor.at)
                .map(|t| t.date_naive())
                .unwrap_or_default();
            let days = i64::from(service.limit_hours.div_ceil(24).max(1));
            let id = insert_summons(
                c,
                actor,
                &SummonsDraft {
                    street,
                    subject: format!("诉求 #{}：{}", s.id, service.name),
                    body: s.description.clone(),
                    departments: vec![department],
                    report_by: today + chrono::Duration::days(1),
                    resolve_by: today + chrono::Duration::days(days),
                },
            )?;
            s.tier = Some(Tier::Department);
            s.handler_code = None;
            s.department_id = Some(department);
            s.summons_id = Some(id);
            event(c, s, actor, Event::Escalated, reason)?;
            event(c, s, actor, Event::Summoned, &format!("吹哨 #{id}"))
        }
        Tier::Agenda => {
            let street = s
                .node
                .ancestor_at(Level::Street)
                .unwrap_or_else(|| s.node.clone());
            table(c, actor, s, &street, reason)
        }
    }
}

/// One rung up for a request being written in the same transaction (intake's routing to
/// a department); returns its state after.
pub(crate) fn climb(
    c: &mut Conn,
    actor: &Actor,
    id: i64,
    reason: &str,
    settings: &Settings,
) -> StoreResult<State> {
    let mut s = lock(c, id)?;
    climb_state(c, actor, &mut s, reason, settings)?;
    save(c, &s, &actor.at)?;
    Ok(s)
}

/// The clock's climb: each request whose holder let its step's time pass (not signed
/// for, or not answered) goes one rung up, the longest overdue first and at most `most`
/// of them, so a backlog climbs over several runs instead of keeping intake waiting
/// behind minutes of writes. Returns how many climbed. Idempotent: a climbed request has
/// a fresh time limit, so a second run at the same moment does nothing more.
pub fn scan(conn: &mut Conn, actor: &Actor, most: usize) -> StoreResult<usize> {
    let settings = catalogue::settings(conn)?;
    let mut climbed = 0;
    loop {
        let take = (most - climbed).min(500);
        if take == 0 {
            return Ok(climbed);
        }
        let due = conn.query(
            &format!(
                "SELECT id, stage FROM request WHERE step_due_at < $1 AND stage IN ('dispatched', 'handling') \
                 ORDER BY step_due_at LIMIT {take}"
            ),
            params![&actor.at],
        )?;
        if due.is_empty() {
            return Ok(climbed);
        }
        conn.tx(|c| {
            for r in &due {
                let mut s = lock(c, r.i64(0)?)?;
                let still_due = s.step_due_at.as_deref().is_some_and(|d| d < actor.at.as_str())
                    && matches!(s.stage, Stage::Dispatched | Stage::Handling);
                if !still_due {
                    continue;
                }
                let reason = if s.stage == Stage::Dispatched { "超时未签收" } else { "超时未办结" };
                climb_state(c, actor, &mut s, reason, &settings)?;
                save(c, &s, &actor.at)?;
                audit::record(c, actor, "escalate", "request", s.id, &serde_json::json!({
                    "tier": s.tier, "handler": s.handler_code, "department_id": s.department_id, "reason": reason,
                }))?;
                climbed += 1;
            }
            Ok::<_, StoreError>(())
        })?;
    }
}
