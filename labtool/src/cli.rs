//! The command line: `lab stress`, `lab sweep`, `lab logs`, `lab results`, `lab skeleton`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::color::ColorChoice;
use crate::skeleton::Tier;

/// Tools for the labs: stress a test, read its logs, compare results with the MIT staff's.
#[derive(Debug, Parser)]
#[command(name = "lab", version)]
pub struct Cli {
    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a crate's matching tests many times in parallel, keeping the logs of failed runs.
    #[command(after_help = STRESS_EXAMPLES)]
    Stress(StressArgs),
    /// Run the graded tests in simulation over many seeds within a time budget, the random and
    /// the PCT scheduler in turns; report each test's runs and every failing seed with its
    /// replay command.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep(SweepArgs),
    /// Lay a lab log out one column per server, coloured by topic.
    Logs(LogsArgs),
    /// Show the results file as a table beside the MIT staff figures.
    Results(ResultsArgs),
    /// Write the student version of the workspace: marked solution functions become stubs.
    Skeleton(SkeletonArgs),
}

/// Examples under `lab stress --help`.
const STRESS_EXAMPLES: &str = "\
Examples:
  lab stress raft 3a                      every 3A test, 10 runs each
  lab stress raft figure8 --runs 200      the tests whose names contain figure8
  lab stress kvraft 4a partition --sim    4A's partition tests (not 4B's), simulated
  LAB_SCHED=pct lab stress raft 3c --sim  simulated under the PCT scheduler

With --sim, the tests that run in real time only (labtest/real_only.json) are left out
and listed.";

/// Examples under `lab sweep --help`.
const SWEEP_EXAMPLES: &str = "\
Examples:
  lab sweep                    every graded test of kvsrv, raft, kvraft and shardkv
  lab sweep raft 3a 3b         parts 3A and 3B (the crate may be left out: lab sweep 3a 3b)
  lab sweep kvraft 4a          part 4A only
  lab sweep raft figure8       raft's graded tests whose names contain figure8
  lab sweep raft kvsrv         every graded test of both crates

The tests that run in real time only (labtest/real_only.json) are left out and listed.";

/// `lab stress <crate> <filter>...`.
#[derive(Debug, Args)]
pub struct StressArgs {
    /// The workspace crate whose tests run (e.g. raft).
    #[arg(value_name = "CRATE")]
    pub krate: String,
    /// What to run: a part (2, 3a ... 5b; 3 is all of lab 3) runs that part's graded tests;
    /// anything else runs the tests whose names contain it, as for `cargo test`. Given both,
    /// a test runs when it is in one of the parts and its name contains one of the others:
    /// `4a partition` is 4A's partition tests.
    #[arg(value_name = "FILTER", required = true)]
    pub filters: Vec<String>,
    /// How many times to run each matching test.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// How many runs go at once.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Kill a run after this many seconds and count it as failed (twice MIT's 120 s per-test
    /// limit by default, since parallel runs slow each other down).
    #[arg(long, value_name = "SECS", default_value_t = 240, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// Build and run the tests with `--release`.
    #[arg(long)]
    pub release: bool,
    /// Run every test in deterministic simulation (`LAB_SIM=1`): a failing run's seed then
    /// replays it exactly, same schedule and same log. The scheduler is the one `LAB_SCHED`
    /// names (`random`, `pct` or `pct:<depth>`; random when unset).
    #[arg(long)]
    pub sim: bool,
}

/// `lab sweep [CRATE|PART|TEST]...`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// What to sweep: crates (raft), parts (2, 3a ... 5b; 3 is all of lab 3) and pieces of
    /// test names (figure8), in any order. A part runs that part's graded tests, a piece the
    /// graded tests whose names contain it; given both, a test must be in one of the parts and
    /// contain one of the pieces. Without a crate, the crates of the parts given, else kvsrv,
    /// raft, kvraft and shardkv (those the workspace has).
    #[arg(value_name = "CRATE|PART|TEST")]
    pub selection: Vec<String>,
    /// Start no new run after this many seconds of running (the build does not count); every
    /// test still runs at least once.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub budget: u64,
    /// How many runs go at once (default: the number of cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,
    /// Kill a run after this many seconds and count it as failed (as for stress: most
    /// simulated runs take seconds, but a kvraft or shardkv test with many clients can take a
    /// minute of wall time, more when runs slow each other down).
    #[arg(long, value_name = "SECS", default_value_t = 240, value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,
    /// The sweep's seed, from which every run's seed is drawn: the same seed hands out the same
    /// runs in the same order (default: a fresh one, printed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Build and run the tests with `--release`.
    #[arg(long)]
    pub release: bool,
}

/// `lab logs [FILE|-]`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The log file; `-` or nothing reads standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    pub file: PathBuf,
    /// Show only these topics (comma-separated: election,vote,append,...).
    #[arg(long, value_delimiter = ',', value_name = "TOPICS")]
    pub just: Vec<String>,
    /// Hide these topics (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "TOPICS")]
    pub ignore: Vec<String>,
    /// Number of server columns (default: one per server in the log).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub columns: Option<u16>,
    /// Total width in characters (default: the terminal's, else 160).
    #[arg(long, value_name = "CHARS", value_parser = clap::value_parser!(u16).range(20..))]
    pub width: Option<u16>,
}

/// `lab results [FILE]`.
#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// The results file (default: $LAB_RESULTS, else target/lab-results.jsonl).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Show the runs made in simulation (LAB_SIM=1), whose seconds are virtual, instead of
    /// the real-time runs.
    #[arg(long)]
    pub sim: bool,
}

/// `lab skeleton OUT_DIR [--from WORKSPACE] [--tier guided|open]`.
#[derive(Debug, Args)]
pub struct SkeletonArgs {
    /// Which skeleton: `guided` keeps the reference's design and stubs the solutions (every
    /// obligation is in the stubs' docs); `open` keeps only the API the tests call, and you
    /// design the rest.
    #[arg(long, value_enum, default_value_t = Tier::Guided)]
    pub tier: Tier,
    /// Where to write the skeleton: a new directory (its parent must exist) or an empty one.
    #[arg(value_name = "OUT_DIR")]
    pub out_dir: PathBuf,
    /// The workspace to copy, or any directory inside it (default: the current directory).
    #[arg(long, value_name = "WORKSPACE")]
    pub from: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn stress_arguments_parse() {
        let cli = Cli::parse_from([
            "lab", "stress", "raft", "figure8", "--runs", "20", "--jobs", "4",
        ]);
        let Command::Stress(args) = cli.command else {
            panic!("not stress");
        };
        assert_eq!(
            (args.krate.as_str(), args.filters.as_slice()),
            ("raft", &["figure8".to_string()][..])
        );
        assert_eq!(
            (args.runs, args.jobs, args.timeout, args.release, args.sim),
            (20, 4, 240, false, false)
        );
    }

    #[test]
    fn stress_in_simulation_is_a_flag() {
        let cli = Cli::parse_from(["lab", "stress", "raft", "figure8", "--sim"]);
        let Command::Stress(args) = cli.command else {
            panic!("not stress");
        };
        assert!(args.sim);
    }

    #[test]
    fn stress_takes_a_part_and_a_name_and_needs_a_filter() {
        let cli = Cli::parse_from(["lab", "stress", "kvraft", "4a", "partition", "--sim"]);
        let Command::Stress(args) = cli.command else {
            panic!("not stress");
        };
        assert_eq!(args.filters, ["4a", "partition"]);
        assert!(Cli::try_parse_from(["lab", "stress", "raft"]).is_err());
    }

    #[test]
    fn zero_runs_is_refused() {
        assert!(Cli::try_parse_from(["lab", "stress", "raft", "x", "--runs", "0"]).is_err());
    }

    #[test]
    fn sweep_arguments_parse() {
        let cli = Cli::parse_from(["lab", "sweep", "raft", "kvsrv", "--budget", "120"]);
        let Command::Sweep(args) = cli.command else {
            panic!("not sweep");
        };
        assert_eq!(args.selection, ["raft", "kvsrv"]);
        assert_eq!((args.budget, args.jobs, args.timeout), (120, None, 240));
        assert_eq!((args.seed, args.release), (None, false));
        let cli = Cli::parse_from(["lab", "sweep", "--seed", "7", "--jobs", "3"]);
        let Command::Sweep(args) = cli.command else {
            panic!("not sweep");
        };
        assert!(args.selection.is_empty());
        assert_eq!((args.budget, args.jobs, args.seed), (600, Some(3), Some(7)));
        let cli = Cli::parse_from(["lab", "sweep", "raft", "3a", "figure8"]);
        let Command::Sweep(args) = cli.command else {
            panic!("not sweep");
        };
        assert_eq!(args.selection, ["raft", "3a", "figure8"]);
    }

    #[test]
    fn topic_lists_split_on_commas() {
        let cli = Cli::parse_from(["lab", "logs", "--just", "election,vote", "f.log"]);
        let Command::Logs(args) = cli.command else {
            panic!("not logs");
        };
        assert_eq!(args.just, ["election", "vote"]);
    }

    #[test]
    fn skeleton_arguments_parse() {
        let cli = Cli::parse_from(["lab", "skeleton", "out", "--from", "/w"]);
        let Command::Skeleton(args) = cli.command else {
            panic!("not skeleton");
        };
        assert_eq!(args.out_dir, PathBuf::from("out"));
        assert_eq!(args.from, Some(PathBuf::from("/w")));
        assert!(Cli::try_parse_from(["lab", "skeleton"]).is_err());
    }
}
