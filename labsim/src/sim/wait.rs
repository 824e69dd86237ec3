//! What a blocked simulated thread waits for, and why it woke up.

use std::panic::Location;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Index of a thread in its simulation, in order of creation (`main` is 0).
pub(crate) type Tid = usize;

/// The identity of a waitable object: the address of the lock, condvar or channel. Two live
/// objects never share an address, and nobody waits on an object that is gone.
pub(crate) type Key = usize;

/// The report's name for a lock, condvar or channel: numbered in the order the simulation
/// first meets them, so a replay prints the same numbers (addresses would differ).
pub(crate) type ObjectId = u32;

/// What a blocked thread waits for; the deadlock report prints it.
#[derive(Clone, Debug)]
pub(crate) enum Wait {
    /// `Mutex::lock` on a held mutex (its key finds the holder).
    Lock { key: Key, mutex: ObjectId },
    /// `Condvar::wait*`.
    Condvar(ObjectId),
    /// A receive on an empty channel; `owner` is who would send.
    Recv { channel: ObjectId, owner: Owner },
    /// A send on a full channel; `owner` is who would receive.
    Send { channel: ObjectId, owner: Owner },
    /// A select over these operations.
    Select(Vec<SelectWait>),
    /// `JoinHandle::join` on an unfinished thread.
    Join(Tid),
    /// `thread::sleep`.
    Sleep,
}

/// One operation of a blocked select.
#[derive(Clone, Debug)]
pub(crate) struct SelectWait {
    pub(crate) send: bool,
    pub(crate) channel: ObjectId,
    /// Who would complete the operation from the other side, if promised.
    pub(crate) owner: Owner,
}

/// The thread that holds one side of a channel, when it has said so
/// (`Sender::bind_to_current_thread`, `Receiver::bind_to_current_thread`): a thread waiting
/// on the other side waits for it, which lets a cycle of waits through the channel be seen.
/// Shared by the channel and every wait on it, so a promise made after a thread started
/// waiting still counts.
#[derive(Clone, Debug)]
pub(crate) struct Owner(Arc<AtomicUsize>);

/// The value of an [`Owner`] nobody has claimed.
const NO_OWNER: usize = usize::MAX;

impl Default for Owner {
    fn default() -> Owner {
        Owner(Arc::new(AtomicUsize::new(NO_OWNER)))
    }
}

impl Owner {
    /// The promised thread, if any.
    pub(crate) fn get(&self) -> Option<Tid> {
        match self.0.load(Ordering::Relaxed) {
            NO_OWNER => None,
            tid => Some(tid),
        }
    }

    /// `tid` now holds this side.
    pub(crate) fn set(&self, tid: Tid) {
        self.0.store(tid, Ordering::Relaxed);
    }

    /// `tid` lets go of this side (it dropped its handle): the promise ends if it was `tid`'s.
    pub(crate) fn release(&self, tid: Tid) {
        let _ = self
            .0
            .compare_exchange(tid, NO_OWNER, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// A blocked thread: what it waits for, where, and which wait queues hold it.
#[derive(Clone, Debug)]
pub(crate) struct Blocked {
    pub(crate) wait: Wait,
    pub(crate) location: &'static Location<'static>,
    pub(crate) keys: Vec<Key>,
}

/// Why a blocked thread runs again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Another thread woke it (unlock, notify, send, receive, exit...).
    Notified,
    /// Its deadline came.
    Timeout,
    /// The simulation ended while this thread was unwinding; the primitive must not block.
    Aborted,
}

/// The wait-queue key of "thread `tid` finished", for joiners. Thread ids are small and
/// object addresses are large and aligned, so the two never meet.
pub(crate) fn join_key(tid: Tid) -> Key {
    tid * 2 + 1
}
