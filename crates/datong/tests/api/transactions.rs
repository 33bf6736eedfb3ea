//! Transactions inside transactions are savepoints, on both engines: an inner failure
//! undoes only its own writes, and everything waits for the outermost commit. And kept
//! prepared statements follow a table that changed shape.

use crate::both;
use crate::helpers::TestApp;
use datong_store::{Conn, DbError, params};

fn numbers(c: &mut Conn) -> Vec<i64> {
    c.query("SELECT n FROM nested_probe ORDER BY n", params![])
        .unwrap()
        .iter()
        .map(|r| r.i64(0).unwrap())
        .collect()
}

fn put(c: &mut Conn, n: i64) -> Result<(), DbError> {
    c.execute("INSERT INTO nested_probe (n) VALUES ($1)", params![n])?;
    Ok(())
}

async fn a_nested_transaction_is_a_savepoint(app: TestApp) {
    app.with_db(|c| {
        c.batch("CREATE TABLE nested_probe (n INTEGER NOT NULL)")
            .unwrap();
        c.tx(|c| {
            put(c, 1)?;
            let failed: Result<(), DbError> = c.tx(|c| {
                put(c, 2)?;
                Err(DbError::NoRow)
            });
            assert!(failed.is_err());
            // A failed statement too (PostgreSQL would otherwise abort the whole block).
            let broken = c.tx(|c| c.execute("INSERT INTO no_such_table VALUES (1)", params![]));
            assert!(broken.is_err());
            c.tx(|c| put(c, 3))?;
            Ok::<_, DbError>(())
        })
        .unwrap();
        assert_eq!(
            numbers(c),
            [1, 3],
            "only the failed inner writes are undone"
        );

        let outer: Result<(), DbError> = c.tx(|c| {
            c.tx(|c| put(c, 4))?;
            Err(DbError::NoRow)
        });
        assert!(outer.is_err());
        assert_eq!(
            numbers(c),
            [1, 3],
            "a released savepoint goes with its outer rollback"
        );
        c.tx(|c| put(c, 5)).unwrap();
        assert_eq!(numbers(c), [1, 3, 5], "and the connection is usable after");
    });
}

both!(a_nested_transaction_is_a_savepoint);

/// A statement read again after its table changed shape sees the new shape (PostgreSQL
/// connections keep prepared statements; SQLite re-prepares by itself).
async fn a_changed_table_is_read_in_its_new_shape(app: TestApp) {
    app.with_db(|c| {
        c.batch("CREATE TABLE shape_probe (a INTEGER)").unwrap();
        c.execute("INSERT INTO shape_probe (a) VALUES (1)", params![])
            .unwrap();
        let read = |c: &mut Conn| c.query("SELECT * FROM shape_probe", params![]).unwrap();
        assert_eq!(read(c)[0].i64(0).unwrap(), 1);
        c.batch("ALTER TABLE shape_probe ADD COLUMN b INTEGER NOT NULL DEFAULT 2")
            .unwrap();
        assert_eq!(read(c)[0].i64(1).unwrap(), 2);
    });
}

both!(a_changed_table_is_read_in_its_new_shape);
