//! The append-only, hash-chained audit log.
//!
//! Each row's hash is SM3 (GB/T 32905) over the row's content and the previous row's hash;
//! `audit_head` holds the last sequence number and hash. `verify` walks the chain: an edited
//! row fails its own hash, an inserted or deleted row breaks the sequence or the link, and a
//! cut-off tail disagrees with the head.
//! Architecture invariant: a write and its audit row commit in the same transaction.

use crate::db::{Conn, DbResult};
use crate::params;
use serde_json::Value as Json;
use sm3::{Digest, Sm3};

/// Who did it and when, for every write.
#[derive(Debug, Clone)]
pub struct Actor {
    pub login: String,
    pub at: String,
}

/// How every recorded time is written (`Actor::at`, sessions, jobs): RFC 3339 UTC with
/// microseconds, which sorts as text in both engines.
pub fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub struct Entry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a Json>,
    pub after: Option<&'a Json>,
}

#[allow(clippy::too_many_arguments)]
fn row_hash(
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&str>,
    after: Option<&str>,
    prev: &str,
) -> String {
    // A JSON array is an unambiguous encoding of the fields, separators included.
    let canonical = serde_json::json!([
        seq, at, actor, action, entity, entity_id, before, after, prev
    ])
    .to_string();
    hex::encode(Sm3::digest(canonical.as_bytes()))
}

/// Appends an entry with no earlier state to show (a creation, a step taken), `after`
/// being anything serialisable. Call inside the transaction of the write it records.
pub fn record<T: serde::Serialize>(
    conn: &mut Conn,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: i64,
    after: &T,
) -> DbResult<()> {
    append(
        conn,
        actor,
        Entry {
            action,
            entity,
            entity_id: &entity_id.to_string(),
            before: None,
            after: Some(&serde_json::to_value(after).expect("a plain value")),
        },
    )
}

/// Appends one entry. Call inside the transaction of the write it records.
pub fn append(conn: &mut Conn, actor: &Actor, e: Entry<'_>) -> DbResult<()> {
    // The UPDATE takes the head's row lock in PostgreSQL (SQLite's write lock is already
    // held), so concurrent writers are chained one after another.
    let head = conn.query_one(
        "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
        params![],
    )?;
    let (seq, prev) = (head.i64(0)?, head.str(1)?);
    let before = e.before.map(Json::to_string);
    let after = e.after.map(Json::to_string);
    let hash = row_hash(
        seq,
        &actor.at,
        &actor.login,
        e.action,
        e.entity,
        e.entity_id,
        before.as_deref(),
        after.as_deref(),
        &prev,
    );
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        params![seq, &actor.at, &actor.login, e.action, e.entity, e.entity_id, before, after, prev, &hash],
    )?;
    conn.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        params![hash],
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub rows: i64,
    pub problems: Vec<String>,
}

/// Walks the whole chain and reports every break.
pub fn verify(conn: &mut Conn) -> DbResult<Verification> {
    let rows = conn.query(
        "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash FROM audit_log ORDER BY seq",
        params![],
    )?;
    let mut problems = Vec::new();
    let mut expected_seq = 1;
    let mut prev = String::new();
    for r in &rows {
        let seq = r.i64(0)?;
        if seq != expected_seq {
            problems.push(format!(
                "row {seq}: expected sequence {expected_seq} (a row was deleted or inserted)"
            ));
        }
        let stored_prev = r.str(8)?;
        if stored_prev != prev {
            problems.push(format!("row {seq}: link to the previous row is broken"));
        }
        let hash = row_hash(
            seq,
            &r.str(1)?,
            &r.str(2)?,
            &r.str(3)?,
            &r.str(4)?,
            &r.str(5)?,
            r.opt_str(6)?.as_deref(),
            r.opt_str(7)?.as_deref(),
            &stored_prev,
        );
        let stored = r.str(9)?;
        if hash != stored {
            problems.push(format!(
                "row {seq}: content does not match its hash (the row was edited)"
            ));
        }
        prev = stored;
        expected_seq = seq + 1;
    }
    let head = conn.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", params![])?;
    if head.i64(0)? != expected_seq - 1 || head.str(1)? != prev {
        problems.push(format!(
            "head says row {} but the log ends at row {} (rows were cut off or the head was changed)",
            head.i64(0)?,
            expected_seq - 1
        ));
    }
    Ok(Verification {
        rows: rows.len() as i64,
        problems,
    })
}
