//! `lab logs`: the labs' debug logs laid out one column per server, coloured by topic, with
//! tester events across all columns and unparsed lines (panics, test output) kept and marked.

pub mod filter;
pub mod layout;
pub mod parse;
pub mod topic;

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::color::{ColorChoice, Palette};
use crate::error::{Error, Result};
use filter::TopicFilter;
use layout::Layout;
use parse::{parse_entries, Entry};

/// The width used when neither `--width` nor the terminal says otherwise.
const DEFAULT_WIDTH: usize = 160;

/// What `lab logs` was asked to do.
#[derive(Debug, Clone)]
pub struct LogsOptions {
    /// The log file; `-` is standard input.
    pub input: PathBuf,
    /// Show only these topics (empty: all).
    pub just: Vec<String>,
    /// Hide these topics.
    pub ignore: Vec<String>,
    /// Number of server columns; default one per server seen.
    pub columns: Option<usize>,
    /// Total width; default the terminal's, else 160 characters.
    pub width: Option<usize>,
    /// The `--color` choice.
    pub color: ColorChoice,
}

/// Shows a log; returns how many lines did not parse.
pub fn logs(options: &LogsOptions) -> Result<usize> {
    let filter = TopicFilter::new(&options.just, &options.ignore)?;
    let text = read_input(&options.input)?;
    let entries: Vec<Entry> = text.lines().flat_map(parse_entries).collect();
    let unparsed = entries
        .iter()
        .filter(|entry| matches!(entry, Entry::Unparsed(_)))
        .count();
    if unparsed == entries.len() {
        return Err(Error::NoLogLines {
            path: options.input.clone(),
            lines: entries.len(),
        });
    }
    let columns = options.columns.unwrap_or_else(|| servers_seen(&entries));
    let width = options.width.unwrap_or_else(terminal_width);
    let layout = Layout::new(columns, width);
    write_entries(
        &entries,
        &filter,
        layout,
        Palette::for_stdout(options.color),
    );
    Ok(unparsed)
}

/// The whole input as text; invalid UTF-8 is replaced rather than refused, so a log with a
/// binary splinter still shows.
fn read_input(path: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    let outcome = if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|read| bytes = read)
    };
    outcome.map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One more than the highest server index in the log (at least 1).
fn servers_seen(entries: &[Entry]) -> usize {
    entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Server { server, .. } => Some(*server),
            _ => None,
        })
        .filter(|&server| server < layout::MAX_AUTO_COLUMNS)
        .max()
        .map_or(1, |highest| highest + 1)
}

/// The terminal's width, or [`DEFAULT_WIDTH`] when stdout is not a terminal.
fn terminal_width() -> usize {
    console::Term::stdout()
        .size_checked()
        .map_or(DEFAULT_WIDTH, |(_rows, columns)| usize::from(columns))
}

/// Writes the heading and every admitted entry; stops quietly when the reader goes away
/// (`lab logs x | head`).
fn write_entries(entries: &[Entry], filter: &TopicFilter, layout: Layout, palette: Palette) {
    let mut out = BufWriter::new(std::io::stdout().lock());
    let mut write_all = || -> std::io::Result<()> {
        writeln!(out, "{}", layout.heading(palette))?;
        for entry in entries.iter().filter(|entry| filter.admits(entry)) {
            for line in layout.render(entry, palette) {
                writeln!(out, "{line}")?;
            }
        }
        out.flush()
    };
    let _ = write_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    use parse::parse_line;

    #[test]
    fn columns_follow_the_highest_server() {
        let entries: Vec<Entry> = [
            "000001 DEBUG raft S0 T1 vote: a",
            "000002 DEBUG raft S4 T1 vote: b",
            "junk",
        ]
        .into_iter()
        .map(parse_line)
        .collect();
        assert_eq!(servers_seen(&entries), 5);
        assert_eq!(servers_seen(&entries[2..]), 1);
    }
}
