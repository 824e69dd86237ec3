//! `lab results`: the results file as a table per lab and part, beside the MIT staff figures.

pub mod processes;
pub mod record;
pub mod staff;
pub mod view;

use std::path::PathBuf;

use crate::color::{ColorChoice, Palette};
use crate::error::Result;
use crate::output;

/// Prints the table for the results file at `path` (default: [`record::default_results_path`]):
/// the real-time runs, or with `simulated` the runs made in simulation. The two are never
/// mixed, since a simulated run's seconds are virtual.
pub fn results(path: Option<PathBuf>, simulated: bool, color: ColorChoice) -> Result<()> {
    let path = match path {
        Some(path) => path,
        None => record::default_results_path()?,
    };
    let loaded = record::read_results(&path)?;
    let (shown, other) = split_by_mode(loaded.records, simulated);
    let groups = view::group(&shown);
    let figures = staff::staff_figures();
    let mut text = view::render(&groups, &figures, Palette::for_stdout(color));
    let count = shown.len();
    let lines = if count == 1 { "line" } else { "lines" };
    let mode = if simulated { "simulated" } else { "real-time" };
    text.push_str(&format!(
        "{count} {mode} result {lines} read from {}; each row shows a test's latest run\n",
        path.display()
    ));
    if !other.is_empty() {
        let (flag, other_mode) = if simulated {
            ("without --sim", "real-time")
        } else {
            ("with --sim", "simulated")
        };
        text.push_str(&format!(
            "{} {other_mode} result lines not shown (lab results {flag} shows them)\n",
            other.len()
        ));
    }
    output::print(&text)?;
    Ok(())
}

/// The records of one mode (simulated or real-time), and those of the other.
fn split_by_mode(
    records: Vec<record::Record>,
    simulated: bool,
) -> (Vec<record::Record>, Vec<record::Record>) {
    records
        .into_iter()
        .partition(|record| record.simulated == simulated)
}

#[cfg(test)]
mod tests {
    use super::record::parse_results;
    use super::split_by_mode;

    const MIXED: &str = concat!(
        r#"{"lab":"raft","part":"3A","test":"initial_election_3a","title":"initial election","seconds":3.5,"passed":true}"#,
        "\n",
        r#"{"lab":"raft","part":"3A","test":"initial_election_3a","title":"initial election","seconds":3.1,"simulated":true,"passed":true}"#,
        "\n"
    );

    #[test]
    fn real_and_simulated_runs_are_never_mixed() {
        let records = parse_results(MIXED).records;
        let (real, simulated) = split_by_mode(records.clone(), false);
        assert_eq!((real.len(), simulated.len()), (1, 1));
        assert_eq!(
            real[0].seconds, 3.5,
            "an old line without the field is real time"
        );
        let (simulated, real) = split_by_mode(records, true);
        assert_eq!(simulated[0].seconds, 3.1);
        assert!(!real[0].simulated);
    }
}
