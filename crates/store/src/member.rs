//! Party members, their transfers, probation and organisational life.
//!
//! Personal numbers are stored whole and masked on the way out unless the caller holds the
//! unmask right over the member's node; every unmasked read is audited.

use crate::access::Caller;
use crate::audit::{self, Entry};
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::org;
use crate::params;
use crate::rollup::{Deltas, member_metrics};
use crate::sql::{Count, Page, Related, Sql};
use chrono::NaiveDate;
use datong_domain::division::{DivisionCode, Level};
use datong_domain::id_number::{IdNumber, Sex};
use datong_domain::member::{self as rules, Education, MemberStatus};
use datong_domain::phone::Phone;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub sex: Sex,
    pub ethnicity: String,
    pub birth_date: String,
    /// Masked (`140213********123X`) unless the caller may see it whole.
    pub id_number: String,
    pub id_number_masked: bool,
    pub education: Education,
    pub joined_on: String,
    pub full_on: Option<String>,
    pub status: MemberStatus,
    pub extension_months: i64,
    pub org_id: i64,
    pub territory: DivisionCode,
    pub phone: Option<String>,
    pub work_unit: Option<String>,
    pub home_community: Option<DivisionCode>,
    pub mobile: bool,
    pub mobile_note: Option<String>,
    pub last_activity_on: Option<String>,
    pub version: i64,
}

const COLUMNS: &str = "id, name, sex, ethnicity, birth_date, id_number, education, joined_on, full_on, status, \
    extension_months, org_id, territory_code, phone, work_unit, home_community, mobile, mobile_note, last_activity_on, version";

fn code(s: &str) -> StoreResult<DivisionCode> {
    DivisionCode::from_path(s).map_err(|e| StoreError::invalid("territory", e.to_string()))
}

/// Reads a row, opening the sealed numbers and masking them unless `unmask`.
fn from_row(c: &Conn, r: &Row, unmask: bool) -> StoreResult<Member> {
    let id_raw = c.unseal(&r.str(5)?)?;
    let id_number = match IdNumber::parse(&id_raw) {
        Ok(id) if !unmask => id.masked(),
        _ => id_raw,
    };
    let phone = r
        .opt_str(13)?
        .map(|p| c.unseal(&p))
        .transpose()?
        .map(|p| match Phone::parse(&p) {
            Ok(ph) if !unmask => ph.masked(),
            _ => p,
        });
    Ok(Member {
        id: r.i64(0)?,
        name: r.str(1)?,
        sex: Sex::parse(&r.str(2)?).unwrap_or(Sex::Male),
        ethnicity: r.str(3)?,
        birth_date: r.str(4)?,
        id_number,
        id_number_masked: !unmask,
        education: Education::parse(&r.str(6)?).unwrap_or(Education::SeniorSecondary),
        joined_on: r.str(7)?,
        full_on: r.opt_str(8)?,
        status: MemberStatus::parse(&r.str(9)?).unwrap_or(MemberStatus::Full),
        extension_months: r.i64(10)?,
        org_id: r.i64(11)?,
        territory: code(&r.str(12)?)?,
        phone,
        work_unit: r.opt_str(14)?,
        home_community: r.opt_str(15)?.map(|c| code(&c)).transpose()?,
        mobile: r.bool(16)?,
        mobile_note: r.opt_str(17)?,
        last_activity_on: r.opt_str(18)?,
        version: r.i64(19)?,
    })
}

/// A member account's own record, which it reads wherever it is.
fn own(caller: &Caller) -> [Related; 1] {
    [Related::ids("id", caller.own.member)]
}

fn load(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Row> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM member WHERE id = "));
    q.bind(id)
        .and_visible("territory_code", caller, None, &own(caller));
    conn.query_opt(&q.text, &q.params)?
        .ok_or(StoreError::NotFound)
}

/// Reads one member. With `unmask`, the caller asks for the whole numbers: granted only
/// with the right over the member's node, and audited.
pub fn get(conn: &mut Conn, caller: &Caller, id: i64, unmask: bool) -> StoreResult<Member> {
    let row = load(conn, caller, id)?;
    let territory = code(&row.str(12)?)?;
    // Anyone may read their own numbers (PIPL art. 45); the read is audited all the same.
    if unmask && !caller.unmask_scope.contains(&territory) && caller.own.member != Some(id) {
        return Err(StoreError::Forbidden);
    }
    let m = from_row(conn, &row, unmask)?;
    if unmask {
        conn.tx(|c| {
            audit::append(
                c,
                &caller.actor,
                Entry {
                    action: "unmask",
                    entity: "member",
                    entity_id: &id.to_string(),
                    before: None,
                    after: None,
                },
            )
        })?;
    }
    Ok(m)
}

#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub sort: MemberSort,
    pub descending: bool,
    pub org_id: Option<i64>,
    pub territory: Option<DivisionCode>,
    pub status: Option<MemberStatus>,
    pub name: Option<String>,
    /// Only members with no organisational life for six months or more as of this day.
    pub lost_contact_on: Option<NaiveDate>,
}

/// The orders a roster can be read in; each ends on the id, so pages never overlap. The
/// default, by place, reads a subtree's first page straight off an index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberSort {
    #[default]
    Place,
    Id,
    Name,
    JoinedOn,
    BirthDate,
}

impl MemberSort {
    fn order_by(self, descending: bool) -> String {
        let columns: &[&str] = match self {
            MemberSort::Place => &["territory_code", "id"],
            MemberSort::Id => &["id"],
            MemberSort::Name => &["name", "id"],
            MemberSort::JoinedOn => &["joined_on", "id"],
            MemberSort::BirthDate => &["birth_date", "id"],
        };
        let dir = if descending { " DESC" } else { "" };
        let list: Vec<String> = columns.iter().map(|c| format!("{c}{dir}")).collect();
        format!(" ORDER BY {}", list.join(", "))
    }
}

/// Lists members, always masked: unmasking is a per-record, audited read.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    f: &MemberFilter,
    page: &Page,
) -> StoreResult<Vec<Member>> {
    list_as(conn, caller, f, page, false)
}

/// The members a roster view lists, every page of it, handed to `each` a batch at a time
/// (with the connection, for what a batch needs beside it) so that a whole city's roster
/// is never held at once. Whole numbers only with the right to them; such a read is
/// audited before its first row.
pub fn export(
    conn: &mut Conn,
    caller: &Caller,
    f: &MemberFilter,
    unmask: bool,
    each: &mut dyn FnMut(&mut Conn, Vec<Member>) -> StoreResult<()>,
) -> StoreResult<()> {
    if unmask
        && !f
            .territory
            .as_ref()
            .is_some_and(|t| caller.unmask_scope.contains(t))
    {
        return Err(StoreError::Forbidden);
    }
    if unmask {
        let scope = f
            .territory
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let after = serde_json::json!({ "status": f.status.map(|s| s.as_str()), "name": f.name });
        conn.tx(|c| {
            audit::append(
                c,
                &caller.actor,
                Entry {
                    action: "export_unmasked",
                    entity: "member",
                    entity_id: &scope,
                    before: None,
                    after: Some(&after),
                },
            )
        })?;
    }
    const BATCH: i64 = 5_000;
    let mut offset = 0;
    loop {
        let page = Page {
            limit: BATCH,
            offset,
        };
        let batch = list_as(conn, caller, f, &page, unmask)?;
        let last = (batch.len() as i64) < BATCH;
        offset += batch.len() as i64;
        each(conn, batch)?;
        if last {
            return Ok(());
        }
    }
}

fn list_as(
    conn: &mut Conn,
    caller: &Caller,
    f: &MemberFilter,
    page: &Page,
    unmask: bool,
) -> StoreResult<Vec<Member>> {
    let mut q = filtered(caller, f);
    q.push(&f.sort.order_by(f.descending)).page(page);
    let rows = conn.query(&q.text, &q.params)?;
    rows.iter().map(|r| from_row(conn, r, unmask)).collect()
}

/// How many members [`list`] would give, all pages: from the kept counters where the
/// filter is a whole subtree the caller sees (by status or not), else counted up to the cap.
pub fn count(conn: &mut Conn, caller: &Caller, f: &MemberFilter) -> StoreResult<Count> {
    let whole_subtree = f.org_id.is_none() && f.name.is_none() && f.lost_contact_on.is_none();
    match &f.territory {
        Some(t) if whole_subtree && caller.scope.contains(t) => {
            let r = crate::rollup::read(conn, t)?;
            Ok(Count::exact(match f.status {
                Some(s) => r.members.get(s.as_str()).copied().unwrap_or(0),
                None => r.members_total,
            }))
        }
        _ => filtered(caller, f).count(conn),
    }
}

fn filtered(caller: &Caller, f: &MemberFilter) -> Sql {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM member WHERE 1 = 1"));
    q.and_visible("territory_code", caller, f.territory.as_ref(), &own(caller));
    if let Some(o) = f.org_id {
        q.push(" AND org_id = ").bind(o);
    }
    if let Some(s) = f.status {
        q.push(" AND status = ").bind(s.as_str());
    }
    if let Some(n) = &f.name {
        q.and_contains("name", n);
    }
    if let Some(day) = f.lost_contact_on {
        let cutoff = (day - chrono::Months::new(rules::LOST_CONTACT_MONTHS)).to_string();
        q.push(" AND last_activity_on IS NOT NULL AND last_activity_on <= ")
            .bind(cutoff);
    }
    q
}

#[derive(Debug, Clone)]
pub struct NewMember {
    pub name: String,
    pub sex: Sex,
    pub ethnicity: String,
    pub birth_date: NaiveDate,
    pub id_number: IdNumber,
    pub education: Education,
    pub joined_on: NaiveDate,
    pub full_on: Option<NaiveDate>,
    pub status: MemberStatus,
    pub org_id: i64,
    pub phone: Option<Phone>,
    pub work_unit: Option<String>,
    pub home_community: Option<DivisionCode>,
    pub mobile: bool,
    pub mobile_note: Option<String>,
}

fn check_home_community(conn: &mut Conn, code: &DivisionCode) -> StoreResult<()> {
    // Dual reporting goes to any community in the city, not only the caller's own.
    if code.level() != Level::Community
        || conn
            .query_opt(
                "SELECT code FROM territory WHERE code = $1",
                params![code.as_path()],
            )?
            .is_none()
    {
        return Err(StoreError::invalid(
            "home_community",
            "居住地社区应为已有的社区（村）代码",
        ));
    }
    Ok(())
}

fn write_org(conn: &mut Conn, caller: &Caller, org_id: i64, field: &str) -> StoreResult<org::Org> {
    let o = org::get(conn, caller, org_id)
        .map_err(|_| StoreError::invalid(field, "党组织不存在或不在权限范围内"))?;
    caller.may_write(&o.territory)?;
    Ok(o)
}

pub fn create(conn: &mut Conn, caller: &Caller, n: NewMember) -> StoreResult<Member> {
    let o = check_new(conn, caller, &n)?;
    conn.tx(|c| insert(c, caller, &n, &o))
}

/// Creates many members in one transaction: all of them, or none. A failing member is
/// named by its position (from 0) in the field of the error.
pub fn create_many(conn: &mut Conn, caller: &Caller, members: &[NewMember]) -> StoreResult<usize> {
    let at = |i: usize, e: StoreError| match e {
        StoreError::Invalid { field, message } => StoreError::Invalid {
            field: format!("{i}.{field}"),
            message,
        },
        StoreError::Conflict { field, message } => StoreError::Conflict {
            field: format!("{i}.{field}"),
            message,
        },
        other => other,
    };
    conn.tx(|c| {
        for (i, n) in members.iter().enumerate() {
            let o = check_new(c, caller, n).map_err(|e| at(i, e))?;
            insert(c, caller, n, &o).map_err(|e| at(i, e))?;
        }
        Ok(members.len())
    })
}

/// The rules a new member must meet; returns the organisation it joins.
pub fn check_new(conn: &mut Conn, caller: &Caller, n: &NewMember) -> StoreResult<org::Org> {
    if n.id_number.birth_date() != n.birth_date {
        return Err(StoreError::invalid(
            "birth_date",
            "出生日期与公民身份号码不一致",
        ));
    }
    if n.id_number.sex() != n.sex {
        return Err(StoreError::invalid("sex", "性别与公民身份号码不一致"));
    }
    match (n.status, n.full_on) {
        (MemberStatus::Full, None) => {
            return Err(StoreError::invalid("full_on", "正式党员应填写转正日期"));
        }
        (MemberStatus::Probationary, Some(_)) => {
            return Err(StoreError::invalid("full_on", "预备党员不应有转正日期"));
        }
        (_, Some(f)) if f < n.joined_on => {
            return Err(StoreError::invalid("full_on", "转正日期不能早于入党日期"));
        }
        _ => {}
    }
    if n.joined_on < n.birth_date + chrono::Months::new(18 * 12) {
        return Err(StoreError::invalid("joined_on", "入党时应年满十八岁"));
    }
    if n.joined_on > caller.today() {
        return Err(StoreError::invalid("joined_on", "入党日期不能晚于今天"));
    }
    let o = write_org(conn, caller, n.org_id, "org_id")?;
    if let Some(h) = &n.home_community {
        check_home_community(conn, h)?;
    }
    Ok(o)
}

fn insert(c: &mut Conn, caller: &Caller, n: &NewMember, o: &org::Org) -> StoreResult<Member> {
    {
        let id = c
            .query_one(
                "INSERT INTO member (name, sex, ethnicity, birth_date, id_number, education, joined_on, full_on, status,
                    org_id, territory_code, phone, work_unit, home_community, mobile, mobile_note, id_number_blind)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
                params![
                    &n.name,
                    n.sex.as_str(),
                    &n.ethnicity,
                    n.birth_date.to_string(),
                    c.seal(n.id_number.as_str()),
                    n.education.as_str(),
                    n.joined_on.to_string(),
                    n.full_on.map(|d| d.to_string()),
                    n.status.as_str(),
                    o.id,
                    o.territory.as_path(),
                    n.phone.as_ref().map(|p| c.seal(p.as_str())),
                    n.work_unit.clone(),
                    n.home_community.as_ref().map(|h| h.as_path().to_owned()),
                    n.mobile,
                    n.mobile_note.clone(),
                    c.blind(n.id_number.as_str())
                ],
            )
            .map_err(|e| if e.is_unique_violation() { StoreError::conflict("id_number", "该公民身份号码已登记") } else { e.into() })?
            .i64(0)?;
        let mut d = Deltas::default();
        let metrics = member_metrics(
            n.status.as_str(),
            n.education.as_str(),
            &n.birth_date.to_string(),
            &n.joined_on.to_string(),
        );
        d.member(o.territory.as_path(), &metrics, 1);
        d.flush(c)?;
        let row = c.query_one(
            &format!("SELECT {COLUMNS} FROM member WHERE id = $1"),
            params![id],
        )?;
        let m = from_row(c, &row, false)?;
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "create",
                entity: "member",
                entity_id: &id.to_string(),
                before: None,
                after: Some(&serde_json::to_value(&m).expect("plain struct")),
            },
        )?;
        Ok(m)
    }
}

#[derive(Debug, Clone, Default)]
pub struct MemberChange {
    pub phone: Option<Option<Phone>>,
    pub work_unit: Option<Option<String>>,
    pub education: Option<Education>,
    pub home_community: Option<Option<DivisionCode>>,
    pub mobile: Option<bool>,
    pub mobile_note: Option<Option<String>>,
    pub version: Option<i64>,
}

fn write_member(
    c: &mut Conn,
    caller: &Caller,
    id: i64,
    action: &str,
    before: &Member,
) -> StoreResult<Member> {
    let row = c.query_one(
        &format!("SELECT {COLUMNS} FROM member WHERE id = $1"),
        params![id],
    )?;
    let after = from_row(c, &row, false)?;
    audit::append(
        c,
        &caller.actor,
        Entry {
            action,
            entity: "member",
            entity_id: &id.to_string(),
            before: Some(&serde_json::to_value(before).expect("plain struct")),
            after: Some(&serde_json::to_value(&after).expect("plain struct")),
        },
    )?;
    Ok(after)
}

fn load_for_write(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    version: Option<i64>,
) -> StoreResult<(Member, Row)> {
    let row = load(conn, caller, id)?;
    let before = from_row(conn, &row, false)?;
    caller.may_write(&before.territory)?;
    if version.is_some_and(|v| v != before.version) {
        return Err(StoreError::conflict(
            "version",
            "该党员信息已被他人修改，请刷新后重试",
        ));
    }
    Ok((before, row))
}

/// The roll-up metrics a member counts under.
fn counted(m: &Member) -> [String; 4] {
    member_metrics(
        m.status.as_str(),
        m.education.as_str(),
        &m.birth_date,
        &m.joined_on,
    )
}

pub fn update(conn: &mut Conn, caller: &Caller, id: i64, ch: MemberChange) -> StoreResult<Member> {
    let (before, row) = load_for_write(conn, caller, id, ch.version)?;
    if let Some(Some(h)) = &ch.home_community {
        check_home_community(conn, h)?;
    }
    conn.tx(|c| {
        let phone = match &ch.phone {
            Some(p) => p.as_ref().map(|p| c.seal(p.as_str())),
            None => row.opt_str(13)?,
        };
        c.execute(
            "UPDATE member SET phone = $1, work_unit = $2, education = $3, home_community = $4, mobile = $5, mobile_note = $6,
                version = version + 1 WHERE id = $7",
            params![
                phone,
                ch.work_unit.clone().unwrap_or(before.work_unit.clone()),
                ch.education.unwrap_or(before.education).as_str(),
                ch.home_community.clone().unwrap_or(before.home_community.clone()).map(|h| h.as_path().to_owned()),
                ch.mobile.unwrap_or(before.mobile),
                ch.mobile_note.clone().unwrap_or(before.mobile_note.clone()),
                id
            ],
        )?;
        if let Some(education) = ch.education.filter(|e| *e != before.education) {
            let mut d = Deltas::default();
            d.member(before.territory.as_path(), &counted(&before), -1);
            let after = Member { education, ..before.clone() };
            d.member(before.territory.as_path(), &counted(&after), 1);
            d.flush(c)?;
        }
        write_member(c, caller, id, "update", &before)
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Transfer {
    pub id: i64,
    pub member_id: i64,
    pub from_org_id: i64,
    pub to_org_id: i64,
    pub transferred_on: String,
    pub reason: String,
    pub actor: String,
}

/// Moves a member's organisational relation (组织关系转接) to another organisation in the
/// caller's scope, keeping the history.
pub fn transfer(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    to_org: i64,
    on: NaiveDate,
    reason: &str,
) -> StoreResult<Transfer> {
    let (before, _) = load_for_write(conn, caller, id, None)?;
    let to = write_org(conn, caller, to_org, "to_org_id")?;
    if to.id == before.org_id {
        return Err(StoreError::invalid("to_org_id", "转入组织与当前组织相同"));
    }
    if reason.trim().is_empty() {
        return Err(StoreError::invalid("reason", "请填写转接原因"));
    }
    if on > caller.today() {
        return Err(StoreError::invalid(
            "transferred_on",
            "转接日期不能晚于今天",
        ));
    }
    conn.tx(|c| {
        let tid = c
            .query_one(
                "INSERT INTO member_transfer (member_id, from_org_id, to_org_id, transferred_on, reason, actor)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                params![id, before.org_id, to.id, on.to_string(), reason, &caller.actor.login],
            )?
            .i64(0)?;
        c.execute(
            "UPDATE member SET org_id = $1, territory_code = $2, version = version + 1 WHERE id = $3",
            params![to.id, to.territory.as_path(), id],
        )?;
        let mut d = Deltas::default();
        let metrics = counted(&before);
        d.member(before.territory.as_path(), &metrics, -1);
        d.member(to.territory.as_path(), &metrics, 1);
        d.flush(c)?;
        write_member(c, caller, id, "transfer", &before)?;
        Ok(Transfer {
            id: tid,
            member_id: id,
            from_org_id: before.org_id,
            to_org_id: to.id,
            transferred_on: on.to_string(),
            reason: reason.to_owned(),
            actor: caller.actor.login.clone(),
        })
    })
}

pub fn transfers(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Vec<Transfer>> {
    load(conn, caller, id)?;
    conn.query(
        "SELECT id, member_id, from_org_id, to_org_id, transferred_on, reason, actor FROM member_transfer WHERE member_id = $1 ORDER BY id",
        params![id],
    )?
    .iter()
    .map(|r| {
        Ok(Transfer {
            id: r.i64(0)?,
            member_id: r.i64(1)?,
            from_org_id: r.i64(2)?,
            to_org_id: r.i64(3)?,
            transferred_on: r.str(4)?,
            reason: r.str(5)?,
            actor: r.str(6)?,
        })
    })
    .collect()
}

/// Ends probation: full membership on `on`, or an extension of `extend_months`.
pub fn probation(
    conn: &mut Conn,
    caller: &Caller,
    id: i64,
    on: NaiveDate,
    extend_months: Option<u32>,
) -> StoreResult<Member> {
    let (before, _) = load_for_write(conn, caller, id, None)?;
    let joined: NaiveDate = before
        .joined_on
        .parse()
        .map_err(|_| StoreError::invalid("joined_on", "stored date unreadable"))?;
    conn.tx(|c| {
        match extend_months {
            Some(months) => {
                rules::check_extension(before.status, before.extension_months as u32, months)
                    .map_err(|e| StoreError::invalid("extend_months", e.to_string()))?;
                c.execute("UPDATE member SET extension_months = $1, version = version + 1 WHERE id = $2", params![months, id])?;
                write_member(c, caller, id, "extend_probation", &before)
            }
            None => {
                rules::check_full_membership(before.status, joined, before.extension_months as u32, on)
                    .map_err(|e| StoreError::invalid("full_on", e.to_string()))?;
                c.execute(
                    "UPDATE member SET status = 'full', full_on = $1, version = version + 1 WHERE id = $2",
                    params![on.to_string(), id],
                )?;
                let mut d = Deltas::default();
                d.member(before.territory.as_path(), &counted(&before), -1);
                let full = Member { status: MemberStatus::Full, ..before.clone() };
                d.member(before.territory.as_path(), &counted(&full), 1);
                d.flush(c)?;
                write_member(c, caller, id, "full_membership", &before)
            }
        }
    })
}

/// Records a meeting or activity of an organisation and who attended: their
/// `last_activity_on` moves forward, which is what lost-contact detection reads.
pub fn record_activity(
    conn: &mut Conn,
    caller: &Caller,
    org_id: i64,
    kind: &str,
    held_on: NaiveDate,
    topic: &str,
    attendees: &[i64],
) -> StoreResult<i64> {
    let o = write_org(conn, caller, org_id, "org_id")?;
    if held_on > caller.today() {
        return Err(StoreError::invalid("held_on", "活动日期不能晚于今天"));
    }
    for (i, m) in attendees.iter().enumerate() {
        let row = load(conn, caller, *m).map_err(|_| {
            StoreError::invalid(&format!("attendees[{i}]"), "党员不存在或不在权限范围内")
        })?;
        if row.i64(11)? != o.id {
            return Err(StoreError::invalid(
                &format!("attendees[{i}]"),
                "该党员不属于此党组织",
            ));
        }
    }
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO org_activity (org_id, kind, held_on, topic) VALUES ($1, $2, $3, $4) RETURNING id",
                params![org_id, kind, held_on.to_string(), topic],
            )?
            .i64(0)?;
        let day = held_on.to_string();
        for m in attendees {
            c.execute("INSERT INTO activity_attendance (activity_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", params![id, *m])?;
            c.execute(
                "UPDATE member SET last_activity_on = $1 WHERE id = $2 AND (last_activity_on IS NULL OR last_activity_on < $1)",
                params![&day, *m],
            )?;
        }
        let after = serde_json::json!({ "org_id": org_id, "kind": kind, "held_on": day, "topic": topic, "attendees": attendees });
        audit::append(c, &caller.actor, Entry { action: "create", entity: "org_activity", entity_id: &id.to_string(), before: None, after: Some(&after) })?;
        Ok(id)
    })
}
