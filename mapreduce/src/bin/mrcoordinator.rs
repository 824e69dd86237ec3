//! `mrcoordinator <inputs...>`: runs one MapReduce job's coordinator until the job is done.
//!
//! Workers (`mrworker <app>`) started in the same directory with the same `LAB_MR_SOCKET`
//! do the work. Example: `mrcoordinator pg-*.txt & mrworker wc & mrworker wc; wait`.

use std::process::ExitCode;

use clap::Parser;
use mapreduce::{run_coordinator, socket_path, DEFAULT_N_REDUCE};

/// Hands out map and reduce tasks to workers over a Unix socket ($LAB_MR_SOCKET, else
/// `/var/tmp/5840-mr-<uid>`) and exits when every task is done.
#[derive(Parser)]
#[command(name = "mrcoordinator")]
struct Args {
    /// Input text files, one map task each.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Number of reduce tasks (output files mr-out-0 .. mr-out-N-1).
    #[arg(long, default_value_t = DEFAULT_N_REDUCE, value_parser = clap::value_parser!(usize))]
    n_reduce: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    mapreduce::cli::run_main("mrcoordinator", || {
        if args.n_reduce == 0 {
            return Err(mapreduce::MrError::NoReduceTasks);
        }
        run_coordinator(args.inputs, args.n_reduce, &socket_path())
    })
}
