//! The graded MapReduce suite: test-mr.sh's seven tests, starting the real binaries, and a
//! worker kill test beside the crash test.
//!
//! Each test compares the job's `sort mr-out* | grep .` with `mrsequential`'s output for the
//! same app, or checks what the timing apps report, as test-mr.sh does. Every test has its
//! own directory and socket, so `cargo test -p mapreduce` runs them in parallel. Each one
//! prints a banner and a result line and appends its line to the results file, as the other
//! labs' tests do (`harness::graded` says what the line holds).

mod harness;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use harness::graded::GradedTest;
use harness::inputs::write_distinct_words;
use harness::kill::WorkerPool;
use harness::{assert_same_output, wait_any, Job, Proc, CRASH_PROCESS_TIMEOUT, PROCESS_TIMEOUT};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Workers of the crash test running side by side: the first one and one per restart loop.
const CRASH_TEST_WORKERS: usize = 1 + CRASH_RESTART_LOOPS;

/// The crash test's loops that restart workers, as test-mr.sh's three.
const CRASH_RESTART_LOOPS: usize = 3;

/// How long a crash-test restart loop pauses between workers, as test-mr.sh's `sleep 1`.
const RESTART_PAUSE: Duration = Duration::from_secs(1);

/// Starts `count` workers running `app`.
fn start_workers(job: &Job, app: &str, count: usize) -> Vec<Proc> {
    (0..count)
        .map(|_| job.start_worker(app, PROCESS_TIMEOUT))
        .collect()
}

/// Waits for every process in `processes`.
fn wait_all(processes: &mut [Proc]) {
    for process in processes {
        process.wait();
    }
}

/// Lines of the output whose key starts with `prefix`.
fn lines_starting(output: &[String], prefix: &str) -> Vec<String> {
    output
        .iter()
        .filter(|line| line.starts_with(prefix))
        .cloned()
        .collect()
}

#[test]
fn wc_test() {
    let run = GradedTest {
        test: "wc_test",
        title: "wc test",
        workers: 3,
    }
    .begin();
    let job = Job::new();
    let expected = job.expected_output("wc");
    let mut coordinator = job.start_coordinator(PROCESS_TIMEOUT);
    let mut workers = start_workers(&job, "wc", 3);
    // Does the job finish, with the sequential output?
    coordinator.wait_in_time();
    assert_same_output(&job.output(), &expected, "wc");
    wait_all(&mut workers);
    run.pass();
}

#[test]
fn indexer_test() {
    let run = GradedTest {
        test: "indexer_test",
        title: "indexer test",
        workers: 2,
    }
    .begin();
    let job = Job::new();
    let expected = job.expected_output("indexer");
    let mut coordinator = job.start_coordinator(PROCESS_TIMEOUT);
    let mut background = job.start_worker("indexer", PROCESS_TIMEOUT);
    job.start_worker("indexer", PROCESS_TIMEOUT).wait_in_time();
    assert_same_output(&job.output(), &expected, "indexer");
    background.wait();
    coordinator.wait_in_time();
    run.pass();
}

#[test]
fn map_parallelism_test() {
    let run = GradedTest {
        test: "map_parallelism_test",
        title: "map parallelism test",
        workers: 2,
    }
    .begin();
    let job = Job::new();
    let mut coordinator = job.start_coordinator(PROCESS_TIMEOUT);
    let mut background = job.start_worker("mtiming", PROCESS_TIMEOUT);
    job.start_worker("mtiming", PROCESS_TIMEOUT).wait_in_time();
    let output = job.output();
    // Did both workers run maps?
    let times = lines_starting(&output, "times-");
    assert_eq!(times.len(), 2, "expected maps by 2 workers, got {times:?}");
    // Did two maps ever run at the same time?
    let parallel = lines_starting(&output, "parallel");
    assert!(
        parallel
            .iter()
            .any(|line| line.split(' ').skip(1).any(|count| count == "2")),
        "map workers did not run in parallel: {parallel:?}"
    );
    background.wait();
    coordinator.wait_in_time();
    run.pass();
}

#[test]
fn reduce_parallelism_test() {
    let run = GradedTest {
        test: "reduce_parallelism_test",
        title: "reduce parallelism test",
        workers: 2,
    }
    .begin();
    let job = Job::new();
    let mut coordinator = job.start_coordinator(PROCESS_TIMEOUT);
    let mut background = job.start_worker("rtiming", PROCESS_TIMEOUT);
    job.start_worker("rtiming", PROCESS_TIMEOUT).wait_in_time();
    // Did at least two reduces see another running beside them?
    let output = job.output();
    let overlapping = output
        .iter()
        .filter(|line| is_letter_then(line, "2"))
        .count();
    assert!(overlapping >= 2, "too few parallel reduces: {output:?}");
    background.wait();
    coordinator.wait_in_time();
    run.pass();
}

/// Whether `line` is `"<one lower-case letter> <value>"` (test-mr.sh's `^[a-z] 2`).
fn is_letter_then(line: &str, value: &str) -> bool {
    let mut chars = line.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars
            .as_str()
            .strip_prefix(' ')
            .is_some_and(|rest| rest.starts_with(value))
}

#[test]
fn job_count_test() {
    let run = GradedTest {
        test: "job_count_test",
        title: "job count test",
        workers: 4,
    }
    .begin();
    let job = Job::new();
    let mut coordinator = job.start_coordinator(PROCESS_TIMEOUT);
    // Two in the background and two in the foreground, as test-mr.sh starts them.
    let mut first = job.start_worker("jobcount", PROCESS_TIMEOUT);
    job.start_worker("jobcount", PROCESS_TIMEOUT).wait_in_time();
    let mut third = job.start_worker("jobcount", PROCESS_TIMEOUT);
    job.start_worker("jobcount", PROCESS_TIMEOUT).wait_in_time();
    // Did each of the 8 map tasks run exactly once?
    let values: Vec<String> = job
        .output()
        .iter()
        .map(|line| {
            line.split_once(' ')
                .map_or("", |(_, value)| value)
                .to_string()
        })
        .collect();
    assert_eq!(values, ["8"], "map tasks ran the wrong number of times");
    first.wait();
    third.wait();
    coordinator.wait_in_time();
    run.pass();
}

#[test]
fn early_exit_test() {
    let run = GradedTest {
        test: "early_exit_test",
        title: "early exit test",
        workers: 3,
    }
    .begin();
    let job = Job::new();
    let mut processes = vec![job.start_coordinator(PROCESS_TIMEOUT)];
    processes.extend(start_workers(&job, "early_exit", 3));
    // The moment any process exits, the output must already be final.
    let first = wait_any(&mut processes);
    let initial = job.output();
    wait_all(&mut processes);
    assert!(!processes.is_empty() && first < processes.len());
    let final_output = job.output();
    assert_same_output(
        &initial,
        &final_output,
        "early exit: output when the first process exited",
    );
    assert_same_output(
        &final_output,
        &job.expected_output("early_exit"),
        "early exit",
    );
    run.pass();
}

#[test]
fn crash_test() {
    let run = GradedTest {
        test: "crash_test",
        title: "crash test",
        workers: CRASH_TEST_WORKERS,
    }
    .begin();
    let job = Job::new();
    let expected = job.expected_output("nocrash");
    let done_marker = job.job_file("mr-done");
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        // If this test fails, the restart loops stop rather than outlive it.
        let _stop_loops = SetOnDrop(&stop);
        let mut coordinator = job.start_coordinator(CRASH_PROCESS_TIMEOUT);
        let (stop, done_marker) = (&stop, &done_marker);
        let watcher = scope.spawn(move || {
            let timed_out = coordinator_timed_out(&mut coordinator, stop);
            std::fs::write(done_marker, "").expect("touch mr-done");
            timed_out
        });
        let mut first = job.start_worker("crash", CRASH_PROCESS_TIMEOUT);
        let job = &job;
        let loops: Vec<_> = (0..CRASH_RESTART_LOOPS)
            .map(|_| scope.spawn(move || restart_workers(job, stop)))
            .collect();
        for restart_loop in loops {
            restart_loop.join().expect("a restart loop panicked");
        }
        first.wait();
        assert!(
            !watcher.join().expect("the watcher panicked"),
            "the coordinator timed out"
        );
    });
    assert_same_output(&job.output(), &expected, "crash");
    run.pass();
}

/// Waits for the coordinator to exit (or the test to stop); true if it ran past its deadline.
fn coordinator_timed_out(coordinator: &mut Proc, stop: &AtomicBool) -> bool {
    while coordinator.try_status().is_none() && !stop.load(Ordering::SeqCst) {
        std::thread::sleep(harness::POLL_INTERVAL);
    }
    coordinator.timed_out()
}

/// test-mr.sh's restart loop: while the socket exists and `mr-done` does not, run a crash
/// worker to its end, pause, repeat.
fn restart_workers(job: &Job, stop: &AtomicBool) {
    while job.socket().exists() && !job.job_file("mr-done").exists() && !stop.load(Ordering::SeqCst)
    {
        job.start_worker("crash", CRASH_PROCESS_TIMEOUT).wait();
        std::thread::sleep(RESTART_PAUSE);
    }
}

/// Sets the flag when dropped, including while unwinding from a failed assertion.
struct SetOnDrop<'a>(&'a AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Workers running at any moment of the worker kill test, as in the wc test.
const KILL_TEST_WORKERS: usize = 3;

/// The worker kill test's inputs: as many files as the course's books.
const KILL_TEST_INPUT_FILES: usize = 8;

/// Bytes per input of the worker kill test: with distinct words, each reduce task writes
/// about 2 MB of output over some tens of milliseconds, a write a kill can land in.
const KILL_TEST_INPUT_BYTES: usize = 2_000_000;

/// The random kill falls this long at most after the workers start: about the map phase.
const RANDOM_KILL_WINDOW: Duration = Duration::from_millis(1500);

/// Kills aimed at workers writing, once the reduce tasks have begun to write output.
const WRITER_KILLS: usize = 2;

/// Before each kill aimed at a writer, the test pauses a random time up to this, so that the
/// kills land at different points of the reduce phase from run to run.
const WRITER_KILL_PAUSE: Duration = Duration::from_millis(200);

/// The crash test's workers die only inside the app's map or reduce, never while writing a
/// file, and its outputs are a few bytes. Here workers are killed from outside with SIGKILL
/// (one at a random moment, then some in the middle of writing reduce output), with inputs
/// whose wc output is megabytes, and replacements are started; the job must still produce
/// mrsequential's output, and every output file in view right after a kill must be whole.
///
/// The second check is the lab's rule that nobody sees a partly written file. The final
/// output alone cannot show a worker that writes `mr-out-Y` in place: the task's rerun, 10 s
/// after the kill, overwrites the torn file with a whole one. Until then it is in view.
#[test]
fn worker_kill_test() {
    let seed = labrpc::seed_from_env().unwrap_or_else(|error| panic!("{error}"));
    let run = GradedTest {
        test: "worker_kill_test",
        title: "worker kill test",
        workers: KILL_TEST_WORKERS,
    }
    .begin_with_seed(seed);
    let mut rng = StdRng::seed_from_u64(seed);
    let job = Job::with_inputs(|directory| {
        write_distinct_words(
            directory,
            seed,
            KILL_TEST_INPUT_FILES,
            KILL_TEST_INPUT_BYTES,
        )
    });
    println!("seed {seed} (LAB_SEED), directory {}", job.root().display());
    let expected = job.expected_text("wc");
    let mut coordinator = job.start_coordinator(CRASH_PROCESS_TIMEOUT);
    let mut workers = WorkerPool::start(&job, "wc", KILL_TEST_WORKERS);
    // One at a random moment, most likely while it maps.
    std::thread::sleep(random_duration(&mut rng, RANDOM_KILL_WINDOW));
    workers.kill_random(&mut rng);
    // Then, once reduce tasks write output, some in the middle of writing.
    wait_for_output(&job, &mut coordinator);
    for _ in 0..WRITER_KILLS {
        std::thread::sleep(random_duration(&mut rng, WRITER_KILL_PAUSE));
        workers.kill_a_writer(&mut rng, &mut coordinator);
    }
    coordinator.wait_in_time();
    workers.wait_all();
    println!(
        "{} kills while writing:\n{}",
        workers.kills_while_writing(),
        workers.kill_log()
    );
    // Does the job still produce the sequential output?
    let output = job.output_text();
    assert_same_output(
        &output.sorted_lines(),
        &expected.sorted_lines(),
        "worker kill",
    );
    // Was every output file in view after a kill already whole?
    workers.check_outputs_seen();
    run.pass();
}

/// A duration drawn uniformly below `limit`.
fn random_duration(rng: &mut StdRng, limit: Duration) -> Duration {
    Duration::from_micros(rng.gen_range(0..limit.as_micros() as u64))
}

/// Waits until the job directory holds an `mr-out*` file (a reduce task is writing or has
/// written), or the coordinator has exited.
fn wait_for_output(job: &Job, coordinator: &mut Proc) {
    while job.output_files().is_empty() && coordinator.try_status().is_none() {
        std::thread::sleep(harness::POLL_INTERVAL);
    }
}
