//! A batch of tasks from an `.xlsx` or `.csv` file, one task a row (a district's yearly
//! work plan handed down at once):
//!
//! | column | meaning |
//! |---|---|
//! | 任务名称, 发文单位, 佐证材料 | title, sender, the evidence required |
//! | 类别代码, 职责领域 | the category the receivers' lists are checked for; its duty area |
//! | 完成时限 | the deadline (年-月-日) |
//! | 接收单位 | division codes, separated by `;`, `；`, `,` or spaces |
//! | 任务说明 | optional detail |
//!
//! Every row goes through the same gate as a task sent by hand, all in one transaction:
//! one refused row refuses the file, and every refused or bad row is listed.

use super::sheet::{CellError, Columns, Sheet};
use crate::access::Caller;
use crate::db::Conn;
use crate::duty::task::{self, TaskDraft};
use crate::error::{StoreError, StoreResult};
use chrono::NaiveDate;
use datong_domain::DivisionCode;
use datong_domain::duty::{Category, DutyArea};

pub const COLUMNS: [&str; 8] = [
    "任务名称",
    "发文单位",
    "类别代码",
    "职责领域",
    "完成时限",
    "佐证材料",
    "接收单位",
    "任务说明",
];
const REQUIRED: usize = 7;

/// Checks every row's cells; returns the drafts with their lines, or every bad cell.
pub fn check(sheet: &Sheet) -> Result<Vec<(u64, TaskDraft)>, Vec<CellError>> {
    let columns = Columns::find(sheet, &COLUMNS, REQUIRED, |h| {
        COLUMNS.iter().position(|c| *c == h)
    })?;
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
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
        let mut text = |i: usize, max: usize| {
            let t = cell(i);
            if t.is_empty() || t.chars().count() > max {
                err(i, format!("应为 1 至 {max} 个字符"));
            }
            t.to_owned()
        };
        let (title, sender, evidence) = (text(0, 100), text(1, 100), text(5, 500));
        let category = Category::parse(cell(2));
        let area = DutyArea::from_label(cell(3));
        let deadline = NaiveDate::parse_from_str(&cell(4).replace(['/', '.'], "-"), "%Y-%m-%d");
        let codes: Vec<&str> = cell(6)
            .split([';', '；', ',', '，', ' '])
            .filter(|c| !c.is_empty())
            .collect();
        let targets: Vec<Result<DivisionCode, _>> =
            codes.iter().map(|c| DivisionCode::parse(c)).collect();
        if let Err(e) = &category {
            err(2, e.to_string());
        }
        if area.is_none() {
            err(3, "应为八大职责领域之一".into());
        }
        if deadline.is_err() {
            err(4, "应为日期（年-月-日）".into());
        }
        if codes.is_empty() {
            err(6, "至少一个接收单位".into());
        }
        for (code, t) in codes.iter().zip(&targets) {
            if let Err(e) = t {
                err(6, format!("{code}：{e}"));
            }
        }
        if !mine.is_empty() {
            errors.append(&mut mine);
            continue;
        }
        drafts.push((
            *line,
            TaskDraft {
                title,
                category: category.expect("checked"),
                area: area.expect("checked"),
                detail: cell(7).chars().take(4000).collect(),
                sender,
                evidence,
                deadline: deadline.expect("checked"),
                targets: targets.into_iter().map(|t| t.expect("checked")).collect(),
            },
        ));
    }
    if errors.is_empty() {
        Ok(drafts)
    } else {
        Err(errors)
    }
}

/// Why a batch was not sent: its rows, or the store.
enum Failed {
    Rows(Vec<CellError>),
    Store(StoreError),
}

impl From<crate::db::DbError> for Failed {
    fn from(e: crate::db::DbError) -> Self {
        Failed::Store(e.into())
    }
}

/// Sends every task in one transaction as `caller`; if the gate or a check refuses any
/// row, nothing is sent and each such row is listed with its reasons.
pub fn apply(
    conn: &mut Conn,
    caller: &Caller,
    rows: &[(u64, TaskDraft)],
) -> StoreResult<Result<Vec<i64>, Vec<CellError>>> {
    let sent = conn.tx(|c| {
        let mut sent = Vec::new();
        let mut errors = Vec::new();
        for (line, d) in rows {
            let row = |column: &str, reason: String| CellError {
                line: *line,
                column: column.to_owned(),
                reason,
            };
            match task::send_in(c, caller, d) {
                Ok(t) => sent.push(t.id),
                Err(StoreError::Refused { details, .. }) => {
                    for r in details["refused"].as_array().into_iter().flatten() {
                        let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
                        errors.push(row(
                            COLUMNS[6],
                            format!("{}（{}）：{}", s("target_name"), s("target"), s("message")),
                        ));
                    }
                }
                Err(StoreError::Invalid { field, message }) => errors.push(row(&field, message)),
                Err(StoreError::Forbidden) => {
                    errors.push(row(COLUMNS[6], "无权向这些单位下达任务".into()))
                }
                Err(e) => return Err(Failed::Store(e)),
            }
        }
        // The good rows' writes roll back with the rest: all or nothing.
        if errors.is_empty() {
            Ok(sent)
        } else {
            Err(Failed::Rows(errors))
        }
    });
    match sent {
        Ok(ids) => Ok(Ok(ids)),
        Err(Failed::Rows(errors)) => Ok(Err(errors)),
        Err(Failed::Store(e)) => Err(e),
    }
}
