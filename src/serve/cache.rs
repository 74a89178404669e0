//! The answer cache: identical requests answered from memory until the
//! index changes.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// The default number of answers kept (`quire serve --cache`).
pub const DEFAULT_ENTRIES: usize = 1024;

/// The default bound on the bytes of answers kept (`quire serve
/// --cache-memory`): whatever the answers' sizes, the cache holds no more.
pub const DEFAULT_BYTES: u64 = 64 * 1024 * 1024;

/// Search answers by request, as JSON bytes, for the index generation they
/// were computed on; the least recently used goes first when it is full.
/// Identical requests are common (a search page asks for every prefix its
/// users type, popular queries repeat) and each costs a full search.
///
/// It holds at most `capacity` answers and `budget` bytes of them (keys
/// included); an answer larger than a sixteenth of the budget is not kept,
/// so that a few huge answers cannot push out all the others.
pub struct Cache {
    capacity: usize,
    budget: u64,
    entries: Mutex<CacheEntries>,
}

#[derive(Default)]
struct CacheEntries {
    map: HashMap<String, CacheEntry>,
    clock: u64,
    /// The bytes of the answers and keys kept.
    bytes: u64,
}

struct CacheEntry {
    generation: u64,
    body: Bytes,
    used: u64,
}

/// What an entry costs the budget.
fn cost(key: &str, body: &Bytes) -> u64 {
    (key.len() + body.len()) as u64
}

impl Cache {
    /// A cache of at most `capacity` answers and `budget` bytes (either 0:
    /// no cache).
    pub fn new(capacity: usize, budget: u64) -> Cache {
        Cache {
            capacity,
            budget,
            entries: Mutex::new(CacheEntries::default()),
        }
    }

    fn enabled(&self) -> bool {
        self.capacity > 0 && self.budget > 0
    }

    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        if !self.enabled() {
            return None;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.clock += 1;
        let clock = entries.clock;
        let entry = entries.map.get_mut(key)?;
        if entry.generation != generation {
            let stale = entries.map.remove(key).expect("just found");
            entries.bytes -= cost(key, &stale.body);
            return None;
        }
        entry.used = clock;
        Some(entry.body.clone())
    }

    pub fn put(&self, key: String, generation: u64, body: Bytes) {
        let size = cost(&key, &body);
        if !self.enabled() || size > self.budget / 16 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = entries.map.remove(&key) {
            entries.bytes -= cost(&key, &old.body);
        }
        let full = |e: &CacheEntries| e.map.len() >= self.capacity || e.bytes + size > self.budget;
        if full(&entries) {
            // Stale generations go first, then the least recently used.
            entries.map.retain(|_, e| e.generation == generation);
            entries.bytes = entries.map.iter().map(|(k, e)| cost(k, &e.body)).sum();
            if full(&entries) {
                let mut by_use: Vec<(u64, String)> = entries
                    .map
                    .iter()
                    .map(|(k, e)| (e.used, k.clone()))
                    .collect();
                by_use.sort_unstable();
                for (_, oldest) in by_use {
                    if !full(&entries) {
                        break;
                    }
                    let gone = entries.map.remove(&oldest).expect("listed");
                    entries.bytes -= cost(&oldest, &gone.body);
                }
            }
        }
        entries.clock += 1;
        let used = entries.clock;
        entries.bytes += size;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn body(bytes: usize) -> Bytes {
        Bytes::from(vec![b'x'; bytes])
    }

    #[test]
    fn answers_are_kept_within_the_byte_budget() {
        let cache = Cache::new(1000, 16_000);
        // Each answer is a tenth of the budget: at most ten fit.
        for i in 0..100 {
            cache.put(format!("q{i:02}"), 1, body(997));
            let entries = cache.entries.lock().unwrap();
            assert!(entries.bytes <= 16_000, "{} bytes", entries.bytes);
            assert_eq!(
                entries.bytes,
                entries
                    .map
                    .iter()
                    .map(|(k, e)| cost(k, &e.body))
                    .sum::<u64>()
            );
        }
        // The most recent stayed; the first went.
        assert!(cache.get("q99", 1).is_some());
        assert!(cache.get("q00", 1).is_none());
        // Too large an answer is not kept at all.
        cache.put("huge".into(), 1, body(2_000));
        assert!(cache.get("huge", 1).is_none());
        // Another generation's answer replaces the same request's.
        cache.put("q99".into(), 2, body(10));
        assert_eq!(cache.get("q98", 1).map(|b| b.len()), Some(997));
        assert_eq!(cache.get("q99", 2).map(|b| b.len()), Some(10));
        // When full, the stale generation goes first, whatever its use.
        for i in 0..20 {
            cache.put(format!("n{i:02}"), 2, body(997));
        }
        let entries = cache.entries.lock().unwrap();
        assert!(entries.map.values().all(|e| e.generation == 2));
        assert!(entries.bytes <= 16_000);
    }

    #[test]
    fn the_count_bounds_it_too_and_zero_turns_it_off() {
        let cache = Cache::new(3, DEFAULT_BYTES);
        for i in 0..10 {
            cache.put(format!("q{i}"), 1, body(10));
        }
        assert_eq!(cache.entries.lock().unwrap().map.len(), 3);
        for off in [Cache::new(0, DEFAULT_BYTES), Cache::new(10, 0)] {
            off.put("q".into(), 1, body(10));
            assert!(off.get("q", 1).is_none());
        }
    }
}
