//! The controller's state machine: the list of configurations and the duplicate table.

use kvraft::rsm::StateMachine;
use serde::{Deserialize, Serialize};

use super::rebalance;
use super::rpc::{CtrlerCommand, CtrlerOp};
use crate::config::{Config, NSHARDS};
use crate::request::DuplicateTable;

/// Every configuration so far (index = number) and the duplicate table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtrlerState {
    configs: Vec<Config>,
    duplicates: DuplicateTable,
}

impl Default for CtrlerState {
    fn default() -> Self {
        CtrlerState {
            configs: vec![Config::default()],
            duplicates: DuplicateTable::default(),
        }
    }
}

impl CtrlerState {
    /// The latest configuration.
    pub fn latest(&self) -> &Config {
        self.configs.last().expect("configuration 0 always exists")
    }

    /// Configuration `num`, or the latest for `None` or a number past the latest.
    pub fn query(&self, num: Option<u64>) -> &Config {
        num.and_then(|num| self.configs.get(usize::try_from(num).ok()?))
            .unwrap_or_else(|| self.latest())
    }

    /// The configuration a write makes, or `None` when it would change nothing valid
    /// (a move of a shard that does not exist).
    // lab:given 5A
    fn next_config(&self, op: &CtrlerOp) -> Option<Config> {
        let latest = self.latest();
        match op {
            CtrlerOp::Join { groups } => Some(rebalance::join(latest, groups)),
            CtrlerOp::Leave { gids } => Some(rebalance::leave(latest, gids)),
            CtrlerOp::Move { shard, gid } => {
                (*shard < NSHARDS).then(|| rebalance::move_shard(latest, *shard, *gid))
            }
            CtrlerOp::Query { .. } => None,
        }
    }
}

impl StateMachine for CtrlerState {
    type Command = CtrlerCommand;
    type Output = Config;

    /// Applies one command of the controller's log and answers the clerk that sent it.
    ///
    /// - A query answers with [`query`](CtrlerState::query)'s configuration and changes
    ///   nothing.
    /// - A join, leave or move is applied once per request id: the first time, the
    ///   configuration `next_config` makes (if any) is pushed as
    ///   the next one and the id is recorded in `duplicates`; a retry of the same id (the
    ///   clerk resends after a lost reply) changes nothing. Either way the answer is the
    ///   latest configuration.
    ///
    /// Every replica applies the same commands in the same order and must reach the same
    /// state, so nothing here may depend on time, randomness or hashed-map order. `configs`
    /// stays indexed by number: configuration `n` is `configs[n]`.
    // lab:solution 5A
    fn apply(&mut self, command: CtrlerCommand) -> Config {
        if let CtrlerOp::Query { num } = command.op {
            return self.query(num).clone();
        }
        if !self.duplicates.is_duplicate(command.id) {
            self.duplicates.record(command.id);
            if let Some(next) = self.next_config(&command.op) {
                self.configs.push(next);
            }
        }
        self.latest().clone()
    }

    fn to_snapshot(&self) -> Vec<u8> {
        labcodec::encode(self)
    }

    fn restore(&mut self, snapshot: &[u8]) {
        *self = if snapshot.is_empty() {
            CtrlerState::default()
        } else {
            labcodec::decode(snapshot).unwrap_or_else(|error| {
                panic!(
                    "corrupt controller snapshot ({} bytes): {error}",
                    snapshot.len()
                )
            })
        };
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::request::RequestId;

    fn command(seq: u64, op: CtrlerOp) -> CtrlerCommand {
        CtrlerCommand {
            id: RequestId { client: 1, seq },
            op,
        }
    }

    fn join(gid: u64) -> CtrlerOp {
        CtrlerOp::Join {
            groups: BTreeMap::from([(gid, vec!["a".to_string()])]),
        }
    }

    #[test]
    fn a_retried_join_makes_one_configuration() {
        let mut state = CtrlerState::default();
        state.apply(command(1, join(1)));
        state.apply(command(1, join(1)));
        assert_eq!(state.latest().num, 1);
        state.apply(command(2, join(2)));
        assert_eq!(state.latest().num, 2);
    }

    #[test]
    fn queries_past_the_latest_return_the_latest() {
        let mut state = CtrlerState::default();
        state.apply(command(1, join(1)));
        let query = |num| command(9, CtrlerOp::Query { num });
        assert_eq!(state.apply(query(Some(0))).num, 0);
        assert_eq!(state.apply(query(Some(7))).num, 1);
        assert_eq!(state.apply(query(None)).num, 1);
    }

    #[test]
    fn snapshot_round_trips() {
        let mut state = CtrlerState::default();
        state.apply(command(1, join(1)));
        let mut restored = CtrlerState::default();
        restored.restore(&state.to_snapshot());
        assert_eq!(restored, state);
        restored.apply(command(1, join(1)));
        assert_eq!(
            restored.latest().num,
            1,
            "the duplicate table survives the snapshot"
        );
    }
}
