//! Locks and condition variables shaped like parking_lot's.
//!
//! In real mode they are parking_lot's own, behind `#[inline]` wrappers. In simulation the
//! same parking_lot mutex holds the data, but a thread never blocks on it for real: it tries
//! the lock and, when that fails, blocks in the scheduler until the holder unlocks; taking a
//! lock is a scheduling point, so the seed decides who wins a race for it.

mod condvar;
mod mutex;

pub use condvar::{Condvar, WaitTimeoutResult};
pub use mutex::{Mutex, MutexGuard};
