//! Generated key/value histories, linearizable by construction (or broken on purpose), for
//! benchmarks and tests of the checker.
//!
//! Each client runs its operations one after another: a pause, then an operation lasting a
//! random time. Every operation takes effect at a random instant inside its interval, and the
//! outputs come from applying the operations to a map in the order of those instants, so the
//! history is linearizable. [`KvSpec::broken`] then changes one read so that it is not.
//!
//! ```
//! use linearizability::generate::KvSpec;
//! use linearizability::{check_operations, models::KvModel, Verdict};
//!
//! let spec = KvSpec { clients: 5, operations_per_client: 40, keys: 2, ..KvSpec::default() };
//! let history = spec.generate(7);
//! assert_eq!(check_operations(&KvModel, &history, None).verdict, Verdict::Linearizable);
//! let broken = spec.broken(7);
//! assert_eq!(check_operations(&KvModel, &broken, None).verdict, Verdict::Illegal);
//! ```

use crate::history::{Operation, Time};
use crate::models::{KvInput, KvOp, KvOutput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

/// The shape of a generated history. Times are in abstract ticks.
#[derive(Clone, Debug)]
pub struct KvSpec {
    /// Clients issuing operations concurrently.
    pub clients: usize,
    /// Operations each client issues, one after another.
    pub operations_per_client: usize,
    /// Keys the operations spread over, uniformly.
    pub keys: usize,
    /// Share of gets, in percent.
    pub get_percent: u32,
    /// Share of puts, in percent; the rest are appends.
    pub put_percent: u32,
    /// Mean pause between one operation's return and the client's next call (at least 1).
    pub mean_pause: u64,
    /// Mean duration of an operation (at least 1): about twice `mean_pause` makes a crowded
    /// history, a tenth of it a sparse one.
    pub mean_duration: u64,
}

impl Default for KvSpec {
    /// A small, moderately concurrent history: 10 clients × 100 operations on 5 keys.
    fn default() -> Self {
        KvSpec {
            clients: 10,
            operations_per_client: 100,
            keys: 5,
            get_percent: 45,
            put_percent: 10,
            mean_pause: 100,
            mean_duration: 100,
        }
    }
}

impl KvSpec {
    /// The crowded history of the checker's benchmarks: 50 clients × 60 operations on
    /// 10 keys, 45% gets and mostly appends, each operation lasting about twice the pause
    /// between a client's operations, so many overlap.
    pub fn crowded(clients: usize) -> Self {
        KvSpec {
            clients,
            operations_per_client: 60,
            keys: 10,
            get_percent: 45,
            put_percent: 5,
            mean_pause: 50,
            mean_duration: 100,
        }
    }

    /// A long history like the demo's: `clients` clients on 5 keys, short overlaps, `total`
    /// operations in all.
    pub fn long(clients: usize, total: usize) -> Self {
        KvSpec {
            clients,
            operations_per_client: total.div_ceil(clients.max(1)),
            keys: 5,
            get_percent: 45,
            put_percent: 10,
            mean_pause: 100,
            mean_duration: 30,
        }
    }

    /// A linearizable history drawn with `seed`.
    pub fn generate(&self, seed: u64) -> Vec<Operation<KvInput, KvOutput>> {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut planned = self.plan(&mut rng);
        apply_in_order(&mut planned);
        planned
            .into_iter()
            .map(|planned| planned.operation)
            .collect()
    }

    /// The history of [`Self::generate`] with one get, chosen with `seed`, made to return a
    /// value the key never held, so no linearization exists. Returns the linearizable
    /// history unchanged if it has no get.
    pub fn broken(&self, seed: u64) -> Vec<Operation<KvInput, KvOutput>> {
        let mut history = self.generate(seed);
        let gets: Vec<usize> = (0..history.len())
            .filter(|&index| history[index].input.op == KvOp::Get)
            .collect();
        if !gets.is_empty() {
            let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
            let victim = gets[rng.gen_range(0..gets.len())];
            history[victim].output = Some(KvOutput::new("a value nobody wrote"));
        }
        history
    }

    /// Every client's operations with their times and effect instants; outputs still empty.
    fn plan(&self, rng: &mut StdRng) -> Vec<Planned> {
        let keys = self.keys.max(1);
        let mut planned = Vec::with_capacity(self.clients * self.operations_per_client);
        for client in 0..self.clients {
            let mut now: Time = rng.gen_range(0..=self.mean_pause.max(1) as Time);
            for sequence in 0..self.operations_per_client {
                let duration = around(rng, self.mean_duration);
                let effect = now + rng.gen_range(0..=duration);
                let key = rng.gen_range(0..keys).to_string();
                let draw = rng.gen_range(0..100);
                let input = if draw < self.get_percent {
                    KvInput::get(key)
                } else if draw < self.get_percent + self.put_percent {
                    KvInput::put(key, format!("x {client} {sequence} y"))
                } else {
                    KvInput::append(key, format!("x {client} {sequence} y"))
                };
                planned.push(Planned {
                    effect,
                    tie: rng.gen(),
                    operation: Operation::new(
                        client,
                        input,
                        now,
                        KvOutput::default(),
                        now + duration,
                    ),
                });
                now += duration + around(rng, self.mean_pause);
            }
        }
        planned
    }
}

/// An operation and the instant it takes effect (ties broken by `tie`).
struct Planned {
    effect: Time,
    tie: u64,
    operation: Operation<KvInput, KvOutput>,
}

/// A random duration from 1 to about twice `mean`.
fn around(rng: &mut StdRng, mean: u64) -> Time {
    rng.gen_range(1..=(2 * mean.max(1)) as Time)
}

/// Fills in every get's output by applying the operations in the order they take effect.
fn apply_in_order(planned: &mut [Planned]) {
    let mut order: Vec<usize> = (0..planned.len()).collect();
    order.sort_by_key(|&index| (planned[index].effect, planned[index].tie));
    let mut store: BTreeMap<String, String> = BTreeMap::new();
    for index in order {
        let operation = &mut planned[index].operation;
        let input = &operation.input;
        match input.op {
            KvOp::Get => {
                let value = store.get(&input.key).cloned().unwrap_or_default();
                operation.output = Some(KvOutput::new(value));
            }
            KvOp::Put => {
                store.insert(input.key.clone(), input.value.clone());
            }
            KvOp::Append => store
                .entry(input.key.clone())
                .or_default()
                .push_str(&input.value),
        }
    }
}
