//! `datong backup` and `datong restore`: the whole database as one file that either engine
//! restores, so a backup is also how a city moves from its SQLite pilot to PostgreSQL.
//!
//! The file is gzip-compressed JSON lines:
//! - a head, `{"datong_backup": 1, "schema": [the migrations applied], "taken_at": …}`;
//! - for each table, the tables it references first, `{"table": …, "columns": […]}` and then
//!   one JSON array a row (bytes as `{"hex": …}`);
//! - a tail, `{"end": rows}`. A file cut short has no tail and restores nothing.
//!
//! A backup reads one snapshot while the platform goes on writing, and is itself audited:
//! it holds every member's record (ID and phone numbers as sealed as the database keeps
//! them). A restore fills a new database in one transaction and commits only if the audit
//! chain it brought verifies and the connection's data key opens its sealed values.

use crate::audit::{self, Actor, Entry};
use crate::db::{Conn, DbError, Engine, Value};
use crate::error::StoreError;
use crate::{migrate, params};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};

/// The format's version, in every head.
pub const FORMAT: i64 = 1;

/// Rows read or written at a time: a table of a million households is never held whole.
const PAGE: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The file is not a whole backup: the line and what is wrong with it.
    #[error("line {line}: {reason}")]
    Bad { line: u64, reason: String },
    /// The backup cannot go into this database.
    #[error("{0}")]
    Refused(String),
    /// The backup is in, on its own schema, but the migrations after it failed.
    #[error(
        "restored on the backup's schema, but bringing it up to this version's failed ({0}): run `datong migrate` once the cause is mended"
    )]
    Upgrade(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbError> for BackupError {
    fn from(e: DbError) -> Self {
        BackupError::Store(e.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub tables: usize,
    pub rows: u64,
}

/// A table as the catalog describes it.
#[derive(Debug)]
struct Table {
    name: String,
    columns: Vec<String>,
    /// The primary key's columns, in key order.
    key: Vec<String>,
    /// Other tables its foreign keys reference.
    references: BTreeSet<String>,
    /// Its columns that reference its own rows (an organisation's parent).
    self_references: Vec<String>,
}

/// Every table but the migrations' own, each after the tables it references.
///
/// Architecture invariant: every table has a primary key; a backup pages through each
/// table by it, and refuses a table without one.
fn catalog(conn: &mut Conn) -> Result<Vec<Table>, BackupError> {
    let (names, columns, keys, foreign) = match conn.engine() {
        Engine::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            "SELECT name FROM pragma_table_info($1) ORDER BY cid",
            "SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk",
            r#"SELECT "table", "from" FROM pragma_foreign_key_list($1)"#,
        ),
        Engine::Postgres => (
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
            "SELECT attname::text FROM pg_attribute
              WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            "SELECT a.attname::text FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
              WHERE i.indrelid = to_regclass($1) AND i.indisprimary
              ORDER BY array_position(i.indkey::int2[], a.attnum)",
            "SELECT r.relname::text, a.attname::text FROM pg_constraint k
               JOIN pg_class r ON r.oid = k.confrelid
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
              WHERE k.contype = 'f' AND k.conrelid = to_regclass($1)",
        ),
    };
    let strings = |conn: &mut Conn, sql: &str, table: &str| -> Result<Vec<String>, DbError> {
        conn.query(sql, params![table])?
            .iter()
            .map(|r| r.str(0))
            .collect()
    };
    let all: Vec<String> = conn
        .query(names, &[])?
        .iter()
        .map(|r| r.str(0))
        .collect::<Result<_, _>>()?;
    let mut tables = BTreeMap::new();
    for name in all {
        if name == "schema_migration" {
            continue;
        }
        let key = strings(conn, keys, &name)?;
        if key.is_empty() {
            return Err(BackupError::Refused(format!(
                "table {name} has no primary key"
            )));
        }
        let mut references = BTreeSet::new();
        let mut self_references = Vec::new();
        for r in conn.query(foreign, params![name.as_str()])? {
            let (target, column) = (r.str(0)?, r.str(1)?);
            if target == name {
                self_references.push(column);
            } else {
                references.insert(target);
            }
        }
        let table = Table {
            columns: strings(conn, columns, &name)?,
            key,
            references,
            self_references,
            name: name.clone(),
        };
        tables.insert(name, table);
    }
    // Tables whose references are all placed go next, by name: the same order every time.
    let mut ordered = Vec::with_capacity(tables.len());
    let mut placed = BTreeSet::new();
    while !tables.is_empty() {
        let ready: Vec<String> = tables
            .values()
            .filter(|t| t.references.iter().all(|r| placed.contains(r)))
            .map(|t| t.name.clone())
            .collect();
        if ready.is_empty() {
            let names: Vec<&String> = tables.keys().collect();
            return Err(BackupError::Refused(format!(
                "the foreign keys of {names:?} form a cycle"
            )));
        }
        for name in ready {
            placed.insert(name.clone());
            ordered.push(tables.remove(&name).expect("listed above"));
        }
    }
    Ok(ordered)
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(n) => json!(n),
        Value::Float(f) => json!(f),
        Value::Text(s) => json!(s),
        Value::Bool(b) => json!(b),
        Value::Bytes(b) => json!({ "hex": hex::encode(b) }),
    }
}

fn from_json(v: Json) -> Result<Value, String> {
    Ok(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().ok_or("a number out of range")?),
        },
        Json::String(s) => Value::Text(s),
        Json::Object(o) => match o.get("hex").and_then(Json::as_str) {
            Some(h) if o.len() == 1 => Value::Bytes(hex::decode(h).map_err(|e| e.to_string())?),
            _ => return Err("an object that is not {\"hex\": …}".into()),
        },
        Json::Array(_) => return Err("an array inside a row".into()),
    })
}

fn write_line(out: &mut impl Write, line: &Json) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, line)?;
    out.write_all(b"\n")
}

/// Writes the whole database to `out` from one snapshot, then records in the audit log
/// who took it. `out` gets the gzip stream; the caller decides where it lands.
pub fn write(conn: &mut Conn, actor: &Actor, out: impl Write) -> Result<Summary, BackupError> {
    let summary = conn.snapshot(|c| {
        let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
        let schema = migrate::applied(c)?;
        write_line(
            &mut gz,
            &json!({ "datong_backup": FORMAT, "schema": schema, "taken_at": actor.at }),
        )?;
        let tables = catalog(c)?;
        let mut rows = 0u64;
        for t in &tables {
            write_line(&mut gz, &json!({ "table": t.name, "columns": t.columns }))?;
            let key = t.key.join(", ");
            let first = format!(
                "SELECT {} FROM {} ORDER BY {key} LIMIT {PAGE}",
                t.columns.join(", "),
                t.name
            );
            // Keyset paging: each page starts past the last key of the one before.
            let marks: Vec<String> = (1..=t.key.len()).map(|i| format!("${i}")).collect();
            let next = format!(
                "SELECT {} FROM {} WHERE ({key}) > ({}) ORDER BY {key} LIMIT {PAGE}",
                t.columns.join(", "),
                t.name,
                marks.join(", ")
            );
            let key_at: Vec<usize> = t
                .key
                .iter()
                .map(|k| t.columns.iter().position(|c| c == k).expect("a key column"))
                .collect();
            let mut after: Option<Vec<Value>> = None;
            loop {
                let page = match &after {
                    None => c.query(&first, &[])?,
                    Some(k) => c.query(&next, k)?,
                };
                for r in &page {
                    let row: Vec<Json> = r.values().iter().map(to_json).collect();
                    write_line(&mut gz, &Json::Array(row))?;
                }
                rows += page.len() as u64;
                match page.last() {
                    Some(last) if page.len() == PAGE => {
                        after = Some(key_at.iter().map(|&i| last.values()[i].clone()).collect());
                    }
                    _ => break,
                }
            }
        }
        write_line(&mut gz, &json!({ "end": rows }))?;
        gz.finish()?.flush()?;
        Ok::<_, BackupError>(Summary {
            tables: tables.len(),
            rows,
        })
    })?;
    conn.tx(|c| {
        audit::append(
            c,
            actor,
            Entry {
                action: "backup",
                entity: "database",
                entity_id: "",
                before: None,
                after: Some(&serde_json::to_value(&summary).expect("a plain struct")),
            },
        )
    })?;
    Ok(summary)
}

/// The lines of a backup, numbered from 1.
struct Lines<R> {
    input: R,
    line: u64,
    buf: String,
}

impl<R: BufRead> Lines<R> {
    fn next(&mut self) -> Result<Option<Json>, BackupError> {
        self.buf.clear();
        let read = self
            .input
            .read_line(&mut self.buf)
            .map_err(|e| BackupError::Bad {
                line: self.line + 1,
                reason: format!("unreadable: {e}"),
            })?;
        if read == 0 {
            return Ok(None);
        }
        self.line += 1;
        serde_json::from_str(&self.buf)
            .map(Some)
            .map_err(|e| self.bad(format!("not JSON: {e}")))
    }

    fn bad(&self, reason: impl Into<String>) -> BackupError {
        BackupError::Bad {
            line: self.line,
            reason: reason.into(),
        }
    }
}

/// What one table's rows wait for: self-references are written once every row is in.
struct Pending {
    table: String,
    key: Vec<String>,
    columns: Vec<String>,
    /// Key values, then the self-referencing values, a row.
    rows: Vec<Vec<Value>>,
}

/// Fills a new database from a backup, all or nothing, then brings it up to this version's
/// schema. The database must be new (its audit log empty: every write is in it), and the
/// backup's schema this version's or an older one.
pub fn restore(
    conn: &mut Conn,
    actor: &Actor,
    input: impl std::io::Read,
) -> Result<Summary, BackupError> {
    let mut lines = Lines {
        input: std::io::BufReader::new(flate2::read::GzDecoder::new(input)),
        line: 0,
        buf: String::new(),
    };
    let head = lines
        .next()?
        .ok_or_else(|| lines.bad("the file is empty"))?;
    if head.get("datong_backup").and_then(Json::as_i64) != Some(FORMAT) {
        return Err(lines.bad(format!("not a datong backup of format {FORMAT}")));
    }
    let schema: Vec<String> = head
        .get("schema")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .ok_or_else(|| lines.bad("the head names no schema"))?;
    // The backup's schema is this version's, or an older one: a new database is brought to
    // it, filled, then upgraded by the migrations that follow.
    let known = migrate::known();
    if let Some(at) = (0..schema.len()).find(|&i| known.get(i) != Some(&schema[i].as_str())) {
        return Err(BackupError::Refused(format!(
            "the backup's schema differs from this datong's at migration {}: {} against {}; restore with the version that took it",
            at + 1,
            schema[at],
            known.get(at).unwrap_or(&"nothing")
        )));
    }
    migrate::run_through(conn, schema.len())?;
    if migrate::applied(conn)? != schema {
        return Err(BackupError::Refused(format!(
            "this database is already on a newer schema than the backup's ({}): restore into a database no datong has set up yet",
            schema.last().map_or("none", String::as_str)
        )));
    }
    if conn
        .query_one("SELECT COUNT(*) FROM audit_log", &[])?
        .i64(0)?
        > 0
    {
        return Err(BackupError::Refused(
            "restore fills a new database, and this one holds data".into(),
        ));
    }
    let summary = conn.tx(|c| {
        let ordered = catalog(c)?;
        // What the migrations put in (the service catalogue, default settings) gives way
        // to what the backup holds; referencing tables are emptied first.
        for t in ordered.iter().rev() {
            c.execute(&format!("DELETE FROM {}", t.name), &[])?;
        }
        let tables: BTreeMap<String, Table> =
            ordered.into_iter().map(|t| (t.name.clone(), t)).collect();
        let mut rows = 0u64;
        let mut pending: Vec<Pending> = Vec::new();
        let mut next = lines.next()?;
        let end = loop {
            let Some(section) = next.take() else {
                return Err(lines.bad("the file ends before its last line: it was cut short"));
            };
            if let Some(n) = section.get("end") {
                break n.as_u64().ok_or_else(|| lines.bad("the end names no row count"))?;
            }
            let table = section
                .get("table")
                .and_then(Json::as_str)
                .and_then(|n| tables.get(n))
                .ok_or_else(|| lines.bad("expected a table of this schema"))?;
            let columns: Vec<String> = section
                .get("columns")
                .and_then(|s| serde_json::from_value(s.clone()).ok())
                .ok_or_else(|| lines.bad("the table names no columns"))?;
            let ours: BTreeSet<&String> = table.columns.iter().collect();
            if columns.iter().collect::<BTreeSet<_>>() != ours || columns.len() != ours.len() {
                return Err(lines.bad(format!(
                    "the columns of {} differ from this schema's",
                    table.name
                )));
            }
            let at = |names: &[String]| -> Vec<usize> {
                names
                    .iter()
                    .map(|n| columns.iter().position(|c| c == n).expect("same columns"))
                    .collect()
            };
            let (key_at, self_at) = (at(&table.key), at(&table.self_references));
            let mut later = Pending {
                table: table.name.clone(),
                key: table.key.clone(),
                columns: table.self_references.clone(),
                rows: Vec::new(),
            };
            let column_names = names(&columns);
            let mut batch: Vec<Vec<Value>> = Vec::with_capacity(PAGE);
            loop {
                next = lines.next()?;
                let row = match next.take() {
                    Some(Json::Array(values)) => values,
                    other => {
                        next = other;
                        break;
                    }
                };
                if row.len() != columns.len() {
                    return Err(lines.bad(format!(
                        "{} values for {} columns",
                        row.len(),
                        columns.len()
                    )));
                }
                let mut values = row
                    .into_iter()
                    .map(from_json)
                    .collect::<Result<Vec<Value>, String>>()
                    .map_err(|e| lines.bad(e))?;
                if self_at.iter().any(|&i| values[i] != Value::Null) {
                    let mut kept: Vec<Value> = key_at.iter().map(|&i| values[i].clone()).collect();
                    for &i in &self_at {
                        kept.push(std::mem::replace(&mut values[i], Value::Null));
                    }
                    later.rows.push(kept);
                }
                batch.push(values);
                if batch.len() == PAGE {
                    rows += c.bulk_insert(&table.name, &column_names, batch.drain(..))?;
                }
            }
            rows += c.bulk_insert(&table.name, &column_names, batch.into_iter())?;
            pending.push(later);
        };
        if end != rows {
            return Err(lines.bad(format!("the end counts {end} rows, the file holds {rows}")));
        }
        for p in pending.iter().filter(|p| !p.rows.is_empty()) {
            let sets: Vec<String> = p
                .columns
                .iter()
                .enumerate()
                .map(|(i, col)| format!("{col} = ${}", p.key.len() + i + 1))
                .collect();
            let wheres: Vec<String> = p
                .key
                .iter()
                .enumerate()
                .map(|(i, k)| format!("{k} = ${}", i + 1))
                .collect();
            let sql = format!(
                "UPDATE {} SET {} WHERE {}",
                p.table,
                sets.join(", "),
                wheres.join(" AND ")
            );
            for r in &p.rows {
                c.execute(&sql, r)?;
            }
        }
        if c.engine() == Engine::Postgres {
            restart_sequences(c)?;
        }
        // Sealed values come as they were: they need the key they were sealed with.
        if tables.contains_key("data_key") {
            crate::seal::check_key(c).map_err(|e| BackupError::Refused(e.to_string()))?;
        }
        let chain = audit::verify(c)?;
        if let Some(first) = chain.problems.first() {
            return Err(BackupError::Refused(format!(
                "the backup's audit chain does not verify, so it was changed after it was taken ({first})"
            )));
        }
        let summary = Summary {
            tables: tables.len(),
            rows,
        };
        audit::append(
            c,
            actor,
            Entry {
                action: "restore",
                entity: "database",
                entity_id: "",
                before: None,
                after: Some(&json!({
                    "taken_at": head.get("taken_at"),
                    "tables": summary.tables,
                    "rows": summary.rows,
                })),
            },
        )?;
        Ok(summary)
    })?;
    let upgraded = migrate::run(conn)
        .map_err(|e| e.to_string())
        .and_then(|()| crate::seal::check_and_seal(conn).map_err(|e| e.to_string()));
    upgraded.map_err(BackupError::Upgrade)?;
    Ok(summary)
}

fn names(columns: &[String]) -> Vec<&str> {
    columns.iter().map(String::as_str).collect()
}

/// Sets each identity sequence past the highest id restored, so new rows do not collide.
fn restart_sequences(c: &mut Conn) -> Result<(), DbError> {
    let identities = c.query(
        "SELECT c.relname::text, a.attname::text FROM pg_attribute a
           JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0
            AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL",
        params![],
    )?;
    for r in identities {
        let (table, column) = (r.str(0)?, r.str(1)?);
        c.query(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
            ),
            &[],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_json() {
        for v in [
            Value::Null,
            Value::Int(-7),
            Value::Int(i64::MAX),
            Value::Float(113.3),
            Value::Float(40.0),
            Value::Text("大同市 \"\\\n".into()),
            Value::Bool(true),
            Value::Bytes(vec![0, 255, 10]),
        ] {
            let text = to_json(&v).to_string();
            let back = from_json(serde_json::from_str(&text).unwrap()).unwrap();
            assert_eq!(back, v, "{text}");
        }
        assert!(from_json(json!({ "x": 1 })).is_err());
        assert!(from_json(json!([1])).is_err());
    }
}
