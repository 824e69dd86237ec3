//! The graded (sub-)tests of one test function: a Raft test is one stage; a key/value test
//! may be several, each with its own banner and result line (the course's `begin`/`end`).

use std::sync::atomic::{AtomicU64, Ordering};

use labsim::sync::Mutex;

use crate::run::{Counts, Run, TestInfo};

/// The stages of one test function, and the counters their result lines are measured by.
pub struct Stages {
    /// Every stage's description but its title, which [`Stages::begin`] gives.
    test: TestInfo,
    /// The totals so far (RPCs, bytes, and for Raft the highest commit); a stage's result
    /// line shows how much they grew during it.
    totals: Box<dyn Fn() -> Counts + Send + Sync>,
    /// Client operations the tester counted ([`Stages::count_op`]); key/value labs only.
    ops: AtomicU64,
    counts_ops: bool,
    current: Mutex<Option<Stage>>,
}

/// A begun stage and the counters at its start.
struct Stage {
    run: Run,
    start: Counts,
}

impl Stages {
    /// Stages of `test` (its `title` is ignored: each stage has its own), measured by
    /// `totals`. With `counts_ops`, result lines show the operations counted by
    /// [`count_op`](Stages::count_op) (the key/value labs); otherwise they show what
    /// `totals` says (Raft's commits).
    pub fn new(
        test: TestInfo,
        counts_ops: bool,
        totals: impl Fn() -> Counts + Send + Sync + 'static,
    ) -> Stages {
        Stages {
            test,
            totals: Box::new(totals),
            ops: AtomicU64::new(0),
            counts_ops,
            current: Mutex::new(None),
        }
    }

    /// What the stages are of.
    pub fn test(&self) -> &TestInfo {
        &self.test
    }

    /// Counts one client operation for the result line.
    pub fn count_op(&self) {
        self.ops.fetch_add(1, Ordering::Relaxed);
    }

    /// Client operations counted so far, over all stages.
    pub fn ops(&self) -> u64 {
        self.ops.load(Ordering::Relaxed)
    }

    fn totals(&self) -> Counts {
        let mut totals = (self.totals)();
        if self.counts_ops {
            totals.ops = Some(self.ops());
        }
        totals
    }

    /// Begins a stage: prints its banner (with the seed that replays it) and starts its
    /// clock and its time limit.
    ///
    /// # Panics
    ///
    /// If a stage is in progress: [`end`](Stages::end) it first.
    pub fn begin(&self, title: impl Into<String>) {
        let mut current = self.current.lock();
        assert!(
            current.is_none(),
            "tester: begin() before the last stage's end()"
        );
        let info = TestInfo {
            title: title.into(),
            ..self.test.clone()
        };
        *current = Some(Stage {
            run: Run::begin(info),
            start: self.totals(),
        });
    }

    /// Notes the linearizability checker's verdict for the current stage's result line.
    pub fn note_linearizability(&self, verdict: impl Into<String>) {
        if let Some(stage) = self.current.lock().as_mut() {
            stage.run.note_linearizability(verdict);
        }
    }

    /// Ends the stage: checks its time limit, prints its result line and records a pass.
    ///
    /// # Panics
    ///
    /// Without a stage in progress, or past the time limit.
    pub fn end(&self) {
        let mut stage = self
            .current
            .lock()
            .take()
            .expect("tester: end() without begin()");
        stage.run.pass(self.totals().since(stage.start));
    }
}

impl Drop for Stages {
    /// A stage still in progress failed (the test panicked): record it with its figures.
    fn drop(&mut self) {
        if let Some(mut stage) = self.current.lock().take() {
            stage.run.fail(self.totals().since(stage.start));
        }
    }
}
