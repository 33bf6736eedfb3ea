//! The job queue: work done later or on a schedule, kept in a table on the same database
//! as the data it changes (no second system to run or lose).
//!
//! A job is named by its kind and a key, so queueing the same work twice queues it once;
//! every job is idempotent, so running one twice (a worker dying after the work but before
//! marking it done) changes nothing more. A worker claims a job by pushing its `run_at`
//! forward by a lease, so two workers on one PostgreSQL never run it at the same time.

use crate::access::Caller;
use crate::audit::{Actor, timestamp as stamp};
use crate::db::Conn;
use crate::duty::{accountability, task};
use crate::error::{StoreError, StoreResult};
use crate::params;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Climb the escalation ladder for the day's overdue targets (key: the date).
    OverdueScan,
    /// Send a task on the day its sender chose, through the gate as it stands that day
    /// (payload: the sender's login and the draft).
    SendTask,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::OverdueScan => "overdue_scan",
            JobKind::SendTask => "send_task",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [JobKind::OverdueScan, JobKind::SendTask]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How long a claimed job is kept from other workers.
const LEASE_MINUTES: i64 = 10;
/// After this many failed attempts a job is given up, its error kept.
const MAX_ATTEMPTS: i64 = 5;

/// Queues a job unless one of that kind and key exists; returns its id.
pub fn enqueue(
    conn: &mut Conn,
    kind: JobKind,
    key: &str,
    payload: &serde_json::Value,
    run_at: DateTime<Utc>,
) -> StoreResult<i64> {
    conn.execute(
        "INSERT INTO job (kind, key, payload, run_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (kind, key) DO NOTHING",
        params![kind.as_str(), key, payload.to_string(), stamp(run_at)],
    )?;
    Ok(conn
        .query_one(
            "SELECT id FROM job WHERE kind = $1 AND key = $2",
            params![kind.as_str(), key],
        )?
        .i64(0)?)
}

/// One job as its creator sees it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub run_at: String,
    pub attempts: i64,
    pub done_at: Option<String>,
    /// What it did: a scan's report, the task sent, or the gate's refusal.
    pub outcome: Option<serde_json::Value>,
    pub last_error: Option<String>,
}

/// A job the caller queued itself (its payload names the caller's login).
pub fn get_own(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Job> {
    let r = conn
        .query_opt(
            "SELECT id, kind, run_at, attempts, done_at, outcome, last_error, payload FROM job WHERE id = $1",
            params![id],
        )?
        .ok_or(StoreError::NotFound)?;
    let payload: serde_json::Value = serde_json::from_str(&r.str(7)?).unwrap_or_default();
    if payload["login"] != caller.actor.login.as_str() {
        return Err(StoreError::NotFound);
    }
    Ok(Job {
        id: r.i64(0)?,
        kind: JobKind::parse(&r.str(1)?).ok_or(StoreError::NotFound)?,
        run_at: r.str(2)?,
        attempts: r.i64(3)?,
        done_at: r.opt_str(4)?,
        outcome: r.opt_str(5)?.and_then(|o| serde_json::from_str(&o).ok()),
        last_error: r.opt_str(6)?,
    })
}

/// Requests one tick climbs at most: a backlog (a city's first day, a long outage) is
/// worked off tick by tick, with intake's writes in between.
pub const CLIMB_PER_TICK: usize = 2000;

/// Climbs the residents' requests whose holders let their time pass, queues today's
/// overdue scan and runs every job due at `now`; returns how many jobs ran. The server's
/// worker calls this on a timer; tests call it with their own clock. The requests' climb
/// runs on every tick rather than as a queued job: it is counted in hours, reads one
/// index range, and is idempotent by itself.
pub fn tick(conn: &mut Conn, now: DateTime<Utc>) -> StoreResult<usize> {
    let climbed = crate::request::workflow::scan(
        conn,
        &Actor {
            login: "job".into(),
            at: stamp(now),
        },
        CLIMB_PER_TICK,
    )?;
    if climbed > 0 {
        tracing::info!(climbed, "requests climbed past their time limits");
    }
    let today = now.date_naive().to_string();
    enqueue(
        conn,
        JobKind::OverdueScan,
        &today,
        &serde_json::json!({}),
        now,
    )?;
    let due = conn.query(
        "SELECT id, kind, payload, run_at, attempts FROM job \
         WHERE done_at IS NULL AND run_at <= $1 ORDER BY run_at, id LIMIT 100",
        params![stamp(now)],
    )?;
    let mut ran = 0;
    for r in due {
        let (id, kind, payload, run_at, attempts) =
            (r.i64(0)?, r.str(1)?, r.str(2)?, r.str(3)?, r.i64(4)?);
        let lease = stamp(now + chrono::Duration::minutes(LEASE_MINUTES));
        let claimed = conn.execute(
            "UPDATE job SET run_at = $1, attempts = attempts + 1 WHERE id = $2 AND run_at = $3 AND done_at IS NULL",
            params![lease, id, run_at],
        )?;
        if claimed == 0 {
            continue;
        }
        let outcome = match JobKind::parse(&kind) {
            Some(k) => run(conn, k, &payload, now),
            None => Err(StoreError::invalid(
                "kind",
                format!("unknown job kind {kind}"),
            )),
        };
        match outcome {
            Ok(o) => {
                conn.execute(
                    "UPDATE job SET done_at = $1, outcome = $2 WHERE id = $3",
                    params![stamp(now), o.to_string(), id],
                )?;
            }
            Err(e) => {
                tracing::warn!(job = id, kind, error = %e, "job failed");
                let retry = stamp(now + chrono::Duration::minutes((attempts + 1).pow(2)));
                let give_up = (attempts + 1 >= MAX_ATTEMPTS).then(|| stamp(now));
                conn.execute(
                    "UPDATE job SET run_at = $1, last_error = $2, done_at = $3 WHERE id = $4",
                    params![retry, e.to_string(), give_up, id],
                )?;
            }
        }
        ran += 1;
    }
    Ok(ran)
}

fn run(
    conn: &mut Conn,
    kind: JobKind,
    payload: &str,
    now: DateTime<Utc>,
) -> StoreResult<serde_json::Value> {
    let actor = Actor {
        login: "job".into(),
        at: stamp(now),
    };
    match kind {
        JobKind::OverdueScan => {
            let report = accountability::scan_overdue(conn, &actor, now.date_naive())?;
            Ok(serde_json::to_value(report).expect("plain struct"))
        }
        JobKind::SendTask => {
            let p: SendPayload = serde_json::from_str(payload)
                .map_err(|e| StoreError::invalid("payload", e.to_string()))?;
            let Some(caller) = crate::account::caller_for_login(conn, &p.login, &actor.at)? else {
                return Ok(serde_json::json!({ "refused": "发送人账号已停用" }));
            };
            // A refusal is this job's outcome, not a failure to retry: the gate said no.
            match task::send(conn, &caller, &p.draft) {
                Ok(t) => Ok(serde_json::json!({ "task_id": t.id })),
                Err(StoreError::Refused {
                    code,
                    message,
                    details,
                }) => Ok(
                    serde_json::json!({ "refused": code, "message": message, "details": details }),
                ),
                Err(StoreError::Invalid { field, message })
                | Err(StoreError::Conflict { field, message }) => Ok(
                    serde_json::json!({ "refused": "invalid", "field": field, "message": message }),
                ),
                Err(StoreError::Forbidden) | Err(StoreError::NotFound) => Ok(
                    serde_json::json!({ "refused": "forbidden", "message": "发送人已无权向这些单位下达任务" }),
                ),
                Err(e) => Err(e),
            }
        }
    }
}

#[derive(Debug, Serialize, serde::Deserialize)]
struct SendPayload {
    login: String,
    draft: task::TaskDraft,
}

/// Queues a task to be sent on `on` (at the day's start, UTC) with the caller's rights
/// on that day; checked now as far as it can be (the draft's fields), gated then.
pub fn schedule_send(
    conn: &mut Conn,
    caller: &Caller,
    draft: &task::TaskDraft,
    on: chrono::NaiveDate,
) -> StoreResult<Job> {
    if on <= caller.today() {
        return Err(StoreError::invalid("send_on", "定时下达日期应晚于今天"));
    }
    if draft.deadline < on {
        return Err(StoreError::invalid("deadline", "完成时限不能早于下达日期"));
    }
    let payload = serde_json::to_value(SendPayload {
        login: caller.actor.login.clone(),
        draft: draft.clone(),
    })
    .expect("plain struct");
    let key = format!("{}:{}", caller.actor.login, caller.actor.at);
    let run_at = on.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let id = conn.tx(|c| {
        let id = enqueue(c, JobKind::SendTask, &key, &payload, run_at)?;
        crate::audit::append(
            c,
            &caller.actor,
            crate::audit::Entry {
                action: "schedule",
                entity: "job",
                entity_id: &id.to_string(),
                before: None,
                after: Some(&payload),
            },
        )?;
        Ok::<_, StoreError>(id)
    })?;
    get_own(conn, caller, id)
}
