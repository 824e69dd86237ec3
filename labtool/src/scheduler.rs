//! labsim's schedulers, as a simulated run chooses them: the environment variable `LAB_SCHED`.
//!
//! The protocol: `LAB_SCHED` unset or `random` is the random scheduler (each step picks any
//! runnable thread from the seed); `pct` is the PCT scheduler (priorities, with a few priority
//! changes at seeded points) with its default depth; `pct:<depth>` sets the depth, e.g.
//! `pct:2`, and `pct:<depth>:<steps>` also the number of scheduling points the changes are
//! spread over. labsim reads the same forms (`labsim::Policy::parse`).
//!
//! `lab sweep` alternates random and pct across each test's seeds; `lab stress --sim` uses
//! the one in its own environment. Both print `LAB_SCHED=...` in a replay command when the
//! scheduler is not the random one, so the command repeats the run.

use std::fmt;

use crate::error::{Error, Result};

/// The environment variable that chooses a simulation's scheduler.
pub const SCHED_VARIABLE: &str = "LAB_SCHED";

/// One of labsim's schedulers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scheduler {
    /// The random scheduler, the default.
    #[default]
    Random,
    /// The PCT scheduler, with its default depth and window (`None`) or given ones.
    Pct {
        /// The depth of the bugs it aims at (a run makes one priority change fewer); `None`
        /// leaves it to labsim.
        depth: Option<u32>,
        /// The scheduling points the changes are spread over; `None` leaves it to labsim.
        /// Given only with a depth (`pct:<depth>:<steps>`).
        steps: Option<u64>,
    },
}

/// The schedulers `lab sweep` takes turns with: each test's runs alternate between them.
pub const SWEEP_ROTATION: [Scheduler; 2] = [
    Scheduler::Random,
    Scheduler::Pct {
        depth: None,
        steps: None,
    },
];

impl Scheduler {
    /// Reads a value of `LAB_SCHED`: `random`, `pct`, `pct:<depth>` or `pct:<depth>:<steps>`
    /// (each 1 or more); empty is the default, random.
    pub fn parse(value: &str) -> Result<Scheduler> {
        let bad = || Error::BadScheduler {
            value: value.to_string(),
        };
        match value.trim() {
            "" | "random" => Ok(Scheduler::Random),
            "pct" => Ok(Scheduler::Pct {
                depth: None,
                steps: None,
            }),
            other => {
                let rest = other.strip_prefix("pct:").ok_or_else(bad)?;
                let (depth, steps) = match rest.split_once(':') {
                    Some((depth, steps)) => (depth, Some(steps)),
                    None => (rest, None),
                };
                let depth: u32 = depth.parse().map_err(|_| bad())?;
                let steps: Option<u64> = match steps {
                    Some(steps) => Some(steps.parse().map_err(|_| bad())?),
                    None => None,
                };
                if depth == 0 || steps == Some(0) {
                    return Err(bad());
                }
                Ok(Scheduler::Pct {
                    depth: Some(depth),
                    steps,
                })
            }
        }
    }

    /// The scheduler `LAB_SCHED` asks for in this process's environment (random when unset).
    pub fn from_env() -> Result<Scheduler> {
        match std::env::var(SCHED_VARIABLE) {
            Ok(value) => Scheduler::parse(&value),
            Err(std::env::VarError::NotPresent) => Ok(Scheduler::Random),
            Err(std::env::VarError::NotUnicode(value)) => Err(Error::BadScheduler {
                value: value.to_string_lossy().into_owned(),
            }),
        }
    }

    /// The value a run's `LAB_SCHED` gets; `None` for the random scheduler, which a run gets
    /// with the variable unset, as a replay command without it would.
    pub fn env_value(self) -> Option<String> {
        match self {
            Scheduler::Random => None,
            other => Some(other.to_string()),
        }
    }

    /// `LAB_SCHED=pct ` for the front of a replay command; empty for the random scheduler.
    pub fn env_assignment(self) -> String {
        self.env_value()
            .map(|value| format!("{SCHED_VARIABLE}={value} "))
            .unwrap_or_default()
    }
}

/// `random`, `pct`, `pct:2` or `pct:2:5000`: the value of `LAB_SCHED` that chooses it.
impl fmt::Display for Scheduler {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scheduler::Random => write!(formatter, "random"),
            Scheduler::Pct { depth: None, .. } => write!(formatter, "pct"),
            Scheduler::Pct {
                depth: Some(depth),
                steps: None,
            } => write!(formatter, "pct:{depth}"),
            Scheduler::Pct {
                depth: Some(depth),
                steps: Some(steps),
            } => write!(formatter, "pct:{depth}:{steps}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocol_values_parse_and_print_back() {
        for value in ["random", "pct", "pct:2", "pct:10", "pct:2:5000"] {
            assert_eq!(Scheduler::parse(value).unwrap().to_string(), value);
        }
        assert_eq!(Scheduler::parse("").unwrap(), Scheduler::Random);
        assert_eq!(
            Scheduler::parse("pct:3").unwrap(),
            Scheduler::Pct {
                depth: Some(3),
                steps: None
            }
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_choices() {
        for value in [
            "PCT",
            "pct:",
            "pct:0",
            "pct:x",
            "pct2",
            "dfs",
            "random:1",
            "pct:2:0",
            "pct:2:3:4",
        ] {
            let message = Scheduler::parse(value).unwrap_err().to_string();
            assert!(
                message.contains(&format!("LAB_SCHED={value}"))
                    && message.contains("random, pct, pct:<depth> or pct:<depth>:<steps>"),
                "{message}"
            );
        }
    }

    #[test]
    fn only_a_non_random_scheduler_appears_in_commands() {
        assert_eq!(Scheduler::Random.env_assignment(), "");
        assert_eq!(
            Scheduler::Pct {
                depth: None,
                steps: None
            }
            .env_assignment(),
            "LAB_SCHED=pct "
        );
        assert_eq!(
            Scheduler::Pct {
                depth: Some(2),
                steps: None
            }
            .env_value()
            .as_deref(),
            Some("pct:2")
        );
    }
}
