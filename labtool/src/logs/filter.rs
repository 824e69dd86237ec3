//! `--just` and `--ignore`: which server lines to show by topic. Tester events, other targets
//! and unparsed lines (panics!) are always shown: they are the context of every server line.

use super::parse::Entry;
use super::topic::{Topic, KNOWN_TOPICS};
use crate::error::{Error, Result};

/// The topics to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicFilter {
    /// When not empty, only these topics are shown.
    just: Vec<Topic>,
    /// These topics are hidden.
    ignore: Vec<Topic>,
}

impl TopicFilter {
    /// A filter from topic names; an unknown name is an error listing the topics.
    pub fn new(just: &[String], ignore: &[String]) -> Result<TopicFilter> {
        Ok(TopicFilter {
            just: known_topics(just)?,
            ignore: known_topics(ignore)?,
        })
    }

    /// Whether `entry` is shown.
    pub fn admits(&self, entry: &Entry) -> bool {
        let Entry::Server { topic, .. } = entry else {
            return true;
        };
        let wanted = self.just.is_empty() || self.just.contains(topic);
        wanted && !self.ignore.contains(topic)
    }
}

/// The topics called `names`, each checked against [`KNOWN_TOPICS`].
fn known_topics(names: &[String]) -> Result<Vec<Topic>> {
    names
        .iter()
        .map(|name| name.trim().to_lowercase())
        .map(|name| {
            if KNOWN_TOPICS.contains(&name.as_str()) {
                Ok(Topic::parse(&name))
            } else {
                Err(Error::UnknownTopic {
                    name,
                    valid: KNOWN_TOPICS.iter().map(|topic| topic.to_string()).collect(),
                })
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::parse::parse_line;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn just_and_ignore_select_server_lines() {
        let election = parse_line("000001 DEBUG raft S0 T1 election: start");
        let append = parse_line("000002 DEBUG raft S0 T1 append: to S1");
        let tester = parse_line("000003 INFO tester crash 1");
        let just = TopicFilter::new(&names(&["election"]), &[]).unwrap();
        assert!(just.admits(&election) && !just.admits(&append) && just.admits(&tester));
        let ignore = TopicFilter::new(&[], &names(&["Election"])).unwrap();
        assert!(!ignore.admits(&election) && ignore.admits(&append));
    }

    #[test]
    fn unknown_topic_is_an_error() {
        let error = TopicFilter::new(&names(&["elections"]), &[]).unwrap_err();
        assert!(error
            .to_string()
            .starts_with("unknown topic `elections`; topics are: election, vote"));
    }
}
