//! `lab`: see the library's documentation for what each subcommand does.
//!
//! Exit status: 0 on success, 1 when a stress run or a sweep had failures, 2 on an error (bad
//! input or environment), 130 when Ctrl-C stopped a stress run or a sweep. A reader that closes
//! the pipe early (`lab results | head`) ends `lab` quietly, with the status it would have had.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use labtool::cli::{Cli, Command};
use labtool::color::{ColorChoice, Palette, Style};
use labtool::logs::{logs, LogsOptions};
use labtool::results::results;
use labtool::skeleton::{skeleton, SkeletonOptions};
use labtool::stress::{stress, StressOptions, StressOutcome};
use labtool::sweep::{sweep, SweepOptions};
use labtool::{output, Error, Result};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command, cli.color) {
        Ok(code) => code,
        Err(Error::OutputClosed) => ExitCode::SUCCESS,
        Err(error) => {
            let label = Palette::for_stderr(cli.color).paint(Some(Style::Red), "error:");
            output::note(&format!("lab: {label} {error}"));
            ExitCode::from(2)
        }
    }
}

/// The exit code of a stress run or a sweep: 0, 1 on failures, 130 after Ctrl-C.
fn exit_code(outcome: StressOutcome) -> ExitCode {
    match outcome {
        StressOutcome::AllPassed => ExitCode::SUCCESS,
        StressOutcome::SomeFailed => ExitCode::from(1),
        StressOutcome::Interrupted => ExitCode::from(130),
    }
}

/// The number of cores, 1 if it cannot be told.
fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Runs one subcommand and turns its outcome into an exit code.
fn run(command: Command, color: ColorChoice) -> Result<ExitCode> {
    match command {
        Command::Stress(args) => {
            let options = StressOptions {
                krate: args.krate,
                filters: args.filters,
                runs: args.runs,
                jobs: usize::from(args.jobs),
                timeout: Duration::from_secs(args.timeout),
                release: args.release,
                sim: args.sim,
                color,
            };
            Ok(exit_code(stress(&options)?))
        }
        Command::Sweep(args) => {
            let options = SweepOptions {
                selection: args.selection,
                budget: Duration::from_secs(args.budget),
                jobs: args.jobs.map_or_else(available_cores, usize::from),
                timeout: Duration::from_secs(args.timeout),
                seed: args.seed,
                release: args.release,
                color,
            };
            Ok(exit_code(sweep(&options)?))
        }
        Command::Logs(args) => {
            let options = LogsOptions {
                input: args.file,
                just: args.just,
                ignore: args.ignore,
                columns: args.columns.map(usize::from),
                width: args.width.map(usize::from),
                color,
            };
            let unparsed = logs(&options)?;
            if unparsed > 0 {
                output::note(&format!(
                    "lab logs: {unparsed} lines are not lab log lines; they are kept, marked `?`"
                ));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Results(args) => {
            results(args.file, args.sim, color)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Skeleton(args) => {
            let report = skeleton(&SkeletonOptions {
                tier: args.tier,
                out_dir: args.out_dir,
                from: args.from,
            })?;
            let lines: Vec<String> = report
                .summary()
                .iter()
                .map(|line| format!("lab skeleton: {line}\n"))
                .collect();
            output::print(&lines.concat())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
