//! Opaque, authenticated tokens: shard iterators and paging tokens.
//!
//! A token is `base64(kind | payload | mac)`, where `mac` is the first 8 bytes of
//! MD5(secret | kind | payload). A changed byte makes it invalid; the issue time inside
//! lets the caller check expiry.

use md5::{Digest, Md5};

/// Token kinds.
pub const SHARD_ITERATOR: u8 = 1;
/// ListShards paging.
pub const LIST_SHARDS: u8 = 2;
/// ListStreams paging.
pub const LIST_STREAMS: u8 = 3;

fn mac(secret: &[u8; 16], kind: u8, payload: &[u8]) -> [u8; 8] {
    let mut h = Md5::new();
    h.update(secret);
    h.update([kind]);
    h.update(payload);
    let d: [u8; 16] = h.finalize().into();
    let mut m = [0u8; 8];
    m.copy_from_slice(&d[..8]);
    m
}

/// Seals a payload.
pub fn seal(secret: &[u8; 16], kind: u8, payload: &[u8]) -> String {
    let mut buf = Vec::with_capacity(payload.len() + 9);
    buf.push(kind);
    buf.extend_from_slice(payload);
    buf.extend_from_slice(&mac(secret, kind, payload));
    aws_smithy_types::base64::encode(&buf)
}

/// Opens a sealed token of `kind`; `None` if it is malformed, of another kind or altered.
pub fn open(secret: &[u8; 16], kind: u8, token: &str) -> Option<Vec<u8>> {
    let buf = aws_smithy_types::base64::decode(token).ok()?;
    if buf.len() < 9 || buf[0] != kind {
        return None;
    }
    let (payload, tag) = buf[1..].split_at(buf.len() - 9);
    (mac(secret, kind, payload)[..] == tag[..]).then(|| payload.to_vec())
}

/// Little helper to write and read fixed-width integers in payloads.
#[derive(Default)]
pub struct Fields(pub Vec<u8>);

impl Fields {
    /// Appends an i64.
    pub fn i64(mut self, v: i64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Appends a length-prefixed string.
    pub fn str(mut self, s: &str) -> Self {
        self.0.extend_from_slice(&(s.len() as u32).to_be_bytes());
        self.0.extend_from_slice(s.as_bytes());
        self
    }
}

/// Reads what [`Fields`] wrote.
pub struct Reader<'a>(pub &'a [u8]);

impl Reader<'_> {
    /// Reads an i64.
    pub fn i64(&mut self) -> Option<i64> {
        let (head, rest) = self.0.split_at_checked(8)?;
        self.0 = rest;
        Some(i64::from_be_bytes(head.try_into().ok()?))
    }

    /// Reads a length-prefixed string.
    pub fn str(&mut self) -> Option<String> {
        let (len, rest) = self.0.split_at_checked(4)?;
        let len = u32::from_be_bytes(len.try_into().ok()?) as usize;
        let (s, rest) = rest.split_at_checked(len)?;
        self.0 = rest;
        String::from_utf8(s.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let secret = [7u8; 16];
        let t = seal(&secret, SHARD_ITERATOR, &Fields::default().i64(5).i64(-9).str("x").0);
        let p = open(&secret, SHARD_ITERATOR, &t).unwrap();
        let mut r = Reader(&p);
        assert_eq!((r.i64(), r.i64(), r.str()), (Some(5), Some(-9), Some("x".into())));
        assert!(open(&secret, LIST_SHARDS, &t).is_none());
        assert!(open(&[8u8; 16], SHARD_ITERATOR, &t).is_none());
        let mut raw = aws_smithy_types::base64::decode(&t).unwrap();
        for i in 0..raw.len() {
            raw[i] ^= 1;
            assert!(open(&secret, SHARD_ITERATOR, &aws_smithy_types::base64::encode(&raw)).is_none());
            raw[i] ^= 1;
        }
        assert!(open(&secret, SHARD_ITERATOR, "not base64!").is_none());
        assert!(open(&secret, SHARD_ITERATOR, "").is_none());
    }
}
