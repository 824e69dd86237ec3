//! Which scheduler a simulation runs under, and `LAB_SCHED`, which names it.

use std::fmt;

/// The variable that picks the scheduler of [`run`](crate::run): `random` (or unset), `pct`,
/// `pct:<depth>` or `pct:<depth>:<steps>`.
pub const SCHED_VAR: &str = "LAB_SCHED";

/// How a simulation picks the thread that runs at each scheduling point. The seed replays a
/// run exactly under either.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Policy {
    /// The running thread is preempted with odds 1 in 8, and then every runnable thread is
    /// equally likely (labsim's first scheduler; the default).
    #[default]
    Random,
    /// PCT (probabilistic concurrency testing): random priorities, the highest runnable
    /// thread runs, and `depth - 1` change points among the first `steps` scheduling points
    /// each drop the running thread below all others. Finds a bug that needs a thread starved
    /// through a long stretch (depth 1) about every other run, and a bug of depth d with
    /// probability at least 1 / (threads * steps^(d-1)).
    Pct {
        /// The depth of the bugs it aims at: how many ordering constraints they need.
        depth: usize,
        /// The scheduling points over which the change points are spread; set it near the
        /// number of scheduling points a run takes ([`SimStats::scheduling_points`]).
        ///
        /// [`SimStats::scheduling_points`]: crate::SimStats::scheduling_points
        steps: u64,
    },
}

impl Policy {
    /// PCT's depth when `LAB_SCHED=pct` gives none.
    pub const DEFAULT_PCT_DEPTH: usize = 3;

    /// PCT's window of steps when `LAB_SCHED` gives none: the order of a short graded Raft
    /// test's scheduling points.
    pub const DEFAULT_PCT_STEPS: u64 = 100_000;

    /// PCT with `depth` and the default window.
    pub fn pct(depth: usize) -> Policy {
        Policy::Pct {
            depth,
            steps: Policy::DEFAULT_PCT_STEPS,
        }
    }

    /// The policy `LAB_SCHED` names (random when unset or empty).
    pub fn from_env() -> Result<Policy, String> {
        match std::env::var(SCHED_VAR) {
            Ok(text) => Policy::parse(&text),
            Err(_) => Ok(Policy::Random),
        }
    }

    /// Reads `random`, `pct`, `pct:<depth>` or `pct:<depth>:<steps>`.
    pub fn parse(text: &str) -> Result<Policy, String> {
        let explain = || {
            format!(
                "{SCHED_VAR}={text:?} names no scheduler; use random, pct, pct:<depth> or \
                 pct:<depth>:<steps> (depth 1 or more, e.g. pct:2; steps 1 or more)"
            )
        };
        let mut parts = text.trim().split(':');
        match parts.next().unwrap_or("") {
            "" | "random" if parts.next().is_none() => Ok(Policy::Random),
            "pct" => {
                let depth = match parts.next() {
                    None => Policy::DEFAULT_PCT_DEPTH,
                    Some(depth) => depth
                        .parse()
                        .ok()
                        .filter(|depth| *depth >= 1)
                        .ok_or_else(explain)?,
                };
                let steps = match parts.next() {
                    None => Policy::DEFAULT_PCT_STEPS,
                    Some(steps) => steps
                        .parse()
                        .ok()
                        .filter(|steps| *steps >= 1)
                        .ok_or_else(explain)?,
                };
                match parts.next() {
                    None => Ok(Policy::Pct { depth, steps }),
                    Some(_) => Err(explain()),
                }
            }
            _ => Err(explain()),
        }
    }

    /// `LAB_SCHED=pct:3` for a replay command, or nothing for the default scheduler.
    pub fn env_assignment(&self) -> Option<String> {
        match self {
            Policy::Random => None,
            policy => Some(format!("{SCHED_VAR}={policy}")),
        }
    }
}

/// The form `LAB_SCHED` takes: `random`, `pct:3` (with the default steps) or `pct:3:5000`.
impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Random => f.write_str("random"),
            Policy::Pct { depth, steps } if *steps == Policy::DEFAULT_PCT_STEPS => {
                write!(f, "pct:{depth}")
            }
            Policy::Pct { depth, steps } => write!(f, "pct:{depth}:{steps}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_reads_and_prints_back() {
        for (text, policy) in [
            ("random", Policy::Random),
            ("", Policy::Random),
            ("pct", Policy::pct(3)),
            ("pct:2", Policy::pct(2)),
            (
                "pct:2:500",
                Policy::Pct {
                    depth: 2,
                    steps: 500,
                },
            ),
        ] {
            assert_eq!(Policy::parse(text), Ok(policy), "{text}");
            assert_eq!(Policy::parse(&policy.to_string()), Ok(policy));
        }
        assert_eq!(Policy::Random.env_assignment(), None);
        assert_eq!(Policy::pct(2).env_assignment().unwrap(), "LAB_SCHED=pct:2");
    }

    #[test]
    fn bad_forms_say_what_to_write() {
        for text in ["pct:0", "pct:x", "pct:2:0", "pct:2:3:4", "fair", "random:2"] {
            let error = Policy::parse(text).unwrap_err();
            assert!(
                error.contains("use random, pct, pct:<depth>"),
                "{text}: {error}"
            );
        }
    }
}
