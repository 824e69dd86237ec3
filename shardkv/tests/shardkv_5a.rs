//! Part 5A: static sharding and rejection of keys a group does not own.

mod tester;

use std::time::Duration;

use labsim::channel::Receiver;
use shardkv::ctrler::CtrlerClerk;
use tester::ctrler::Ctrlers;
use tester::groups::{random_value, TestClerk, Tester};

/// Keys "0".."9", one per shard.
const KEYS: usize = 10;

/// How long the tester waits for one more Get to finish before judging how many did.
const COMPLETION_WAIT: Duration = Duration::from_secs(2);

/// Runs `Get(key)` for every key, each on its own thread with its own clerk from
/// `make_clerk`. A Get that never finishes leaves its thread behind (it ends when the
/// network closes); each finished one sends its key and value on the receiver.
fn spawn_gets(keys: &[String], make_clerk: impl Fn() -> TestClerk) -> Receiver<(String, String)> {
    let (sender, receiver) = labsim::channel::unbounded();
    for key in keys {
        let (clerk, key, sender) = (make_clerk(), key.clone(), sender.clone());
        labsim::thread::spawn(format!("get-{key}"), move || {
            if let Ok(value) = clerk.clerk.get(&key) {
                let _ = sender.send((key, value));
            }
        });
    }
    receiver
}

/// Collects completed Gets until none arrives for `COMPLETION_WAIT` (or all are in); fails
/// on a wrong value. Returns how many completed.
fn count_completions(
    tester: &Tester,
    gets: &Receiver<(String, String)>,
    values: &[String],
) -> usize {
    let mut done = 0;
    while let Ok((key, value)) = gets.recv_timeout(COMPLETION_WAIT) {
        tester.stages.count_op();
        let expected = &values[key.parse::<usize>().expect("numeric key")];
        if value.is_empty() && !expected.is_empty() {
            panic!("Get({key}) returned \"\": a group served a key it does not own");
        }
        assert_eq!(
            &value, expected,
            "Get({key}): expected:\n{expected}\nreceived:\n{value}"
        );
        done += 1;
    }
    done
}

/// Puts 10 keys, one per shard, with random values of `length`.
fn put_keys(tester: &Tester, clerk: &TestClerk, length: usize) -> (Vec<String>, Vec<String>) {
    let keys: Vec<String> = (0..KEYS).map(|i| i.to_string()).collect();
    let values: Vec<String> = keys
        .iter()
        .map(|key| {
            let value = random_value(&tester.network, length);
            tester.put(clerk, key, &value);
            value
        })
        .collect();
    (keys, values)
}

/// Two groups split the shards; with one of them down, exactly the other's half of the keys
/// can be read; once it is back, all can.
#[test]
fn static_shards_5a() {
    labsim::run(|| {
        let tester = Tester::new("5A", "static_shards_5a", false, None);
        let clerk = tester.make_clerk();
        tester.stages.begin("static shards");
        tester.join(0);
        tester.join(1);
        let (keys, values) = put_keys(&tester, &clerk, 20);
        for (key, value) in keys.iter().zip(&values) {
            tester.check(&clerk, key, value);
        }

        // Is the data really sharded? Shut down one group: some Gets must not succeed.
        tester.crash_group(1);
        tester.check_logs(); // forbid snapshots
        let gets = spawn_gets(&keys, || tester.make_clerk());
        let done = count_completions(&tester, &gets, &values);
        assert_eq!(
            done,
            KEYS / 2,
            "expected 5 completions with one shard dead; got {done}"
        );

        // Bring the crashed group back to life.
        tester.restart_group(1);
        for (key, value) in keys.iter().zip(&values) {
            tester.check(&clerk, key, value);
        }
        tester.stages.end();
    });
}

/// Clerks of a second controller, which gives group 100 every shard, send every key to
/// group 100; it must refuse the half it does not own.
#[test]
fn rejection_5a() {
    labsim::run(|| {
        let tester = Tester::new("5A", "rejection_5a", false, None);
        let clerk = tester.make_clerk();
        tester.stages.begin("rejection");
        tester.join(0);
        tester.join(1);
        let (keys, values) = put_keys(&tester, &clerk, 20);
        for (key, value) in keys.iter().zip(&values) {
            tester.check(&clerk, key, value);
        }

        // A separate controller that thinks group 100 owns everything, and clerks using it.
        let liar = Ctrlers::start(tester.network.clone(), "ctrler2");
        let liar_clerk: CtrlerClerk = liar.make_clerk();
        let all_to_first = [(tester.gid(0), tester.server_names(0))]
            .into_iter()
            .collect();
        liar_clerk.join(all_to_first).expect("network open");
        let gets = spawn_gets(&keys, || tester.make_clerk_of(&liar));
        let done = count_completions(&tester, &gets, &values);
        assert_eq!(done, KEYS / 2, "expected 5 completions; got {done}");
        tester.stages.end();
    });
}
