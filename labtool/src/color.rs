//! Colours as plain ANSI escape codes, switched on or off once per command.

use std::io::IsTerminal;

/// When to colour output: `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when the output is a terminal.
    Auto,
    /// Always colour, e.g. when piping into `less -R`.
    Always,
    /// Never colour.
    Never,
}

/// A text style; each maps to one SGR code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Bold.
    Bold,
    /// Faint.
    Dim,
    /// Red.
    Red,
    /// Green.
    Green,
    /// Yellow.
    Yellow,
    /// Blue.
    Blue,
    /// Magenta.
    Magenta,
    /// Cyan.
    Cyan,
    /// Bright red.
    BrightRed,
    /// Bright green.
    BrightGreen,
    /// Bright yellow.
    BrightYellow,
    /// Bright blue.
    BrightBlue,
    /// White on red, for things that must not be missed.
    Alarm,
    /// Reversed bold, for tester events.
    Banner,
}

impl Style {
    /// The SGR parameters of the style.
    fn code(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::Green => "32",
            Style::Yellow => "33",
            Style::Blue => "34",
            Style::Magenta => "35",
            Style::Cyan => "36",
            Style::BrightRed => "91",
            Style::BrightGreen => "92",
            Style::BrightYellow => "93",
            Style::BrightBlue => "94",
            Style::Alarm => "1;97;41",
            Style::Banner => "1;7",
        }
    }
}

/// Paints text, or leaves it alone when colour is off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// Whether escape codes are written at all.
    enabled: bool,
}

impl Palette {
    /// The palette for output to stdout under the user's `--color` choice.
    pub fn for_stdout(choice: ColorChoice) -> Palette {
        Palette::resolve(choice, std::io::stdout().is_terminal())
    }

    /// The palette for output to stderr under the user's `--color` choice.
    pub fn for_stderr(choice: ColorChoice) -> Palette {
        Palette::resolve(choice, std::io::stderr().is_terminal())
    }

    /// The palette given the choice and whether the output is a terminal.
    pub fn resolve(choice: ColorChoice, is_terminal: bool) -> Palette {
        let enabled = match choice {
            ColorChoice::Auto => is_terminal,
            ColorChoice::Always => true,
            ColorChoice::Never => false,
        };
        Palette { enabled }
    }

    /// A palette that never colours (for tests and plain output).
    pub fn plain() -> Palette {
        Palette { enabled: false }
    }

    /// Whether this palette writes escape codes.
    pub fn is_enabled(self) -> bool {
        self.enabled
    }

    /// `text` in `style`, or `text` unchanged when colour is off or there is no style.
    pub fn paint(self, style: Option<Style>, text: &str) -> String {
        match style {
            Some(style) if self.enabled => format!("\x1b[{}m{text}\x1b[0m", style.code()),
            _ => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_palette_leaves_text_alone() {
        assert_eq!(Palette::plain().paint(Some(Style::Red), "x"), "x");
    }

    #[test]
    fn enabled_palette_wraps_in_sgr_codes() {
        let palette = Palette::resolve(ColorChoice::Always, false);
        assert_eq!(palette.paint(Some(Style::Red), "x"), "\x1b[31mx\x1b[0m");
        assert_eq!(palette.paint(None, "x"), "x");
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert!(Palette::resolve(ColorChoice::Auto, true).is_enabled());
        assert!(!Palette::resolve(ColorChoice::Auto, false).is_enabled());
        assert!(!Palette::resolve(ColorChoice::Never, true).is_enabled());
    }
}
