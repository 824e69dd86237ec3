//! The apps: a map and a reduce function each, compiled in and chosen by name.
//!
//! Each behaves as the course's plugin of the same name (`src/mrapps/*.go`). Maps emit pairs
//! through a callback instead of returning a vector, so a word count does not allocate two
//! strings per word.

mod crash;
mod early_exit;
mod indexer;
mod jobcount;
mod timing;
mod wc;

use crate::error::{MrError, Result};

/// A MapReduce application.
pub trait App: Send + Sync {
    /// Maps one input file: calls `emit(key, value)` for each intermediate pair.
    fn map(&self, filename: &str, contents: &str, emit: &mut dyn FnMut(&str, &str));

    /// Reduces every value of one key to the output value.
    fn reduce(&self, key: &str, values: &[&str]) -> String;
}

/// Every app name, in the order they are listed to users.
pub const APP_NAMES: &[&str] = &[
    "wc",
    "indexer",
    "mtiming",
    "rtiming",
    "jobcount",
    "early_exit",
    "crash",
    "nocrash",
];

/// The app called `name`, or [`MrError::UnknownApp`] listing the valid names.
pub fn app_by_name(name: &str) -> Result<Box<dyn App>> {
    Ok(match name {
        "wc" => Box::new(wc::WordCount),
        "indexer" => Box::new(indexer::Indexer),
        "mtiming" => Box::new(timing::MapTiming),
        "rtiming" => Box::new(timing::ReduceTiming),
        "jobcount" => Box::new(jobcount::JobCount),
        "early_exit" => Box::new(early_exit::EarlyExit),
        "crash" => Box::new(crash::Crash { crashes: true }),
        "nocrash" => Box::new(crash::Crash { crashes: false }),
        _ => {
            return Err(MrError::UnknownApp {
                name: name.to_string(),
            })
        }
    })
}

/// The words of `text`: maximal runs of letters (Go's `strings.FieldsFunc` with
/// `!unicode.IsLetter`).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|word| !word.is_empty())
}

/// The values sorted and joined with spaces, as several apps reduce.
fn sorted_joined(values: &[&str]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_pairs(app: &str, filename: &str, contents: &str) -> Vec<(String, String)> {
        let mut pairs = Vec::new();
        app_by_name(app)
            .unwrap()
            .map(filename, contents, &mut |key, value| {
                pairs.push((key.to_string(), value.to_string()))
            });
        pairs
    }

    #[test]
    fn every_listed_name_is_an_app() {
        for name in APP_NAMES {
            assert!(app_by_name(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn unknown_names_list_the_valid_ones() {
        let message = app_by_name("wordcount").err().unwrap().to_string();
        assert!(
            message.contains("wordcount") && message.contains("wc, indexer"),
            "{message}"
        );
    }

    #[test]
    fn wc_counts_letter_only_words() {
        let pairs = map_pairs("wc", "f", "It's a dog-eat-dog 2nd world.");
        let words: Vec<_> = pairs.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(words, ["It", "s", "a", "dog", "eat", "dog", "nd", "world"]);
        assert_eq!(app_by_name("wc").unwrap().reduce("dog", &["1", "1"]), "2");
    }

    #[test]
    fn indexer_emits_each_word_once_per_document() {
        let mut pairs = map_pairs("indexer", "doc", "b a b");
        pairs.sort();
        assert_eq!(
            pairs,
            [("a".into(), "doc".into()), ("b".into(), "doc".into())]
        );
        let reduce = app_by_name("indexer").unwrap().reduce("a", &["y", "x"]);
        assert_eq!(reduce, "2 x,y");
    }

    #[test]
    fn nocrash_describes_the_file() {
        let pairs = map_pairs("nocrash", "in.txt", "hello");
        let expected = [("a", "in.txt"), ("b", "6"), ("c", "5"), ("d", "xyzzy")];
        let expected: Vec<_> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(pairs, expected);
        assert_eq!(
            app_by_name("nocrash").unwrap().reduce("a", &["z", "y"]),
            "y z"
        );
    }

    #[test]
    fn early_exit_counts_files() {
        assert_eq!(
            map_pairs("early_exit", "f", "text"),
            [("f".into(), "1".into())]
        );
        assert_eq!(
            app_by_name("early_exit").unwrap().reduce("f", &["1", "1"]),
            "2"
        );
    }
}
