//! wc: counts each word.

use super::{words, App};

/// Map emits `(word, "1")` per word; reduce counts the values.
pub struct WordCount;

impl App for WordCount {
    fn map(&self, _filename: &str, contents: &str, emit: &mut dyn FnMut(&str, &str)) {
        for word in words(contents) {
            emit(word, "1");
        }
    }

    fn reduce(&self, _key: &str, values: &[&str]) -> String {
        values.len().to_string()
    }
}
