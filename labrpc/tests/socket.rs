//! The socket transport: typed calls over a Unix socket, many in flight on one connection,
//! and a clear error (never a panic or a hang) for every kind of bad peer.
//!
//! Malformed input covered here, from a client to the server: a body that is not a request,
//! an empty body, an oversized length prefix, a disconnect inside the length prefix, a
//! disconnect inside the body. From a server to the client: a malformed reply, an oversized
//! reply length, a disconnect mid-reply, a server that closes without replying. Plus a
//! missing socket, an unknown method, arguments of the wrong type, a stale socket file, a
//! second server on a live socket, and a server shut down under pending calls.

// The socket transport runs real processes over real sockets, so its tests use std threads
// and clocks like it does (it is exempt from the workspace clippy.toml too).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use labrpc::socket::frame::{read_frame, write_frame, RequestFrame};
use labrpc::socket::{SocketClient, SocketServer, MAX_FRAME_LEN};
use labrpc::{Endpoint, RpcError, Server};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Text(pub String);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Nap {
    pub millis: u64,
}

labrpc::service! {
    /// Says back what it hears, optionally after a nap.
    service Echo {
        handler EchoHandler;
        client EchoClient;
        /// Returns its argument.
        fn echo(Text) -> Text;
        /// Sleeps, then returns how long it slept.
        fn nap(Nap) -> Nap;
    }
}

struct Parrot;

impl EchoHandler for Parrot {
    fn echo(&self, args: Text) -> Text {
        args
    }

    fn nap(&self, args: Nap) -> Nap {
        std::thread::sleep(Duration::from_millis(args.millis));
        args
    }
}

/// How long a test waits for something that should happen at once before calling it a hang.
const HANG_LIMIT: Duration = Duration::from_secs(10);

fn parrot_server() -> Arc<Server> {
    Arc::new(Server::new().with_service(Arc::new(Parrot).into_service()))
}

/// A directory of this test's own, removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh directory and a socket path inside it, unique to this process and call.
fn socket_path() -> (TempDir, PathBuf) {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "labrpc-socket-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).expect("create a temp dir");
    let path = dir.join("echo.sock");
    (TempDir(dir), path)
}

fn serve(path: &Path) -> SocketServer {
    SocketServer::serve(parrot_server(), path).expect("serve on the socket")
}

fn client(path: &Path) -> EchoClient {
    EchoClient::new(SocketClient::new(path).with_call_timeout(HANG_LIMIT))
}

/// Does the server still answer a well-behaved client?
fn assert_still_serving(path: &Path) {
    let reply = client(path).echo(&Text("still here".into()));
    assert_eq!(reply, Ok(Text("still here".into())));
}

fn assert_transport_error<T: std::fmt::Debug>(result: Result<T, RpcError>, words: &str) {
    match result {
        Err(RpcError::Transport(message)) => assert!(
            message.contains(words),
            "expected {words:?} in the error, got {message:?}"
        ),
        other => panic!("expected a transport error about {words:?}, got {other:?}"),
    }
}

/// Sends raw bytes as a misbehaving client, then checks that the server closed the
/// connection (read sees EOF) within the hang limit.
fn send_raw_and_expect_close(path: &Path, bytes: &[u8], hang_up: bool) {
    let mut stream = UnixStream::connect(path).expect("connect raw");
    stream.set_read_timeout(Some(HANG_LIMIT)).unwrap();
    stream.write_all(bytes).expect("write raw bytes");
    if hang_up {
        drop(stream);
        return;
    }
    let mut buffer = [0u8; 16];
    let read = stream
        .read(&mut buffer)
        .expect("server closes, not times out");
    assert_eq!(
        read, 0,
        "the server should close a connection that sent a bad frame"
    );
}

#[test]
fn typed_calls_work_over_a_socket() {
    let (_dir, path) = socket_path();
    let server = serve(&path);
    let client = client(&path);
    for i in 0..10 {
        let text = Text(format!("hello {i}"));
        assert_eq!(client.echo(&text), Ok(text));
    }
    assert_eq!(server.accepted(), 1, "one client, one connection");
}

#[test]
fn many_calls_are_in_flight_on_one_connection() {
    let (_dir, path) = socket_path();
    let server = serve(&path);
    let client = client(&path);
    let calls = 20;
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..calls {
            let client = client.clone();
            scope.spawn(move || {
                assert_eq!(client.nap(&Nap { millis: 300 }), Ok(Nap { millis: 300 }))
            });
        }
    });
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_millis(300 * calls / 2),
        "{calls} naps of 300 ms took {elapsed:?}: calls were not concurrent"
    );
    assert_eq!(server.accepted(), 1, "all calls shared one connection");
}

#[test]
fn unknown_method_lists_the_valid_ones() {
    let (_dir, path) = socket_path();
    let _server = serve(&path);
    let endpoint = SocketClient::new(&path);
    match endpoint.call_bytes("Echo.shout", labcodec::encode(&Text("x".into()))) {
        Err(RpcError::UnknownMethod { name, valid }) => {
            assert_eq!(name, "Echo.shout");
            assert_eq!(valid, ["Echo.echo", "Echo.nap"]);
        }
        other => panic!("expected UnknownMethod, got {other:?}"),
    }
}

#[test]
fn wrong_argument_type_is_a_codec_error() {
    let (_dir, path) = socket_path();
    let _server = serve(&path);
    let endpoint = SocketClient::new(&path);
    let result = endpoint.call_bytes("Echo.nap", vec![0xff; 12]);
    assert!(matches!(result, Err(RpcError::Codec(_))), "got {result:?}");
    assert_still_serving(&path);
}

#[test]
fn missing_socket_fails_at_once() {
    let (_dir, path) = socket_path();
    let started = Instant::now();
    assert_transport_error(
        client(&path).echo(&Text("anyone?".into())),
        "cannot connect",
    );
    assert!(started.elapsed() < HANG_LIMIT);
}

#[test]
fn garbage_body_closes_only_that_connection() {
    let (_dir, path) = socket_path();
    let _server = serve(&path);
    let mut bytes = 8u32.to_be_bytes().to_vec();
    bytes.extend_from_slice(&[0xff; 8]);
    send_raw_and_expect_close(&path, &bytes, false);
    assert_still_serving(&path);
}

#[test]
fn empty_frame_closes_only_that_connection() {
    let (_dir, path) = socket_path();
    let _server = serve(&path);
    send_raw_and_expect_close(&path, &0u32.to_be_bytes(), false);
    assert_still_serving(&path);
}

#[test]
fn oversized_frame_closes_only_that_connection() {
    let (_dir, path) = socket_path();
    let _server = serve(&path);
    let too_long = (MAX_FRAME_LEN as u32 + 1).to_be_bytes();
    send_raw_and_expect_close(&path, &too_long, false);
    send_raw_and_expect_close(&path, &u32::MAX.to_be_bytes(), false);
    assert_still_serving(&path);
}

#[test]
fn disconnect_mid_frame_does_not_disturb_the_server() {
    let (_dir, path) = socket_path();
    let _server = serve(&path);
    send_raw_and_expect_close(&path, &[0, 0], true);
    let mut partial = 100u32.to_be_bytes().to_vec();
    partial.extend_from_slice(&[1; 10]);
    send_raw_and_expect_close(&path, &partial, true);
    assert_still_serving(&path);
}

#[test]
fn good_calls_run_beside_a_client_sending_garbage() {
    let (_dir, path) = socket_path();
    let _server = serve(&path);
    let good = client(&path);
    assert_eq!(good.echo(&Text("before".into())), Ok(Text("before".into())));
    send_raw_and_expect_close(&path, &[0, 0, 0, 3, 0xff, 0xff, 0xff], false);
    assert_eq!(good.echo(&Text("after".into())), Ok(Text("after".into())));
}

/// A one-connection fake server: reads one request, then misbehaves with `respond`.
fn fake_server(
    path: &Path,
    respond: fn(&mut UnixStream, RequestFrame),
) -> std::thread::JoinHandle<()> {
    let listener = UnixListener::bind(path).expect("bind the fake server");
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let request = read_frame::<RequestFrame>(&mut stream)
            .expect("read")
            .expect("a request");
        respond(&mut stream, request);
    })
}

#[test]
fn malformed_reply_fails_the_call() {
    let (_dir, path) = socket_path();
    let fake = fake_server(&path, |stream, _| {
        stream.write_all(&[0, 0, 0, 2, 0xff, 0xff]).unwrap();
    });
    assert_transport_error(client(&path).echo(&Text("x".into())), "malformed frame");
    fake.join().unwrap();
}

#[test]
fn oversized_reply_fails_the_call() {
    let (_dir, path) = socket_path();
    let fake = fake_server(&path, |stream, _| {
        stream.write_all(&u32::MAX.to_be_bytes()).unwrap();
    });
    assert_transport_error(client(&path).echo(&Text("x".into())), "exceeds");
    fake.join().unwrap();
}

#[test]
fn server_disconnecting_mid_reply_fails_the_call() {
    let (_dir, path) = socket_path();
    let fake = fake_server(&path, |stream, _| {
        stream.write_all(&[0, 0, 0, 50, 1, 2, 3]).unwrap();
    });
    assert_transport_error(client(&path).echo(&Text("x".into())), "mid-frame");
    fake.join().unwrap();
}

#[test]
fn server_closing_without_reply_fails_the_call() {
    let (_dir, path) = socket_path();
    let fake = fake_server(&path, |_, _| {});
    assert_transport_error(client(&path).echo(&Text("x".into())), "closed");
    fake.join().unwrap();
}

#[test]
fn reply_to_an_unknown_id_is_ignored() {
    let (_dir, path) = socket_path();
    let fake = fake_server(&path, |stream, request| {
        let stray = labrpc::socket::ReplyFrame {
            id: request.id + 1000,
            result: Ok(vec![]),
        };
        write_frame(stream, &stray).unwrap();
        let real = labrpc::socket::ReplyFrame {
            id: request.id,
            result: Ok(request.body),
        };
        write_frame(stream, &real).unwrap();
    });
    assert_eq!(client(&path).echo(&Text("x".into())), Ok(Text("x".into())));
    fake.join().unwrap();
}

#[test]
fn shutdown_fails_pending_calls_and_a_new_server_is_reached_again() {
    let (_dir, path) = socket_path();
    let mut server = serve(&path);
    let client = client(&path);
    assert_eq!(client.echo(&Text("first".into())), Ok(Text("first".into())));
    let napper = client.clone();
    let pending = std::thread::spawn(move || napper.nap(&Nap { millis: 500 }));
    std::thread::sleep(Duration::from_millis(100));
    server.shutdown();
    // The handler finishes before shutdown returns, but its reply may race the close.
    let _ = pending.join().unwrap();
    assert!(!path.exists(), "shutdown removes the socket file");
    assert_transport_error(client.echo(&Text("gone".into())), "");
    let _again = serve(&path);
    assert_eq!(client.echo(&Text("back".into())), Ok(Text("back".into())));
}

#[test]
fn stale_socket_file_is_replaced_but_a_live_one_is_not() {
    let (_dir, path) = socket_path();
    drop(UnixListener::bind(&path).unwrap());
    assert!(path.exists(), "a stale socket file is left behind");
    let _server = serve(&path);
    assert_still_serving(&path);
    let second = SocketServer::serve(parrot_server(), &path);
    assert_eq!(
        second.err().map(|error| error.kind()),
        Some(std::io::ErrorKind::AddrInUse)
    );
    assert_still_serving(&path);
}

#[test]
fn call_timeout_bounds_a_stuck_handler() {
    let (_dir, path) = socket_path();
    let _server = serve(&path);
    let impatient =
        EchoClient::new(SocketClient::new(&path).with_call_timeout(Duration::from_millis(100)));
    assert_transport_error(impatient.nap(&Nap { millis: 1000 }), "no reply");
}
