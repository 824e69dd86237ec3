//! A simulated thread that overflows its stack is reported by name (its own test binary, with
//! no harness: the overflow ends the process that has it, so this runs it in a child).
//!
//! Run with no arguments it starts itself again with `child`; the child overflows a simulated
//! thread's stack and must die of SIGABRT after printing which thread overflowed and how to
//! give it more stack. Anything else (a bare SIGSEGV, no report) fails.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use labsim::{thread, Sim};

const CHILD: &str = "child";

fn main() {
    if std::env::args().nth(1).as_deref() == Some(CHILD) {
        overflow();
    }
    parent();
}

/// Recurses until the stack runs out, in a simulated thread named `deep`.
fn overflow() -> ! {
    #[allow(unconditional_recursion)] // the point: it never returns
    fn recurse(depth: u64) -> u64 {
        let frame = std::hint::black_box([depth; 64]);
        recurse(depth + 1) + frame[0]
    }
    let _ = Sim::new(9).stack_size(256 << 10).run(|| {
        thread::spawn("deep", || recurse(0)).join().unwrap();
    });
    eprintln!("the overflow did not happen");
    std::process::exit(3);
}

fn parent() {
    print!("test a_stack_overflow_names_the_thread ... ");
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .arg(CHILD)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::io::read_to_string(child.stderr.take().expect("piped")).unwrap_or_default();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(libc_sigabrt()),
        "status {status:?}, stderr:\n{stderr}"
    );
    for expected in [
        "simulated thread 'deep' (#1) has overflowed its stack of 256 KiB (simulation seed 9)",
        "LAB_SIM_STACK=<size>",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    println!("ok");
}

/// SIGABRT's number (6 on every Unix the labs run on).
fn libc_sigabrt() -> i32 {
    6
}
