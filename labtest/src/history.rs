//! The history a key/value tester records, and its linearizability check.

use std::path::PathBuf;
use std::time::Duration;

use labsim::sync::Mutex;
use labsim::time::Instant;
use linearizability::{check_operations, visualize, Model, Operation, Verdict};

use crate::replay::HISTORY_VAR;
use crate::stages::Stages;

/// The course's limit on one linearizability check; a check that takes longer is reported
/// as unknown and the history is accepted, as in the course.
pub const LINEARIZABILITY_TIMEOUT: Duration = Duration::from_secs(1);

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

    /// Checks the history with `model` within `timeout` and notes the verdict on the current
    /// stage's result line. An illegal history fails the test with the path of its picture;
    /// a check that gives up is accepted, as in the course, and says why. With
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
        let result = check_operations(model, &history, Some(timeout));
        stages.note_linearizability(result.describe());
        match result.verdict {
            Verdict::Linearizable => {}
            Verdict::Unknown => println!(
                "info: linearizability check of {} operations gave up ({}), assuming history is ok",
                history.len(),
                result.describe()
            ),
            Verdict::Illegal => {
                let path = picture_path(stages);
                match visualize::write_html(model, &history, &result, &path) {
                    Ok(()) => panic!("history is not linearizable; see {}", path.display()),
                    Err(error) => panic!("history is not linearizable (no picture: {error})"),
                }
            }
        }
    }
}

/// Where the picture of an illegal history goes: `<tmp>/<lab>-<test>-<seed>.html`.
fn picture_path(stages: &Stages) -> PathBuf {
    let test = stages.test();
    std::env::temp_dir().join(format!("{}-{}-{}.html", test.lab, test.test, test.seed))
}
