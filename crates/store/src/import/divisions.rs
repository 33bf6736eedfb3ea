//! `datong import divisions`: the national statistical division codes, for any scope.
//!
//! Input is a directory of CSV files (or one file) with a header naming at least a code and
//! a name column. The level of each row comes from its code's length; files named like the
//! national set (`provinces`, `cities`, `areas`, `streets`, `villages`) must hold only
//! their level. Columns named `…code` other than the code must be prefixes of the code.

use super::LineError;
use super::text::decode;
use crate::audit::{self, Actor, Entry};
use crate::db::DbError;
use crate::db::{Cell, Conn};
use crate::error::StoreError;
use crate::params;
use crate::rollup::Deltas;
use datong_domain::division::{DivisionCode, Kind, Level};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Record {
    pub code: DivisionCode,
    pub name: String,
    /// The name's pinyin initials, worked out while parsing (in parallel).
    pub initials: String,
    /// Shared by every record of one file.
    pub file: Arc<str>,
    pub line: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Io(String),
    #[error("输入有误，未写入任何数据：\n{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Lines(Vec<LineError>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbError> for ImportError {
    fn from(e: DbError) -> Self {
        ImportError::Store(e.into())
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub read: u64,
    pub inserted: u64,
    pub renamed: u64,
    pub unchanged: u64,
    /// Nodes the input no longer has, ended on its effective day (with `Whole`).
    pub ended: Vec<Ended>,
}

/// A node an import ended, and what was attached to it then: the platform never drops
/// them, and someone must move them (redistricting) or end them too.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ended {
    pub code: String,
    pub name: String,
    /// Its descendants, ended with it (grids, buildings, households below a community).
    pub descendants: u64,
    pub orgs: u64,
    pub members: u64,
    pub units: u64,
    pub open_requests: u64,
}

/// What an import stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    /// Additions and renames: nothing stored is ended (a file of one new street).
    Additions,
    /// The whole of its levels within its scope as of its day: a node of those levels
    /// that the input lacks has gone, and ends that day.
    Whole,
}

fn level_of_file(path: &Path) -> Option<Level> {
    match path.file_stem()?.to_str()?.to_ascii_lowercase().as_str() {
        "provinces" => Some(Level::Province),
        "cities" => Some(Level::City),
        "areas" | "counties" | "districts" => Some(Level::District),
        "streets" | "towns" => Some(Level::Street),
        "villages" | "communities" => Some(Level::Community),
        _ => None,
    }
}

/// A load of at least this many new rows, and at least as many as are stored, builds the
/// parent index afresh instead of keeping it up row by row.
const BULK_LOAD: i64 = 10_000;

const CODE_HEADERS: &[&str] = &["code", "代码", "区划代码", "统计用区划代码"];
const NAME_HEADERS: &[&str] = &["name", "名称", "区划名称", "单位名称"];

/// Lists the files to read: `path` itself, or the `.csv`/`.txt` files in it, in name order.
fn input_files(path: &Path) -> Result<Vec<PathBuf>, ImportError> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| ImportError::Io(format!("{}: {e}", path.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("txt"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ImportError::Io(format!(
            "{}: no .csv files",
            path.display()
        )));
    }
    Ok(files)
}

/// Parses one file's bytes, appending good records and bad lines.
pub fn parse_file(
    file: &str,
    bytes: &[u8],
    expect: Option<Level>,
    out: &mut Vec<Record>,
    errors: &mut Vec<LineError>,
) {
    let file: Arc<str> = file.into();
    let err = |line: usize, reason: String| LineError {
        file: file.to_string(),
        line: line as u64,
        reason,
    };
    let decoded = decode(bytes);
    for &l in &decoded.undecodable {
        errors.push(err(l, "无法解码的字节（既非 UTF-8 也非 GB18030）".into()));
    }
    let Some((header_at, header_line)) = decoded
        .lines()
        .enumerate()
        .find(|(_, l)| !l.trim().is_empty())
    else {
        errors.push(err(1, "文件为空".into()));
        return;
    };
    // Lines keep their numbers: undecodable ones are left blank, and readers skip blank
    // lines. This reader takes the header; `Rows::parse` the rest.
    let text = &decoded.text;
    let delimiter = if header_line.contains('\t') && !header_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    let header: Vec<String> = match rdr.read_record(&mut rec) {
        Ok(true) => rec.iter().map(|f| f.trim().to_owned()).collect(),
        Ok(false) => return,
        Err(e) => {
            errors.push(err(header_at + 1, format!("无法解析的表头：{e}")));
            return;
        }
    };
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let (Some(code_col), Some(name_col)) = (find(CODE_HEADERS), find(NAME_HEADERS)) else {
        errors.push(err(
            header_at + 1,
            format!(
                "表头应包含代码列（{}）和名称列（{}）",
                CODE_HEADERS.join("/"),
                NAME_HEADERS.join("/")
            ),
        ));
        return;
    };
    let prefix_cols: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(i, h)| *i != code_col && h.to_ascii_lowercase().ends_with("code"))
        .map(|(i, _)| i)
        .collect();
    let rows = Rows {
        file: &file,
        header: &header,
        code_col,
        name_col,
        prefix_cols: &prefix_cols,
        expect,
        delimiter,
    };
    // The rows after the header, in chunks parsed side by side (a national villages file
    // is 37 MB); each chunk keeps its lines' numbers.
    let at = rdr.position().clone();
    let rest = &text[at.byte() as usize..];
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    let chunks = split_rows(rest, if rest.len() > 4 << 20 { threads } else { 1 });
    let parsed: Vec<(Vec<Record>, Vec<LineError>)> = std::thread::scope(|scope| {
        let mut first_line = at.line();
        let mut handles = Vec::new();
        for chunk in chunks {
            let rows = &rows;
            handles.push(scope.spawn(move || rows.parse(chunk, first_line)));
            first_line += chunk.bytes().filter(|&b| b == b'\n').count() as u64;
        }
        handles
            .into_iter()
            .map(|h| h.join().expect("a parse thread panicked"))
            .collect()
    });
    for (records, errs) in parsed {
        out.extend(records);
        errors.extend(errs);
    }
}

/// Cuts `text` into about `n` pieces at line ends outside quoted fields, so that each
/// piece holds whole records.
fn split_rows(text: &str, n: usize) -> Vec<&str> {
    let mut pieces = Vec::with_capacity(n);
    let mut from = 0;
    let mut quoted = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    for k in 1..n {
        let target = text.len() * k / n;
        while i < bytes.len() && (i < target || quoted || bytes[i] != b'\n') {
            if bytes[i] == b'"' {
                quoted = !quoted;
            }
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        pieces.push(&text[from..=i]);
        from = i + 1;
        i += 1;
    }
    pieces.push(&text[from..]);
    pieces
}

/// What every row of one file is checked against.
struct Rows<'a> {
    file: &'a Arc<str>,
    header: &'a [String],
    code_col: usize,
    name_col: usize,
    prefix_cols: &'a [usize],
    expect: Option<Level>,
    delimiter: u8,
}

impl Rows<'_> {
    /// Parses a piece of a file whose first line is line `first_line`.
    fn parse(&self, chunk: &str, first_line: u64) -> (Vec<Record>, Vec<LineError>) {
        let (file, header, expect) = (self.file, self.header, self.expect);
        let (code_col, name_col, prefix_cols) = (self.code_col, self.name_col, self.prefix_cols);
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let err = |line: usize, reason: String| LineError {
            file: file.to_string(),
            line: line as u64,
            reason,
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(self.delimiter)
            .from_reader(chunk.as_bytes());
        // One record buffer for the whole piece: no allocation a row.
        let mut rec = csv::StringRecord::new();
        let line_of =
            |p: Option<&csv::Position>| p.map_or(0, |p| (first_line + p.line() - 1) as usize);
        loop {
            match rdr.read_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let n = line_of(e.position());
                    errors.push(err(n, format!("无法解析的 CSV 行：{e}")));
                    if e.is_io_error() {
                        break;
                    }
                    continue;
                }
            }
            let n = line_of(rec.position());
            let field = |i: usize| rec.get(i).map_or("", str::trim);
            if rec.len() != header.len() {
                let what = if rec.len() < header.len() {
                    "字段不足"
                } else {
                    "字段过多"
                };
                errors.push(err(
                    n,
                    format!(
                        "{what}：有 {} 个字段，表头为 {} 个",
                        rec.len(),
                        header.len()
                    ),
                ));
                continue;
            }
            let raw = field(code_col);
            let code = match DivisionCode::parse(raw) {
                Ok(c) if c.is_nation() => {
                    errors.push(err(n, format!("代码 {raw} 无效")));
                    continue;
                }
                Ok(c) => c,
                Err(e) => {
                    errors.push(err(n, format!("代码 {raw} 无效：{e}")));
                    continue;
                }
            };
            let level = code.level();
            if level.is_below_community() {
                errors.push(err(
                    n,
                    format!(
                        "代码 {raw} 为{}级，区划文件只含省至社区（村）五级",
                        level.as_str()
                    ),
                ));
                continue;
            }
            if let Some(want) = expect
                && want != level
            {
                errors.push(err(
                    n,
                    format!(
                        "代码 {raw} 为 {} 级，而此文件应为 {} 级",
                        level.as_str(),
                        want.as_str()
                    ),
                ));
                continue;
            }
            if let Some(&bad) = prefix_cols
                .iter()
                .find(|&&c| !field(c).is_empty() && !raw.starts_with(field(c)))
            {
                errors.push(err(
                    n,
                    format!("{} 列的 {} 与代码 {raw} 不符", header[bad], field(bad)),
                ));
                continue;
            }
            let name = field(name_col);
            if name.is_empty() {
                errors.push(err(n, "名称为空".into()));
                continue;
            }
            out.push(Record {
                code,
                initials: datong_domain::initials::initials(name),
                name: name.to_owned(),
                file: file.clone(),
                line: n as u64,
            });
        }
        (out, errors)
    }
}

/// The files as read: the good records in scope, sorted by code without repeats, and every
/// bad line found so far. [`apply`] adds the lines whose parent exists nowhere and
/// refuses the whole input if any line is bad, so one run lists every fault.
#[derive(Debug)]
pub struct Read {
    pub records: Vec<Record>,
    errors: Vec<LineError>,
    /// The subtree read (its ancestors come with it, but only it can lose nodes).
    scope: DivisionCode,
    /// The levels the input holds.
    levels: Vec<Level>,
}

/// Reads and checks every file: the records in `scope` (with the scope's own ancestors, so
/// the tree stays connected), and every line that cannot be read.
pub fn read(path: &Path, scope: &DivisionCode) -> Result<Read, ImportError> {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for f in input_files(path)? {
        let bytes =
            std::fs::read(&f).map_err(|e| ImportError::Io(format!("{}: {e}", f.display())))?;
        parse_file(
            &f.display().to_string(),
            &bytes,
            level_of_file(&f),
            &mut records,
            &mut errors,
        );
    }
    // A stable sort keeps equal codes in input order, so each duplicate follows its first.
    records.sort_by(|a, b| a.code.cmp(&b.code));
    for pair in records.windows(2) {
        let [first, again] = pair else { continue };
        if first.code == again.code {
            let at = records.partition_point(|r| r.code < again.code);
            let (file, line) = (&records[at].file, records[at].line);
            errors.push(LineError {
                file: again.file.to_string(),
                line: again.line,
                reason: format!("代码 {} 重复（首次出现于 {file}:{line}）", again.code),
            });
        }
    }
    // The first of each code stays; its repeats are listed above.
    records.dedup_by(|again, first| again.code == first.code);
    if !scope.is_nation() {
        records.retain(|r| scope.contains(&r.code) || r.code.contains(scope));
    }
    let mut levels: Vec<Level> = records.iter().map(|r| r.code.level()).collect();
    levels.sort();
    levels.dedup();
    Ok(Read {
        records,
        errors,
        scope: scope.clone(),
        levels,
    })
}

/// Writes the records in one transaction. New codes are inserted, renamed ones updated
/// with their old name kept as a version, the rest left alone: importing the same input
/// twice changes nothing. A bad line of the input, or a record whose parent is neither
/// in the input nor stored, fails the whole import, every such line listed. With
/// `Extent::Whole`, the nodes of the input's levels in its scope that it lacks end on
/// `valid_from` with their subtrees: never deleted, and reported with what hangs on them.
pub fn apply(
    conn: &mut Conn,
    actor: &Actor,
    read: &Read,
    valid_from: &str,
    extent: Extent,
) -> Result<Report, ImportError> {
    let records = read.records.as_slice();
    assert!(
        records.is_sorted_by(|a, b| a.code < b.code),
        "records come from `read`: sorted, without duplicates"
    );
    let mut existing: HashMap<String, String> = HashMap::new();
    if let (Some(first), Some(last)) = (records.first(), records.last()) {
        // Codes are sorted, so one range covers every stored row the input can touch.
        for r in conn.query(
            "SELECT code, name FROM territory WHERE code >= $1 AND code <= $2",
            params![first.code.as_path(), last.code.as_path()],
        )? {
            existing.insert(r.str(0)?, r.str(1)?);
        }
    }
    let mut errors = read.errors.clone();
    let mut parents_checked: BTreeMap<String, bool> = BTreeMap::new();
    // Sorted codes are a pre-order walk of the tree, so the input's own ancestors of a
    // record are exactly the codes on a stack of open prefixes.
    let mut open: Vec<&str> = Vec::new();
    for r in records {
        let code = r.code.as_path();
        while open.last().is_some_and(|top| !code.starts_with(top)) {
            open.pop();
        }
        let parent = r.code.parent_path().unwrap_or_default();
        let in_input = open.last() == Some(&parent);
        open.push(code);
        let p = parent;
        if p.is_empty() || in_input || existing.contains_key(p) {
            continue;
        }
        let found = match parents_checked.get(p) {
            Some(f) => *f,
            None => {
                let f = conn
                    .query_opt("SELECT code FROM territory WHERE code = $1", params![p])?
                    .is_some();
                parents_checked.insert(p.to_owned(), f);
                f
            }
        };
        if !found {
            errors.push(LineError {
                file: r.file.to_string(),
                line: r.line,
                reason: format!("上级代码 {p} 不存在"),
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(ImportError::Lines(errors));
    }

    conn.tx(|c| {
        // First in the transaction: a nation's import changes ~75,000 counters.
        let counters = crate::rollup::lock(c)?;
        let mut report = Report {
            read: records.len() as u64,
            ..Report::default()
        };
        let mut deltas = Deltas::default();
        // New nodes count at their parent and its ancestors. Sorted codes put most siblings
        // side by side (a street's villages), so they are counted a run at a time.
        let mut run: Option<(&str, Kind, i64)> = None;
        let mut new = 0i64;
        for r in records {
            match existing.get(r.code.as_path()) {
                None => {
                    new += 1;
                    let parent = r.code.parent_path().unwrap_or_default();
                    let kind = Kind::classify(r.code.level(), &r.name);
                    match &mut run {
                        Some((p, k, n)) if *p == parent && *k == kind => *n += 1,
                        _ => {
                            if let Some((p, k, n)) = run.replace((parent, kind, 1)) {
                                deltas.territory_children(p, k, n);
                            }
                        }
                    }
                }
                Some(old) if *old == r.name => report.unchanged += 1,
                Some(old) => {
                    let kind = Kind::classify(r.code.level(), &r.name);
                    crate::territory::rename(c, actor, &r.code, old, &r.name, kind, valid_from)?;
                    report.renamed += 1;
                }
            }
        }
        if let Some((p, k, n)) = run {
            deltas.territory_children(p, k, n);
        }
        if extent == Extent::Whole {
            report.ended = end_missing(c, read, valid_from, &mut deltas)?;
        }
        // Rows are made as the engine takes them, never all held at once.
        let new_rows = records
            .iter()
            .filter(|r| !existing.contains_key(r.code.as_path()))
            .map(|r| {
                let level = r.code.level();
                [
                    Cell::Text(r.code.as_path()),
                    r.code.parent_path().filter(|p| !p.is_empty()).into(),
                    Cell::Text(&r.name),
                    Cell::Text(level.as_str()),
                    Cell::Text(Kind::classify(level, &r.name).as_str()),
                    Cell::Bool(false),
                    Cell::Text(valid_from),
                    Cell::Text(&r.initials),
                ]
            });
        let insert = |c: &mut Conn| {
            c.bulk_insert(
                "territory",
                &[
                    "code",
                    "parent_code",
                    "name",
                    "level",
                    "kind",
                    "member_centre",
                    "valid_from",
                    "initials",
                ],
                new_rows,
            )
        };
        let stored = c.query_one("SELECT count(*) FROM territory", &[])?.i64(0)?;
        report.inserted = if new >= stored.max(BULK_LOAD) {
            c.rebuilding_index("territory_parent", insert)?
        } else {
            insert(c)?
        };
        deltas.flush_locked(c, &counters)?;
        if report.inserted > 0 || report.renamed > 0 || !report.ended.is_empty() {
            let after = serde_json::to_value(&report).expect("plain struct");
            let scope = records
                .first()
                .map(|r| r.code.to_string())
                .unwrap_or_default();
            audit::append(
                c,
                actor,
                Entry {
                    action: "import",
                    entity: "territory",
                    entity_id: &scope,
                    before: None,
                    after: Some(&after),
                },
            )?;
        }
        Ok::<_, ImportError>(report)
    })
}

/// Ends the current nodes of the input's levels within its scope that it lacks, each with
/// its current subtree, on `day`; counts come off the roll-ups. Only the imported levels:
/// grids and below are made here, not imported.
fn end_missing(
    c: &mut Conn,
    read: &Read,
    day: &str,
    deltas: &mut crate::rollup::Deltas,
) -> Result<Vec<Ended>, ImportError> {
    let present: std::collections::HashSet<&str> =
        read.records.iter().map(|r| r.code.as_path()).collect();
    let (lo, hi) = read.scope.subtree_range();
    let mut ended = Vec::new();
    for level in read
        .levels
        .iter()
        .filter(|l| **l > Level::Nation && **l <= Level::Community)
    {
        let gone: Vec<(String, String)> = c
            .query(
                "SELECT code, name FROM territory WHERE level = $1 AND valid_to IS NULL AND code >= $2 AND code < $3",
                params![level.as_str(), &lo, &hi],
            )?
            .iter()
            .map(|r| Ok((r.str(0)?, r.str(1)?)))
            .collect::<Result<Vec<_>, DbError>>()?
            .into_iter()
            .filter(|(code, _)| !present.contains(code.as_str()))
            .collect();
        for (code, name) in gone {
            let under = (code.clone(), format!("{code}:"));
            let count = |c: &mut Conn, sql: &str| -> Result<u64, DbError> {
                Ok(c.query_one(sql, params![&under.0, &under.1])?.i64(0)? as u64)
            };
            let subtree = c.query(
                "SELECT code, kind FROM territory WHERE code >= $1 AND code < $2 AND valid_to IS NULL",
                params![&under.0, &under.1],
            )?;
            for r in &subtree {
                if let Some(k) = Kind::parse(&r.str(1)?) {
                    deltas.territory(&r.str(0)?, k, -1);
                }
            }
            c.execute(
                "UPDATE territory SET valid_to = $1 WHERE code >= $2 AND code < $3 AND valid_to IS NULL",
                params![day, &under.0, &under.1],
            )?;
            ended.push(Ended {
                descendants: subtree.len().saturating_sub(1) as u64,
                orgs: count(c, "SELECT COUNT(*) FROM party_org WHERE territory_code >= $1 AND territory_code < $2 AND valid_to IS NULL")?,
                members: count(c, "SELECT COUNT(*) FROM member WHERE territory_code >= $1 AND territory_code < $2")?,
                units: count(c, "SELECT COUNT(*) FROM unit WHERE territory_code >= $1 AND territory_code < $2")?,
                open_requests: count(c, "SELECT COUNT(*) FROM request WHERE node_code >= $1 AND node_code < $2 AND stage NOT IN ('closed', 'rated')")?,
                code,
                name,
            });
        }
    }
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(file: &str, input: &str, expect: &str) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        parse_file(
            file,
            input.as_bytes(),
            level_of_file(Path::new(file)),
            &mut out,
            &mut errors,
        );
        let got: Vec<String> = if errors.is_empty() {
            out.iter()
                .map(|r| format!("{} {}", r.code, r.name))
                .collect()
        } else {
            errors.iter().map(ToString::to_string).collect()
        };
        assert_eq!(got.join("\n"), expect.trim(), "input:\n{input}");
    }

    #[test]
    fn parses_rows() {
        check(
            "cities.csv",
            "code,name,provinceCode\n1402,\"大同市\",14\n",
            "1402 大同市",
        );
        check(
            "x.csv",
            "代码\t名称\n14\t山西省\n140213\t平城区\n",
            "14 山西省\n140213 平城区",
        );
    }

    #[test]
    fn reports_every_bad_line() {
        check(
            "streets.csv",
            "code,name,areaCode\n140213001,新华街街道,140213\n14021300,短,140213\n140213002,,140213\n140213003,多,140213,x\n140213004,少\n140213005,错,140214\n140213006001,社区,140213\n",
            "streets.csv:3: 代码 14021300 无效：区划代码长度 8 不是 2、4、6、9、12、15、18 或 22 位
streets.csv:4: 名称为空
streets.csv:5: 字段过多：有 4 个字段，表头为 3 个
streets.csv:6: 字段不足：有 2 个字段，表头为 3 个
streets.csv:7: areaCode 列的 140214 与代码 140213005 不符
streets.csv:8: 代码 140213006001 为 community 级，而此文件应为 street 级",
        );
    }

    #[test]
    fn pieces_end_outside_quotes() {
        let text = "1,\"a\nb\"\n2,c\n3,\"d\"\n4,e\n";
        for n in 1..6 {
            let pieces = split_rows(text, n);
            assert_eq!(pieces.concat(), text, "{n}");
            for p in &pieces[..pieces.len() - 1] {
                assert!(
                    p.ends_with('\n') && p.matches('"').count() % 2 == 0,
                    "{n}: {p:?}"
                );
            }
        }
    }

    #[test]
    fn big_files_are_parsed_in_pieces_with_their_line_numbers() {
        let mut text = String::from("code,name,provinceCode\n");
        for i in 0..250_000 {
            text.push_str(&format!("14{:02},\"市{i}\",14\n", i % 100));
        }
        text.push_str("1499,,14\n");
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        parse_file(
            "cities.csv",
            text.as_bytes(),
            Some(Level::City),
            &mut out,
            &mut errors,
        );
        assert_eq!(out.len(), 250_000, "over 4 MB: read in pieces");
        assert_eq!(out[249_999].line, 250_001);
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["cities.csv:250002: 名称为空"]
        );
    }

    #[test]
    fn needs_code_and_name_columns() {
        check(
            "x.csv",
            "id,title\n1,a\n",
            "x.csv:1: 表头应包含代码列（code/代码/区划代码/统计用区划代码）和名称列（name/名称/区划名称/单位名称）",
        );
    }
}
