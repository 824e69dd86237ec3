//! A thread pool that grows on demand and never queues a job behind a busy thread.
//!
//! The network runs its handlers on one, and Raft its outgoing calls. A job may block for a
//! long time (a kvraft `Get` waits for Raft to commit, which needs other handlers to run; a
//! call to an unreachable peer waits up to 7 s), so a job must never wait for a busy thread:
//! when no thread is idle, `execute` starts a new one. Idle threads linger for the pool's
//! `idle_linger` so that a steady stream of jobs reuses them, then exit.
//! [`ThreadPool::shutdown`] stops the idle threads and joins every thread, or, given a grace
//! period, those whose jobs return within it; a job stuck beyond that is left to finish on
//! its own.
//!
//! Its threads, locks and channels are labsim's: in a simulation the pool's threads belong
//! to the simulation of the thread that calls `execute`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use labsim::channel::{Receiver, RecvTimeoutError, Sender};
use labsim::sync::{Condvar, Mutex};
use labsim::thread::JoinHandle;
use labsim::time::Instant;

type Job = Box<dyn FnOnce() + Send>;

/// A growable pool of threads.
pub struct ThreadPool {
    jobs: Mutex<Option<Sender<Job>>>,
    shared: Arc<Shared>,
}

struct Shared {
    receiver: Receiver<Job>,
    /// Threads waiting for a job, minus jobs already promised to one of them.
    idle: AtomicUsize,
    /// Handles of live threads by id, so shutdown can join them (in id order).
    threads: Mutex<BTreeMap<usize, JoinHandle<()>>>,
    /// Number of threads still running their loop; shutdown waits for it to reach zero.
    live: Mutex<usize>,
    all_done: Condvar,
    next_id: AtomicUsize,
    name: String,
    /// How long an idle thread waits for work before it exits.
    idle_linger: Duration,
}

impl ThreadPool {
    /// An empty pool whose threads are named `<name>-<n>` and exit after `idle_linger`
    /// without work.
    pub fn new(name: &str, idle_linger: Duration) -> ThreadPool {
        let (sender, receiver) = labsim::channel::unbounded();
        ThreadPool {
            jobs: Mutex::new(Some(sender)),
            shared: Arc::new(Shared {
                receiver,
                idle: AtomicUsize::new(0),
                threads: Mutex::new(BTreeMap::new()),
                live: Mutex::new(0),
                all_done: Condvar::new(),
                next_id: AtomicUsize::new(0),
                name: name.to_string(),
                idle_linger,
            }),
        }
    }

    /// Runs `job` on an idle thread, or on a new one if none is idle. Returns false once the
    /// pool is shut down.
    pub fn execute(&self, job: impl FnOnce() + Send + 'static) -> bool {
        let jobs = self.jobs.lock();
        let Some(sender) = jobs.as_ref() else {
            return false;
        };
        if !self.shared.claim_idle() {
            self.spawn_thread();
        }
        sender.send(Box::new(job)).is_ok()
    }

    /// Stops the pool: idle threads exit at once and running jobs are waited for, for at most
    /// `grace` if given. Every thread that has exited by then is joined; the others are left
    /// to finish their job on their own. Later `execute` calls do nothing.
    pub fn shutdown(&self, grace: Option<Duration>) {
        drop(self.jobs.lock().take());
        let deadline = grace.map(|grace| Instant::now() + grace);
        let mut live = self.shared.live.lock();
        while *live > 0 {
            match deadline {
                None => self.shared.all_done.wait(&mut live),
                Some(deadline) => {
                    if self
                        .shared
                        .all_done
                        .wait_until(&mut live, deadline)
                        .timed_out()
                    {
                        log::warn!(
                            target: "labrpc",
                            "{}: {} job(s) still running at shutdown; not waiting for them",
                            self.shared.name,
                            *live
                        );
                        break;
                    }
                }
            }
        }
        let finished: Vec<JoinHandle<()>> = {
            let mut threads = self.shared.threads.lock();
            let ids: Vec<usize> = threads
                .iter()
                .filter(|(_, handle)| *live == 0 || handle.is_finished())
                .map(|(id, _)| *id)
                .collect();
            ids.iter().filter_map(|id| threads.remove(id)).collect()
        };
        drop(live);
        for handle in finished {
            if handle.join().is_err() {
                log::error!(target: "labrpc", "{}: a pool thread panicked", self.shared.name);
            }
        }
    }

    fn spawn_thread(&self) {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::clone(&self.shared);
        *self.shared.live.lock() += 1;
        let handle =
            labsim::thread::spawn(format!("{}-{id}", self.shared.name), move || shared.run(id));
        let mut threads = self.shared.threads.lock();
        threads.retain(|_, handle| !handle.is_finished());
        threads.insert(id, handle);
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

    /// A thread's loop: run jobs until the pool closes or the thread idles too long.
    fn run(self: Arc<Self>, id: usize) {
        let _leaving = Leaving(&self);
        loop {
            match self.receiver.recv_timeout(self.idle_linger) {
                Ok(job) => {
                    job();
                    self.idle.fetch_add(1, Ordering::AcqRel);
                }
                Err(RecvTimeoutError::Timeout) => {
                    // Leave only if no job has been promised against this thread.
                    if self.claim_idle() {
                        // Detach ourselves: nobody needs to join a thread that left on its own.
                        drop(self.threads.lock().remove(&id));
                        break;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
    }
}

/// Counts a pool thread out when its loop ends, by returning or by unwinding: a job that
/// panics (or a simulation that ends under it) must not leave `shutdown` waiting forever.
struct Leaving<'a>(&'a Shared);

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        let mut live = self.0.live.lock();
        *live -= 1;
        if *live == 0 {
            self.0.all_done.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_jobs_concurrently_and_joins_on_shutdown() {
        let pool = ThreadPool::new("test-pool", Duration::from_millis(500));
        let (sender, receiver) = labsim::channel::unbounded();
        let (release, released) = labsim::channel::bounded::<()>(0);
        for i in 0..4 {
            let sender = sender.clone();
            let released = released.clone();
            assert!(pool.execute(move || {
                sender.send(i).unwrap();
                let _ = released.recv();
            }));
        }
        let mut started: Vec<i32> = (0..4).map(|_| receiver.recv().unwrap()).collect();
        started.sort();
        assert_eq!(started, [0, 1, 2, 3], "no job waits behind a blocked one");
        drop(release);
        pool.shutdown(None);
        assert!(pool.shared.threads.lock().is_empty());
        assert!(!pool.execute(|| panic!("runs after shutdown")));
    }

    #[test]
    fn a_panicking_job_does_not_hold_up_shutdown() {
        let pool = ThreadPool::new("test-pool", Duration::from_millis(500));
        pool.execute(|| panic!("a job fails"));
        let started = Instant::now();
        pool.shutdown(None);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn shutdown_with_grace_leaves_a_stuck_job_be() {
        let pool = ThreadPool::new("test-pool", Duration::from_millis(500));
        let (_hold, held) = labsim::channel::bounded::<()>(0);
        pool.execute(move || {
            let _ = held.recv_timeout(Duration::from_secs(5));
        });
        let started = Instant::now();
        pool.shutdown(Some(Duration::from_millis(50)));
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
