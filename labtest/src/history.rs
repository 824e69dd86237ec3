//! The history a key/value tester records, and its linearizability check.
//!
//! In real mode the check has the course's timeout in real time. In simulation it has a
//! budget of search steps instead ([`simulated_step_limit`]): a clock would let the machine's
//! load decide the verdict, and with it the run, which must depend on its seed alone.

use std::path::PathBuf;
use std::time::Duration;

use labsim::sync::Mutex;
use labsim::time::Instant;
use linearizability::{visualize, Checker, Model, Operation, Verdict};

use crate::replay::HISTORY_VAR;
use crate::stages::Stages;

/// The course's limit on one linearizability check; a check that takes longer is reported
/// as unknown and the history is accepted, as in the course. In simulation the limit is in
/// search steps instead ([`simulated_step_limit`]).
pub const LINEARIZABILITY_TIMEOUT: Duration = Duration::from_secs(1);

/// The search steps a simulated check gets per second of its timeout: about what one core
/// of the course's 2-core machine searches in a second in the test profile (measured on a
/// hard history: 1 million steps in 0.33 s, 4 million in 1.4 s, with the machine busy).
pub const SIMULATED_STEPS_PER_SECOND: u64 = 1_000_000;

/// The most steps a simulated check gets, whatever its timeout. The check runs on a
/// simulated thread that reaches no labsim primitive meanwhile, and labsim fails a thread
/// that does not for [`labsim::DEFAULT_STALL_LIMIT`] (5 s) of real time; 2 million steps
/// take well under a second here, so a loaded machine keeps a wide margin.
pub const SIMULATED_MAX_STEPS: u64 = 2_000_000;

/// The step limit of a simulated check whose real-mode timeout is `timeout`.
pub fn simulated_step_limit(timeout: Duration) -> u64 {
    let steps = timeout.as_secs_f64() * SIMULATED_STEPS_PER_SECOND as f64;
    (steps as u64).min(SIMULATED_MAX_STEPS)
}

/// The checker for a check with the course's `timeout`: that timeout in real mode, the
/// matching step limit (and one thread) in simulation, so a simulated verdict replays.
pub fn checker_for(timeout: Duration) -> Checker {
    if labsim::is_simulated() {
        Checker::new().step_limit(Some(simulated_step_limit(timeout)))
    } else {
        Checker::new().timeout(Some(timeout))
    }
}

/// Every client operation of a test, with its call and return times (nanoseconds since the
/// history began, on labsim's clock, so virtual in simulation).
pub struct History<I, O> {
    started: Instant,
    operations: Mutex<Vec<Operation<I, O>>>,
}

impl<I: Clone, O: Clone> Default for History<I, O> {
    fn default() -> Self {
        History::new()
    }
}

impl<I: Clone, O: Clone> History<I, O> {
    /// An empty history; its clock starts now.
    pub fn new() -> History<I, O> {
        History {
            started: Instant::now(),
            operations: Mutex::new(Vec::new()),
        }
    }

    /// The time to give [`record`](History::record) as an operation's call time.
    pub fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Records an operation of `client` called at `call` that returns now with `output`.
    pub fn record(&self, client: usize, input: I, call: u64, output: O) {
        let returned = self.now();
        let operation = Operation::new(client, input, call, output, returned);
        self.operations.lock().push(operation);
    }

    /// How many operations it holds.
    pub fn len(&self) -> usize {
        self.operations.lock().len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A copy of the operations.
    pub fn operations(&self) -> Vec<Operation<I, O>> {
        self.operations.lock().clone()
    }

    /// Checks the history with `model` within `timeout` (in simulation, within the steps
    /// [`checker_for`] gives it) and notes the verdict on the current stage's result line.
    /// An illegal history fails the test with the path of its picture and the command that
    /// reruns it; a check that gives up is accepted, as in the course, and says why. With
    /// [`HISTORY_VAR`] set (the replay test sets it), first writes the whole history there,
    /// one operation per line.
    ///
    /// # Panics
    ///
    /// If the history is not linearizable, or cannot be written where [`HISTORY_VAR`] says.
    pub fn check<M>(&self, model: &M, timeout: Duration, stages: &Stages)
    where
        M: Model<Input = I, Output = O>,
        I: std::fmt::Debug,
        O: std::fmt::Debug,
    {
        let history = self.operations();
        if let Some(path) = std::env::var_os(HISTORY_VAR) {
            let text: String = history
                .iter()
                .map(|operation| format!("{operation:?}\n"))
                .collect();
            std::fs::write(&path, text).unwrap_or_else(|error| {
                panic!(
                    "cannot write the history to {}: {error}",
                    path.to_string_lossy()
                )
            });
        }
        let result = checker_for(timeout).check_operations(model, &history);
        stages.note_linearizability(result.describe());
        match result.verdict {
            Verdict::Linearizable => {}
            Verdict::Unknown => println!(
                "info: linearizability check of {} operations gave up ({}), assuming history is ok",
                history.len(),
                result.describe()
            ),
            Verdict::Illegal => {
                let seed = replay_seed(stages);
                let path = picture_path(stages, seed);
                let rerun = rerun_command(stages, seed);
                match visualize::write_html(model, &history, &result, &path) {
                    Ok(()) => panic!(
                        "history is not linearizable; see {}\n{rerun}",
                        path.display()
                    ),
                    Err(error) => {
                        panic!("history is not linearizable (no picture: {error})\n{rerun}")
                    }
                }
            }
        }
    }
}

/// The seed that reruns the test: the simulation's in simulation (the network's seed is
/// drawn from it, not the other way round), the network's in real mode.
fn replay_seed(stages: &Stages) -> u64 {
    labsim::current_seed().unwrap_or(stages.test().seed)
}

/// Where the picture of an illegal history goes: `<tmp>/<lab>-<test>-<seed>.html`, with the
/// seed that reruns it.
fn picture_path(stages: &Stages, seed: u64) -> PathBuf {
    let test = stages.test();
    std::env::temp_dir().join(format!("{}-{}-{seed}.html", test.lab, test.test))
}

/// The command that reruns the test with `seed`, and how faithfully.
fn rerun_command(stages: &Stages, seed: u64) -> String {
    let test = stages.test();
    let cargo = format!("cargo test -p {} {} -- --nocapture", test.lab, test.test);
    if let Some(policy) = labsim::current_policy() {
        let scheduler = policy
            .env_assignment()
            .map(|assignment| format!("{assignment} "))
            .unwrap_or_default();
        format!("replay it exactly with: LAB_SIM=1 LAB_SEED={seed} {scheduler}{cargo}")
    } else {
        format!("rerun it with the same faults (not the same timing) with: LAB_SEED={seed} {cargo}")
    }
}
