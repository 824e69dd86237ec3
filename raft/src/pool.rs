//! The threads that carry one peer's outgoing RPCs.
//!
//! A call to an unreachable peer blocks for up to 7 s, so the threads that keep the peer's
//! cadence (election ticker, replicators) never call themselves: they hand each call to this
//! pool and go on. The pool starts a thread whenever none is idle, so a slow call never delays
//! another; idle threads linger briefly for reuse, then exit. [`CallPool::shutdown`] joins
//! every thread; it returns as soon as their calls do, which is at once when the caller's
//! client ends were deleted (as the tester does when it crashes a peer).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::Mutex;

/// How long an idle call thread waits for another call before it exits: a few heartbeat
/// intervals, so steady traffic reuses threads while an idle peer keeps none.
const IDLE_LINGER: Duration = Duration::from_millis(500);

type Job = Box<dyn FnOnce() + Send>;

/// A pool of call threads that grows on demand.
pub struct CallPool {
    /// `None` once shut down.
    jobs: Mutex<Option<Sender<Job>>>,
    shared: Arc<Shared>,
}

struct Shared {
    receiver: Receiver<Job>,
    /// Threads waiting for a job, minus jobs already promised to one of them.
    idle: AtomicUsize,
    threads: Mutex<Vec<JoinHandle<()>>>,
    name: String,
}

impl CallPool {
    /// An empty pool whose threads are named `name`.
    pub fn new(name: String) -> CallPool {
        let (sender, receiver) = crossbeam_channel::unbounded();
        CallPool {
            jobs: Mutex::new(Some(sender)),
            shared: Arc::new(Shared {
                receiver,
                idle: AtomicUsize::new(0),
                threads: Mutex::new(Vec::new()),
                name,
            }),
        }
    }

    /// Runs `job` on an idle thread, or a new one. Does nothing after shutdown.
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) {
        let jobs = self.jobs.lock();
        let Some(sender) = jobs.as_ref() else { return };
        if !self.shared.claim_idle() {
            self.spawn_thread();
        }
        // The receiver lives in `shared`, so the send cannot fail.
        let _ = sender.send(Box::new(job));
    }

    /// Stops taking jobs, lets queued ones finish, and joins every thread.
    pub fn shutdown(&self) {
        drop(self.jobs.lock().take());
        let threads = std::mem::take(&mut *self.shared.threads.lock());
        for thread in threads {
            if thread.join().is_err() {
                log::error!(target: "raft", "{}: a call thread panicked", self.shared.name);
            }
        }
    }

    fn spawn_thread(&self) {
        let shared = Arc::clone(&self.shared);
        let thread = std::thread::Builder::new()
            .name(self.shared.name.clone())
            .spawn(move || shared.run())
            .unwrap_or_else(|error| panic!("cannot start a Raft call thread: {error}"));
        let mut threads = self.shared.threads.lock();
        threads.retain(|thread| !thread.is_finished());
        threads.push(thread);
    }
}

impl Shared {
    /// Promises the next job to an idle thread, if there is one.
    fn claim_idle(&self) -> bool {
        self.idle
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |idle| {
                idle.checked_sub(1)
            })
            .is_ok()
    }

    /// A thread's loop: run jobs until the pool shuts down or the thread idles too long.
    fn run(&self) {
        loop {
            match self.receiver.recv_timeout(IDLE_LINGER) {
                Ok(job) => {
                    job();
                    self.idle.fetch_add(1, Ordering::AcqRel);
                }
                // Leave only if no job has been promised against this thread.
                Err(RecvTimeoutError::Timeout) if self.claim_idle() => return,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_jobs_concurrently_and_joins_on_shutdown() {
        let pool = CallPool::new("test-call".into());
        let (sender, receiver) = crossbeam_channel::unbounded();
        let (release, released) = crossbeam_channel::bounded::<()>(0);
        for i in 0..4 {
            let sender = sender.clone();
            let released = released.clone();
            pool.execute(move || {
                sender.send(i).unwrap();
                let _ = released.recv();
            });
        }
        let mut started: Vec<i32> = (0..4).map(|_| receiver.recv().unwrap()).collect();
        started.sort();
        assert_eq!(started, [0, 1, 2, 3], "no job waits behind a blocked one");
        drop(release);
        pool.shutdown();
        assert!(pool.shared.threads.lock().is_empty());
        pool.execute(|| panic!("runs after shutdown"));
    }
}
