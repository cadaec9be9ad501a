//! The bucket and key a request names: path-style `/<bucket>/<key>` or virtual-host
//! `<bucket>.localhost[:port]` with the key as the whole path. Path parts are percent-decoded
//! strictly (bytes that are not UTF-8 are `InvalidURI`, never collapsed into U+FFFD), and keys
//! written are at most 1,024 bytes.

use super::Error;
use crate::percent;

/// S3's limit on the UTF-8 length of a key.
pub const MAX_KEY_BYTES: usize = 1024;

/// What a request's path (and `Host`) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The bucket; `None` for the service (`GET /`: ListBuckets).
    pub bucket: Option<String>,
    /// The key; empty for a bucket request.
    pub key: String,
}

/// The bucket and key of a request for `path` (not decoded, without the query) sent to
/// `host` (the `Host` header, when it is text).
pub fn parse(path: &str, host: Option<&str>) -> Result<Target, Error> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    if let Some(bucket) = host.and_then(virtual_bucket) {
        return Ok(Target { bucket: Some(bucket.to_string()), key: decode_path(rest)? });
    }
    Ok(match rest.split_once('/') {
        Some((b, k)) => Target { bucket: Some(decode_path(b)?), key: decode_path(k)? },
        None if rest.is_empty() => Target { bucket: None, key: String::new() },
        None => Target { bucket: Some(decode_path(rest)?), key: String::new() },
    })
}

/// The bucket of a virtual-host `Host`: `<bucket>.localhost[:port]` (also
/// `<bucket>.s3.localhost` and LocalStack's `<bucket>.s3.localhost.localstack.cloud`).
pub fn virtual_bucket(host: &str) -> Option<&str> {
    let host = host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
    let bucket = host.strip_suffix(".localhost").or_else(|| host.strip_suffix(".localhost.localstack.cloud"))?;
    let bucket = bucket.strip_suffix(".s3").unwrap_or(bucket);
    (!bucket.is_empty() && bucket != "s3").then_some(bucket)
}

/// Percent-decodes a path part; bytes that are not UTF-8 are S3's `InvalidURI`.
pub fn decode_path(s: &str) -> Result<String, Error> {
    String::from_utf8(percent::decode_bytes(s, false)).map_err(|_| Error::InvalidUri)
}

/// `KeyTooLongError` for keys over 1,024 bytes.
pub fn check_key(key: &str) -> Result<(), Error> {
    if key.len() > MAX_KEY_BYTES {
        return Err(Error::KeyTooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(bucket: Option<&str>, key: &str) -> Target {
        Target { bucket: bucket.map(str::to_string), key: key.to_string() }
    }

    #[test]
    fn path_style_and_virtual_host() {
        assert_eq!(parse("/", None).unwrap(), target(None, ""));
        assert_eq!(parse("/b", Some("localhost:4566")).unwrap(), target(Some("b"), ""));
        assert_eq!(parse("/b/", None).unwrap(), target(Some("b"), ""));
        assert_eq!(parse("/b/a%2Fc/d%20e", None).unwrap(), target(Some("b"), "a/c/d e"));
        assert_eq!(parse("/k/x", Some("vb.localhost:4566")).unwrap(), target(Some("vb"), "k/x"));
        assert_eq!(parse("/", Some("vb.s3.localhost")).unwrap(), target(Some("vb"), ""));
        assert_eq!(parse("/b/%ff", None).unwrap_err(), Error::InvalidUri);
        assert_eq!(virtual_bucket("my-bucket.localhost:4566"), Some("my-bucket"));
        assert_eq!(virtual_bucket("127.0.0.1:4566"), None);
        assert_eq!(virtual_bucket("b2.s3.localhost"), Some("b2"));
        assert_eq!(virtual_bucket("b3.s3.localhost.localstack.cloud:4566"), Some("b3"));
        assert_eq!(virtual_bucket("s3.localhost.localstack.cloud:4566"), None);
    }

    #[test]
    fn key_rules() {
        assert_eq!(decode_path("a%2Fb%20c+").unwrap(), "a/b c+");
        assert_eq!(decode_path("%zz%4").unwrap(), "%zz%4");
        assert_eq!(decode_path("%ff").unwrap_err().code(), "InvalidURI");
        assert_ne!(decode_path("%c3%a9").unwrap(), decode_path("%c3%a8").unwrap());
        assert!(check_key(&"k".repeat(1024)).is_ok());
        assert_eq!(check_key(&"k".repeat(1025)).unwrap_err().code(), "KeyTooLongError");
    }
}
