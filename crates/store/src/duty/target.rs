//! One receiving end of a task as the people on both sides work it: the receiver signs for
//! it (签收), attaches the evidence the sender asked for (佐证材料) and reports it done (办结,
//! [`super::task::complete`]); the sender rates the work ([`super::accountability::rate`]).
//! It may also plead for a later due date or to return the task ([`super::plea`]). The view
//! says which of those steps the caller may take, so a page shows only those.

use super::plea::{self, Plea};
use super::project::{EvidenceInfo, evidence_from, prepare};
use super::task::{self, Target};
use crate::access::Caller;
use crate::audit;
use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::params;
use datong_domain::Role;
use datong_domain::duty::{PleaStage, TargetStatus};
use serde::Serialize;

/// Who works a task at the node it reached: that node's own role.
const RECEIVERS: [Role; 5] = [
    Role::City,
    Role::District,
    Role::Street,
    Role::Community,
    Role::Grid,
];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TargetView {
    #[serde(flatten)]
    pub target: Target,
    /// Who sent the task, as it names itself, and what it asked for.
    pub sender: String,
    pub detail: String,
    pub evidence_required: String,
    pub signed_at: Option<String>,
    pub signed_by: Option<String>,
    /// The sender's rating of the work done, 1–5.
    pub rating: Option<i64>,
    pub files: Vec<EvidenceInfo>,
    /// The caller may sign for it, attach evidence and report it done (while open).
    pub may_work: bool,
    /// The caller sent it and may rate the work (once done, once).
    pub may_rate: bool,
    /// The receiver's pleas for a later due date or to return the task, oldest first.
    pub pleas: Vec<Plea>,
    /// The caller may file a plea (it may work the task and none is waiting).
    pub may_plead: bool,
    /// The waiting plea the caller, as the sender, may grant or refuse.
    pub may_decide: Option<i64>,
}

/// A receiving end the caller sees: by subtree, or as the department whose clerk sent it.
pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<TargetView> {
    let target = task::target(conn, caller, id)?;
    let r = conn.query_one(
        "SELECT tk.sender, tk.detail, tk.evidence, tt.signed_at, tt.signed_by, tt.rating \
         FROM task_target tt JOIN task tk ON tk.id = tt.task_id WHERE tt.id = $1",
        params![id],
    )?;
    let files = conn
        .query(
            "SELECT id, file_name, content_type, size, digest, uploaded_by, uploaded_at \
             FROM task_evidence WHERE target_id = $1 ORDER BY id",
            params![id],
        )?
        .iter()
        .map(|f| evidence_from(f, 0))
        .collect::<StoreResult<_>>()?;
    // The receiving node's own staff, not the levels above it that may also act there.
    let may_work = target.status == TargetStatus::Open
        && caller.acting_as(&RECEIVERS, &target.territory).as_ref() == Some(&target.territory);
    let rating = r.opt_i64(5)?;
    let sender = task::sends_to(caller, &target.territory);
    let may_rate = target.status == TargetStatus::Done && rating.is_none() && sender;
    let pleas = plea::of_target(conn, id)?;
    let waiting = pleas
        .iter()
        .find(|p| p.stage == PleaStage::Pending)
        .map(|p| p.id);
    let open = target.status == TargetStatus::Open;
    Ok(TargetView {
        sender: r.str(0)?,
        detail: r.str(1)?,
        evidence_required: r.str(2)?,
        signed_at: r.opt_str(3)?,
        signed_by: r.opt_str(4)?,
        rating,
        files,
        may_plead: may_work && waiting.is_none(),
        may_decide: waiting.filter(|_| open && sender),
        may_work,
        may_rate,
        pleas,
        target,
    })
}

/// The view of a receiving end the caller may work: open, and the caller its receiver.
pub(super) fn working(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<TargetView> {
    let view = get(conn, caller, id)?;
    if view.target.status != TargetStatus::Open {
        return Err(task::closed(view.target.status));
    }
    if !view.may_work {
        return Err(StoreError::Forbidden);
    }
    Ok(view)
}

/// The receiver signs for the task (签收): once.
pub fn sign(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<TargetView> {
    let view = working(conn, caller, id)?;
    if view.signed_at.is_some() {
        return Err(StoreError::conflict("signed_at", "该任务已签收"));
    }
    conn.tx(|c| {
        c.execute(
            "UPDATE task_target SET signed_at = $1, signed_by = $2 WHERE id = $3",
            params![&caller.actor.at, &caller.actor.login, id],
        )?;
        audit::record(
            c,
            &caller.actor,
            "sign",
            "task_target",
            id,
            &serde_json::json!({ "signed_at": caller.actor.at }),
        )
    })?;
    get(conn, caller, id)
}

/// The receiver attaches a file of evidence while the task is open: its kind told by its
/// bytes, its size bounded, its SM3 digest kept.
pub fn attach(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    file_name: &str,
    bytes: Vec<u8>,
) -> StoreResult<EvidenceInfo> {
    working(conn, caller, id)?;
    let file = prepare(file_name, &bytes)?;
    let stored = conn.tx(|c| {
        let stored = c
            .query_one(
                "INSERT INTO task_evidence (target_id, file_name, content_type, size, digest, content, \
                 uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                params![id, &file.name, file.kind.content_type(), file.size, &file.digest, bytes, &caller.actor.login, &caller.actor.at],
            )?
            .i64(0)?;
        audit::record(
            c,
            &caller.actor,
            "attach",
            "task_evidence",
            stored,
            &serde_json::json!({ "target_id": id, "file_name": file.name, "size": file.size, "digest": file.digest }),
        )?;
        Ok::<_, StoreError>(stored)
    })?;
    Ok(file.stored(stored, caller))
}

/// An evidence file's name, type and bytes, for whoever sees its task's receiving end.
pub fn file(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<(String, String, Vec<u8>)> {
    let r = conn
        .query_opt(
            "SELECT file_name, content_type, content, target_id FROM task_evidence WHERE id = $1",
            params![id],
        )?
        .ok_or(StoreError::NotFound)?;
    task::target(conn, caller, r.i64(3)?)?;
    Ok((r.str(0)?, r.str(1)?, r.bytes(2)?))
}
