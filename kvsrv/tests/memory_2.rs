//! Lab 2, the server's memory with many clients: the server must keep no state per client.
//!
//! # How the memory is measured
//!
//! This binary installs a counting global allocator: every allocation adds its size to
//! [`LIVE_BYTES`], every free subtracts it, a reallocation adds the difference. So
//! `LIVE_BYTES` is exactly the bytes the whole process holds on the heap (the requested sizes;
//! the allocator's own overhead is not counted), with no sampling and no garbage collector
//! to wait for. The process is the server, the simulated network and every clerk; measuring
//! all of it is stricter than measuring the server alone. A test:
//!
//! 1. makes all its clerks, each with its own end, and has each call the server a few times
//!    ([`WARM_UP_CALLS`], a put that answers `NoKey`), so that every end's first-use
//!    allocations happen before the baseline;
//! 2. waits [`SETTLE`] and reads the baseline;
//! 3. has clerk `i` put a 1000-byte value at version `i`, all on one key: every put takes
//!    effect and replaces the previous value;
//! 4. waits [`SETTLE`], reads the count again, and bounds the growth per clerk.
//!
//! A server that remembered anything per client (the last reply, a request id) would grow by
//! at least that per put; this one grows by the one stored value, a few bytes per client at
//! most.
//!
//! # Which bound
//!
//! The 2025 course (the first with versioned puts): 100,000 clerks, at most 200 bytes of
//! growth per clerk, measured as the growth of the whole test process's heap, as here.
//! [`mem_put_many_clients_reliable_2`] keeps exactly that. The 2026 course runs the server in
//! a process of its own and allows 10 bytes per clerk over 20,000 clerks;
//! [`mem_put_many_clients_strict_2`] keeps that bound too, measured over the whole process
//! (server, network and clerks), which can only count more than the server alone.
//!
//! The binary holds only these two tests, and they take turns ([`MEASURING`]), because each
//! counts the whole process.
//!
//! These two run in real mode only: a simulation's scheduler allocates as it runs, and the
//! count would charge that to the server. They are listed in `labtest/real_only.json`, so
//! under `LAB_SIM=1` they return at once and say so, and `lab sweep` and `lab stress --sim`
//! leave them out; `make grade` runs them.

mod tester;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use kvsrv::{KvClerk, KvError, Version};
use labsim::sync::Mutex;
use labsim::thread;

use tester::{Config, Spec, TestClerk};

/// Bytes the process holds on the heap right now.
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

/// The system allocator, counting.
struct CountingAllocator;

// SAFETY: every method forwards to the system allocator unchanged and only adds bookkeeping
// on an atomic counter, which allocates nothing.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc(layout);
        if !pointer.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc_zeroed(layout);
        if !pointer.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        System.dealloc(pointer, layout);
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = System.realloc(pointer, layout, new_size);
        if !moved.is_null() {
            let change = new_size as isize - layout.size() as isize;
            LIVE_BYTES.fetch_add(change, Ordering::Relaxed);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Held while a test measures: both tests count the same process's heap.
static MEASURING: Mutex<()> = Mutex::new(());

/// How long to wait before each reading. A clerk's call returns while the network's handler
/// thread may still be dropping that call's buffers; the wait lets it finish (and lets the
/// other test's thread, if it just ended, be torn down).
const SETTLE: Duration = Duration::from_millis(500);

/// How many calls each clerk makes before the baseline. An end allocates a little (about
/// 100 bytes, in the channels it waits on) the first time a call on it has to wait for its
/// reply; most calls do, but a call whose reply is ready at once does not. Measured with one
/// warm-up call, a few percent of the ends paid during the measured puts instead, adding up
/// to 6 bytes per clerk; three calls leave almost none.
const WARM_UP_CALLS: usize = 3;

/// The size of the value each clerk puts (the course's 1000 bytes).
const VALUE_BYTES: usize = 1000;

/// What one memory test puts the server through.
struct Load {
    /// How many clerks, each putting once.
    clerks: usize,
    /// The most the heap may grow per clerk, in bytes.
    bytes_per_clerk: usize,
}

/// The 2025 course: 100,000 clerks, at most 200 bytes per clerk.
#[test]
fn mem_put_many_clients_reliable_2() {
    if labtest::left_out_of_simulation("mem_put_many_clients_reliable_2") {
        return;
    }
    let spec = Spec {
        test: "mem_put_many_clients_reliable_2",
        title: "memory use many put clients",
        ..Spec::default()
    };
    let load = Load {
        clerks: 100_000,
        bytes_per_clerk: 200,
    };
    measure(spec, load);
}

/// The 2026 course: 20,000 clerks, at most 10 bytes per clerk.
#[test]
fn mem_put_many_clients_strict_2() {
    if labtest::left_out_of_simulation("mem_put_many_clients_strict_2") {
        return;
    }
    let spec = Spec {
        test: "mem_put_many_clients_strict_2",
        title: "memory use many put clients (2026 bound)",
        ..Spec::default()
    };
    let load = Load {
        clerks: 20_000,
        bytes_per_clerk: 10,
    };
    measure(spec, load);
}

/// Measures the heap's growth over `load.clerks` puts, one per clerk, and bounds it.
fn measure(spec: Spec, load: Load) {
    let _turn = MEASURING.lock();
    // No history: it would grow with every call and be counted as the server's.
    let config = Config::new(Spec {
        record: false,
        ..spec
    });
    let clerks: Vec<TestClerk<'_>> = (0..load.clerks).map(|_| config.make_clerk()).collect();
    // Has every clerk's end paid its first-use costs before the baseline?
    for _ in 0..WARM_UP_CALLS {
        for clerk in &clerks {
            assert_eq!(
                clerk.put("k", "", 1),
                Err(KvError::NoKey),
                "Put of a missing key at version 1"
            );
        }
    }
    let value = config.random_value(VALUE_BYTES);
    thread::sleep(SETTLE);
    let before = LIVE_BYTES.load(Ordering::SeqCst);

    for (version, clerk) in clerks.iter().enumerate() {
        assert_eq!(
            clerk.put("k", &value, version as Version),
            Ok(()),
            "Put at the key's version {version}"
        );
    }

    thread::sleep(SETTLE);
    let after = LIVE_BYTES.load(Ordering::SeqCst);
    let growth = after - before;
    let per_clerk = growth as f64 / load.clerks as f64;
    println!(
        "  ... heap {before} -> {after} bytes: {growth:+} over {} clerks ({per_clerk:.3} per clerk, bound {})",
        load.clerks, load.bytes_per_clerk
    );
    assert!(
        growth <= (load.clerks * load.bytes_per_clerk) as isize,
        "error: server using too much memory {before} {after} ({per_clerk:.2} per client)"
    );
    config.end();
}
