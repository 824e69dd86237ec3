//! `mrsequential <app> <inputs...>`: the whole job in one process, output in `mr-out-0`.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use mapreduce::{app_by_name, run_sequential};

/// Maps every input, sorts, reduces, and writes mr-out-0 in the current directory: the
/// expected output for a distributed run of the same app.
#[derive(Parser)]
#[command(name = "mrsequential")]
struct Args {
    /// The app: wc, indexer, mtiming, rtiming, jobcount, early_exit, crash or nocrash.
    app: String,
    /// Input text files.
    #[arg(required = true)]
    inputs: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    mapreduce::cli::run_main("mrsequential", || {
        let app = app_by_name(&args.app)?;
        run_sequential(&*app, &args.inputs, Path::new("mr-out-0"))
    })
}
