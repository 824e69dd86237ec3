//! The `lincheck` command: verdicts as exit codes, unreadable input named by file and line.

use std::path::Path;
use std::process::{Command, Output};

fn lincheck(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lincheck"))
        .args(args)
        .output()
        .expect("lincheck runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const KV_OK: &str = r#"[
  {"client": 0, "input": {"op": "put", "key": "x", "value": "1"}, "call": 0, "output": {"value": ""}, "return": 10},
  {"client": 1, "input": {"op": "get", "key": "x"}, "call": 20, "output": {"value": "1"}, "return": 30},
  {"client": 2, "input": {"op": "append", "key": "x", "value": "2"}, "call": 25}
]"#;

const KV_STALE: &str = r#"[
  {"client": 0, "input": {"op": "put", "key": "x", "value": "1"}, "call": 0, "output": {"value": ""}, "return": 10},
  {"client": 1, "input": {"op": "get", "key": "x"}, "call": 20, "output": {"value": ""}, "return": 30}
]"#;

/// Exit 0 for linearizable, 1 for illegal (and the picture is written), 3 for bad input.
#[test]
fn exit_codes_follow_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "ok.json", KV_OK);
    let stale = write(dir.path(), "stale.json", KV_STALE);
    assert_eq!(lincheck(&[&ok, "--model", "kv"]).status.code(), Some(0));
    let html = dir.path().join("stale.html");
    let output = lincheck(&[&stale, "--model", "kv", "--html", html.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(std::fs::read_to_string(&html).unwrap().contains("<svg") || html.exists());
    assert_eq!(
        lincheck(&[&ok, &stale, "--model", "kv"]).status.code(),
        Some(1)
    );
}

/// Register histories in JSON.
#[test]
fn register_json() {
    let dir = tempfile::tempdir().unwrap();
    let text = r#"[
      {"client": 0, "input": {"op": "write", "value": 3}, "call": 0, "output": {"op": "write"}, "return": 10},
      {"client": 1, "input": {"op": "cas", "from": 3, "to": 4}, "call": 20, "output": {"op": "cas", "ok": true}, "return": 30},
      {"client": 0, "input": {"op": "read"}, "call": 40, "output": {"op": "read", "value": 4}, "return": 50}
    ]"#;
    let file = write(dir.path(), "register.json", text);
    assert_eq!(
        lincheck(&[&file, "--model", "register"]).status.code(),
        Some(0)
    );
}

/// Malformed files exit 3 with a message naming the file and the line.
#[test]
fn malformed_input_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("bad.json", "[\n  {\"client\": 0,\n   \"call\": oops}\n]", "json", "kv", ":3:"),
        ("bad.txt", "{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n{:process 0, :type :ok, :f :get, :key \"1\"", "porcupine-kv", "kv", ":2:"),
        ("bad.log", "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:cas\t[1 2]\n", "jepsen", "register", ":2:"),
        ("orphan.log", "INFO  jepsen.util - 3\t:ok\t:read\t1\n", "jepsen", "register", ":1:"),
        ("binary.txt", "\u{0}\u{1}garbage", "porcupine-kv", "kv", ":1:"),
    ];
    for (name, text, format, model, line) in cases {
        let file = write(dir.path(), name, text);
        let output = lincheck(&[&file, "--format", format, "--model", model]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(3), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}{line}")),
            "{name}: {stderr}"
        );
    }
    let missing = lincheck(&["/nonexistent/history.json", "--model", "kv"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/history.json"));
}

/// A wrong command line is reported with exit 3, never confused with "unknown" (2).
#[test]
fn usage_errors_exit_3() {
    assert_eq!(
        lincheck(&["--model", "nonsense", "x.json"]).status.code(),
        Some(3)
    );
    assert_eq!(lincheck(&["--help"]).status.code(), Some(0));
}
