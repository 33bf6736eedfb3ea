//! Datong's storage: one SQL dialect over SQLite and PostgreSQL.
//!
//! Repositories (`territory`, `org`, `member`, `unit`, `account`) take a [`access::Caller`]
//! and filter every read to its scope through [`sql::Sql::and_in_scope`]; every write runs
//! in one transaction with its roll-up deltas and its audit row.

pub mod access;
pub mod account;
pub mod audit;
pub mod backup;
pub mod db;
pub mod duty;
pub mod error;
pub mod import;
pub mod job;
pub mod member;
pub mod migrate;
pub mod org;
pub mod request;
pub mod rollup;
pub mod sql;
pub mod street;
pub mod territory;
pub mod unit;

pub use db::{Conn, Db, DbError, Engine};
pub use error::{StoreError, StoreResult};

/// Opens a database and brings its schema up to date.
pub fn open(url: &str) -> Result<Db, DbError> {
    let db = Db::open(url)?;
    migrate::run(&mut *db.get()?)?;
    Ok(db)
}
