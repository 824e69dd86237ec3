//! The scheduler's state: threads, who may run, timers and wait queues. Pure bookkeeping
//! under the simulation's lock; handing the run token over is `shared.rs`, switching stacks
//! `executor.rs`.
//!
//! Determinism rests on three rules kept here: every choice draws from the seeded
//! [`SplitMix64`]; every list the choices index (`runnable`, wait queues) changes in an order
//! fixed by the schedule itself; and the hash maps keyed by addresses are only ever looked up,
//! never iterated.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use super::pct::Pct;
use super::policy::Policy;
use super::rng::{mix, SplitMix64};
use super::stats::SimStats;
use super::wait::{Blocked, Key, ObjectId, Tid, Wake};
use crate::error::SimError;

/// At a scheduling point where the running thread could go on, it is preempted with odds 1
/// in this. Most scheduling points (a lock taken, a message sent) are where nothing
/// interesting can interleave; a key/value test crosses 100-250 of them per client
/// operation. When a switch cost two OS context switches, switching at every point with
/// equal odds made simulated kvraft about 2.5 times slower than 1 in 8 did; the odds are
/// kept now that a switch is a user-space jump, so that a seed replays the schedule it gave
/// before. A thread that blocks always hands over, and every interleaving stays possible at
/// every point.
pub(crate) const PREEMPTION_ODDS: usize = 8;

/// Label of the scheduler's random stream.
const SCHEDULE_STREAM: u64 = 1;
/// Label of the stream that seeds the user's random-number generators.
const USER_STREAM: u64 = 2;

/// A map keyed by object addresses, hashed by one multiplication: every block and wake-up
/// looks one up, and std's default hasher (built to resist crafted keys, which addresses are
/// not) was a visible part of a switch's cost. Only looked up, never iterated, so the hasher
/// cannot change a schedule.
pub(crate) type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

/// See [`KeyMap`]: Fibonacci hashing of one `usize`.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.write_u64(u64::from(*byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// One simulated thread.
pub(crate) struct Slot {
    /// The name given at spawn, for reports.
    pub(crate) name: Arc<str>,
    pub(crate) status: Status,
    /// Set once it unwinds because the simulation ended (or because it blocked while
    /// unwinding from a panic): from then on its waits return at once.
    pub(crate) unwinding: bool,
    /// Sequence number of its pending timer; a timer entry whose number differs is stale.
    timer: Option<u64>,
    /// Why it was last woken.
    pub(crate) woke: Wake,
}

/// Where a thread is in its life.
pub(crate) enum Status {
    /// Running or ready to run.
    Runnable,
    Blocked(Blocked),
    Finished,
}

/// A deadline of a blocked thread, ordered by time and then by creation.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Timer {
    at: Duration,
    seq: u64,
    tid: Tid,
}

/// Everything the scheduler knows, guarded by the simulation's lock.
pub(crate) struct Scheduler {
    rng: SplitMix64,
    /// The PCT scheduler's priorities, when the simulation runs under PCT (else random).
    pct: Option<Pct>,
    user_seeds: SplitMix64,
    pub(crate) slots: Vec<Slot>,
    /// The holder of the run token.
    pub(crate) running: Option<Tid>,
    /// Threads ready to run, other than the running one.
    runnable: Vec<Tid>,
    timers: BinaryHeap<Reverse<Timer>>,
    /// Entries of `timers` whose thread was woken before its deadline: left in place until
    /// they come due, or swept out once they are most of the heap.
    stale_timers: usize,
    next_timer: u64,
    /// Blocked threads by the object they wait on, in the order they came.
    waiters: KeyMap<Vec<Tid>>,
    /// Held simulated mutexes: holder and where it locked, for the deadlock report.
    pub(crate) holders: KeyMap<(Tid, &'static Location<'static>)>,
    /// The last number given to a lock, condvar or channel (see `ObjectId`).
    last_object: ObjectId,
    /// Virtual time since the start.
    pub(crate) now: Duration,
    pub(crate) stats: SimStats,
    /// Bumped by every primitive; the watchdog looks for it standing still.
    pub(crate) progress: u64,
    /// Bumped whenever a thread blocks; the watchdog looks for it standing still too.
    pub(crate) blocks: u64,
    pub(crate) failure: Option<SimError>,
    /// Set when the simulation ends (failure or main returned): threads unwind and every
    /// primitive stops blocking.
    pub(crate) aborted: bool,
    pub(crate) main_finished: bool,
    /// Threads not yet finished.
    pub(crate) live_threads: usize,
    /// Set when the simulation's OS thread has run every thread to its end.
    pub(crate) executor_done: bool,
}

impl Scheduler {
    /// A scheduler whose only thread is `main`, holding the token.
    pub(crate) fn new(seed: u64, policy: Policy) -> Scheduler {
        let mut rng = SplitMix64::new(seed, SCHEDULE_STREAM);
        let pct = match policy {
            Policy::Random => None,
            Policy::Pct { depth, steps } => Some(Pct::new(depth, steps, &mut rng)),
        };
        let mut scheduler = Scheduler {
            rng,
            pct,
            user_seeds: SplitMix64::new(seed, USER_STREAM),
            slots: Vec::new(),
            running: None,
            runnable: Vec::new(),
            timers: BinaryHeap::new(),
            stale_timers: 0,
            next_timer: 0,
            waiters: KeyMap::default(),
            holders: KeyMap::default(),
            last_object: 0,
            now: Duration::ZERO,
            stats: SimStats::default(),
            progress: 0,
            blocks: 0,
            failure: None,
            aborted: false,
            main_finished: false,
            live_threads: 0,
            executor_done: false,
        };
        let main = scheduler.add_thread("main");
        scheduler.runnable.clear();
        scheduler.running = Some(main);
        scheduler
    }

    /// Registers a new runnable thread.
    pub(crate) fn add_thread(&mut self, name: &str) -> Tid {
        let tid = self.slots.len();
        self.slots.push(Slot {
            name: name.into(),
            status: Status::Runnable,
            unwinding: false,
            timer: None,
            woke: Wake::Notified,
        });
        self.runnable.push(tid);
        if let Some(pct) = &mut self.pct {
            pct.add_thread(tid, &mut self.rng);
        }
        self.live_threads += 1;
        self.stats.threads += 1;
        tid
    }

    /// A fresh object number.
    pub(crate) fn new_object(&mut self) -> ObjectId {
        self.last_object += 1;
        self.last_object
    }

    /// A seed for a user RNG, from the simulation's own stream.
    pub(crate) fn user_seed(&mut self) -> u64 {
        self.user_seeds.next_u64()
    }

    /// At a scheduling point of `me` (still runnable): whom to hand the token to, or `None`
    /// to keep running. `me` is preempted with odds 1 in [`PREEMPTION_ODDS`], and then every
    /// other runnable thread is equally likely.
    ///
    /// Under PCT, `me` goes on unless a runnable thread outranks it (after the step's change
    /// point, if one falls here).
    pub(crate) fn choose_at_yield(&mut self, me: Tid) -> Option<Tid> {
        self.stats.scheduling_points += 1;
        if let Some(pct) = &mut self.pct {
            pct.step(Some(me), self.now);
        }
        self.fire_due_timers();
        if self.runnable.is_empty() {
            return None;
        }
        if let Some(pct) = &self.pct {
            if pct.outranks(me, &self.runnable) {
                return None;
            }
            let choice = pct.highest(&self.runnable);
            self.note_decision(choice);
            let next = self.runnable.swap_remove(choice);
            self.runnable.push(me);
            return Some(next);
        }
        let preempt = self.rng.below(PREEMPTION_ODDS);
        self.note_decision(preempt);
        if preempt != 0 {
            return None;
        }
        let choice = self.rng.below(self.runnable.len());
        self.note_decision(choice);
        let next = self.runnable.swap_remove(choice);
        self.runnable.push(me);
        Some(next)
    }

    /// `me` yields of its own accord (`thread::yield_now`, a timed wait already due): under
    /// PCT it drops below every thread first, so that a polling loop lets the others run.
    pub(crate) fn choose_at_polite_yield(&mut self, me: Tid) -> Option<Tid> {
        if let Some(pct) = &mut self.pct {
            pct.yield_priority(me);
        }
        self.choose_at_yield(me)
    }

    /// A seeded choice in `0..count`, folded into the fingerprint.
    pub(crate) fn choose(&mut self, count: usize) -> usize {
        let choice = self.rng.below(count);
        self.note_decision(choice);
        choice
    }

    /// Parks `me` on `blocked.keys` until woken, or until `deadline` (virtual) if given.
    pub(crate) fn block(&mut self, me: Tid, blocked: Blocked, deadline: Option<Duration>) {
        for key in &blocked.keys {
            self.waiters.entry(*key).or_default().push(me);
        }
        if let Some(at) = deadline {
            let seq = self.next_timer;
            self.next_timer += 1;
            self.timers.push(Reverse(Timer { at, seq, tid: me }));
            self.slots[me].timer = Some(seq);
        }
        self.slots[me].status = Status::Blocked(blocked);
        self.blocks += 1;
    }

    /// The next thread to run once the running one stops (blocks or finishes), advancing
    /// virtual time to the earliest deadline when nobody can run. `None`: nobody can run and
    /// nothing is due.
    /// Under PCT, the runnable thread with the highest priority.
    pub(crate) fn pick_next(&mut self) -> Option<Tid> {
        self.stats.scheduling_points += 1;
        if let Some(pct) = &mut self.pct {
            pct.step(self.running, self.now);
        }
        self.fire_due_timers();
        while self.runnable.is_empty() {
            if !self.fire_earliest_timers() {
                return None;
            }
        }
        let choice = match &self.pct {
            Some(pct) => pct.highest(&self.runnable),
            None => self.rng.below(self.runnable.len()),
        };
        if self.runnable.len() > 1 {
            self.note_decision(choice);
        }
        Some(self.runnable.swap_remove(choice))
    }

    /// Wakes every thread whose deadline has come (the clock moved while threads ran:
    /// see [`Scheduler::advance`]).
    fn fire_due_timers(&mut self) {
        while let Some(Reverse(timer)) = self.timers.peek() {
            if timer.at > self.now {
                return;
            }
            let Reverse(timer) = self.timers.pop().expect("peeked");
            if self.slots[timer.tid].timer != Some(timer.seq) {
                self.stale_timers -= 1;
            } else {
                self.make_runnable(timer.tid, Wake::Timeout);
            }
        }
    }

    /// Moves the clock forward by `step` while threads are running (a timed wait whose
    /// deadline had already passed), so that loops of such waits see time pass.
    pub(crate) fn advance(&mut self, step: Duration) {
        self.now += step;
    }

    /// Wakes every thread whose deadline is the earliest pending one; false if none is pending.
    fn fire_earliest_timers(&mut self) -> bool {
        let mut fired = false;
        while let Some(Reverse(timer)) = self.timers.peek() {
            if fired && timer.at > self.now {
                break;
            }
            let Reverse(timer) = self.timers.pop().expect("peeked");
            if self.slots[timer.tid].timer != Some(timer.seq) {
                self.stale_timers -= 1;
                continue; // stale: the thread was woken before its deadline
            }
            self.now = self.now.max(timer.at);
            self.make_runnable(timer.tid, Wake::Timeout);
            fired = true;
        }
        fired
    }

    /// Moves a blocked thread to the runnable list and takes it off every queue and timer.
    pub(crate) fn make_runnable(&mut self, tid: Tid, why: Wake) {
        let status = std::mem::replace(&mut self.slots[tid].status, Status::Runnable);
        let Status::Blocked(blocked) = status else {
            panic!("labsim: waking thread {tid}, which is not blocked");
        };
        for key in blocked.keys {
            if let Some(queue) = self.waiters.get_mut(&key) {
                queue.retain(|waiter| *waiter != tid);
                if queue.is_empty() {
                    self.waiters.remove(&key);
                }
            }
        }
        let slot = &mut self.slots[tid];
        let had_timer = slot.timer.take().is_some();
        slot.woke = why;
        self.runnable.push(tid);
        if had_timer && why != Wake::Timeout {
            self.stale_timers += 1;
            self.sweep_stale_timers();
        }
    }

    /// Drops the stale entries from the timer heap once they are most of it (a thread that is
    /// woken before its deadline again and again would otherwise grow the heap, and every
    /// pop with it). Timers fire in (deadline, creation) order either way.
    fn sweep_stale_timers(&mut self) {
        if self.stale_timers < 1024 || self.stale_timers * 2 < self.timers.len() {
            return;
        }
        let slots = &self.slots;
        self.timers
            .retain(|Reverse(timer)| slots[timer.tid].timer == Some(timer.seq));
        self.stale_timers = 0;
    }

    /// Wakes one thread waiting on `key`, chosen by the seeded RNG; false if none waits.
    pub(crate) fn wake_one(&mut self, key: Key) -> bool {
        let Some(queue) = self.waiters.get(&key) else {
            return false;
        };
        let choice = self.rng.below(queue.len());
        let tid = queue[choice];
        self.make_runnable(tid, Wake::Notified);
        true
    }

    /// Wakes every thread waiting on `key`, in the order they came; returns how many.
    pub(crate) fn wake_all(&mut self, key: Key) -> usize {
        let Some(queue) = self.waiters.remove(&key) else {
            return 0;
        };
        let count = queue.len();
        for tid in queue {
            self.make_runnable(tid, Wake::Notified);
        }
        count
    }

    /// Folds a decision into the schedule fingerprint.
    fn note_decision(&mut self, choice: usize) {
        self.stats.decisions += 1;
        let stamp = (self.now.as_nanos() as u64) ^ ((choice as u64) << 48);
        self.stats.schedule_hash = mix(self.stats.schedule_hash, stamp);
    }

    /// Folds a token hand-over into the fingerprint and the counters.
    pub(crate) fn note_switch(&mut self, next: Tid) {
        self.stats.switches += 1;
        self.stats.schedule_hash = mix(self.stats.schedule_hash, next as u64);
    }

    /// Names of every thread with its status, for the deadlock report.
    pub(crate) fn name(&self, tid: Tid) -> &str {
        &self.slots[tid].name
    }
}
