//! A minimal S3 REST surface on the same port, enough for `aws s3 ls/cp` and the SDKs to
//! read Firehose deliveries: buckets (list, create, head, delete, location) and objects
//! (ListObjects/V2, Get with Range, Head, Put, Delete, DeleteObjects, CopyObject), multipart
//! uploads (`multipart.rs`), object versions (`versioning.rs`). Path-style
//! `/<bucket>/<key>` and virtual-host `<bucket>.localhost[:port]` addressing. Objects live in
//! the SQLite store; keys are plain strings and never become file-system paths.

use crate::http::{header, Resp};
use crate::wire::{self, s3_response as response, s3_xml as xml};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{HeaderMap, Method, Request, Uri};
use kinesin_protocol::percent::{decode as percent_decode, query_pairs};
use kinesin_protocol::sigv4;
use kinesin_protocol::xml::{escape as xml_escape, unescape as xml_unescape};
use kinesin_state::clock::civil;
use kinesin_state::s3::{self, ListQuery, ObjectMeta, S3Error};
use kinesin_state::{Ctx, Db, Engine};
use std::fmt::Write as _;

mod bucket_config;
mod keys;
mod multipart;
mod versioning;

const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// The S3 surface.
#[derive(Clone)]
pub struct S3 {
    db: Db,
    wake_firehose: Option<kinesin_state::firehose::Firehose>,
}

/// Whether a request without `X-Amz-Target` that is not an SQS query is meant for S3:
/// a path other than `/`, a virtual-host bucket, or a SigV4 scope for `s3`.
pub fn claims(headers: &HeaderMap, path: &str) -> bool {
    path != "/" || virtual_bucket(headers).is_some() || signed_for_s3(headers)
}

fn signed_for_s3(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .map(sigv4::parse_authorization)
        .is_some_and(|c| c.service == Some("s3"))
}

/// `<bucket>.localhost[:port]` (also `<bucket>.s3.localhost` and LocalStack's
/// `<bucket>.s3.localhost.localstack.cloud`).
fn virtual_bucket(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(HOST)?.to_str().ok()?;
    let host = host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h);
    let bucket = host.strip_suffix(".localhost").or_else(|| host.strip_suffix(".localhost.localstack.cloud"))?;
    let bucket = bucket.strip_suffix(".s3").unwrap_or(bucket);
    (!bucket.is_empty() && bucket != "s3").then(|| bucket.to_string())
}

fn iso8601(ms: i64) -> String {
    let t = civil(ms);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.year, t.month, t.day, t.hour, t.minute, t.second, t.milli)
}

fn http_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let t = civil(ms);
    let wd = DAYS[ms.div_euclid(86_400_000).rem_euclid(7) as usize];
    format!(
        "{wd}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        t.day,
        MONTHS[t.month as usize - 1],
        t.year,
        t.hour,
        t.minute,
        t.second
    )
}

/// An S3 error in S3's XML shape (no body for HEAD).
fn error(e: &S3Error, head: bool) -> Resp {
    let resource = e.resource.as_ref().map(|(name, value)| (*name, value.as_str()));
    wire::s3_error(e.code, &e.message, e.status, resource, head)
}

fn not_implemented(what: &str) -> S3Error {
    S3Error::other("NotImplemented", format!("{what} is not implemented by kinesin."), 501)
}

/// Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=..]\r\n<data>\r\n ... 0\r\n<trailers>`).
fn decode_aws_chunked(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if rest.len() < size {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
}

/// The body of a PUT, `aws-chunked` decoded when it is, checked against `Content-MD5`.
fn request_data(headers: &HeaderMap, body: &Bytes) -> Result<Vec<u8>, S3Error> {
    let data = if is_aws_chunked(headers) {
        decode_aws_chunked(body)
            .ok_or_else(|| S3Error::other("IncompleteBody", "The request body terminated unexpectedly", 400))?
    } else {
        body.to_vec()
    };
    if let Some(given) = headers.get("content-md5") {
        s3::check_content_md5(given.to_str().unwrap_or(""), &data)?;
    }
    Ok(data)
}

fn is_aws_chunked(headers: &HeaderMap) -> bool {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    h("x-amz-content-sha256").starts_with("STREAMING-") || h("content-encoding").contains("aws-chunked")
}

impl S3 {
    /// The S3 surface over the store; deliveries waiting for a bucket are retried sooner when
    /// `firehose` is given and a bucket is created.
    pub fn new(db: Db, firehose: Option<kinesin_state::firehose::Firehose>) -> Self {
        Self { db, wake_firehose: firehose }
    }

    async fn run<I, O>(
        &self,
        ctx: &Ctx,
        input: I,
        op: fn(&mut Engine, &Ctx, I) -> Result<O, S3Error>,
    ) -> Result<O, S3Error>
    where
        I: Send + 'static,
        O: Send + 'static,
    {
        let ctx = ctx.clone();
        self.db.call(move |eng| op(eng, &ctx, input)).await
    }

    /// Serves a request whose body is not read yet.
    pub async fn serve(&self, ctx: Ctx, req: Request<Incoming>, max_body: usize) -> Resp {
        let pending = req.extensions().get::<crate::sigv4check::Pending>().cloned();
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, max_body).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                let e = S3Error::other(
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed object size.",
                    400,
                );
                return error(&e, parts.method == Method::HEAD);
            }
        };
        if let Some(refused) = pending.and_then(|p| p.verify(&parts.method, &parts.uri, &parts.headers, &body)) {
            return refused;
        }
        self.handle(ctx, &parts.method, &parts.uri, &parts.headers, body).await
    }

    /// Serves a request whose body is read.
    pub async fn handle(&self, ctx: Ctx, method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Resp {
        let head = method == Method::HEAD;
        match self.dispatch(ctx, method, uri, headers, body).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(code = e.code, message = %e.message, %method, %uri, "s3 request failed");
                error(&e, head)
            }
        }
    }

    async fn dispatch(
        &self,
        ctx: Ctx,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<Resp, S3Error> {
        let path = uri.path();
        let (bucket, key) = match virtual_bucket(headers) {
            Some(b) => (Some(b), keys::decode_path(path.strip_prefix('/').unwrap_or(path))?),
            None => {
                let rest = path.strip_prefix('/').unwrap_or(path);
                match rest.split_once('/') {
                    Some((b, k)) => (Some(keys::decode_path(b)?), keys::decode_path(k)?),
                    None if rest.is_empty() => (None, String::new()),
                    None => (Some(keys::decode_path(rest)?), String::new()),
                }
            }
        };
        if matches!(*method, Method::PUT | Method::POST) {
            keys::check_key(&key)?;
        }
        let q = query_pairs(uri.query().unwrap_or(""));
        let has = |k: &str| q.iter().any(|(n, _)| n == k);
        let subresource = q.iter().any(|(k, _)| SUBRESOURCES.contains(&k.as_str()));
        let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let Some(bucket) = bucket else {
            return match *method {
                Method::GET => self.list_buckets(&ctx).await,
                _ => Err(method_not_allowed()),
            };
        };
        if key.is_empty() {
            return match *method {
                Method::PUT if !subresource => {
                    self.run(&ctx, bucket.clone(), |eng, ctx, b| s3::create_bucket(eng, ctx, &b)).await?;
                    if let Some(f) = &self.wake_firehose {
                        f.wake();
                    }
                    let mut r = response(200, Bytes::new());
                    header(&mut r, "location", &format!("/{bucket}"));
                    Ok(r)
                }
                Method::HEAD => {
                    let b = self.run(&ctx, bucket, s3::head_bucket).await?;
                    let mut r = response(200, Bytes::new());
                    header(&mut r, "x-amz-bucket-region", &b.region);
                    Ok(r)
                }
                Method::DELETE if !subresource => {
                    self.run(&ctx, bucket, s3::delete_bucket).await?;
                    Ok(response(204, Bytes::new()))
                }
                Method::GET if has("location") => {
                    let b = self.run(&ctx, bucket, s3::head_bucket).await?;
                    let region = if b.region == "us-east-1" { String::new() } else { b.region };
                    Ok(xml(200, format!("<LocationConstraint xmlns=\"{XMLNS}\">{region}</LocationConstraint>")))
                }
                Method::GET if has("uploads") => self.list_uploads(&ctx, bucket, &get).await,
                Method::GET if has("versions") => self.list_versions(&ctx, bucket, &get).await,
                Method::GET if !subresource => {
                    self.list_objects(&ctx, bucket, get("list-type").as_deref() == Some("2"), &get).await
                }
                Method::POST if has("delete") => self.delete_objects(&ctx, bucket, &body).await,
                _ if bucket_config::which(&q).is_some() => {
                    let setting = bucket_config::which(&q).unwrap_or_default();
                    self.bucket_config(&ctx, method, (bucket, setting), headers, &body).await
                }
                _ if subresource => {
                    Err(not_implemented(&format!("{method} on a bucket with ?{}", uri.query().unwrap_or(""))))
                }
                _ => Err(method_not_allowed()),
            };
        }
        let upload_id = get("uploadId");
        match (method, upload_id) {
            (&Method::POST, None) if has("uploads") => return self.create_upload(&ctx, bucket, key, headers).await,
            (&Method::PUT, Some(id)) => {
                let number = get("partNumber").unwrap_or_default();
                let data = request_data(headers, &body)?;
                return self.upload_part(&ctx, (bucket, key), (&number, id), headers, data).await;
            }
            (&Method::POST, Some(id)) => return self.complete_upload(&ctx, (bucket, key), id, headers, &body).await,
            (&Method::DELETE, Some(id)) => return self.abort_upload(&ctx, (bucket, key), id).await,
            (&Method::GET, Some(id)) => return self.list_parts(&ctx, (bucket, key), id, &get).await,
            _ => {}
        }
        if subresource {
            return Err(not_implemented(&format!("{method} on an object with ?{}", uri.query().unwrap_or(""))));
        }
        let version = get("versionId");
        match *method {
            Method::GET | Method::HEAD => {
                let part = get("partNumber");
                self.get_object(&ctx, (bucket, key, version), part, headers, *method == Method::HEAD).await
            }
            Method::PUT => {
                if let Some(src) = multipart::copy_source(headers) {
                    return self.copy_object(&ctx, (bucket, key), src?, headers).await;
                }
                let data = request_data(headers, &body)?;
                let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
                let put = s3::PutObject { bucket, key, data, content_type };
                let stored = self.run(&ctx, put, s3::put).await?;
                let mut r = response(200, Bytes::new());
                header(&mut r, "etag", &format!("\"{}\"", stored.etag));
                versioning::version_header(&mut r, "x-amz-version-id", &stored.version_id);
                Ok(r)
            }
            Method::DELETE => self.delete_object(&ctx, (bucket, key, version)).await,
            _ => Err(method_not_allowed()),
        }
    }

    async fn list_buckets(&self, ctx: &Ctx) -> Result<Resp, S3Error> {
        let buckets = self.run(ctx, (), s3::list_buckets).await?;
        let mut body = format!(
            "<ListAllMyBucketsResult xmlns=\"{XMLNS}\"><Owner><ID>{0}</ID><DisplayName>{0}</DisplayName></Owner><Buckets>",
            ctx.account
        );
        for b in buckets {
            let _ = write!(
                body,
                "<Bucket><Name>{}</Name><CreationDate>{}</CreationDate><BucketRegion>{}</BucketRegion></Bucket>",
                xml_escape(&b.name),
                iso8601(b.created_ms),
                b.region
            );
        }
        body.push_str("</Buckets></ListAllMyBucketsResult>");
        Ok(xml(200, body))
    }

    async fn list_objects(
        &self,
        ctx: &Ctx,
        bucket: String,
        v2: bool,
        get: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> Result<Resp, S3Error> {
        let (prefix, delimiter, max_keys, esc) = listing_params(get)?;
        let token = get("continuation-token");
        let token_key = match &token {
            Some(t) => Some(key_of_token(t).ok_or_else(|| {
                S3Error::other("InvalidArgument", "The continuation token provided is incorrect", 400)
            })?),
            None => None,
        };
        let start_after = if v2 { get("start-after").unwrap_or_default() } else { get("marker").unwrap_or_default() };
        let after = token_key.clone().unwrap_or_else(|| start_after.clone());
        let query =
            ListQuery { bucket: bucket.clone(), prefix: prefix.clone(), delimiter: delimiter.clone(), after, max_keys };
        let listing = self.run(ctx, query, s3::list_objects).await?;
        let mut body = format!(
            "<ListBucketResult xmlns=\"{XMLNS}\"><Name>{}</Name><Prefix>{}</Prefix>",
            xml_escape(&bucket),
            esc.apply(&prefix)
        );
        body.push_str(encoding_element(esc));
        if v2 {
            let _ = write!(body, "<KeyCount>{}</KeyCount>", listing.contents.len() + listing.common_prefixes.len());
            if let Some(t) = &token {
                let _ = write!(body, "<ContinuationToken>{}</ContinuationToken>", xml_escape(t));
            }
            if !start_after.is_empty() {
                let _ = write!(body, "<StartAfter>{}</StartAfter>", esc.apply(&start_after));
            }
        } else {
            let _ = write!(body, "<Marker>{}</Marker>", esc.apply(&start_after));
        }
        let _ = write!(body, "<MaxKeys>{max_keys}</MaxKeys>");
        if let Some(d) = &delimiter {
            let _ = write!(body, "<Delimiter>{}</Delimiter>", esc.apply(d));
        }
        let _ = write!(body, "<IsTruncated>{}</IsTruncated>", listing.truncated);
        if listing.truncated {
            if let Some(last) = &listing.last {
                if v2 {
                    let t = token_of(last);
                    let _ = write!(body, "<NextContinuationToken>{t}</NextContinuationToken>");
                } else {
                    let _ = write!(body, "<NextMarker>{}</NextMarker>", esc.apply(last));
                }
            }
        }
        write_entries(&mut body, &listing, ctx, esc);
        body.push_str("</ListBucketResult>");
        Ok(xml(200, body))
    }

    async fn get_object(
        &self,
        ctx: &Ctx,
        (bucket, key, version): (String, String, Option<String>),
        part: Option<String>,
        headers: &HeaderMap,
        head: bool,
    ) -> Result<Resp, S3Error> {
        if let Some(part) = part {
            return self.get_object_part(ctx, (bucket, key, version), &part, head).await;
        }
        let range_header = headers.get("range").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let invalid = || S3Error::other("InvalidRange", "The requested range is not satisfiable", 416);
        let range = match range_header.as_deref().and_then(|r| r.strip_prefix("bytes=")) {
            None => None,
            Some(spec) => {
                let (s, e) = spec.split_once('-').ok_or_else(invalid)?;
                if s.is_empty() {
                    // A suffix: the last N bytes.
                    let n: u64 = e.parse().map_err(|_| invalid())?;
                    let meta = match self.meta_of(ctx, (bucket.clone(), key.clone(), version.clone()), head).await? {
                        Ok(m) => m,
                        Err(answer) => return Ok(answer),
                    };
                    let size = meta.size as u64;
                    if n == 0 {
                        return Err(invalid());
                    }
                    Some((size.saturating_sub(n), None))
                } else {
                    let start: u64 = s.parse().map_err(|_| invalid())?;
                    // A last byte past u64 is past the end: the rest of the object.
                    let end: Option<u64> = match e {
                        "" => None,
                        e if e.len() > 20 && e.bytes().all(|b| b.is_ascii_digit()) => None,
                        e => Some(e.parse().map_err(|_| invalid())?),
                    };
                    if end.is_some_and(|e| e < start) {
                        None
                    } else {
                        Some((start, end))
                    }
                }
            }
        };
        if head {
            let meta = match self.meta_of(ctx, (bucket, key, version), true).await? {
                Ok(m) => m,
                Err(answer) => return Ok(answer),
            };
            let mut r = response(200, Bytes::new());
            object_headers(&mut r, &meta);
            header(&mut r, "content-length", &meta.size.to_string());
            return Ok(r);
        }
        let (meta, data, span) = match self.read_of(ctx, (bucket, key, version), range).await? {
            Ok(out) => out,
            Err(answer) => return Ok(answer),
        };
        let status = if span.is_some() { 206 } else { 200 };
        let mut r = response(status, data);
        object_headers(&mut r, &meta);
        if let Some((s, e)) = span {
            header(&mut r, "content-range", &format!("bytes {s}-{}/{}", e - 1, meta.size));
        }
        Ok(r)
    }

    /// GetObject / HeadObject with `partNumber`: the bytes of one part of a multipart object
    /// (a single-part object has one part), with `x-amz-mp-parts-count`.
    async fn get_object_part(
        &self,
        ctx: &Ctx,
        (bucket, key, version): (String, String, Option<String>),
        part: &str,
        head: bool,
    ) -> Result<Resp, S3Error> {
        let n: u64 = part.parse().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| S3Error {
            code: "InvalidArgument",
            message: "Part number must be an integer between 1 and 10000, inclusive".into(),
            status: 400,
            resource: Some(("ArgumentName", "partNumber".into())),
        })?;
        let meta = match self.meta_of(ctx, (bucket.clone(), key.clone(), version.clone()), head).await? {
            Ok(m) => m,
            Err(answer) => return Ok(answer),
        };
        let (first, last) = meta.part_span(n)?;
        let data = if head {
            Bytes::new()
        } else {
            match self.read_of(ctx, (bucket, key, version), Some((first, Some(last)))).await? {
                Ok((_, data, _)) => Bytes::from(data),
                Err(answer) => return Ok(answer),
            }
        };
        let mut r = response(206, data);
        object_headers(&mut r, &meta);
        header(&mut r, "content-range", &format!("bytes {first}-{last}/{}", meta.size));
        if head {
            header(&mut r, "content-length", &(last - first + 1).to_string());
        }
        if !meta.part_sizes.is_empty() {
            header(&mut r, "x-amz-mp-parts-count", &meta.part_sizes.len().to_string());
        }
        Ok(r)
    }
}

/// S3's subresources kinesin does not serve (other unknown query parameters are ignored, as
/// S3 ignores them).
const SUBRESOURCES: &[&str] = &[
    "acl",
    "tagging",
    "retention",
    "legal-hold",
    "torrent",
    "attributes",
    "restore",
    "select",
    "versioning",
    "cors",
    "lifecycle",
    "policy",
    "policyStatus",
    "website",
    "logging",
    "notification",
    "replication",
    "encryption",
    "ownershipControls",
    "publicAccessBlock",
    "accelerate",
    "requestPayment",
    "analytics",
    "inventory",
    "metrics",
    "intelligent-tiering",
    "object-lock",
    "renameObject",
    "session",
];

fn method_not_allowed() -> S3Error {
    S3Error::other("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
}

fn malformed() -> S3Error {
    S3Error::other(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        400,
    )
}

/// Continuation tokens: the hex of the last key or common prefix returned.
fn token_of(last: &str) -> String {
    last.bytes().map(|b| format!("{b:02x}")).collect()
}

fn key_of_token(t: &str) -> Option<String> {
    if t.len() & 1 == 1 {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..t.len()).step_by(2).map(|i| t.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    String::from_utf8(bytes?).ok()
}

/// How a listing writes names: XML-escaped, or URL-encoded first for `encoding-type=url`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Esc {
    Xml,
    Url,
}

impl Esc {
    fn apply(self, s: &str) -> String {
        match self {
            Esc::Xml => xml_escape(s),
            Esc::Url => xml_escape(&keys::url_encode(s)),
        }
    }
}

/// `prefix`, `delimiter`, `max-keys` (at most 1000 served) and the name encoding of a
/// listing request.
fn listing_params(
    get: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<(String, Option<String>, usize, Esc), S3Error> {
    let prefix = get("prefix").unwrap_or_default();
    let delimiter = get("delimiter").filter(|d| !d.is_empty());
    let max_keys = keys::max_keys(get("max-keys"))?;
    let esc = if keys::url_encoding(get("encoding-type"))? { Esc::Url } else { Esc::Xml };
    Ok((prefix, delimiter, max_keys, esc))
}

/// `<EncodingType>url</EncodingType>` when names are URL-encoded.
fn encoding_element(esc: Esc) -> &'static str {
    if esc == Esc::Url {
        "<EncodingType>url</EncodingType>"
    } else {
        ""
    }
}

/// A listing's objects (as `<Contents>`s, see [`write_object`]), then its common prefixes.
fn write_entries(body: &mut String, listing: &s3::Listing, ctx: &Ctx, esc: Esc) {
    for m in &listing.contents {
        write_object(body, ("Contents", ""), m, ctx, esc);
    }
    for p in &listing.common_prefixes {
        let _ = write!(body, "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>", esc.apply(p));
    }
}

/// An object of a listing: `<{element}>` with the key, `extra` elements, and the metadata.
fn write_object(body: &mut String, (element, extra): (&str, &str), m: &ObjectMeta, ctx: &Ctx, esc: Esc) {
    let _ = write!(
        body,
        "<{element}><Key>{}</Key>{extra}<LastModified>{}</LastModified><ETag>&quot;{}&quot;</ETag><Size>{}</Size><Owner><ID>{}</ID><DisplayName>{}</DisplayName></Owner><StorageClass>STANDARD</StorageClass></{element}>",
        esc.apply(&m.key),
        iso8601(m.modified_ms),
        m.etag,
        m.size,
        ctx.account,
        ctx.account
    );
}

fn object_headers(r: &mut Resp, m: &ObjectMeta) {
    header(r, "etag", &format!("\"{}\"", m.etag));
    header(r, "last-modified", &http_date(m.modified_ms));
    header(r, "accept-ranges", "bytes");
    header(r, "content-type", m.content_type.as_deref().unwrap_or("binary/octet-stream"));
    versioning::version_header(r, "x-amz-version-id", &m.version_id);
    let _ = CONTENT_LENGTH;
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn decoding_helpers() {
        assert_eq!(percent_decode("a%2Fb%20c+d", false), "a/b c+d");
        assert_eq!(percent_decode("a+b%", true), "a b%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(
            decode_aws_chunked(b"5;chunk-signature=x\r\nhello\r\n0\r\nx-amz-checksum-crc32:abc\r\n\r\n").unwrap(),
            b"hello"
        );
        assert!(decode_aws_chunked(b"9\r\nabc").is_none());
        assert_eq!(xml_unescape(&xml_escape("a<&>\"'")), "a<&>\"'");
        assert_eq!(key_of_token(&token_of("a/ü")).as_deref(), Some("a/ü"));
        assert!(key_of_token("zz").is_none());
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(iso8601(1_772_694_489_123), "2026-03-05T07:08:09.123Z");
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("my-bucket.localhost:4566"));
        assert_eq!(virtual_bucket(&h).as_deref(), Some("my-bucket"));
        h.insert(HOST, HeaderValue::from_static("127.0.0.1:4566"));
        assert_eq!(virtual_bucket(&h), None);
        h.insert(HOST, HeaderValue::from_static("b2.s3.localhost"));
        assert_eq!(virtual_bucket(&h).as_deref(), Some("b2"));
        h.insert(HOST, HeaderValue::from_static("b3.s3.localhost.localstack.cloud:4566"));
        assert_eq!(virtual_bucket(&h).as_deref(), Some("b3"));
        h.insert(HOST, HeaderValue::from_static("s3.localhost.localstack.cloud:4566"));
        assert_eq!(virtual_bucket(&h), None);
    }
}
