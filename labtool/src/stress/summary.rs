//! The closing table of a stress run or a sweep: per test, how many runs counted, how many
//! failed, and the mean and spread (standard deviation) of their durations in wall seconds.

use std::time::Duration;

use crate::color::{Palette, Style};
use crate::table::{Align, Cell, Table};

/// The finished runs of one test.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestSummary {
    /// The test's crate.
    pub krate: String,
    /// The test's name.
    pub name: String,
    /// Durations of the runs that ended (interrupted runs are not counted).
    pub durations: Vec<Duration>,
    /// How many of them failed, timeouts included.
    pub failures: usize,
    /// How many of the failures were timeouts.
    pub timeouts: usize,
}

impl TestSummary {
    /// An empty summary for test `name` of crate `krate`.
    pub fn new(krate: &str, name: &str) -> TestSummary {
        TestSummary {
            krate: krate.to_string(),
            name: name.to_string(),
            ..TestSummary::default()
        }
    }

    /// Counts one ended run.
    pub fn record(&mut self, duration: Duration, failed: bool, timed_out: bool) {
        self.durations.push(duration);
        self.failures += usize::from(failed);
        self.timeouts += usize::from(timed_out);
    }

    /// Mean duration in seconds, if any run ended.
    pub fn mean_seconds(&self) -> Option<f64> {
        if self.durations.is_empty() {
            return None;
        }
        let total: f64 = self.durations.iter().map(Duration::as_secs_f64).sum();
        Some(total / self.durations.len() as f64)
    }

    /// Population standard deviation of the durations in seconds.
    pub fn spread_seconds(&self) -> Option<f64> {
        let mean = self.mean_seconds()?;
        let squares: f64 = self
            .durations
            .iter()
            .map(|duration| (duration.as_secs_f64() - mean).powi(2))
            .sum();
        Some((squares / self.durations.len() as f64).sqrt())
    }
}

/// Whether the table names each test's crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One crate, named elsewhere (`lab stress`): a test column only.
    Tests,
    /// Tests of several crates (`lab sweep`): a crate column, then the test.
    CratesAndTests,
}

/// The summary table: one row per test and, with several tests, a total row.
pub fn render(summaries: &[TestSummary], layout: Layout, palette: Palette) -> String {
    let mut columns = vec![("test", Align::Left)];
    if layout == Layout::CratesAndTests {
        columns.insert(0, ("crate", Align::Left));
    }
    columns.extend([
        ("runs", Align::Right),
        ("failed", Align::Right),
        ("timeouts", Align::Right),
        ("mean s", Align::Right),
        ("± s", Align::Right),
        ("max s", Align::Right),
    ]);
    let mut table = Table::new(&columns);
    for summary in summaries {
        table.push(row(summary, layout));
    }
    if summaries.len() > 1 {
        table.push(row(&total(summaries), layout));
    }
    table.render(palette)
}

/// All runs of all tests as one summary named `total`.
fn total(summaries: &[TestSummary]) -> TestSummary {
    let mut total = TestSummary::new("", "total");
    for summary in summaries {
        total.durations.extend(&summary.durations);
        total.failures += summary.failures;
        total.timeouts += summary.timeouts;
    }
    total
}

/// One row; failures in red when there are any.
fn row(summary: &TestSummary, layout: Layout) -> Vec<Cell> {
    let failures = if summary.failures > 0 {
        Cell::styled(summary.failures.to_string(), Style::Red)
    } else {
        Cell::plain("0")
    };
    let max = summary.durations.iter().max().map(Duration::as_secs_f64);
    let mut cells = Vec::new();
    if layout == Layout::CratesAndTests {
        cells.push(Cell::plain(summary.krate.clone()));
    }
    cells.extend([
        Cell::plain(summary.name.clone()),
        Cell::plain(summary.durations.len().to_string()),
        failures,
        Cell::plain(summary.timeouts.to_string()),
        Cell::plain(seconds(summary.mean_seconds())),
        Cell::plain(seconds(summary.spread_seconds())),
        Cell::plain(seconds(max)),
    ]);
    cells
}

/// Seconds with two decimals, `-` when there is no value.
fn seconds(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |value| format!("{value:.2}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(name: &str, millis: &[u64], failures: usize) -> TestSummary {
        let mut summary = TestSummary::new("raft", name);
        for &duration in millis {
            summary.record(Duration::from_millis(duration), false, false);
        }
        summary.failures = failures;
        summary
    }

    #[test]
    fn mean_and_spread() {
        let summary = summary("a", &[1000, 3000], 0);
        assert_eq!(summary.mean_seconds(), Some(2.0));
        assert_eq!(summary.spread_seconds(), Some(1.0));
        assert_eq!(TestSummary::new("raft", "b").mean_seconds(), None);
    }

    #[test]
    fn table_has_a_total_row_for_several_tests() {
        let summaries = [summary("a", &[1000, 3000], 1), summary("bb", &[2000], 0)];
        let expected = "\
test   runs  failed  timeouts  mean s   ± s  max s
a         2       1         0    2.00  1.00   3.00
bb        1       0         0    2.00  0.00   2.00
total     3       1         0    2.00  0.82   3.00
";
        assert_eq!(
            render(&summaries, Layout::Tests, Palette::plain()),
            expected
        );
    }

    #[test]
    fn a_sweep_table_names_the_crates() {
        let summaries = [summary("a", &[1000], 0), summary("bb", &[2000], 1)];
        let expected = "\
crate  test   runs  failed  timeouts  mean s   ± s  max s
raft   a         1       0         0    1.00  0.00   1.00
raft   bb        1       1         0    2.00  0.00   2.00
       total     2       1         0    1.50  0.50   2.00
";
        assert_eq!(
            render(&summaries, Layout::CratesAndTests, Palette::plain()),
            expected
        );
    }
}
