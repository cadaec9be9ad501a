//! `application/vnd.amazon.eventstream` framing, as SubscribeToShard answers with it.
//!
//! A message is: total length (u32), headers length (u32), CRC32 of those 8 bytes, the
//! headers (name length u8, name, value type u8 — 7 for string — value length u16, value),
//! the payload, and the CRC32 of everything before it. All integers big-endian.

/// Content type of an event-stream response.
pub const CONTENT_TYPE: &str = "application/vnd.amazon.eventstream";

/// Largest frame the decoder accepts (AWS's limit is 16 MiB).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

const STRING: u8 = 7;

/// One event-stream message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// String headers, in order.
    pub headers: Vec<(String, String)>,
    /// The payload.
    pub payload: Vec<u8>,
}

impl Message {
    /// An `event` message of `event_type` with a payload of `content_type`.
    pub fn event(event_type: &str, content_type: &str, payload: Vec<u8>) -> Self {
        Self {
            headers: vec![
                (":message-type".into(), "event".into()),
                (":event-type".into(), event_type.into()),
                (":content-type".into(), content_type.into()),
            ],
            payload,
        }
    }

    /// An `exception` message for the modelled error `code`.
    pub fn exception(code: &str, content_type: &str, payload: Vec<u8>) -> Self {
        Self {
            headers: vec![
                (":message-type".into(), "exception".into()),
                (":exception-type".into(), code.into()),
                (":content-type".into(), content_type.into()),
            ],
            payload,
        }
    }

    /// The value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Encodes the message as one frame.
    pub fn encode(&self) -> Vec<u8> {
        let headers_len: usize = self.headers.iter().map(|(n, v)| 1 + n.len() + 1 + 2 + v.len()).sum();
        let total = 12 + headers_len + self.payload.len() + 4;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_be_bytes());
        out.extend_from_slice(&(headers_len as u32).to_be_bytes());
        let prelude_crc = crc32fast::hash(&out);
        out.extend_from_slice(&prelude_crc.to_be_bytes());
        for (n, v) in &self.headers {
            out.push(n.len() as u8);
            out.extend_from_slice(n.as_bytes());
            out.push(STRING);
            out.extend_from_slice(&(v.len() as u16).to_be_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        out.extend_from_slice(&self.payload);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }
}

/// Why a frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// More bytes are needed.
    Incomplete,
    /// The frame is malformed (bad lengths, checksums or header types).
    Invalid(&'static str),
}

/// Decodes the first frame of `buf`; returns it and the number of bytes it took.
pub fn decode(buf: &[u8]) -> Result<(Message, usize), FrameError> {
    if buf.len() < 12 {
        return Err(FrameError::Incomplete);
    }
    let total = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    let headers_len = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) as usize;
    let prelude_crc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
    if crc32fast::hash(&buf[..8]) != prelude_crc {
        return Err(FrameError::Invalid("prelude checksum mismatch"));
    }
    if !(16..=MAX_FRAME).contains(&total) || headers_len > total - 16 {
        return Err(FrameError::Invalid("bad frame lengths"));
    }
    if buf.len() < total {
        return Err(FrameError::Incomplete);
    }
    let crc = u32::from_be_bytes([buf[total - 4], buf[total - 3], buf[total - 2], buf[total - 1]]);
    if crc32fast::hash(&buf[..total - 4]) != crc {
        return Err(FrameError::Invalid("message checksum mismatch"));
    }
    let mut h = &buf[12..12 + headers_len];
    let mut headers = Vec::new();
    while !h.is_empty() {
        let n = h[0] as usize;
        let name = h.get(1..1 + n).ok_or(FrameError::Invalid("truncated header name"))?;
        let ty = *h.get(1 + n).ok_or(FrameError::Invalid("truncated header"))?;
        if ty != STRING {
            return Err(FrameError::Invalid("only string headers are supported"));
        }
        let len_bytes = h.get(2 + n..4 + n).ok_or(FrameError::Invalid("truncated header"))?;
        let len = u16::from_be_bytes([len_bytes[0], len_bytes[1]]) as usize;
        let value = h.get(4 + n..4 + n + len).ok_or(FrameError::Invalid("truncated header value"))?;
        headers.push((
            String::from_utf8(name.to_vec()).map_err(|_| FrameError::Invalid("header name is not UTF-8"))?,
            String::from_utf8(value.to_vec()).map_err(|_| FrameError::Invalid("header value is not UTF-8"))?,
        ));
        h = &h[4 + n + len..];
    }
    let payload = buf[12 + headers_len..total - 4].to_vec();
    Ok((Message { headers, payload }, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let m = Message::event("SubscribeToShardEvent", "application/json", br#"{"Records":[]}"#.to_vec());
        let bytes = m.encode();
        assert_eq!(decode(&bytes), Ok((m.clone(), bytes.len())));
        for i in 0..bytes.len() {
            assert!(decode(&bytes[..i]).is_err(), "{i} bytes");
        }
        let mut bad = bytes.clone();
        let last = bad.len() - 5;
        bad[last] ^= 1;
        assert_eq!(decode(&bad), Err(FrameError::Invalid("message checksum mismatch")));
        assert_eq!(m.header(":event-type"), Some("SubscribeToShardEvent"));
    }

    #[test]
    fn known_vector() {
        // An empty message with no headers: total 16, headers 0.
        let empty = Message { headers: vec![], payload: vec![] }.encode();
        assert_eq!(&empty[..8], &[0, 0, 0, 16, 0, 0, 0, 0]);
        assert_eq!(u32::from_be_bytes(empty[8..12].try_into().unwrap()), 0x05c2_48eb);
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = 0x1234_5678_u64;
        for _ in 0..20_000 {
            let len = (rng % 64) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    rng as u8
                })
                .collect();
            let _ = decode(&bytes);
        }
    }
}
