//! Reads memoised by the database's write generation.
//!
//! Every write appends to the audit chain in its own transaction, so the chain's head
//! (`audit::generation`) changes whenever anything a page shows may have changed. A read
//! kept under the generation it was computed at is therefore exact until the next write,
//! in this process or any other on the same database. Figures, maps and 工作台 that sum
//! thousands of rows are asked for far more often than they change; between writes they
//! cost one single-row read.
//!
//! Architecture invariant: a memoised read depends only on the database, on what its key
//! names (the caller, the clock's day or minute, the query) and on nothing else.

use datong_store::{Conn, StoreError};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

type Value = Arc<dyn Any + Send + Sync>;
/// One key's result, filled once: readers that come while it is computed wait for it
/// rather than compute it again (32 readers of a cold city map would each spend 100 ms).
type Slot = Arc<Mutex<Option<Value>>>;

/// Kept results bound memory: past this many, the store starts over. The largest, a
/// city's drawn map, is about 300 KB; every write empties the store anyway.
const MAX_ENTRIES: usize = 256;

#[derive(Default)]
pub struct Memo {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    generation: i64,
    slots: HashMap<(std::any::TypeId, String), Slot>,
}

impl Memo {
    /// `compute`'s result for `key`, computed on `conn` unless one is kept from the
    /// current generation. The generation is read before computing, so a write that
    /// commits meanwhile moves the head past the one the result is kept under.
    pub fn get<T: Send + Sync + 'static>(
        &self,
        conn: &mut Conn,
        key: String,
        compute: impl FnOnce(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<Arc<T>, StoreError> {
        let generation = datong_store::audit::generation(conn)?;
        let slot = {
            let mut s = self.state.lock().expect("memo lock");
            if generation > s.generation {
                s.slots.clear();
                s.generation = generation;
            }
            if generation < s.generation {
                // A reader that saw an older head: its result is not kept.
                None
            } else {
                if s.slots.len() >= MAX_ENTRIES {
                    s.slots.clear();
                }
                let key = (std::any::TypeId::of::<T>(), key);
                Some(s.slots.entry(key).or_default().clone())
            }
        };
        let Some(slot) = slot else {
            return compute(conn).map(Arc::new);
        };
        // A compute that panicked left nothing in the slot; the next reader tries again.
        let mut kept = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(hit) = kept.as_ref() {
            return Ok(hit.clone().downcast::<T>().expect("keyed by type"));
        }
        // An error is not kept: the next reader tries again.
        let value = Arc::new(compute(conn)?);
        *kept = Some(value.clone());
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datong_store::audit::{self, Actor};

    #[test]
    fn a_kept_result_lasts_until_the_next_write() {
        let dir = std::env::temp_dir().join(format!("datong-memo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = datong_store::open(dir.join("memo.db").to_str().unwrap()).unwrap();
        let mut c = db.get().unwrap();
        let memo = Memo::default();
        let mut computed = 0;
        let mut read = |c: &mut Conn, key: &str| {
            *memo
                .get(c, key.to_owned(), |_| {
                    computed += 1;
                    Ok(computed)
                })
                .unwrap()
        };
        assert_eq!(read(&mut c, "a"), 1);
        assert_eq!(read(&mut c, "a"), 1, "kept");
        assert_eq!(read(&mut c, "b"), 2, "another key is computed apart");
        let actor = Actor {
            login: "test".into(),
            at: "2026-12-07T00:00:00.000000Z".into(),
        };
        audit::record(&mut c, &actor, "test", "thing", 1, &"written").unwrap();
        assert_eq!(read(&mut c, "a"), 3, "a write ends what was kept");
        assert_eq!(read(&mut c, "a"), 3);

        let failed = memo.get::<i32>(&mut c, "c".into(), |_| Err(StoreError::NotFound));
        assert!(failed.is_err());
        let again = memo.get(&mut c, "c".into(), |_| Ok(7)).unwrap();
        assert_eq!(*again, 7, "an error is not kept");
        drop(c);
        drop(db);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
