//! The headers of CopyObject and UploadPartCopy: `x-amz-copy-source`
//! (`[/]bucket/key[?versionId=..]`, URL-encoded), `x-amz-copy-source-range` and
//! `x-amz-metadata-directive`.

use super::error::{argument_named, argument_value};
use super::Error;
use crate::percent;

/// The object a copy reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    /// The source bucket.
    pub bucket: String,
    /// The source key.
    pub key: String,
    /// The source version (`?versionId=`), the current one when absent.
    pub version: Option<String>,
}

/// `x-amz-copy-source`; a source without a bucket or a key is `InvalidArgument`.
pub fn source(header: &str) -> Result<CopySource, Error> {
    let (raw, version) = match header.split_once("?versionId=") {
        Some((s, v)) => (s, Some(percent::decode(v, false))),
        None => (header, None),
    };
    let decoded = percent::decode(raw.strip_prefix('/').unwrap_or(raw), false);
    match decoded.split_once('/') {
        Some((b, k)) if !b.is_empty() && !k.is_empty() => {
            Ok(CopySource { bucket: b.to_string(), key: k.to_string(), version })
        }
        // S3's message for a copy source without a key.
        _ => Err(argument_named(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            "x-amz-copy-source",
        )),
    }
}

/// `x-amz-copy-source-range: bytes=first-last`: the first and last (inclusive) byte.
pub fn range(header: &str) -> Result<(u64, u64), Error> {
    let bad = || {
        argument_value(
            "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
            header,
        )
    };
    let spec = header.strip_prefix("bytes=").ok_or_else(bad)?;
    let (a, b) = spec.split_once('-').ok_or_else(bad)?;
    Ok((a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?))
}

/// `x-amz-metadata-directive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    /// `COPY` (the default): the copy keeps the source's metadata.
    Copy,
    /// `REPLACE`: the copy takes the request's metadata.
    Replace,
}

/// The metadata directive (`COPY` when absent); any other value is `InvalidArgument`.
pub fn directive(header: Option<&str>) -> Result<Directive, Error> {
    match header.unwrap_or("COPY") {
        "COPY" => Ok(Directive::Copy),
        "REPLACE" => Ok(Directive::Replace),
        other => Err(argument_value("Unknown metadata directive.", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_headers() {
        assert_eq!(
            source("/src-bkt/a%20b/c.txt?versionId=null").unwrap(),
            CopySource { bucket: "src-bkt".into(), key: "a b/c.txt".into(), version: Some("null".into()) }
        );
        assert_eq!(source("src-bkt/k").unwrap().version, None);
        assert_eq!(source("onlybucket").unwrap_err().code(), "InvalidArgument");
        assert_eq!(source("/b/").unwrap_err().code(), "InvalidArgument");
        assert_eq!(range("bytes=0-9").unwrap(), (0, 9));
        assert!(range("0-9").is_err());
        assert_eq!(directive(None).unwrap(), Directive::Copy);
        assert_eq!(directive(Some("REPLACE")).unwrap(), Directive::Replace);
        assert_eq!(directive(Some("MOVE")).unwrap_err().resource(), Some(("ArgumentValue", "MOVE".into())));
    }
}
