//! The parameters of listings (ListObjects/V2, ListObjectVersions, ListParts,
//! ListMultipartUploads): `prefix`, `delimiter`, `max-keys` (a non-negative integer, at most
//! 1,000 served), `encoding-type=url` (what SDKs ask for, since XML 1.0 cannot carry every
//! key) and continuation tokens.

use super::error::argument_named;
use super::query::Query;
use super::Error;

/// Most entries a listing page holds.
pub const MAX_PAGE: usize = 1000;

/// What a listing request asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// `prefix` (empty when absent).
    pub prefix: String,
    /// `delimiter` (absent when empty).
    pub delimiter: Option<String>,
    /// `max-keys`, at most [`MAX_PAGE`].
    pub max_keys: usize,
    /// Whether names are URL-encoded (`encoding-type=url`).
    pub url_encoded: bool,
}

impl Listing {
    /// The listing parameters of `q`.
    pub fn parse(q: &Query) -> Result<Self, Error> {
        Ok(Self {
            prefix: q.get("prefix").unwrap_or_default().to_string(),
            delimiter: q.get("delimiter").filter(|d| !d.is_empty()).map(str::to_string),
            max_keys: max_keys(q.get("max-keys"))?,
            url_encoded: url_encoding(q.get("encoding-type"))?,
        })
    }
}

/// `max-keys`: 1000 when absent, at most 1000 served; negative or not a number is refused.
pub fn max_keys(v: Option<&str>) -> Result<usize, Error> {
    let Some(v) = v else { return Ok(MAX_PAGE) };
    let n: i64 = v
        .trim()
        .parse()
        .map_err(|_| argument_named("Provided max-keys not an integer or within integer range", "max-keys"))?;
    if !(0..=i64::from(i32::MAX)).contains(&n) {
        return Err(argument_named("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys"));
    }
    Ok((n as usize).min(MAX_PAGE))
}

/// Whether `encoding-type=url` was asked; any other value is refused.
pub fn url_encoding(v: Option<&str>) -> Result<bool, Error> {
    match v {
        None => Ok(false),
        Some(t) if t.eq_ignore_ascii_case("url") => Ok(true),
        Some(_) => Err(argument_named("Invalid Encoding Method specified in Request", "encoding-type")),
    }
}

/// `max-parts` or `max-uploads`: 1000 when absent or not a number, at most 1000.
pub fn page_size(v: Option<&str>) -> usize {
    v.and_then(|m| m.parse::<usize>().ok()).unwrap_or(MAX_PAGE).min(MAX_PAGE)
}

/// `part-number-marker`: 0 when absent or not a number.
pub fn part_marker(v: Option<&str>) -> i64 {
    v.and_then(|m| m.parse::<i64>().ok()).unwrap_or(0)
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

/// A continuation token: the hex of the last key or common prefix returned.
pub fn token_of(last: &str) -> String {
    hex::encode(last)
}

/// The key a continuation token names; `None` when it is not one of ours.
pub fn key_of_token(t: &str) -> Option<String> {
    String::from_utf8(hex::decode(t).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(max_keys(None).unwrap(), 1000);
        assert_eq!(max_keys(Some("5000")).unwrap(), 1000);
        assert_eq!(max_keys(Some("0")).unwrap(), 0);
        assert_eq!(max_keys(Some("-1")).unwrap_err().code(), "InvalidArgument");
        assert_eq!(max_keys(Some("x")).unwrap_err().code(), "InvalidArgument");
        assert!(url_encoding(Some("url")).unwrap());
        assert!(url_encoding(Some("xml")).is_err());
        assert_eq!(url_encode("a b/\u{1}é+"), "a%20b/%01%C3%A9%2B");
        assert_eq!(page_size(Some("5")), 5);
        assert_eq!(page_size(Some("-5")), 1000);
        assert_eq!(part_marker(Some("x")), 0);
    }

    #[test]
    fn listing_parameters() {
        let l = Listing::parse(&Query::parse("prefix=p%2F&delimiter=&max-keys=7&encoding-type=url")).unwrap();
        assert_eq!(l, Listing { prefix: "p/".into(), delimiter: None, max_keys: 7, url_encoded: true });
        assert_eq!(Listing::parse(&Query::parse("max-keys=-1")).unwrap_err().code(), "InvalidArgument");
    }

    #[test]
    fn continuation_tokens() {
        assert_eq!(key_of_token(&token_of("a/ü")).as_deref(), Some("a/ü"));
        assert!(key_of_token("zz").is_none());
        assert!(key_of_token("abc").is_none());
    }
}
