//! The demo: a replicated key/value store surviving chaos, checked for linearizability.
//!
//! Run it with `make demo`, or:
//!
//! ```text
//! cargo run --release -p kvraft --example demo -- [--servers 5] [--clients 8] [--seconds 30] [--seed N]
//!     [--sim] [--html FILE] [--picture-key KEY] [--picture-window FROM..TO] [--history FILE]
//! ```
//!
//! Five servers run on the simulated network while clients read, write and append on a few
//! keys. A scripted chaos schedule partitions the leader away, crashes and restarts servers
//! and turns the unreliable network on and off. A status line shows operations per second,
//! the leader and its term, and the fault in force. At the end the whole history goes through
//! the linearizability checker. Its picture shows one key at a time (the busiest, or the one
//! that failed, around the failure; `--picture-key` and `--picture-window` pick another
//! part), and `--history` saves the whole history for `lincheck`.
//!
//! With `--sim` the whole run is one deterministic labsim simulation in virtual time: the
//! seconds are virtual, and one seed (`--seed N`) gives the same run, the same totals and the
//! same verdict every time (only the real-time figures of the status line and the check's
//! duration differ). There each client pauses [`SIM_CLIENT_PAUSE`] between operations, so
//! that ten minutes of chaos (`--seconds 600`, 8 clients) are some 33,000 operations, about
//! 4.7 million hand-overs between simulated threads (user-space switches), a few seconds of
//! wall time.
//!
//! Exit status: 0 linearizable, 1 not linearizable, 2 the check gave up (it says why), 3 the
//! simulation failed (a deadlock, a panic or a stall; the report says which).

#[path = "../tests/tester/mod.rs"]
mod tester;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use labsim::thread;
use labsim::time::Instant;
use labsim::Sim;
use linearizability::formats::json;
use linearizability::models::{KvInput, KvModel, KvOutput};
use linearizability::visualize::{self, Focus};
use linearizability::{CheckResult, Checker, Operation, Time, Verdict};
use rand::Rng;
use tester::{Config, Spec};

/// Command-line options.
#[derive(Parser, Clone)]
#[command(about = "A replicated key/value store surviving partitions, crashes and loss")]
struct Options {
    /// Number of servers (at least 3).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(3..=9))]
    servers: u16,
    /// Number of concurrent clients.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    clients: u16,
    /// How long the chaos lasts, in seconds.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(5..=600))]
    seconds: u64,
    /// Seed for the network's random decisions, and with `--sim` for the whole run
    /// (default: LAB_SEED or random).
    #[arg(long)]
    seed: Option<u64>,
    /// Run as one deterministic simulation in virtual time (labsim): the same seed gives
    /// the same run.
    #[arg(long)]
    sim: bool,
    /// Where to write the history's picture.
    #[arg(long, default_value = "target/demo-history.html")]
    html: PathBuf,
    /// Draw this key in the picture (default: the key that failed, or else the busiest).
    #[arg(long, value_name = "KEY")]
    picture_key: Option<String>,
    /// Draw only operations between these seconds since the start, e.g. `12..14.5`.
    #[arg(long, value_name = "FROM..TO", value_parser = parse_window)]
    picture_window: Option<(f64, f64)>,
    /// Also write the whole history here, in lincheck's JSON format
    /// (`lincheck FILE --model kv` checks it again).
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
}

/// Parses `FROM..TO` in seconds.
fn parse_window(text: &str) -> Result<(f64, f64), String> {
    let usage = || format!("'{text}' is not a window of seconds like 12..14.5");
    let (from, to) = text.split_once("..").ok_or_else(usage)?;
    let from: f64 = from.trim().parse().map_err(|_| usage())?;
    let to: f64 = to.trim().parse().map_err(|_| usage())?;
    if !(from.is_finite() && to.is_finite() && 0.0 <= from && from <= to) {
        return Err(format!(
            "the window {text} must run forward from 0 or later"
        ));
    }
    Ok((from, to))
}

/// Keys the clients work on: few, so that they contend.
const KEYS: usize = 5;

/// How long one fault of the schedule stays in force.
const FAULT_DURATION: Duration = Duration::from_secs(3);

/// The servers' `maxraftstate`: they snapshot as they go, as in 4B.
const DEMO_MAX_RAFT_STATE: usize = 4000;

/// How long the linearizability check may take at the end.
const CHECK_TIMEOUT: Duration = Duration::from_secs(20);

/// The most operations the picture draws: enough to follow a few seconds of one key, few
/// enough for a browser to draw at once.
const PICTURE_OPERATIONS: usize = 2_000;

/// One step of the chaos schedule.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Calm,
    PartitionLeader,
    CrashLeader,
    CrashMinority,
    Unreliable,
    RandomPartition,
}

impl Fault {
    const SCHEDULE: [Fault; 8] = [
        Fault::Calm,
        Fault::PartitionLeader,
        Fault::Calm,
        Fault::CrashLeader,
        Fault::Unreliable,
        Fault::RandomPartition,
        Fault::CrashMinority,
        Fault::Calm,
    ];
}

fn main() {
    let options = Options::parse();
    let outcome = if options.sim {
        let seed = options.seed.unwrap_or_else(labsim::rand::seed);
        let chaos = options.clone();
        match Sim::new(seed).run_with_stats(move || run_chaos(&chaos)) {
            Ok((mut outcome, stats)) => {
                outcome.seed = seed;
                outcome.simulation = Some(stats);
                outcome
            }
            Err(error) => {
                eprintln!("{error}\nreplay it exactly with --sim --seed {seed}");
                std::process::exit(3);
            }
        }
    } else {
        if let Some(seed) = options.seed {
            std::env::set_var(labrpc::SEED_VAR, seed.to_string());
        }
        run_chaos(&options)
    };
    std::process::exit(report(&outcome, &options));
}

/// What a run of chaos leaves for the report.
struct Outcome {
    /// The seed that replays the run: the network's, or with `--sim` the simulation's.
    seed: u64,
    /// How long the chaos and the clients' last operations took (virtual time with `--sim`).
    seconds: f64,
    ops: u64,
    rpcs: u64,
    bytes: u64,
    history: Vec<Operation<KvInput, KvOutput>>,
    /// With `--sim`: the simulation's counters (its schedule fingerprint among them).
    simulation: Option<labsim::SimStats>,
}

/// Starts the servers, runs the clients under the chaos schedule for `--seconds`, heals,
/// lets the clients finish, and stops every server.
fn run_chaos(options: &Options) -> Outcome {
    let servers = usize::from(options.servers);
    let config = Config::new(Spec {
        part: "demo",
        test: "demo",
        servers,
        max_raft_state: Some(DEMO_MAX_RAFT_STATE),
        ..Spec::default()
    });
    let (seed, replay) = match labsim::current_seed() {
        Some(seed) => (seed, format!("--sim --seed {seed}")),
        None => (
            config.network().seed(),
            format!("--seed {}", config.network().seed()),
        ),
    };
    let mode = if options.sim { " virtual" } else { "" };
    println!(
        "{} servers, {} clients, {}{mode} s of chaos, seed {seed} (replay with {replay})",
        servers, options.clients, options.seconds,
    );

    let status = status_bar();
    let done = AtomicBool::new(false);
    let started = Instant::now();
    let real = RealClock::start();
    thread::scope(|scope| {
        let pause = options.sim.then_some(SIM_CLIENT_PAUSE);
        for client in 0..usize::from(options.clients) {
            let (config, done) = (&config, &done);
            scope.spawn(format!("client-{client}"), move || {
                run_client(config, client, pause, done)
            });
        }
        let mut fault = Fault::Calm;
        let mut fault_started = Instant::now();
        let mut step = 0;
        let mut last_ops = (Instant::now(), 0u64);
        let plain_status = !std::io::stderr().is_terminal();
        let plain_period = if options.sim { 20 } else { 2 };
        let mut period_printed = u64::MAX;
        while started.elapsed() < Duration::from_secs(options.seconds) {
            if fault_started.elapsed() >= FAULT_DURATION {
                end_fault(&config, fault);
                step += 1;
                fault = Fault::SCHEDULE[step % Fault::SCHEDULE.len()];
                begin_fault(&config, fault);
                fault_started = Instant::now();
            }
            thread::sleep(STATUS_INTERVAL);
            let ops = config.op_count();
            let rate = (ops - last_ops.1) as f64 / last_ops.0.elapsed().as_secs_f64();
            last_ops = (Instant::now(), ops);
            let mut line = status_line(&config, started, rate, ops, fault);
            if options.sim {
                line.push_str(&format!("  ({:.1} s real)", real.seconds()));
            }
            let period = started.elapsed().as_secs() / plain_period;
            if plain_status && period_printed != period {
                // No terminal to redraw on: a plain line every few seconds instead.
                period_printed = period;
                eprintln!("{line}");
            }
            status.set_message(line);
        }
        end_fault(&config, fault);
        status.set_message("healing: every server back, network reliable; clients finishing");
        done.store(true, Ordering::Relaxed);
    });
    status.finish_and_clear();
    let outcome = Outcome {
        seed,
        seconds: started.elapsed().as_secs_f64(),
        ops: config.op_count(),
        rpcs: config.network().total_count(),
        bytes: config.network().total_bytes(),
        history: config.history(),
        simulation: None,
    };
    // Dropping the config stops every server (inside the simulation, with `--sim`).
    drop(config);
    outcome
}

/// With `--sim`, the virtual pause of each client between two operations. Without it the
/// clients would run flat out at real mode's rate (thousands of operations per virtual
/// second), and ten virtual minutes would make a history too long to check quickly.
const SIM_CLIENT_PAUSE: Duration = Duration::from_millis(125);

/// How often the chaos loop wakes to update the status line and the schedule.
const STATUS_INTERVAL: Duration = Duration::from_millis(250);

/// Real time since the start, for the status line of a simulated run: the one figure there
/// that is not virtual, so it is read from the OS clock on purpose. It is only displayed:
/// nothing in the run depends on it.
#[allow(clippy::disallowed_types)]
struct RealClock(std::time::Instant);

#[allow(clippy::disallowed_types, clippy::disallowed_methods)]
impl RealClock {
    fn start() -> RealClock {
        RealClock(std::time::Instant::now())
    }

    fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

fn status_bar() -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_draw_target(ProgressDrawTarget::stderr_with_hz(4));
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

fn status_line(config: &Config, started: Instant, rate: f64, ops: u64, fault: Fault) -> String {
    let leader = match config.leader_and_term() {
        Some((leader, term)) => format!("leader S{leader} term {term}"),
        None => "no leader".to_string(),
    };
    format!(
        "{:>4.0}s  {:>6.0} ops/s  {:>7} ops  {leader:<18}  fault: {}",
        started.elapsed().as_secs_f64(),
        rate,
        ops,
        describe(config, fault)
    )
}

fn describe(config: &Config, fault: Fault) -> String {
    match fault {
        Fault::Calm => "none".into(),
        Fault::Unreliable => "unreliable network (10% loss, 0-26 ms delay)".into(),
        other => format!("{other:?} ({})", config.describe_faults()),
    }
}

fn begin_fault(config: &Config, fault: Fault) {
    match fault {
        Fault::Calm => {}
        Fault::PartitionLeader => {
            let (majority, minority) = config.make_partition();
            config.partition(&majority, &minority);
        }
        Fault::RandomPartition => {
            let n = config.server_count();
            let sides: Vec<bool> = config
                .network()
                .with_rng(|rng| (0..n).map(|_| rng.gen_bool(0.5)).collect());
            let left: Vec<usize> = (0..n).filter(|&i| sides[i]).collect();
            let right: Vec<usize> = (0..n).filter(|&i| !sides[i]).collect();
            config.partition(&left, &right);
        }
        Fault::CrashLeader => {
            if let Some((leader, _)) = config.leader_and_term() {
                config.crash(leader);
            }
        }
        Fault::CrashMinority => {
            for i in 0..(config.server_count() - 1) / 2 {
                config.crash(i);
            }
        }
        Fault::Unreliable => config.network().set_reliable(false),
    }
}

fn end_fault(config: &Config, fault: Fault) {
    config.network().set_reliable(true);
    if matches!(fault, Fault::CrashLeader | Fault::CrashMinority) {
        config.restart_crashed();
    }
    config.connect_all();
}

/// A client: random reads, writes and appends on a few keys until told to stop, pausing
/// `pause` between operations if given.
fn run_client(config: &Config, client: usize, pause: Option<Duration>, done: &AtomicBool) {
    let clerk = config.make_clerk(&config.all());
    let mut count = 0;
    while !done.load(Ordering::Relaxed) {
        let (draw, key) = config
            .network()
            .with_rng(|rng| (rng.gen_range(0..100), rng.gen_range(0..KEYS)));
        let key = format!("key{key}");
        match draw {
            0..=44 => {
                config.get(&clerk, client, &key);
            }
            45..=54 => config.put(&clerk, client, &key, &format!("[{client}.{count}]")),
            _ => config.append(&clerk, client, &key, &format!("[{client}.{count}]")),
        }
        count += 1;
        if let Some(pause) = pause {
            thread::sleep(pause);
        }
    }
}

/// Prints the totals, checks the history, writes the picture (and the history if asked),
/// and returns the exit status. With `--sim` every figure before the verdict line is the
/// same for the same seed; only the check's duration is real time.
fn report(outcome: &Outcome, options: &Options) -> i32 {
    let Outcome {
        ops,
        seconds,
        history,
        ..
    } = outcome;
    let unit = if options.sim { "virtual s" } else { "s" };
    println!(
        "{ops} operations in {seconds:.1} {unit} ({:.0} ops/s), {} RPCs, {} bytes",
        *ops as f64 / seconds,
        outcome.rpcs,
        outcome.bytes
    );
    if let Some(stats) = &outcome.simulation {
        println!(
            "simulation: seed {}, {} threads, {} switches between them, schedule fingerprint {:016x}",
            outcome.seed, stats.threads, stats.switches, stats.schedule_hash
        );
    }
    if let Some(path) = &options.history {
        match save_history(history, path) {
            Ok(()) => println!(
                "history written to {} (check it again: cargo run --release -p linearizability \
                 --bin lincheck -- {} --model kv)",
                path.display(),
                path.display()
            ),
            Err(error) => eprintln!("cannot write the history to {}: {error}", path.display()),
        }
    }
    println!(
        "checking {} operations for linearizability...",
        history.len()
    );
    let result = Checker::new()
        .timeout(Some(CHECK_TIMEOUT))
        .check_operations(&KvModel, history);
    println!(
        "verdict: {} (checked in {:.2?}, {} keys, search memory at most {:.1} MiB)",
        result.describe().to_uppercase(),
        result.elapsed,
        result.partitions.len(),
        result.peak_memory_bytes as f64 / f64::from(1 << 20)
    );
    draw(history, &result, options);
    match result.verdict {
        Verdict::Linearizable => 0,
        Verdict::Illegal => 1,
        Verdict::Unknown => 2,
    }
}

/// Writes the picture of the part of the history the options choose, and says what it shows.
fn draw(history: &[Operation<KvInput, KvOutput>], result: &CheckResult, options: &Options) {
    let seconds_to_time = |seconds: f64| (seconds * 1e9) as Time;
    let focus = Focus {
        partition: options.picture_key.clone(),
        window: options
            .picture_window
            .map(|(from, to)| (seconds_to_time(from), seconds_to_time(to))),
        max_operations: Some(PICTURE_OPERATIONS),
    };
    if let Some(parent) = options.html.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    match visualize::write_html_focused(&KvModel, history, result, &focus, &options.html) {
        Ok(shown) if shown.is_empty() => {
            println!("picture of the history: {}", options.html.display())
        }
        Ok(shown) => println!(
            "picture of the history: {}\n  showing {shown} (times in ns)\n  \
             another part: --picture-key KEY (one of key0..key{}), --picture-window FROM..TO (seconds)",
            options.html.display(),
            KEYS - 1
        ),
        Err(error) => eprintln!("cannot write the picture: {error}"),
    }
}

fn save_history(history: &[Operation<KvInput, KvOutput>], path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    json::write_operations(history, &mut out)
}
