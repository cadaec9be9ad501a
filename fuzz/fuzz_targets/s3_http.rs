//! S3 requests as the server parses them: the bucket and key of a path (path-style or
//! virtual-host `Host`), the query string and listing parameters, `Range`,
//! `x-amz-copy-source` (and its range), `aws-chunked` bodies and the XML/JSON request
//! documents (DeleteObjects, CompleteMultipartUpload, versioning, bucket settings). The input
//! is NUL-separated: path, Host, query, Range, copy source, copy range, then the body (the
//! rest, NULs included). Oracles: accepted keys are UTF-8 and at most 1,024 bytes, and
//! URL-encoded back they decode to themselves; a served range lies within the object and is
//! not empty; listing pages are at most 1,000; continuation tokens, `aws-chunked` bodies and
//! the DeleteObjects and CompleteMultipartUpload documents round-trip.
#![no_main]
use kinesin_protocol::s3::listing::{self, Listing};
use kinesin_protocol::s3::query::{self, Query};
use kinesin_protocol::s3::range::{self, ByteRange};
use kinesin_protocol::s3::{body, chunked, copy, target, Error};
use kinesin_protocol::xml::escape;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut fields = data.splitn(7, |b| *b == 0);
    let mut text = || String::from_utf8_lossy(fields.next().unwrap_or_default()).into_owned();
    let (path, host, raw_query, range, copy_source, copy_range) = (text(), text(), text(), text(), text(), text());
    let payload = data.splitn(7, |b| *b == 0).nth(6).unwrap_or_default();
    targets(&path, &host);
    queries(&raw_query);
    ranges(&range, data.len() as u64);
    copies(&copy_source, &copy_range);
    chunks(payload);
    documents(payload);
});

/// A refusal is one of S3's client errors.
fn refused(e: &Error) {
    assert!(matches!(e.status(), 400 | 416) && !e.code().is_empty() && !e.message().is_empty());
}

fn targets(path: &str, host: &str) {
    if let Some(b) = target::virtual_bucket(host) {
        assert!(!b.is_empty() && b != "s3" && host.contains(b));
    }
    let t = match target::parse(path, Some(host).filter(|h| !h.is_empty())) {
        Ok(t) => t,
        Err(e) => return refused(&e),
    };
    assert!(t.bucket.is_some() || t.key.is_empty(), "a key without a bucket: {t:?}");
    match target::check_key(&t.key) {
        Ok(()) => assert!(t.key.len() <= target::MAX_KEY_BYTES),
        Err(e) => assert_eq!(e, Error::KeyTooLong),
    }
    // A key URL-encoded as listings write it decodes to itself, path-style too.
    let encoded = listing::url_encode(&t.key);
    assert!(encoded.is_ascii());
    assert_eq!(target::decode_path(&encoded).as_deref(), Ok(t.key.as_str()));
    if let Some(b) = t.bucket.as_deref().filter(|b| !b.contains('/')) {
        let again = target::parse(&format!("/{}/{encoded}", listing::url_encode(b)), None).expect("re-encoded path");
        assert_eq!(again, t);
    }
}

fn queries(raw: &str) {
    let q = Query::parse(raw);
    match Listing::parse(&q) {
        Ok(l) => {
            assert!(l.max_keys <= listing::MAX_PAGE);
            assert_eq!(l.url_encoded, q.get("encoding-type").is_some());
            assert!(l.delimiter.as_deref() != Some(""));
        }
        Err(e) => refused(&e),
    }
    assert!(listing::page_size(q.get("max-parts")) <= listing::MAX_PAGE);
    if let Ok(n) = query::part_number(q.get("partNumber").unwrap_or_default()) {
        assert!((1..=10_000).contains(&n));
    }
    let _ = query::upload_part_number(q.get("partNumber").unwrap_or_default());
    let _ = listing::part_marker(q.get("part-number-marker"));
    let token = q.get("continuation-token").unwrap_or(raw);
    assert_eq!(listing::key_of_token(&listing::token_of(token)).as_deref(), Some(token));
    if let Some(key) = listing::key_of_token(token) {
        assert!(token.len() == 2 * key.len());
    }
}

fn ranges(header: &str, size_hint: u64) {
    let asked = match range::parse(header) {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => return refused(&e),
    };
    if let ByteRange::From(first, Some(last)) = asked {
        assert!(first <= last, "an inverted range is ignored, not served: {asked:?}");
    }
    for size in [0, 1, size_hint, u64::MAX - 1, u64::MAX] {
        let Ok(bounds) = asked.bounds(size) else { continue };
        let Ok((start, end)) = range::span(size, bounds) else { continue };
        assert!(start < end && end <= size, "span {start}..{end} of {size} bytes for {header:?}");
        assert_eq!(start, bounds.0);
        if let Some(last) = bounds.1 {
            assert_eq!(end, last.saturating_add(1).min(size));
        }
    }
}

fn copies(source: &str, range: &str) {
    match copy::source(source) {
        Ok(c) => assert!(!c.bucket.is_empty() && !c.key.is_empty()),
        Err(e) => refused(&e),
    }
    if let Err(e) = copy::range(range) {
        refused(&e);
    }
    if let Err(e) = copy::directive(Some(source)) {
        refused(&e);
    }
}

/// `data` as `aws-chunked`, in chunks of `size` bytes.
fn aws_chunked(data: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in data.chunks(size.max(1)) {
        out.extend_from_slice(format!("{:x};chunk-signature=0\r\n", chunk.len()).as_bytes());
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0;chunk-signature=0\r\n\r\n");
    out
}

fn chunks(payload: &[u8]) {
    match chunked::decode(payload) {
        Ok(d) => assert!(d.len() <= payload.len()),
        Err(e) => assert_eq!(e, Error::IncompleteBody),
    }
    let size = payload.first().map_or(1, |b| usize::from(*b));
    assert_eq!(chunked::decode(&aws_chunked(payload, size)).as_deref(), Ok(payload));
}

/// Whether text survives XML escaping and S3's unescaping (character references other than
/// the five entities are not undone).
fn plain(s: &str) -> bool {
    !s.chars().any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n'))
}

fn documents(payload: &[u8]) {
    if let Ok(d) = body::delete(payload) {
        assert!((1..=body::MAX_DELETE).contains(&d.objects.len()));
        if d.objects.iter().all(|(k, v)| plain(k) && v.as_deref().is_none_or(plain)) {
            let mut doc = String::from("<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
            for (k, v) in &d.objects {
                doc.push_str(&format!("<Object><Key>{}</Key>", escape(k)));
                if let Some(v) = v {
                    doc.push_str(&format!("<VersionId>{}</VersionId>", escape(v)));
                }
                doc.push_str("</Object>");
            }
            if d.quiet {
                doc.push_str("<Quiet>true</Quiet>");
            }
            doc.push_str("</Delete>");
            assert_eq!(body::delete(doc.as_bytes()).expect("re-encoded DeleteObjects"), d);
        }
    }
    if let Ok(parts) = body::complete(payload) {
        if parts.iter().all(|(_, etag)| plain(etag)) {
            let mut doc = String::from("<CompleteMultipartUpload>");
            for (n, etag) in &parts {
                doc.push_str(&format!("<Part><ETag>{}</ETag><PartNumber>{n}</PartNumber></Part>", escape(etag)));
            }
            doc.push_str("</CompleteMultipartUpload>");
            assert_eq!(body::complete(doc.as_bytes()).expect("re-encoded CompleteMultipartUpload"), parts);
        }
    }
    if let Ok(Some(_)) = body::versioning_status(payload) {
        assert!(payload.windows(8).any(|w| w == b"<Status>"));
    }
    if let Ok(doc) = body::setting_xml(payload.to_vec()) {
        assert!(doc.starts_with(b"<") && doc.ends_with(b">"));
    }
    if let Ok(doc) = body::policy(payload.to_vec()) {
        assert!(serde_json::from_slice::<serde_json::Value>(&doc).is_ok_and(|v| v.is_object()));
    }
}
