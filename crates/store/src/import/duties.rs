//! A city's responsibility-list catalogue (权责清单目录) from an `.xlsx` or `.csv` file, one
//! item a row:
//!
//! | column | meaning |
//! |---|---|
//! | 适用范围 | the division code the item is declared at (1402: every street of the city) |
//! | 清单层级 | whose list: 市 / 区县 / 街道 / 乡镇 (or city / district / street / town); a
//! |  | town list (乡镇) is the towns' and townships' own, apart from the streets' |
//! | 类别代码 | the category code tasks name |
//! | 事项名称, 职责领域, 依据, 承办科室 | name, one of the 8 duty areas, basis, carrying office |
//! | 责任类型 | 主体责任 / 第一责任 / 直接责任; blank: the one the level carries |
//! | 状态 | 在列 or 已取消 (retired items are kept as removed); blank: 在列 |
//!
//! Every bad cell is listed before anything is written; then one transaction declares each
//! item, or its next version where it changed. Loading the same file again changes nothing.

use super::sheet::{CellError, Columns, Sheet};
use crate::audit::Actor;
use crate::db::Conn;
use crate::duty::list::{self, ItemInput, Put};
use crate::error::StoreResult;
use crate::params;
use datong_domain::division::{DivisionCode, Kind};
use datong_domain::duty::{Category, DutyArea, Holder, ItemState, Responsibility};
use std::collections::HashMap;

/// The columns, in template order; all but 责任类型 and 状态 are required.
pub const COLUMNS: [&str; 9] = [
    "适用范围",
    "清单层级",
    "类别代码",
    "事项名称",
    "职责领域",
    "依据",
    "承办科室",
    "责任类型",
    "状态",
];
const REQUIRED: usize = 7;
const ENGLISH: [&str; 9] = [
    "scope",
    "holder",
    "category",
    "name",
    "area",
    "basis",
    "office",
    "responsibility",
    "state",
];

fn column_of(header: &str) -> Option<usize> {
    let h = header.trim();
    COLUMNS
        .iter()
        .position(|c| *c == h)
        .or_else(|| ENGLISH.iter().position(|c| *c == h))
}

fn holder(s: &str) -> Option<Holder> {
    match s.trim() {
        "市" | "city" => Some(Holder::City),
        "区县" | "区" | "县" | "district" => Some(Holder::District),
        "街道" | "street" => Some(Holder::Street),
        "乡镇" | "镇" | "乡" | "town" => Some(Holder::Town),
        _ => None,
    }
}

/// A checked row and the line it came from.
pub type Row = (u64, ItemInput);

/// Checks every row; returns the items, or every bad cell.
pub fn check(sheet: &Sheet) -> Result<Vec<Row>, Vec<CellError>> {
    let columns = Columns::find(sheet, &COLUMNS, REQUIRED, column_of)?;
    let mut errors = Vec::new();
    let mut items = Vec::new();
    let mut first_seen: HashMap<(String, Holder, Category), u64> = HashMap::new();
    for (line, cells) in &sheet.rows {
        let cell = |i: usize| columns.cell(cells, i);
        let mut mine = Vec::new();
        let mut err = |i: usize, reason: String| {
            mine.push(CellError {
                line: *line,
                column: COLUMNS[i].to_owned(),
                reason,
            })
        };
        let scope = DivisionCode::parse(cell(0));
        let holder = holder(cell(1));
        let category = Category::parse(cell(2));
        let area = DutyArea::from_label(cell(4));
        let text = |i: usize, max: usize| {
            let t = cell(i).trim();
            (!t.is_empty() && t.chars().count() <= max).then(|| t.to_owned())
        };
        let (name, basis, office) = (text(3, 100), text(5, 500), text(6, 100));
        let responsibility = match cell(7).trim() {
            "" => holder.map(Responsibility::of),
            s => Responsibility::from_label(s),
        };
        let state = match cell(8).trim() {
            "" => Some(ItemState::Listed),
            s => ItemState::from_label(s),
        };
        match (&scope, holder) {
            (Err(e), _) => err(0, e.to_string()),
            (Ok(_), None) => err(1, "应为 市、区县、街道 或 乡镇".into()),
            (Ok(s), Some(h)) if s.level() > h.level() => err(
                0,
                format!("{}级代码不能声明{}清单", s.level().as_str(), h.label()),
            ),
            _ => {}
        }
        if let Err(e) = &category {
            err(2, e.to_string());
        }
        if name.is_none() {
            err(3, "应为 1 至 100 个字符".into());
        }
        if area.is_none() {
            let areas: Vec<&str> = DutyArea::ALL.iter().map(|a| a.label()).collect();
            err(4, format!("应为 {} 之一", areas.join("、")));
        }
        if basis.is_none() {
            err(5, "应写明依据，至多 500 个字符".into());
        }
        if office.is_none() {
            err(6, "应为 1 至 100 个字符".into());
        }
        if responsibility.is_none() {
            err(7, "应为 主体责任、第一责任 或 直接责任".into());
        }
        if state.is_none() {
            err(8, "应为 在列 或 已取消".into());
        }
        if !mine.is_empty() {
            errors.append(&mut mine);
            continue;
        }
        let (scope, holder, category) = (
            scope.expect("checked"),
            holder.expect("checked"),
            category.expect("checked"),
        );
        let key = (scope.to_string(), holder, category.clone());
        if let Some(first) = first_seen.get(&key) {
            errors.push(CellError {
                line: *line,
                column: COLUMNS[2].to_owned(),
                reason: format!("同一范围、层级的类别代码重复（首次出现于第 {first} 行）"),
            });
            continue;
        }
        first_seen.insert(key, *line);
        items.push((
            *line,
            ItemInput {
                scope,
                holder,
                category,
                name: name.expect("checked"),
                area: area.expect("checked"),
                basis: basis.expect("checked"),
                responsibility: responsibility.expect("checked"),
                office: office.expect("checked"),
                state: state.expect("checked"),
            },
        ));
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub inserted: u64,
    pub versioned: u64,
    pub unchanged: u64,
}

/// Writes the checked items in one transaction; a scope that is not in the territory tree,
/// or a node declaring a list it does not hold (a town list at a 街道), refuses the whole
/// file, naming each of its lines.
pub fn apply(
    conn: &mut Conn,
    actor: &Actor,
    rows: &[Row],
    valid_from: &str,
) -> StoreResult<Result<Report, Vec<CellError>>> {
    let mut known: HashMap<&DivisionCode, Option<Kind>> = HashMap::new();
    let mut errors = Vec::new();
    for (line, item) in rows {
        let found = match known.get(&item.scope) {
            Some(f) => *f,
            None => {
                let f = conn
                    .query_opt(
                        "SELECT kind FROM territory WHERE code = $1 AND valid_to IS NULL",
                        params![item.scope.as_path()],
                    )?
                    .map(|r| r.str(0))
                    .transpose()?
                    .and_then(|k| Kind::parse(&k));
                known.insert(&item.scope, f);
                f
            }
        };
        let reason = match found {
            None => Some(format!("区划 {} 不存在", item.scope)),
            Some(kind) if kind.level() == item.holder.level() && !item.holder.holds(kind) => {
                Some(format!(
                    "区划 {} 不是{}，不能声明{}清单",
                    item.scope,
                    item.holder.label(),
                    item.holder.label()
                ))
            }
            Some(_) => None,
        };
        if let Some(reason) = reason {
            errors.push(CellError {
                line: *line,
                column: COLUMNS[0].to_owned(),
                reason,
            });
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    conn.tx(|c| {
        let mut report = Report::default();
        for (_, item) in rows {
            match list::put(c, actor, item, None, valid_from)?.0 {
                Put::Inserted => report.inserted += 1,
                Put::Versioned => report.versioned += 1,
                Put::Unchanged => report.unchanged += 1,
            }
        }
        Ok(Ok(report))
    })
}
