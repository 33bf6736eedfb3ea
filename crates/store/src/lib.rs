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
pub mod org_tree;
pub mod request;
pub mod rollup;
pub mod seal;
pub mod sql;
pub mod street;
pub mod territory;
pub mod unit;
pub mod workbench;

pub use db::{Conn, Db, DbError, Engine, Keys};
pub use error::{StoreError, StoreResult};

/// Opens a database and brings its schema up to date, with no data key: nothing is
/// sealed, and a database whose personal data is sealed refuses to open.
pub fn open(url: &str) -> Result<Db, seal::OpenError> {
    open_with_key(url, None)
}

/// [`open_with_keys`] with a data key alone.
pub fn open_with_key(url: &str, data_key: Option<seal::DataKey>) -> Result<Db, seal::OpenError> {
    open_with_keys(
        url,
        Keys {
            data: data_key,
            audit: None,
        },
    )
}

/// Opens a database, brings its schema up to date and checks the keys against the
/// database's own: with a data key, what was stored before it is sealed now; with an
/// audit key, the chain is signed from here on.
pub fn open_with_keys(url: &str, keys: Keys) -> Result<Db, seal::OpenError> {
    let db = Db::open_with_keys(url, keys)?;
    let mut c = db.get()?;
    migrate::run(&mut c)?;
    // The chain is keyed first, so that what sealing records is signed like the rest.
    audit::check_and_key(&mut c)?;
    seal::check_and_seal(&mut c)?;
    drop(c);
    Ok(db)
}
