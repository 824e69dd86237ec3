//! The results table: per lab and part, each test's latest run beside the staff figures with
//! the ratio, and a total row per part. MapReduce's parts, which count no traffic, have a
//! table of their own ([`super::processes`]).

use super::processes;
use super::record::Record;
use super::staff::{find_staff, StaffFigure};
use crate::color::{Palette, Style};
use crate::table::{Align, Cell, Table};

/// Where the bytes, staff bytes and ratio columns sit; dropped for parts that count no bytes
/// (the kv labs).
const BYTES_COLUMNS: std::ops::Range<usize> = 9..12;

/// A ratio at or above this is highlighted: twice the staff's time or traffic is worth a look.
const HIGH_RATIO: f64 = 2.0;

/// One test: its latest run and how many runs the file has.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRow {
    /// The last line the file has for this test.
    pub latest: Record,
    /// How many lines it has.
    pub runs: usize,
}

/// The tests of one lab part.
#[derive(Debug, Clone, PartialEq)]
pub struct PartGroup {
    /// The lab crate.
    pub lab: String,
    /// The part.
    pub part: String,
    /// Its tests, in order of first appearance.
    pub rows: Vec<TestRow>,
}

/// Groups records by lab and part (sorted by part, then lab), one row per test.
pub fn group(records: &[Record]) -> Vec<PartGroup> {
    let mut groups: Vec<PartGroup> = Vec::new();
    for record in records {
        let group = match groups
            .iter_mut()
            .position(|g| g.lab == record.lab && g.part == record.part)
        {
            Some(index) => &mut groups[index],
            None => {
                groups.push(PartGroup {
                    lab: record.lab.clone(),
                    part: record.part.clone(),
                    rows: Vec::new(),
                });
                groups.last_mut().expect("a group was just pushed")
            }
        };
        match group
            .rows
            .iter_mut()
            .find(|row| row.latest.test == record.test)
        {
            Some(row) => {
                row.latest = record.clone();
                row.runs += 1;
            }
            None => group.rows.push(TestRow {
                latest: record.clone(),
                runs: 1,
            }),
        }
    }
    groups.sort_by(|a, b| (&a.part, &a.lab).cmp(&(&b.part, &b.lab)));
    groups
}

/// Renders every group: a heading, the table, and a note when some tests lack staff figures.
pub fn render(groups: &[PartGroup], figures: &[StaffFigure], palette: Palette) -> String {
    let mut out = String::new();
    for group in groups {
        out.push_str(&render_group(group, figures, palette));
        out.push('\n');
    }
    out
}

/// One part's heading, table and note.
fn render_group(group: &PartGroup, figures: &[StaffFigure], palette: Palette) -> String {
    if processes::counts_no_traffic(&group.lab) {
        return processes::render_group(group, palette);
    }
    let mut rows: Vec<(&TestRow, Option<(usize, &StaffFigure)>)> = group
        .rows
        .iter()
        .map(|row| {
            (
                row,
                find_staff(figures, &row.latest.part, &row.latest.title),
            )
        })
        .collect();
    // Staff order (the lab page's) where known, then the rest in order of appearance.
    rows.sort_by_key(|(_, staff)| staff.map_or(usize::MAX, |(index, _)| index));
    let count_name = if uses_ops(group, &rows) {
        "ops"
    } else {
        "commits"
    };
    let keep_bytes = counts_bytes(&rows);
    let drop_bytes = |mut cells: Vec<Cell>| {
        if !keep_bytes {
            cells.drain(BYTES_COLUMNS);
        }
        cells
    };
    let mut columns = columns(count_name);
    if !keep_bytes {
        columns.drain(BYTES_COLUMNS);
    }
    let mut table = Table::new(&columns);
    for (row, staff) in &rows {
        table.push(drop_bytes(test_cells(row, staff.map(|(_, figure)| figure))));
    }
    table.push(drop_bytes(total_cells(&rows)));
    let heading = palette.paint(Some(Style::Bold), &format!("{} {}", group.lab, group.part));
    let matched = rows.iter().filter(|(_, staff)| staff.is_some()).count();
    let note = match matched {
        0 => "no MIT staff figures for this part\n".to_string(),
        _ if matched < rows.len() => format!(
            "staff figures for {matched} of {} tests; the total's staff column and ratios cover those\n",
            rows.len()
        ),
        _ => String::new(),
    };
    format!("{heading}\n{}{note}", table.render(palette))
}

/// Whether the part counts clerk operations (kv labs) rather than commits.
fn uses_ops(group: &PartGroup, rows: &[(&TestRow, Option<(usize, &StaffFigure)>)]) -> bool {
    group.rows.iter().any(|row| row.latest.ops.is_some())
        || rows
            .iter()
            .any(|(_, staff)| staff.is_some_and(|(_, figure)| figure.ops.is_some()))
}

/// Whether any test of the part, ours or staff's, has a byte count.
fn counts_bytes(rows: &[(&TestRow, Option<(usize, &StaffFigure)>)]) -> bool {
    rows.iter().any(|(row, staff)| {
        row.latest.bytes.is_some() || staff.is_some_and(|(_, figure)| figure.bytes.is_some())
    })
}

/// The column layout.
fn columns(count_name: &str) -> Vec<(&str, Align)> {
    vec![
        ("test", Align::Left),
        ("result", Align::Left),
        ("runs", Align::Right),
        ("s", Align::Right),
        ("staff", Align::Right),
        ("ratio", Align::Right),
        ("RPCs", Align::Right),
        ("staff", Align::Right),
        ("ratio", Align::Right),
        ("bytes", Align::Right),
        ("staff", Align::Right),
        ("ratio", Align::Right),
        (count_name, Align::Right),
        ("staff", Align::Right),
    ]
}

/// One test's cells.
fn test_cells(row: &TestRow, staff: Option<&StaffFigure>) -> Vec<Cell> {
    let record = &row.latest;
    let mut cells = vec![
        Cell::plain(record.title.clone()),
        result_cell(record),
        Cell::plain(row.runs.to_string()),
    ];
    cells.extend(compare_seconds(
        Some(record.seconds),
        staff.map(|f| f.seconds),
    ));
    cells.extend(compare_counts(record.rpcs, staff.map(|f| f.rpcs)));
    cells.extend(compare_counts(record.bytes, staff.and_then(|f| f.bytes)));
    cells.push(Cell::plain(count(record.commits.or(record.ops))));
    cells.push(Cell::plain(count(staff.and_then(|f| f.commits.or(f.ops)))));
    cells
}

/// `ok` in green or `FAIL` in red.
pub fn result_cell(record: &Record) -> Cell {
    if record.passed {
        Cell::styled("ok", Style::Green)
    } else {
        Cell::styled("FAIL", Style::Red)
    }
}

/// The total row: our sums over every test, staff sums and ratios over the matched tests.
fn total_cells(rows: &[(&TestRow, Option<(usize, &StaffFigure)>)]) -> Vec<Cell> {
    let passed = rows.iter().filter(|(row, _)| row.latest.passed).count();
    let runs: usize = rows.iter().map(|(row, _)| row.runs).sum();
    let seconds: f64 = rows.iter().map(|(row, _)| row.latest.seconds).sum();
    let matched: Vec<(&Record, &StaffFigure)> = rows
        .iter()
        .filter_map(|(row, staff)| staff.map(|(_, figure)| (&row.latest, figure)))
        .collect();
    let staff_seconds: f64 = matched.iter().map(|(_, figure)| figure.seconds).sum();
    let matched_seconds: f64 = matched.iter().map(|(record, _)| record.seconds).sum();
    let mut cells = vec![
        Cell::styled("total", Style::Bold),
        Cell::plain(format!("{passed}/{} ok", rows.len())),
        Cell::plain(runs.to_string()),
        Cell::plain(format!("{seconds:.1}")),
        Cell::plain(if matched.is_empty() {
            "-".to_string()
        } else {
            format!("{staff_seconds:.1}")
        }),
        ratio_cell(
            Some(matched_seconds),
            Some(staff_seconds).filter(|_| !matched.is_empty()),
        ),
    ];
    for measure in [Measure::Rpcs, Measure::Bytes] {
        cells.extend(total_counts(rows, &matched, measure));
    }
    cells
}

/// A counted quantity that has staff figures to compare with.
#[derive(Debug, Clone, Copy)]
enum Measure {
    /// RPCs sent.
    Rpcs,
    /// Bytes in RPC messages.
    Bytes,
}

impl Measure {
    /// The quantity in a result line.
    fn of_record(self, record: &Record) -> Option<u64> {
        match self {
            Measure::Rpcs => record.rpcs,
            Measure::Bytes => record.bytes,
        }
    }

    /// The quantity in a staff figure.
    fn of_staff(self, figure: &StaffFigure) -> Option<u64> {
        match self {
            Measure::Rpcs => Some(figure.rpcs),
            Measure::Bytes => figure.bytes,
        }
    }
}

/// Sum, staff sum and ratio of one measure for the total row; the ratio compares only tests
/// that have both figures.
fn total_counts(
    rows: &[(&TestRow, Option<(usize, &StaffFigure)>)],
    matched: &[(&Record, &StaffFigure)],
    measure: Measure,
) -> Vec<Cell> {
    let ours = sum(rows.iter().map(|(row, _)| measure.of_record(&row.latest)));
    let pairs: Vec<(u64, u64)> = matched
        .iter()
        .filter_map(|(record, figure)| {
            Some((measure.of_record(record)?, measure.of_staff(figure)?))
        })
        .collect();
    let matched_ours: u64 = pairs.iter().map(|(ours, _)| ours).sum();
    let staff = (!pairs.is_empty()).then(|| pairs.iter().map(|(_, staff)| staff).sum::<u64>());
    vec![
        Cell::plain(count(ours)),
        Cell::plain(count(staff)),
        ratio_cell(Some(matched_ours as f64), staff.map(|staff| staff as f64)),
    ]
}

/// The sum of the values present, `None` when none is.
fn sum(values: impl Iterator<Item = Option<u64>>) -> Option<u64> {
    values
        .flatten()
        .fold(None, |total, value| Some(total.unwrap_or(0) + value))
}

/// Ours, staff's and the ratio, for seconds.
fn compare_seconds(ours: Option<f64>, staff: Option<f64>) -> [Cell; 3] {
    let show = |value: Option<f64>| value.map_or("-".to_string(), |value| format!("{value:.1}"));
    [
        Cell::plain(show(ours)),
        Cell::plain(show(staff)),
        ratio_cell(ours, staff),
    ]
}

/// Ours, staff's and the ratio, for a count.
fn compare_counts(ours: Option<u64>, staff: Option<u64>) -> [Cell; 3] {
    let as_float = |value: Option<u64>| value.map(|value| value as f64);
    [
        Cell::plain(count(ours)),
        Cell::plain(count(staff)),
        ratio_cell(as_float(ours), as_float(staff)),
    ]
}

/// `1.23x`, highlighted from [`HIGH_RATIO`]; `-` when either side is missing or staff is 0.
fn ratio_cell(ours: Option<f64>, staff: Option<f64>) -> Cell {
    match (ours, staff) {
        (Some(ours), Some(staff)) if staff > 0.0 => {
            let ratio = ours / staff;
            let text = format!("{ratio:.2}x");
            if ratio >= HIGH_RATIO {
                Cell::styled(text, Style::Yellow)
            } else {
                Cell::plain(text)
            }
        }
        _ => Cell::plain("-"),
    }
}

/// A count, `-` when absent.
fn count(value: Option<u64>) -> String {
    value.map_or("-".to_string(), |value| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::record::parse_results;
    use crate::results::staff::staff_figures;

    const SAMPLE: &str = r#"{"lab":"raft","part":"3A","test":"re_election_3a","title":"election after network failure","seconds":5.0,"peers":3,"rpcs":120,"bytes":25000,"commits":0,"passed":true}
{"lab":"raft","part":"3A","test":"initial_election_3a","title":"initial election","seconds":9.0,"peers":3,"rpcs":200,"bytes":16840,"commits":0,"passed":false}
{"lab":"raft","part":"3A","test":"initial_election_3a","title":"initial election","seconds":3.5,"peers":3,"rpcs":116,"bytes":16840,"commits":0,"passed":true}
{"lab":"raft","part":"3A","test":"extra_3a","title":"not on the page","seconds":1.0,"peers":3,"rpcs":10,"bytes":100,"commits":1,"passed":true}
"#;

    #[test]
    fn latest_run_wins_and_runs_are_counted() {
        let groups = group(&parse_results(SAMPLE).records);
        assert_eq!(groups.len(), 1);
        let initial = &groups[0].rows[1];
        assert_eq!((initial.runs, initial.latest.seconds), (2, 3.5));
    }

    #[test]
    fn table_beside_staff_figures() {
        let groups = group(&parse_results(SAMPLE).records);
        let text = render(&groups, &staff_figures(), Palette::plain());
        let expected = "\
raft 3A
test                            result  runs    s  staff  ratio  RPCs  staff  ratio  bytes  staff  ratio  commits  staff
initial election                ok         2  3.5    3.5  1.00x   116     58  2.00x  16840  16840  1.00x        0      0
election after network failure  ok         1  5.0    5.4  0.93x   120    118  1.02x  25000  25269  0.99x        0      0
not on the page                 ok         1  1.0      -      -    10      -      -    100      -      -        1      -
total                           3/3 ok     4  9.5    8.9  0.96x   246    176  1.34x  41940  42109  0.99x
staff figures for 2 of 3 tests; the total's staff column and ratios cover those

";
        assert_eq!(text, expected);
    }

    #[test]
    fn kv_parts_count_ops_and_lack_bytes() {
        let line = r#"{"lab":"kvraft","part":"4A","test":"basic_4a","title":"one client (4A)","seconds":15.5,"peers":5,"rpcs":4576,"ops":903,"passed":true}"#;
        let groups = group(&parse_results(line).records);
        let text = render(&groups, &staff_figures(), Palette::plain());
        let expected = "\
kvraft 4A
test             result  runs     s  staff  ratio  RPCs  staff  ratio  ops  staff
one client (4A)  ok         1  15.5   15.5  1.00x  4576   4576  1.00x  903    903
total            1/1 ok     1  15.5   15.5  1.00x  4576   4576  1.00x

";
        assert_eq!(text, expected);
    }
}
