//! Tasks (任务) sent down to lower nodes. Every path that makes one (API, form, import,
//! the scheduled-send job) comes through [`send`], which puts each receiving node through
//! the domain's gate in the same transaction as the insert; a target row can only be
//! written with the `Clearance` the gate returned.

use super::list;
use crate::access::Caller;
use crate::audit::{self, Entry};
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::sql::{Page, Related, Sql};
use chrono::NaiveDate;
use datong_domain::Role;
use datong_domain::accountability::Escalation;
use datong_domain::division::{DivisionCode, Kind};
use datong_domain::duty::{self, Category, Clearance, DutyArea, Holder, ItemState, TargetStatus};
use serde::Serialize;

/// The roles that send tasks down their subtree.
pub const SENDERS: [Role; 5] = [
    Role::City,
    Role::District,
    Role::Department,
    Role::Street,
    Role::Community,
];

/// The caller sends to `code` from a node above it: it may rate the work there and answer
/// the receiver's pleas.
pub fn sends_to(caller: &Caller, code: &DivisionCode) -> bool {
    matches!(caller.acting_as(&SENDERS, code), Some(from) if from != *code)
}

/// The most receiving nodes one task may name.
pub const MAX_TARGETS: usize = 1000;

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct TaskDraft {
    pub title: String,
    pub category: Category,
    pub area: DutyArea,
    pub detail: String,
    /// Who sends it, as the receiving street should read it (区住建局, 区委组织部 …).
    pub sender: String,
    /// The evidence the receiving node must give when it reports the task done.
    pub evidence: String,
    pub deadline: NaiveDate,
    pub targets: Vec<DivisionCode>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub category: Category,
    pub area: DutyArea,
    pub detail: String,
    pub sender: String,
    pub sender_code: DivisionCode,
    pub evidence: String,
    pub deadline: NaiveDate,
    pub created_by: String,
    pub created_at: String,
    /// The receiving nodes the caller may see.
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Target {
    pub id: i64,
    pub task_id: i64,
    /// The task's title and category, so a list of targets reads on its own.
    pub title: String,
    pub category: Category,
    pub territory: DivisionCode,
    pub territory_name: String,
    /// The list item the gate let the task through on; none where the node has no gate.
    pub item_id: Option<i64>,
    pub due: NaiveDate,
    pub status: TargetStatus,
    pub done_at: Option<String>,
    /// The highest step of the overdue ladder it has reached.
    pub step: Option<Escalation>,
}

/// One receiving node the gate refused, with the part of its list that bears on the task.
#[derive(Debug, Clone, Serialize)]
pub struct TargetRefusal {
    pub target: DivisionCode,
    pub target_name: String,
    pub reason: duty::Refusal,
    pub message: &'static str,
    /// The node's items in the task's duty area, as they stand.
    pub relevant: Vec<ListLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListLine {
    pub category: Category,
    pub name: String,
    pub state: ItemState,
}

fn bad(field: &str) -> StoreError {
    StoreError::invalid(field, "stored value is not in the vocabulary")
}

fn date(s: &str, field: &str) -> StoreResult<NaiveDate> {
    s.parse().map_err(|_| bad(field))
}

/// A target's step is its highest escalation row (the ladder only appends).
macro_rules! step {
    () => {
        "(SELECT max(e.step) FROM escalation e WHERE e.target_id = tt.id)"
    };
}
const STEP: &str = step!();

const TARGET_COLUMNS: &str = concat!(
    "tt.id, tt.task_id, tk.title, tk.category, tt.territory_code, t.name, \
     tt.item_id, tt.due, tt.status, tt.done_at, ",
    step!()
);
const TARGET_FROM: &str = "FROM task_target tt JOIN task tk ON tk.id = tt.task_id \
     JOIN territory t ON t.code = tt.territory_code";

fn target_from_row(r: &Row) -> StoreResult<Target> {
    Ok(Target {
        id: r.i64(0)?,
        task_id: r.i64(1)?,
        title: r.str(2)?,
        category: Category::parse(&r.str(3)?).map_err(|_| bad("category"))?,
        territory: DivisionCode::from_path(&r.str(4)?).map_err(|_| bad("territory"))?,
        territory_name: r.str(5)?,
        item_id: r.opt_i64(6)?,
        due: date(&r.str(7)?, "due")?,
        status: TargetStatus::parse(&r.str(8)?).ok_or_else(|| bad("status"))?,
        done_at: r.opt_str(9)?,
        step: r.opt_i64(10)?.and_then(Escalation::of_rank),
    })
}

/// Checks the draft and the caller's right to send to each target; returns the node the
/// caller sends from and each target's kind, in target order.
fn check(
    conn: &mut Conn,
    caller: &Caller,
    d: &TaskDraft,
) -> StoreResult<(DivisionCode, Vec<Kind>)> {
    if d.targets.is_empty() {
        return Err(StoreError::invalid("targets", "至少选择一个接收单位"));
    }
    if d.targets.len() > MAX_TARGETS {
        return Err(StoreError::invalid(
            "targets",
            format!("一次最多下达 {MAX_TARGETS} 个接收单位"),
        ));
    }
    if d.deadline < caller.today() {
        return Err(StoreError::invalid("deadline", "完成时限不能早于今天"));
    }
    let mut seen = std::collections::HashSet::new();
    let mut from = None;
    let mut kinds = Vec::with_capacity(d.targets.len());
    for (i, t) in d.targets.iter().enumerate() {
        let field = format!("targets[{i}]");
        if !seen.insert(t) {
            return Err(StoreError::invalid(&field, "接收单位重复"));
        }
        let target = crate::territory::stored_in_scope(conn, caller, t)
            .map_err(|_| StoreError::invalid(&field, "接收单位不存在或不在权限范围内"))?;
        kinds.push(target.kind);
        match caller.acting_as(&SENDERS, t) {
            Some(s) if s != *t => {
                // The command line acts from the whole tree, which is no node: it sends
                // from the first target's parent.
                let s = if s.is_nation() {
                    t.parent().unwrap_or(s)
                } else {
                    s
                };
                from.get_or_insert(s);
            }
            _ => return Err(StoreError::Forbidden),
        }
    }
    Ok((from.expect("at least one target"), kinds))
}

/// Sends a task: every target passes the gate, or nothing is written and the refusal
/// lists each refused target with the part of its list that bears on the task.
pub fn send(conn: &mut Conn, caller: &Caller, d: &TaskDraft) -> StoreResult<Task> {
    conn.tx(|c| send_in(c, caller, d))
}

/// [`send`] inside a transaction the caller holds (an import sends many or none).
pub(crate) fn send_in(c: &mut Conn, caller: &Caller, d: &TaskDraft) -> StoreResult<Task> {
    let (sender_code, kinds) = check(c, caller, d)?;
    let mut cleared = Vec::with_capacity(d.targets.len());
    let mut refused = Vec::new();
    // Each gated target reads the list of its own kind: a street its street list, a town
    // the town list.
    let gated: Vec<(DivisionCode, Holder)> = d
        .targets
        .iter()
        .zip(&kinds)
        .filter_map(|(t, k)| duty::gate_of(*k).map(|h| (t.clone(), h)))
        .collect();
    let mut entries = list::entries(c, &gated, &d.category)?.into_iter();
    for (t, kind) in d.targets.iter().zip(kinds) {
        let entry = match duty::gate_of(kind) {
            Some(_) => entries.next().flatten(),
            None => None,
        };
        match duty::clear(kind, &d.category, entry) {
            Ok(clearance) => cleared.push((t, clearance)),
            Err(reason) => refused.push(refusal(c, t, kind, d.area, reason)?),
        }
    }
    if !refused.is_empty() {
        return Err(StoreError::Refused {
            code: "task_refused",
            message: format!(
                "任务未下达：{} 个接收单位的权责清单不含该事项（{}）",
                refused.len(),
                d.category
            ),
            details: serde_json::json!({ "refused": refused }),
        });
    }
    let id = c
        .query_one(
            "INSERT INTO task (title, category, area, detail, sender, sender_code, evidence, \
             deadline, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            params![
                &d.title,
                d.category.as_str(),
                d.area.as_str(),
                &d.detail,
                &d.sender,
                sender_code.as_path(),
                &d.evidence,
                d.deadline.to_string(),
                &caller.actor.login,
                &caller.actor.at
            ],
        )?
        .i64(0)?;
    for (t, clearance) in cleared {
        insert_target(c, id, t, clearance, d.deadline)?;
    }
    let task = read(c, &Caller::system(caller.actor.clone()), id)?;
    audit::append(
        c,
        &caller.actor,
        Entry {
            action: "send",
            entity: "task",
            entity_id: &id.to_string(),
            before: None,
            after: Some(&serde_json::to_value(&task).expect("plain struct")),
        },
    )?;
    Ok(task)
}

/// The only place a task reaches a node, and only with the gate's clearance.
fn insert_target(
    c: &mut Conn,
    task_id: i64,
    target: &DivisionCode,
    clearance: Clearance,
    due: NaiveDate,
) -> StoreResult<()> {
    c.execute(
        "INSERT INTO task_target (task_id, territory_code, item_id, due, status) \
         VALUES ($1, $2, $3, $4, $5)",
        params![
            task_id,
            target.as_path(),
            clearance.item_id(),
            due.to_string(),
            TargetStatus::Open.as_str()
        ],
    )?;
    Ok(())
}

fn refusal(
    c: &mut Conn,
    target: &DivisionCode,
    kind: Kind,
    area: DutyArea,
    reason: duty::Refusal,
) -> StoreResult<TargetRefusal> {
    let name = c
        .query_one(
            "SELECT name FROM territory WHERE code = $1",
            params![target.as_path()],
        )?
        .str(0)?;
    let holder = duty::gate_of(kind).expect("only a gated node refuses");
    let relevant = list::read(c, target, holder)?
        .into_iter()
        .filter(|i| i.area == area)
        .map(|i| ListLine {
            category: i.category,
            name: i.name,
            state: i.state,
        })
        .collect();
    Ok(TargetRefusal {
        target: target.clone(),
        target_name: name,
        reason,
        message: reason.label(),
        relevant,
    })
}

/// A department reads the tasks it sent, wherever their targets are.
fn sent(caller: &Caller) -> [Related; 1] {
    [Related::logins(
        "tk.created_by",
        &caller.own.department_logins,
    )]
}

fn read(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Task> {
    let mut q = Sql::new(&format!(
        "SELECT {TARGET_COLUMNS} {TARGET_FROM} WHERE tt.task_id = "
    ));
    q.bind(id)
        .and_visible("tt.territory_code", caller, None, &sent(caller))
        .push(" ORDER BY tt.territory_code");
    let targets = conn
        .query(&q.text, &q.params)?
        .iter()
        .map(target_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    if targets.is_empty() {
        return Err(StoreError::NotFound);
    }
    let r = conn.query_one(
        "SELECT id, title, category, area, detail, sender, sender_code, evidence, deadline, \
         created_by, created_at FROM task WHERE id = $1",
        params![id],
    )?;
    Ok(Task {
        id: r.i64(0)?,
        title: r.str(1)?,
        category: Category::parse(&r.str(2)?).map_err(|_| bad("category"))?,
        area: DutyArea::parse(&r.str(3)?).ok_or_else(|| bad("area"))?,
        detail: r.str(4)?,
        sender: r.str(5)?,
        sender_code: DivisionCode::from_path(&r.str(6)?).map_err(|_| bad("sender_code"))?,
        evidence: r.str(7)?,
        deadline: date(&r.str(8)?, "deadline")?,
        created_by: r.str(9)?,
        created_at: r.str(10)?,
        targets,
    })
}

/// A task as the caller sees it: only its receiving nodes in the caller's scope, and not
/// at all when none is.
pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Task> {
    read(conn, caller, id)
}

/// One receiving end the caller sees: in its scope, or sent by its department.
pub fn target(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Target> {
    let mut q = Sql::new(&format!(
        "SELECT {TARGET_COLUMNS} {TARGET_FROM} WHERE tt.id = "
    ));
    q.bind(id)
        .and_visible("tt.territory_code", caller, None, &sent(caller));
    target_from_row(
        &conn
            .query_opt(&q.text, &q.params)?
            .ok_or(StoreError::NotFound)?,
    )
}

#[derive(Debug, Clone, Default)]
pub struct TargetFilter {
    pub territory: Option<DivisionCode>,
    pub status: Option<TargetStatus>,
    /// Open and past due on the caller's today.
    pub overdue: bool,
    /// At this step of the ladder (its highest so far).
    pub step: Option<Escalation>,
}

/// The receiving ends of tasks in the caller's scope, newest first.
pub fn targets(
    conn: &mut Conn,
    caller: &Caller,
    f: &TargetFilter,
    page: &Page,
) -> StoreResult<Vec<Target>> {
    let mut q = targets_filtered(caller, f);
    q.push(" ORDER BY tt.id DESC").page(page);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(target_from_row)
        .collect()
}

/// How many `targets` holds, counted up to the cap.
pub fn count_targets(
    conn: &mut Conn,
    caller: &Caller,
    f: &TargetFilter,
) -> StoreResult<crate::sql::Count> {
    targets_filtered(caller, f).count(conn)
}

fn targets_filtered(caller: &Caller, f: &TargetFilter) -> Sql {
    let mut q = Sql::new(&format!(
        "SELECT {TARGET_COLUMNS} {TARGET_FROM} WHERE 1 = 1"
    ));
    q.and_visible(
        "tt.territory_code",
        caller,
        f.territory.as_ref(),
        &sent(caller),
    );
    if let Some(s) = f.status {
        q.push(" AND tt.status = ").bind(s.as_str());
    }
    if f.overdue {
        q.push(" AND tt.status = ")
            .bind(TargetStatus::Open.as_str())
            .push(" AND tt.due < ")
            .bind(caller.today().to_string());
    }
    if let Some(step) = f.step {
        q.push(&format!(" AND {STEP} = ")).bind(step.rank());
    }
    q
}

/// A task sent from a node, with how its receiving ends stand.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SentTask {
    pub id: i64,
    pub title: String,
    pub category: Category,
    pub deadline: NaiveDate,
    pub created_at: String,
    /// Receiving ends the caller sees, and of those: done, returned, open past due.
    pub targets: i64,
    pub done: i64,
    pub returned: i64,
    pub overdue: i64,
    /// The highest ladder step any of them reached.
    pub step: Option<Escalation>,
}

/// Tasks sent from `from`, newest first: each with its receiving ends counted. With a
/// step, only tasks with a receiving end at that step.
pub fn sent_from(
    conn: &mut Conn,
    caller: &Caller,
    from: &DivisionCode,
    step: Option<Escalation>,
    page: &Page,
) -> StoreResult<Vec<SentTask>> {
    crate::territory::stored_in_scope(conn, caller, from)?;
    let today = caller.today().to_string();
    let mut q = Sql::new(
        "SELECT tk.id, tk.title, tk.category, tk.deadline, tk.created_at, count(*), \
         sum(CASE WHEN tt.status = 'done' THEN 1 ELSE 0 END), \
         sum(CASE WHEN tt.status = 'returned' THEN 1 ELSE 0 END), \
         sum(CASE WHEN tt.status = 'open' AND tt.due < ",
    );
    q.bind(today.as_str())
        .push(&format!(
            " THEN 1 ELSE 0 END), max({STEP}) FROM task tk JOIN task_target tt ON tt.task_id = tk.id \
             WHERE tk.sender_code = "
        ))
        .bind(from.as_path())
        .and_visible("tt.territory_code", caller, None, &sent(caller))
        .push(" GROUP BY tk.id, tk.title, tk.category, tk.deadline, tk.created_at");
    if let Some(step) = step {
        q.push(&format!(" HAVING sum(CASE WHEN {STEP} = "))
            .bind(step.rank())
            .push(" THEN 1 ELSE 0 END) > 0");
    }
    q.push(" ORDER BY tk.id DESC").page(page);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| {
            Ok(SentTask {
                id: r.i64(0)?,
                title: r.str(1)?,
                category: Category::parse(&r.str(2)?).map_err(|_| bad("category"))?,
                deadline: date(&r.str(3)?, "deadline")?,
                created_at: r.str(4)?,
                targets: r.i64(5)?,
                done: r.i64(6)?,
                returned: r.i64(7)?,
                overdue: r.i64(8)?,
                step: r.opt_i64(9)?.and_then(Escalation::of_rank),
            })
        })
        .collect()
}

/// Why a step on a receiving end that is no longer open is refused.
pub fn closed(status: TargetStatus) -> StoreError {
    StoreError::conflict("status", format!("该任务{}", status.label()))
}

/// The receiving node reports its part done.
pub fn complete(conn: &mut Conn, caller: &Caller, target_id: i64) -> StoreResult<Target> {
    let mut q = Sql::new(&format!(
        "SELECT {TARGET_COLUMNS} {TARGET_FROM} WHERE tt.id = "
    ));
    q.bind(target_id)
        .and_in_scope("tt.territory_code", &caller.scope);
    let before = target_from_row(
        &conn
            .query_opt(&q.text, &q.params)?
            .ok_or(StoreError::NotFound)?,
    )?;
    caller.may_write(&before.territory)?;
    if before.status != TargetStatus::Open {
        return Err(closed(before.status));
    }
    conn.tx(|c| {
        c.execute(
            "UPDATE task_target SET status = $1, done_at = $2 WHERE id = $3",
            params![TargetStatus::Done.as_str(), &caller.actor.at, target_id],
        )?;
        let mut after = before.clone();
        after.status = TargetStatus::Done;
        after.done_at = Some(caller.actor.at.clone());
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "complete",
                entity: "task_target",
                entity_id: &target_id.to_string(),
                before: Some(&serde_json::to_value(&before).expect("plain struct")),
                after: Some(&serde_json::to_value(&after).expect("plain struct")),
            },
        )?;
        Ok(after)
    })
}
