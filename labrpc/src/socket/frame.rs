//! Frames: a 4-byte big-endian length and one labcodec-encoded value.
//!
//! Reading a frame never panics and never allocates more than [`MAX_FRAME_LEN`] bytes,
//! whatever the peer sends; every way a frame can be wrong is a [`FrameError`].

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::RpcError;

/// The largest frame body either side accepts: 16 MiB.
///
/// MapReduce messages are a few hundred bytes and the largest lab payload is a few
/// megabytes; a larger length is a corrupt or hostile prefix, refused before any allocation.
pub const MAX_FRAME_LEN: usize = 16 << 20;

/// The bytes of the length prefix.
const LENGTH_PREFIX_LEN: usize = 4;

/// One call, client to server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestFrame {
    /// Chosen by the client, unique among its calls in flight; the reply carries it back.
    pub id: u64,
    /// `"Service.method"`.
    pub method: String,
    /// The labcodec-encoded arguments.
    pub body: Vec<u8>,
}

/// One reply, server to client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyFrame {
    /// The id of the request this answers.
    pub id: u64,
    /// The labcodec-encoded reply, or why the handler produced none.
    pub result: Result<Vec<u8>, WireError>,
}

/// Why the server produced no reply, in a form that crosses the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum WireError {
    /// No such service or method.
    UnknownMethod {
        /// The name that was called.
        name: String,
        /// Every `"Service.method"` the server hosts.
        valid: Vec<String>,
    },
    /// The arguments did not decode as the method's argument type.
    Codec(String),
    /// Any other failure, described.
    Other(String),
}

impl From<RpcError> for WireError {
    fn from(error: RpcError) -> WireError {
        match error {
            RpcError::UnknownMethod { name, valid } => WireError::UnknownMethod { name, valid },
            RpcError::Codec(codec) => WireError::Codec(codec.to_string()),
            other => WireError::Other(other.to_string()),
        }
    }
}

impl From<WireError> for RpcError {
    fn from(error: WireError) -> RpcError {
        match error {
            WireError::UnknownMethod { name, valid } => RpcError::UnknownMethod { name, valid },
            WireError::Codec(reason) => RpcError::Codec(labcodec::Error::Malformed { reason }),
            WireError::Other(reason) => RpcError::Transport(reason),
        }
    }
}

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The length prefix exceeds [`MAX_FRAME_LEN`]; the body was not read.
    #[error("frame of {len} bytes exceeds the {limit}-byte limit")]
    Oversized {
        /// The announced length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The peer closed the connection inside a frame.
    #[error("peer disconnected mid-frame after {received} of {expected} bytes")]
    Truncated {
        /// Bytes of the prefix or body that did arrive.
        received: usize,
        /// Bytes that were expected.
        expected: usize,
    },
    /// The body is not an encoding of the expected frame type.
    #[error("malformed frame: {0}")]
    Malformed(#[from] labcodec::Error),
    /// The socket failed.
    #[error("socket error: {0}")]
    Io(#[from] io::Error),
}

impl From<FrameError> for RpcError {
    fn from(error: FrameError) -> RpcError {
        RpcError::Transport(error.to_string())
    }
}

/// Encodes `frame` and writes it, length first, in one `write_all`.
pub fn write_frame<T: Serialize>(writer: &mut impl Write, frame: &T) -> Result<(), FrameError> {
    let body = labcodec::encode(frame);
    if body.len() > MAX_FRAME_LEN {
        return Err(FrameError::Oversized {
            len: body.len(),
            limit: MAX_FRAME_LEN,
        });
    }
    let mut bytes = Vec::with_capacity(LENGTH_PREFIX_LEN + body.len());
    bytes.extend_from_slice(&(body.len() as u32).to_be_bytes());
    bytes.extend_from_slice(&body);
    writer.write_all(&bytes)?;
    writer.flush()?;
    Ok(())
}

/// Reads one frame. `Ok(None)` means the peer closed the connection cleanly between frames.
pub fn read_frame<T: DeserializeOwned>(reader: &mut impl Read) -> Result<Option<T>, FrameError> {
    let mut prefix = [0u8; LENGTH_PREFIX_LEN];
    let received = read_full(reader, &mut prefix)?;
    if received == 0 {
        return Ok(None);
    }
    if received < LENGTH_PREFIX_LEN {
        return Err(FrameError::Truncated {
            received,
            expected: LENGTH_PREFIX_LEN,
        });
    }
    let len = u32::from_be_bytes(prefix) as usize;
    if len > MAX_FRAME_LEN {
        return Err(FrameError::Oversized {
            len,
            limit: MAX_FRAME_LEN,
        });
    }
    let mut body = vec![0u8; len];
    let received = read_full(reader, &mut body)?;
    if received < len {
        return Err(FrameError::Truncated {
            received,
            expected: len,
        });
    }
    Ok(Some(labcodec::decode(&body)?))
}

/// Fills `buffer` unless the stream ends first; returns how many bytes arrived.
fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RequestFrame {
        RequestFrame {
            id: 7,
            method: "Echo.echo".to_string(),
            body: vec![1, 2, 3],
        }
    }

    fn framed(frame: &RequestFrame) -> Vec<u8> {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, frame).unwrap();
        bytes
    }

    #[test]
    fn round_trips_a_request() {
        let bytes = framed(&request());
        let read: Option<RequestFrame> = read_frame(&mut bytes.as_slice()).unwrap();
        assert_eq!(read, Some(request()));
    }

    #[test]
    fn clean_end_between_frames_is_none() {
        let read: Option<RequestFrame> = read_frame(&mut [].as_slice()).unwrap();
        assert_eq!(read, None);
    }

    #[test]
    fn end_inside_the_prefix_is_truncated() {
        let result = read_frame::<RequestFrame>(&mut [0u8, 0].as_slice());
        assert!(matches!(
            result,
            Err(FrameError::Truncated {
                received: 2,
                expected: 4
            })
        ));
    }

    #[test]
    fn end_inside_the_body_is_truncated() {
        let bytes = framed(&request());
        let result = read_frame::<RequestFrame>(&mut &bytes[..bytes.len() - 1]);
        assert!(matches!(result, Err(FrameError::Truncated { .. })));
    }

    #[test]
    fn oversized_length_is_refused_before_reading() {
        let bytes = u32::MAX.to_be_bytes();
        let result = read_frame::<RequestFrame>(&mut bytes.as_slice());
        assert!(matches!(result, Err(FrameError::Oversized { .. })));
    }

    #[test]
    fn garbage_body_is_malformed() {
        let mut bytes = 3u32.to_be_bytes().to_vec();
        bytes.extend_from_slice(&[0xff, 0xff, 0xff]);
        let result = read_frame::<RequestFrame>(&mut bytes.as_slice());
        assert!(matches!(result, Err(FrameError::Malformed(_))));
    }

    #[test]
    fn empty_body_is_malformed() {
        let bytes = 0u32.to_be_bytes();
        let result = read_frame::<RequestFrame>(&mut bytes.as_slice());
        assert!(matches!(result, Err(FrameError::Malformed(_))));
    }
}
