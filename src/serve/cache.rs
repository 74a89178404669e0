//! The answer cache: identical requests answered from memory until the
//! index changes.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// The default number of answers kept (`quire serve --cache`).
pub const DEFAULT_ENTRIES: usize = 1024;

/// Search answers by request, as JSON bytes, for the index generation they
/// were computed on; the least recently used goes first when it is full.
/// Identical requests are common (a search page asks for every prefix its
/// users type, popular queries repeat) and each costs a full search.
pub struct Cache {
    capacity: usize,
    entries: Mutex<CacheEntries>,
}

#[derive(Default)]
struct CacheEntries {
    map: HashMap<String, CacheEntry>,
    clock: u64,
}

struct CacheEntry {
    generation: u64,
    body: Bytes,
    used: u64,
}

impl Cache {
    pub fn new(capacity: usize) -> Cache {
        Cache {
            capacity,
            entries: Mutex::new(CacheEntries::default()),
        }
    }

    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        if self.capacity == 0 {
            return None;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.clock += 1;
        let clock = entries.clock;
        let entry = entries.map.get_mut(key)?;
        if entry.generation != generation {
            entries.map.remove(key);
            return None;
        }
        entry.used = clock;
        Some(entry.body.clone())
    }

    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.map.len() >= self.capacity && !entries.map.contains_key(&key) {
            // Stale generations go first, then the least recently used.
            entries.map.retain(|_, e| e.generation == generation);
            if entries.map.len() >= self.capacity {
                let oldest = entries
                    .map
                    .iter()
                    .min_by_key(|(_, e)| e.used)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    entries.map.remove(&oldest);
                }
            }
        }
        entries.clock += 1;
        let used = entries.clock;
        entries.map.insert(
            key,
            CacheEntry {
                generation,
                body,
                used,
            },
        );
    }
}
