//! Which tests `lab stress` and `lab sweep` run: the filters of their command lines.
//!
//! A filter is either a part (`2`, `3a` ... `5b`, any case; a lab's number alone, `3`, is all
//! of its parts), which picks the graded tests of that part, or anything else, a piece of a
//! test's name, which picks the tests whose full names contain it, as `cargo test <filter>`
//! does. A test is picked when it is in one of the parts given (if any were) and its name
//! contains one of the pieces given (if any were). So `4a` is part 4A, `partition` is every
//! test named with it, and `4a partition` the 4A tests named with it, not 4B's.
//!
//! A graded test carries its part at the end of its name (`initial_election_3a`,
//! `reliable_put_2`), which is how [`Part::of_test`] finds it.

use std::fmt;

/// A lab crate and the parts its graded tests belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabCrate {
    /// The crate, as given to `cargo test -p`.
    pub name: &'static str,
    /// The lab's number: its parts are `<lab>` or `<lab><letter>`.
    pub lab: u8,
    /// Its parts as the book writes them.
    pub parts: &'static str,
}

/// The lab crates, in the order of the labs: what `lab sweep` covers when no crate is named.
pub const LABS: [LabCrate; 4] = [
    LabCrate {
        name: "kvsrv",
        lab: 2,
        parts: "2",
    },
    LabCrate {
        name: "raft",
        lab: 3,
        parts: "3A-3D",
    },
    LabCrate {
        name: "kvraft",
        lab: 4,
        parts: "4A-4B",
    },
    LabCrate {
        name: "shardkv",
        lab: 5,
        parts: "5A-5B",
    },
];

/// `kvsrv (2), raft (3A-3D), kvraft (4A-4B), shardkv (5A-5B)`: the labs, for messages.
pub fn labs_and_parts() -> String {
    LABS.iter()
        .map(|lab| format!("{} ({})", lab.name, lab.parts))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A part of a lab (`3A`), or a whole lab (`3`, every part of lab 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Part {
    /// The lab's number.
    pub lab: u8,
    /// The part's letter, lowercase; `None` for a lab without parts (2) or a whole lab.
    pub letter: Option<char>,
}

impl Part {
    /// `3a`, `3A`, `3` or `2` as a part; `None` for anything else.
    pub fn parse(text: &str) -> Option<Part> {
        let mut characters = text.chars();
        let lab = characters.next()?.to_digit(10)?;
        let letter = match characters.as_str() {
            "" => None,
            rest => {
                let letter = rest.chars().next()?.to_ascii_lowercase();
                if rest.chars().count() != 1 || !letter.is_ascii_lowercase() {
                    return None;
                }
                Some(letter)
            }
        };
        Some(Part {
            lab: u8::try_from(lab).ok()?,
            letter,
        })
    }

    /// The part a graded test's name ends in: the last `::` segment ends in `_<lab>` or
    /// `_<lab><letter>`, one digit and at most one lowercase letter, after a non-empty stem
    /// (`initial_election_3a`, `kvsrv_2::reliable_put_2`). `None` for any other name.
    pub fn of_test(name: &str) -> Option<Part> {
        let last = name.rsplit("::").next().unwrap_or(name);
        let (stem, suffix) = last.rsplit_once('_')?;
        let part = Part::parse(suffix)?;
        let lowercase = suffix.chars().all(|c| !c.is_ascii_uppercase());
        (!stem.is_empty() && lowercase).then_some(part)
    }

    /// Whether a test of part `test_part` belongs to this part: the same part, or any part of
    /// this lab when this is a whole lab.
    pub fn contains(self, test_part: Part) -> bool {
        self.lab == test_part.lab && (self.letter.is_none() || self.letter == test_part.letter)
    }
}

impl fmt::Display for Part {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.letter {
            Some(letter) => write!(formatter, "{}{}", self.lab, letter.to_ascii_uppercase()),
            None => write!(formatter, "{}", self.lab),
        }
    }
}

/// The filters of one command line, sorted into parts and name pieces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestFilter {
    /// The parts given; a test must be in one of them (when there is any).
    pub parts: Vec<Part>,
    /// The name pieces given; a test's name must contain one of them (when there is any).
    pub names: Vec<String>,
}

impl TestFilter {
    /// Sorts `filters` into parts and name pieces.
    pub fn new(filters: &[String]) -> TestFilter {
        let mut filter = TestFilter::default();
        for text in filters {
            match Part::parse(text) {
                Some(part) if !filter.parts.contains(&part) => filter.parts.push(part),
                Some(_) => {}
                None => filter.names.push(text.clone()),
            }
        }
        filter
    }

    /// Whether the filter picks the test called `name` (its full name, with modules).
    pub fn matches(&self, name: &str) -> bool {
        let in_part = self.parts.is_empty()
            || Part::of_test(name)
                .is_some_and(|test_part| self.parts.iter().any(|part| part.contains(test_part)));
        let named = self.names.is_empty() || self.names.iter().any(|piece| name.contains(piece));
        in_part && named
    }

    /// Whether nothing was given (every test is picked).
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty() && self.names.is_empty()
    }
}

/// `part 4A and a name containing `partition``, for messages.
impl fmt::Display for TestFilter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.parts.iter().map(Part::to_string).collect();
        let names: Vec<String> = self.names.iter().map(|name| format!("`{name}`")).collect();
        match (parts.is_empty(), names.is_empty()) {
            (true, true) => write!(formatter, "any test"),
            (false, true) => write!(formatter, "part {}", parts.join(" or ")),
            (true, false) => write!(formatter, "{}", names.join(" or ")),
            (false, false) => write!(
                formatter,
                "part {} and {}",
                parts.join(" or "),
                names.join(" or ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(words: &[&str]) -> TestFilter {
        TestFilter::new(
            &words
                .iter()
                .map(|word| word.to_string())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn parts_parse_in_either_case_and_nothing_else_does() {
        assert_eq!(
            Part::parse("3a"),
            Some(Part {
                lab: 3,
                letter: Some('a')
            })
        );
        assert_eq!(
            Part::parse("4B").map(|part| part.to_string()),
            Some("4B".into())
        );
        assert_eq!(
            Part::parse("2").map(|part| part.to_string()),
            Some("2".into())
        );
        for text in ["", "a", "3ab", "figure8", "_3a", "3_", "34", "3-"] {
            assert_eq!(Part::parse(text), None, "{text}");
        }
    }

    #[test]
    fn a_graded_name_carries_its_part() {
        assert_eq!(
            Part::of_test("election_3a::initial_election_3a").map(|part| part.to_string()),
            Some("3A".into())
        );
        assert_eq!(
            Part::of_test("kvsrv_2::reliable_put_2").map(|part| part.to_string()),
            Some("2".into())
        );
        for name in [
            "replay::one_seed_replays_exactly",
            "_3a",
            "count_3A",
            "count_3ab",
            "3a",
        ] {
            assert_eq!(Part::of_test(name), None, "{name}");
        }
    }

    #[test]
    fn a_part_picks_its_tests_only() {
        let part_4a = filter(&["4a"]);
        assert!(part_4a.matches("basic_4a"));
        assert!(!part_4a.matches("snapshot_size_4b"));
        assert!(!part_4a.matches("unit_test_mentioning_4a_inside"));
        let lab_3 = filter(&["3"]);
        assert!(lab_3.matches("figure8_3c") && lab_3.matches("initial_election_3a"));
        assert!(!lab_3.matches("basic_4a"));
    }

    #[test]
    fn parts_and_names_combine() {
        let filter = filter(&["4a", "partition"]);
        assert!(filter.matches("kv_4a::one_partition_4a"));
        assert!(!filter.matches("kv_4b::snapshot_partition_4b"));
        assert!(!filter.matches("kv_4a::basic_4a"));
        assert_eq!(filter.to_string(), "part 4A and `partition`");
    }

    #[test]
    fn names_are_substrings_as_for_cargo_test() {
        let filter = super::TestFilter::new(&["figure8".to_string(), "churn".to_string()]);
        assert!(filter.matches("persistence_3c::figure8_unreliable_3c"));
        assert!(filter.matches("persistence_3c::reliable_churn_3c"));
        assert!(!filter.matches("persistence_3c::persist1_3c"));
        assert_eq!(filter.to_string(), "`figure8` or `churn`");
        assert!(TestFilter::default().matches("anything"));
    }
}
