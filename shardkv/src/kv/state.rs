//! A replica group's state machine: its current and previous configurations and its shards.
//!
//! Every decision about ownership is made here, when a command is applied, so every replica
//! makes the same one. The server's threads only read this state to find work to do
//! (configurations to fetch, shards to pull, deletions to request) and submit commands.

use std::collections::BTreeMap;

use kvraft::rsm::StateMachine;
use serde::{Deserialize, Serialize};

use super::rpc::{Command, Op};
use super::shard::{Shard, ShardData, ShardStatus};
use crate::config::{Config, Gid, NSHARDS};
use crate::error::{Error, Result};
use crate::request::RequestId;
// lab:hide 5A
use crate::config::key_to_shard;

/// The shards of one group and the configurations it is between.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupState {
    gid: Gid,
    /// The configuration the group has moved to.
    current: Config,
    /// The one before: who owned a pulling shard, and who to tell to delete it.
    previous: Config,
    /// Indexed by shard number.
    shards: Vec<Shard>,
    /// Counters for testers; not replicated state, so not in snapshots.
    #[serde(skip)]
    stats: InstallStats,
}

/// How many shards this replica installed from other groups, and their encoded bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstallStats {
    /// Shards installed.
    pub shards: u64,
    /// Encoded bytes of the installed shard data.
    pub bytes: u64,
}

/// Shards to fetch from (or confirm with) one other group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// The other group.
    pub gid: Gid,
    /// Its servers, as the previous configuration lists them.
    pub servers: Vec<String>,
    /// The shards.
    pub shards: Vec<usize>,
}

impl GroupState {
    /// The state of a group that has seen only configuration 0.
    pub fn new(gid: Gid) -> GroupState {
        GroupState {
            gid,
            current: Config::default(),
            previous: Config::default(),
            shards: vec![Shard::default(); NSHARDS],
            stats: InstallStats::default(),
        }
    }

    /// The configuration the group has moved to.
    pub fn current(&self) -> &Config {
        &self.current
    }

    /// Per shard, its status.
    pub fn statuses(&self) -> Vec<ShardStatus> {
        self.shards.iter().map(|shard| shard.status).collect()
    }

    /// Counters of installed shards.
    pub fn install_stats(&self) -> InstallStats {
        self.stats
    }

    /// Whether no migration is under way: every shard is serving or absent. Only then may
    /// the group move to the next configuration.
    pub fn is_settled(&self) -> bool {
        self.shards
            .iter()
            .all(|shard| matches!(shard.status, ShardStatus::Serving | ShardStatus::Absent))
    }

    /// Whether the group serves `shard` now; if not, the error to give the clerk.
    ///
    /// - `Err(Error::WrongGroup { gid, shard, config })` when the current configuration
    ///   gives the shard to another group (the clerk then asks the controller again);
    /// - `Err(Error::ShardNotReady { shard, config })` when it is this group's but its data
    ///   has not arrived (`Pulling`): the clerk retries later;
    /// - `Ok(())` when it is `Serving` or `Received`.
    ///
    /// The request handler calls it (inside `rsm.read`) to turn clerks away before
    /// submitting, and `apply_client` calls it again when the operation is applied, since a
    /// configuration change may have come between the two. Cheap and read-only.
    // lab:solution 5A
    pub fn check_serving(&self, shard: usize) -> Result<()> {
        let config = self.current.num;
        if self.current.shards[shard] != self.gid {
            return Err(Error::WrongGroup {
                gid: self.gid,
                shard,
                config,
            });
        }
        match self.shards[shard].status {
            ShardStatus::Serving | ShardStatus::Received => Ok(()),
            ShardStatus::Pulling => Err(Error::ShardNotReady { shard, config }),
            ShardStatus::Absent | ShardStatus::Offering => {
                unreachable!("shard {shard} owned in config {config} but not pulled or served")
            }
        }
    }

    /// The pulling shards, grouped by their owner in the previous configuration.
    pub fn pulls_needed(&self) -> Vec<Transfer> {
        self.transfers(ShardStatus::Pulling)
    }

    /// The received shards whose previous owner has not confirmed the deletion, grouped by
    /// that owner.
    pub fn deletions_needed(&self) -> Vec<Transfer> {
        self.transfers(ShardStatus::Received)
    }

    fn transfers(&self, status: ShardStatus) -> Vec<Transfer> {
        let mut by_gid: BTreeMap<Gid, Vec<usize>> = BTreeMap::new();
        for shard in (0..NSHARDS).filter(|&shard| self.shards[shard].status == status) {
            by_gid
                .entry(self.previous.shards[shard])
                .or_default()
                .push(shard);
        }
        by_gid
            .into_iter()
            .map(|(gid, shards)| Transfer {
                gid,
                servers: self.previous.groups.get(&gid).cloned().unwrap_or_default(),
                shards,
            })
            .collect()
    }

    /// The data of shards this group offers in configuration `config_num`, for the new
    /// owner's pull (the `pull_shards` handler answers with it, on the leader).
    ///
    /// - The group must be at exactly `config_num`: otherwise the error of
    ///   [`check_config`](GroupState::check_config) (`ConfigNotReached`: the puller retries
    ///   later; `ConfigPassed`: its view is stale).
    /// - Every shard asked for must be `Offering`, or the answer is an error (a
    ///   `WrongGroup`); otherwise each shard's `ShardData`, its values *and* its duplicate
    ///   table, cloned: the offering copy stays until the new owner asks for its deletion.
    // lab:solution 5B
    pub fn offered(&self, config_num: u64, shards: &[usize]) -> Result<BTreeMap<usize, ShardData>> {
        self.check_config(config_num)?;
        let mut offered = BTreeMap::new();
        for &shard in shards {
            let owned = self
                .shards
                .get(shard)
                .filter(|s| s.status == ShardStatus::Offering);
            let Some(owned) = owned else {
                return Err(Error::WrongGroup {
                    gid: self.gid,
                    shard,
                    config: config_num,
                });
            };
            offered.insert(shard, owned.data.clone());
        }
        Ok(offered)
    }

    /// `Ok` when the group is at `config_num`; otherwise which side the caller is on.
    pub fn check_config(&self, config_num: u64) -> Result<()> {
        let current = self.current.num;
        match config_num.cmp(&current) {
            std::cmp::Ordering::Equal => Ok(()),
            std::cmp::Ordering::Greater => Err(Error::ConfigNotReached {
                asked: config_num,
                current,
            }),
            std::cmp::Ordering::Less => Err(Error::ConfigPassed {
                asked: config_num,
                current,
            }),
        }
    }

    /// Applies a clerk's operation: `Command::Client` of the log.
    ///
    /// Check [`check_serving`](GroupState::check_serving) again (the shard may have moved
    /// since the handler looked) and return its error if any. Then a get returns the value,
    /// or `Err(Error::NoKey)` for a key never written (the clerk turns it into `""`); a put
    /// or append goes through [`Shard::write`], which applies it once per request id (the
    /// duplicate table is per shard, so it moves with the shard), and returns `""`.
    // lab:solution 5A
    fn apply_client(&mut self, id: RequestId, op: Op) -> Result<String> {
        let shard = key_to_shard(op.key());
        self.check_serving(shard)?;
        let shard = &mut self.shards[shard];
        match op {
            Op::Get { key } => shard.get(&key).cloned().ok_or(Error::NoKey),
            Op::Put { key, value } => {
                shard.write(id, &key, &value, false);
                Ok(String::new())
            }
            Op::Append { key, value } => {
                shard.write(id, &key, &value, true);
                Ok(String::new())
            }
        }
    }

    /// Moves to `config` if it is the next one and no migration is under way:
    /// `Command::Reconfigure` of the log.
    ///
    /// Ignore it (a duplicate from the poller, or a replay) unless `config.num` is
    /// `current.num + 1` and the group [`is_settled`](GroupState::is_settled). Otherwise,
    /// per shard, comparing the current owner with `config`'s:
    ///
    /// - lost (ours before, not now): `Offering`, data kept for the new owner;
    /// - gained from another group: `Pulling`, until its data is installed;
    /// - gained from gid 0 (nobody owned it; the group's first configuration): `Serving`,
    ///   empty, at once;
    /// - kept, or never ours: unchanged.
    ///
    /// Then `previous` becomes the current configuration and `current` becomes `config`:
    /// [`pulls_needed`](GroupState::pulls_needed) and
    /// [`deletions_needed`](GroupState::deletions_needed) read the previous owners from
    /// `previous`, and the migration RPCs carry `current.num`.
    // lab:solution 5B
    fn apply_reconfigure(&mut self, config: Config) {
        if config.num != self.current.num + 1 || !self.is_settled() {
            return;
        }
        for shard in 0..NSHARDS {
            let owner = self.current.shards[shard];
            let had = owner == self.gid;
            let gets = config.shards[shard] == self.gid;
            let status = &mut self.shards[shard].status;
            match (had, gets) {
                (true, false) => *status = ShardStatus::Offering,
                // Nobody owned it: there is no data to fetch.
                (false, true) if owner == 0 => *status = ShardStatus::Serving,
                (false, true) => *status = ShardStatus::Pulling,
                _ => {}
            }
        }
        self.previous = std::mem::replace(&mut self.current, config);
    }

    /// Installs shards pulled from their previous owner: `Command::InstallShards` of the log.
    ///
    /// Ignore it unless `config_num` is the current configuration's number (a stale or
    /// duplicate install). Each shard that is still `Pulling` takes the data (values and
    /// duplicate table) and becomes `Received`, served at once; any other shard is left
    /// alone (already installed). Count each installed shard in `stats` (one per shard, and
    /// `labcodec::encode(&data).len()` bytes): the testers read them through
    /// `ShardKv::migration_stats` to check that only moved shards travel.
    // lab:solution 5B
    fn apply_install(&mut self, config_num: u64, shards: BTreeMap<usize, ShardData>) {
        if config_num != self.current.num {
            return;
        }
        for (index, data) in shards {
            let Some(shard) = self.shards.get_mut(index) else {
                continue;
            };
            if shard.status == ShardStatus::Pulling {
                self.stats.shards += 1;
                self.stats.bytes += labcodec::encode(&data).len() as u64;
                shard.data = data;
                shard.status = ShardStatus::Received;
            }
        }
    }

    /// Deletes this group's copies of shards the new owner has installed:
    /// `Command::DeleteShards` of the log, submitted by the `delete_shards` handler, which
    /// answers the new owner with the result.
    ///
    /// - At an earlier configuration than `config_num`: `Err(ConfigNotReached)`, the new
    ///   owner asks again later.
    /// - Past it: `Ok(())`, the shards were deleted before the group moved on (a group moves
    ///   only when settled).
    /// - At it: every listed shard that is `Offering` becomes `Shard::default()` (`Absent`,
    ///   no data, no duplicate table: challenge 1 measures what is left), and `Ok(())`, also
    ///   when it was deleted already.
    // lab:solution 5B
    fn apply_delete(&mut self, config_num: u64, shards: &[usize]) -> Result<()> {
        match self.check_config(config_num) {
            // Already past that configuration: the shards were deleted before moving on.
            Err(Error::ConfigPassed { .. }) => return Ok(()),
            Err(error) => return Err(error),
            Ok(()) => {}
        }
        for &index in shards {
            if let Some(shard) = self.shards.get_mut(index) {
                if shard.status == ShardStatus::Offering {
                    *shard = Shard::default();
                }
            }
        }
        Ok(())
    }

    /// Records that the previous owner deleted its copies: `Command::DeletionConfirmed` of
    /// the log. Ignore it unless `config_num` is the current configuration's number; each
    /// listed shard that is `Received` becomes `Serving`, so that, once every shard is
    /// settled, the group may move to the next configuration.
    // lab:solution 5B
    fn apply_deletion_confirmed(&mut self, config_num: u64, shards: &[usize]) {
        if config_num != self.current.num {
            return;
        }
        for &index in shards {
            if let Some(shard) = self.shards.get_mut(index) {
                if shard.status == ShardStatus::Received {
                    shard.status = ShardStatus::Serving;
                }
            }
        }
    }
}

impl StateMachine for GroupState {
    type Command = Command;
    type Output = Result<String>;

    fn apply(&mut self, command: Command) -> Result<String> {
        match command {
            Command::Client { id, op } => return self.apply_client(id, op),
            Command::Reconfigure { config } => self.apply_reconfigure(config),
            Command::InstallShards { config_num, shards } => self.apply_install(config_num, shards),
            Command::DeleteShards { config_num, shards } => {
                self.apply_delete(config_num, &shards)?
            }
            Command::DeletionConfirmed { config_num, shards } => {
                self.apply_deletion_confirmed(config_num, &shards)
            }
            Command::Noop => {}
        }
        Ok(String::new())
    }

    fn to_snapshot(&self) -> Vec<u8> {
        labcodec::encode(self)
    }

    /// Restores from a snapshot; the tester's counters carry on.
    fn restore(&mut self, snapshot: &[u8]) {
        let stats = self.stats;
        if snapshot.is_empty() {
            *self = GroupState::new(self.gid);
        } else {
            let restored: GroupState = labcodec::decode(snapshot).unwrap_or_else(|error| {
                panic!(
                    "corrupt snapshot of group {} ({} bytes): {error}",
                    self.gid,
                    snapshot.len()
                )
            });
            assert_eq!(restored.gid, self.gid, "snapshot of another group");
            *self = restored;
        }
        self.stats = stats;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::key_to_shard;

    const ME: Gid = 100;
    const OTHER: Gid = 101;

    fn config(num: u64, shards: [Gid; NSHARDS]) -> Config {
        let mut groups = BTreeMap::new();
        for &gid in shards.iter().filter(|&&gid| gid != 0) {
            groups.insert(gid, vec![format!("server-{gid}-0")]);
        }
        Config {
            num,
            shards,
            groups,
        }
    }

    fn put(seq: u64, key: &str, value: &str) -> Command {
        Command::Client {
            id: RequestId { client: 1, seq },
            op: Op::Put {
                key: key.into(),
                value: value.into(),
            },
        }
    }

    fn get(key: &str) -> Command {
        Command::Client {
            id: RequestId { client: 2, seq: 1 },
            op: Op::Get { key: key.into() },
        }
    }

    fn reconfigure(config: Config) -> Command {
        Command::Reconfigure { config }
    }

    #[test]
    fn the_first_configuration_serves_at_once() {
        let mut state = GroupState::new(ME);
        state.apply(reconfigure(config(1, [ME; NSHARDS]))).unwrap();
        assert!(state.is_settled());
        state.apply(put(1, "0", "a")).unwrap();
        assert_eq!(state.apply(get("0")), Ok("a".into()));
    }

    #[test]
    fn keys_of_other_groups_are_rejected() {
        let mut state = GroupState::new(ME);
        let mut shards = [ME; NSHARDS];
        shards[key_to_shard("1")] = OTHER;
        state.apply(reconfigure(config(1, shards))).unwrap();
        let refused = state.apply(get("1"));
        assert!(
            matches!(refused, Err(Error::WrongGroup { gid: ME, .. })),
            "{refused:?}"
        );
    }

    #[test]
    fn a_lost_shard_is_offered_until_deleted() {
        let mut state = GroupState::new(ME);
        state.apply(reconfigure(config(1, [ME; NSHARDS]))).unwrap();
        state.apply(put(1, "0", "a")).unwrap();
        let mut shards = [ME; NSHARDS];
        shards[key_to_shard("0")] = OTHER;
        state.apply(reconfigure(config(2, shards))).unwrap();
        assert!(!state.is_settled());
        let offered = state.offered(2, &[key_to_shard("0")]).unwrap();
        assert_eq!(offered[&key_to_shard("0")].values["0"], "a");
        assert!(matches!(
            state.offered(1, &[0]),
            Err(Error::ConfigPassed { .. })
        ));
        // Still at 2 until the shard is gone: configuration 3 is refused.
        state.apply(reconfigure(config(3, [ME; NSHARDS]))).unwrap();
        assert_eq!(state.current().num, 2);
        state
            .apply(Command::DeleteShards {
                config_num: 2,
                shards: vec![key_to_shard("0")],
            })
            .unwrap();
        assert!(state.is_settled());
        assert_eq!(state.shards[key_to_shard("0")], Shard::default());
    }

    #[test]
    fn a_gained_shard_is_served_once_installed_and_others_meanwhile() {
        let mut state = GroupState::new(ME);
        let mut shards = [OTHER; NSHARDS];
        shards[0] = ME;
        state.apply(reconfigure(config(1, shards))).unwrap();
        state.apply(reconfigure(config(2, [ME; NSHARDS]))).unwrap();
        assert!(matches!(
            state.apply(get("1")),
            Err(Error::ShardNotReady { .. })
        ));
        // Unaffected shard 0 keeps being served.
        state.apply(put(1, "\u{0}", "kept")).unwrap();
        let pulls = state.pulls_needed();
        assert_eq!(pulls.len(), 1);
        assert_eq!(pulls[0].gid, OTHER);
        assert_eq!(pulls[0].shards, (1..NSHARDS).collect::<Vec<_>>());
        let mut data = ShardData::default();
        data.values.insert("1".into(), "moved".into());
        let shard = key_to_shard("1");
        let install = Command::InstallShards {
            config_num: 2,
            shards: BTreeMap::from([(shard, data)]),
        };
        state.apply(install).unwrap();
        assert_eq!(state.apply(get("1")), Ok("moved".into()));
        assert_eq!(state.deletions_needed()[0].shards, vec![shard]);
        state
            .apply(Command::DeletionConfirmed {
                config_num: 2,
                shards: vec![shard],
            })
            .unwrap();
        assert!(state.deletions_needed().is_empty());
        assert_eq!(state.install_stats().shards, 1);
    }

    #[test]
    fn snapshot_round_trips_statuses_and_configs() {
        let mut state = GroupState::new(ME);
        state.apply(reconfigure(config(1, [ME; NSHARDS]))).unwrap();
        state.apply(put(1, "0", "a")).unwrap();
        let mut restored = GroupState::new(ME);
        restored.restore(&state.to_snapshot());
        assert_eq!(restored, state);
    }
}
