//! `mrcorpus --out DIR`: writes a seeded text corpus, input for the jobs and benchmarks.
//!
//! Example: `mrcorpus --out /tmp/books --files 8 --bytes-per-file 1000000 --seed 1`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mapreduce::corpus::write_corpus;
use mapreduce::MrError;

/// Writes pg-*.txt files of Zipf-distributed made-up text; the same seed, the same bytes.
#[derive(Parser)]
#[command(name = "mrcorpus")]
struct Args {
    /// Directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// How many files.
    #[arg(long, default_value_t = 8)]
    files: usize,
    /// About how many bytes per file.
    #[arg(long, default_value_t = 1_000_000)]
    bytes_per_file: usize,
    /// The seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    mapreduce::cli::run_main("mrcorpus", || {
        let paths = write_corpus(&args.out, args.seed, args.files, args.bytes_per_file)
            .map_err(MrError::file(&args.out))?;
        for path in paths {
            println!("{}", path.display());
        }
        Ok(())
    })
}
