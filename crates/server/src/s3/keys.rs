//! S3's rules for names and listing parameters: keys and bucket names are percent-decoded
//! strictly (invalid UTF-8 is `InvalidURI`, never collapsed into U+FFFD), keys are at most
//! 1,024 bytes, `max-keys` is a non-negative integer, and `encoding-type=url` URL-encodes the
//! names of a listing (what SDKs ask for, since XML 1.0 cannot carry every key).

use kinesin_protocol::percent;
use kinesin_state::s3::S3Error;

/// S3's limit on the UTF-8 length of a key.
pub const MAX_KEY_BYTES: usize = 1024;

/// Percent-decodes a path part; bytes that are not UTF-8 are S3's `InvalidURI`.
pub fn decode_path(s: &str) -> Result<String, S3Error> {
    String::from_utf8(percent::decode_bytes(s, false))
        .map_err(|_| S3Error::other("InvalidURI", "Couldn't parse the specified URI.", 400))
}

/// `KeyTooLongError` for keys over 1,024 bytes.
pub fn check_key(key: &str) -> Result<(), S3Error> {
    if key.len() > MAX_KEY_BYTES {
        return Err(S3Error::other("KeyTooLongError", "Your key is too long", 400));
    }
    Ok(())
}

/// `max-keys`: 1000 when absent, at most 1000 served; negative or not a number is refused.
pub fn max_keys(v: Option<String>) -> Result<usize, S3Error> {
    let Some(v) = v else { return Ok(1000) };
    let n: i64 = v
        .trim()
        .parse()
        .map_err(|_| argument("Provided max-keys not an integer or within integer range", "max-keys", &v))?;
    if !(0..=i64::from(i32::MAX)).contains(&n) {
        return Err(argument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", &v));
    }
    Ok((n as usize).min(1000))
}

/// Whether `encoding-type=url` was asked; any other value is refused.
pub fn url_encoding(v: Option<String>) -> Result<bool, S3Error> {
    match v.as_deref() {
        None => Ok(false),
        Some(t) if t.eq_ignore_ascii_case("url") => Ok(true),
        Some(t) => Err(argument("Invalid Encoding Method specified in Request", "encoding-type", t)),
    }
}

fn argument(message: &str, name: &str, value: &str) -> S3Error {
    tracing::debug!(name, value, "invalid S3 argument");
    let mut e = S3Error::other("InvalidArgument", message, 400);
    e.resource = Some(("ArgumentName", name.to_string()));
    e
}

/// URL-encodes a name for a listing with `encoding-type=url`: unreserved characters and `/`
/// stay, every other byte becomes `%XX`.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(decode_path("a%2Fb%20c+").unwrap(), "a/b c+");
        assert_eq!(decode_path("%zz%4").unwrap(), "%zz%4");
        assert_eq!(decode_path("%ff").unwrap_err().code, "InvalidURI");
        assert_ne!(decode_path("%c3%a9").unwrap(), decode_path("%c3%a8").unwrap());
        assert!(check_key(&"k".repeat(1024)).is_ok());
        assert_eq!(check_key(&"k".repeat(1025)).unwrap_err().code, "KeyTooLongError");
        assert_eq!(max_keys(None).unwrap(), 1000);
        assert_eq!(max_keys(Some("5000".into())).unwrap(), 1000);
        assert_eq!(max_keys(Some("0".into())).unwrap(), 0);
        assert_eq!(max_keys(Some("-1".into())).unwrap_err().code, "InvalidArgument");
        assert_eq!(max_keys(Some("x".into())).unwrap_err().code, "InvalidArgument");
        assert!(url_encoding(Some("url".into())).unwrap());
        assert!(url_encoding(Some("xml".into())).is_err());
        assert_eq!(url_encode("a b/\u{1}é+"), "a%20b/%01%C3%A9%2B");
    }
}
