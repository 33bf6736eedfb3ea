//! Spreadsheets as people hand them in: the first sheet of an `.xlsx`, or a text file
//! (`.csv`) in any encoding `text::decode` knows; each row keeps its line in the file.

use super::text::decode;
use chrono::NaiveDate;

/// One cell as read: its text, and whether the spreadsheet stored it as a number.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub numeric: bool,
}

/// A sheet: the header and the rows, each with its line (row number) in the file.
#[derive(Debug, Default)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<Cell>)>,
}

/// A bad cell (or row), as `line, column: reason`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CellError {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

/// Reads an `.xlsx` (first sheet) or a text file (`.csv`, any encoding `decode` knows).
pub fn read(file_name: &str, bytes: &[u8]) -> Result<Sheet, CellError> {
    let whole = |reason: String| CellError {
        line: 0,
        column: String::new(),
        reason,
    };
    if bytes.starts_with(b"PK") || file_name.to_ascii_lowercase().ends_with(".xlsx") {
        use calamine::{Data, Reader};
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
                .map_err(|e| whole(format!("无法读取的 xlsx 文件：{e}")))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| whole("文件中没有工作表".into()))?
            .map_err(|e| whole(format!("无法读取工作表：{e}")))?;
        let (top, _) = range.start().unwrap_or((0, 0));
        let mut sheet = Sheet::default();
        for (i, row) in range.rows().enumerate() {
            let line = u64::from(top) + i as u64 + 1;
            let cells: Vec<Cell> = row
                .iter()
                .map(|d| match d {
                    Data::String(s) => Cell {
                        text: s.trim().to_owned(),
                        numeric: false,
                    },
                    Data::Float(f) => Cell {
                        text: format!("{f}"),
                        numeric: true,
                    },
                    Data::Int(n) => Cell {
                        text: n.to_string(),
                        numeric: true,
                    },
                    Data::DateTime(dt) => {
                        let day = NaiveDate::from_ymd_opt(1899, 12, 30).expect("a date")
                            + chrono::Duration::days(dt.as_f64().floor() as i64);
                        Cell {
                            text: day.to_string(),
                            numeric: false,
                        }
                    }
                    Data::DateTimeIso(s) => Cell {
                        text: s.get(..10).unwrap_or(s).to_owned(),
                        numeric: false,
                    },
                    Data::Bool(b) => Cell {
                        text: b.to_string(),
                        numeric: false,
                    },
                    _ => Cell::default(),
                })
                .collect();
            if sheet.header.is_empty() {
                if cells.iter().any(|c| !c.text.is_empty()) {
                    sheet.header = cells.into_iter().map(|c| c.text).collect();
                }
                continue;
            }
            if cells.iter().any(|c| !c.text.is_empty()) {
                sheet.rows.push((line, cells));
            }
        }
        return Ok(sheet);
    }
    let decoded = decode(bytes);
    if let Some(&l) = decoded.undecodable.first() {
        return Err(CellError {
            line: l as u64,
            column: String::new(),
            reason: "无法解码的字节".into(),
        });
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded.text.as_bytes());
    let mut sheet = Sheet::default();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| whole(format!("无法解析的 CSV：{e}")))?;
        let line = rec.position().map_or(0, |p| p.line());
        let cells: Vec<Cell> = rec
            .iter()
            .map(|f| Cell {
                text: f.trim().to_owned(),
                numeric: false,
            })
            .collect();
        if sheet.header.is_empty() {
            sheet.header = cells.into_iter().map(|c| c.text).collect();
        } else if cells.iter().any(|c| !c.text.is_empty()) {
            sheet.rows.push((line, cells));
        }
    }
    Ok(sheet)
}

/// Where the sheet keeps each of `wanted` (a template's columns, in order): `column_of`
/// names the template column a header means. The first `required` must be there; each
/// one missing is an error at line 1. Then `cell(row, i)` reads the `i`th wanted column.
pub struct Columns {
    at: Vec<Option<usize>>,
}

impl Columns {
    pub fn find(
        sheet: &Sheet,
        wanted: &[&str],
        required: usize,
        column_of: impl Fn(&str) -> Option<usize>,
    ) -> Result<Self, Vec<CellError>> {
        let by_header: Vec<Option<usize>> =
            sheet.header.iter().map(|h| column_of(h.trim())).collect();
        let at: Vec<Option<usize>> = (0..wanted.len())
            .map(|w| by_header.iter().position(|c| *c == Some(w)))
            .collect();
        let missing: Vec<CellError> = (0..required)
            .filter(|&i| at[i].is_none())
            .map(|i| CellError {
                line: 1,
                column: wanted[i].to_owned(),
                reason: "缺少此列".into(),
            })
            .collect();
        if missing.is_empty() {
            Ok(Columns { at })
        } else {
            Err(missing)
        }
    }

    /// The trimmed text of the `i`th wanted column in `cells`, empty when absent.
    pub fn cell<'a>(&self, cells: &'a [Cell], i: usize) -> &'a str {
        self.at[i]
            .and_then(|c| cells.get(c))
            .map_or("", |c| c.text.trim())
    }
}
