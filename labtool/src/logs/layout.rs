//! Laying log entries out: a time column, then one column per server. A server's line sits in
//! its column, wrapped to the column's width; tester events and other targets' lines run
//! across all columns; unparsed lines are marked with `?` in the time column.

use super::parse::{Entry, Header};
use crate::color::{Palette, Style};
use crate::table::{pad, width_of, Align};

/// Width of the time column (`001234`).
const TIME_WIDTH: usize = 6;

/// Spaces between columns.
const GAP: &str = " ";

/// The narrowest a server column gets, however many columns are asked for.
pub const MIN_COLUMN_WIDTH: usize = 12;

/// Servers numbered this high or more do not get a column of their own unless `--columns`
/// asks: a garbled `S999` must not make a thousand columns.
pub const MAX_AUTO_COLUMNS: usize = 16;

/// What the time column shows for a line that did not parse.
const UNPARSED_MARK: &str = "?";

/// Column geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    /// Number of server columns; servers `0..columns` get one each.
    columns: usize,
    /// Width of each server column.
    column_width: usize,
}

impl Layout {
    /// `columns` server columns sharing `total_width` characters (time column included).
    pub fn new(columns: usize, total_width: usize) -> Layout {
        let columns = columns.max(1);
        let room = total_width.saturating_sub(TIME_WIDTH + GAP.len());
        let column_width = (room / columns).saturating_sub(GAP.len());
        Layout {
            columns,
            column_width: column_width.max(MIN_COLUMN_WIDTH),
        }
    }

    /// Width of everything right of the time column.
    fn body_width(&self) -> usize {
        self.columns * (self.column_width + GAP.len()) - GAP.len()
    }

    /// The heading row: `S0`, `S1`, ... over their columns.
    pub fn heading(&self, palette: Palette) -> String {
        let names: Vec<String> = (0..self.columns)
            .map(|server| pad(&format!("S{server}"), self.column_width, Align::Left))
            .collect();
        let row = format!(
            "{}{GAP}{}",
            pad("ms", TIME_WIDTH, Align::Right),
            names.join(GAP)
        );
        palette.paint(Some(Style::Bold), row.trim_end())
    }

    /// The lines that show `entry`.
    pub fn render(&self, entry: &Entry, palette: Palette) -> Vec<String> {
        match entry {
            Entry::Server { server, .. } if *server < self.columns => {
                self.render_in_column(entry, *server, palette)
            }
            Entry::Server { header, .. } => {
                let style = server_style(entry);
                self.render_across(&header.time, &server_text(entry, true), style, palette)
            }
            Entry::Tester { header, event } => self.render_event(header, event, palette),
            Entry::Other { header, message } => {
                let text = format!("{} {}: {message}", header.level, header.target);
                self.render_across(&header.time, &text, Some(Style::Dim), palette)
            }
            Entry::Unparsed(line) => {
                self.render_across(UNPARSED_MARK, line, Some(Style::Red), palette)
            }
        }
    }

    /// A server line wrapped inside its column.
    fn render_in_column(&self, entry: &Entry, server: usize, palette: Palette) -> Vec<String> {
        let time = entry_time(entry);
        let blank_columns = " ".repeat(server * (self.column_width + GAP.len()));
        wrap(&server_text(entry, false), self.column_width)
            .iter()
            .enumerate()
            .map(|(index, piece)| {
                let time = if index == 0 { time } else { "" };
                let cell = palette.paint(server_style(entry), piece);
                format!(
                    "{}{GAP}{blank_columns}{cell}",
                    pad(time, TIME_WIDTH, Align::Right)
                )
            })
            .collect()
    }

    /// A tester event as a rule across every column: `── crash 2 ─────`.
    fn render_event(&self, header: &Header, event: &str, palette: Palette) -> Vec<String> {
        let label = format!("── {event} ");
        let fill = "─".repeat(self.body_width().saturating_sub(width_of(&label)));
        let text = format!("{label}{fill}");
        let time = pad(&header.time, TIME_WIDTH, Align::Right);
        vec![format!(
            "{time}{GAP}{}",
            palette.paint(Some(Style::Banner), &text)
        )]
    }

    /// Text wrapped across the full width, with `mark` in the time column of its first line.
    fn render_across(
        &self,
        mark: &str,
        text: &str,
        style: Option<Style>,
        palette: Palette,
    ) -> Vec<String> {
        wrap(text, self.body_width())
            .iter()
            .enumerate()
            .map(|(index, piece)| {
                let mark = if index == 0 { mark } else { "" };
                let time = pad(mark, TIME_WIDTH, Align::Right);
                format!("{time}{GAP}{}", palette.paint(style, piece))
            })
            .collect()
    }
}

/// The time of an entry, empty for an unparsed line.
fn entry_time(entry: &Entry) -> &str {
    match entry {
        Entry::Server { header, .. }
        | Entry::Tester { header, .. }
        | Entry::Other { header, .. } => &header.time,
        Entry::Unparsed(_) => "",
    }
}

/// `T7 election: won` (with `S2 ` first when `with_server`), prefixed by a WARN/ERROR level.
fn server_text(entry: &Entry, with_server: bool) -> String {
    let Entry::Server {
        header,
        server,
        term,
        topic,
        text,
    } = entry
    else {
        return String::new();
    };
    let mut parts = Vec::new();
    if header.is_alarming() {
        parts.push(header.level.clone());
    }
    if with_server {
        parts.push(format!("S{server}"));
    }
    if let Some(term) = term {
        parts.push(format!("T{term}"));
    }
    parts.push(format!("{}: {text}", topic.name()));
    parts.join(" ")
}

/// The topic's colour, or the alarm colour for WARN and ERROR.
fn server_style(entry: &Entry) -> Option<Style> {
    match entry {
        Entry::Server { header, .. } if header.is_alarming() => Some(Style::Alarm),
        Entry::Server { topic, .. } => topic.style(),
        _ => None,
    }
}

/// `text` broken at spaces into pieces of at most `width` characters; a word longer than
/// `width` is cut. Text that fits is left as it is, spacing included (test output lines up
/// numbers with runs of spaces). Always at least one piece.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    if width_of(text) <= width {
        return vec![text.to_string()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        for chunk in chunks(word, width) {
            let needed = if current.is_empty() { 0 } else { 1 } + width_of(&chunk);
            if width_of(&current) + needed > width {
                pieces.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&chunk);
        }
    }
    pieces.push(current);
    pieces
}

/// `word` cut into pieces of at most `width` characters.
fn chunks(word: &str, width: usize) -> Vec<String> {
    let characters: Vec<char> = word.chars().collect();
    characters
        .chunks(width)
        .map(|piece| piece.iter().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::parse_line;

    fn show(layout: Layout, line: &str) -> Vec<String> {
        layout.render(&parse_line(line), Palette::plain())
    }

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(wrap("", 3), [""]);
        assert_eq!(wrap("a   b", 5), ["a   b"]);
    }

    #[test]
    fn geometry_splits_the_width() {
        // 7 for "001234 ", then 3 columns of 20 + 1 gap.
        let layout = Layout::new(3, 7 + 3 * 21);
        assert_eq!(layout.column_width, 20);
        assert_eq!(Layout::new(50, 80).column_width, MIN_COLUMN_WIDTH);
    }

    #[test]
    fn server_lines_sit_in_their_column() {
        let layout = Layout::new(3, 7 + 3 * 21);
        assert_eq!(
            show(layout, "001234 DEBUG raft S1 T7 election: won with 2 votes"),
            [
                "001234                      T7 election: won",
                "                            with 2 votes"
            ]
        );
        assert_eq!(
            show(layout, "000002 DEBUG raft S0 T1 vote: for S1"),
            ["000002 T1 vote: for S1"]
        );
    }

    #[test]
    fn tester_events_span_every_column() {
        let layout = Layout::new(2, 7 + 2 * 16);
        let lines = show(layout, "000500 INFO tester partition [0 1] | [2]");
        assert_eq!(lines, ["000500 ── partition [0 1] | [2] ──────"]);
        assert_eq!(width_of(&lines[0]), 7 + layout.body_width());
    }

    #[test]
    fn unparsed_lines_are_marked() {
        let layout = Layout::new(2, 7 + 2 * 16);
        assert_eq!(
            show(layout, "thread 'x' panicked at tester.rs:80:9:"),
            ["     ? thread 'x' panicked at", "       tester.rs:80:9:"]
        );
    }

    #[test]
    fn servers_beyond_the_columns_run_across_with_their_id() {
        let layout = Layout::new(2, 7 + 2 * 21);
        assert_eq!(
            show(layout, "000003 WARN raft S4 T2 leader: stepping down"),
            ["000003 WARN S4 T2 leader: stepping down"]
        );
    }

    #[test]
    fn heading_names_the_servers() {
        let layout = Layout::new(2, 7 + 2 * 13);
        assert_eq!(layout.heading(Palette::plain()), "    ms S0           S1");
    }
}
