//! `labsim::run` chooses the mode from `LAB_SIM` and `LAB_SEED`. The environment is
//! process-wide, so the simulated cases run in a child process (this test binary again,
//! with the environment set and one ignored test selected).

use std::process::Command;
use std::time::Duration;

use labsim::{thread, time::Instant};

/// Runs the ignored test `name` of this binary in a child with `LAB_SIM=1 LAB_SEED=seed`.
fn run_child(name: &str, seed: &str) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LAB_SIM", "1")
        .env("LAB_SEED", seed)
        .output()
        .unwrap()
}

/// Without `LAB_SIM`, is `run` plain real mode?
#[test]
fn run_is_real_by_default() {
    if std::env::var_os(labsim::SIM_VAR).is_some() {
        return; // someone runs the suite under simulation
    }
    let start = std::time::Instant::now();
    let simulated = labsim::run(|| {
        thread::sleep(Duration::from_millis(5));
        labsim::is_simulated()
    });
    assert!(!simulated);
    assert!(start.elapsed() >= Duration::from_millis(5));
}

/// With `LAB_SIM=1 LAB_SEED=77`, does `run` simulate with seed 77 (child below)?
#[test]
fn run_simulates_under_lab_sim() {
    let output = run_child("child_simulated", "77");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// Does a failing simulation panic with the command that replays it (child below)?
#[test]
fn failure_prints_the_replay_command() {
    let output = run_child("child_deadlocks", "78");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("deadlocked"), "{stderr}");
    assert!(
        stderr.contains("replay it exactly with LAB_SIM=1 LAB_SEED=78"),
        "{stderr}"
    );
}

#[test]
#[ignore = "run by run_simulates_under_lab_sim in a child process"]
fn child_simulated() {
    if std::env::var_os(labsim::SIM_VAR).is_none() {
        return; // only meaningful in the child
    }
    let (simulated, seed, elapsed) = labsim::run(|| {
        let start = Instant::now();
        thread::sleep(Duration::from_secs(60));
        (
            labsim::is_simulated(),
            labsim::rand::seed(),
            start.elapsed(),
        )
    });
    assert!(simulated);
    assert_eq!(seed, 77);
    assert_eq!(elapsed, Duration::from_secs(60));
}

#[test]
#[ignore = "run by failure_prints_the_replay_command in a child process"]
fn child_deadlocks() {
    if std::env::var_os(labsim::SIM_VAR).is_none() {
        return; // only meaningful in the child
    }
    labsim::run(|| {
        let (_tx, rx) = labsim::channel::unbounded::<()>();
        let _ = rx.recv();
    });
}
