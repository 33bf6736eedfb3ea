//! Member rosters from `.xlsx` or `.csv` files with the columns an organisation department
//! keeps (姓名, 性别, 民族, 公民身份号码, 出生日期, 学历, 入党日期, 转正日期, 人员类别,
//! 所在党组织, 联系电话). Every bad cell is reported as line, column and reason before
//! anything is written; then the members are created in one transaction.

use super::sheet::{CellError, Sheet};
use crate::access::Caller;
use crate::db::Conn;
use crate::error::StoreResult;
use crate::member::NewMember;
use crate::org::{self, OrgFilter};
use crate::sql::Page;
use chrono::NaiveDate;
use datong_domain::id_number::Sex;
use datong_domain::member::{Education, MemberStatus};
use datong_domain::{DivisionCode, IdNumber, Name, Phone};
use std::collections::HashMap;

/// The template's columns, in order; the first eight must be present.
pub const COLUMNS: [&str; 11] = [
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "学历",
    "入党日期",
    "人员类别",
    "所在党组织",
    "出生日期",
    "转正日期",
    "联系电话",
];
const REQUIRED: usize = 8;

fn column_of(header: &str) -> Option<usize> {
    let h = header.trim();
    let alias = match h {
        "身份证号" | "身份证号码" | "证件号码" => "公民身份号码",
        "类别" | "党员类别" => "人员类别",
        "电话" | "手机" | "手机号码" => "联系电话",
        "党组织" | "所在支部" => "所在党组织",
        other => other,
    };
    COLUMNS.iter().position(|c| *c == alias)
}

fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim().replace(['/', '.'], "-");
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()
}

/// Checks every row for members to be created under `under`; every bad cell is listed.
pub fn check(
    conn: &mut Conn,
    caller: &Caller,
    under: &DivisionCode,
    sheet: &Sheet,
) -> StoreResult<Result<Vec<NewMember>, Vec<CellError>>> {
    let mut errors = Vec::new();
    let cols: Vec<Option<usize>> = sheet.header.iter().map(|h| column_of(h)).collect();
    let at = |want: usize| cols.iter().position(|c| *c == Some(want));
    for (i, name) in COLUMNS.iter().enumerate().take(REQUIRED) {
        if at(i).is_none() {
            errors.push(CellError {
                line: 1,
                column: (*name).to_owned(),
                reason: "缺少此列".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let f = OrgFilter {
        territory: Some(under.clone()),
        ..OrgFilter::default()
    };
    let orgs: HashMap<String, i64> = org::list(
        conn,
        caller,
        &f,
        &Page {
            limit: 100_000,
            offset: 0,
        },
    )?
    .into_iter()
    .filter(|o| o.kind.is_branch() && caller.scope.contains(&o.territory))
    .map(|o| (o.name, o.id))
    .collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::new();
    for (line, cells) in &sheet.rows {
        let mut bad = |column: usize, reason: String| {
            errors.push(CellError {
                line: *line,
                column: COLUMNS[column].to_owned(),
                reason,
            });
        };
        let cell = |c: usize| {
            at(c)
                .and_then(|i| cells.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let name = Name::parse(&cell(0).text)
            .map_err(|e| bad(0, e.to_string()))
            .ok();
        let sex = Sex::parse(&cell(1).text);
        if sex.is_none() {
            bad(1, "应为 男 或 女".into());
        }
        let ethnicity = Some(cell(2).text).filter(|e| !e.is_empty() && e.chars().count() <= 20);
        if ethnicity.is_none() {
            bad(2, "请填写民族".into());
        }
        let id_cell = cell(3);
        let id = if id_cell.numeric {
            bad(3, "应以文本保存：存为数字会丢失末几位".into());
            None
        } else {
            IdNumber::parse(&id_cell.text)
                .map_err(|e| bad(3, e.to_string()))
                .ok()
        };
        if let Some(id) = &id {
            let first = *seen.entry(id.as_str().to_owned()).or_insert(*line);
            if first != *line {
                bad(3, format!("与第 {first} 行重复"));
            }
        }
        let education = Education::parse(&cell(4).text);
        if education.is_none() {
            bad(4, "学历无法识别".into());
        }
        let joined_on = date(&cell(5).text);
        if joined_on.is_none() {
            bad(5, "应为日期（年-月-日）".into());
        }
        let status = match cell(6).text.as_str() {
            "正式党员" | "正式" => Some(MemberStatus::Full),
            "预备党员" | "预备" => Some(MemberStatus::Probationary),
            other => MemberStatus::parse(other),
        };
        if status.is_none() {
            bad(6, "应为 正式党员 或 预备党员".into());
        }
        let org_id = orgs.get(&cell(7).text).copied();
        if org_id.is_none() {
            bad(7, "党组织不存在、不是支部或不在权限范围内".into());
        }
        let birth_text = cell(8).text;
        let birth_date = if birth_text.is_empty() {
            id.as_ref().map(IdNumber::birth_date)
        } else {
            let d = date(&birth_text);
            if d.is_none() {
                bad(8, "应为日期（年-月-日）".into());
            }
            d
        };
        if let (Some(id), Some(b)) = (&id, birth_date) {
            if id.birth_date() != b {
                bad(8, "出生日期与公民身份号码不一致".into());
            }
            if sex.is_some_and(|s| s != id.sex()) {
                bad(1, "性别与公民身份号码不一致".into());
            }
        }
        let full_text = cell(9).text;
        let full_on = if full_text.is_empty() {
            Some(None)
        } else {
            let d = date(&full_text);
            if d.is_none() {
                bad(9, "应为日期（年-月-日）".into());
            }
            d.map(Some)
        };
        let phone_text = cell(10).text;
        let phone = if phone_text.is_empty() {
            Some(None)
        } else {
            Phone::parse(&phone_text)
                .map(Some)
                .map_err(|e| bad(10, e.to_string()))
                .ok()
        };
        if let (
            Some(name),
            Some(sex),
            Some(ethnicity),
            Some(id_number),
            Some(education),
            Some(joined_on),
            Some(status),
            Some(org_id),
            Some(birth_date),
            Some(full_on),
            Some(phone),
        ) = (
            name, sex, ethnicity, id, education, joined_on, status, org_id, birth_date, full_on,
            phone,
        ) {
            let n = NewMember {
                name: name.into_string(),
                sex,
                ethnicity,
                birth_date,
                id_number,
                education,
                joined_on,
                full_on,
                status,
                org_id,
                phone,
                work_unit: None,
                home_community: None,
                mobile: false,
                mobile_note: None,
            };
            // The member rules (dates, probation), with the row's line.
            if let Err(e) = crate::member::check_new(conn, caller, &n) {
                let (field, reason) = match e {
                    crate::StoreError::Invalid { field, message } => (field, message),
                    other => return Err(other),
                };
                let column = match field.as_str() {
                    "full_on" => 9,
                    "joined_on" => 5,
                    "birth_date" => 8,
                    "sex" => 1,
                    _ => 7,
                };
                errors.push(CellError {
                    line: *line,
                    column: COLUMNS[column].to_owned(),
                    reason,
                });
                continue;
            }
            out.push(n);
        }
    }
    // Numbers already in the register: by their blind index where numbers are sealed.
    for chunk in out.chunks(500) {
        let keys: HashMap<String, &str> = chunk
            .iter()
            .map(|n| {
                let id = n.id_number.as_str();
                (conn.blind(id).unwrap_or_else(|| id.to_owned()), id)
            })
            .collect();
        let column = if conn.data_key().is_some() {
            "id_number_blind"
        } else {
            "id_number"
        };
        let mut q =
            crate::sql::Sql::new(&format!("SELECT {column} FROM member WHERE {column} IN "));
        q.bind_list(keys.keys().map(String::as_str));
        for r in conn.query(&q.text, &q.params)? {
            let id = keys[r.str(0)?.as_str()].to_owned();
            errors.push(CellError {
                line: seen.get(&id).copied().unwrap_or(0),
                column: COLUMNS[3].to_owned(),
                reason: "该公民身份号码已登记".into(),
            });
        }
    }
    if errors.is_empty() {
        Ok(Ok(out))
    } else {
        errors.sort_by_key(|e| e.line);
        Ok(Err(errors))
    }
}
