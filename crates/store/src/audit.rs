//! The append-only, hash-chained audit log.
//!
//! Each row's hash is SM3 (GB/T 32905) over the row's content and the previous row's hash;
//! `audit_head` holds the last sequence number and hash. `verify` walks the chain: an edited
//! row fails its own hash, an inserted or deleted row breaks the sequence or the link, and a
//! cut-off tail disagrees with the head.
//!
//! Anyone who can write the database could rewrite rows and chain them again, or cut the
//! tail and move the head. So a deployment keeps an audit key apart from the database
//! (like the data key): from the first opening with it, each row's hash is HMAC-SM3 under
//! that key, which no one without it can forge; and `checkpoint` writes signed heads to a
//! file kept elsewhere, which `verify_checkpoints` holds the log to, so a cut tail or a
//! chain rebuilt from before the key shows.
//! Architecture invariant: a write and its audit row commit in the same transaction.

use crate::db::{Conn, DbResult, Value};
use crate::params;
use hmac::{Hmac, Mac};
use serde_json::Value as Json;
use sm3::{Digest, Sm3};
use std::fmt;
use std::str::FromStr;

/// The deployment's audit key: 32 bytes, given as 64 hex digits. Never printed.
#[derive(Clone)]
pub struct AuditKey(Hmac<Sm3>);

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuditKey(…)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an audit key is 64 hexadecimal digits (32 bytes)")]
pub struct AuditKeyError;

impl FromStr for AuditKey {
    type Err = AuditKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = hex::decode(s.trim()).map_err(|_| AuditKeyError)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| AuditKeyError)?;
        Ok(AuditKey(
            <Hmac<Sm3> as hmac::KeyInit>::new_from_slice(&key).expect("any length"),
        ))
    }
}

impl AuditKey {
    /// A fresh random key, as 64 hex digits.
    pub fn generate() -> String {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the system's random source");
        hex::encode(key)
    }

    fn mac(&self, text: &str) -> String {
        let mut m = self.0.clone();
        m.update(text.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }
}

/// What `audit_key.check_value` signs: proof at opening that the key is the database's.
const CHECK: &str = "datong audit key";

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

/// A row's hash: HMAC-SM3 under the audit key for rows from `keyed_from` on, SM3 before.
#[allow(clippy::too_many_arguments)]
fn row_hash(
    key: Option<&AuditKey>,
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
    match key {
        Some(k) => k.mac(&canonical),
        None => hex::encode(Sm3::digest(canonical.as_bytes())),
    }
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

/// The audit chain's length: it grows with every write, so it names the state of the
/// database that a read saw (see `datong_http::memo`).
pub fn generation(conn: &mut Conn) -> DbResult<i64> {
    conn.query_one("SELECT seq FROM audit_head WHERE id = 1", params![])?
        .i64(0)
}

/// The last entry recorded against the places — the territory tree and its outlines
/// (`territory`; the demo records its whole city as `city`) — or 0: it moves only with a
/// write to them. The condition is written as the partial index `audit_log_places` is, so
/// both engines read it from there.
pub fn last_write_to_places(conn: &mut Conn) -> DbResult<i64> {
    conn.query_one(
        "SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE entity IN ('territory', 'city')",
        params![],
    )?
    .i64(0)
}

/// Appends one entry. Call inside the transaction of the write it records.
pub fn append(conn: &mut Conn, actor: &Actor, e: Entry<'_>) -> DbResult<()> {
    append_all(conn, actor, std::slice::from_ref(&e))
}

/// Appends `entries` in order, as [`append`] would one by one, in three statements
/// whatever their number: a write that records many entries at once (the overdue scan, one
/// per task and step) would otherwise wait on three round trips an entry in PostgreSQL.
pub fn append_all(conn: &mut Conn, actor: &Actor, entries: &[Entry<'_>]) -> DbResult<()> {
    let n = i64::try_from(entries.len()).expect("fewer entries than i64::MAX");
    if n == 0 {
        return Ok(());
    }
    // The UPDATE takes the head's row lock in PostgreSQL (SQLite's write lock is already
    // held), so concurrent writers are chained one after another.
    let head = conn.query_one(
        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash",
        params![n],
    )?;
    let (last, mut prev) = (head.i64(0)?, head.str(1)?);
    let mut rows: Vec<[Value; 10]> = Vec::with_capacity(entries.len());
    for (seq, e) in (last - n + 1..).zip(entries) {
        let before = e.before.map(Json::to_string);
        let after = e.after.map(Json::to_string);
        let hash = row_hash(
            conn.audit_key(),
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
        rows.push([
            seq.into(),
            actor.at.as_str().into(),
            actor.login.as_str().into(),
            e.action.into(),
            e.entity.into(),
            e.entity_id.into(),
            before.into(),
            after.into(),
            std::mem::replace(&mut prev, hash.clone()).into(),
            hash.into(),
        ]);
    }
    if let [row] = &rows[..] {
        // One entry, the common case: a plain INSERT is one round trip, a COPY two.
        conn.execute(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            row,
        )?;
    } else {
        conn.bulk_insert(
            "audit_log",
            &[
                "seq",
                "at",
                "actor",
                "action",
                "entity",
                "entity_id",
                "before",
                "after",
                "prev_hash",
                "hash",
            ],
            rows.iter().map(|r| &r[..]),
        )?;
    }
    conn.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        params![prev],
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub rows: i64,
    pub problems: Vec<String>,
}

/// Walks the whole chain and reports every break. Rows from the keyed sequence on are
/// checked under the connection's audit key.
pub fn verify(conn: &mut Conn) -> DbResult<Verification> {
    let keyed_from = keyed_from(conn)?;
    let key = conn.audit_key().cloned();
    let mut problems = Vec::new();
    if keyed_from.is_some() && key.is_none() {
        problems.push(
            "the log is signed with an audit key, and none was given: set DATONG_AUDIT_KEY"
                .to_owned(),
        );
    }
    let rows = conn.query(
        "SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash FROM audit_log ORDER BY seq",
        params![],
    )?;
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
        let keyed = keyed_from.is_some_and(|k| seq >= k);
        let hash = row_hash(
            if keyed { key.as_ref() } else { None },
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
        // A signed row without the key cannot be checked; that was reported once above.
        let checkable = !keyed || key.is_some();
        if checkable && hash != stored {
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

/// The first sequence number signed under the audit key, if the log is keyed. A schema
/// from before keys (an older backup being restored) has no key.
fn keyed_from(conn: &mut Conn) -> DbResult<Option<i64>> {
    let keyable = conn
        .query_opt(
            "SELECT 1 FROM schema_migration WHERE name = '0011_audit_key'",
            params![],
        )?
        .is_some();
    if !keyable {
        return Ok(None);
    }
    conn.query_opt("SELECT keyed_from FROM audit_key WHERE id = 1", params![])?
        .map(|r| r.i64(0))
        .transpose()
}

/// Checks the connection's audit key against the database's: a log signed once refuses
/// to be opened without its key; the first opening with a key signs the chain from the
/// next row on, and records that it did.
pub fn check_and_key(conn: &mut Conn) -> Result<(), crate::seal::OpenError> {
    use crate::seal::OpenError;
    conn.tx(|c| {
        let stored = c
            .query_opt("SELECT check_value FROM audit_key WHERE id = 1", params![])?
            .map(|r| r.str(0))
            .transpose()?;
        let Some(key) = c.audit_key().cloned() else {
            return match stored {
                Some(_) => Err(OpenError::AuditKeyMissing),
                None => Ok(()),
            };
        };
        match stored {
            Some(check) if check == key.mac(CHECK) => Ok(()),
            Some(_) => Err(OpenError::AuditKeyWrong),
            None => {
                let next = c
                    .query_one("SELECT seq FROM audit_head WHERE id = 1", params![])?
                    .i64(0)?
                    + 1;
                c.execute(
                    "INSERT INTO audit_key (id, check_value, keyed_from) VALUES (1, $1, $2)",
                    params![key.mac(CHECK), next],
                )?;
                let actor = Actor {
                    login: "system".into(),
                    at: timestamp(chrono::Utc::now()),
                };
                let after = serde_json::json!({ "keyed_from": next });
                append(
                    c,
                    &actor,
                    Entry {
                        action: "sign",
                        entity: "audit_log",
                        entity_id: "audit_key",
                        before: None,
                        after: Some(&after),
                    },
                )?;
                Ok(())
            }
        }
    })
}

/// A signed head of the chain, written to a file kept apart from the database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub keyed_from: i64,
    pub at: String,
    pub mac: String,
}

impl Checkpoint {
    fn signed_text(&self) -> String {
        serde_json::json!([self.seq, self.hash, self.keyed_from, self.at]).to_string()
    }
}

/// Why a checkpoint could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoints are signed with the audit key: set DATONG_AUDIT_KEY")]
    NoKey,
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// The chain's head now, signed with the audit key.
pub fn checkpoint(conn: &mut Conn, at: &str) -> Result<Checkpoint, CheckpointError> {
    let key = conn.audit_key().cloned().ok_or(CheckpointError::NoKey)?;
    let keyed_from = keyed_from(conn)?.ok_or(CheckpointError::NoKey)?;
    let head = conn.query_one("SELECT seq, hash FROM audit_head WHERE id = 1", params![])?;
    let mut cp = Checkpoint {
        seq: head.i64(0)?,
        hash: head.str(1)?,
        keyed_from,
        at: at.to_owned(),
        mac: String::new(),
    };
    cp.mac = key.mac(&cp.signed_text());
    Ok(cp)
}

/// Holds the log to checkpoints taken earlier (one JSON object a line): each must carry
/// the key's signature, name a row the log still has with the same hash, and agree on
/// where the signing began. Returns the problems, one a line of the file at fault.
pub fn verify_checkpoints(conn: &mut Conn, lines: &str) -> DbResult<Vec<String>> {
    let mut problems = Vec::new();
    let Some(key) = conn.audit_key().cloned() else {
        problems
            .push("checkpoints are checked with the audit key: set DATONG_AUDIT_KEY".to_owned());
        return Ok(problems);
    };
    let keyed_from = keyed_from(conn)?;
    for (i, line) in lines
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let n = i + 1;
        let Ok(cp) = serde_json::from_str::<Checkpoint>(line) else {
            problems.push(format!("checkpoint line {n}: not a checkpoint"));
            continue;
        };
        if key.mac(&cp.signed_text()) != cp.mac {
            problems.push(format!(
                "checkpoint line {n}: its signature does not verify under this audit key"
            ));
            continue;
        }
        if keyed_from != Some(cp.keyed_from) {
            problems.push(format!(
                "checkpoint line {n}: the log was signed from row {}, and now says {:?} (the chain was rebuilt)",
                cp.keyed_from, keyed_from
            ));
        }
        match conn.query_opt("SELECT hash FROM audit_log WHERE seq = $1", params![cp.seq])? {
            None => problems.push(format!(
                "checkpoint line {n}: row {} is gone (the tail was cut off)",
                cp.seq
            )),
            Some(r) if r.str(0)? != cp.hash => problems.push(format!(
                "checkpoint line {n}: row {} is not the row signed at {} (the chain was rewritten)",
                cp.seq, cp.at
            )),
            Some(_) => {}
        }
    }
    Ok(problems)
}
