//! `mrworker <app>`: runs map and reduce tasks for the coordinator until the job is done.

use std::process::ExitCode;

use clap::Parser;
use mapreduce::{app_by_name, run_worker, socket_path};

/// Asks the coordinator at $LAB_MR_SOCKET (else `/var/tmp/5840-mr-<uid>`) for tasks and runs
/// them with the named app, in the coordinator's directory.
#[derive(Parser)]
#[command(name = "mrworker")]
struct Args {
    /// The app: wc, indexer, mtiming, rtiming, jobcount, early_exit, crash or nocrash.
    app: String,
}

fn main() -> ExitCode {
    let args = Args::parse();
    mapreduce::cli::run_main("mrworker", || {
        let app = app_by_name(&args.app)?;
        run_worker(&*app, &socket_path())
    })
}
