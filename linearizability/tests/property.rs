//! Property tests: histories produced by a real sequential execution are linearizable, and
//! one stale read makes them illegal.

use linearizability::models::{KvInput, KvModel, KvOp, KvOutput};
use linearizability::{check_operations, Operation, Verdict};
use proptest::prelude::*;
use std::collections::HashMap;

/// One client's planned operation: what, on which key, idle time before the call, duration,
/// and where inside the interval it takes effect (fraction in 0..=1000 per mille).
#[derive(Clone, Debug)]
struct Planned {
    op: KvOp,
    key: usize,
    gap: i64,
    duration: i64,
    effect_per_mille: i64,
}

fn planned(with_puts: bool) -> impl Strategy<Value = Planned> {
    let op = if with_puts {
        prop_oneof![Just(KvOp::Get), Just(KvOp::Put), Just(KvOp::Append)].boxed()
    } else {
        prop_oneof![Just(KvOp::Get), Just(KvOp::Append)].boxed()
    };
    (op, 0..2usize, 0..20i64, 0..40i64, 0..=1000i64).prop_map(
        |(op, key, gap, duration, effect_per_mille)| Planned {
            op,
            key,
            gap,
            duration,
            effect_per_mille,
        },
    )
}

fn clients(with_puts: bool) -> impl Strategy<Value = Vec<Vec<Planned>>> {
    prop::collection::vec(prop::collection::vec(planned(with_puts), 1..7), 1..5)
}

/// Builds the history: every operation takes effect at a point inside its interval, in order
/// of those points, and Gets return what that sequential execution read. Times are coarse so
/// intervals often touch or tie, which exercises the closed-interval rule.
fn execute(plans: &[Vec<Planned>]) -> Vec<Operation<KvInput, KvOutput>> {
    let mut history = Vec::new();
    let mut effect_time = Vec::new();
    for (client, plan) in plans.iter().enumerate() {
        let mut now = 0;
        for (seq, step) in plan.iter().enumerate() {
            let call = now + step.gap;
            let ret = call + step.duration;
            let value = format!("[{client}.{seq}]");
            let input = KvInput {
                op: step.op,
                key: format!("k{}", step.key),
                value,
            };
            history.push(Operation::new(
                client,
                input,
                call,
                KvOutput::default(),
                ret,
            ));
            effect_time.push(call + step.duration * step.effect_per_mille / 1000);
            now = ret;
        }
    }
    let mut order: Vec<usize> = (0..history.len()).collect();
    order.sort_by_key(|&index| (effect_time[index], index));
    let mut store: HashMap<String, String> = HashMap::new();
    for index in order {
        let input = history[index].input.clone();
        let value = store.entry(input.key.clone()).or_default();
        match input.op {
            KvOp::Get => history[index].output = Some(KvOutput::new(value.clone())),
            KvOp::Put => *value = input.value,
            KvOp::Append => value.push_str(&input.value),
        }
    }
    history
}

/// Makes one Get miss an Append to its key that returned before the Get was called.
/// Returns false if the history has no such pair.
fn make_one_read_stale(history: &mut [Operation<KvInput, KvOutput>]) -> bool {
    for get in 0..history.len() {
        if history[get].input.op != KvOp::Get {
            continue;
        }
        let seen = history[get].output.clone().unwrap_or_default().value;
        let missed = history.iter().find(|append| {
            append.input.op == KvOp::Append
                && append.input.key == history[get].input.key
                && append.ret.is_some_and(|ret| ret < history[get].call)
                && seen.contains(&append.input.value)
        });
        if let Some(append) = missed {
            let stale = seen.replacen(&append.input.value, "", 1);
            history[get].output = Some(KvOutput::new(stale));
            return true;
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Outputs from a real execution inside the intervals always linearize.
    #[test]
    fn executed_histories_are_linearizable(plans in clients(true)) {
        let history = execute(&plans);
        let result = check_operations(&KvModel, &history, None);
        prop_assert_eq!(result.verdict, Verdict::Linearizable, "{:#?}", history);
    }

    /// The same kind of history (appends and gets only, so a value only grows) with one
    /// stale read is illegal.
    #[test]
    fn one_stale_read_is_illegal(plans in clients(false)) {
        let mut history = execute(&plans);
        prop_assume!(make_one_read_stale(&mut history));
        let result = check_operations(&KvModel, &history, None);
        prop_assert_eq!(result.verdict, Verdict::Illegal, "{:#?}", history);
    }
}
