//! `Range: bytes=first-[last]` and `bytes=-suffix` of GetObject, and the span of an object of
//! a given size it serves (RFC 9110: a last byte at or past the end means the end).
//! A header that is not a single `bytes=` range is ignored, as S3 ignores it, and so is a
//! range whose last byte is before its first.

use super::Error;

/// A byte range as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-[last]`: from `first` to `last` (inclusive) or the end.
    From(u64, Option<u64>),
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

/// The range of a `Range` header; `None` when it is to be ignored.
pub fn parse(header: &str) -> Result<Option<ByteRange>, Error> {
    let Some(spec) = header.strip_prefix("bytes=") else { return Ok(None) };
    let (s, e) = spec.split_once('-').ok_or(Error::InvalidRange)?;
    if s.is_empty() {
        return Ok(Some(ByteRange::Suffix(e.parse().map_err(|_| Error::InvalidRange)?)));
    }
    let first: u64 = s.parse().map_err(|_| Error::InvalidRange)?;
    // A last byte past u64 is past the end: the rest of the object.
    let last = match e {
        "" => None,
        e if e.len() > 20 && e.bytes().all(|b| b.is_ascii_digit()) => None,
        e => Some(e.parse().map_err(|_| Error::InvalidRange)?),
    };
    Ok(last.is_none_or(|l| l >= first).then_some(ByteRange::From(first, last)))
}

impl ByteRange {
    /// The first and (inclusive) last byte asked of an object of `size` bytes; a suffix of
    /// no bytes is `InvalidRange`.
    pub fn bounds(self, size: u64) -> Result<(u64, Option<u64>), Error> {
        match self {
            ByteRange::From(first, last) => Ok((first, last)),
            ByteRange::Suffix(0) => Err(Error::InvalidRange),
            ByteRange::Suffix(n) => Ok((size.saturating_sub(n), None)),
        }
    }
}

/// The span `(start, exclusive end)` served of an object of `size` bytes for bytes `first` to
/// `last` (inclusive, or the end); `InvalidRange` when `first` is past the end.
pub fn span(size: u64, (first, last): (u64, Option<u64>)) -> Result<(u64, u64), Error> {
    if first >= size {
        return Err(Error::InvalidRange);
    }
    // A last byte at or past the end means the end; a huge one must not wrap.
    Ok((first, last.map_or(size, |l| l.saturating_add(1).min(size))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse("bytes=0-9").unwrap(), Some(ByteRange::From(0, Some(9))));
        assert_eq!(parse("bytes=5-").unwrap(), Some(ByteRange::From(5, None)));
        assert_eq!(parse("bytes=-3").unwrap(), Some(ByteRange::Suffix(3)));
        assert_eq!(parse("bytes=9-0").unwrap(), None);
        assert_eq!(parse("items=0-1").unwrap(), None);
        assert_eq!(parse("bytes=0-99999999999999999999999").unwrap(), Some(ByteRange::From(0, None)));
        assert_eq!(parse("bytes=x-1").unwrap_err(), Error::InvalidRange);
        assert_eq!(parse("bytes=0").unwrap_err(), Error::InvalidRange);
        assert_eq!(parse("bytes=0-1,3-4").unwrap_err(), Error::InvalidRange);
        assert_eq!(ByteRange::Suffix(0).bounds(10).unwrap_err(), Error::InvalidRange);
        assert_eq!(ByteRange::Suffix(30).bounds(10).unwrap(), (0, None));
        assert_eq!(ByteRange::Suffix(3).bounds(10).unwrap(), (7, None));
    }

    #[test]
    fn spans_never_wrap() {
        // Issue 13: `bytes=0-18446744073709551615` served 0 bytes (the end wrapped).
        let r = parse("bytes=0-18446744073709551615").unwrap().unwrap();
        assert_eq!(span(10, r.bounds(10).unwrap()).unwrap(), (0, 10));
        assert_eq!(span(10, (2, Some(4))).unwrap(), (2, 5));
        assert_eq!(span(10, (10, None)).unwrap_err(), Error::InvalidRange);
        assert_eq!(span(0, (0, None)).unwrap_err(), Error::InvalidRange);
    }
}
