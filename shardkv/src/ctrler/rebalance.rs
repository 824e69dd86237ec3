//! Building the next configuration: pure, deterministic functions of the previous one.
//!
//! Rebalancing gives every group either `NSHARDS / groups` shards or one more, and picks
//! which groups get the one more so that as few shards as possible move: the groups that
//! already own the most keep their extra shard. Only surplus shards (and shards owned by no
//! live group) move, and only to groups below their target. Ties are broken by gid and by
//! shard number, so every replica computes the same configuration.

use std::collections::BTreeMap;
// lab:hide 5A
use std::collections::BTreeSet;

use crate::config::{Config, Gid};
// lab:hide 5A
use crate::config::NSHARDS;

/// The configuration after `groups` join `config`: numbered `config.num + 1`, with every
/// group of `config` and of `groups` (a gid already present gets its new server list), and
/// the shards rebalanced over them.
///
/// The controller's state machine pushes the result as the next configuration, so its number
/// must be exactly one higher, and `config` itself must not change. Rebalanced means: every
/// group owns `NSHARDS / groups` shards or one more, every shard is owned by a group of the
/// result, and no shard moves unless it must (a shard of a group that keeps its share stays
/// where it is; the newcomers take shards only from the groups above their share). When
/// the shares are uneven, the one-more shares go to the groups that own the most already
/// (the lower gid first among equals), so a newcomer gets the smaller share: the unit tests
/// below check exactly that. The result must depend only on the arguments, never on the
/// iteration order of a hashed map or on time: every controller replica computes it on its
/// own and they must agree.
// lab:solution 5A
pub fn join(config: &Config, groups: &BTreeMap<Gid, Vec<String>>) -> Config {
    let mut next = successor(config);
    for (&gid, servers) in groups {
        next.groups.insert(gid, servers.clone());
    }
    rebalance(&mut next);
    next
}

/// The configuration after `gids` leave `config`: numbered `config.num + 1`, without those
/// groups (gids not in `config` are ignored), their shards given to the remaining groups.
///
/// The same rules as [`join`]: one higher number, `config` unchanged, balanced within one
/// shard, only the leaving groups' shards move (to the groups with the fewest), and
/// deterministic. When no group remains, every shard goes to gid 0.
// lab:solution 5A
pub fn leave(config: &Config, gids: &[Gid]) -> Config {
    let mut next = successor(config);
    for gid in gids {
        next.groups.remove(gid);
    }
    rebalance(&mut next);
    next
}

/// The configuration after `shard` is moved to `gid`: numbered `config.num + 1`, the same
/// groups, and every other shard where it was (no rebalancing).
///
/// # Panics
///
/// If `shard` is not below [`crate::NSHARDS`]: the state machine checks requests
/// before they reach here.
// lab:solution 5A
pub fn move_shard(config: &Config, shard: usize, gid: Gid) -> Config {
    let mut next = successor(config);
    next.shards[shard] = gid;
    next
}

/// A copy of `config` numbered one higher. The copy is deep: later edits to it never reach
/// `config`.
// lab:given 5A
fn successor(config: &Config) -> Config {
    Config {
        num: config.num + 1,
        ..config.clone()
    }
}

/// Reassigns `config.shards` over `config.groups`: evenly, moving as few shards as possible.
// lab:hide 5A
fn rebalance(config: &mut Config) {
    let gids: BTreeSet<Gid> = config.groups.keys().copied().collect();
    if gids.is_empty() {
        config.shards = [0; NSHARDS];
        return;
    }
    let targets = targets(&config.shards, &gids);
    let mut owned: BTreeMap<Gid, Vec<usize>> = gids.iter().map(|&gid| (gid, Vec::new())).collect();
    let mut free = Vec::new();
    for shard in 0..NSHARDS {
        match owned.get_mut(&config.shards[shard]) {
            Some(shards) => shards.push(shard),
            None => free.push(shard),
        }
    }
    // Groups above their target give up their highest-numbered shards.
    for (gid, shards) in &mut owned {
        while shards.len() > targets[gid] {
            free.push(shards.pop().expect("above target, so not empty"));
        }
    }
    free.sort_unstable();
    let mut free = free.into_iter();
    for (gid, shards) in &owned {
        for _ in shards.len()..targets[gid] {
            let shard = free.next().expect("targets add up to NSHARDS");
            config.shards[shard] = *gid;
        }
    }
}

/// How many shards each group should own: `NSHARDS / n` each, plus one for the
/// `NSHARDS % n` groups that own the most now (lowest gid first among equals).
// lab:hide 5A
fn targets(shards: &[Gid; NSHARDS], gids: &BTreeSet<Gid>) -> BTreeMap<Gid, usize> {
    let base = NSHARDS / gids.len();
    let extra = NSHARDS % gids.len();
    let count = |gid: Gid| shards.iter().filter(|&&owner| owner == gid).count();
    let mut by_size: Vec<Gid> = gids.iter().copied().collect();
    // Stable sort over gids in ascending order: ties stay ordered by gid.
    by_size.sort_by_key(|&gid| std::cmp::Reverse(count(gid)));
    by_size
        .iter()
        .enumerate()
        .map(|(rank, &gid)| (gid, base + usize::from(rank < extra)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NSHARDS;

    fn groups(gids: &[Gid]) -> BTreeMap<Gid, Vec<String>> {
        gids.iter()
            .map(|&gid| (gid, vec![format!("s{gid}")]))
            .collect()
    }

    fn assert_balanced(config: &Config) {
        let counts = config.shard_counts();
        let (min, max) = (counts.values().min(), counts.values().max());
        if let (Some(min), Some(max)) = (min, max) {
            assert!(max <= &(min + 1), "unbalanced: {counts:?}");
            assert!(config
                .shards
                .iter()
                .all(|gid| config.groups.contains_key(gid)));
        }
    }

    /// Shards whose owner changed.
    fn moved(before: &Config, after: &Config) -> usize {
        (0..NSHARDS)
            .filter(|&s| before.shards[s] != after.shards[s])
            .count()
    }

    #[test]
    fn first_join_takes_every_shard() {
        let config = join(&Config::default(), &groups(&[7]));
        assert_eq!(config.num, 1);
        assert_eq!(config.shards, [7; NSHARDS]);
    }

    #[test]
    fn joins_and_leaves_stay_balanced_and_move_the_minimum() {
        let mut config = Config::default();
        for gid in 1..=12 {
            let next = join(&config, &groups(&[gid]));
            assert_balanced(&next);
            let groups_after = next.groups.len();
            // The newcomer ends with its share; no other shard moves.
            let newcomer = next.shards_of(gid).len();
            assert_eq!(newcomer, NSHARDS / groups_after);
            assert_eq!(moved(&config, &next), newcomer);
            config = next;
        }
        for gid in (1..=12).rev().step_by(2) {
            let next = leave(&config, &[gid]);
            assert_balanced(&next);
            // Only the leaver's shards move.
            let kept = (0..NSHARDS)
                .filter(|&s| config.shards[s] != gid)
                .all(|s| next.shards[s] == config.shards[s]);
            assert!(kept, "{config:?} -> {next:?}");
            config = next;
        }
    }

    #[test]
    fn leaving_everyone_leaves_shards_on_gid_zero() {
        let config = join(&Config::default(), &groups(&[1, 2]));
        let config = leave(&config, &[1, 2]);
        assert_eq!(config.shards, [0; NSHARDS]);
        assert!(config.groups.is_empty());
    }

    #[test]
    fn a_gid_may_rejoin_after_leaving() {
        let config = join(&Config::default(), &groups(&[1, 2]));
        let config = leave(&config, &[1]);
        let config = join(&config, &groups(&[1]));
        assert_balanced(&config);
        assert_eq!(config.shards_of(1).len(), 5);
    }

    #[test]
    fn move_changes_one_shard_and_keeps_the_old_config() {
        let before = join(&Config::default(), &groups(&[1, 2]));
        let after = move_shard(&before, 0, 2);
        assert_eq!(after.shards[0], 2);
        assert_eq!(after.num, before.num + 1);
        assert_eq!(&after.shards[1..], &before.shards[1..]);
    }

    #[test]
    fn rebalancing_is_deterministic() {
        let a = join(&Config::default(), &groups(&[5, 3, 9]));
        let b = join(&Config::default(), &groups(&[9, 5, 3]));
        assert_eq!(a, b);
    }

    #[test]
    fn more_groups_than_shards_leaves_some_idle() {
        let gids: Vec<Gid> = (1..=13).collect();
        let config = join(&Config::default(), &groups(&gids));
        assert_balanced(&config);
        let idle = config.shard_counts().values().filter(|&&n| n == 0).count();
        assert_eq!(idle, 3);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A random sequence of joins (of 1-3 gids) and leaves (of present gids).
        fn steps() -> impl Strategy<Value = Vec<(bool, Vec<Gid>)>> {
            proptest::collection::vec(
                (any::<bool>(), proptest::collection::vec(1u64..20, 1..4)),
                1..30,
            )
        }

        proptest! {
            #[test]
            fn every_step_is_balanced_and_minimal(steps in steps()) {
                let mut config = Config::default();
                for (is_join, gids) in steps {
                    let next = if is_join {
                        join(&config, &groups(&gids))
                    } else {
                        leave(&config, &gids)
                    };
                    assert_balanced(&next);
                    // Minimal: a group that survives never loses shards unless it was above
                    // the new maximum share.
                    let max_share = NSHARDS.div_ceil(next.groups.len().max(1));
                    for (&gid, &count) in &config.shard_counts() {
                        if next.groups.contains_key(&gid) {
                            let kept = next.shards_of(gid).len();
                            prop_assert!(kept >= count.min(NSHARDS / next.groups.len()),
                                "{gid} went from {count} to {kept} (max share {max_share})");
                        }
                    }
                    config = next;
                }
            }
        }
    }
}
