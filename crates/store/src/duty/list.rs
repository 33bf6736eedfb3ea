//! Responsibility lists (权责清单): items declared for a holder over a subtree, versioned.
//!
//! A node's list is every current item for its holder (city, district, 街道 or 乡镇: see
//! [`Holder`]) declared at the node or an ancestor, the most specific declaration of a
//! category winning: a city-wide street catalogue is one row an item, and one street's
//! admission or removal is a row at that street. Streets and towns of one district hold
//! different lists.

use crate::access::Caller;
use crate::audit::{self, Actor, Entry};
use crate::db::{Conn, Row, Value};
use crate::error::{StoreError, StoreResult};
use crate::params;
use datong_domain::division::DivisionCode;
use datong_domain::duty::{Category, DutyArea, Holder, ItemState, ListEntry, Responsibility};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Item {
    pub id: i64,
    /// Where the item is declared; it applies to every node below that holds `holder`'s list.
    pub scope: DivisionCode,
    pub holder: Holder,
    pub category: Category,
    pub name: String,
    pub area: DutyArea,
    /// The law or policy the item rests on (依据).
    pub basis: String,
    pub responsibility: Responsibility,
    /// The office of the street that carries it (承办科室).
    pub office: String,
    pub state: ItemState,
    /// Set when the item joined the list through an admission.
    pub admission_id: Option<i64>,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

/// An item as a catalogue file or an admission gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemInput {
    pub scope: DivisionCode,
    pub holder: Holder,
    pub category: Category,
    pub name: String,
    pub area: DutyArea,
    pub basis: String,
    pub responsibility: Responsibility,
    pub office: String,
    pub state: ItemState,
}

const COLUMNS: &str = "id, scope_code, holder, category, name, area, basis, responsibility, \
     office, state, admission_id, valid_from, valid_to";

fn from_row(r: &Row) -> StoreResult<Item> {
    let bad = |field: &str| StoreError::invalid(field, "stored value is not in the vocabulary");
    Ok(Item {
        id: r.i64(0)?,
        scope: DivisionCode::from_path(&r.str(1)?).map_err(|_| bad("scope"))?,
        holder: Holder::parse(&r.str(2)?).ok_or_else(|| bad("holder"))?,
        category: Category::parse(&r.str(3)?).map_err(|_| bad("category"))?,
        name: r.str(4)?,
        area: DutyArea::parse(&r.str(5)?).ok_or_else(|| bad("area"))?,
        basis: r.str(6)?,
        responsibility: Responsibility::parse(&r.str(7)?).ok_or_else(|| bad("responsibility"))?,
        office: r.str(8)?,
        state: ItemState::parse(&r.str(9)?).ok_or_else(|| bad("state"))?,
        admission_id: r.opt_i64(10)?,
        valid_from: r.str(11)?,
        valid_to: r.opt_str(12)?,
    })
}

/// `scope_code IN (…)` over a node and its ancestors, for the declarations that reach it.
fn lineage_in(node: &DivisionCode, first_param: usize) -> (String, Vec<Value>) {
    let codes: Vec<Value> = node
        .lineage()
        .into_iter()
        .filter(|c| !c.is_nation())
        .map(|c| Value::from(c.as_path()))
        .collect();
    let marks: Vec<String> = (0..codes.len())
        .map(|i| format!("${}", first_param + i))
        .collect();
    (format!("scope_code IN ({})", marks.join(", ")), codes)
}

/// What the list `node` holds as `holder` says of `category`.
pub fn entry(
    conn: &mut Conn,
    node: &DivisionCode,
    holder: Holder,
    category: &Category,
) -> StoreResult<Option<ListEntry>> {
    Ok(entries(conn, &[(node.clone(), holder)], category)?
        .pop()
        .flatten())
}

/// What each target's list says of `category`, in one query however many targets there
/// are (a district sends to all its streets and towns at once).
pub fn entries(
    conn: &mut Conn,
    targets: &[(DivisionCode, Holder)],
    category: &Category,
) -> StoreResult<Vec<Option<ListEntry>>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    // Every target's ancestors (and itself): where a declaration reaching it can stand.
    let mut scopes: Vec<String> = targets
        .iter()
        .flat_map(|(t, _)| t.lineage())
        .filter(|c| !c.is_nation())
        .map(|c| c.as_path().to_owned())
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    let holders: Vec<&str> = {
        let mut h: Vec<&str> = targets.iter().map(|(_, h)| h.as_str()).collect();
        h.sort_unstable();
        h.dedup();
        h
    };
    let mut params: Vec<Value> = vec![Value::from(category.as_str())];
    let holder_marks: Vec<String> = holders
        .iter()
        .map(|l| {
            params.push(Value::from(*l));
            format!("${}", params.len())
        })
        .collect();
    let scope_marks: Vec<String> = scopes
        .iter()
        .map(|s| {
            params.push(Value::from(s.as_str()));
            format!("${}", params.len())
        })
        .collect();
    let sql = format!(
        "SELECT id, state, scope_code, holder FROM duty_item WHERE category = $1 \
         AND holder IN ({}) AND scope_code IN ({}) AND valid_to IS NULL",
        holder_marks.join(", "),
        scope_marks.join(", ")
    );
    let mut found: Vec<(String, String, ListEntry)> = Vec::new();
    for r in conn.query(&sql, &params)? {
        let entry = ListEntry {
            item_id: r.i64(0)?,
            state: ItemState::parse(&r.str(1)?)
                .ok_or_else(|| StoreError::invalid("state", "not in the vocabulary"))?,
        };
        found.push((r.str(2)?, r.str(3)?, entry));
    }
    Ok(targets
        .iter()
        .map(|(t, h)| {
            found
                .iter()
                .filter(|(scope, holder, _)| {
                    holder == h.as_str() && t.as_path().starts_with(scope.as_str())
                })
                .max_by_key(|(scope, _, _)| scope.len())
                .map(|(_, _, e)| *e)
        })
        .collect())
}

/// `node`'s current list, removed items included, in area then category order; empty
/// where the node's kind holds none. The caller must see the node; a list declared higher
/// up is read through it.
pub fn of_node(conn: &mut Conn, caller: &Caller, node: &DivisionCode) -> StoreResult<Vec<Item>> {
    let t = crate::territory::get(conn, caller, node)?;
    match Holder::of(t.kind) {
        Some(holder) => read(conn, node, holder),
        None => Ok(Vec::new()),
    }
}

/// The list `node` holds as `holder`, for callers that have checked the node already.
pub(crate) fn read(conn: &mut Conn, node: &DivisionCode, holder: Holder) -> StoreResult<Vec<Item>> {
    let (scopes, mut params) = lineage_in(node, 2);
    params.insert(0, Value::from(holder.as_str()));
    let sql = format!(
        "SELECT {COLUMNS} FROM duty_item WHERE holder = $1 AND {scopes} AND valid_to IS NULL \
         ORDER BY category, length(scope_code) DESC"
    );
    let mut items: Vec<Item> = Vec::new();
    for r in conn.query(&sql, &params)? {
        let item = from_row(&r)?;
        // Rows come most specific first within a category: keep only that one.
        if items
            .last()
            .is_none_or(|last| last.category != item.category)
        {
            items.push(item);
        }
    }
    items.sort_by(|a, b| (a.area, &a.category).cmp(&(b.area, &b.category)));
    Ok(items)
}

/// Every version of one declaration, oldest first: the list's history of that item.
pub fn history(conn: &mut Conn, caller: &Caller, id: i64) -> StoreResult<Vec<Item>> {
    let item = from_row(
        &conn
            .query_opt(
                &format!("SELECT {COLUMNS} FROM duty_item WHERE id = $1"),
                params![id],
            )?
            .ok_or(StoreError::NotFound)?,
    )?;
    crate::territory::get(conn, caller, &item.scope)?;
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM duty_item WHERE category = $1 AND holder = $2 \
             AND scope_code = $3 ORDER BY id"
        ),
        params![
            item.category.as_str(),
            item.holder.as_str(),
            item.scope.as_path()
        ],
    )?
    .iter()
    .map(from_row)
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Put {
    Inserted,
    Versioned,
    Unchanged,
}

/// Declares an item, or its next version when its content changed. Call inside a
/// transaction; the write is audited.
pub fn put(
    conn: &mut Conn,
    actor: &Actor,
    input: &ItemInput,
    admission_id: Option<i64>,
    valid_from: &str,
) -> StoreResult<(Put, i64)> {
    let current = conn
        .query_opt(
            &format!(
                "SELECT {COLUMNS} FROM duty_item WHERE category = $1 AND holder = $2 \
                 AND scope_code = $3 AND valid_to IS NULL"
            ),
            params![
                input.category.as_str(),
                input.holder.as_str(),
                input.scope.as_path()
            ],
        )?
        .map(|r| from_row(&r))
        .transpose()?;
    let same = |c: &Item| {
        c.name == input.name
            && c.area == input.area
            && c.basis == input.basis
            && c.responsibility == input.responsibility
            && c.office == input.office
            && c.state == input.state
            && c.admission_id == admission_id
    };
    let outcome = match &current {
        Some(c) if same(c) => return Ok((Put::Unchanged, c.id)),
        Some(c) => {
            conn.execute(
                "UPDATE duty_item SET valid_to = $1 WHERE id = $2",
                params![valid_from, c.id],
            )?;
            Put::Versioned
        }
        None => Put::Inserted,
    };
    let id = conn
        .query_one(
            "INSERT INTO duty_item (scope_code, holder, category, name, area, basis, \
             responsibility, office, state, admission_id, valid_from) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            params![
                input.scope.as_path(),
                input.holder.as_str(),
                input.category.as_str(),
                &input.name,
                input.area.as_str(),
                &input.basis,
                input.responsibility.as_str(),
                &input.office,
                input.state.as_str(),
                admission_id,
                valid_from
            ],
        )?
        .i64(0)?;
    let after = from_row(&conn.query_one(
        &format!("SELECT {COLUMNS} FROM duty_item WHERE id = $1"),
        params![id],
    )?)?;
    let json = |i: &Item| serde_json::to_value(i).expect("plain struct");
    audit::append(
        conn,
        actor,
        Entry {
            action: if current.is_some() {
                "version"
            } else {
                "create"
            },
            entity: "duty_item",
            entity_id: &id.to_string(),
            before: current.as_ref().map(json).as_ref(),
            after: Some(&json(&after)),
        },
    )?;
    Ok((outcome, id))
}
