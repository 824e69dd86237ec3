//! The topics a server line carries (`S2 T7 election: ...`) and the colour of each.

use crate::color::Style;

/// The topics the labs log under, in the order they are listed to the user.
pub const KNOWN_TOPICS: [&str; 9] = [
    "election", "vote", "append", "commit", "apply", "snapshot", "persist", "leader", "client",
];

/// A server line's topic.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Timeouts, campaigns and their outcome.
    Election,
    /// RequestVote handling.
    Vote,
    /// AppendEntries sending and handling.
    Append,
    /// Commit index advances.
    Commit,
    /// Entries handed to the service.
    Apply,
    /// Snapshots taken, sent or installed.
    Snapshot,
    /// Persisted state saved or restored.
    Persist,
    /// Becoming or stepping down as leader.
    Leader,
    /// Client requests to a kv server.
    Client,
    /// A topic word this viewer does not know; shown uncoloured rather than dropped.
    Other(String),
}

impl Topic {
    /// The topic called `name`; unknown names become [`Topic::Other`].
    pub fn parse(name: &str) -> Topic {
        match name {
            "election" => Topic::Election,
            "vote" => Topic::Vote,
            "append" => Topic::Append,
            "commit" => Topic::Commit,
            "apply" => Topic::Apply,
            "snapshot" => Topic::Snapshot,
            "persist" => Topic::Persist,
            "leader" => Topic::Leader,
            "client" => Topic::Client,
            other => Topic::Other(other.to_string()),
        }
    }

    /// The topic's name as written in logs.
    pub fn name(&self) -> &str {
        match self {
            Topic::Election => "election",
            Topic::Vote => "vote",
            Topic::Append => "append",
            Topic::Commit => "commit",
            Topic::Apply => "apply",
            Topic::Snapshot => "snapshot",
            Topic::Persist => "persist",
            Topic::Leader => "leader",
            Topic::Client => "client",
            Topic::Other(name) => name,
        }
    }

    /// The colour lines of this topic are drawn in.
    pub fn style(&self) -> Option<Style> {
        match self {
            Topic::Election => Some(Style::BrightYellow),
            Topic::Vote => Some(Style::Yellow),
            Topic::Append => Some(Style::Cyan),
            Topic::Commit => Some(Style::Green),
            Topic::Apply => Some(Style::BrightGreen),
            Topic::Snapshot => Some(Style::Magenta),
            Topic::Persist => Some(Style::Blue),
            Topic::Leader => Some(Style::BrightRed),
            Topic::Client => Some(Style::BrightBlue),
            Topic::Other(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_topic_round_trips_and_has_a_colour() {
        for name in KNOWN_TOPICS {
            let topic = Topic::parse(name);
            assert_eq!(topic.name(), name);
            assert!(topic.style().is_some(), "{name} has no colour");
        }
    }

    #[test]
    fn unknown_topics_are_kept() {
        assert_eq!(Topic::parse("timer"), Topic::Other("timer".into()));
        assert_eq!(Topic::parse("timer").style(), None);
    }
}
