//! Work on both cores: a pool of scoped threads over a list of items, and
//! a budget that bounds how many bytes of files they hold at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// A count of bytes that workers take before holding that much (a file
/// read, sections queued for indexing) and give back when done with it.
pub(crate) struct Budget {
    total: u64,
    available: Mutex<u64>,
    freed: Condvar,
}

impl Budget {
    pub(crate) fn new(total: u64) -> Budget {
        Budget {
            total,
            available: Mutex::new(total),
            freed: Condvar::new(),
        }
    }

    /// Waits until `bytes` (at most the whole budget) are free, and takes
    /// them until the guard is dropped, on whichever thread holds it then
    /// (sections queued for indexing are dropped by tantivy's threads).
    pub(crate) fn take(self: &Arc<Budget>, bytes: u64) -> BudgetGuard {
        BudgetGuard {
            bytes: self.wait_for(bytes),
            budget: Arc::clone(self),
        }
    }

    fn wait_for(&self, bytes: u64) -> u64 {
        let bytes = bytes.min(self.total);
        let mut available = self.available.lock().unwrap_or_else(|e| e.into_inner());
        while *available < bytes {
            available = self
                .freed
                .wait(available)
                .unwrap_or_else(|e| e.into_inner());
        }
        *available -= bytes;
        bytes
    }

    fn give_back(&self, bytes: u64) {
        *self.available.lock().unwrap_or_else(|e| e.into_inner()) += bytes;
        self.freed.notify_all();
    }
}

/// A share of a [`Budget`], given back when dropped.
pub(crate) struct BudgetGuard {
    budget: Arc<Budget>,
    bytes: u64,
}

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        self.budget.give_back(self.bytes);
    }
}

/// Runs `work` on every item on `threads` threads, returning the results in
/// item order.
pub(crate) fn run_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = work(item);
                    results.lock().expect("no worker panics").push((i, result));
                }
            });
        }
    });
    let mut results = results.into_inner().expect("no worker panics");
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_lets_a_large_file_through_alone() {
        let budget = Arc::new(Budget::new(100));
        let big = budget.take(1_000);
        assert_eq!(*budget.available.lock().unwrap(), 0);
        drop(big);
        let a = budget.take(60);
        let b = budget.take(40);
        assert_eq!(*budget.available.lock().unwrap(), 0);
        drop((a, b));
        assert_eq!(*budget.available.lock().unwrap(), 100);
    }

    #[test]
    fn a_guard_given_back_on_another_thread_wakes_the_waiter() {
        let budget = Arc::new(Budget::new(100));
        let held = budget.take(80);
        let waiter = {
            let budget = Arc::clone(&budget);
            std::thread::spawn(move || drop(budget.take(50)))
        };
        std::thread::spawn(move || drop(held)).join().unwrap();
        waiter.join().unwrap();
        assert_eq!(*budget.available.lock().unwrap(), 100);
    }

    #[test]
    fn run_parallel_keeps_item_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = run_parallel(&items, 4, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(run_parallel(&[] as &[u32], 4, |x| *x).is_empty());
    }
}
