//! KPL de-aggregation: a Kinesis record written by the Kinesis Producer Library with
//! aggregation on holds many user records.
//!
//! Format: the magic `F3 89 9A C2`, a protobuf `AggregatedRecord`, and the 16-byte MD5 of
//! the protobuf bytes:
//!
//! ```text
//! message AggregatedRecord {
//!   repeated string partition_key_table     = 1;
//!   repeated string explicit_hash_key_table = 2;
//!   repeated Record records                 = 3;
//! }
//! message Record {
//!   required uint64 partition_key_index     = 1;
//!   optional uint64 explicit_hash_key_index = 2;
//!   required bytes  data                    = 3;
//!   repeated Tag    tags                    = 4;
//! }
//! message Tag { required string key = 1; optional string value = 2; }
//! ```
//!
//! As the KCL does (`AggregatorUtil.deaggregate`), a record with the magic but a wrong MD5
//! or protobuf bytes that do not parse is passed on whole, as a plain record. kinesin does
//! the same when a partition key or explicit hash key index is out of its table (the KCL
//! logs an error and loses the rest of the aggregate).

use md5::{Digest, Md5};

/// The first bytes of an aggregated record.
pub const MAGIC: [u8; 4] = [0xF3, 0x89, 0x9A, 0xC2];
const DIGEST_LEN: usize = 16;

/// One user record out of an aggregated record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Its partition key.
    pub partition_key: String,
    /// Its explicit hash key, if it had one.
    pub explicit_hash_key: Option<String>,
    /// Payload.
    pub data: Vec<u8>,
}

/// The user records of `data` if it is a well-formed KPL aggregated record, in order (their
/// index is their subsequence number); `None` if it is a plain record.
pub fn deaggregate(data: &[u8]) -> Option<Vec<UserRecord>> {
    let body = data.strip_prefix(&MAGIC)?;
    if body.len() <= DIGEST_LEN {
        return None;
    }
    let (message, digest) = body.split_at(body.len() - DIGEST_LEN);
    if Md5::digest(message).as_slice() != digest {
        return None;
    }
    parse_aggregated(message)
}

/// Builds an aggregated record (for tests and tools): the magic, the protobuf, its MD5.
pub fn aggregate(partition_keys: &[&str], records: &[(u64, &[u8])]) -> Vec<u8> {
    let mut msg = Vec::new();
    for pk in partition_keys {
        put_bytes(&mut msg, 1, pk.as_bytes());
    }
    for (index, data) in records {
        let mut r = Vec::new();
        put_key(&mut r, 1, 0);
        put_varint(&mut r, *index);
        put_bytes(&mut r, 3, data);
        put_bytes(&mut msg, 3, &r);
    }
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&msg);
    out.extend_from_slice(&Md5::digest(&msg));
    out
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_key(out: &mut Vec<u8>, field: u64, wire: u64) {
    put_varint(out, field << 3 | wire);
}

fn put_bytes(out: &mut Vec<u8>, field: u64, b: &[u8]) {
    put_key(out, field, 2);
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

// ---------------------------------------------------------------------------------------
// A minimal protobuf reader: enough for the three messages above.

/// A field's value.
enum Value<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    /// Fixed 32- or 64-bit values (skipped by every message here).
    Fixed,
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let (&b, rest) = self.buf.split_first()?;
            self.buf = rest;
            v |= u64::from(b & 0x7F) << (7 * i);
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.buf.len() < n {
            return None;
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Some(head)
    }

    /// The next field: `Ok(None)` at the end, `Err` on malformed bytes.
    fn field(&mut self) -> Result<Option<(u64, Value<'a>)>, ()> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let key = self.varint().ok_or(())?;
        let (field, wire) = (key >> 3, key & 7);
        if field == 0 {
            return Err(());
        }
        let value = match wire {
            0 => Value::Varint(self.varint().ok_or(())?),
            1 => self.take(8).map(|_| Value::Fixed).ok_or(())?,
            2 => {
                let n = usize::try_from(self.varint().ok_or(())?).map_err(|_| ())?;
                Value::Bytes(self.take(n).ok_or(())?)
            }
            5 => self.take(4).map(|_| Value::Fixed).ok_or(())?,
            // Groups (3, 4) are not used by these messages; 6 and 7 do not exist.
            _ => return Err(()),
        };
        Ok(Some((field, value)))
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

struct RawRecord {
    pk_index: u64,
    ehk_index: Option<u64>,
    data: Vec<u8>,
}

fn parse_record(b: &[u8]) -> Option<RawRecord> {
    let mut r = Reader { buf: b };
    let (mut pk_index, mut ehk_index, mut data) = (None, None, None);
    while let Some((field, v)) = r.field().ok()? {
        match (field, v) {
            (1, Value::Varint(i)) => pk_index = Some(i),
            (2, Value::Varint(i)) => ehk_index = Some(i),
            (3, Value::Bytes(d)) => data = Some(d.to_vec()),
            (4, Value::Bytes(t)) => parse_tag(t)?,
            (1..=4, _) => return None,
            _ => {}
        }
    }
    Some(RawRecord { pk_index: pk_index?, ehk_index, data: data? })
}

/// Checks a tag (tags are not passed on).
fn parse_tag(b: &[u8]) -> Option<()> {
    let mut r = Reader { buf: b };
    let mut key = false;
    while let Some((field, v)) = r.field().ok()? {
        match (field, v) {
            (1, Value::Bytes(_)) => key = true,
            (2, Value::Bytes(_)) => {}
            (1 | 2, _) => return None,
            _ => {}
        }
    }
    key.then_some(())
}

fn parse_aggregated(b: &[u8]) -> Option<Vec<UserRecord>> {
    let mut r = Reader { buf: b };
    let (mut pks, mut ehks, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    while let Some((field, v)) = r.field().ok()? {
        match (field, v) {
            (1, Value::Bytes(s)) => pks.push(text(s)),
            (2, Value::Bytes(s)) => ehks.push(text(s)),
            (3, Value::Bytes(m)) => raw.push(parse_record(m)?),
            (1..=3, _) => return None,
            _ => {}
        }
    }
    raw.into_iter()
        .map(|r| {
            let partition_key = pks.get(usize::try_from(r.pk_index).ok()?)?.clone();
            let explicit_hash_key = match r.ehk_index {
                Some(i) => Some(ehks.get(usize::try_from(i).ok()?)?.clone()),
                None => None,
            };
            Some(UserRecord { partition_key, explicit_hash_key, data: r.data })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(pk: &str, data: &[u8]) -> UserRecord {
        UserRecord { partition_key: pk.into(), explicit_hash_key: None, data: data.to_vec() }
    }

    #[test]
    fn round_trip() {
        let agg = aggregate(&["a", "b"], &[(0, b"one"), (1, b"two"), (0, b"")]);
        assert_eq!(deaggregate(&agg).unwrap(), vec![user("a", b"one"), user("b", b"two"), user("a", b"")]);
    }

    #[test]
    fn plain_records_are_not_aggregated() {
        assert_eq!(deaggregate(b"hello"), None);
        assert_eq!(deaggregate(&MAGIC), None);
        // Magic and no more than a digest.
        let mut short = MAGIC.to_vec();
        short.extend_from_slice(&[0u8; 16]);
        assert_eq!(deaggregate(&short), None);
    }

    #[test]
    fn a_bad_digest_or_protobuf_means_a_plain_record() {
        let mut agg = aggregate(&["a"], &[(0, b"x")]);
        let last = agg.len() - 1;
        agg[last] ^= 1;
        assert_eq!(deaggregate(&agg), None);
        // Valid digest over bytes that are not an AggregatedRecord: a truncated varint.
        let msg = [0x0A, 0x85];
        let mut bad = MAGIC.to_vec();
        bad.extend_from_slice(&msg);
        bad.extend_from_slice(&Md5::digest(msg));
        assert_eq!(deaggregate(&bad), None);
        // A record without its required data, and one whose partition key is missing.
        let mut m = Vec::new();
        put_bytes(&mut m, 1, b"a");
        put_bytes(&mut m, 3, &[0x08, 0x00]);
        let mut bad = MAGIC.to_vec();
        bad.extend_from_slice(&m);
        bad.extend_from_slice(&Md5::digest(&m));
        assert_eq!(deaggregate(&bad), None);
        assert_eq!(deaggregate(&aggregate(&["a"], &[(1, b"x")])), None);
    }

    #[test]
    fn explicit_hash_keys_tags_and_unknown_fields() {
        let mut rec = Vec::new();
        put_key(&mut rec, 1, 0);
        put_varint(&mut rec, 0);
        put_key(&mut rec, 2, 0);
        put_varint(&mut rec, 0);
        put_bytes(&mut rec, 3, b"payload");
        let mut tag = Vec::new();
        put_bytes(&mut tag, 1, b"k");
        put_bytes(&mut tag, 2, b"v");
        put_bytes(&mut rec, 4, &tag);
        // An unknown fixed64 field is skipped.
        put_key(&mut rec, 9, 1);
        rec.extend_from_slice(&[0; 8]);
        let mut m = Vec::new();
        put_bytes(&mut m, 1, b"pk");
        put_bytes(&mut m, 2, b"340282366920938463463374607431768211455");
        put_bytes(&mut m, 3, &rec);
        let mut agg = MAGIC.to_vec();
        agg.extend_from_slice(&m);
        agg.extend_from_slice(&Md5::digest(&m));
        let out = deaggregate(&agg).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].explicit_hash_key.as_deref(), Some("340282366920938463463374607431768211455"));
        assert_eq!(out[0].data, b"payload");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..2_000 {
            let n = rng.usize(0..64);
            let mut msg: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
            if rng.bool() {
                // A valid AggregatedRecord with one byte changed.
                let agg = aggregate(&["a", "b"], &[(0, &msg), (1, b"x")]);
                msg = agg[MAGIC.len()..agg.len() - DIGEST_LEN].to_vec();
                let i = rng.usize(..msg.len());
                msg[i] = rng.u8(..);
            }
            let mut agg = MAGIC.to_vec();
            agg.extend_from_slice(&msg);
            agg.extend_from_slice(&Md5::digest(&msg));
            let _ = deaggregate(&agg);
        }
    }
}
