//! Percent-decoding of URL paths and query strings, shared by every service that reads them
//! (Pipes' and S3's paths, query strings, SigV4's canonical query, the console's API), and
//! the encoding IAM answers policy documents in.

use std::fmt::Write as _;

/// Percent-encodes all but RFC 3986's unreserved characters (IAM's policy document encoding;
/// clients decode it with a URL query unescape, so a space must not become `+`).
pub fn encode_unreserved(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Decodes `%XX` escapes to bytes; `+` is a space only with `plus_is_space` (queries, not
/// paths). A `%` not followed by two hex digits stays as it is.
pub fn decode_bytes(s: &str, plus_is_space: bool) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// [`decode_bytes`] as text (bytes that are not UTF-8 become U+FFFD).
pub fn decode(s: &str, plus_is_space: bool) -> String {
    String::from_utf8_lossy(&decode_bytes(s, plus_is_space)).into_owned()
}

/// The decoded `key=value` pairs of a query string, in order (`+` is a space; a key without
/// `=` has an empty value).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (decode(k, true), decode(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_percent_encoded_without_plus() {
        assert_eq!(encode_unreserved("{\"a\": \"b+c~\"}"), "%7B%22a%22%3A%20%22b%2Bc~%22%7D");
    }

    #[test]
    fn decoding() {
        assert_eq!(decode("a%2Fb%20c+d", false), "a/b c+d");
        assert_eq!(decode("a+b%", true), "a b%");
        assert_eq!(decode("%zz%4", false), "%zz%4");
        assert_eq!(decode("a%2", false), "a%2");
        assert_eq!(decode("%+1", false), "%+1");
        assert_eq!(decode_bytes("%FF", false), [0xFF]);
        assert_eq!(
            query_pairs("a=1+2&b&c=%41"),
            vec![("a".into(), "1 2".into()), ("b".into(), "".into()), ("c".into(), "A".into())]
        );
    }
}
