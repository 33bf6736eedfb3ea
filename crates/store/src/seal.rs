//! Personal data sealed at rest. With a data key configured, citizen ID numbers and phone
//! numbers are stored as SM4-GCM ciphertext (GB/T 32907 for the cipher, as GB/T 39786 asks
//! for personal data), each under a fresh nonce, so a copied database file or backup shows
//! none of them. An ID number also gets a blind index, HMAC-SM3 under a key derived from
//! the same data key: the one-record-a-person rule stays a unique index, and a roster's
//! duplicates are still found by one indexed query, without the number itself.
//!
//! Without a key nothing is sealed (a demo, the tests). A database once sealed refuses to
//! open without its key, and with another key: `data_key` holds a sealed check value.

use crate::db::{Conn, DbError, DbResult};
use crate::params;
use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit};
use hmac::{Hmac, Mac};
use sm3::Sm3;
use std::fmt;
use std::str::FromStr;

type Sm4Gcm = AesGcm<sm4::Sm4, U12>;

/// What a sealed value starts with; anything else was stored before sealing was on.
const SEALED: &str = "sm4$";
/// The check value sealed into `data_key`: opening it proves the key is the database's.
const CHECK: &str = "datong data key";

/// The deployment's data key: 16 bytes, given as 32 hex digits. Never printed.
#[derive(Clone)]
pub struct DataKey {
    cipher: Sm4Gcm,
    /// HMAC-SM3, keyed once with the blind index's key; each index starts from a copy.
    blind: Hmac<Sm3>,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(…)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataKeyError {
    #[error("a data key is 32 hexadecimal digits (16 bytes)")]
    Malformed,
}

impl FromStr for DataKey {
    type Err = DataKeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = hex::decode(s.trim()).map_err(|_| DataKeyError::Malformed)?;
        let key: [u8; 16] = bytes.try_into().map_err(|_| DataKeyError::Malformed)?;
        Ok(DataKey::new(key))
    }
}

impl DataKey {
    pub fn new(key: [u8; 16]) -> Self {
        // Two keys from one: the cipher's, and the blind index's (HMAC-SM3 of a label).
        let mac =
            |key: &[u8]| <Hmac<Sm3> as hmac::KeyInit>::new_from_slice(key).expect("any length");
        let mut derive = mac(&key);
        derive.update(b"datong blind index");
        DataKey {
            cipher: Sm4Gcm::new_from_slice(&key).expect("16 bytes"),
            blind: mac(&derive.finalize().into_bytes()),
        }
    }

    /// A fresh random key, as 32 hex digits.
    pub fn generate() -> String {
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).expect("the system's random source");
        hex::encode(key)
    }

    /// `value` sealed: `sm4$` and hex of nonce, ciphertext and tag.
    pub fn seal(&self, value: &str) -> String {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).expect("the system's random source");
        let sealed = self
            .cipher
            .encrypt(&nonce.into(), value.as_bytes())
            .expect("SM4-GCM seals any short value");
        format!("{SEALED}{}{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// The value `seal` sealed, or an error if it was sealed under another key or changed.
    pub fn open(&self, stored: &str) -> Result<String, DbError> {
        let broken = || DbError::Decode(0, "a sealed value this data key does not open");
        let hex_part = stored.strip_prefix(SEALED).ok_or_else(broken)?;
        let bytes = hex::decode(hex_part).map_err(|_| broken())?;
        if bytes.len() < 12 {
            return Err(broken());
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().expect("12 bytes");
        let plain = self
            .cipher
            .decrypt(&nonce.into(), sealed)
            .map_err(|_| broken())?;
        String::from_utf8(plain).map_err(|_| broken())
    }

    /// The blind index of an ID number: equal numbers, equal indexes; nothing more.
    pub fn blind(&self, value: &str) -> String {
        let mut mac = self.blind.clone();
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl Conn {
    /// `value` as it is stored: sealed under the data key, or as it is without one.
    pub fn seal(&self, value: &str) -> String {
        match self.data_key() {
            Some(k) => k.seal(value),
            None => value.to_owned(),
        }
    }

    /// A stored value as it was written: opened if sealed.
    pub fn unseal(&self, stored: &str) -> DbResult<String> {
        match (self.data_key(), stored.starts_with(SEALED)) {
            (_, false) => Ok(stored.to_owned()),
            (Some(k), true) => k.open(stored),
            (None, true) => Err(DbError::Decode(0, "a sealed value, and no data key")),
        }
    }

    /// The blind index of an ID number, when values are sealed.
    pub fn blind(&self, value: &str) -> Option<String> {
        self.data_key().map(|k| k.blind(value))
    }
}

/// The columns that hold ID numbers (with their blind index column) and phone numbers.
const SEALED_COLUMNS: &[(&str, &str, Option<&str>)] = &[
    ("member", "id_number", Some("id_number_blind")),
    ("member", "phone", None),
    ("social_worker", "id_number", Some("id_number_blind")),
    ("social_worker", "phone", None),
    ("request", "reporter_phone", None),
];

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "this database's ID and phone numbers are sealed: set DATONG_DATA_KEY (or DATONG_DATA_KEY_FILE) to its data key"
    )]
    Missing,
    #[error(
        "the data key does not open this database's sealed values: it was sealed under another key"
    )]
    Wrong,
    #[error(
        "this database's audit log is signed: set DATONG_AUDIT_KEY (or DATONG_AUDIT_KEY_FILE) to its audit key"
    )]
    AuditKeyMissing,
    #[error("the audit key is not the one this database's audit log is signed with")]
    AuditKeyWrong,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Checks the connection's key against the one the database's sealed values need, if
/// they need one: a database sealed once refuses to be read without its key.
pub fn check_key(c: &mut Conn) -> Result<(), OpenError> {
    let stored = c
        .query_opt("SELECT check_value FROM data_key WHERE id = 1", params![])?
        .map(|r| r.str(0))
        .transpose()?;
    match (stored, c.data_key()) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(OpenError::Missing),
        (Some(check), Some(key)) if key.open(&check).ok().as_deref() == Some(CHECK) => Ok(()),
        (Some(_), Some(_)) => Err(OpenError::Wrong),
    }
}

/// Checks the connection's key against the database's, and with a key, seals what was
/// stored before it was set (blind indexes included), all in one transaction.
pub fn check_and_seal(conn: &mut Conn) -> Result<(), OpenError> {
    conn.tx(|c| {
        check_key(c)?;
        let Some(key) = c.data_key().cloned() else {
            return Ok(());
        };
        // Once a database holds its check value, every number was sealed then or written
        // sealed since (it does not open without the key): only a first key seals.
        let first = c.execute(
            "INSERT INTO data_key (id, check_value) SELECT 1, $1
              WHERE NOT EXISTS (SELECT 1 FROM data_key WHERE id = 1)",
            params![key.seal(CHECK)],
        )? == 1;
        if !first {
            return Ok(());
        }
        for (table, column, blind) in SEALED_COLUMNS {
            let open = c.query(
                &format!(
                    "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} NOT LIKE 'sm4$%'"
                ),
                params![],
            )?;
            for r in open {
                let (id, value) = (r.i64(0)?, r.str(1)?);
                match blind {
                    Some(b) => c.execute(
                        &format!("UPDATE {table} SET {column} = $1, {b} = $2 WHERE id = $3"),
                        params![key.seal(&value), key.blind(&value), id],
                    )?,
                    None => c.execute(
                        &format!("UPDATE {table} SET {column} = $1 WHERE id = $2"),
                        params![key.seal(&value), id],
                    )?,
                };
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> DataKey {
        DataKey::new([byte; 16])
    }

    #[test]
    fn sealed_values_open_with_their_key_only() {
        let k = key(1);
        let sealed = k.seal("14021319800101001X");
        assert!(sealed.starts_with(SEALED) && !sealed.contains("1402131980"));
        assert_ne!(
            sealed,
            k.seal("14021319800101001X"),
            "a fresh nonce each time"
        );
        assert_eq!(k.open(&sealed).unwrap(), "14021319800101001X");
        assert!(key(2).open(&sealed).is_err());
        let mut changed = sealed.clone();
        changed.replace_range(10..11, if &sealed[10..11] == "0" { "1" } else { "0" });
        assert!(k.open(&changed).is_err(), "the tag catches a change");
        assert!(k.open("sm4$00").is_err() && k.open("13800138000").is_err());
    }

    #[test]
    fn blind_indexes_are_equal_for_equal_numbers_only() {
        let (k, other) = (key(1), key(2));
        assert_eq!(k.blind("13800138000"), k.blind("13800138000"));
        assert_ne!(k.blind("13800138000"), k.blind("13800138001"));
        assert_ne!(k.blind("13800138000"), other.blind("13800138000"));
    }

    #[test]
    fn keys_parse_from_hex_and_never_print() {
        let k: DataKey = "00112233445566778899aabbccddeeff".parse().unwrap();
        assert_eq!(format!("{k:?}"), "DataKey(…)");
        for bad in [
            "",
            "0011",
            "zz112233445566778899aabbccddeeff",
            "00112233445566778899aabbccddeeff00",
        ] {
            assert_eq!(bad.parse::<DataKey>().unwrap_err(), DataKeyError::Malformed);
        }
        assert_eq!(DataKey::generate().len(), 32);
    }
}
