//! The territory tree: reads, the levels below the community, renames with history.

use crate::access::Caller;
use crate::audit::{self, Actor, Entry};
use crate::db::{Conn, Row};
use crate::error::{StoreError, StoreResult};
use crate::params;
use crate::rollup::Deltas;
use crate::sql::{Page, Sql};
use datong_domain::Name;
use datong_domain::division::{DivisionCode, Kind, Level};
use datong_domain::duty::Holder;
use datong_domain::initials::{initials, looks_like_initials};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Territory {
    pub code: DivisionCode,
    pub parent: Option<DivisionCode>,
    pub name: String,
    pub level: Level,
    pub kind: Kind,
    /// 党员中心户: only households carry it.
    pub member_centre: bool,
    /// The member who keeps a 党员中心户 (read with one node, not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keeper_member_id: Option<i64>,
    pub valid_from: String,
    pub valid_to: Option<String>,
}

const COLUMNS: &str = "code, name, level, kind, member_centre, valid_from, valid_to";

fn from_row(r: &Row) -> StoreResult<Territory> {
    let code = DivisionCode::from_path(&r.str(0)?)
        .map_err(|e| StoreError::invalid("code", e.to_string()))?;
    let level = code.level();
    let name = r.str(1)?;
    let kind = Kind::parse(&r.str(3)?).unwrap_or_else(|| Kind::classify(level, &name));
    Ok(Territory {
        parent: code.parent(),
        kind,
        code,
        name,
        level,
        member_centre: r.bool(4)?,
        keeper_member_id: None,
        valid_from: r.str(5)?,
        valid_to: r.opt_str(6)?,
    })
}

fn nation() -> Territory {
    Territory {
        code: DivisionCode::nation(),
        parent: None,
        name: "全国".into(),
        level: Level::Nation,
        kind: Kind::Nation,
        member_centre: false,
        keeper_member_id: None,
        valid_from: "1949-10-01".into(),
        valid_to: None,
    }
}

/// Reads a node the caller may see: inside its scope, or on the path down to it (so that
/// breadcrumbs can name the ancestors).
pub fn get(conn: &mut Conn, caller: &Caller, code: &DivisionCode) -> StoreResult<Territory> {
    if !caller.places.sees_path_to(code) {
        return Err(StoreError::NotFound);
    }
    if code.is_nation() {
        return Ok(nation());
    }
    let r = conn
        .query_opt(
            &format!("SELECT {COLUMNS} FROM territory WHERE code = $1"),
            params![code.as_path()],
        )?
        .ok_or(StoreError::NotFound)?;
    let mut t = from_row(&r)?;
    if t.member_centre {
        t.keeper_member_id = conn
            .query_opt(
                "SELECT member_id FROM centre_keeper WHERE household_code = $1",
                params![code.as_path()],
            )?
            .map(|r| r.i64(0))
            .transpose()?;
    }
    Ok(t)
}

/// The stored kind of a node, for a write that has checked the caller's right already.
pub(crate) fn kind_of(conn: &mut Conn, code: &DivisionCode) -> StoreResult<Kind> {
    let r = conn
        .query_opt(
            "SELECT kind FROM territory WHERE code = $1",
            params![code.as_path()],
        )?
        .ok_or(StoreError::NotFound)?;
    Kind::parse(&r.str(0)?).ok_or_else(|| StoreError::invalid("kind", "not in the vocabulary"))
}

/// The names of these places, for rows that carry only their codes (the names of the
/// places a caller's rows stand in are no secret of those rows).
pub fn names<'a>(
    conn: &mut Conn,
    codes: impl IntoIterator<Item = &'a DivisionCode>,
) -> StoreResult<std::collections::HashMap<String, String>> {
    let codes: std::collections::BTreeSet<&str> =
        codes.into_iter().map(DivisionCode::as_path).collect();
    if codes.is_empty() {
        return Ok(Default::default());
    }
    let mut q = Sql::new("SELECT code, name FROM territory WHERE code IN ");
    q.bind_list(codes);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| Ok((r.str(0)?, r.str(1)?)))
        .collect()
}

/// Reads a node inside the caller's scope (not merely on the path to it).
pub fn get_in_scope(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
) -> StoreResult<Territory> {
    if !caller.places.contains(code) {
        return Err(StoreError::NotFound);
    }
    get(conn, caller, code)
}

/// A stored node inside the caller's scope, for a write that records its code: the nation
/// is the root of every scope but no stored row, so it is refused as not found.
pub fn stored_in_scope(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
) -> StoreResult<Territory> {
    if code.is_nation() {
        return Err(StoreError::NotFound);
    }
    get_in_scope(conn, caller, code)
}

/// A street or town (街道, 镇 or 乡) in the caller's scope, named in a request's `street`
/// field, with the list that gates it: anything else is that field's error.
pub fn gated_in_scope(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
) -> StoreResult<(Territory, Holder)> {
    let t = get_in_scope(conn, caller, code)
        .map_err(|_| StoreError::invalid("street", "街道（乡镇）不存在或不在权限范围内"))?;
    match datong_domain::duty::gate_of(t.kind) {
        Some(holder) => Ok((t, holder)),
        None => Err(StoreError::invalid("street", "应为街道（乡镇）")),
    }
}

/// A 街道 in the caller's scope, named in a request's `street` field. The street's five
/// powers and its stationed agencies are a street's alone: a town (镇, 乡) is that field's
/// error like any other node.
pub fn street_in_scope(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
) -> StoreResult<Territory> {
    let t = get_in_scope(conn, caller, code)
        .map_err(|_| StoreError::invalid("street", "街道不存在或不在权限范围内"))?;
    if t.kind != Kind::Street {
        return Err(StoreError::invalid("street", "应为街道（乡镇不适用）"));
    }
    Ok(t)
}

/// The current nodes of `level` below `under` that the caller sees, in code order, with
/// their names: found level by level through the parent index, so listing a city's
/// streets reads its districts and streets, not the million households beside them.
pub fn at_level(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
    level: Level,
) -> StoreResult<Vec<(DivisionCode, String)>> {
    get(conn, caller, under)?;
    if level <= under.level() {
        return Ok(Vec::new());
    }
    let mut found: Vec<(String, String)> = Vec::new();
    let mut frontier: Vec<String> = if under.is_nation() {
        // Provinces have no parent.
        for r in conn.query(
            "SELECT code, name FROM territory WHERE valid_to IS NULL AND parent_code IS NULL",
            params![],
        )? {
            found.push((r.str(0)?, r.str(1)?));
        }
        found.iter().map(|(c, _)| c.clone()).collect()
    } else {
        vec![under.as_path().to_owned()]
    };
    while let Some(depth) = frontier.first().map(String::len) {
        if depth >= level.code_len() || frontier.is_empty() {
            break;
        }
        found.clear();
        // Batches keep the statement's parameters well under both engines' limits.
        for batch in frontier.chunks(500) {
            let mut q = Sql::new(
                "SELECT code, name FROM territory WHERE valid_to IS NULL AND parent_code IN ",
            );
            q.bind_list(batch.iter().map(String::as_str));
            for r in conn.query(&q.text, &q.params)? {
                found.push((r.str(0)?, r.str(1)?));
            }
        }
        frontier = found.iter().map(|(c, _)| c.clone()).collect();
    }
    found.sort();
    found
        .into_iter()
        .filter_map(|(c, n)| DivisionCode::from_path(&c).ok().map(|c| (c, n)))
        .filter(|(c, _)| c.level() == level && caller.places.contains(c))
        .map(Ok)
        .collect()
}

/// The current children of a node, as far as the caller may see them.
pub fn children(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
    page: &Page,
) -> StoreResult<Vec<Territory>> {
    children_as_of(conn, caller, code, None, page)
}

/// `SELECT` of the nodes as they stood on `as_of` (each with the name it had then), or of
/// the current ones: the `WHERE` is open for more conditions.
fn select_as_of(as_of: Option<chrono::NaiveDate>) -> Sql {
    let Some(day) = as_of else {
        return Sql::new(&format!(
            "SELECT {COLUMNS} FROM territory WHERE valid_to IS NULL"
        ));
    };
    let day = day.to_string();
    let mut q = Sql::new(
        "SELECT code, COALESCE((SELECT v.name FROM territory_version v WHERE v.code = territory.code \
           AND v.valid_from <= ",
    );
    q.bind(day.clone())
        .push(" AND v.valid_to > ")
        .bind(day.clone())
        .push(
            " ORDER BY v.valid_from DESC LIMIT 1), name), level, kind, member_centre, valid_from, valid_to \
             FROM territory WHERE COALESCE((SELECT MIN(v.valid_from) FROM territory_version v \
               WHERE v.code = territory.code), valid_from) <= ",
        )
        .bind(day.clone())
        .push(" AND (valid_to IS NULL OR valid_to > ")
        .bind(day)
        .push(")");
    q
}

/// A node the caller may see as it stood on `as_of` (the name it had then), or now; not
/// found when it did not exist that day.
pub fn get_as_of(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
    as_of: Option<chrono::NaiveDate>,
) -> StoreResult<Territory> {
    let now = get(conn, caller, code)?;
    let Some(day) = as_of else { return Ok(now) };
    if code.is_nation() {
        return Ok(now);
    }
    let mut q = select_as_of(Some(day));
    q.push(" AND code = ").bind(code.as_path());
    let r = conn
        .query_opt(&q.text, &q.params)?
        .ok_or(StoreError::NotFound)?;
    Ok(Territory {
        keeper_member_id: now.keeper_member_id,
        ..from_row(&r)?
    })
}

/// The children of a node as they stood on `as_of` (with the names they had then), or
/// now: a redistricting ends nodes, never deletes them, so the past stays readable.
pub fn children_as_of(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
    as_of: Option<chrono::NaiveDate>,
    page: &Page,
) -> StoreResult<Vec<Territory>> {
    get(conn, caller, code)?;
    let mut q = select_as_of(as_of);
    if code.is_nation() {
        q.push(" AND parent_code IS NULL");
    } else {
        q.push(" AND parent_code = ").bind(code.as_path());
    }
    if !caller.places.contains(code) {
        // An ancestor of the caller's scope: only the children that lead into it.
        let visible: Vec<&DivisionCode> = caller
            .places
            .roots()
            .iter()
            .filter(|r| code.contains(r))
            .collect();
        let child_len = code.level().child().map_or(0, Level::code_len);
        q.push(" AND code IN ")
            .bind_list(visible.iter().map(|r| &r.as_path()[..child_len]));
    }
    q.push(" ORDER BY code").page(page);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(from_row)
        .collect()
}

/// A place to choose in a picker: its name, and its pinyin initials to find it by.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pick {
    pub code: DivisionCode,
    pub name: String,
    pub level: Level,
    pub initials: String,
}

/// `root` and the current places below it down to `deepest`, in code order (each under its
/// parent), that the caller's places hold: what a picker offers.
pub fn picks(
    conn: &mut Conn,
    caller: &Caller,
    root: &DivisionCode,
    deepest: Level,
) -> StoreResult<Vec<Pick>> {
    get_in_scope(conn, caller, root)?;
    let depth = Level::ALL
        .into_iter()
        .filter(|l| *l > root.level() && *l <= deepest)
        .count();
    let mut q =
        Sql::new("WITH RECURSIVE sub(code, depth) AS (SELECT code, 0 FROM territory WHERE code = ");
    q.bind(root.as_path())
        .push(&format!(
            " UNION ALL SELECT t.code, sub.depth + 1 FROM territory t JOIN sub ON t.parent_code = sub.code \
             WHERE sub.depth < {depth} AND t.valid_to IS NULL) \
             SELECT code, name, initials FROM territory WHERE code IN (SELECT code FROM sub) \
             AND valid_to IS NULL"
        ))
        .and_in_scope("code", &caller.places)
        .push(" ORDER BY code");
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| {
            let code = DivisionCode::from_path(&r.str(0)?)
                .map_err(|e| StoreError::invalid("code", e.to_string()))?;
            Ok(Pick {
                level: code.level(),
                code,
                name: r.str(1)?,
                initials: r.str(2)?,
            })
        })
        .filter(|p: &StoreResult<Pick>| p.as_ref().map_or(true, |p| p.level <= deepest))
        .collect()
}

/// Searches the caller's scope by code prefix (digits), pinyin initials (`pcq` finds
/// 平城区) or a part of the name.
pub fn search(
    conn: &mut Conn,
    caller: &Caller,
    text: &str,
    level: Option<Level>,
    page: &Page,
) -> StoreResult<Vec<Territory>> {
    if looks_like_initials(text) {
        return search_initials(conn, caller, &text.to_ascii_lowercase(), level, page);
    }
    let mut q = Sql::new(&format!(
        "SELECT {COLUMNS} FROM territory WHERE valid_to IS NULL"
    ));
    if text.bytes().all(|b| b.is_ascii_digit()) {
        q.and_code_prefix("code", text);
    } else {
        q.and_contains("name", text);
    }
    q.and_in_scope("code", &caller.places);
    if let Some(l) = level {
        q.push(" AND level = ").bind(l.as_str());
    }
    q.push(" ORDER BY code").page(page);
    conn.query(&q.text, &q.params)?
        .iter()
        .map(from_row)
        .collect()
}

/// Pinyin-initials search. It walks the caller's subtrees down to the grids (not into
/// buildings and households, which are many and found by their grid). Names whose initials
/// start with the text come first; then, for three letters or more, names that differ in
/// one of those letters, since a slip of one key is the commonest typing error.
fn search_initials(
    conn: &mut Conn,
    caller: &Caller,
    text: &str,
    level: Option<Level>,
    page: &Page,
) -> StoreResult<Vec<Territory>> {
    let walk = |q: &mut Sql| {
        q.push("WITH RECURSIVE walk(code, level) AS (SELECT code, level FROM territory WHERE ");
        if caller.places.roots().iter().any(DivisionCode::is_nation) {
            q.push("parent_code IS NULL");
        } else {
            q.push("code IN ")
                .bind_list(caller.places.roots().iter().map(DivisionCode::as_path));
        }
        q.push(&format!(
            " UNION ALL SELECT t.code, t.level FROM territory t JOIN walk w ON t.parent_code = w.code
               WHERE w.level NOT IN ('grid', 'building', 'household'))
             SELECT {COLUMNS} FROM territory WHERE valid_to IS NULL AND code IN (SELECT code FROM walk)"
        ));
        q.and_in_scope("code", &caller.places);
        if let Some(l) = level {
            q.push(" AND level = ").bind(l.as_str());
        }
    };
    let mut q = Sql::new("");
    walk(&mut q);
    q.and_ascii_prefix("initials", text);
    q.push(" ORDER BY code").page(&Page {
        limit: page.offset + page.limit,
        offset: 0,
    });
    let mut found: Vec<Territory> = conn
        .query(&q.text, &q.params)?
        .iter()
        .map(from_row)
        .collect::<StoreResult<_>>()?;
    if text.len() >= 3 && (found.len() as i64) < page.offset + page.limit {
        let mut q = Sql::new("");
        walk(&mut q);
        q.push(" AND (");
        for i in 0..text.len() {
            if i > 0 {
                q.push(" OR ");
            }
            q.push("initials LIKE ")
                .bind(format!("{}_{}%", &text[..i], &text[i + 1..]));
        }
        q.push(")");
        q.and_ascii_prefix_not("initials", text);
        q.push(" ORDER BY code").page(&Page {
            limit: page.offset + page.limit - found.len() as i64,
            offset: 0,
        });
        for r in conn.query(&q.text, &q.params)? {
            found.push(from_row(&r)?);
        }
    }
    Ok(found
        .into_iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .collect())
}

/// A new grid, building or household below `parent`.
#[derive(Debug, Clone)]
pub struct NewTerritory {
    pub parent: DivisionCode,
    /// The serial within the parent; the next free one when absent.
    pub serial: Option<u32>,
    pub name: Name,
    pub member_centre: bool,
}

pub fn create(conn: &mut Conn, caller: &Caller, n: NewTerritory) -> StoreResult<Territory> {
    if !caller.places.contains(&n.parent) {
        return Err(StoreError::NotFound);
    }
    caller.may_write(&n.parent)?;
    let parent = get(conn, caller, &n.parent)?;
    let Some(level) = parent.level.child().filter(|l| l.is_below_community()) else {
        return Err(StoreError::invalid(
            "parent",
            "只能在社区（村）之下新建网格，在网格之下新建楼栋，在楼栋之下新建户",
        ));
    };
    if n.member_centre && level != Level::Household {
        return Err(StoreError::invalid(
            "member_centre",
            "只有户可以标记为党员中心户",
        ));
    }
    conn.tx(|c| {
        let serial = match n.serial {
            Some(s) => s,
            None => {
                let last = c.query_opt(
                    "SELECT MAX(code) FROM territory WHERE parent_code = $1",
                    params![n.parent.as_path()],
                )?;
                let last = last.and_then(|r| r.opt_str(0).ok().flatten());
                last.map_or(1, |l| l[n.parent.as_path().len()..].parse::<u32>().unwrap_or(0) + 1)
            }
        };
        let code = n.parent.child(serial).ok_or_else(|| StoreError::invalid("serial", "编号超出该层级的位数"))?;
        let t = Territory {
            parent: Some(n.parent.clone()),
            kind: Kind::classify(level, n.name.as_str()),
            code,
            name: n.name.as_str().to_owned(),
            level,
            member_centre: n.member_centre,
            keeper_member_id: None,
            valid_from: caller.today().to_string(),
            valid_to: None,
        };
        c.execute(
            "INSERT INTO territory (code, parent_code, name, level, kind, member_centre, valid_from, initials)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            params![t.code.as_path(), n.parent.as_path(), &t.name, level.as_str(), t.kind.as_str(), t.member_centre, &t.valid_from, initials(&t.name)],
        )
        .map_err(|e| if e.is_unique_violation() { StoreError::conflict("serial", format!("代码 {} 已存在", t.code)) } else { e.into() })?;
        let mut d = Deltas::default();
        d.territory(t.code.as_path(), t.kind, 1);
        d.flush(c)?;
        let after = serde_json::to_value(&t).expect("plain struct");
        audit::append(c, &caller.actor, Entry { action: "create", entity: "territory", entity_id: t.code.as_path(), before: None, after: Some(&after) })?;
        Ok(t)
    })
}

/// Changes a node's name (keeping the old one as a version) or its 党员中心户 mark.
pub fn update(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
    name: Option<Name>,
    member_centre: Option<bool>,
) -> StoreResult<Territory> {
    let before = get_in_scope(conn, caller, code)?;
    caller.may_write(code)?;
    if code.is_nation() {
        // The nation is the tree's root, not a stored node.
        return Err(StoreError::invalid("code", "全国不可修改"));
    }
    if member_centre == Some(true) && before.level != Level::Household {
        return Err(StoreError::invalid(
            "member_centre",
            "只有户可以标记为党员中心户",
        ));
    }
    conn.tx(|c| {
        if let Some(name) = name.map(Name::into_string).filter(|n| *n != before.name) {
            rename(
                c,
                &caller.actor,
                code,
                &before.name,
                &name,
                Kind::classify(before.level, &name),
                &caller.today().to_string(),
            )?;
        }
        if let Some(m) = member_centre.filter(|m| *m != before.member_centre) {
            c.execute(
                "UPDATE territory SET member_centre = $1 WHERE code = $2",
                params![m, code.as_path()],
            )?;
            let after = serde_json::json!({ "member_centre": m });
            audit::append(
                c,
                &caller.actor,
                Entry {
                    action: "update",
                    entity: "territory",
                    entity_id: code.as_path(),
                    before: Some(&serde_json::json!({ "member_centre": before.member_centre })),
                    after: Some(&after),
                },
            )?;
        }
        let r = c.query_one(
            &format!("SELECT {COLUMNS} FROM territory WHERE code = $1"),
            params![code.as_path()],
        )?;
        from_row(&r)
    })
}

/// Renames a node from `valid_from` on; the old name stays in `territory_version`.
pub(crate) fn rename(
    c: &mut Conn,
    actor: &Actor,
    code: &DivisionCode,
    old: &str,
    new: &str,
    kind: Kind,
    valid_from: &str,
) -> StoreResult<()> {
    let row = c.query_one(
        "SELECT valid_from, kind FROM territory WHERE code = $1",
        params![code.as_path()],
    )?;
    let prev = row.str(0)?;
    // A town renamed a street (Pingcheng, 2021) changes what it counts as.
    if let Some(was) = Kind::parse(&row.str(1)?).filter(|k| *k != kind) {
        let mut d = Deltas::default();
        d.territory(code.as_path(), was, -1);
        d.territory(code.as_path(), kind, 1);
        d.flush(c)?;
    }
    c.execute(
        "INSERT INTO territory_version (code, name, valid_from, valid_to) VALUES ($1, $2, $3, $4)",
        params![code.as_path(), old, prev, valid_from],
    )?;
    c.execute(
        "UPDATE territory SET name = $1, kind = $2, valid_from = $3, initials = $4 WHERE code = $5",
        params![
            new,
            kind.as_str(),
            valid_from,
            initials(new),
            code.as_path()
        ],
    )?;
    audit::append(
        c,
        actor,
        Entry {
            action: "rename",
            entity: "territory",
            entity_id: code.as_path(),
            before: Some(&serde_json::json!({ "name": old })),
            after: Some(&serde_json::json!({ "name": new })),
        },
    )?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Version {
    pub name: String,
    pub valid_from: String,
    pub valid_to: String,
}

/// Earlier names of a node, oldest first.
pub fn history(conn: &mut Conn, caller: &Caller, code: &DivisionCode) -> StoreResult<Vec<Version>> {
    get_in_scope(conn, caller, code)?;
    conn.query("SELECT name, valid_from, valid_to FROM territory_version WHERE code = $1 ORDER BY valid_from, id", params![code.as_path()])?
        .iter()
        .map(|r| Ok(Version { name: r.str(0)?, valid_from: r.str(1)?, valid_to: r.str(2)? }))
        .collect()
}

/// A place on the map: a point, and for areas a polygon (GeoJSON coordinates).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Placed {
    pub code: DivisionCode,
    pub name: String,
    pub level: Level,
    pub lon: f64,
    pub lat: f64,
    pub polygon: Option<String>,
}

/// `code` and the places below it down to `deepest`, where the caller may see them.
pub fn placed_below(
    conn: &mut Conn,
    caller: &Caller,
    code: &DivisionCode,
    deepest: Level,
) -> StoreResult<Vec<Placed>> {
    get_in_scope(conn, caller, code)?;
    let levels: Vec<Level> = Level::ALL
        .into_iter()
        .filter(|l| *l >= code.level() && *l <= deepest)
        .collect();
    // Down the parent index, no deeper than `deepest`: a city's communities without
    // reading the geometry of its buildings (a range over the codes read them all, 142 ms).
    // `IN`, not a join with the walk: SQLite would filter the join through a Bloom filter
    // built over the whole territory table (250 ms).
    let depth = levels.len().saturating_sub(1);
    let mut q =
        Sql::new("WITH RECURSIVE sub(code, depth) AS (SELECT code, 0 FROM territory WHERE code = ");
    q.bind(code.as_path())
        .push(&format!(
            " UNION ALL SELECT t.code, sub.depth + 1 FROM territory t JOIN sub ON t.parent_code = sub.code \
             WHERE sub.depth < {depth}) \
             SELECT g.code, t.name, t.level, g.lon, g.lat, g.polygon FROM territory t \
             JOIN territory_geo g ON g.code = t.code \
             WHERE t.code IN (SELECT code FROM sub) AND t.valid_to IS NULL"
        ))
        .and_in_scope_under("g.code", &caller.places, Some(code));
    q.push(" AND t.level IN ")
        .bind_list(levels.iter().map(|l| l.as_str()))
        .push(" ORDER BY g.code");
    conn.query(&q.text, &q.params)?
        .iter()
        .map(|r| {
            Ok(Placed {
                code: DivisionCode::from_path(&r.str(0)?)
                    .map_err(|e| StoreError::invalid("code", e.to_string()))?,
                name: r.str(1)?,
                level: Level::parse(&r.str(2)?).unwrap_or(Level::Household),
                lon: r.f64(3)?,
                lat: r.f64(4)?,
                polygon: r.opt_str(5)?,
            })
        })
        .collect()
}
