//! A tour of labsim's simulation mode: three tellers move money between two accounts under
//! locks, with random virtual delays; the run is replayed with the same seed; then a
//! lock-order mistake shows the deadlock report.
//!
//! Run it with:
//!
//! ```text
//! cargo run -p labsim --example simulate            # seed 1
//! cargo run -p labsim --example simulate -- 1234    # another seed, another schedule
//! ```

use std::sync::Arc;
use std::time::Duration;

use labsim::rand::LabRng;
use labsim::sync::Mutex;
use labsim::time::Instant;
use labsim::{channel, thread, Sim};
use rand::Rng;

/// How many transfers each teller makes.
const TRANSFERS_PER_TELLER: usize = 4;

fn main() {
    let seed = std::env::args()
        .nth(1)
        .map(|text| text.parse().expect("the seed is a number"))
        .unwrap_or(1);

    let real_start = std::time::Instant::now();
    let (journal, stats) = Sim::new(seed).run_with_stats(bank).expect("the bank works");
    println!(
        "seed {seed}: {} events in {:?} of real time",
        journal.len(),
        real_start.elapsed()
    );
    for line in &journal {
        println!("  {line}");
    }
    println!("stats: {stats:?}");

    let (replayed, _) = Sim::new(seed).run_with_stats(bank).expect("the bank works");
    assert_eq!(journal, replayed);
    println!(
        "replayed seed {seed}: the same {} events, in the same order",
        replayed.len()
    );

    let error = Sim::new(seed).run(lock_order_mistake).unwrap_err();
    println!("\nand a lock-order mistake:\n{error}");
}

/// Three tellers each make a few transfers between two accounts, locking the source then
/// the destination (always in the same order, so no deadlock); returns the journal.
fn bank() -> Vec<String> {
    let accounts = Arc::new([Mutex::new(100i64), Mutex::new(100i64)]);
    let (journal_tx, journal_rx) = channel::unbounded();
    let tellers: Vec<_> = (0..3)
        .map(|teller| {
            let (accounts, journal) = (Arc::clone(&accounts), journal_tx.clone());
            thread::spawn(format!("teller-{teller}"), move || {
                let mut rng = LabRng::new();
                for _ in 0..TRANSFERS_PER_TELLER {
                    thread::sleep(Duration::from_millis(rng.gen_range(1..50)));
                    let amount = rng.gen_range(1..20);
                    let mut first = accounts[0].lock();
                    let mut second = accounts[1].lock();
                    *first -= amount;
                    *second += amount;
                    let at = labsim::virtual_time().unwrap_or_default();
                    journal
                        .send(format!("{at:>9?} teller-{teller} moved {amount:>2}"))
                        .unwrap();
                }
            })
        })
        .collect();
    drop(journal_tx);
    let start = Instant::now();
    let journal: Vec<String> = journal_rx.iter().collect();
    for teller in tellers {
        teller.join().unwrap();
    }
    let total = *accounts[0].lock() + *accounts[1].lock();
    assert_eq!(total, 200, "money is conserved");
    println!("(the bank ran for {:?} of virtual time)", start.elapsed());
    journal
}

/// Two threads take two locks in opposite orders.
fn lock_order_mistake() {
    let accounts = Arc::new([Mutex::new(0), Mutex::new(0)]);
    let handles: Vec<_> = [(0, 1), (1, 0)]
        .into_iter()
        .map(|(from, to)| {
            let accounts = Arc::clone(&accounts);
            thread::spawn(format!("transfer-{from}-to-{to}"), move || {
                let _source = accounts[from].lock();
                thread::sleep(Duration::from_millis(1));
                let _destination = accounts[to].lock();
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}
