//! `lincheck`: checks history files for linearizability.
//!
//! ```text
//! lincheck FILE... [--model kv|register] [--format json|porcupine-kv|jepsen]
//!                  [--timeout SECS] [--memory-limit MIB] [--no-partition]
//!                  [--html OUT] [--always-draw] [--picture-partition LABEL]
//!                  [--picture-window FROM..TO]
//! ```
//!
//! Exit status: 0 if every file is linearizable, 1 if some file is not, 2 if some check
//! timed out (and none is illegal), 3 if some file cannot be read or parsed (the message names
//! the file and line) or the command line is wrong.

use clap::{Parser, ValueEnum};
use linearizability::formats::{self, jepsen, json, porcupine_kv, Format};
use linearizability::models::{KvMapModel, KvModel, RegisterModel};
use linearizability::visualize::{self, Focus};
use linearizability::{
    CheckResult, Checker, Event, Model, Operation, Time, Verdict, DEFAULT_MEMORY_LIMIT,
};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Exit status when every history is linearizable.
const EXIT_LINEARIZABLE: u8 = 0;
/// Exit status when some history is not linearizable.
const EXIT_ILLEGAL: u8 = 1;
/// Exit status when some check was inconclusive (the output says why: time or memory).
const EXIT_UNKNOWN: u8 = 2;
/// Exit status when some input could not be read, or the command line is wrong.
const EXIT_UNREADABLE: u8 = 3;

/// Checks histories for linearizability (porcupine-compatible).
#[derive(Parser, Debug)]
#[command(name = "lincheck", version, about)]
struct Cli {
    /// History files to check.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The sequential specification; inferred from the format when omitted.
    #[arg(long, value_enum)]
    model: Option<ModelName>,
    /// The file format; inferred from the extension (.json, .txt, .log) when omitted.
    #[arg(long, value_enum)]
    format: Option<FormatName>,
    /// Give up with "unknown" after this many seconds per file.
    #[arg(long, value_name = "SECS")]
    timeout: Option<f64>,
    /// Give up with "unknown" once the search holds about this many MiB.
    #[arg(long, value_name = "MIB", default_value_t = DEFAULT_MEMORY_LIMIT >> 20)]
    memory_limit: usize,
    /// Draw only this partition (for kv histories, the key) in the picture.
    #[arg(long, value_name = "LABEL")]
    picture_partition: Option<String>,
    /// Draw only operations overlapping this stretch of time (in the history's units).
    #[arg(long, value_name = "FROM..TO", value_parser = parse_window)]
    picture_window: Option<(Time, Time)>,
    /// Write the picture even when the history is linearizable.
    #[arg(long)]
    always_draw: bool,
    /// Write the picture of a failed check here (a directory when several files are given).
    #[arg(long, value_name = "OUT")]
    html: Option<PathBuf>,
    /// Check a kv history as one map-valued register instead of key by key.
    #[arg(long)]
    no_partition: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ModelName {
    Kv,
    Register,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FormatName {
    Json,
    PorcupineKv,
    Jepsen,
}

/// A history as read from a file.
enum History<M: Model> {
    Operations(Vec<Operation<M::Input, M::Output>>),
    Events(Vec<Event<M::Input, M::Output>>),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(EXIT_UNREADABLE);
        }
    };
    if let Some(timeout) = cli.timeout {
        if !(timeout.is_finite() && timeout >= 0.0) {
            eprintln!("lincheck: --timeout must be a non-negative number of seconds");
            return ExitCode::from(EXIT_UNREADABLE);
        }
    }
    let mut worst = EXIT_LINEARIZABLE;
    for file in &cli.files {
        let code = match check_file(&cli, file) {
            Ok(verdict) => exit_code(verdict),
            Err(message) => {
                eprintln!("lincheck: {message}");
                EXIT_UNREADABLE
            }
        };
        worst = more_severe(worst, code);
    }
    ExitCode::from(worst)
}

/// Unreadable beats illegal beats unknown beats linearizable.
fn more_severe(a: u8, b: u8) -> u8 {
    let rank = |code| match code {
        EXIT_UNREADABLE => 3,
        EXIT_ILLEGAL => 2,
        EXIT_UNKNOWN => 1,
        _ => 0,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

fn exit_code(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Linearizable => EXIT_LINEARIZABLE,
        Verdict::Illegal => EXIT_ILLEGAL,
        Verdict::Unknown => EXIT_UNKNOWN,
    }
}

/// Reads, checks and reports one file.
fn check_file(cli: &Cli, path: &Path) -> Result<Verdict, String> {
    let format = match cli.format {
        Some(FormatName::Json) => Format::Json,
        Some(FormatName::PorcupineKv) => Format::PorcupineKv,
        Some(FormatName::Jepsen) => Format::Jepsen,
        None => Format::from_path(path).ok_or_else(|| {
            format!(
                "{}: cannot tell the format from the name; pass --format",
                path.display()
            )
        })?,
    };
    let model = match (cli.model, format) {
        (Some(model), _) => model,
        (None, Format::PorcupineKv) => ModelName::Kv,
        (None, Format::Jepsen) => ModelName::Register,
        (None, Format::Json) => {
            return Err(format!("{}: JSON histories need --model", path.display()))
        }
    };
    let text = formats::read_text(path).map_err(|error| error.to_string())?;
    let error = |e: linearizability::Error| e.to_string();
    match (model, format) {
        (ModelName::Kv, Format::PorcupineKv) if cli.no_partition => run(
            cli,
            path,
            &KvMapModel,
            History::Events(porcupine_kv::parse(&text, path).map_err(error)?),
        ),
        (ModelName::Kv, Format::PorcupineKv) => run(
            cli,
            path,
            &KvModel,
            History::Events(porcupine_kv::parse(&text, path).map_err(error)?),
        ),
        (ModelName::Kv, Format::Json) if cli.no_partition => {
            run(cli, path, &KvMapModel, parse_json(&text, path)?)
        }
        (ModelName::Kv, Format::Json) => run(cli, path, &KvModel, parse_json(&text, path)?),
        (ModelName::Register, Format::Jepsen) => run(
            cli,
            path,
            &RegisterModel,
            History::Events(jepsen::parse(&text, path).map_err(error)?),
        ),
        (ModelName::Register, Format::Json) => {
            run(cli, path, &RegisterModel, parse_json(&text, path)?)
        }
        (model, format) => Err(format!(
            "{}: the {format:?} format cannot hold {model:?} histories",
            path.display()
        )),
    }
}

fn parse_json<M: Model>(text: &str, path: &Path) -> Result<History<M>, String>
where
    M::Input: DeserializeOwned,
    M::Output: DeserializeOwned,
{
    json::parse_operations(text, path)
        .map(History::Operations)
        .map_err(|error| error.to_string())
}

/// Checks a parsed history, prints the result line, and writes the picture if asked.
fn run<M: Model>(
    cli: &Cli,
    path: &Path,
    model: &M,
    history: History<M>,
) -> Result<Verdict, String> {
    let checker = Checker::new()
        .timeout(cli.timeout.map(Duration::from_secs_f64))
        .memory_limit(cli.memory_limit.saturating_mul(1 << 20));
    let started = Instant::now();
    let (result, operations) = match &history {
        History::Operations(ops) => (checker.check_operations(model, ops), ops.len()),
        History::Events(events) => {
            let result = checker
                .check_events(model, events)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            (
                result,
                events
                    .iter()
                    .filter(|event| matches!(event, Event::Call { .. }))
                    .count(),
            )
        }
    };
    let elapsed = started.elapsed();
    print_result(path, &result, operations, elapsed);
    if let (Some(out), true) = (&cli.html, cli.always_draw || !result.is_linearizable()) {
        let out = html_path(cli, out, path);
        let focus = Focus {
            partition: cli.picture_partition.clone(),
            window: cli.picture_window,
            max_operations: None,
        };
        let shown = match &history {
            History::Operations(ops) => {
                visualize::write_html_focused(model, ops, &result, &focus, &out)
            }
            History::Events(events) => {
                visualize::write_html_events(model, events, &result, &out).map(|()| String::new())
            }
        };
        let shown = shown.map_err(|error| error.to_string())?;
        println!("{}: picture written to {}", path.display(), out.display());
        if !shown.is_empty() {
            println!(
                "{}: the picture shows {shown}; --picture-partition and --picture-window pick \
                 another part",
                path.display()
            );
        }
    }
    Ok(result.verdict)
}

/// Parses `FROM..TO` in the history's time unit.
fn parse_window(text: &str) -> Result<(Time, Time), String> {
    let usage = || format!("'{text}' is not a window like 1000..2000");
    let (from, to) = text.split_once("..").ok_or_else(usage)?;
    let from: Time = from.trim().parse().map_err(|_| usage())?;
    let to: Time = to.trim().parse().map_err(|_| usage())?;
    if from > to {
        return Err(format!("the window {text} runs backwards"));
    }
    Ok((from, to))
}

fn print_result(path: &Path, result: &CheckResult, operations: usize, elapsed: Duration) {
    let verdict = match result.verdict {
        Verdict::Linearizable => "linearizable",
        Verdict::Illegal => "illegal",
        Verdict::Unknown => "unknown",
    };
    println!(
        "{}: {verdict} in {:.3} ms ({operations} operations, {} partitions, search memory {:.1} MiB)",
        path.display(),
        elapsed.as_secs_f64() * 1000.0,
        result.partitions.len(),
        result.peak_memory_bytes as f64 / f64::from(1 << 20)
    );
    if let Some(reason) = result.inconclusive {
        println!("{}: gave up: {reason}", path.display());
    }
}

/// Where a file's picture goes: `OUT` itself, or `OUT/<stem>.html` with several files.
fn html_path(cli: &Cli, out: &Path, file: &Path) -> PathBuf {
    if cli.files.len() == 1 {
        return out.to_path_buf();
    }
    let _ = std::fs::create_dir_all(out);
    let stem = file.file_stem().map_or_else(
        || "history".into(),
        |stem| stem.to_string_lossy().into_owned(),
    );
    out.join(format!("{stem}.html"))
}
