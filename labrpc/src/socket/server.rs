//! `SocketServer`: serves a [`Server`]'s services on a Unix-domain socket.
//!
//! Threads: one accept loop; per connection one reader, which runs each request on a thread
//! of its own (scoped to the reader, so the reader joins them all before it returns) and
//! writes replies under a lock. A frame the reader cannot read closes that connection only.

use std::io::{self, BufReader, BufWriter, ErrorKind};
use std::net::Shutdown;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;

use super::frame::{read_frame, write_frame, ReplyFrame, RequestFrame};
use crate::service::Server;

/// How often the accept loop checks for shutdown while no client is connecting.
///
/// The listener is non-blocking so that `shutdown` never depends on a wake-up connection
/// (which fails if someone removed the socket file); 10 ms keeps shutdown prompt at a
/// negligible cost.
const ACCEPT_POLL_INTERVAL: Duration = Duration::from_millis(10);

/// A running socket server; dropping it shuts it down.
pub struct SocketServer {
    /// The socket file, removed at shutdown.
    path: PathBuf,
    /// State shared with the accept loop.
    shared: Arc<Shared>,
    /// The accept loop, joined at shutdown.
    accept_loop: Option<JoinHandle<()>>,
}

/// What the accept loop and `shutdown` share.
struct Shared {
    /// The services.
    server: Arc<Server>,
    /// Set by `shutdown`.
    stopping: AtomicBool,
    /// How many connections were accepted, for tests and logs.
    accepted: AtomicU64,
    /// Every connection not yet known to be finished: a handle to shut it, and its reader.
    connections: Mutex<Vec<(UnixStream, JoinHandle<()>)>>,
}

impl SocketServer {
    /// Serves `server` at `path`.
    ///
    /// A socket file already at `path` is replaced if nobody listens on it (a crashed
    /// server's leftover); if a server does answer there, this fails with
    /// `ErrorKind::AddrInUse` rather than steal its address.
    pub fn serve(server: Arc<Server>, path: impl AsRef<Path>) -> io::Result<SocketServer> {
        let path = path.as_ref().to_path_buf();
        remove_stale_socket(&path)?;
        let listener = UnixListener::bind(&path)?;
        listener.set_nonblocking(true)?;
        let shared = Arc::new(Shared {
            server,
            stopping: AtomicBool::new(false),
            accepted: AtomicU64::new(0),
            connections: Mutex::new(Vec::new()),
        });
        let loop_shared = Arc::clone(&shared);
        let accept_loop = std::thread::Builder::new()
            .name("labrpc-socket-accept".to_string())
            .spawn(move || accept_loop(listener, &loop_shared))?;
        Ok(SocketServer {
            path,
            shared,
            accept_loop: Some(accept_loop),
        })
    }

    /// The socket path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many connections the server has accepted so far.
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// Stops accepting, closes every connection, waits for running handlers and every
    /// thread, and removes the socket file. Idempotent.
    pub fn shutdown(&mut self) {
        let Some(accept_loop) = self.accept_loop.take() else {
            return;
        };
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = accept_loop.join();
        let connections = std::mem::take(&mut *self.shared.connections.lock());
        for (stream, _) in &connections {
            let _ = stream.shutdown(Shutdown::Both);
        }
        for (_, reader) in connections {
            let _ = reader.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for SocketServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Removes a socket file at `path` that nobody listens on.
fn remove_stale_socket(path: &Path) -> io::Result<()> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    if UnixStream::connect(path).is_ok() {
        return Err(io::Error::new(
            ErrorKind::AddrInUse,
            format!("a server is already listening at {}", path.display()),
        ));
    }
    log::info!("removing stale socket {}", path.display());
    std::fs::remove_file(path)
}

/// Accepts connections until shutdown, starting a reader for each.
fn accept_loop(listener: UnixListener, shared: &Arc<Shared>) {
    while !shared.stopping.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(error) = start_connection(stream, shared) {
                    log::warn!("socket server could not start a connection: {error}");
                }
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(ACCEPT_POLL_INTERVAL)
            }
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => {
                log::warn!("socket server accept failed: {error}");
                std::thread::sleep(ACCEPT_POLL_INTERVAL)
            }
        }
    }
}

/// Starts the reader thread of one accepted connection and records it.
fn start_connection(stream: UnixStream, shared: &Arc<Shared>) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    let handle = stream.try_clone()?;
    let server = Arc::clone(&shared.server);
    let reader = std::thread::Builder::new()
        .name("labrpc-socket-connection".to_string())
        .spawn(move || serve_connection(stream, &server))?;
    shared.accepted.fetch_add(1, Ordering::Relaxed);
    let mut connections = shared.connections.lock();
    connections.retain(|(_, reader)| !reader.is_finished());
    connections.push((handle, reader));
    Ok(())
}

/// Reads request frames until the peer leaves or sends a bad frame, running each request on
/// its own scoped thread; returns once every handler has finished.
fn serve_connection(stream: UnixStream, server: &Server) {
    let writer = match stream.try_clone() {
        Ok(write_half) => Mutex::new(BufWriter::new(write_half)),
        Err(error) => return log::warn!("socket server connection unusable: {error}"),
    };
    let mut reader = BufReader::new(&stream);
    std::thread::scope(|scope| loop {
        match read_frame::<RequestFrame>(&mut reader) {
            Ok(Some(request)) => {
                let writer = &writer;
                scope.spawn(move || answer(server, request, writer));
            }
            Ok(None) => break,
            Err(error) => {
                log::warn!("socket server closing a connection: {error}");
                let _ = stream.shutdown(Shutdown::Both);
                break;
            }
        }
    });
}

/// Runs one request and writes its reply; a failed write means the client left.
fn answer(server: &Server, request: RequestFrame, writer: &Mutex<BufWriter<UnixStream>>) {
    let result = server.dispatch(&request.method, &request.body);
    let reply = ReplyFrame {
        id: request.id,
        result: result.map_err(Into::into),
    };
    if let Err(error) = write_frame(&mut *writer.lock(), &reply) {
        log::debug!("socket server could not send reply {}: {error}", request.id);
    }
}
