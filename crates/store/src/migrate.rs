//! Schema migrations, one ordered list per engine with the same names in both.

use crate::db::{Conn, DbResult, Engine};
use crate::params;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../migrations/sqlite/", $name, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $name, ".sql")),
        }
    };
}

const MIGRATIONS: &[Migration] = &[migration!(1, "0001_core"), migration!(2, "0002_demo")];

/// Brings the schema up to date; each migration runs in its own transaction.
pub fn run(conn: &mut Conn) -> DbResult<()> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migration (
            version BIGINT PRIMARY KEY,
            name    TEXT NOT NULL
        )",
    )?;
    for m in MIGRATIONS {
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
