//! A plain text table with aligned columns, used by the stress summary and the results view.
//! Widths are measured on the unpainted text, so colour never shifts a column.

use crate::color::{Palette, Style};

/// How a column's cells sit in its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: padded on the right.
    Left,
    /// Numbers: padded on the left.
    Right,
}

/// One cell: its text and an optional style applied after padding.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The text as shown.
    pub text: String,
    /// The colour, if any.
    pub style: Option<Style>,
}

impl Cell {
    /// A cell in the default style.
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: None,
        }
    }

    /// A cell in `style`.
    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style: Some(style),
        }
    }
}

/// Rows of cells under a header; render with [`Table::render`].
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column titles, also fixing the number of columns.
    header: Vec<String>,
    /// Alignment per column.
    alignments: Vec<Align>,
    /// The body; a row shorter than the header is padded with empty cells.
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table; `columns` pairs each title with its alignment.
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            header: columns.iter().map(|(title, _)| title.to_string()).collect(),
            alignments: columns.iter().map(|(_, align)| *align).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// The table as lines without trailing spaces, columns two spaces apart, header in bold.
    pub fn render(&self, palette: Palette) -> String {
        let widths = self.widths();
        let header: Vec<Cell> = self
            .header
            .iter()
            .map(|title| Cell::styled(title.clone(), Style::Bold))
            .collect();
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&self.rows) {
            out.push_str(&self.render_row(row, &widths, palette));
            out.push('\n');
        }
        out
    }

    /// The widest cell of each column, header included.
    fn widths(&self) -> Vec<usize> {
        let mut widths: Vec<usize> = self.header.iter().map(|title| width_of(title)).collect();
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate().take(widths.len()) {
                widths[column] = widths[column].max(width_of(&cell.text));
            }
        }
        widths
    }

    /// One row, each cell padded to its column and then painted.
    fn render_row(&self, row: &[Cell], widths: &[usize], palette: Palette) -> String {
        let empty = Cell::plain("");
        let cells = (0..widths.len()).map(|column| {
            let cell = row.get(column).unwrap_or(&empty);
            let padded = pad(&cell.text, widths[column], self.alignments[column]);
            palette.paint(cell.style, &padded)
        });
        cells.collect::<Vec<_>>().join("  ").trim_end().to_string()
    }
}

/// The displayed width of `text`, counted in characters (the tables hold no wide characters).
pub fn width_of(text: &str) -> usize {
    text.chars().count()
}

/// `text` padded with spaces to `width`.
pub fn pad(text: &str, width: usize, align: Align) -> String {
    let fill = " ".repeat(width.saturating_sub(width_of(text)));
    match align {
        Align::Left => format!("{text}{fill}"),
        Align::Right => format!("{fill}{text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up() {
        let mut table = Table::new(&[("test", Align::Left), ("runs", Align::Right)]);
        table.push(vec![Cell::plain("figure8"), Cell::plain("200")]);
        table.push(vec![Cell::plain("a"), Cell::plain("7")]);
        let expected = "test     runs\nfigure8   200\na           7\n";
        assert_eq!(table.render(Palette::plain()), expected);
    }

    #[test]
    fn short_rows_are_padded_and_trailing_space_trimmed() {
        let mut table = Table::new(&[("a", Align::Left), ("b", Align::Left)]);
        table.push(vec![Cell::plain("x")]);
        assert_eq!(table.render(Palette::plain()), "a  b\nx\n");
    }
}
