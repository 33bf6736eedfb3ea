//! Admission (准入) of an item that is not on a street's list: the department files a
//! written request, the street answers in writing by a due date, the approving authority
//! decides, and an approved item joins that street's list pointing back to its admission.
//! A town (镇, 乡) is admitted to the same way, into the town list it holds.

use super::list::{self, ItemInput};
use crate::access::Caller;
use crate::audit::{self, Entry};
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::sql::{Page, Related, Sql};
use chrono::NaiveDate;
use datong_domain::Role;
use datong_domain::division::DivisionCode;
use datong_domain::duty::{
    self, AdmissionStage, Category, DutyArea, ItemState, Opinion, Responsibility,
};
use serde::Serialize;

/// Who files a request: the district's departments, or the district itself.
pub const FILERS: [Role; 2] = [Role::Department, Role::District];
/// Who answers for the street.
pub const ANSWERERS: [Role; 1] = [Role::Street];
/// Who approves: the district committee (or the city above it).
pub const DECIDERS: [Role; 2] = [Role::District, Role::City];

#[derive(Debug, Clone)]
pub struct AdmissionDraft {
    pub street: DivisionCode,
    pub category: Category,
    pub name: String,
    pub area: DutyArea,
    pub basis: String,
    pub office: String,
    /// The department asking (区直部门).
    pub requester: String,
    /// The written request: what the street would do, and why it must be the street.
    pub request: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Admission {
    pub id: i64,
    pub street: DivisionCode,
    pub street_name: String,
    pub category: Category,
    pub name: String,
    pub area: DutyArea,
    pub basis: String,
    pub office: String,
    pub requester: String,
    pub request: String,
    pub filed_by: String,
    pub filed_at: String,
    pub opinion_due: NaiveDate,
    pub stage: AdmissionStage,
    pub opinion: Option<Opinion>,
    pub opinion_text: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    /// True when the street answered after its due date.
    pub answered_late: bool,
    pub decision_text: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The list item an approval made.
    pub item_id: Option<i64>,
}

const COLUMNS: &str = "a.id, a.street_code, t.name, a.category, a.name, a.area, a.basis, a.office, \
     a.requester, a.request, a.filed_by, a.filed_at, a.opinion_due, a.stage, a.opinion, \
     a.opinion_text, a.answered_by, a.answered_at, a.decision_text, a.decided_by, a.decided_at, \
     a.item_id";
const FROM: &str = "FROM admission a JOIN territory t ON t.code = a.street_code";

fn from_row(r: &Row) -> StoreResult<Admission> {
    let bad = |f: &str| StoreError::invalid(f, "stored value is not in the vocabulary");
    let opinion_due: NaiveDate = r.str(12)?.parse().map_err(|_| bad("opinion_due"))?;
    let answered_at = r.opt_str(17)?;
    Ok(Admission {
        id: r.i64(0)?,
        street: DivisionCode::from_path(&r.str(1)?).map_err(|_| bad("street"))?,
        street_name: r.str(2)?,
        category: Category::parse(&r.str(3)?).map_err(|_| bad("category"))?,
        name: r.str(4)?,
        area: DutyArea::parse(&r.str(5)?).ok_or_else(|| bad("area"))?,
        basis: r.str(6)?,
        office: r.str(7)?,
        requester: r.str(8)?,
        request: r.str(9)?,
        filed_by: r.str(10)?,
        filed_at: r.str(11)?,
        opinion_due,
        stage: AdmissionStage::parse(&r.str(13)?).ok_or_else(|| bad("stage"))?,
        opinion: r
            .opt_str(14)?
            .map(|o| Opinion::parse(&o).ok_or_else(|| bad("opinion")))
            .transpose()?,
        opinion_text: r.opt_str(15)?,
        answered_by: r.opt_str(16)?,
        answered_late: answered_at
            .as_deref()
            .and_then(|a| a.get(..10))
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .is_some_and(|d| d > opinion_due),
        answered_at,
        decision_text: r.opt_str(18)?,
        decided_by: r.opt_str(19)?,
        decided_at: r.opt_str(20)?,
        item_id: r.opt_i64(21)?,
    })
}

/// A department reads the admissions it filed, whichever of its clerks filed them.
fn filed(caller: &Caller) -> [Related; 1] {
    [Related::logins("a.filed_by", &caller.own.department_logins)]
}

pub fn get(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Admission> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE a.id = "));
    q.bind(id)
        .and_visible("a.street_code", caller, None, &filed(caller));
    if let Some(r) = conn.query_opt(&q.text, &q.params)? {
        return from_row(&r);
    }
    // An approved admission is the record of why an item is on a list: whoever reads the
    // list (a department of the district, say) reads it too.
    let r = conn
        .query_opt(
            &format!("SELECT {COLUMNS} {FROM} WHERE a.id = $1"),
            params![id],
        )?
        .ok_or(StoreError::NotFound)?;
    let a = from_row(&r)?;
    if a.stage == AdmissionStage::Approved && caller.places.contains(&a.street) {
        Ok(a)
    } else {
        Err(StoreError::NotFound)
    }
}

#[derive(Debug, Clone, Default)]
pub struct AdmissionFilter {
    pub territory: Option<DivisionCode>,
    pub stage: Option<AdmissionStage>,
}

/// The admissions the caller sees, newest first.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    f: &AdmissionFilter,
    page: &Page,
) -> StoreResult<Vec<Admission>> {
    let mut q = filtered(caller, f);
    q.push(" ORDER BY a.id DESC").page(page);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(from_row)
        .collect()
}

/// How many `list` holds, counted up to the cap.
pub fn count(
    conn: &mut Conn,
    caller: &Caller,
    f: &AdmissionFilter,
) -> StoreResult<crate::sql::Count> {
    filtered(caller, f).count(conn)
}

fn filtered(caller: &Caller, f: &AdmissionFilter) -> Sql {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} {FROM} WHERE 1 = 1"));
    q.and_visible(
        "a.street_code",
        caller,
        f.territory.as_ref(),
        &filed(caller),
    );
    if let Some(s) = f.stage {
        q.push(" AND a.stage = ").bind(s.as_str());
    }
    q
}

fn audited(
    c: &mut Conn,
    caller: &Caller,
    action: &str,
    before: Option<&Admission>,
    id: i64,
) -> StoreResult<Admission> {
    let after = get(c, &Caller::system(caller.actor.clone()), id)?;
    let json = |a: &Admission| serde_json::to_value(a).expect("plain struct");
    audit::append(
        c,
        &caller.actor,
        Entry {
            action,
            entity: "admission",
            entity_id: &id.to_string(),
            before: before.map(json).as_ref(),
            after: Some(&json(&after)),
        },
    )?;
    Ok(after)
}

fn rule(e: duty::AdmissionError) -> StoreError {
    StoreError::Refused {
        code: "admission_refused",
        message: e.to_string(),
        details: serde_json::Value::Null,
    }
}

/// Files the department's written request.
pub fn file(conn: &mut Conn, caller: &Caller, d: &AdmissionDraft) -> StoreResult<Admission> {
    let (_, holder) = crate::territory::gated_in_scope(conn, caller, &d.street)?;
    if caller.acting_as(&FILERS, &d.street).is_none() {
        return Err(StoreError::Forbidden);
    }
    if d.request.trim().is_empty() {
        return Err(StoreError::invalid("request", "须书面说明申请事项和理由"));
    }
    conn.tx(|c| {
        duty::may_file(
            holder,
            &d.category,
            list::entry(c, &d.street, holder, &d.category)?,
        )
        .map_err(rule)?;
        let id = c
            .query_one(
                "INSERT INTO admission (street_code, category, name, area, basis, office, \
                 requester, request, filed_by, filed_at, opinion_due, stage) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                params![
                    d.street.as_path(),
                    d.category.as_str(),
                    &d.name,
                    d.area.as_str(),
                    &d.basis,
                    &d.office,
                    &d.requester,
                    &d.request,
                    &caller.actor.login,
                    &caller.actor.at,
                    duty::opinion_due(caller.today()).to_string(),
                    AdmissionStage::Filed.as_str()
                ],
            )?
            .i64(0)?;
        audited(c, caller, "file", None, id)
    })
}

/// The street's written opinion.
pub fn answer(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    opinion: Opinion,
    text: &str,
) -> StoreResult<Admission> {
    let before = get(conn, caller, id)?;
    if caller.acting_as(&ANSWERERS, &before.street).is_none() {
        return Err(StoreError::Forbidden);
    }
    if text.trim().is_empty() {
        return Err(StoreError::invalid("text", "街道意见须书面写明"));
    }
    let stage = duty::answer(before.stage).map_err(rule)?;
    conn.tx(|c| {
        let n = c.execute(
            "UPDATE admission SET stage = $1, opinion = $2, opinion_text = $3, answered_by = $4, \
             answered_at = $5 WHERE id = $6 AND stage = $7",
            params![
                stage.as_str(),
                opinion.as_str(),
                text,
                &caller.actor.login,
                &caller.actor.at,
                id,
                before.stage.as_str()
            ],
        )?;
        if n == 0 {
            return Err(StoreError::conflict("stage", "该申请已被他人处理，请刷新"));
        }
        audited(c, caller, "answer", Some(&before), id)
    })
}

/// The approving authority's decision; an approval puts the item on the street's list.
pub fn decide(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    approve: bool,
    text: &str,
) -> StoreResult<Admission> {
    let before = get(conn, caller, id)?;
    if caller.acting_as(&DECIDERS, &before.street).is_none() {
        return Err(StoreError::Forbidden);
    }
    // Who asks does not approve: the 准入 decision is the district's check on the request.
    if before.filed_by == caller.actor.login {
        return Err(StoreError::Refused {
            code: "own_admission",
            message: "提出准入申请的账号不能审批同一申请".into(),
            details: serde_json::Value::Null,
        });
    }
    let stage = duty::decide(before.stage, before.opinion, approve, text).map_err(rule)?;
    conn.tx(|c| {
        let item_id = if approve {
            let kind = crate::territory::kind_of(c, &before.street)?;
            let holder = duty::gate_of(kind).ok_or(StoreError::NotFound)?;
            let input = ItemInput {
                scope: before.street.clone(),
                holder,
                category: before.category.clone(),
                name: before.name.clone(),
                area: before.area,
                basis: before.basis.clone(),
                responsibility: Responsibility::of(holder),
                office: before.office.clone(),
                state: ItemState::Listed,
            };
            let today = caller.today().to_string();
            Some(list::put(c, &caller.actor, &input, Some(id), &today)?.1)
        } else {
            None
        };
        let n = c.execute(
            "UPDATE admission SET stage = $1, decision_text = $2, decided_by = $3, \
             decided_at = $4, item_id = $5 WHERE id = $6 AND stage = $7",
            params![
                stage.as_str(),
                text,
                &caller.actor.login,
                &caller.actor.at,
                item_id,
                id,
                before.stage.as_str()
            ],
        )?;
        if n == 0 {
            return Err(StoreError::conflict("stage", "该申请已被他人处理，请刷新"));
        }
        audited(c, caller, "decide", Some(&before), id)
    })
}
