//! The tester for the graded MapReduce suite: test-mr.sh's setup, in Rust.
//!
//! Each [`Job`] lives in its own temporary directory with its own socket path (through
//! `LAB_MR_SOCKET`), so tests run in parallel. Inputs are eight generated `pg-*.txt` files in
//! `input/` (the seeded corpus, or with [`Job::with_inputs`] any others); the job runs in
//! `job/`, `mrsequential` in `sequential/`, both naming the inputs `../input/pg-*.txt` so that
//! apps that print file names agree. Every process is a [`Proc`]: killed at its deadline
//! (test-mr.sh's `timeout`), and killed and reaped when dropped, on every path including a
//! failed assertion. Process logs go to `logs/`.
//!
//! # Layout
//!
//! - [`graded`] gives each test its banner and result line, and its line in the results file.
//! - [`inputs`] writes inputs of distinct words, whose wc output is as large as they are.
//! - [`kill`] kills workers from outside and notes the output in view after each kill.

use std::fs::File;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mapreduce::corpus::write_corpus;

use graded::corpus_seed;

pub mod graded;
pub mod inputs;
pub mod kill;

/// test-mr.sh's per-process limit, `timeout -k 2s 45s`.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(45);

/// The crash test's per-process limit, `timeout -k 2s 120s`.
pub const CRASH_PROCESS_TIMEOUT: Duration = Duration::from_secs(120);

/// How long to wait for the coordinator's socket to appear (test-mr.sh sleeps 1 s instead).
const SOCKET_WAIT: Duration = Duration::from_secs(10);

/// How often waits poll a process or a file; short next to the seconds a job takes.
pub const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Input files per job, as the course's eight books.
const INPUT_FILES: usize = 8;

/// Bytes per input file: small, so a test spends its time on the protocol, not on words.
const INPUT_BYTES: usize = 40_000;

/// One job's directory, inputs and socket.
pub struct Job {
    /// Removed, with everything in it, when the job is dropped.
    root: tempfile::TempDir,
    /// The inputs as every process names them, relative to `job/` and `sequential/`.
    inputs: Vec<String>,
}

impl Job {
    /// A fresh directory with eight generated inputs.
    pub fn new() -> Job {
        let seed = corpus_seed();
        let job =
            Job::with_inputs(|directory| write_corpus(directory, seed, INPUT_FILES, INPUT_BYTES));
        println!(
            "corpus seed {seed} (LAB_SEED), directory {}",
            job.root.path().display()
        );
        job
    }

    /// A fresh directory whose inputs `write_inputs` writes into the directory it is given,
    /// returning their paths.
    pub fn with_inputs(write_inputs: impl FnOnce(&Path) -> std::io::Result<Vec<PathBuf>>) -> Job {
        let root = tempfile::Builder::new()
            .prefix("mr-test-")
            .tempdir()
            .expect("create the test directory");
        let paths = write_inputs(&root.path().join("input")).expect("write the inputs");
        for directory in ["job", "sequential", "logs"] {
            std::fs::create_dir(root.path().join(directory)).expect("create a job directory");
        }
        let inputs = paths
            .iter()
            .map(|path| format!("../input/{}", path.file_name().unwrap().to_string_lossy()))
            .collect();
        Job { root, inputs }
    }

    /// The job's directory, for messages.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// Where the job runs and writes `mr-*` files.
    pub fn work_dir(&self) -> PathBuf {
        self.root.path().join("job")
    }

    /// The coordinator's socket, private to this job.
    pub fn socket(&self) -> PathBuf {
        self.root.path().join("mr.sock")
    }

    /// A marker file in the job directory (test-mr.sh's `mr-done`).
    pub fn job_file(&self, name: &str) -> PathBuf {
        self.work_dir().join(name)
    }

    /// Runs `mrsequential app` and returns its output as sorted non-empty lines.
    pub fn expected_output(&self, app: &str) -> Vec<String> {
        self.expected_text(app).sorted_lines_owned()
    }

    /// Runs `mrsequential app` and returns its output file's text.
    pub fn expected_text(&self, app: &str) -> OutputText {
        let directory = self.root.path().join("sequential");
        let mut sequential = self.spawn(
            env!("CARGO_BIN_EXE_mrsequential"),
            &[app],
            &directory,
            "sequential",
            PROCESS_TIMEOUT,
            true,
        );
        let status = sequential.wait_in_time();
        assert!(status.success(), "mrsequential {app} failed: {status}");
        OutputText::read(&[directory.join("mr-out-0")])
    }

    /// Starts `mrcoordinator` on the inputs and waits until its socket accepts connections.
    pub fn start_coordinator(&self, timeout: Duration) -> Proc {
        let mut coordinator = self.spawn(
            env!("CARGO_BIN_EXE_mrcoordinator"),
            &[],
            &self.work_dir(),
            "coordinator",
            timeout,
            true,
        );
        let deadline = Instant::now() + SOCKET_WAIT;
        // Ready means accepting: the socket file appears at bind(), a moment before listen().
        while UnixStream::connect(self.socket()).is_err() {
            assert!(
                coordinator.try_status().is_none(),
                "the coordinator exited before serving"
            );
            assert!(
                Instant::now() < deadline,
                "no coordinator socket after {SOCKET_WAIT:?}"
            );
            std::thread::sleep(POLL_INTERVAL);
        }
        coordinator
    }

    /// Starts `mrworker app`.
    pub fn start_worker(&self, app: &str, timeout: Duration) -> Proc {
        self.spawn(
            env!("CARGO_BIN_EXE_mrworker"),
            &[app],
            &self.work_dir(),
            "worker",
            timeout,
            false,
        )
    }

    /// `sort mr-out* | grep .` in the job directory.
    pub fn output(&self) -> Vec<String> {
        self.output_text().sorted_lines_owned()
    }

    /// The text of every `mr-out*` file in the job directory, to compare as sorted lines.
    pub fn output_text(&self) -> OutputText {
        OutputText::read(&self.output_files())
    }

    /// Every `mr-out*` file in the job directory.
    pub fn output_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.work_dir())
            .expect("list the job directory")
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| {
                path.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("mr-out")
            })
            .collect()
    }

    /// Starts `program` in `directory` with this job's socket; the inputs follow `args` when
    /// `with_inputs`. Stdout and stderr go to a log file named after `role`.
    fn spawn(
        &self,
        program: &str,
        args: &[&str],
        directory: &Path,
        role: &str,
        timeout: Duration,
        with_inputs: bool,
    ) -> Proc {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let number = STARTED.fetch_add(1, Ordering::Relaxed);
        let log_path = self
            .root
            .path()
            .join("logs")
            .join(format!("{role}-{number}.log"));
        let log = File::create(&log_path).expect("create a log file");
        let mut command = Command::new(program);
        command
            .args(args)
            .args(if with_inputs {
                self.inputs.as_slice()
            } else {
                &[]
            })
            .current_dir(directory)
            .env("LAB_MR_SOCKET", self.socket())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone a log handle"))
            .stderr(log);
        let child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {program}: {error}"));
        Proc {
            child,
            deadline: Instant::now() + timeout,
            role: role.to_string(),
            reaped: None,
            timed_out: false,
        }
    }
}

impl Drop for Job {
    /// On a failed test, prints every process's log before the directory goes.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let Ok(entries) = std::fs::read_dir(self.root.path().join("logs")) else {
            return;
        };
        for entry in entries.filter_map(|entry| entry.ok()) {
            let log = std::fs::read_to_string(entry.path()).unwrap_or_default();
            eprintln!("--- {}:\n{log}", entry.file_name().to_string_lossy());
        }
    }
}

impl Default for Job {
    fn default() -> Self {
        Job::new()
    }
}

/// Output files read whole: `sort <files> | grep .` without a `String` per line, so that
/// outputs of millions of lines compare in little memory.
pub struct OutputText(String);

impl OutputText {
    /// The files' text, one after another; a file whose last line lacks its newline does not
    /// run into the next file.
    pub fn read(files: &[PathBuf]) -> OutputText {
        let mut text = String::new();
        for path in files {
            let bytes = std::fs::read(path)
                .unwrap_or_else(|error| panic!("read {}: {error}", path.display()));
            text.push_str(&String::from_utf8_lossy(&bytes));
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
        }
        OutputText(text)
    }

    /// One file's text, from its bytes.
    pub fn from_bytes(bytes: &[u8]) -> OutputText {
        OutputText(String::from_utf8_lossy(bytes).into_owned())
    }

    /// The non-empty lines, sorted.
    pub fn sorted_lines(&self) -> Vec<&str> {
        let mut lines: Vec<&str> = self.0.lines().filter(|line| !line.is_empty()).collect();
        lines.sort_unstable();
        lines
    }

    /// The non-empty lines, sorted, as owned strings.
    pub fn sorted_lines_owned(&self) -> Vec<String> {
        self.sorted_lines()
            .into_iter()
            .map(str::to_string)
            .collect()
    }
}

/// Asserts two outputs are equal, showing the first difference rather than both in full.
pub fn assert_same_output<A, E>(actual: &[A], expected: &[E], what: &str)
where
    A: AsRef<str> + std::fmt::Debug,
    E: AsRef<str> + std::fmt::Debug,
{
    if let Some(index) = (0..actual.len().max(expected.len()))
        .find(|&i| actual.get(i).map(AsRef::as_ref) != expected.get(i).map(AsRef::as_ref))
    {
        panic!(
            "{what}: output differs from the expected at sorted line {index}: got {:?}, expected {:?} ({} lines against {})",
            actual.get(index),
            expected.get(index),
            actual.len(),
            expected.len()
        );
    }
}

/// A child process with a deadline; killed and reaped when dropped.
pub struct Proc {
    /// The process.
    child: Child,
    /// When it is killed, as `timeout` would.
    deadline: Instant,
    /// "coordinator", "worker" or "sequential", for messages.
    role: String,
    /// Its exit status, once reaped.
    reaped: Option<ExitStatus>,
    /// Whether it was killed at its deadline.
    timed_out: bool,
}

impl Proc {
    /// The exit status if it has exited; kills it if its deadline has passed.
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        if self.reaped.is_none() {
            self.reaped = self.child.try_wait().expect("poll a child");
        }
        if self.reaped.is_none() && Instant::now() >= self.deadline {
            eprintln!("{} {} timed out; killing it", self.role, self.child.id());
            self.timed_out = true;
            self.kill();
        }
        self.reaped
    }

    /// Waits for it to exit, killing it at its deadline.
    pub fn wait(&mut self) -> ExitStatus {
        loop {
            if let Some(status) = self.try_status() {
                return status;
            }
            std::thread::sleep(POLL_INTERVAL);
        }
    }

    /// Waits for it to exit and fails the test if it ran past its deadline.
    pub fn wait_in_time(&mut self) -> ExitStatus {
        let status = self.wait();
        assert!(!self.timed_out, "{} was killed at its deadline", self.role);
        status
    }

    /// Whether it was killed at its deadline.
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    /// Its process id; it names this process until it is reaped.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Kills it with SIGKILL and reaps it, if it is still running.
    pub fn kill(&mut self) {
        if self.reaped.is_none() {
            let _ = self.child.kill();
            self.reaped = self.child.wait().ok();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until one of `processes` exits (test-mr.sh's `wait -n`); returns its index.
pub fn wait_any(processes: &mut [Proc]) -> usize {
    loop {
        if let Some(index) = processes
            .iter_mut()
            .position(|process| process.try_status().is_some())
        {
            return index;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}
