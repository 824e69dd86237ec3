//! The MIT staff solution's figures (Spring 2024 lab pages), compiled in from
//! `labtool/data/staff-2024.tsv`, a copy of `shared/reference/mit-labs.md` sections 8.1 (Raft)
//! and 8.5 (kvraft). MapReduce (lab 1), kvsrv (lab 2) and shardkv have none. A result is
//! matched to a figure by part and title.

/// The compiled-in table.
const STAFF_TABLE: &str = include_str!("../../data/staff-2024.tsv");

/// One test's staff figures.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffFigure {
    /// The part (`3A`).
    pub part: String,
    /// The MIT title (`initial election`).
    pub title: String,
    /// Seconds.
    pub seconds: f64,
    /// Servers.
    pub peers: u64,
    /// RPCs.
    pub rpcs: u64,
    /// Bytes (Raft only).
    pub bytes: Option<u64>,
    /// Committed entries (Raft only).
    pub commits: Option<u64>,
    /// Clerk operations (kvraft only).
    pub ops: Option<u64>,
}

/// Every staff figure, in the order of the lab pages.
pub fn staff_figures() -> Vec<StaffFigure> {
    STAFF_TABLE
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.starts_with('#') && !line.trim().is_empty())
        .map(|(index, line)| {
            parse_row(line).unwrap_or_else(|| {
                panic!(
                    "data/staff-2024.tsv line {} is malformed: {line:?}",
                    index + 1
                )
            })
        })
        .collect()
}

/// One tab-separated row.
fn parse_row(line: &str) -> Option<StaffFigure> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [part, title, seconds, peers, rpcs, bytes, commits, ops] = fields[..] else {
        return None;
    };
    Some(StaffFigure {
        part: part.to_string(),
        title: title.to_string(),
        seconds: seconds.parse().ok()?,
        peers: peers.parse().ok()?,
        rpcs: rpcs.parse().ok()?,
        bytes: optional(bytes)?,
        commits: optional(commits)?,
        ops: optional(ops)?,
    })
}

/// `-` as `None`, a number as `Some`; anything else is malformed (the outer `None`).
fn optional(field: &str) -> Option<Option<u64>> {
    if field == "-" {
        Some(None)
    } else {
        field.parse().ok().map(Some)
    }
}

/// The position and figure for `part` and `title`. Titles compare without case, extra spaces
/// or a trailing `(4A)`, which the Go kv tests print as part of the title.
pub fn find_staff<'a>(
    figures: &'a [StaffFigure],
    part: &str,
    title: &str,
) -> Option<(usize, &'a StaffFigure)> {
    let wanted = normalize_title(title, part);
    figures.iter().enumerate().find(|(_, figure)| {
        figure.part.eq_ignore_ascii_case(part) && normalize_title(&figure.title, part) == wanted
    })
}

/// Lower case, single spaces, without a trailing `(<part>)`.
fn normalize_title(title: &str, part: &str) -> String {
    let words = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let lowered = words.to_lowercase();
    let suffix = format!("({})", part.to_lowercase());
    lowered
        .strip_suffix(&suffix)
        .map(|rest| rest.trim_end().to_string())
        .unwrap_or(lowered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_table_is_complete() {
        let figures = staff_figures();
        let count = |part: &str| figures.iter().filter(|f| f.part == part).count();
        let counts: Vec<usize> = ["3A", "3B", "3C", "3D", "4A", "4B"].map(count).to_vec();
        assert_eq!(counts, [3, 8, 8, 6, 16, 9]);
    }

    #[test]
    fn figures_match_the_reference() {
        let figures = staff_figures();
        let (_, figure8) = find_staff(&figures, "3C", "Figure 8").unwrap();
        assert_eq!(
            (figure8.seconds, figure8.rpcs, figure8.bytes),
            (31.2, 580, Some(130675))
        );
        let (_, speed) = find_staff(&figures, "4B", "ops complete fast enough").unwrap();
        assert_eq!((speed.rpcs, speed.bytes, speed.ops), (3025, None, Some(0)));
    }

    #[test]
    fn titles_match_loosely_but_parts_strictly() {
        let figures = staff_figures();
        assert!(find_staff(&figures, "4A", "One  client (4A)").is_some());
        assert!(find_staff(&figures, "3a", "initial election").is_some());
        assert!(find_staff(&figures, "3B", "initial election").is_none());
        assert!(find_staff(&figures, "5A", "static shards").is_none());
    }
}
