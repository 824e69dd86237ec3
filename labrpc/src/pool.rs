//! The handler threads of one network: a pool that grows on demand and never queues a job
//! behind a busy thread.
//!
//! A handler may block for a long time (a kvraft `Get` waits for Raft to commit, which needs
//! other handlers to run), so a job must never wait for a busy thread: when no thread is idle,
//! `execute` starts a new one. Idle threads linger for [`IDLE_LINGER`] so that a steady stream
//! of calls reuses them, then exit. `shutdown` stops the idle ones and joins every thread whose
//! handler returns within [`SHUTDOWN_GRACE`]; a handler stuck beyond that is left to finish on
//! its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::{Condvar, Mutex};

/// How long an idle thread waits for work before it exits.
const IDLE_LINGER: Duration = Duration::from_secs(10);

/// How long `shutdown` waits for running handlers to return before leaving them be.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

type Job = Box<dyn FnOnce() + Send>;

/// A growable pool of handler threads.
pub(crate) struct Pool {
    jobs: Mutex<Option<Sender<Job>>>,
    shared: Arc<Shared>,
}

struct Shared {
    receiver: Receiver<Job>,
    /// Threads waiting for a job, minus jobs already promised to one of them.
    idle: AtomicUsize,
    /// Handles of live threads by id, so shutdown can join them.
    threads: Mutex<HashMap<usize, JoinHandle<()>>>,
    /// Number of threads still running their loop; shutdown waits for it to reach zero.
    live: Mutex<usize>,
    all_done: Condvar,
    next_id: AtomicUsize,
    name: String,
}

impl Pool {
    /// An empty pool whose threads are named after `name`.
    pub(crate) fn new(name: &str) -> Pool {
        let (sender, receiver) = crossbeam_channel::unbounded();
        Pool {
            jobs: Mutex::new(Some(sender)),
            shared: Arc::new(Shared {
                receiver,
                idle: AtomicUsize::new(0),
                threads: Mutex::new(HashMap::new()),
                live: Mutex::new(0),
                all_done: Condvar::new(),
                next_id: AtomicUsize::new(0),
                name: name.to_string(),
            }),
        }
    }

    /// Runs `job` on an idle thread, or on a new one if none is idle. Returns false once the
    /// pool is shut down.
    pub(crate) fn execute(&self, job: impl FnOnce() + Send + 'static) -> bool {
        let jobs = self.jobs.lock();
        let Some(sender) = jobs.as_ref() else {
            return false;
        };
        if !self.shared.claim_idle() {
            self.spawn_thread();
        }
        sender.send(Box::new(job)).is_ok()
    }

    /// Stops the pool: idle threads exit at once, running handlers get [`SHUTDOWN_GRACE`] to
    /// return, and every thread that exits in time is joined.
    pub(crate) fn shutdown(&self) {
        drop(self.jobs.lock().take());
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        let mut live = self.shared.live.lock();
        while *live > 0 {
            if self
                .shared
                .all_done
                .wait_until(&mut live, deadline)
                .timed_out()
            {
                log::warn!(
                    target: "labrpc",
                    "{}: {} handler(s) still running at shutdown; not waiting for them",
                    self.shared.name,
                    *live
                );
                break;
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
            let _ = handle.join();
        }
    }

    fn spawn_thread(&self) {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::clone(&self.shared);
        *self.shared.live.lock() += 1;
        let spawned = std::thread::Builder::new()
            .name(format!("{}-handler-{id}", self.shared.name))
            .spawn(move || shared.run(id));
        match spawned {
            Ok(handle) => {
                let mut threads = self.shared.threads.lock();
                threads.retain(|_, handle| !handle.is_finished());
                threads.insert(id, handle);
            }
            Err(error) => panic!("labrpc cannot start a handler thread: {error}"),
        }
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
        loop {
            match self.receiver.recv_timeout(IDLE_LINGER) {
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
        let mut live = self.live.lock();
        *live -= 1;
        if *live == 0 {
            self.all_done.notify_all();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown();
    }
}
