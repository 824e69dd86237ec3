//! Part 5A: static sharding and rejection of keys a group does not own.

mod tester;

use std::thread;
use std::time::Duration;

use crossbeam_channel::Receiver;
use shardkv::ctrler::CtrlerClerk;
use tester::ctrler::Ctrlers;
use tester::groups::{random_value, TestClerk, Tester};

/// Keys "0".."9", one per shard.
const KEYS: usize = 10;

/// How long the tester waits for one more Get to finish before judging how many did.
const COMPLETION_WAIT: Duration = Duration::from_secs(2);

/// Runs `Get(key)` on its own thread with its own clerk, which is left behind if it never
/// finishes (it ends when the network closes); the value arrives on the receiver.
fn spawn_get(clerk: TestClerk, key: String) -> Receiver<(String, String)> {
    let (sender, receiver) = crossbeam_channel::bounded(1);
    thread::spawn(move || {
        if let Ok(value) = clerk.clerk.get(&key) {
            let _ = sender.send((key, value));
        }
    });
    receiver
}

/// Collects completed Gets until none arrives for `COMPLETION_WAIT`; fails on a wrong
/// value. Returns how many completed.
fn count_completions(
    tester: &Tester,
    gets: &[Receiver<(String, String)>],
    values: &[String],
) -> usize {
    let mut done = 0;
    let mut select = crossbeam_channel::Select::new();
    for receiver in gets {
        select.recv(receiver);
    }
    while let Ok(operation) = select.select_timeout(COMPLETION_WAIT) {
        let index = operation.index();
        let (key, value) = operation
            .recv(&gets[index])
            .expect("a finished Get sends once");
        select.remove(index);
        tester.stage.count_op();
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
    let tester = Tester::new("5A", "static_shards_5a", false, None);
    let clerk = tester.make_clerk();
    tester.stage.begin("static shards");
    tester.join(0);
    tester.join(1);
    let (keys, values) = put_keys(&tester, &clerk, 20);
    for (key, value) in keys.iter().zip(&values) {
        tester.check(&clerk, key, value);
    }

    // Is the data really sharded? Shut down one group: some Gets must not succeed.
    tester.shutdown_group(1);
    tester.check_logs(); // forbid snapshots
    let gets: Vec<_> = keys
        .iter()
        .map(|key| spawn_get(tester.make_clerk(), key.clone()))
        .collect();
    let done = count_completions(&tester, &gets, &values);
    assert_eq!(
        done,
        KEYS / 2,
        "expected 5 completions with one shard dead; got {done}"
    );

    // Bring the crashed group back to life.
    tester.start_group(1);
    for (key, value) in keys.iter().zip(&values) {
        tester.check(&clerk, key, value);
    }
    tester.stage.end();
}

/// Clerks of a second controller, which gives group 100 every shard, send every key to
/// group 100; it must refuse the half it does not own.
#[test]
fn rejection_5a() {
    let tester = Tester::new("5A", "rejection_5a", false, None);
    let clerk = tester.make_clerk();
    tester.stage.begin("rejection");
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
    let gets: Vec<_> = keys
        .iter()
        .map(|key| spawn_get(tester.make_clerk_of(&liar), key.clone()))
        .collect();
    let done = count_completions(&tester, &gets, &values);
    assert_eq!(done, KEYS / 2, "expected 5 completions; got {done}");
    tester.stage.end();
}
