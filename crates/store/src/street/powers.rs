//! The streets' five powers: rating the heads of the district departments' agencies in
//! the street, consent to their appointment, planning consultations, summonses of
//! departments (吹哨报到), and advice on major decisions. Each act is audited.

use crate::access::Caller;
use crate::audit::{self, Actor};
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::sql::{Page, Related, Sql};
use chrono::NaiveDate;
use datong_domain::Role;
use datong_domain::accountability::Period;
use datong_domain::division::{DivisionCode, Level};
use datong_domain::duty::working_days_after;
use datong_domain::street::{self as rules, Appointment, ConsultationKind, Grade};
use serde::Serialize;

/// The district's side: its committee, or the city above it.
const DISTRICT: [Role; 2] = [Role::District, Role::City];
const STREET: [Role; 1] = [Role::Street];

fn bad(field: &str) -> StoreError {
    StoreError::invalid(field, "stored value is not in the vocabulary")
}

fn code(s: &str) -> StoreResult<DivisionCode> {
    DivisionCode::from_path(s).map_err(|_| bad("code"))
}

fn acting(caller: &Caller, roles: &[Role], node: &DivisionCode) -> StoreResult<()> {
    if !caller.scope.contains(node) {
        return Err(StoreError::NotFound);
    }
    caller
        .acting_as(roles, node)
        .map(|_| ())
        .ok_or(StoreError::Forbidden)
}

// Departments and their agencies.

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Department {
    pub id: i64,
    pub district: DivisionCode,
    pub name: String,
    pub logins: Vec<String>,
}

/// The district registers one of its departments, with the accounts that act for it.
pub fn add_department(
    conn: &mut Conn,
    caller: &Caller,
    district: &DivisionCode,
    name: &str,
    logins: &[String],
) -> StoreResult<Department> {
    if district.level() != Level::District {
        return Err(StoreError::invalid("district", "应为区县"));
    }
    acting(caller, &DISTRICT, district)?;
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO department (district_code, name) VALUES ($1, $2) RETURNING id",
                params![district.as_path(), name],
            )
            .map_err(|e| {
                if e.is_unique_violation() {
                    StoreError::conflict("name", "该部门已登记")
                } else {
                    e.into()
                }
            })?
            .i64(0)?;
        for l in logins {
            c.execute(
                "INSERT INTO department_account (department_id, login) VALUES ($1, $2)",
                params![id, l.as_str()],
            )?;
        }
        let d = Department {
            id,
            district: district.clone(),
            name: name.to_owned(),
            logins: logins.to_vec(),
        };
        audit::record(c, &caller.actor, "create", "department", id, &d)?;
        Ok(d)
    })
}

/// The departments of a district the caller sees (for a street to name those it summons),
/// by name; their accounts are not shown.
pub fn departments(
    conn: &mut Conn,
    caller: &Caller,
    district: &DivisionCode,
) -> StoreResult<Vec<Department>> {
    if district.level() != Level::District || !caller.places.sees_path_to(district) {
        return Err(StoreError::NotFound);
    }
    conn.query(
        "SELECT id, name FROM department WHERE district_code = $1 ORDER BY name",
        params![district.as_path()],
    )?
    .iter()
    .map(|r| {
        Ok(Department {
            id: r.i64(0)?,
            district: district.clone(),
            name: r.str(1)?,
            logins: Vec::new(),
        })
    })
    .collect()
}

fn department_district(conn: &mut Conn, id: i64) -> StoreResult<DivisionCode> {
    code(
        &conn
            .query_opt(
                "SELECT district_code FROM department WHERE id = $1",
                params![id],
            )?
            .ok_or(StoreError::NotFound)?
            .str(0)?,
    )
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Agency {
    pub id: i64,
    pub department_id: i64,
    pub department: String,
    pub street: DivisionCode,
    pub name: String,
    pub head: Option<String>,
}

const AGENCY: &str = "SELECT a.id, a.department_id, d.name, a.street_code, a.name, a.head FROM agency a \
     JOIN department d ON d.id = a.department_id";

fn agency_row(r: &Row) -> StoreResult<Agency> {
    Ok(Agency {
        id: r.i64(0)?,
        department_id: r.i64(1)?,
        department: r.str(2)?,
        street: code(&r.str(3)?)?,
        name: r.str(4)?,
        head: r.opt_str(5)?,
    })
}

pub fn add_agency(
    conn: &mut Conn,
    caller: &Caller,
    department: i64,
    street: &DivisionCode,
    name: &str,
) -> StoreResult<Agency> {
    let district = department_district(conn, department)?;
    acting(caller, &DISTRICT, &district)?;
    crate::territory::street_in_scope(conn, caller, street)?;
    if !district.contains(street) {
        return Err(StoreError::invalid(
            "street",
            "派出机构应在本部门所在区县的街道",
        ));
    }
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO agency (department_id, street_code, name) VALUES ($1, $2, $3) RETURNING id",
                params![department, street.as_path(), name],
            )?
            .i64(0)?;
        let a = agency_row(&c.query_one(&format!("{AGENCY} WHERE a.id = $1"), params![id])?)?;
        audit::record(c, &caller.actor, "create", "agency", id, &a)?;
        Ok(a)
    })
}

pub fn agency(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Agency> {
    let mut q = Sql::new(&format!("{AGENCY} WHERE a.id = "));
    q.bind(id)
        .and_visible("a.street_code", caller, None, &own_agencies(caller));
    agency_row(
        &conn
            .query_opt(&q.text, &q.params)?
            .ok_or(StoreError::NotFound)?,
    )
}

pub fn agencies(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
) -> StoreResult<Vec<Agency>> {
    let mut q = Sql::new(&format!("{AGENCY} WHERE 1 = 1"));
    q.and_visible("a.street_code", caller, Some(under), &own_agencies(caller))
        .push(" ORDER BY a.street_code, a.id");
    conn.query(&q.text, &q.params)?
        .iter()
        .map(agency_row)
        .collect()
}

// 1. Ratings.

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rating {
    pub agency_id: i64,
    pub agency: String,
    pub street: DivisionCode,
    pub period: String,
    pub head: String,
    pub grade: Grade,
    pub comment: String,
    pub rated_by: String,
    pub rated_at: String,
}

/// The street rates an agency's head for a period, once.
pub fn rate(
    conn: &mut Conn,
    caller: &Caller,
    agency_id: i64,
    period: &str,
    grade: Grade,
    comment: &str,
) -> StoreResult<Rating> {
    Period::parse(period).map_err(|e| StoreError::invalid("period", e.to_string()))?;
    let a = agency(conn, caller, agency_id)?;
    acting(caller, &STREET, &a.street)?;
    let head = a
        .head
        .clone()
        .ok_or_else(|| StoreError::invalid("agency", "该机构尚无负责人"))?;
    let r = Rating {
        agency_id,
        agency: a.name,
        street: a.street,
        period: period.to_owned(),
        head,
        grade,
        comment: comment.to_owned(),
        rated_by: caller.actor.login.clone(),
        rated_at: caller.actor.at.clone(),
    };
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO agency_rating (agency_id, period, head, grade, comment, rated_by, rated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                params![agency_id, period, &r.head, grade.as_str(), comment, &r.rated_by, &r.rated_at],
            )
            .map_err(|e| if e.is_unique_violation() { StoreError::conflict("period", "本期已评价") } else { e.into() })?
            .i64(0)?;
        audit::record(c, &caller.actor, "rate", "agency_rating", id, &r)?;
        Ok(r)
    })
}

/// Ratings of agencies under `under` (the district sees its streets'), newest first.
pub fn ratings(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
    period: Option<&str>,
) -> StoreResult<Vec<Rating>> {
    let mut q = Sql::new(
        "SELECT r.agency_id, a.name, a.street_code, r.period, r.head, r.grade, r.comment, r.rated_by, r.rated_at \
         FROM agency_rating r JOIN agency a ON a.id = r.agency_id WHERE 1 = 1",
    );
    q.and_visible("a.street_code", caller, Some(under), &own_agencies(caller));
    if let Some(p) = period {
        q.push(" AND r.period = ").bind(p);
    }
    q.push(" ORDER BY r.id DESC");
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| {
            Ok(Rating {
                agency_id: r.i64(0)?,
                agency: r.str(1)?,
                street: code(&r.str(2)?)?,
                period: r.str(3)?,
                head: r.str(4)?,
                grade: Grade::parse(&r.str(5)?).ok_or_else(|| bad("grade"))?,
                comment: r.str(6)?,
                rated_by: r.str(7)?,
                rated_at: r.str(8)?,
            })
        })
        .collect()
}

// 2. Consent to appointments.

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AppointmentRow {
    pub id: i64,
    pub agency_id: i64,
    pub action: Appointment,
    pub person: String,
    pub reason: String,
    pub proposed_by: String,
    pub consent: Option<bool>,
    pub consent_text: Option<String>,
    /// The agency's head as things stand after this proposal.
    pub head: Option<String>,
}

fn appointment(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<(AppointmentRow, Agency)> {
    let r = conn
        .query_opt(
            "SELECT id, agency_id, action, person, reason, proposed_by, consent, consent_text FROM appointment WHERE id = $1",
            params![id],
        )?
        .ok_or(StoreError::NotFound)?;
    let a = agency(conn, caller, r.i64(1)?)?;
    Ok((
        AppointmentRow {
            id: r.i64(0)?,
            agency_id: r.i64(1)?,
            action: Appointment::parse(&r.str(2)?).ok_or_else(|| bad("action"))?,
            person: r.str(3)?,
            reason: r.str(4)?,
            proposed_by: r.str(5)?,
            consent: r.opt_str(6)?.map(|c| c == "given"),
            consent_text: r.opt_str(7)?,
            head: a.head.clone(),
        },
        a,
    ))
}

/// The proposals for the heads of a street's agencies still awaiting its answer, oldest
/// first, for whoever sees those agencies.
pub fn pending_appointments(
    conn: &mut Conn,
    caller: &Caller,
    street: &DivisionCode,
) -> StoreResult<Vec<(AppointmentRow, Agency)>> {
    let ids: Vec<i64> = conn
        .query(
            "SELECT p.id FROM appointment p JOIN agency a ON a.id = p.agency_id \
             WHERE a.street_code = $1 AND p.consent IS NULL ORDER BY p.id",
            params![street.as_path()],
        )?
        .iter()
        .map(|r| r.i64(0))
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        match appointment(conn, caller, id) {
            Ok(p) => out.push(p),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The district proposes to appoint or remove an agency's head: nothing changes yet.
pub fn propose(
    conn: &mut Conn,
    caller: &Caller,
    agency_id: i64,
    action: Appointment,
    person: &str,
    reason: &str,
) -> StoreResult<AppointmentRow> {
    let a = agency(conn, caller, agency_id)?;
    acting(caller, &DISTRICT, &a.street)?;
    let id = conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO appointment (agency_id, action, person, reason, proposed_by, proposed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                params![agency_id, action.as_str(), person, reason, &caller.actor.login, &caller.actor.at],
            )?
            .i64(0)?;
        audit::record(c, &caller.actor, "propose", "appointment", id, &serde_json::json!({ "agency_id": agency_id, "action": action, "person": person, "reason": reason }))?;
        Ok::<_, StoreError>(id)
    })?;
    Ok(appointment(conn, caller, id)?.0)
}

/// The street's recorded consent or refusal; only consent changes the head.
pub fn consent(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    given: bool,
    text: &str,
) -> StoreResult<AppointmentRow> {
    let (before, a) = appointment(conn, caller, id)?;
    acting(caller, &STREET, &a.street)?;
    if before.consent.is_some() {
        return Err(StoreError::conflict("consent", "街道已就此答复"));
    }
    if text.trim().is_empty() {
        return Err(StoreError::invalid("text", "须写明意见"));
    }
    let head = rules::head_after(a.head.as_deref(), before.action, &before.person, given);
    conn.tx(|c| {
        c.execute(
            "UPDATE appointment SET consent = $1, consent_text = $2, consent_by = $3, consent_at = $4 WHERE id = $5",
            params![if given { "given" } else { "refused" }, text, &caller.actor.login, &caller.actor.at, id],
        )?;
        c.execute("UPDATE agency SET head = $1 WHERE id = $2", params![head.clone(), a.id])?;
        audit::record(c, &caller.actor, if given { "consent" } else { "refuse" }, "appointment", id, &serde_json::json!({ "text": text, "head": head }))
    })?;
    Ok(appointment(conn, caller, id)?.0)
}

// 3 and 5. Consultations: planning (district → street), advice (street → district).

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Consultation {
    pub id: i64,
    pub kind: ConsultationKind,
    pub street: DivisionCode,
    pub subject: String,
    pub body: String,
    pub filed_by: String,
    pub filed_at: String,
    pub due: NaiveDate,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    /// Unanswered past its due date, or answered after it.
    pub late: bool,
}

/// Who files each kind, and who answers it.
fn sides(kind: ConsultationKind) -> (&'static [Role], &'static [Role]) {
    match kind {
        ConsultationKind::Planning => (&DISTRICT, &STREET),
        ConsultationKind::Advice => (&STREET, &DISTRICT),
    }
}

/// Who answers a consultation of `kind`: the street a planning one, the district advice.
pub fn answerers(kind: ConsultationKind) -> &'static [Role] {
    sides(kind).1
}

pub fn consultation(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Consultation> {
    let mut q = Sql::new(
        "SELECT id, kind, street_code, subject, body, filed_by, filed_at, due, answer, answered_by, answered_at \
         FROM consultation WHERE id = ",
    );
    q.bind(id).and_in_scope("street_code", &caller.scope);
    let r = conn
        .query_opt(&q.text, &q.params)?
        .ok_or(StoreError::NotFound)?;
    let due: NaiveDate = r.str(7)?.parse().map_err(|_| bad("due"))?;
    let answered_at = r.opt_str(10)?;
    let answered_on = answered_at
        .as_deref()
        .and_then(|a| a.get(..10))
        .and_then(|d| d.parse::<NaiveDate>().ok());
    Ok(Consultation {
        id: r.i64(0)?,
        kind: ConsultationKind::parse(&r.str(1)?).ok_or_else(|| bad("kind"))?,
        street: code(&r.str(2)?)?,
        subject: r.str(3)?,
        body: r.str(4)?,
        filed_by: r.str(5)?,
        filed_at: r.str(6)?,
        due,
        answer: r.opt_str(8)?,
        answered_by: r.opt_str(9)?,
        late: answered_on.unwrap_or(caller.today()) > due,
        answered_at,
    })
}

pub fn consult(
    conn: &mut Conn,
    caller: &Caller,
    kind: ConsultationKind,
    street: &DivisionCode,
    subject: &str,
    body: &str,
) -> StoreResult<Consultation> {
    crate::territory::street_in_scope(conn, caller, street)?;
    acting(caller, sides(kind).0, street)?;
    let due = working_days_after(caller.today(), rules::CONSULTATION_WORKING_DAYS);
    let id = conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO consultation (kind, street_code, subject, body, filed_by, filed_at, due) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                params![kind.as_str(), street.as_path(), subject, body, &caller.actor.login, &caller.actor.at, due.to_string()],
            )?
            .i64(0)?;
        audit::record(c, &caller.actor, "file", "consultation", id, &serde_json::json!({ "kind": kind, "street": street, "subject": subject, "due": due }))?;
        Ok::<_, StoreError>(id)
    })?;
    consultation(conn, caller, id)
}

pub fn answer(conn: &mut Conn, caller: &Caller, id: i64, text: &str) -> StoreResult<Consultation> {
    let before = consultation(conn, caller, id)?;
    acting(caller, sides(before.kind).1, &before.street)?;
    if before.answer.is_some() {
        return Err(StoreError::conflict("answer", "已答复"));
    }
    if text.trim().is_empty() {
        return Err(StoreError::invalid("text", "须书面答复"));
    }
    conn.tx(|c| {
        c.execute(
            "UPDATE consultation SET answer = $1, answered_by = $2, answered_at = $3 WHERE id = $4",
            params![text, &caller.actor.login, &caller.actor.at, id],
        )?;
        audit::record(
            c,
            &caller.actor,
            "answer",
            "consultation",
            id,
            &serde_json::json!({ "answer": text }),
        )
    })?;
    consultation(conn, caller, id)
}

pub fn consultations(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
    page: &Page,
) -> StoreResult<Vec<Consultation>> {
    ids_under(conn, caller, "consultation", under, &[], page)?
        .into_iter()
        .map(|id| consultation(conn, caller, id))
        .collect()
}

/// A summoned department reads the summonses it must answer, wherever the street is.
fn summoned(caller: &Caller) -> [Related; 1] {
    [Related::ids("id", caller.own.departments.iter().copied())
        .through("SELECT summons_id FROM summoned WHERE department_id")]
}

/// A department reads its own agencies and their heads' ratings.
fn own_agencies(caller: &Caller) -> [Related; 1] {
    [Related::ids(
        "a.department_id",
        caller.own.departments.iter().copied(),
    )]
}

/// Ids of `table`'s rows for the streets under `under` that the caller sees, newest first.
fn ids_under(
    conn: &mut Conn,
    caller: &Caller,
    table: &str,
    under: &DivisionCode,
    related: &[Related],
    page: &Page,
) -> StoreResult<Vec<i64>> {
    let mut q = Sql::new(&format!("SELECT id FROM {table} WHERE 1 = 1"));
    q.and_visible("street_code", caller, Some(under), related)
        .push(" ORDER BY id DESC")
        .page(page);
    Ok(conn
        .query(&q.text, &q.params)?
        .iter()
        .map(|r| r.i64(0))
        .collect::<Result<_, _>>()?)
}

// 4. Summonses (吹哨报到).

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summons {
    pub id: i64,
    pub street: DivisionCode,
    pub subject: String,
    pub body: String,
    pub report_by: NaiveDate,
    pub resolve_by: NaiveDate,
    pub filed_by: String,
    pub filed_at: String,
    pub departments: Vec<Summoned>,
    /// Every summoned department has resolved its part.
    pub closed: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summoned {
    pub department_id: i64,
    pub department: String,
    pub reported_at: Option<String>,
    pub action: Option<String>,
    pub resolved_at: Option<String>,
    pub resolution: Option<String>,
    pub reported_late: bool,
    pub resolved_late: bool,
}

fn late(at: Option<&str>, by: NaiveDate, today: NaiveDate) -> bool {
    at.and_then(|a| a.get(..10))
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .unwrap_or(today)
        > by
}

pub fn summons(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Summons> {
    let mut q = Sql::new(
        "SELECT id, street_code, subject, body, report_by, resolve_by, filed_by, filed_at FROM summons WHERE id = ",
    );
    q.bind(id)
        .and_visible("street_code", caller, None, &summoned(caller));
    let r = conn
        .query_opt(&q.text, &q.params)?
        .ok_or(StoreError::NotFound)?;
    let report_by: NaiveDate = r.str(4)?.parse().map_err(|_| bad("report_by"))?;
    let resolve_by: NaiveDate = r.str(5)?.parse().map_err(|_| bad("resolve_by"))?;
    let today = caller.today();
    let departments: Vec<Summoned> = conn
        .query(
            "SELECT d.department_id, p.name, d.reported_at, d.action, d.resolved_at, d.resolution \
             FROM summoned d JOIN department p ON p.id = d.department_id WHERE d.summons_id = $1 ORDER BY d.department_id",
            params![id],
        )?
        .iter()
        .map(|r| {
            let (reported_at, resolved_at) = (r.opt_str(2)?, r.opt_str(4)?);
            Ok(Summoned {
                department_id: r.i64(0)?,
                department: r.str(1)?,
                reported_late: late(reported_at.as_deref(), report_by, today),
                resolved_late: late(resolved_at.as_deref(), resolve_by, today),
                reported_at,
                action: r.opt_str(3)?,
                resolved_at,
                resolution: r.opt_str(5)?,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(Summons {
        id: r.i64(0)?,
        street: code(&r.str(1)?)?,
        subject: r.str(2)?,
        body: r.str(3)?,
        report_by,
        resolve_by,
        filed_by: r.str(6)?,
        filed_at: r.str(7)?,
        closed: departments.iter().all(|d| d.resolved_at.is_some()),
        departments,
    })
}

#[derive(Debug, Clone)]
pub struct SummonsDraft {
    pub street: DivisionCode,
    pub subject: String,
    pub body: String,
    pub departments: Vec<i64>,
    pub report_by: NaiveDate,
    pub resolve_by: NaiveDate,
}

/// The street blows the whistle: each department of its district it names must report
/// by `report_by` and resolve its part by `resolve_by`.
pub fn summon(conn: &mut Conn, caller: &Caller, d: &SummonsDraft) -> StoreResult<Summons> {
    crate::territory::street_in_scope(conn, caller, &d.street)?;
    acting(caller, &STREET, &d.street)?;
    if d.departments.is_empty() {
        return Err(StoreError::invalid("departments", "至少召集一个部门"));
    }
    if d.report_by < caller.today() || d.resolve_by < d.report_by {
        return Err(StoreError::invalid(
            "resolve_by",
            "报到时限不能早于今天，办结时限不能早于报到时限",
        ));
    }
    for (i, dep) in d.departments.iter().enumerate() {
        let district = department_district(conn, *dep)
            .map_err(|_| StoreError::invalid(&format!("departments[{i}]"), "部门不存在"))?;
        if !district.contains(&d.street) {
            return Err(StoreError::invalid(
                &format!("departments[{i}]"),
                "只能召集本区县的部门",
            ));
        }
    }
    let id = conn.tx(|c| insert_summons(c, &caller.actor, d))?;
    summons(conn, caller, id)
}

/// Writes a checked summons and its audit row, inside the caller's transaction: the
/// street's own summons, or a resident's request that climbed past the street.
pub(crate) fn insert_summons(c: &mut Conn, actor: &Actor, d: &SummonsDraft) -> StoreResult<i64> {
    let id = c
        .query_one(
            "INSERT INTO summons (street_code, subject, body, report_by, resolve_by, filed_by, filed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            params![d.street.as_path(), &d.subject, &d.body, d.report_by.to_string(), d.resolve_by.to_string(), &actor.login, &actor.at],
        )?
        .i64(0)?;
    for dep in &d.departments {
        c.execute("INSERT INTO summoned (summons_id, department_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", params![id, *dep])?;
    }
    audit::record(
        c,
        actor,
        "summon",
        "summons",
        id,
        &serde_json::json!({ "street": d.street, "subject": d.subject, "departments": d.departments }),
    )?;
    Ok(id)
}

/// A summoned department's account reports (报到) with its action, or resolves its part.
pub fn respond(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    department: i64,
    resolved: bool,
    text: &str,
) -> StoreResult<Summons> {
    let acts_for = conn
        .query_opt(
            "SELECT 1 FROM department_account WHERE department_id = $1 AND login = $2",
            params![department, &caller.actor.login],
        )?
        .is_some();
    let s = summons(conn, caller, id)?;
    let Some(mine) = s.departments.iter().find(|d| d.department_id == department) else {
        return Err(StoreError::NotFound);
    };
    if !acts_for {
        return Err(StoreError::Forbidden);
    }
    if text.trim().is_empty() {
        return Err(StoreError::invalid("text", "须写明报到情况或办理结果"));
    }
    if resolved && mine.reported_at.is_none() {
        return Err(StoreError::conflict("resolved", "先报到，再办结"));
    }
    if (resolved && mine.resolved_at.is_some()) || (!resolved && mine.reported_at.is_some()) {
        return Err(StoreError::conflict("resolved", "已答复"));
    }
    conn.tx(|c| {
        let sql = if resolved {
            "UPDATE summoned SET resolved_at = $1, resolution = $2 WHERE summons_id = $3 AND department_id = $4"
        } else {
            "UPDATE summoned SET reported_at = $1, action = $2, reported_by = $5 WHERE summons_id = $3 AND department_id = $4"
        };
        let mut p = params![&caller.actor.at, text, id, department].to_vec();
        if !resolved {
            p.push(caller.actor.login.as_str().into());
        }
        c.execute(sql, &p)?;
        audit::record(c, &caller.actor, if resolved { "resolve" } else { "report" }, "summons", id, &serde_json::json!({ "department_id": department, "text": text }))
    })?;
    summons(conn, caller, id)
}

pub fn summonses(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
    page: &Page,
) -> StoreResult<Vec<Summons>> {
    ids_under(conn, caller, "summons", under, &summoned(caller), page)?
        .into_iter()
        .map(|id| summons(conn, caller, id))
        .collect()
}
