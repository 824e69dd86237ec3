//! Parsing the labs' log lines: `<ms> <LEVEL> <target> <message>`, where a server's message
//! is `S<id> [T<term>] <topic>: <text>` and the tester's (target `tester`) is an event such as
//! `partition [0 1] | [2]`. A line in no such shape is kept as [`Entry::Unparsed`].

use super::topic::Topic;

/// The target tester events are logged under.
pub const TESTER_TARGET: &str = "tester";

/// The fields every log line starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Milliseconds since the test started, as written (`001234`).
    pub time: String,
    /// The level word (`DEBUG`, `WARN`, ...).
    pub level: String,
    /// The log target, usually the crate (`raft`, `kvraft`, `tester`).
    pub target: String,
}

impl Header {
    /// Whether the level is WARN or ERROR, which the viewer flags.
    pub fn is_alarming(&self) -> bool {
        self.level == "WARN" || self.level == "ERROR"
    }
}

/// One line of a log, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A server's line: drawn in that server's column.
    Server {
        /// Time, level, target.
        header: Header,
        /// The server's index (`S2` is 2).
        server: usize,
        /// Its term, when it gave one (kv servers may not).
        term: Option<u64>,
        /// What the line is about.
        topic: Topic,
        /// The rest of the message.
        text: String,
    },
    /// A tester event (partition, crash, restart, ...): drawn across every column.
    Tester {
        /// Time, level, target.
        header: Header,
        /// The event as logged.
        event: String,
    },
    /// A well-formed log line that is neither a server's nor the tester's (e.g. labrpc's).
    Other {
        /// Time, level, target.
        header: Header,
        /// The message.
        message: String,
    },
    /// Anything else (a panic, test harness output, a banner): kept as it was.
    Unparsed(String),
}

/// The level words env_logger writes.
const LEVELS: [&str; 5] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/// The entries of one line: none for a blank line, two when a log line is glued after other
/// output (libtest writes `test name ... ` with no newline before the test's first log line),
/// else one.
pub fn parse_entries(line: &str) -> Vec<Entry> {
    if line.trim().is_empty() {
        return Vec::new();
    }
    let entry = parse_line(line);
    if !matches!(entry, Entry::Unparsed(_)) {
        return vec![entry];
    }
    match embedded_log_start(line) {
        Some(start) => vec![
            Entry::Unparsed(line[..start].trim_end().to_string()),
            parse_line(&line[start..]),
        ],
        None => vec![entry],
    }
}

/// Where a log line starts inside `line`, after a space: its time must have the full six
/// digits, so that ordinary text with a number in it is not split.
fn embedded_log_start(line: &str) -> Option<usize> {
    line.match_indices(' ')
        .map(|(index, _)| index + 1)
        .find(|&start| {
            parse_header(&line[start..]).is_some_and(|(header, _)| header.time.len() >= 6)
        })
}

/// Classifies one line (without its newline).
pub fn parse_line(line: &str) -> Entry {
    let Some((header, message)) = parse_header(line) else {
        return Entry::Unparsed(line.to_string());
    };
    if header.target == TESTER_TARGET {
        return Entry::Tester {
            header,
            event: message.to_string(),
        };
    }
    match parse_server_message(message) {
        Some((server, term, topic, text)) => Entry::Server {
            header,
            server,
            term,
            topic,
            text: text.to_string(),
        },
        None => Entry::Other {
            header,
            message: message.to_string(),
        },
    }
}

/// `<digits> <LEVEL> <target> <message>` into the header and the message.
fn parse_header(line: &str) -> Option<(Header, &str)> {
    let (time, rest) = split_word(line)?;
    let (level, rest) = split_word(rest)?;
    let (target, message) = split_word(rest)?;
    let is_time = time.bytes().all(|byte| byte.is_ascii_digit());
    if !is_time || !LEVELS.contains(&level) {
        return None;
    }
    let header = Header {
        time: time.to_string(),
        level: level.to_string(),
        target: target.to_string(),
    };
    Some((header, message))
}

/// `S<id> [T<term>] <topic>: <text>` into its parts.
fn parse_server_message(message: &str) -> Option<(usize, Option<u64>, Topic, &str)> {
    let (server_word, rest) = split_word(message)?;
    let server = number_after('S', server_word)?;
    let (next_word, after_next) = split_word(rest)?;
    let (term, topic_word, text) = match number_after('T', next_word) {
        Some(term) => {
            let (topic_word, text) = split_word(after_next)?;
            (Some(term), topic_word, text)
        }
        None => (None, next_word, after_next),
    };
    let topic = topic_word.strip_suffix(':')?;
    let is_word = !topic.is_empty() && topic.bytes().all(|byte| byte.is_ascii_lowercase());
    is_word.then(|| (server, term, Topic::parse(topic), text))
}

/// The number in `word` after the one-letter `prefix` (`S2` -> 2).
fn number_after<T: std::str::FromStr>(prefix: char, word: &str) -> Option<T> {
    let digits = word.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The first space-separated word and the rest after its separating spaces; `None` when the
/// text is empty.
fn split_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start_matches(' ');
    if text.is_empty() {
        return None;
    }
    match text.split_once(' ') {
        Some((word, rest)) => Some((word, rest.trim_start_matches(' '))),
        None => Some((text, "")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(time: &str, level: &str, target: &str) -> Header {
        Header {
            time: time.into(),
            level: level.into(),
            target: target.into(),
        }
    }

    #[test]
    fn raft_server_line() {
        let entry = parse_line("001234 DEBUG raft S2 T7 election: won with 2 votes");
        let expected = Entry::Server {
            header: header("001234", "DEBUG", "raft"),
            server: 2,
            term: Some(7),
            topic: Topic::Election,
            text: "won with 2 votes".into(),
        };
        assert_eq!(entry, expected);
    }

    #[test]
    fn kv_server_line_without_term() {
        let entry = parse_line("000010 INFO kvraft S0 client: Get k1 -> v");
        let Entry::Server {
            term, topic, text, ..
        } = entry
        else {
            panic!("not a server line: {entry:?}");
        };
        assert_eq!(
            (term, topic, text.as_str()),
            (None, Topic::Client, "Get k1 -> v")
        );
    }

    #[test]
    fn tester_events() {
        let entry = parse_line("000500 INFO tester partition [0 1] | [2]");
        let expected = Entry::Tester {
            header: header("000500", "INFO", "tester"),
            event: "partition [0 1] | [2]".into(),
        };
        assert_eq!(entry, expected);
    }

    #[test]
    fn other_targets_are_well_formed_but_not_servers() {
        let entry = parse_line("000001 DEBUG labrpc network seeded with 7");
        assert!(
            matches!(entry, Entry::Other { ref message, .. } if message == "network seeded with 7")
        );
        let no_topic = parse_line("000001 DEBUG raft S1 T2 no topic here");
        assert!(matches!(no_topic, Entry::Other { .. }));
    }

    #[test]
    fn malformed_lines_are_kept_verbatim() {
        for line in [
            "thread 'figure8_3c' panicked at raft/tests/tester.rs:80:9:",
            "Test (3A): initial election ...",
            "12ab DEBUG raft S1 T1 vote: x",
            "000001 LOUD raft S1 T1 vote: x",
            "000001 DEBUG",
            "",
        ] {
            assert_eq!(parse_line(line), Entry::Unparsed(line.into()), "{line:?}");
        }
    }

    #[test]
    fn a_log_line_glued_after_test_output_is_split_off() {
        let entries =
            parse_entries("test initial_election_3a ... 000000 DEBUG labrpc seeded with 7");
        assert_eq!(
            entries[0],
            Entry::Unparsed("test initial_election_3a ...".into())
        );
        assert!(
            matches!(entries[1], Entry::Other { ref message, .. } if message == "seeded with 7")
        );
        assert_eq!(entries.len(), 2);
    }

    #[test]
    fn blank_lines_and_plain_numbers_stay_whole() {
        assert!(parse_entries("   ").is_empty());
        let entries = parse_entries("  ... Passed --   3.1  3    46    452    0");
        assert_eq!(entries.len(), 1);
        assert!(matches!(entries[0], Entry::Unparsed(_)));
    }

    #[test]
    fn huge_numbers_do_not_panic() {
        let entry = parse_line("000001 DEBUG raft S99999999999999999999999 T1 vote: x");
        assert!(matches!(entry, Entry::Other { .. }));
    }
}
