//! `aws-chunked` request bodies (`<hex size>[;chunk-signature=..]\r\n<data>\r\n ... 0\r\n<trailers>`),
//! as SDKs stream uploads with `x-amz-content-sha256: STREAMING-...`.

use super::Error;

/// Whether a body is `aws-chunked`, from its `x-amz-content-sha256` and `Content-Encoding`.
pub fn is_chunked(content_sha256: &str, content_encoding: &str) -> bool {
    content_sha256.starts_with("STREAMING-") || content_encoding.contains("aws-chunked")
}

/// The data of an `aws-chunked` body (signatures and trailers are not checked);
/// `IncompleteBody` when it ends before its last chunk.
pub fn decode(body: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or(Error::IncompleteBody)?;
        let line = std::str::from_utf8(&rest[..line_end]).map_err(|_| Error::IncompleteBody)?;
        let size = line.split(';').next().map(str::trim).and_then(|s| usize::from_str_radix(s, 16).ok());
        let size = size.ok_or(Error::IncompleteBody)?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if rest.len() < size {
            return Err(Error::IncompleteBody);
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(decode(b"5;chunk-signature=x\r\nhello\r\n0\r\nx-amz-checksum-crc32:abc\r\n\r\n").unwrap(), b"hello");
        assert_eq!(decode(b"9\r\nabc").unwrap_err(), Error::IncompleteBody);
        assert!(decode(b"zz\r\n").is_err());
        assert!(is_chunked("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", ""));
        assert!(is_chunked("", "gzip,aws-chunked") && !is_chunked("UNSIGNED-PAYLOAD", "gzip"));
    }
}
