//! Optional SigV4 verification (`--verify-sigv4`): the signature of every AWS request is
//! recomputed with the secret of its access key (from `--credentials FILE` or kinesin's own
//! `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`), and a mismatch is answered with the error of
//! the request's service: `InvalidSignatureException` (JSON services), `SignatureDoesNotMatch`
//! (S3, SQS query). The request time is not checked against the clock (time travel moves it).

use crate::http::Resp;
use crate::wire::refusal;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{HeaderMap, Method, Uri};
use kinesin_protocol::percent::query_pairs;
use ring::{digest, hmac};
use std::collections::HashMap;
use std::path::Path;

/// The hash S3 clients send for bodies they do not sign.
const UNSIGNED: &str = "UNSIGNED-PAYLOAD";

/// Known access keys and their secrets.
#[derive(Debug, Default)]
pub struct Verifier {
    secrets: HashMap<String, String>,
}

/// A request whose signature is checked once its body is read (its payload hash is the
/// body's): the handler calls [`Pending::verify`].
#[derive(Clone)]
pub struct Pending(pub std::sync::Arc<Verifier>);

impl Pending {
    /// The error answer when the signature does not hold.
    pub fn verify(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Option<Resp> {
        self.0.check(method, uri, headers, Some(body)).err().map(|e| e.into_response(headers))
    }
}

/// Why a request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SigError {
    /// No signature at all.
    Missing,
    /// The access key id is not known.
    UnknownKey,
    /// The signature does not match.
    Mismatch,
}

/// The parts of a signature a request carries (header or presigned query).
struct Signed {
    key: String,
    date: String,
    scope: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
    presigned: bool,
}

impl Verifier {
    /// Keys from an AWS shared-credentials style file (`aws_access_key_id` /
    /// `aws_secret_access_key` pairs, any sections) and from `env_pair`.
    pub fn load(file: Option<&Path>, env_pair: Option<(String, String)>) -> Result<Self, String> {
        let mut secrets = HashMap::new();
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut key: Option<String> = None;
            let mut secret: Option<String> = None;
            for line in text.lines().map(str::trim) {
                if line.starts_with('[') {
                    key = None;
                    secret = None;
                }
                let Some((k, v)) = line.split_once('=') else { continue };
                match k.trim().to_ascii_lowercase().as_str() {
                    "aws_access_key_id" => key = Some(v.trim().to_string()),
                    "aws_secret_access_key" => secret = Some(v.trim().to_string()),
                    _ => continue,
                }
                if let (Some(k), Some(s)) = (&key, &secret) {
                    secrets.insert(k.clone(), s.clone());
                }
            }
        }
        if let Some((k, s)) = env_pair {
            secrets.insert(k, s);
        }
        if secrets.is_empty() {
            return Err(
                "--verify-sigv4 needs keys: --credentials FILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY".into()
            );
        }
        Ok(Self { secrets })
    }

    /// Whether the request's payload hash is known without its body (S3's
    /// `x-amz-content-sha256`, or a presigned URL), so it can be checked before the body is read.
    pub fn needs_body(uri: &Uri, headers: &HeaderMap) -> bool {
        !headers.contains_key("x-amz-content-sha256") && !uri.query().is_some_and(|q| q.contains("X-Amz-Signature="))
    }

    /// Checks a request; `body` is needed when [`Verifier::needs_body`].
    pub fn check(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: Option<&[u8]>) -> Result<(), SigError> {
        let signed = parse(uri, headers).ok_or(SigError::Missing)?;
        let secret = self.secrets.get(&signed.key).ok_or(SigError::UnknownKey)?;
        let payload = match headers.get("x-amz-content-sha256").and_then(|v| v.to_str().ok()) {
            Some(h) => h.to_string(),
            None if signed.presigned && signed.service == "s3" => UNSIGNED.to_string(),
            None => hex::encode(digest::digest(&digest::SHA256, body.unwrap_or_default()).as_ref()),
        };
        let canonical = canonical_request(method, uri, headers, &signed, &payload);
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{}\n{}",
            signed.date,
            signed.scope,
            hex::encode(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref())
        );
        let mut k = hmac::Key::new(hmac::HMAC_SHA256, format!("AWS4{secret}").as_bytes());
        for part in signed.scope.split('/') {
            k = hmac::Key::new(hmac::HMAC_SHA256, hmac::sign(&k, part.as_bytes()).as_ref());
        }
        let given = hex::decode(&signed.signature).unwrap_or_default();
        if hmac::verify(&k, to_sign.as_bytes(), &given).is_ok() {
            Ok(())
        } else {
            tracing::debug!(%canonical, "SigV4 signature mismatch");
            Err(SigError::Mismatch)
        }
    }
}

impl SigError {
    /// The error the request's service answers.
    pub fn into_response(self, headers: &HeaderMap) -> Resp {
        let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let json = headers.contains_key("x-amz-target") || ct.contains("json") || ct.contains("cbor");
        let query = ct.starts_with("application/x-www-form-urlencoded");
        let service = headers
            .get(AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .map(kinesin_protocol::sigv4::parse_authorization)
            .and_then(|c| c.service);
        let pipes = service == Some("pipes");
        match (self, json || pipes, query) {
            (SigError::Missing, true, _) => {
                refusal(headers, if pipes { 403 } else { 400 }, "MissingAuthenticationTokenException", "Missing Authentication Token")
            }
            (SigError::UnknownKey, true, _) => refusal(
                headers,
                if pipes { 403 } else { 400 },
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
            (SigError::Mismatch, true, _) => refusal(
                headers,
                if pipes { 403 } else { 400 },
                "InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ),
            (SigError::Missing, false, true) => refusal(headers, 403, "MissingAuthenticationToken", "Request is missing Authentication Token"),
            (SigError::UnknownKey, false, true) => {
                refusal(headers, 403, "InvalidClientTokenId", "The security token included in the request is invalid.")
            }
            (SigError::Mismatch, false, true) => refusal(
                headers,
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ),
            (SigError::Missing, false, false) => refusal(headers, 403, "AccessDenied", "Access Denied"),
            (SigError::UnknownKey, false, false) => refusal(
                headers,
                403,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
            ),
            (SigError::Mismatch, false, false) => refusal(
                headers,
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            ),
        }
    }
}

/// The signature parts from `Authorization` or from a presigned URL's query.
fn parse(uri: &Uri, headers: &HeaderMap) -> Option<Signed> {
    if let Some(auth) = headers.get(AUTHORIZATION).and_then(|h| h.to_str().ok()) {
        let rest = auth.strip_prefix("AWS4-HMAC-SHA256")?;
        let field = |name: &str| rest.split(',').find_map(|p| p.trim().strip_prefix(name)).map(str::to_owned);
        let cred = field("Credential=")?;
        let date = headers.get("x-amz-date").and_then(|v| v.to_str().ok())?.to_string();
        return signed(cred, date, field("SignedHeaders=")?, field("Signature=")?, false);
    }
    let q = query_pairs(uri.query()?);
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
        return None;
    }
    signed(get("X-Amz-Credential")?, get("X-Amz-Date")?, get("X-Amz-SignedHeaders")?, get("X-Amz-Signature")?, true)
}

fn signed(cred: String, date: String, headers: String, signature: String, presigned: bool) -> Option<Signed> {
    let (key, scope) = cred.split_once('/')?;
    let service = scope.split('/').nth(2)?.to_string();
    Some(Signed {
        key: key.to_string(),
        date,
        scope: scope.to_string(),
        service,
        signed_headers: headers.split(';').map(|h| h.trim().to_ascii_lowercase()).collect(),
        signature: signature.trim().to_ascii_lowercase(),
        presigned,
    })
}

/// SigV4's canonical request.
fn canonical_request(method: &Method, uri: &Uri, headers: &HeaderMap, s: &Signed, payload: &str) -> String {
    // S3 signs the path as sent; the other services sign it encoded once more.
    let path = if uri.path().is_empty() { "/" } else { uri.path() };
    let path = if s.service == "s3" { path.to_string() } else { encode(path, false) };
    let mut pairs: Vec<(String, String)> = query_pairs(uri.query().unwrap_or(""))
        .into_iter()
        .filter(|(k, _)| !(s.presigned && k == "X-Amz-Signature"))
        .map(|(k, v)| (encode(&k, true), encode(&v, true)))
        .collect();
    pairs.sort();
    let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut out = format!("{method}\n{path}\n{}\n", query.join("&"));
    for name in &s.signed_headers {
        let values: Vec<String> = if name == "host" && !headers.contains_key(HOST) {
            uri.authority().map(|a| vec![a.to_string()]).unwrap_or_default()
        } else {
            headers.get_all(name.as_str()).iter().map(|v| collapse(&String::from_utf8_lossy(v.as_bytes()))).collect()
        };
        out.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    out.push_str(&format!("\n{}\n{payload}", s.signed_headers.join(";")));
    out
}

/// Trims a header value and collapses its runs of spaces.
fn collapse(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// SigV4's URI encoding: unreserved characters stay, the rest become `%XX`; `/` stays
/// unless `slash` says to encode it.
fn encode(s: &str, slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b'/' if !slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    /// AWS's documented example (the `get-vanilla` case of the SigV4 test suite).
    #[test]
    fn aws_test_suite_get_vanilla() {
        let v = Verifier {
            secrets: [("AKIDEXAMPLE".to_string(), "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".to_string())].into(),
        };
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("example.amazonaws.com"));
        h.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        let sig = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let auth = format!("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={sig}");
        h.insert(AUTHORIZATION, HeaderValue::from_str(&auth).unwrap());
        let uri = Uri::from_static("/");
        assert_eq!(v.check(&Method::GET, &uri, &h, Some(b"")), Ok(()));
        h.insert(AUTHORIZATION, HeaderValue::from_str(&auth.replace("5fa0", "5fa1")).unwrap());
        assert_eq!(v.check(&Method::GET, &uri, &h, Some(b"")), Err(SigError::Mismatch));
        h.insert(AUTHORIZATION, HeaderValue::from_str(&auth.replace("AKIDEXAMPLE", "AKIDOTHER")).unwrap());
        assert_eq!(v.check(&Method::GET, &uri, &h, Some(b"")), Err(SigError::UnknownKey));
        h.remove(AUTHORIZATION);
        assert_eq!(v.check(&Method::GET, &uri, &h, Some(b"")), Err(SigError::Missing));
    }
}
