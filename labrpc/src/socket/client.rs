//! `SocketClient`: an [`Endpoint`] that sends calls over one Unix-socket connection.
//!
//! The client dials on its first call and keeps the connection. Callers write their request
//! frames under a lock and then wait on a channel of their own; one reader thread reads reply
//! frames and hands each to the caller waiting for its id. When the connection breaks, the
//! reader fails every pending call with the reason and marks the connection dead, and the next
//! call dials again.

use std::collections::HashMap;
use std::io::{BufReader, BufWriter};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};
use parking_lot::Mutex;

use super::frame::{read_frame, write_frame, ReplyFrame, RequestFrame};
use crate::error::RpcError;
use crate::service::Endpoint;

/// How long a call waits for its reply by default before failing.
///
/// Handlers in the labs answer in milliseconds; a minute without a reply on a live
/// connection means a stuck server, and a call must always return.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The outcome handed to a waiting caller.
type CallResult = Result<Vec<u8>, RpcError>;

/// A client for a [`SocketServer`](super::SocketServer), usable by any generated client.
pub struct SocketClient {
    /// The socket to dial.
    path: PathBuf,
    /// The live connection, if any; replaced when it breaks.
    connection: Mutex<Option<Arc<Connection>>>,
    /// The next request id; ids are never reused by one client.
    next_id: AtomicU64,
    /// How long a call waits for its reply.
    call_timeout: Duration,
}

/// One open connection and the calls waiting on it.
struct Connection {
    /// The write half; the lock keeps frames from interleaving.
    writer: Mutex<BufWriter<UnixStream>>,
    /// Calls in flight, and whether the connection has died (shared with the reader).
    pending: Arc<Mutex<Pending>>,
    /// A handle used only to shut the socket down so the reader wakes up.
    stream: UnixStream,
    /// The reader thread, joined when the connection is dropped.
    reader: Option<JoinHandle<()>>,
}

/// The calls waiting for replies on one connection.
#[derive(Default)]
struct Pending {
    /// Reply channel per request id.
    calls: HashMap<u64, Sender<CallResult>>,
    /// Set when the reader stopped: why the connection is dead.
    dead: Option<String>,
}

impl SocketClient {
    /// A client for the socket at `path`. Does not dial yet: the first call does, so a
    /// client can be made before its server is up.
    pub fn new(path: impl AsRef<Path>) -> SocketClient {
        SocketClient {
            path: path.as_ref().to_path_buf(),
            connection: Mutex::new(None),
            next_id: AtomicU64::new(1),
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// The same client with a different call timeout.
    pub fn with_call_timeout(mut self, call_timeout: Duration) -> SocketClient {
        self.call_timeout = call_timeout;
        self
    }

    /// Dials now instead of on the first call; fails if nobody listens at the path.
    pub fn connect(&self) -> Result<(), RpcError> {
        self.live_connection().map(|_| ())
    }

    /// The current connection, dialing a new one if there is none or it died.
    fn live_connection(&self) -> Result<Arc<Connection>, RpcError> {
        let mut slot = self.connection.lock();
        if let Some(connection) = slot.as_ref() {
            if connection.pending.lock().dead.is_none() {
                return Ok(Arc::clone(connection));
            }
        }
        let connection = Arc::new(Connection::dial(&self.path)?);
        *slot = Some(Arc::clone(&connection));
        Ok(connection)
    }
}

impl Endpoint for SocketClient {
    #[track_caller]
    fn call_bytes(&self, service_method: &str, request: Vec<u8>) -> Result<Vec<u8>, RpcError> {
        let connection = self.live_connection()?;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let reply = connection.register(id)?;
        let frame = RequestFrame {
            id,
            method: service_method.to_string(),
            body: request,
        };
        if let Err(error) = write_frame(&mut *connection.writer.lock(), &frame) {
            connection.pending.lock().calls.remove(&id);
            connection.kill();
            return Err(error.into());
        }
        match reply.recv_timeout(self.call_timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => {
                connection.pending.lock().calls.remove(&id);
                Err(RpcError::Transport(format!(
                    "no reply to {service_method} within {:?}",
                    self.call_timeout
                )))
            }
            Err(RecvTimeoutError::Disconnected) => Err(RpcError::Transport(
                "connection closed before the reply arrived".to_string(),
            )),
        }
    }
}

impl std::fmt::Debug for SocketClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SocketClient({})", self.path.display())
    }
}

impl Connection {
    /// Connects to `path` and starts the reader thread.
    fn dial(path: &Path) -> Result<Connection, RpcError> {
        let stream = UnixStream::connect(path).map_err(|error| {
            RpcError::Transport(format!("cannot connect to {}: {error}", path.display()))
        })?;
        let transport = |error: std::io::Error| RpcError::Transport(error.to_string());
        let read_half = stream.try_clone().map_err(transport)?;
        let write_half = stream.try_clone().map_err(transport)?;
        let pending = Arc::new(Mutex::new(Pending::default()));
        let reader_pending = Arc::clone(&pending);
        let reader = std::thread::Builder::new()
            .name("labrpc-socket-client".to_string())
            .spawn(move || read_replies(read_half, &reader_pending))
            .map_err(transport)?;
        Ok(Connection {
            writer: Mutex::new(BufWriter::new(write_half)),
            pending,
            stream,
            reader: Some(reader),
        })
    }

    /// Records a call in flight; fails if the connection already died.
    fn register(&self, id: u64) -> Result<crossbeam_channel::Receiver<CallResult>, RpcError> {
        let (sender, receiver) = bounded(1);
        let mut pending = self.pending.lock();
        if let Some(reason) = &pending.dead {
            return Err(RpcError::Transport(reason.clone()));
        }
        pending.calls.insert(id, sender);
        Ok(receiver)
    }

    /// Shuts the socket so the reader stops and fails every pending call.
    fn kill(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.kill();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// The reader thread: hands each reply to its caller until the connection ends, then fails
/// every call still pending with the reason.
fn read_replies(stream: UnixStream, pending: &Mutex<Pending>) {
    let mut reader = BufReader::new(stream);
    let reason = loop {
        match read_frame::<ReplyFrame>(&mut reader) {
            Ok(Some(reply)) => deliver(pending, reply),
            Ok(None) => break "the server closed the connection".to_string(),
            Err(error) => break format!("bad reply from the server: {error}"),
        }
    };
    log::debug!("socket client connection ended: {reason}");
    let mut pending = pending.lock();
    for (_, caller) in pending.calls.drain() {
        let _ = caller.send(Err(RpcError::Transport(reason.clone())));
    }
    pending.dead = Some(reason);
}

/// Hands one reply to the caller waiting for its id; a reply nobody waits for (the caller
/// timed out) is dropped.
fn deliver(pending: &Mutex<Pending>, reply: ReplyFrame) {
    let caller = pending.lock().calls.remove(&reply.id);
    match caller {
        Some(caller) => {
            let _ = caller.send(reply.result.map_err(RpcError::from));
        }
        None => log::debug!("dropping reply {} that nobody waits for", reply.id),
    }
}
