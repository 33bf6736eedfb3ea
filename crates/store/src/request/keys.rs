//! Open311 API keys: a client that files requests (a city's app, a hotline system) holds
//! one. Kept as SM3 hashes, like session and API tokens; the key itself is shown once.

use crate::access::Caller;
use crate::audit;
use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::params;
use sm3::Digest;

fn hash(key: &str) -> String {
    hex::encode(sm3::Sm3::digest(key.as_bytes()))
}

/// Issues a key labelled `label`; returns the key, which is not stored.
pub fn create(conn: &mut Conn, caller: &Caller, label: &str) -> StoreResult<String> {
    caller.may_set_city_wide()?;
    if label.trim().is_empty() || label.chars().count() > 100 {
        return Err(StoreError::invalid("label", "请写明用途（100 字以内）"));
    }
    let mut b = [0u8; 24];
    getrandom::fill(&mut b).expect("the OS random source works");
    let key = hex::encode(b);
    conn.tx(|c| {
        c.execute(
            "INSERT INTO open311_key (hash, label, created_by, created_at) VALUES ($1, $2, $3, $4)",
            params![
                hash(&key),
                label.trim(),
                &caller.actor.login,
                &caller.actor.at
            ],
        )?;
        audit::append(
            c,
            &caller.actor,
            audit::Entry {
                action: "create",
                entity: "open311_key",
                entity_id: label.trim(),
                before: None,
                after: None,
            },
        )?;
        Ok::<_, StoreError>(())
    })?;
    Ok(key)
}

/// The label of a key in use, if `key` is one.
pub fn check(conn: &mut Conn, key: &str) -> StoreResult<Option<String>> {
    Ok(conn
        .query_opt(
            "SELECT label FROM open311_key WHERE hash = $1 AND revoked_at IS NULL",
            params![hash(key)],
        )?
        .map(|r| r.str(0))
        .transpose()?)
}
