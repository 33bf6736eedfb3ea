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

/// A key as the city sees it: never the key itself, only the start of its hash as its
/// name (enough to tell keys apart, nothing to file with).
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct KeyView {
    pub id: String,
    pub label: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// How many hex digits of a key's hash name it.
const ID_LEN: usize = 16;

/// Every key issued, newest first.
pub fn list(conn: &mut Conn, caller: &Caller) -> StoreResult<Vec<KeyView>> {
    caller.may_set_city_wide()?;
    conn.query(
        "SELECT hash, label, created_by, created_at, revoked_at FROM open311_key ORDER BY created_at DESC, hash",
        params![],
    )?
    .iter()
    .map(|r| {
        Ok(KeyView {
            id: r.str(0)?.chars().take(ID_LEN).collect(),
            label: r.str(1)?,
            created_by: r.str(2)?,
            created_at: r.str(3)?,
            revoked_at: r.opt_str(4)?,
        })
    })
    .collect()
}

/// Stops the key named `id` from filing; revoking a revoked key changes nothing.
pub fn revoke(conn: &mut Conn, caller: &Caller, id: &str) -> StoreResult<KeyView> {
    caller.may_set_city_wide()?;
    if id.len() != ID_LEN || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::NotFound);
    }
    let prefix = id.to_ascii_lowercase();
    conn.tx(|c| {
        let n = c.execute(
            "UPDATE open311_key SET revoked_at = $1 WHERE hash >= $2 AND hash < $3 AND revoked_at IS NULL",
            params![&caller.actor.at, &prefix, format!("{prefix}g")],
        )?;
        if n > 0 {
            audit::append(
                c,
                &caller.actor,
                audit::Entry {
                    action: "revoke",
                    entity: "open311_key",
                    entity_id: &prefix,
                    before: None,
                    after: None,
                },
            )?;
        }
        Ok::<_, StoreError>(())
    })?;
    list(conn, caller)?
        .into_iter()
        .find(|k| k.id == prefix)
        .ok_or(StoreError::NotFound)
}
