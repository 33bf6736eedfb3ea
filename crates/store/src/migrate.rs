//! Schema migrations, one ordered list per engine with the same names in both.

use crate::db::{Conn, DbResult, Engine};
use crate::params;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
    /// A data step run after the DDL in the same transaction, for what SQL cannot compute.
    data: Option<fn(&mut Conn) -> DbResult<()>>,
}

macro_rules! migration {
    ($version:expr, $name:literal) => {
        migration!($version, $name, None)
    };
    ($version:expr, $name:literal, $data:expr) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
            data: $data,
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "0001_core"),
    migration!(2, "0002_demo"),
    migration!(3, "0003_initials", Some(fill_initials)),
    migration!(4, "0004_social_workers"),
    migration!(5, "0005_duties"),
    migration!(6, "0006_projects"),
    migration!(7, "0007_streets"),
    migration!(8, "0008_requests"),
    migration!(9, "0009_sealed"),
    migration!(10, "0010_accounts"),
    migration!(11, "0011_audit_key"),
    migration!(12, "0012_history"),
    migration!(13, "0013_centre_keeper"),
    migration!(14, "0014_kind_counters", Some(recount)),
    migration!(15, "0015_holders"),
    migration!(16, "0016_task_work"),
    migration!(17, "0017_task_pleas"),
    migration!(18, "0018_agenda_index"),
    migration!(19, "0019_audit_places"),
    migration!(20, "0020_open_requests"),
];

/// Counts the territories again by kind (before 0014 they counted by level alone).
fn recount(conn: &mut Conn) -> DbResult<()> {
    crate::rollup::rebuild(conn).map(|_| ())
}

/// Gives the territories written before 0003 their pinyin initials.
fn fill_initials(conn: &mut Conn) -> DbResult<()> {
    let rows = conn.query(
        "SELECT code, name FROM territory WHERE initials = ''",
        params![],
    )?;
    for r in rows {
        let (code, name) = (r.str(0)?, r.str(1)?);
        conn.execute(
            "UPDATE territory SET initials = $1 WHERE code = $2",
            params![datong_domain::initials::initials(&name), code],
        )?;
    }
    Ok(())
}

/// The names of the migrations applied, in order: the schema a backup was taken from.
pub fn applied(conn: &mut Conn) -> DbResult<Vec<String>> {
    conn.query(
        "SELECT name FROM schema_migration ORDER BY version",
        params![],
    )?
    .iter()
    .map(|r| r.str(0))
    .collect()
}

/// Every migration this version knows, in order.
pub fn known() -> Vec<&'static str> {
    MIGRATIONS.iter().map(|m| m.name).collect()
}

/// Brings the schema up to date; each migration runs in its own transaction.
pub fn run(conn: &mut Conn) -> DbResult<()> {
    run_through(conn, MIGRATIONS.len())
}

/// Applies the first `count` migrations that are not applied yet: the schema an older
/// backup was taken on, before it is restored and brought up to date.
pub fn run_through(conn: &mut Conn, count: usize) -> DbResult<()> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migration (
            version BIGINT PRIMARY KEY,
            name    TEXT NOT NULL
        )",
    )?;
    for m in &MIGRATIONS[..count.min(MIGRATIONS.len())] {
        let done = conn
            .query_opt(
                "SELECT version FROM schema_migration WHERE version = $1",
                params![m.version],
            )?
            .is_some();
        if done {
            continue;
        }
        let sql = match conn.engine() {
            Engine::Sqlite => m.sqlite,
            Engine::Postgres => m.postgres,
        };
        conn.tx(|c| {
            c.batch(sql)?;
            if let Some(data) = m.data {
                data(c)?;
            }
            c.execute(
                "INSERT INTO schema_migration (version, name) VALUES ($1, $2)",
                params![m.version, m.name],
            )?;
            Ok::<_, crate::db::DbError>(())
        })?;
        tracing::info!(migration = m.name, "applied");
    }
    Ok(())
}
