//! Reads memoised by the database's write generation.
//!
//! Every write appends to the audit chain in its own transaction, so the chain's head
//! (`audit::generation`) changes whenever anything a page shows may have changed. A read
//! kept under the generation it was computed at is therefore exact until the next write,
//! in this process or any other on the same database. Figures, maps and 工作台 that sum
//! thousands of rows are asked for far more often than they change; between writes they
//! cost one single-row read. What changes far more rarely still — the places and their
//! outlines — is kept until a write to those alone (`Ends::PlacesChange`), so the
//! requests and tasks of daily work do not end it.
//!
//! Architecture invariant: a memoised read depends only on the database, on what its key
//! names (the caller, the clock's day or minute, the query) and on nothing else; one kept
//! until `PlacesChange` reads only the territory tree and its outlines.

use datong_store::{Conn, StoreError};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Value = Arc<dyn Any + Send + Sync>;

/// What ends a kept read.
#[derive(Debug, Clone, Copy)]
pub enum Ends {
    /// Any write at all.
    AnyWrite,
    /// A write to the places: the territory tree and its outlines.
    PlacesChange,
}

/// One key's result and the generation it was computed at. Readers that come while it is
/// computed wait for it rather than compute it again (32 readers of a cold city map would
/// each spend 100 ms).
#[derive(Default)]
struct Kept {
    generation: i64,
    value: Option<Value>,
}

/// Kept results bound memory: past this many, the store starts over. The largest, a
/// city's drawn outlines, is about 300 KB.
const MAX_ENTRIES: usize = 256;

/// A kept read is named by the type it holds and its key.
type Name = (std::any::TypeId, String);

#[derive(Default)]
pub struct Memo {
    slots: Mutex<HashMap<Name, Arc<Mutex<Kept>>>>,
}

impl Memo {
    /// `compute`'s result for `key`, computed on `conn` unless one is kept from the
    /// current generation (as `ends` counts it). The generation is read before computing,
    /// so a write that commits meanwhile moves it past the one the result is kept under.
    pub fn get<T: Send + Sync + 'static>(
        &self,
        conn: &mut Conn,
        ends: Ends,
        key: String,
        compute: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<Arc<T>, StoreError> {
        let generation = match ends {
            Ends::AnyWrite => datong_store::audit::generation(conn)?,
            Ends::PlacesChange => datong_store::audit::last_write_to_places(conn)?,
        };
        let slot = {
            let mut slots = self.slots.lock().expect("memo lock");
            let key = (std::any::TypeId::of::<T>(), key);
            if !slots.contains_key(&key) && slots.len() >= MAX_ENTRIES {
                slots.clear();
            }
            slots.entry(key).or_default().clone()
        };
        // A compute that panicked left nothing kept; the next reader tries again.
        let mut kept = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.generation == generation
            && let Some(hit) = &kept.value
        {
            return Ok(hit.clone().downcast::<T>().expect("keyed by type"));
        }
        // An error is not kept: the next reader tries again.
        let value = Arc::new(compute(conn)?);
        // A reader that saw an older generation than the one kept computed from older
        // data: its result is not kept.
        if generation >= kept.generation {
            kept.generation = generation;
            kept.value = Some(value.clone());
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datong_store::audit::{self, Actor};

    #[test]
    fn a_kept_result_lasts_until_the_write_that_ends_it() {
        let dir = std::env::temp_dir().join(format!("datong-memo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = datong_store::open(dir.join("memo.db").to_str().unwrap()).unwrap();
        let mut c = db.get().unwrap();
        let memo = Memo::default();
        let mut computed = 0;
        let mut read = |c: &mut Conn, ends: Ends, key: &str| {
            *memo
                .get(c, ends, key.to_owned(), |_| {
                    computed += 1;
                    Ok(computed)
                })
                .unwrap()
        };
        let places = Ends::PlacesChange;
        assert_eq!(read(&mut c, Ends::AnyWrite, "a"), 1);
        assert_eq!(read(&mut c, Ends::AnyWrite, "a"), 1, "kept");
        assert_eq!(
            read(&mut c, Ends::AnyWrite, "b"),
            2,
            "another key is computed apart"
        );
        assert_eq!(read(&mut c, places, "p"), 3);
        let actor = Actor {
            login: "test".into(),
            at: "2026-12-07T00:00:00.000000Z".into(),
        };
        audit::record(&mut c, &actor, "test", "request", 1, &"written").unwrap();
        assert_eq!(
            read(&mut c, Ends::AnyWrite, "a"),
            4,
            "any write ends what was kept"
        );
        assert_eq!(read(&mut c, Ends::AnyWrite, "a"), 4);
        assert_eq!(
            read(&mut c, places, "p"),
            3,
            "a request does not end the places"
        );
        audit::record(&mut c, &actor, "rename", "territory", 1, &"written").unwrap();
        assert_eq!(read(&mut c, places, "p"), 5, "a write to the places does");

        let failed = memo.get::<i32>(&mut c, Ends::AnyWrite, "c".into(), |_| {
            Err(StoreError::NotFound)
        });
        assert!(failed.is_err());
        let again = memo
            .get(&mut c, Ends::AnyWrite, "c".into(), |_| Ok(7))
            .unwrap();
        assert_eq!(*again, 7, "an error is not kept");
        drop(c);
        drop(db);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
