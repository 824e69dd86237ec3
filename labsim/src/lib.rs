//! Threads, locks, condition variables, channels, time and randomness for the labs: real,
//! or deterministic in virtual time.
//!
//! Every lab touches concurrency only through this crate, so one program runs in two modes.
//!
//! # Real mode (the default)
//!
//! Each primitive is a thin `#[inline]` layer over the crate the labs would use anyway:
//! [`sync::Mutex`] and [`sync::Condvar`] over parking_lot, [`channel`] over
//! crossbeam-channel, [`thread`] over `std::thread`, [`time::Instant`] over
//! `std::time::Instant`. The only extra cost is one relaxed load of a global counter per
//! operation (plus a thread-local flag read while some simulation is alive in the process);
//! the `overhead` bench measures 1-3% against the raw crates. Nothing is deterministic.
//!
//! # Simulation mode
//!
//! [`Sim::new(seed).run(main)`](Sim::run) runs `main` as thread `main` of a simulation;
//! every thread it spawns through [`thread::spawn`] belongs to the same simulation. Each
//! primitive looks at a thread-local handle to decide which mode it is in, so the same code
//! runs in both, and [`run`] picks the mode from `LAB_SIM` at run time.
//!
//! - **One thread at a time, on one OS thread.** A simulation runs on one OS thread of its
//!   own; each simulated thread is a coroutine there, with its own stack
//!   ([`DEFAULT_STACK_SIZE`], or [`STACK_VAR`]), and exactly one holds the run token. It
//!   runs until it reaches a *scheduling point*: taking a lock, blocking (lock, condvar,
//!   channel, join, sleep), waking another thread (unlock with waiters, notify, a send or
//!   receive that wakes a waiter, spawn), or [`thread::yield_now`]. There the seeded RNG
//!   preempts it with odds 1 in 8 and then picks another runnable thread, all equally likely.
//!   A thread that blocks hands the token to a runnable thread picked with equal odds. A
//!   switch is a jump between stacks in user space (the `switches` bench: about 1 ns for
//!   the jump, 250 to 500 ns for a whole hand-over with the scheduler's bookkeeping, where a
//!   switch between OS threads cost about 17 us), so a simulation costs about what its own
//!   computation costs.
//! - **A second scheduler.** [`Policy::Pct`] (`LAB_SCHED=pct`, `pct:<depth>`) is PCT
//!   (Burckhardt et al., ASPLOS 2010): random priorities, the highest runnable thread runs,
//!   and a few random change points drop the running thread below all others. It keeps a
//!   runnable thread waiting through long stretches, which the random scheduler almost never
//!   does (`tests/sim_pct.rs`: two bugs random misses in 1,000 seeds, PCT finds one about
//!   every other seed and the other about every fifth); the random scheduler preempts at any
//!   point, which PCT rarely does. A seed replays exactly under either.
//! - **Virtual time.** [`time::Instant::now`] reads the simulation's clock, which stands
//!   still while any thread can run. When none can, it jumps to the earliest deadline
//!   (`sleep`, `wait_for`/`wait_until`, `recv_timeout`, `send_timeout`, `select_timeout`).
//!   A timed wait whose deadline has already passed returns at once but moves the clock by
//!   1 us and is a scheduling point, so a loop of such waits sees time pass. A 30 s test
//!   takes only as long as its computation and its switches (the `switches` bench runs 30
//!   virtual seconds of a Raft-shaped heartbeat workload in under 2 ms).
//! - **Replay.** The schedule depends only on the seed and on the program: the same seed
//!   gives the same run, event for event ([`SimStats::schedule_hash`] fingerprints it), and
//!   [`rand::LabRng`] draws its seeds from the simulation, so random choices replay too.
//! - **Failures end the simulation**, and [`Sim::run`] returns them as a [`SimError`]: a
//!   deadlock lists every thread, the `file:line` where it waits and what for (a lock and its
//!   holder, a channel, a condvar, a join; objects are numbered in order of first use, so a
//!   replay prints the same report); a panic in any thread names the thread; a thread that
//!   keeps the token for [`DEFAULT_STALL_LIMIT`] of real time without reaching a primitive (a
//!   busy loop) fails by name, and so does a run where no thread blocks for that long (a
//!   polling loop that keeps virtual time still) or where virtual time does not move for that
//!   long while threads keep waking each other. The other threads are then unwound, one at a
//!   time and each to its end, so their destructors run; when `main` returns, threads still
//!   running are unwound the same way. A thread that overflows its stack ends the process
//!   with a report naming it, as an OS thread's overflow does.
//! - **What a coroutine changes.** `std::thread::current()` names the simulation's OS
//!   thread, not the simulated one: [`thread::current_name`] gives the simulated name (and a
//!   panic message is preceded by a line naming the simulated thread). A real blocking call
//!   (`std::thread::sleep`, a std or parking_lot lock, real I/O) stops every simulated
//!   thread at once; the watchdog reports it by name as a stall.
//! - **Deadlocks are found the moment they close**, whatever timers are pending (a graded
//!   test always has its watchdog's): a thread that waits for a lock's holder, a thread it
//!   joins, or the holder of a channel's other side, who waits in turn (transitively) for
//!   it, is a cycle, reported with the threads of the cycle first. A channel's side has a
//!   holder once a thread claims it ([`channel::Sender::bind_to_current_thread`]); labrpc's
//!   handlers claim their reply channel, so an RPC made under a lock whose handler needs that
//!   lock closes a cycle too. When no cycle can be proved (a condvar nobody notifies, a
//!   channel nobody reads), [`thread_report`] lists where each thread waits, and a graded test
//!   that times out prints it.
//! - **Independent.** Any number of simulations run at once in one process (as libtest's
//!   parallel tests do); they share nothing.
//!
//! ## Running and replaying
//!
//! A test body wrapped in [`run`] runs real by default and simulated under `LAB_SIM=1`,
//! with the seed from `LAB_SEED` (or a fresh one) and the scheduler from `LAB_SCHED`; a
//! failure panics with the report and the exact command that replays it
//! (`LAB_SIM=1 LAB_SEED=<seed> [LAB_SCHED=pct:3] cargo test ...`). Since
//! every scheduling choice, every virtual instant and every [`rand::LabRng`] draw follows
//! from the seed, the replay takes the same schedule, prints the same logs and fails the
//! same way, as long as the code under test keeps the rules below.
//!
//! Locks and condvars can be created anywhere and used in either mode. A channel takes the
//! mode of the thread that creates it: a simulated thread may not *block* on a channel
//! created outside its simulation (it panics saying so), and threads outside may use a
//! simulated channel (say, to read results after `run`), unseen by the scheduler.
//!
//! ## What code that wants determinism must not do
//!
//! Anything that depends on the OS instead of the simulation breaks replay: `std::thread`,
//! `std::time::{Instant, SystemTime}::now`, `std::thread::sleep`, parking_lot/std/crossbeam
//! primitives used directly, `rand::thread_rng` / `OsRng` / `from_entropy`, and iterating a
//! `HashMap`/`HashSet` with the default random hasher. A busy loop that polls (`try_recv`,
//! `Instant::now`) without sleeping never lets virtual time advance. A simulated thread must
//! not wait for something only a thread outside its simulation will do (the simulation
//! cannot see it). The workspace `clippy.toml` lists these for clippy.
//!
//! ```
//! use labsim::{sync::Mutex, thread, Sim};
//! use std::sync::Arc;
//!
//! let order = |seed| {
//!     Sim::new(seed)
//!         .run(|| {
//!             let log = Arc::new(Mutex::new(Vec::new()));
//!             let handles: Vec<_> = ["a", "b"]
//!                 .into_iter()
//!                 .map(|name| {
//!                     let log = Arc::clone(&log);
//!                     thread::spawn(name, move || log.lock().push(name))
//!                 })
//!                 .collect();
//!             handles.into_iter().for_each(|handle| handle.join().unwrap());
//!             let order = log.lock().clone();
//!             order
//!         })
//!         .unwrap()
//! };
//! assert_eq!(order(7), order(7), "one seed, one schedule");
//! ```
//!
//! # Layout
//!
//! - [`thread`] — `spawn(name, f)`, `JoinHandle`, `scope`, `sleep`, `yield_now`;
//! - [`sync`] — `Mutex`, `MutexGuard`, `Condvar`, `WaitTimeoutResult`;
//! - [`channel`] — `bounded`, `unbounded`, `Sender`, `Receiver`, `Select`, the [`select!`]
//!   macro and crossbeam's error types;
//! - [`time`] — `Instant`;
//! - [`rand`] — `LabRng`, `random`, `seed`;
//! - [`Sim`], [`SimStats`], [`Policy`] and [`thread_report`] (module `sim`) — the
//!   schedulers, the supervisor and watchdog, cycles of waits and deadlock reports;
//! - [`run`] and [`Mode`] (module `mode`) — the mode chosen by `LAB_SIM`;
//! - [`SimError`] (module `error`) — how a simulation fails.

#![warn(missing_docs)]

pub mod channel;
mod error;
mod mode;
pub mod rand;
mod sim;
pub mod sync;
pub mod thread;
pub mod time;

pub use error::SimError;
pub use mode::{run, Mode, SIM_VAR};
pub use sim::{
    current_policy, current_seed, is_simulated, thread_report, virtual_time, Policy, Sim, SimStats,
    DEFAULT_STACK_SIZE, DEFAULT_STALL_LIMIT, SCHED_VAR, STACK_VAR,
};
