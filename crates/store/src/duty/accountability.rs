//! 规范化问责: the overdue scan that climbs the escalation ladder, the senders' quality
//! ratings, and assessment scores with rankings per level and period.

use super::task;
use crate::access::Caller;
use crate::audit::{self, Actor, Entry};
use crate::db::{Cell, Conn};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::sql::{Related, Sql};
use chrono::NaiveDate;
use datong_domain::accountability::{self, Escalation, Facts, Ladder, Period, Weights};
use datong_domain::division::{DivisionCode, Level};
use datong_domain::duty::TargetStatus;
use serde::Serialize;
use std::collections::BTreeMap;

/// The city's ladder, as stored.
pub fn ladder(conn: &mut Conn) -> StoreResult<Ladder> {
    let steps = conn
        .query(
            "SELECT step, days_overdue FROM escalation_rule ORDER BY step",
            params![],
        )?
        .iter()
        .map(|r| {
            let step = Escalation::of_rank(r.i64(0)?)
                .ok_or_else(|| StoreError::invalid("step", "stored step out of range"))?;
            Ok((step, u32::try_from(r.i64(1)?).unwrap_or(u32::MAX)))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ladder::new(steps).map_err(|e| StoreError::invalid("ladder", e.to_string()))
}

/// Replaces the ladder: the city sets it for everyone below.
pub fn set_ladder(conn: &mut Conn, caller: &Caller, ladder: &Ladder) -> StoreResult<Ladder> {
    caller.may_set_city_wide()?;
    conn.tx(|c| {
        let before = ladder_json(&self::ladder(c)?);
        c.execute("DELETE FROM escalation_rule", params![])?;
        for (step, days) in ladder.steps() {
            c.execute(
                "INSERT INTO escalation_rule (step, days_overdue) VALUES ($1, $2)",
                params![step.rank(), *days],
            )?;
        }
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "update",
                entity: "escalation_ladder",
                entity_id: "city",
                before: Some(&before),
                after: Some(&ladder_json(ladder)),
            },
        )?;
        Ok(ladder.clone())
    })
}

fn ladder_json(l: &Ladder) -> serde_json::Value {
    serde_json::to_value(l).expect("plain struct")
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ScanReport {
    /// Open targets past their due date.
    pub overdue: u64,
    /// Of those, how many climbed a step in this scan.
    pub escalated: u64,
}

/// Finds every open target past its due date on `today` and takes it up the ladder to the
/// step its days overdue call for. Idempotent: a target never climbs to a step it has
/// reached, so a scan run twice on a day escalates nothing the second time. Each step
/// taken is an `escalation` row (a target's step is its highest row: nothing else is
/// updated); the audit log gets one entry per task and step, naming its targets.
pub fn scan_overdue(conn: &mut Conn, actor: &Actor, today: NaiveDate) -> StoreResult<ScanReport> {
    conn.tx(|c| {
        let ladder = ladder(c)?;
        let rows = c.query(
            "SELECT tt.id, tt.task_id, tt.due, COALESCE(max(e.step), 0) FROM task_target tt \
             LEFT JOIN escalation e ON e.target_id = tt.id \
             WHERE tt.status = $1 AND tt.due < $2 GROUP BY tt.id, tt.task_id, tt.due",
            params![TargetStatus::Open.as_str(), today.to_string()],
        )?;
        let mut report = ScanReport {
            overdue: rows.len() as u64,
            escalated: 0,
        };
        // (task, step) → targets, for the audit; and the rows to write.
        let mut by_task: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
        let mut steps: Vec<[i64; 3]> = Vec::new();
        for r in &rows {
            let due: NaiveDate = r
                .str(2)?
                .parse()
                .map_err(|_| StoreError::invalid("due", "stored date"))?;
            let days = (today - due).num_days();
            let Some(step) = ladder.step_for(days) else {
                continue;
            };
            let level = step.rank();
            if level > r.i64(3)? {
                let target = r.i64(0)?;
                steps.push([target, level, days]);
                by_task.entry((r.i64(1)?, level)).or_default().push(target);
            }
        }
        report.escalated = steps.len() as u64;
        if steps.is_empty() {
            return Ok(report);
        }
        let cells: Vec<[Cell; 4]> = steps
            .iter()
            .map(|[t, l, d]| {
                [
                    Cell::Int(*t),
                    Cell::Int(*l),
                    Cell::Int(*d),
                    Cell::Text(&actor.at),
                ]
            })
            .collect();
        c.bulk_insert(
            "escalation",
            &["target_id", "step", "days_overdue", "at"],
            cells.iter().map(|r| &r[..]),
        )?;
        let entries: Vec<(String, String, serde_json::Value)> = by_task
            .into_iter()
            .map(|((task, level), targets)| {
                let step = Escalation::of_rank(level).expect("a step the ladder took");
                (
                    format!("escalate:{}", step.as_str()),
                    task.to_string(),
                    serde_json::json!({ "step": step, "targets": targets }),
                )
            })
            .collect();
        let entries: Vec<Entry> = entries
            .iter()
            .map(|(action, task, after)| Entry {
                action,
                entity: "task",
                entity_id: task,
                before: None,
                after: Some(after),
            })
            .collect();
        audit::append_all(c, actor, &entries)?;
        Ok(report)
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EscalationRow {
    pub step: Escalation,
    pub days_overdue: i64,
    pub at: String,
}

/// A department sees the targets of the tasks it sent.
fn sent(caller: &Caller) -> [Related; 1] {
    [Related::logins(
        "(SELECT created_by FROM task WHERE task.id = task_target.task_id)",
        &caller.own.department_logins,
    )]
}

/// The steps one target has climbed, as far as the caller sees the target.
pub fn escalations(
    conn: &mut Conn,
    caller: &Caller,
    target: i64,
) -> StoreResult<Vec<EscalationRow>> {
    let mut q = Sql::new("SELECT territory_code FROM task_target WHERE id = ");
    q.bind(target)
        .and_visible("territory_code", caller, None, &sent(caller));
    conn.query_opt(&q.text, &q.params)?
        .ok_or(StoreError::NotFound)?;
    conn.query(
        "SELECT step, days_overdue, at FROM escalation WHERE target_id = $1 ORDER BY id",
        params![target],
    )?
    .iter()
    .map(|r| {
        Ok(EscalationRow {
            step: Escalation::of_rank(r.i64(0)?)
                .ok_or_else(|| StoreError::invalid("step", "stored step out of range"))?,
            days_overdue: r.i64(1)?,
            at: r.str(2)?,
        })
    })
    .collect()
}

/// The sender rates the work a receiving node reported done (1–5).
pub fn rate(conn: &mut Conn, caller: &Caller, target: i64, rating: u8) -> StoreResult<()> {
    if !(1..=5).contains(&rating) {
        return Err(StoreError::invalid("rating", "评分应为 1 至 5"));
    }
    let mut q = Sql::new("SELECT territory_code, status, rating FROM task_target WHERE id = ");
    q.bind(target)
        .and_visible("territory_code", caller, None, &sent(caller));
    let r = conn
        .query_opt(&q.text, &q.params)?
        .ok_or(StoreError::NotFound)?;
    let code = DivisionCode::from_path(&r.str(0)?)
        .map_err(|_| StoreError::invalid("territory", "stored code"))?;
    if !task::sends_to(caller, &code) {
        return Err(StoreError::Forbidden);
    }
    if r.str(1)? != TargetStatus::Done.as_str() {
        return Err(StoreError::conflict("status", "任务办结后才能评价质量"));
    }
    let before = r.opt_i64(2)?;
    conn.tx(|c| {
        c.execute(
            "UPDATE task_target SET rating = $1 WHERE id = $2",
            params![i64::from(rating), target],
        )?;
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "rate",
                entity: "task_target",
                entity_id: &target.to_string(),
                before: Some(&serde_json::json!({ "rating": before })),
                after: Some(&serde_json::json!({ "rating": rating })),
            },
        )?;
        Ok(())
    })
}

/// One node's assessment for a period.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Assessment {
    pub code: DivisionCode,
    pub name: String,
    pub facts: Facts,
    /// Out of 100; none when nothing fell due.
    pub score: Option<f64>,
    /// Among the nodes of the same level listed with it.
    pub rank: u32,
}

/// Scores every node of `level` under `under` (in the caller's scope) over the targets in
/// its subtree due in `period`, and ranks them, best first.
pub fn assess(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
    level: Level,
    period: &Period,
    weights: &Weights,
) -> StoreResult<Vec<Assessment>> {
    // Reads `under` through the caller's scope first, so an unseen node is absent.
    let nodes = crate::territory::at_level(conn, caller, under, level)?;
    if level <= under.level() || level > Level::Community {
        return Err(StoreError::invalid(
            "level",
            "应为所选节点以下、社区及以上的层级",
        ));
    }
    // The prefix length comes from the level, not from the request: written into the SQL
    // as a literal, so both engines type `substr` alike.
    let len = level.code_len();
    let mut facts = Sql::new(&format!(
        "SELECT substr(territory_code, 1, {len}) AS node, count(*), \
         sum(CASE WHEN status = 'done' AND substr(done_at, 1, 10) <= due THEN 1 ELSE 0 END), \
         sum(COALESCE(rating, 0)), count(rating), \
         sum(CASE WHEN escalation = 1 THEN 1 ELSE 0 END), \
         sum(CASE WHEN escalation = 2 THEN 1 ELSE 0 END), \
         sum(CASE WHEN escalation = 3 THEN 1 ELSE 0 END), \
         sum(CASE WHEN escalation = 4 THEN 1 ELSE 0 END) \
         FROM task_target LEFT JOIN (SELECT target_id, max(step) AS escalation FROM escalation \
         GROUP BY target_id) e ON e.target_id = task_target.id \
         WHERE status <> 'returned' AND length(territory_code) >= {len} AND due >= "
    ));
    facts
        .bind(period.first.to_string())
        .push(" AND due <= ")
        .bind(period.last.to_string())
        // A target not yet due and not yet done is no one's failure so far.
        .push(" AND (due < ")
        .bind(caller.today().to_string())
        .push(" OR status = 'done')")
        .and_in_subtree("territory_code", under)
        // Counts, not records: every role sees the figures of its places.
        .and_in_scope("territory_code", &caller.places)
        .push(&format!(" GROUP BY substr(territory_code, 1, {len})"));
    let mut by_node: BTreeMap<String, Facts> = BTreeMap::new();
    for r in conn.query(&facts.text, &facts.params)? {
        let n = |i: usize| r.i64(i).map(|v| u32::try_from(v).unwrap_or(u32::MAX));
        by_node.insert(
            r.str(0)?,
            Facts {
                due: n(1)?,
                on_time: n(2)?,
                rating_sum: n(3)?,
                ratings: n(4)?,
                escalations: [n(5)?, n(6)?, n(7)?, n(8)?],
            },
        );
    }
    let mut out: Vec<Assessment> = nodes
        .into_iter()
        .map(|(code, name)| {
            let f = by_node.get(code.as_path()).copied().unwrap_or_default();
            Assessment {
                code,
                name,
                score: accountability::score(&f, weights),
                facts: f,
                rank: 0,
            }
        })
        .collect();
    let ranks = accountability::ranks(&out.iter().map(|a| a.score).collect::<Vec<_>>());
    for (a, r) in out.iter_mut().zip(ranks) {
        a.rank = r;
    }
    out.sort_by(|a, b| (a.rank, &a.code).cmp(&(b.rank, &b.code)));
    Ok(out)
}
