//! The table for a lab whose tests run real processes (MapReduce): the RPCs pass between
//! the coordinator and worker processes, out of the tester's sight, so its result lines carry
//! 0 RPCs, 0 bytes and no count, and the course's test-mr.sh reports only PASS or FAIL. The
//! table shows what was measured: the result, the runs, the seconds and the workers.

use super::view::{result_cell, PartGroup, TestRow};
use crate::color::{Palette, Style};
use crate::table::{Align, Cell, Table};

/// The labs whose results lines count no traffic.
const PROCESS_LABS: [&str; 1] = ["mapreduce"];

/// test-mr.sh's tests in the order it runs them; rows follow it, then any other test.
const COURSE_ORDER: [&str; 7] = [
    "wc test",
    "indexer test",
    "map parallelism test",
    "reduce parallelism test",
    "job count test",
    "early exit test",
    "crash test",
];

/// Under every such table: why the columns differ from the other labs'.
const NOTE: &str = "no MIT staff figures for this part; RPCs between processes are not counted\n";

/// Whether `lab` runs real processes and counts no traffic.
pub fn counts_no_traffic(lab: &str) -> bool {
    PROCESS_LABS.contains(&lab)
}

/// One part's heading, table and note: the course's tests in test-mr.sh's order, then the
/// others in order of first appearance.
pub fn render_group(group: &PartGroup, palette: Palette) -> String {
    let mut rows: Vec<&TestRow> = group.rows.iter().collect();
    rows.sort_by_key(|row| course_position(&row.latest.title));
    let mut table = Table::new(&[
        ("test", Align::Left),
        ("result", Align::Left),
        ("runs", Align::Right),
        ("s", Align::Right),
        ("workers", Align::Right),
    ]);
    for row in &rows {
        table.push(test_cells(row));
    }
    table.push(total_cells(&group.rows));
    let heading = palette.paint(Some(Style::Bold), &format!("{} {}", group.lab, group.part));
    format!("{heading}\n{}{NOTE}", table.render(palette))
}

/// Where `title` comes in test-mr.sh; after every course test when it is not one.
fn course_position(title: &str) -> usize {
    COURSE_ORDER
        .iter()
        .position(|course| course.eq_ignore_ascii_case(title.trim()))
        .unwrap_or(COURSE_ORDER.len())
}

/// One test's cells.
fn test_cells(row: &TestRow) -> Vec<Cell> {
    let record = &row.latest;
    let workers = record
        .peers
        .map_or("-".to_string(), |peers| peers.to_string());
    vec![
        Cell::plain(record.title.clone()),
        result_cell(record),
        Cell::plain(row.runs.to_string()),
        Cell::plain(format!("{:.1}", record.seconds)),
        Cell::plain(workers),
    ]
}

/// The total row: tests passed, runs and seconds.
fn total_cells(rows: &[TestRow]) -> Vec<Cell> {
    let passed = rows.iter().filter(|row| row.latest.passed).count();
    let runs: usize = rows.iter().map(|row| row.runs).sum();
    let seconds: f64 = rows.iter().map(|row| row.latest.seconds).sum();
    vec![
        Cell::styled("total", Style::Bold),
        Cell::plain(format!("{passed}/{} ok", rows.len())),
        Cell::plain(runs.to_string()),
        Cell::plain(format!("{seconds:.1}")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::record::parse_results;
    use crate::results::staff::staff_figures;
    use crate::results::view::{group, render};

    /// Lines as `mapreduce/tests/harness/graded.rs` writes them, in the order tests finished:
    /// the worker kill test (not the course's), two runs of the wc test, and a crash test
    /// that failed.
    const SAMPLE: &str = r#"{"lab":"mapreduce","part":"1","test":"worker_kill_test","title":"worker kill test","seconds":30.2,"peers":3,"rpcs":0,"bytes":0,"seed":99,"passed":true}
{"lab":"mapreduce","part":"1","test":"crash_test","title":"crash test","seconds":41.0,"peers":4,"rpcs":0,"bytes":0,"seed":5840,"passed":false}
{"lab":"mapreduce","part":"1","test":"wc_test","title":"wc test","seconds":9.1,"peers":3,"rpcs":0,"bytes":0,"seed":5840,"passed":true}
{"lab":"mapreduce","part":"1","test":"wc_test","title":"wc test","seconds":8.4,"peers":3,"rpcs":0,"bytes":0,"seed":5840,"passed":true}
"#;

    #[test]
    fn mapreduce_rows_in_course_order_without_traffic_columns() {
        let groups = group(&parse_results(SAMPLE).records);
        let text = render(&groups, &staff_figures(), Palette::plain());
        let expected = "\
mapreduce 1
test              result  runs     s  workers
wc test           ok         2   8.4        3
crash test        FAIL       1  41.0        4
worker kill test  ok         1  30.2        3
total             2/3 ok     4  79.6
no MIT staff figures for this part; RPCs between processes are not counted

";
        assert_eq!(text, expected);
    }

    #[test]
    fn only_mapreduce_counts_no_traffic() {
        assert!(counts_no_traffic("mapreduce"));
        for lab in ["kvsrv", "raft", "kvraft", "shardkv"] {
            assert!(!counts_no_traffic(lab), "{lab}");
        }
    }
}
