//! One SQL dialect over two engines.
//!
//! Queries are written once, in the common subset of SQLite and PostgreSQL, with `$1`-style
//! placeholders; for SQLite they are rewritten to `?1`. Values cross the boundary as
//! [`Value`], rows come back as [`Row`]. Connections are synchronous and pooled; the HTTP
//! layer runs them on blocking threads.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("database url not understood: {0}")]
    BadUrl(String),
    #[error("column {0}: {1}")]
    Decode(usize, &'static str),
    #[error("query returned no row")]
    NoRow,
    #[error("bulk load: {0}")]
    Io(#[from] std::io::Error),
}

impl DbError {
    /// True when the statement broke a UNIQUE or PRIMARY KEY constraint.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            }
            DbError::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

pub type DbResult<T> = Result<T, DbError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
    Bool(bool),
    /// A file's bytes (BLOB in SQLite, BYTEA in PostgreSQL).
    Bytes(Vec<u8>),
}

macro_rules! value_from {
    ($($t:ty => $arm:expr),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(v: $t) -> Value { ($arm)(v) }
        }
    )*};
}
value_from! {
    i64 => Value::Int,
    i32 => |v: i32| Value::Int(v.into()),
    u32 => |v: u32| Value::Int(v.into()),
    f64 => Value::Float,
    bool => Value::Bool,
    String => Value::Text,
    &str => |v: &str| Value::Text(v.to_owned()),
    &String => |v: &String| Value::Text(v.clone()),
    Vec<u8> => Value::Bytes,
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// A borrowed value, for loading many rows without an allocation per field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
    Bool(bool),
    Bytes(&'a [u8]),
}

/// What `bulk_insert` takes: owned `Value`s or borrowed `Cell`s.
pub trait AsCell {
    fn cell(&self) -> Cell<'_>;
}

impl AsCell for Value {
    fn cell(&self) -> Cell<'_> {
        match self {
            Value::Null => Cell::Null,
            Value::Int(v) => Cell::Int(*v),
            Value::Float(v) => Cell::Float(*v),
            Value::Text(s) => Cell::Text(s),
            Value::Bool(b) => Cell::Bool(*b),
            Value::Bytes(b) => Cell::Bytes(b),
        }
    }
}

impl AsCell for Cell<'_> {
    fn cell(&self) -> Cell<'_> {
        *self
    }
}

impl<'a> From<Option<&'a str>> for Cell<'a> {
    fn from(v: Option<&'a str>) -> Self {
        v.map_or(Cell::Null, Cell::Text)
    }
}

impl rusqlite::ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Cell::Null => ValueRef::Null,
            Cell::Int(v) => ValueRef::Integer(v),
            Cell::Float(v) => ValueRef::Real(v),
            Cell::Text(s) => ValueRef::Text(s.as_bytes()),
            Cell::Bool(b) => ValueRef::Integer(i64::from(b)),
            Cell::Bytes(b) => ValueRef::Blob(b),
        }))
    }
}

/// Builds a `&[Value]` from anything convertible: `params![code, name, 3]`.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Value::from($v)),*][..] };
}

/// One result row, read by column index.
#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    /// Every column's value, in the query's order.
    pub fn values(&self) -> &[Value] {
        &self.0
    }
    fn at(&self, i: usize) -> DbResult<&Value> {
        self.0.get(i).ok_or(DbError::Decode(i, "no such column"))
    }
    pub fn bytes(&self, i: usize) -> DbResult<Vec<u8>> {
        match self.at(i)? {
            Value::Bytes(b) => Ok(b.clone()),
            _ => Err(DbError::Decode(i, "expected bytes")),
        }
    }
    pub fn i64(&self, i: usize) -> DbResult<i64> {
        match self.at(i)? {
            Value::Int(v) => Ok(*v),
            Value::Bool(b) => Ok(i64::from(*b)),
            _ => Err(DbError::Decode(i, "expected an integer")),
        }
    }
    pub fn opt_i64(&self, i: usize) -> DbResult<Option<i64>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.i64(i).map(Some),
        }
    }
    pub fn f64(&self, i: usize) -> DbResult<f64> {
        match self.at(i)? {
            Value::Float(v) => Ok(*v),
            Value::Int(v) => Ok(*v as f64),
            _ => Err(DbError::Decode(i, "expected a number")),
        }
    }
    pub fn opt_f64(&self, i: usize) -> DbResult<Option<f64>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.f64(i).map(Some),
        }
    }
    pub fn str(&self, i: usize) -> DbResult<String> {
        match self.at(i)? {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(DbError::Decode(i, "expected text")),
        }
    }
    pub fn opt_str(&self, i: usize) -> DbResult<Option<String>> {
        match self.at(i)? {
            Value::Null => Ok(None),
            _ => self.str(i).map(Some),
        }
    }
    pub fn bool(&self, i: usize) -> DbResult<bool> {
        match self.at(i)? {
            Value::Bool(b) => Ok(*b),
            Value::Int(v) => Ok(*v != 0),
            _ => Err(DbError::Decode(i, "expected a boolean")),
        }
    }
}

/// Rewrites `$N` placeholders to SQLite's `?N`, leaving string literals alone. Runs on
/// every statement, so it works on bytes: `$`, `'` and digits are ASCII and never part of
/// a multi-byte character, so swapping one ASCII byte keeps the text valid UTF-8.
fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return sql.into();
    }
    let mut out = sql.as_bytes().to_vec();
    let mut in_str = false;
    for i in 0..out.len() {
        match out[i] {
            b'\'' => in_str = !in_str,
            b'$' if !in_str && out.get(i + 1).is_some_and(u8::is_ascii_digit) => out[i] = b'?',
            _ => {}
        }
    }
    String::from_utf8(out)
        .expect("an ASCII byte swapped for another")
        .into()
}

mod pg_value {
    use super::Value;
    use bytes::BytesMut;
    use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
    use std::error::Error;

    type BoxError = Box<dyn Error + Sync + Send>;

    impl ToSql for Value {
        fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
            match self {
                Value::Null => Ok(IsNull::Yes),
                Value::Int(v) => match *ty {
                    Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                    Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                    Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                    Type::TEXT | Type::VARCHAR => v.to_string().to_sql(ty, out),
                    Type::BOOL => (*v != 0).to_sql(ty, out),
                    _ => v.to_sql(ty, out),
                },
                Value::Float(v) => v.to_sql(ty, out),
                Value::Text(s) => s.to_sql(ty, out),
                Value::Bool(b) => b.to_sql(ty, out),
                Value::Bytes(b) => b.to_sql(ty, out),
            }
        }
        fn accepts(_: &Type) -> bool {
            true
        }
        to_sql_checked!();
    }

    pub fn row(r: &postgres::Row) -> Result<Vec<Value>, postgres::Error> {
        let mut out = Vec::with_capacity(r.len());
        for (i, col) in r.columns().iter().enumerate() {
            let v = match *col.type_() {
                Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
                Type::INT4 => r
                    .try_get::<_, Option<i32>>(i)?
                    .map(|v| Value::Int(v.into())),
                Type::INT2 => r
                    .try_get::<_, Option<i16>>(i)?
                    .map(|v| Value::Int(v.into())),
                Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Float),
                Type::FLOAT4 => r
                    .try_get::<_, Option<f32>>(i)?
                    .map(|v| Value::Float(v.into())),
                Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
                Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes),
                _ => r.try_get::<_, Option<String>>(i)?.map(Value::Text),
            };
            out.push(v.unwrap_or(Value::Null));
        }
        Ok(out)
    }
}

fn sqlite_row(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Vec<Value>> {
    use rusqlite::types::ValueRef;
    (0..n)
        .map(|i| {
            Ok(match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => Value::Float(v),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
            })
        })
        .collect()
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Float(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

/// A live connection to either engine.
pub enum Conn {
    Sqlite(SqliteConn),
    Postgres(Box<PgConn>),
}

/// The keys a deployment keeps apart from its database: the data key that seals ID and
/// phone numbers, and the audit key that signs the audit chain. Either may be absent
/// (the demo, tests); a database that used one refuses to open without it.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub data: Option<crate::seal::DataKey>,
    pub audit: Option<crate::audit::AuditKey>,
}

/// An SQLite connection and the keys of its pool.
pub struct SqliteConn {
    conn: rusqlite::Connection,
    keys: Arc<Keys>,
}

impl std::ops::Deref for SqliteConn {
    type Target = rusqlite::Connection;
    fn deref(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for SqliteConn {
    fn deref_mut(&mut self) -> &mut rusqlite::Connection {
        &mut self.conn
    }
}

/// A PostgreSQL client, how deep in [`Conn::tx`] it is (SQLite says so itself), and its
/// prepared statements.
pub struct PgConn {
    client: postgres::Client,
    depth: u32,
    /// By SQL text: each statement is parsed once a connection, not at every call, which
    /// was most of a short query's time (planning a five-table read took 0.5 ms warm).
    statements: std::collections::HashMap<String, postgres::Statement>,
    keys: Arc<Keys>,
}

/// Past this many texts (dynamic SQL: IN lists of every length) the cache starts over.
const MAX_STATEMENTS: usize = 512;

impl PgConn {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        if self.statements.len() >= MAX_STATEMENTS {
            self.statements.clear();
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// Runs `f` with the statement for `sql`; a statement that failed is prepared afresh
    /// next time. A schema change since it was prepared ("cached plan must not change
    /// result type") is retried at once outside a transaction; inside one the transaction
    /// is already aborted, and the error goes to its caller.
    fn with_statement<T>(
        &mut self,
        sql: &str,
        f: impl Fn(&mut postgres::Client, &postgres::Statement) -> Result<T, postgres::Error>,
    ) -> Result<T, postgres::Error> {
        let st = self.statement(sql)?;
        let out = f(&mut self.client, &st);
        if let Err(e) = &out {
            self.statements.remove(sql);
            let stale = e.code() == Some(&postgres::error::SqlState::FEATURE_NOT_SUPPORTED);
            if stale && self.depth == 0 {
                let st = self.statement(sql)?;
                return f(&mut self.client, &st);
            }
        }
        out
    }
}

impl std::ops::Deref for PgConn {
    type Target = postgres::Client;
    fn deref(&self) -> &postgres::Client {
        &self.client
    }
}

impl std::ops::DerefMut for PgConn {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

impl Conn {
    /// The key personal data is sealed with, if the deployment set one.
    pub fn data_key(&self) -> Option<&crate::seal::DataKey> {
        self.keys().data.as_ref()
    }

    /// The key the audit chain is signed with, if the deployment set one.
    pub fn audit_key(&self) -> Option<&crate::audit::AuditKey> {
        self.keys().audit.as_ref()
    }

    fn keys(&self) -> &Keys {
        match self {
            Conn::Sqlite(c) => &c.keys,
            Conn::Postgres(c) => &c.keys,
        }
    }

    pub fn engine(&self) -> Engine {
        match self {
            Conn::Sqlite(_) => Engine::Sqlite,
            Conn::Postgres(_) => Engine::Postgres,
        }
    }

    pub fn execute(&mut self, sql: &str, params: &[Value]) -> DbResult<u64> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(&sqlite_sql(sql))?;
                Ok(st.execute(rusqlite::params_from_iter(params))? as u64)
            }
            Conn::Postgres(c) => {
                let p: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                    .iter()
                    .map(|v| v as &(dyn postgres::types::ToSql + Sync))
                    .collect();
                Ok(c.with_statement(sql, |client, st| client.execute(st, &p))?)
            }
        }
    }

    pub fn query(&mut self, sql: &str, params: &[Value]) -> DbResult<Vec<Row>> {
        match self {
            Conn::Sqlite(c) => {
                let mut st = c.prepare_cached(&sqlite_sql(sql))?;
                // Counted per row: a cached statement re-prepared after a schema change
                // may have more columns than when it was fetched from the cache.
                let rows = st.query_map(rusqlite::params_from_iter(params), |r| {
                    sqlite_row(r, r.as_ref().column_count())
                })?;
                Ok(rows.map(|r| r.map(Row)).collect::<Result<_, _>>()?)
            }
            Conn::Postgres(c) => {
                let p: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                    .iter()
                    .map(|v| v as &(dyn postgres::types::ToSql + Sync))
                    .collect();
                c.with_statement(sql, |client, st| client.query(st, &p))?
                    .iter()
                    .map(|r| Ok(Row(pg_value::row(r)?)))
                    .collect()
            }
        }
    }

    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> DbResult<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> DbResult<Row> {
        self.query_opt(sql, params)?.ok_or(DbError::NoRow)
    }

    /// Runs several statements with no parameters (migrations, pragmas).
    pub fn batch(&mut self, sql: &str) -> DbResult<()> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(c) => Ok(c.batch_execute(sql)?),
        }
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise,
    /// so a failed request leaves no trace. SQLite takes the write lock up front
    /// (`BEGIN IMMEDIATE`) so two writers queue instead of deadlocking on upgrade.
    pub fn tx<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        // Inside another transaction this one is a savepoint: it commits with the outer
        // one, and its failure undoes only its own writes.
        let nested = match self {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Postgres(c) => c.depth > 0,
        };
        let (begin, commit, rollback): (&str, &str, &[&str]) = match (nested, self.engine()) {
            (true, _) => (
                "SAVEPOINT nested",
                "RELEASE SAVEPOINT nested",
                &["ROLLBACK TO SAVEPOINT nested", "RELEASE SAVEPOINT nested"],
            ),
            (false, Engine::Sqlite) => ("BEGIN IMMEDIATE", "COMMIT", &["ROLLBACK"]),
            (false, Engine::Postgres) => ("BEGIN", "COMMIT", &["ROLLBACK"]),
        };
        self.within(begin, commit, rollback, f)
    }

    /// Runs `f` between `begin` and `commit`, or `rollback` when it fails.
    fn within<T, E: From<DbError>>(
        &mut self,
        begin: &str,
        commit: &str,
        rollback: &[&str],
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        self.control(begin)?;
        self.deepen(1);
        let out = f(self);
        self.deepen(-1);
        match out {
            Ok(v) => {
                self.control(commit)?;
                Ok(v)
            }
            Err(e) => {
                // The original error is what the caller needs; a failed rollback on a broken
                // connection gets the connection discarded by the pool.
                let _ = rollback.iter().try_for_each(|sql| self.control(sql));
                Err(e)
            }
        }
    }

    /// Runs one transaction-control statement. SQLite keeps it prepared, as it runs around
    /// every write (a savepoint per step inside a batch); parsing it each time cost a tenth
    /// of the demo build.
    fn control(&mut self, sql: &str) -> DbResult<()> {
        match self {
            Conn::Sqlite(c) => {
                c.prepare_cached(sql)?.execute([])?;
                Ok(())
            }
            Conn::Postgres(c) => Ok(c.batch_execute(sql)?),
        }
    }

    /// Runs `f` in a read-only transaction that sees one state of the whole database while
    /// writers go on: a deferred `BEGIN` in SQLite (a WAL reader keeps its snapshot; `tx`
    /// would take the write lock), repeatable read in PostgreSQL.
    pub fn snapshot<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        let begin = match self.engine() {
            Engine::Sqlite => "BEGIN DEFERRED",
            Engine::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        };
        self.within(begin, "COMMIT", &["ROLLBACK"], f)
    }

    fn deepen(&mut self, by: i32) {
        if let Conn::Postgres(c) = self {
            c.depth = c.depth.saturating_add_signed(by);
        }
    }

    /// Runs `f` with the secondary index `index` dropped, then builds it again from the
    /// definition the catalog held, so the schema stays the migrations' own. Building an
    /// index once over sorted keys costs far less than keeping it up row by row: for a
    /// load that at least doubles a table (PostgreSQL: the nation's 665,276 divisions,
    /// 3.3 s with the index kept, 2.0 s rebuilt). Call inside a transaction; the table is
    /// locked against readers until it commits on PostgreSQL.
    pub fn rebuilding_index<T, E: From<DbError>>(
        &mut self,
        index: &str,
        f: impl FnOnce(&mut Conn) -> Result<T, E>,
    ) -> Result<T, E> {
        let definition = match self.engine() {
            Engine::Sqlite => "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1",
            Engine::Postgres => {
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1"
            }
        };
        let definition = self.query_one(definition, params![index])?.str(0)?;
        self.batch(&format!("DROP INDEX {index}"))?;
        let v = f(self)?;
        self.batch(&definition)?;
        Ok(v)
    }

    /// Loads many rows into one table: a prepared statement in SQLite, `COPY` in
    /// PostgreSQL. Call inside a transaction.
    /// Rows may be made as they are taken (arrays of `Cell`s borrowing the caller's data),
    /// so a large load never holds them all at once.
    pub fn bulk_insert<C: AsCell, R: AsRef<[C]>>(
        &mut self,
        table: &str,
        columns: &[&str],
        rows: impl Iterator<Item = R>,
    ) -> DbResult<u64> {
        match self {
            Conn::Sqlite(c) => {
                let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    marks.join(", ")
                );
                let mut st = c.prepare_cached(&sql)?;
                let mut n = 0;
                for r in rows {
                    st.execute(rusqlite::params_from_iter(
                        r.as_ref().iter().map(AsCell::cell),
                    ))?;
                    n += 1;
                }
                Ok(n)
            }
            Conn::Postgres(c) => {
                use std::io::Write;
                let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
                let mut w = c.copy_in(&sql)?;
                let mut buf = Vec::with_capacity(1 << 16);
                for r in rows {
                    copy_text_row(&mut buf, r.as_ref());
                    if buf.len() > 1 << 16 {
                        w.write_all(&buf)?;
                        buf.clear();
                    }
                }
                w.write_all(&buf)?;
                Ok(w.finish()?)
            }
        }
    }
}

/// A table this transaction holds against every other writer, taken before it touched
/// any of the table's rows: made only by [`Conn::lock_for_bulk`].
#[derive(Debug)]
pub struct BulkLock {
    table: String,
}

impl Conn {
    /// Locks `table` against every other writer until this transaction ends (PostgreSQL;
    /// a SQLite write transaction holds the whole database already). Take it first in the
    /// transaction, before touching any of its rows, so no writer can be waiting on a row
    /// of ours while we wait for the table: then it cannot deadlock.
    pub fn lock_for_bulk(&mut self, table: &str) -> DbResult<BulkLock> {
        if let Conn::Postgres(_) = self {
            self.batch(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))?;
        }
        Ok(BulkLock {
            table: table.to_owned(),
        })
    }

    /// [`Conn::bulk_add`] under a [`BulkLock`]: with no other writer possible, PostgreSQL
    /// updates the rows that exist and plainly inserts the new ones from the staged rows,
    /// without `ON CONFLICT`'s speculative insertion (about 40% of an upsert's cost).
    pub fn bulk_add_locked(
        &mut self,
        lock: &BulkLock,
        columns: &[&str],
        rows: &[Vec<Value>],
    ) -> DbResult<()> {
        let table = lock.table.as_str();
        if matches!(self, Conn::Sqlite(_)) || rows.len() < BULK_ADD_ONE_STATEMENT {
            return self.bulk_add(table, columns, rows);
        }
        let (add, keys) = columns.split_last().expect("a key and a value column");
        let staging = self.stage(table, columns, rows)?;
        let matches: Vec<String> = keys.iter().map(|k| format!("t.{k} = s.{k}")).collect();
        let matches = matches.join(" AND ");
        self.batch(&format!(
            "UPDATE {table} t SET {add} = t.{add} + s.{add} FROM {staging} s WHERE {matches};
             INSERT INTO {table} ({cols}) SELECT {cols} FROM {staging} s
              WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {matches}) ORDER BY ord",
            cols = columns.join(", "),
        ))
    }

    /// Copies `rows` into this session's staging table for `table` (emptied first, and
    /// at commit), numbered in the order given; returns its name.
    fn stage(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<String> {
        let staging = format!("bulk_{table}");
        self.batch(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS {staging} (LIKE {table}, ord BIGINT GENERATED ALWAYS AS IDENTITY) ON COMMIT DELETE ROWS;
             DELETE FROM {staging};"
        ))?;
        self.bulk_insert(&staging, columns, rows.iter().map(Vec::as_slice))?;
        Ok(staging)
    }
}

/// Fewer rows than this go to PostgreSQL in one multi-row statement, not staged.
const BULK_ADD_ONE_STATEMENT: usize = 64;

impl Conn {
    /// Adds each row's last column onto the stored row with the same key (the other
    /// columns), inserting the rows that are new. Rows are applied in the order given, so
    /// callers that always give keys in one order never deadlock each other. No key may
    /// come twice: one statement may not update a row twice. PostgreSQL takes a few rows
    /// in one multi-row statement, and many in one `COPY` to a session temp table and one
    /// `INSERT … SELECT`, instead of a round trip a row.
    pub fn bulk_add(&mut self, table: &str, columns: &[&str], rows: &[Vec<Value>]) -> DbResult<()> {
        let (add, keys) = columns.split_last().expect("a key and a value column");
        let upsert = format!(
            "INSERT INTO {table} ({cols}) {{}} ON CONFLICT ({keys}) DO UPDATE SET {add} = {table}.{add} + excluded.{add}",
            cols = columns.join(", "),
            keys = keys.join(", "),
        );
        let values = |rows: usize| {
            let tuples: Vec<String> = (0..rows)
                .map(|r| {
                    let marks: Vec<String> = (1..=columns.len())
                        .map(|i| format!("${}", r * columns.len() + i))
                        .collect();
                    format!("({})", marks.join(", "))
                })
                .collect();
            upsert.replace("{}", &format!("VALUES {}", tuples.join(", ")))
        };
        if rows.is_empty() {
            return Ok(());
        }
        if matches!(self, Conn::Sqlite(_)) {
            // In process, a statement a row costs no round trip and one cached plan.
            let sql = values(1);
            for r in rows {
                self.execute(&sql, r)?;
            }
            return Ok(());
        }
        if rows.len() < BULK_ADD_ONE_STATEMENT {
            let params: Vec<Value> = rows.iter().flatten().cloned().collect();
            return self.execute(&values(rows.len()), &params).map(drop);
        }
        let staging = self.stage(table, columns, rows)?;
        let select = format!("SELECT {} FROM {staging} ORDER BY ord", columns.join(", "));
        self.batch(&upsert.replace("{}", &select))
    }
}

impl Conn {
    /// After rows went in with explicit ids: moves PostgreSQL's identity sequence past
    /// them (SQLite takes the next rowid from the table itself).
    pub fn sync_id_sequence(&mut self, table: &str) -> DbResult<()> {
        if let Conn::Postgres(_) = self {
            self.batch(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))?;
        }
        Ok(())
    }
}

/// One row in COPY's text format: tab-separated, `\N` for NULL, backslash escapes.
fn copy_text_row(buf: &mut Vec<u8>, row: &[impl AsCell]) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            buf.push(b'\t');
        }
        match v.cell() {
            Cell::Null => buf.extend_from_slice(b"\\N"),
            Cell::Int(n) => buf.extend_from_slice(n.to_string().as_bytes()),
            Cell::Float(f) => buf.extend_from_slice(f.to_string().as_bytes()),
            Cell::Bool(b) => buf.extend_from_slice(if b { b"t" } else { b"f" }),
            // BYTEA's hex input form, its backslash doubled for COPY's text format.
            Cell::Bytes(b) => {
                buf.extend_from_slice(b"\\\\x");
                buf.extend_from_slice(hex::encode(b).as_bytes());
            }
            Cell::Text(s) => {
                for &b in s.as_bytes() {
                    match b {
                        b'\\' => buf.extend_from_slice(b"\\\\"),
                        b'\t' => buf.extend_from_slice(b"\\t"),
                        b'\n' => buf.extend_from_slice(b"\\n"),
                        b'\r' => buf.extend_from_slice(b"\\r"),
                        _ => buf.push(b),
                    }
                }
            }
        }
    }
    buf.push(b'\n');
}

struct PoolState {
    idle: VecDeque<Conn>,
    open: usize,
}

struct PoolInner {
    url: String,
    keys: Arc<Keys>,
    engine: Engine,
    max: usize,
    state: Mutex<PoolState>,
    freed: Condvar,
}

/// Closes connections on a thread of their own: the synchronous PostgreSQL client runs a
/// runtime to say goodbye, and that panics on an async runtime's thread, which is where the
/// last handle to a pool or a broken connection is often dropped.
fn close(conns: Vec<Conn>) {
    if conns.iter().any(|c| matches!(c, Conn::Postgres(_))) {
        let _ = std::thread::spawn(move || drop(conns)).join();
    }
}

impl Drop for PoolInner {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        close(st.idle.drain(..).collect());
    }
}

/// A small blocking connection pool. Cloning shares it.
#[derive(Clone)]
pub struct Db(Arc<PoolInner>);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        write!(f, "Db({})", self.0.engine.as_str())
    }
}

pub struct PooledConn {
    conn: Option<Conn>,
    pool: Db,
}

impl std::ops::Deref for PooledConn {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("present until drop")
    }
}

impl std::ops::DerefMut for PooledConn {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("present until drop")
    }
}

impl Drop for PooledConn {
    fn drop(&mut self) {
        let conn = self.conn.take().expect("present until drop");
        let healthy = match &conn {
            Conn::Sqlite(c) => c.is_autocommit(),
            // A connection dropped inside a transaction (a panic) is not reused.
            Conn::Postgres(c) => !c.is_closed() && c.depth == 0,
        };
        let mut st = self.pool.0.state.lock().unwrap_or_else(|e| e.into_inner());
        self.pool.0.freed.notify_one();
        if healthy {
            st.idle.push_back(conn);
        } else {
            st.open -= 1;
            drop(st);
            close(vec![conn]);
        }
    }
}

/// How long SQLite waits for another writer before reporting "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// Opens a pool. A `postgres://` or `postgresql://` URL selects PostgreSQL; anything
    /// else is an SQLite file path (`sqlite://` prefix optional).
    pub fn open(url: &str) -> DbResult<Db> {
        Db::open_with_keys(url, Keys::default())
    }

    /// [`Db::open`], its connections sealing personal data and signing the audit chain
    /// with `keys`.
    pub fn open_with_keys(url: &str, keys: Keys) -> DbResult<Db> {
        let engine = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Engine::Postgres
        } else {
            Engine::Sqlite
        };
        let max = match engine {
            Engine::Sqlite => 8,
            Engine::Postgres => 16,
        };
        let db = Db(Arc::new(PoolInner {
            url: url.to_owned(),
            keys: Arc::new(keys),
            engine,
            max,
            state: Mutex::new(PoolState {
                idle: VecDeque::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }));
        // Fail now, not on the first request, when the database cannot be reached.
        drop(db.get()?);
        Ok(db)
    }

    pub fn engine(&self) -> Engine {
        self.0.engine
    }

    fn connect(&self) -> DbResult<Conn> {
        match self.0.engine {
            Engine::Sqlite => {
                let path = self.0.url.strip_prefix("sqlite://").unwrap_or(&self.0.url);
                let c = rusqlite::Connection::open(path)?;
                c.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
                // WAL lets readers run beside the writer; synchronous=FULL makes every
                // acknowledged commit durable even across power loss, not just a crash.
                c.execute_batch(
                    "PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA cache_size = -65536;
                     PRAGMA temp_store = MEMORY;",
                )?;
                // One plan per statement, whatever is bound (QPSG): otherwise SQLite 3.54
                // marks statements whose estimates read a bound integer (`x = ?` as a
                // residual filter, LIMIT), and rusqlite's statement cache clears bindings
                // on every reuse, so each reuse re-prepared — a third of a workflow step's
                // time. See ARCHITECTURE.md, Decisions.
                c.set_db_config(
                    rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
                    true,
                )?;
                c.set_prepared_statement_cache_capacity(256);
                Ok(Conn::Sqlite(SqliteConn {
                    conn: c,
                    keys: self.0.keys.clone(),
                }))
            }
            Engine::Postgres => {
                let c = postgres::Client::connect(&self.0.url, postgres::NoTls)?;
                Ok(Conn::Postgres(Box::new(PgConn {
                    client: c,
                    depth: 0,
                    statements: std::collections::HashMap::new(),
                    keys: self.0.keys.clone(),
                })))
            }
        }
    }

    /// Takes a connection, waiting for one to be free when the pool is at its limit.
    pub fn get(&self) -> DbResult<PooledConn> {
        let mut st = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(conn) = st.idle.pop_front() {
                return Ok(PooledConn {
                    conn: Some(conn),
                    pool: self.clone(),
                });
            }
            if st.open < self.0.max {
                st.open += 1;
                drop(st);
                return match self.connect() {
                    Ok(conn) => Ok(PooledConn {
                        conn: Some(conn),
                        pool: self.clone(),
                    }),
                    Err(e) => {
                        self.0.state.lock().unwrap_or_else(|e| e.into_inner()).open -= 1;
                        Err(e)
                    }
                };
            }
            st = self.0.freed.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_strings() {
        assert_eq!(sqlite_sql("SELECT $1, '$2', $10"), "SELECT ?1, '$2', ?10");
        assert_eq!(sqlite_sql("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn copy_rows_escape() {
        let mut buf = Vec::new();
        copy_text_row(
            &mut buf,
            &[
                Value::Text("a\tb\\c".into()),
                Value::Null,
                Value::Int(3),
                Value::Bool(true),
            ],
        );
        assert_eq!(buf, b"a\\tb\\\\c\t\\N\t3\tt\n");
    }
}
