//! Killing workers from outside: SIGKILL at a random moment or in the middle of writing, a
//! replacement for each, and what the job's output looked like right after each kill.
//!
//! A worker is *writing* when it holds a file in the job directory open for writing, as
//! `/proc/<pid>/fd` and `/proc/<pid>/fdinfo` show (Linux). That is true of a map writing its
//! intermediate files and of a reduce writing its output, under whatever names it writes
//! them, so the kills aim at the writes without knowing how a worker does them.
//!
//! The lab's rule is that nobody ever sees a partly written file. So every `mr-out*` file
//! there right after a worker died must already be whole: [`WorkerPool::check_outputs_seen`]
//! holds each one to the same file at the end of the job (a task run twice writes the same
//! lines), compared as sorted lines.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::Rng;

use super::{Job, OutputText, Proc, CRASH_PROCESS_TIMEOUT};

/// How often [`WorkerPool::kill_a_writer`] looks for a writing worker: short next to the
/// tens of milliseconds a reduce task writes its output for here, so that the kill lands
/// inside the write, and cheap (a few `/proc` reads).
const WRITER_POLL: Duration = Duration::from_millis(1);

/// `O_ACCMODE` from `<fcntl.h>`: the access-mode bits of an open file's flags.
const ACCESS_MODE_MASK: u32 = 0o3;

/// `O_RDONLY`: the access mode of a file opened only for reading.
const READ_ONLY: u32 = 0o0;

/// What a kill aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aim {
    /// Any live worker, at a moment the test drew at random.
    RandomMoment,
    /// A worker seen writing a file in the job directory.
    Writing,
}

/// One kill and what it left behind.
struct Kill {
    /// What the kill aimed at.
    aim: Aim,
    /// The killed worker.
    pid: u32,
    /// When, since the pool started.
    at: Duration,
    /// Whether the worker held a file in the job directory open for writing when it was
    /// killed (checked just before the signal).
    was_writing: bool,
    /// Every `mr-out*` file and its bytes, read as soon as the worker was reaped.
    outputs_seen: Vec<(PathBuf, Vec<u8>)>,
}

impl fmt::Display for Kill {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let aim = match self.aim {
            Aim::RandomMoment => "at a random moment",
            Aim::Writing => "once seen writing",
        };
        let state = if self.was_writing {
            "writing"
        } else {
            "not writing"
        };
        write!(
            f,
            "worker {} killed {aim} at {:.2} s ({state})",
            self.pid,
            self.at.as_secs_f64()
        )
    }
}

/// A job's workers, some killed and replaced as the test goes.
pub struct WorkerPool<'a> {
    /// The job they work for.
    job: &'a Job,
    /// The app every worker runs.
    app: &'a str,
    /// The job directory as `/proc` names open files (symlinks resolved).
    job_dir: PathBuf,
    /// When the pool started, for the kill log.
    started: Instant,
    /// Every worker started; a killed one is reaped and stays here.
    workers: Vec<Proc>,
    /// Every kill, in order.
    kills: Vec<Kill>,
}

impl<'a> WorkerPool<'a> {
    /// Starts `count` workers running `app`, each with the crash test's time limit.
    pub fn start(job: &'a Job, app: &'a str, count: usize) -> WorkerPool<'a> {
        let job_dir = std::fs::canonicalize(job.work_dir()).expect("resolve the job directory");
        let workers = (0..count)
            .map(|_| job.start_worker(app, CRASH_PROCESS_TIMEOUT))
            .collect();
        WorkerPool {
            job,
            app,
            job_dir,
            started: Instant::now(),
            workers,
            kills: Vec::new(),
        }
    }

    /// Kills a live worker chosen at random, and starts another.
    pub fn kill_random(&mut self, rng: &mut StdRng) {
        let live = self.live_workers();
        if !live.is_empty() {
            let victim = live[rng.gen_range(0..live.len())];
            self.kill(victim, Aim::RandomMoment);
        }
    }

    /// Waits until some worker is writing, kills it (a random one if several are), and
    /// starts another. Gives up if `coordinator` exits first.
    pub fn kill_a_writer(&mut self, rng: &mut StdRng, coordinator: &mut Proc) {
        while coordinator.try_status().is_none() {
            let writers: Vec<usize> = self
                .live_workers()
                .into_iter()
                .filter(|&index| self.is_writing(index))
                .collect();
            if !writers.is_empty() {
                let victim = writers[rng.gen_range(0..writers.len())];
                self.kill(victim, Aim::Writing);
                return;
            }
            std::thread::sleep(WRITER_POLL);
        }
    }

    /// Waits for every worker to exit (each is killed at its deadline).
    pub fn wait_all(&mut self) {
        for worker in &mut self.workers {
            worker.wait();
        }
    }

    /// How many kills found their worker writing.
    pub fn kills_while_writing(&self) -> usize {
        self.kills.iter().filter(|kill| kill.was_writing).count()
    }

    /// One line per kill.
    pub fn kill_log(&self) -> String {
        let lines: Vec<String> = self
            .kills
            .iter()
            .enumerate()
            .map(|(number, kill)| format!("  kill {}: {kill}", number + 1))
            .collect();
        lines.join("\n")
    }

    /// Was every `mr-out*` file seen right after a kill already whole, that is, the same
    /// (as sorted lines) as at the end of the job?
    pub fn check_outputs_seen(&self) {
        for (number, kill) in self.kills.iter().enumerate() {
            for (path, seen) in &kill.outputs_seen {
                check_output_seen(path, seen, &format!("kill {} ({kill})", number + 1));
            }
        }
    }

    /// Indices of the workers still running.
    fn live_workers(&mut self) -> Vec<usize> {
        (0..self.workers.len())
            .filter(|&index| self.workers[index].try_status().is_none())
            .collect()
    }

    /// Whether worker `index` holds a file in the job directory open for writing.
    fn is_writing(&self, index: usize) -> bool {
        holds_file_open_for_writing(self.workers[index].id(), &self.job_dir)
    }

    /// Kills worker `index` with SIGKILL, reaps it, notes what output is visible, and starts
    /// a replacement.
    fn kill(&mut self, index: usize, aim: Aim) {
        let was_writing = self.is_writing(index);
        let pid = self.workers[index].id();
        self.workers[index].kill();
        let at = self.started.elapsed();
        let outputs_seen = self
            .job
            .output_files()
            .into_iter()
            .filter_map(|path| std::fs::read(&path).ok().map(|bytes| (path, bytes)))
            .collect();
        self.kills.push(Kill {
            aim,
            pid,
            at,
            was_writing,
            outputs_seen,
        });
        let replacement = self.job.start_worker(self.app, CRASH_PROCESS_TIMEOUT);
        self.workers.push(replacement);
    }
}

/// Fails unless `path` holds, at the end of the job, the lines it held when `seen`.
fn check_output_seen(path: &Path, seen: &[u8], when: &str) {
    let name = path.file_name().unwrap().to_string_lossy();
    let at_end = std::fs::read(path).unwrap_or_else(|error| {
        panic!("{name} was there right after {when}, but not at the end of the job: {error}")
    });
    if at_end == seen {
        return;
    }
    let (seen_text, end_text) = (
        OutputText::from_bytes(seen),
        OutputText::from_bytes(&at_end),
    );
    if seen_text.sorted_lines() != end_text.sorted_lines() {
        let ending = if seen.ends_with(b"\n") || seen.is_empty() {
            ""
        } else {
            ", the last one cut short"
        };
        panic!(
            "right after {when}, {name} held {} bytes in {} lines{ending}, but {} bytes in {} \
             lines at the end: an output file was in view before it was whole (write to a \
             temporary file and rename it into place)",
            seen.len(),
            seen_text.sorted_lines().len(),
            at_end.len(),
            end_text.sorted_lines().len(),
        );
    }
}

/// Whether process `pid` holds a file under `directory` open for writing (Linux `/proc`).
/// False once it has exited, or if `/proc` cannot be read.
fn holds_file_open_for_writing(pid: u32, directory: &Path) -> bool {
    let Ok(descriptors) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    descriptors.filter_map(Result::ok).any(|descriptor| {
        std::fs::read_link(descriptor.path()).is_ok_and(|target| target.starts_with(directory))
            && opened_for_writing(pid, &descriptor.file_name().to_string_lossy())
    })
}

/// Whether descriptor `fd` of process `pid` was opened for writing, from the `flags:` line
/// of `/proc/<pid>/fdinfo/<fd>` (octal).
fn opened_for_writing(pid: u32, fd: &str) -> bool {
    let Ok(info) = std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}")) else {
        return false;
    };
    info.lines()
        .find_map(|line| line.strip_prefix("flags:"))
        .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
        .is_some_and(|flags| flags & ACCESS_MODE_MASK != READ_ONLY)
}
