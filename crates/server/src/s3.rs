//! A minimal S3 REST surface on the same port, enough for `aws s3 ls/cp` and the SDKs to
//! read Firehose deliveries: buckets (list, create, head, delete, location) and objects
//! (ListObjects/V2, Get with Range, Head, Put, Delete, DeleteObjects, CopyObject), multipart
//! uploads (`multipart.rs`), object versions (`versioning.rs`). Path-style
//! `/<bucket>/<key>` and virtual-host `<bucket>.localhost[:port]` addressing. Objects live in
//! the SQLite store; keys are plain strings and never become file-system paths.

use crate::http::{header, Resp};
use crate::runner::{self, Front};
use crate::wire::{self, s3_response as response, s3_xml as xml};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderName;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::{HeaderMap, Method, Request, Uri};
use kinesin_protocol::restxml;
use kinesin_protocol::s3::listing::Listing;
use kinesin_protocol::s3::query::part_number;
use kinesin_protocol::s3::query::Query;
use kinesin_protocol::s3::requests::{
    BucketRequest, DeleteObjectRequest, GetObjectRequest, ListObjectsRequest, ListObjectsV2Request, PutObjectRequest,
};
use kinesin_protocol::s3::types::{CreateBucketOutput, XMLNS};
use kinesin_protocol::s3::{chunked, target};
use kinesin_protocol::sigv4;
use kinesin_state::s3::api::{ops, Op, S3Api, S3Effect};
use kinesin_state::s3::read::{Object, Read};
use kinesin_state::s3::{self, ObjectMeta, S3Error};
use kinesin_state::service::{Operation, Service};
use kinesin_state::{Ctx, Db};
use route::Addressed;
use serde_json::Value;

mod bucket_config;
mod multipart;
mod route;
mod versioning;

/// The S3 surface.
#[derive(Clone)]
pub struct S3 {
    db: Db,
    wake_firehose: Option<kinesin_state::firehose::Firehose>,
}

/// Whether a request without `X-Amz-Target` that is not an SQS query is meant for S3:
/// a path other than `/`, a virtual-host bucket, or a SigV4 scope for `s3`.
pub fn claims(headers: &HeaderMap, path: &str) -> bool {
    path != "/" || host(headers).and_then(target::virtual_bucket).is_some() || signed_for_s3(headers)
}

fn signed_for_s3(headers: &HeaderMap) -> bool {
    headers
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .map(sigv4::parse_authorization)
        .is_some_and(|c| c.service == Some("s3"))
}

fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(HOST)?.to_str().ok()
}

/// A header's value when it is text.
fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Milliseconds as an HTTP date.
fn http_date(ms: i64) -> String {
    restxml::http_date(ms.div_euclid(1000) as f64)
}

/// An S3 error in S3's XML shape (no body for HEAD).
fn error(e: &S3Error, head: bool) -> Resp {
    let resource = e.resource.as_ref().map(|(name, value)| (*name, value.as_str()));
    wire::s3_error(e.code, &e.message, e.status, resource, head)
}

fn not_implemented(what: &str) -> S3Error {
    S3Error::other("NotImplemented", format!("{what} is not implemented by kinesin."), 501)
}

/// The body of a PUT, `aws-chunked` decoded when it is, checked against `Content-MD5`.
fn request_data(headers: &HeaderMap, body: &Bytes) -> Result<Vec<u8>, S3Error> {
    let h = |n: &str| text(headers, n).unwrap_or("");
    let data = if chunked::is_chunked(h("x-amz-content-sha256"), h("content-encoding")) {
        chunked::decode(body)?
    } else {
        body.to_vec()
    };
    if let Some(given) = headers.get("content-md5") {
        s3::check_content_md5(given.to_str().unwrap_or(""), &data)?;
    }
    Ok(data)
}

impl Front<S3Api> for S3 {
    type Scope = ();

    fn db(&self) -> &Db {
        &self.db
    }

    fn scope(&self, _caller: &Ctx, _operation: &str, _doc: &Value) -> Self::Scope {}

    fn apply(&self, effect: S3Effect, _scope: &()) {
        match effect {
            S3Effect::BucketCreated => {
                if let Some(f) = &self.wake_firehose {
                    f.wake();
                }
            }
        }
    }
}

/// What the routing of a request reads of it, once its bucket and key are known.
struct Req<'a> {
    method: &'a Method,
    headers: &'a HeaderMap,
    query: Query,
    body: Bytes,
}

impl S3 {
    /// The S3 surface over the store; deliveries waiting for a bucket are retried sooner when
    /// `firehose` is given and a bucket is created.
    pub fn new(db: Db, firehose: Option<kinesin_state::firehose::Firehose>) -> Self {
        Self { db, wake_firehose: firehose }
    }

    /// Runs operation `O` through the one runner (its effects applied), keeping S3's error.
    async fn call<O: Operation<Service = S3Api>>(&self, ctx: &Ctx, input: O::Input) -> Result<O::Output, S3Error> {
        runner::call::<Self, O>(self, ctx.clone(), input, ()).await
    }

    /// CreateBucket (as the init file asks for its buckets).
    pub async fn create_bucket(&self, ctx: &Ctx, bucket: String) -> Result<CreateBucketOutput, S3Error> {
        self.call::<ops::CreateBucket>(ctx, BucketRequest { bucket }).await
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
        let target::Target { bucket, key } = target::parse(uri.path(), host(headers))?;
        if matches!(*method, Method::PUT | Method::POST) {
            target::check_key(&key)?;
        }
        let raw_query = uri.query().unwrap_or("");
        let req = Req { method, headers, query: Query::parse(raw_query), body };
        let at = match (&bucket, key.is_empty()) {
            (None, _) => Addressed::Service,
            (Some(_), true) => Addressed::Bucket,
            (Some(_), false) => Addressed::Object,
        };
        let op = route::route(method, at, &req.query, raw_query, headers)?;
        let bucket = bucket.unwrap_or_default();
        match at {
            Addressed::Object => self.object_op(op, &ctx, (bucket, key), &req).await,
            _ => self.bucket_op(op, &ctx, bucket, &req).await,
        }
    }

    /// An operation on the service or a bucket.
    async fn bucket_op(&self, op: Op, ctx: &Ctx, bucket: String, req: &Req<'_>) -> Result<Resp, S3Error> {
        let q = &req.query;
        match op {
            Op::ListBuckets => self.list_buckets(ctx).await,
            Op::CreateBucket => {
                let out = self.create_bucket(ctx, bucket).await?;
                Ok(answer::<ops::CreateBucket>(200, &out, ""))
            }
            Op::HeadBucket => {
                let out = self.call::<ops::HeadBucket>(ctx, BucketRequest { bucket }).await?;
                Ok(answer::<ops::HeadBucket>(200, &out, ""))
            }
            Op::DeleteBucket => {
                self.call::<ops::DeleteBucket>(ctx, BucketRequest { bucket }).await?;
                Ok(response(204, Bytes::new()))
            }
            Op::GetBucketLocation => {
                let out = self.call::<ops::GetBucketLocation>(ctx, BucketRequest { bucket }).await?;
                let region = out.location_constraint.unwrap_or_default();
                Ok(xml(200, format!("<LocationConstraint xmlns=\"{XMLNS}\">{region}</LocationConstraint>")))
            }
            Op::ListMultipartUploads => self.list_uploads(ctx, bucket, q).await,
            Op::ListObjectVersions => self.list_versions(ctx, bucket, q).await,
            Op::ListObjects => self.list_objects(ctx, bucket, q).await,
            Op::ListObjectsV2 => self.list_objects_v2(ctx, bucket, q).await,
            Op::DeleteObjects => self.delete_objects(ctx, bucket, &req.body).await,
            op => self.setting(op, ctx, bucket, req).await,
        }
    }

    /// An operation on an object: multipart uploads, then Get, Head, Put, Copy and Delete.
    async fn object_op(
        &self,
        op: Op,
        ctx: &Ctx,
        (bucket, key): (String, String),
        req: &Req<'_>,
    ) -> Result<Resp, S3Error> {
        let q = &req.query;
        let upload_id = || q.get("uploadId").unwrap_or_default().to_owned();
        let version_id = q.get("versionId").map(str::to_owned);
        match op {
            Op::CreateMultipartUpload => self.create_upload(ctx, (bucket, key), req.headers).await,
            Op::UploadPart | Op::UploadPartCopy => {
                let number = q.get("partNumber").unwrap_or_default();
                let data = request_data(req.headers, &req.body)?;
                self.upload_part(ctx, (bucket, key), (number, upload_id()), req.headers, data).await
            }
            Op::CompleteMultipartUpload => {
                self.complete_upload(ctx, (bucket, key), upload_id(), req.headers, &req.body).await
            }
            Op::AbortMultipartUpload => self.abort_upload(ctx, (bucket, key), upload_id()).await,
            Op::ListParts => self.list_parts(ctx, (bucket, key), upload_id(), q).await,
            Op::GetObject | Op::HeadObject => {
                self.read_object(ctx, GetObjectRequest { bucket, key, version_id, range: None, part_number: None }, req)
                    .await
            }
            Op::CopyObject => self.copy_object(ctx, (bucket, key), req.headers).await,
            Op::PutObject => self.put_object(ctx, (bucket, key), req).await,
            Op::DeleteObject => self.delete_object(ctx, DeleteObjectRequest { bucket, key, version_id }).await,
            _ => Err(method_not_allowed()),
        }
    }

    /// PutObject.
    async fn put_object(&self, ctx: &Ctx, (bucket, key): (String, String), req: &Req<'_>) -> Result<Resp, S3Error> {
        let data = request_data(req.headers, &req.body)?;
        let content_type = req.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let put = PutObjectRequest { bucket, key, body: data, content_type };
        let out = self.call::<ops::PutObject>(ctx, put).await?;
        Ok(answer::<ops::PutObject>(200, &out, ""))
    }

    async fn list_buckets(&self, ctx: &Ctx) -> Result<Resp, S3Error> {
        let out = self.call::<ops::ListBuckets>(ctx, ()).await?;
        Ok(answer::<ops::ListBuckets>(200, &out, "ListAllMyBucketsResult"))
    }

    /// ListObjects.
    async fn list_objects(&self, ctx: &Ctx, bucket: String, q: &Query) -> Result<Resp, S3Error> {
        let Listing { prefix, delimiter, max_keys, url_encoded } = Listing::parse(q)?;
        let marker = q.get("marker").map(str::to_owned);
        let encoding_type = url_encoded.then(|| "url".to_string());
        let r = ListObjectsRequest {
            bucket,
            delimiter,
            encoding_type,
            marker,
            max_keys: max_keys as i64,
            prefix: Some(prefix),
        };
        let out = self.call::<ops::ListObjects>(ctx, r).await?;
        Ok(answer::<ops::ListObjects>(200, &out, "ListBucketResult"))
    }

    /// ListObjectsV2.
    async fn list_objects_v2(&self, ctx: &Ctx, bucket: String, q: &Query) -> Result<Resp, S3Error> {
        let Listing { prefix, delimiter, max_keys, url_encoded } = Listing::parse(q)?;
        let text = |name: &str| q.get(name).map(str::to_owned);
        let r = ListObjectsV2Request {
            bucket,
            continuation_token: text("continuation-token"),
            delimiter,
            encoding_type: url_encoded.then(|| "url".to_string()),
            max_keys: max_keys as i64,
            prefix: Some(prefix),
            start_after: text("start-after"),
        };
        let out = self.call::<ops::ListObjectsV2>(ctx, r).await?;
        Ok(answer::<ops::ListObjectsV2>(200, &out, "ListBucketResult"))
    }

    /// GetObject or HeadObject (`versionId`, `partNumber`, `Range`); a delete marker is
    /// answered as S3 answers it.
    async fn read_object(&self, ctx: &Ctx, mut r: GetObjectRequest, req: &Req<'_>) -> Result<Resp, S3Error> {
        let head = *req.method == Method::HEAD;
        r.part_number = req.query.get("partNumber").map(part_number).transpose()?.map(|n| n as i64);
        r.range = text(req.headers, "range").map(str::to_owned);
        let key = r.key.clone();
        let read = match head {
            true => self.call::<ops::HeadObject>(ctx, r).await?,
            false => self.call::<ops::GetObject>(ctx, r).await?,
        };
        Ok(match read {
            Read::Marker { marker, named } => versioning::marker_answer(&marker, named, &key, head),
            Read::Object(o) => object_answer(o, head),
        })
    }
}

/// The answer of operation `O` written from its output by the model: its header members as
/// headers and, when it has one, its XML body under `root`.
fn answer<O: Operation<Service = S3Api>>(status: u16, out: &O::Output, root: &str) -> Resp {
    let encoded = restxml::encode_output(S3Api::model(), O::NAME, out, root, XMLNS);
    let mut r = match encoded.body {
        Some(body) => xml(status, body),
        None => response(status, Bytes::new()),
    };
    for (name, value) in &encoded.headers {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            header(&mut r, name, value);
        }
    }
    r
}

/// An object read: 206 with `content-range` for a span, `content-length` for a HEAD, and
/// `x-amz-mp-parts-count` when a part of a multipart object was asked.
fn object_answer(o: Object, head: bool) -> Resp {
    let Object { meta, data, span, part } = o;
    let mut r = response(if span.is_some() { 206 } else { 200 }, data);
    object_headers(&mut r, &meta);
    if let Some((s, e)) = span {
        header(&mut r, "content-range", &format!("bytes {s}-{}/{}", e - 1, meta.size));
    }
    if head {
        let length = span.map_or(meta.size as u64, |(s, e)| e - s);
        header(&mut r, "content-length", &length.to_string());
    }
    if part && !meta.part_sizes.is_empty() {
        header(&mut r, "x-amz-mp-parts-count", &meta.part_sizes.len().to_string());
    }
    r
}

fn method_not_allowed() -> S3Error {
    S3Error::other("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
}

fn object_headers(r: &mut Resp, m: &ObjectMeta) {
    header(r, "etag", &format!("\"{}\"", m.etag));
    header(r, "last-modified", &http_date(m.modified_ms));
    header(r, "accept-ranges", "bytes");
    header(r, "content-type", m.content_type.as_deref().unwrap_or("binary/octet-stream"));
    versioning::version_header(r, "x-amz-version-id", &m.version_id);
    let _ = CONTENT_LENGTH;
}
