//! `lab results`: the results file as a table per lab and part, beside the MIT staff figures.

pub mod record;
pub mod staff;
pub mod view;

use std::path::PathBuf;

use crate::color::{ColorChoice, Palette};
use crate::error::Result;

/// Prints the table for the results file at `path` (default: [`record::default_results_path`]).
pub fn results(path: Option<PathBuf>, color: ColorChoice) -> Result<()> {
    let path = match path {
        Some(path) => path,
        None => record::default_results_path()?,
    };
    let loaded = record::read_results(&path)?;
    let groups = view::group(&loaded.records);
    let figures = staff::staff_figures();
    print!(
        "{}",
        view::render(&groups, &figures, Palette::for_stdout(color))
    );
    let count = loaded.records.len();
    let lines = if count == 1 { "line" } else { "lines" };
    println!(
        "{count} result {lines} read from {}; each row shows a test's latest run",
        path.display()
    );
    Ok(())
}
