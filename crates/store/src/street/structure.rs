//! The street's 5+2+1 offices and centres from the city's template, with their staff.
//! Streets and towns are configured apart: each kind takes up its own template (the city's
//! streets' 5+2+1, its towns' offices), and a town never receives the street template.

use crate::access::Caller;
use crate::audit::{self, Entry};
use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::sql::Sql;
use datong_domain::division::{DivisionCode, Kind, Level};
use datong_domain::duty::Holder;
use datong_domain::street::OfficeKind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TemplateRow {
    pub position: u32,
    pub name: String,
    pub kind: OfficeKind,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Office {
    pub id: i64,
    pub street: DivisionCode,
    pub position: u32,
    pub name: String,
    pub kind: OfficeKind,
    pub staff: Vec<Staff>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Staff {
    pub id: i64,
    pub name: String,
    pub post: String,
}

/// Only streets and towns hold an office template.
fn template_holder(holder: Holder) -> StoreResult<Holder> {
    match holder {
        Holder::Street | Holder::Town => Ok(holder),
        _ => Err(StoreError::invalid(
            "holder",
            "应为 street（街道）或 town（乡镇）",
        )),
    }
}

/// The template of `holder`'s offices (streets' or towns'), in position order.
pub fn template(conn: &mut Conn, holder: Holder) -> StoreResult<Vec<TemplateRow>> {
    let holder = template_holder(holder)?;
    conn.query(
        "SELECT position, name, kind FROM office_template WHERE holder = $1 ORDER BY position",
        params![holder.as_str()],
    )?
    .iter()
    .map(|r| {
        Ok(TemplateRow {
            position: u32::try_from(r.i64(0)?).unwrap_or(0),
            name: r.str(1)?,
            kind: OfficeKind::parse(&r.str(2)?)
                .ok_or_else(|| StoreError::invalid("kind", "not in the vocabulary"))?,
        })
    })
    .collect()
}

/// The city replaces the streets' or the towns' template; they take it up when it is
/// applied to them.
pub fn set_template(
    conn: &mut Conn,
    caller: &Caller,
    holder: Holder,
    rows: &[TemplateRow],
) -> StoreResult<Vec<TemplateRow>> {
    caller.may_set_city_wide()?;
    let holder = template_holder(holder)?;
    if rows.is_empty() || rows.len() > 30 {
        return Err(StoreError::invalid("rows", "模板应有 1 至 30 个机构"));
    }
    let mut positions: Vec<u32> = rows.iter().map(|r| r.position).collect();
    positions.sort_unstable();
    positions.dedup();
    if positions.len() != rows.len() || positions[0] == 0 {
        return Err(StoreError::invalid("position", "序号应为不重复的正整数"));
    }
    if rows
        .iter()
        .any(|r| r.name.trim().is_empty() || r.name.chars().count() > 50)
    {
        return Err(StoreError::invalid("name", "机构名称应为 1 至 50 个字符"));
    }
    conn.tx(|c| {
        let before = serde_json::to_value(template(c, holder)?).expect("plain struct");
        c.execute(
            "DELETE FROM office_template WHERE holder = $1",
            params![holder.as_str()],
        )?;
        for r in rows {
            c.execute(
                "INSERT INTO office_template (holder, position, name, kind) VALUES ($1, $2, $3, $4)",
                params![holder.as_str(), r.position, r.name.trim(), r.kind.as_str()],
            )?;
        }
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "update",
                entity: "office_template",
                entity_id: holder.as_str(),
                before: Some(&before),
                after: Some(&serde_json::to_value(rows).expect("plain struct")),
            },
        )?;
        template(c, holder)
    })
}

/// Sets up every street and town under `under` (that the caller manages) with the
/// template of its kind; one that has them already gets the template's current names.
/// Returns the streets and towns set up.
pub fn apply(conn: &mut Conn, caller: &Caller, under: &DivisionCode) -> StoreResult<u64> {
    crate::territory::get_in_scope(conn, caller, under)?;
    caller.may_write(under)?;
    let mut q = Sql::new("SELECT code, kind FROM territory WHERE level = ");
    q.bind(Level::Street.as_str())
        .push(" AND valid_to IS NULL")
        .and_in_subtree("code", under)
        .and_in_scope("code", &caller.scope);
    let streets: Vec<(String, Option<Holder>)> = conn
        .query(&q.text, &q.params)?
        .iter()
        .map(|r| Ok((r.str(0)?, Kind::parse(&r.str(1)?).and_then(Holder::of))))
        .collect::<StoreResult<_>>()?;
    let for_streets = template(conn, Holder::Street)?;
    let for_towns = template(conn, Holder::Town)?;
    conn.tx(|c| {
        for (s, holder) in &streets {
            let rows = match holder {
                Some(Holder::Town) => &for_towns,
                _ => &for_streets,
            };
            for r in rows {
                c.execute(
                    "INSERT INTO street_office (street_code, position, name, kind) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (street_code, position) DO UPDATE SET name = excluded.name, kind = excluded.kind",
                    params![s.as_str(), r.position, &r.name, r.kind.as_str()],
                )?;
            }
        }
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "apply",
                entity: "office_template",
                entity_id: under.as_path(),
                before: None,
                after: Some(&serde_json::json!({
                    "streets": streets.iter().filter(|(_, h)| *h != Some(Holder::Town)).count(),
                    "towns": streets.iter().filter(|(_, h)| *h == Some(Holder::Town)).count(),
                })),
            },
        )?;
        Ok(streets.len() as u64)
    })
}

/// A street's offices with their staff.
pub fn offices(
    conn: &mut Conn,
    caller: &Caller,
    street: &DivisionCode,
) -> StoreResult<Vec<Office>> {
    crate::territory::get_in_scope(conn, caller, street)?;
    let mut offices: Vec<Office> = conn
        .query(
            "SELECT id, position, name, kind FROM street_office WHERE street_code = $1 ORDER BY position",
            params![street.as_path()],
        )?
        .iter()
        .map(|r| {
            Ok(Office {
                id: r.i64(0)?,
                street: street.clone(),
                position: u32::try_from(r.i64(1)?).unwrap_or(0),
                name: r.str(2)?,
                kind: OfficeKind::parse(&r.str(3)?)
                    .ok_or_else(|| StoreError::invalid("kind", "not in the vocabulary"))?,
                staff: Vec::new(),
            })
        })
        .collect::<StoreResult<_>>()?;
    let rows = conn.query(
        "SELECT s.office_id, s.id, s.name, s.post FROM office_staff s \
         JOIN street_office o ON o.id = s.office_id WHERE o.street_code = $1 ORDER BY s.id",
        params![street.as_path()],
    )?;
    for r in rows {
        let office = r.i64(0)?;
        if let Some(o) = offices.iter_mut().find(|o| o.id == office) {
            o.staff.push(Staff {
                id: r.i64(1)?,
                name: r.str(2)?,
                post: r.str(3)?,
            });
        }
    }
    Ok(offices)
}

pub fn add_staff(
    conn: &mut Conn,
    caller: &Caller,
    office: i64,
    name: &str,
    post: &str,
) -> StoreResult<Staff> {
    let street = conn
        .query_opt(
            "SELECT street_code FROM street_office WHERE id = $1",
            params![office],
        )?
        .ok_or(StoreError::NotFound)?
        .str(0)?;
    let street = DivisionCode::from_path(&street).map_err(|_| StoreError::NotFound)?;
    if !caller.scope.contains(&street) {
        return Err(StoreError::NotFound);
    }
    caller.may_write(&street)?;
    conn.tx(|c| {
        let id = c
            .query_one(
                "INSERT INTO office_staff (office_id, name, post) VALUES ($1, $2, $3) RETURNING id",
                params![office, name, post],
            )?
            .i64(0)?;
        let staff = Staff {
            id,
            name: name.to_owned(),
            post: post.to_owned(),
        };
        audit::append(
            c,
            &caller.actor,
            Entry {
                action: "create",
                entity: "office_staff",
                entity_id: &id.to_string(),
                before: None,
                after: Some(&serde_json::to_value(&staff).expect("plain struct")),
            },
        )?;
        Ok(staff)
    })
}
