//! A receiver's plea about a task it cannot do as sent: a later due date (申请延期) or taking
//! the task back (退回). The receiving node's staff file it with a reason while the task is
//! open; the sender grants or refuses it with an answer. A granted extension moves the due
//! date (the ladder counts from the new one); a granted return closes the receiving end as
//! returned, which no assessment counts.

use super::task::{self, Target};
use crate::access::Caller;
use crate::audit::{self, Entry};
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use chrono::NaiveDate;
use datong_domain::duty::{PleaKind, PleaStage, TargetStatus};
use serde::{Deserialize, Serialize};

/// The longest reason or answer, in characters.
const MAX_TEXT: usize = 500;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PleaDraft {
    pub kind: PleaKind,
    /// The due date asked for: required for an extension, refused for a return.
    #[serde(default)]
    pub until: Option<NaiveDate>,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub grant: bool,
    /// Why; required when refusing.
    #[serde(default)]
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Plea {
    pub id: i64,
    pub target_id: i64,
    pub kind: PleaKind,
    pub until: Option<NaiveDate>,
    pub reason: String,
    pub filed_by: String,
    pub filed_at: String,
    pub stage: PleaStage,
    pub answer: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

const COLUMNS: &str = "id, target_id, kind, until, reason, filed_by, filed_at, stage, answer, \
     decided_by, decided_at";

fn bad(field: &str) -> StoreError {
    StoreError::invalid(field, "stored value is not in the vocabulary")
}

fn from_row(r: &Row) -> StoreResult<Plea> {
    Ok(Plea {
        id: r.i64(0)?,
        target_id: r.i64(1)?,
        kind: PleaKind::parse(&r.str(2)?).ok_or_else(|| bad("kind"))?,
        until: r
            .opt_str(3)?
            .map(|d| d.parse().map_err(|_| bad("until")))
            .transpose()?,
        reason: r.str(4)?,
        filed_by: r.str(5)?,
        filed_at: r.str(6)?,
        stage: PleaStage::parse(&r.str(7)?).ok_or_else(|| bad("stage"))?,
        answer: r.opt_str(8)?,
        decided_by: r.opt_str(9)?,
        decided_at: r.opt_str(10)?,
    })
}

/// The pleas filed on one receiving end, oldest first.
pub(crate) fn of_target(conn: &mut Conn, target_id: i64) -> StoreResult<Vec<Plea>> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM task_plea WHERE target_id = $1 ORDER BY id"),
        params![target_id],
    )?
    .iter()
    .map(from_row)
    .collect()
}

fn text(field: &str, s: &str, required: bool) -> StoreResult<String> {
    let s = s.trim();
    if required && s.is_empty() {
        return Err(StoreError::invalid(field, "请填写理由"));
    }
    if s.chars().count() > MAX_TEXT {
        return Err(StoreError::invalid(
            field,
            format!("不超过 {MAX_TEXT} 个字"),
        ));
    }
    Ok(s.to_owned())
}

/// The receiving node's staff file a plea while the task is open; one waits at a time.
pub fn file(conn: &mut Conn, caller: &Caller, target_id: i64, d: &PleaDraft) -> StoreResult<Plea> {
    let view = super::target::working(conn, caller, target_id)?;
    let reason = text("reason", &d.reason, true)?;
    let until = match (d.kind, d.until) {
        (PleaKind::Extension, None) => {
            return Err(StoreError::invalid("until", "申请延期须填写新的完成时限"));
        }
        (PleaKind::Extension, Some(u)) if u <= view.target.due => {
            return Err(StoreError::invalid(
                "until",
                format!("新的完成时限应晚于原时限 {}", view.target.due),
            ));
        }
        (PleaKind::Return, Some(_)) => {
            return Err(StoreError::invalid("until", "退回不设完成时限"));
        }
        (_, u) => u,
    };
    if view.pleas.iter().any(|p| p.stage == PleaStage::Pending) {
        return Err(StoreError::conflict("kind", "已有待审核的申请"));
    }
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO task_plea (target_id, kind, until, reason, filed_by, filed_at, stage) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                params![
                    target_id,
                    d.kind.as_str(),
                    until.map(|u| u.to_string()),
                    &reason,
                    &caller.actor.login,
                    &caller.actor.at,
                    PleaStage::Pending.as_str()
                ],
            )?
            .i64(0)?;
        let plea = read(c, id)?;
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "plead",
                entity: "task_plea",
                entity_id: &id.to_string(),
                before: None,
                after: Some(&serde_json::to_value(&plea).expect("plain struct")),
            },
        )?;
        Ok(plea)
    })
}

fn read(conn: &mut Conn, id: i64) -> StoreResult<Plea> {
    from_row(
        &conn
            .query_opt(
                &format!("SELECT {COLUMNS} FROM task_plea WHERE id = $1"),
                params![id],
            )?
            .ok_or(StoreError::NotFound)?,
    )
}

/// The sender answers a waiting plea on a receiving end that is still open.
pub fn decide(conn: &mut Conn, caller: &Caller, id: i64, d: &Decision) -> StoreResult<Plea> {
    let before = read(conn, id)?;
    // Seen through its receiving end, so a plea outside the caller's sight is absent.
    let target: Target = task::target(conn, caller, before.target_id)?;
    if !task::sends_to(caller, &target.territory) {
        return Err(StoreError::Forbidden);
    }
    if before.stage != PleaStage::Pending {
        return Err(StoreError::conflict(
            "stage",
            format!("该申请{}", before.stage.label()),
        ));
    }
    if target.status != TargetStatus::Open {
        return Err(task::closed(target.status));
    }
    let answer = text("answer", &d.answer, !d.grant)?;
    let stage = if d.grant {
        PleaStage::Granted
    } else {
        PleaStage::Refused
    };
    conn.tx(|c| {
        c.execute(
            "UPDATE task_plea SET stage = $1, answer = $2, decided_by = $3, decided_at = $4 \
             WHERE id = $5",
            params![
                stage.as_str(),
                Some(answer.as_str()).filter(|a| !a.is_empty()),
                &caller.actor.login,
                &caller.actor.at,
                id
            ],
        )?;
        if d.grant {
            match before.kind {
                PleaKind::Extension => c.execute(
                    "UPDATE task_target SET due = $1 WHERE id = $2",
                    params![before.until.map(|u| u.to_string()), target.id],
                )?,
                PleaKind::Return => c.execute(
                    "UPDATE task_target SET status = $1 WHERE id = $2",
                    params![TargetStatus::Returned.as_str(), target.id],
                )?,
            };
        }
        let after = read(c, id)?;
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "decide",
                entity: "task_plea",
                entity_id: &id.to_string(),
                before: Some(&serde_json::to_value(&before).expect("plain struct")),
                after: Some(&serde_json::to_value(&after).expect("plain struct")),
            },
        )?;
        Ok(after)
    })
}
