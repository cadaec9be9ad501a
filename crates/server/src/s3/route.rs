//! Which S3 operation a request is, by its method, whether it names a bucket and a key, its
//! query and (for copies) `x-amz-copy-source`: the HTTP bindings of the botocore model
//! (checked against it by the tests below).

use super::{bucket_config, method_not_allowed, not_implemented};
use hyper::{HeaderMap, Method};
use kinesin_protocol::s3::query::Query;
use kinesin_state::s3::api::Op;
use kinesin_state::s3::S3Error;

/// What a request addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Addressed {
    /// The service (`/`).
    Service,
    /// A bucket.
    Bucket,
    /// An object.
    Object,
}

/// The operation of a request (`NotImplemented` for subresources kinesin does not serve,
/// `MethodNotAllowed` for methods S3 has no operation for).
pub(super) fn route(
    method: &Method,
    at: Addressed,
    q: &Query,
    raw_query: &str,
    headers: &HeaderMap,
) -> Result<Op, S3Error> {
    match at {
        Addressed::Service if *method == Method::GET => Ok(Op::ListBuckets),
        Addressed::Service => Err(method_not_allowed()),
        Addressed::Bucket => bucket_op(method, q).ok_or_else(|| match bucket_config::which(q) {
            Some(_) => method_not_allowed(),
            None => unserved(method, "a bucket", q, raw_query),
        }),
        Addressed::Object => object_op(method, q, headers).ok_or_else(|| unserved(method, "an object", q, raw_query)),
    }
}

/// No operation: an unserved subresource, else a method S3 does not allow there (a bucket
/// setting kinesin serves answers MethodNotAllowed for a method S3 has no operation for,
/// such as DELETE `?acl`).
fn unserved(method: &Method, on: &str, q: &Query, raw_query: &str) -> S3Error {
    if q.subresource() {
        return not_implemented(&format!("{method} on {on} with ?{raw_query}"));
    }
    method_not_allowed()
}

fn bucket_op(method: &Method, q: &Query) -> Option<Op> {
    let subresource = q.subresource();
    Some(match *method {
        Method::PUT if !subresource => Op::CreateBucket,
        Method::HEAD => Op::HeadBucket,
        Method::DELETE if !subresource => Op::DeleteBucket,
        Method::GET if q.has("location") => Op::GetBucketLocation,
        Method::GET if q.has("uploads") => Op::ListMultipartUploads,
        Method::GET if q.has("versions") => Op::ListObjectVersions,
        Method::GET if !subresource && q.get("list-type") == Some("2") => Op::ListObjectsV2,
        Method::GET if !subresource => Op::ListObjects,
        Method::POST if q.has("delete") => Op::DeleteObjects,
        _ => return bucket_config::which(q).and_then(|kind| kind.op(method)),
    })
}

fn object_op(method: &Method, q: &Query, headers: &HeaderMap) -> Option<Op> {
    let copy = headers.contains_key("x-amz-copy-source");
    if q.has("uploadId") {
        match *method {
            Method::PUT if copy => return Some(Op::UploadPartCopy),
            Method::PUT => return Some(Op::UploadPart),
            Method::POST => return Some(Op::CompleteMultipartUpload),
            Method::DELETE => return Some(Op::AbortMultipartUpload),
            Method::GET => return Some(Op::ListParts),
            _ => {}
        }
    }
    if *method == Method::POST && q.has("uploads") {
        return Some(Op::CreateMultipartUpload);
    }
    if q.subresource() {
        return None;
    }
    Some(match *method {
        Method::GET => Op::GetObject,
        Method::HEAD => Op::HeadObject,
        Method::PUT if copy => Op::CopyObject,
        Method::PUT => Op::PutObject,
        Method::DELETE => Op::DeleteObject,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// The botocore model's HTTP binding of every operation kinesin serves routes to it: its
    /// method, its request URI (bucket, key, fixed query) and its required query and header
    /// members.
    #[test]
    fn every_operation_routes_as_the_model_binds_it() {
        let doc: Value = serde_json::from_str(include_str!("../../../protocol/models/s3.json")).unwrap();
        for op in Op::ALL {
            let spec = &doc["operations"][op.name()];
            assert!(spec.is_object(), "{} is not in the model", op.name());
            let method: Method = spec["http"]["method"].as_str().unwrap().parse().unwrap();
            let uri = spec["http"]["requestUri"].as_str().unwrap();
            let (path, fixed) = uri.split_once('?').unwrap_or((uri, ""));
            let at = match (path.contains("{Bucket}"), path.contains("{Key+}")) {
                (false, _) => Addressed::Service,
                (true, false) => Addressed::Bucket,
                (true, true) => Addressed::Object,
            };
            let mut query: Vec<String> = fixed.split('&').filter(|p| !p.is_empty()).map(str::to_owned).collect();
            let mut headers = HeaderMap::new();
            let input = &doc["shapes"][spec["input"]["shape"].as_str().unwrap_or("")];
            for name in input["required"].as_array().into_iter().flatten() {
                let member = &input["members"][name.as_str().unwrap()];
                let wire = member["locationName"].as_str().unwrap_or("");
                match member["location"].as_str() {
                    Some("querystring") => query.push(format!("{wire}=1")),
                    Some("header") => {
                        headers.insert(
                            hyper::header::HeaderName::from_bytes(wire.as_bytes()).unwrap(),
                            "b/k".parse().unwrap(),
                        );
                    }
                    _ => {}
                }
            }
            let raw = query.join("&");
            let routed = route(&method, at, &Query::parse(&raw), &raw, &headers);
            assert_eq!(routed, Ok(*op), "{method} {uri} ?{raw}");
        }
    }
}
