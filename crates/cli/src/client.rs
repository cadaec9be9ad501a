//! The HTTP client: endpoint resolution, SigV4 signing (the `aws-sigv4` crate) and the
//! awsJson protocol the CLI speaks to Kinesis, SQS and Firehose.

use crate::creds::Keys;
use crate::error::CliError;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use std::time::SystemTime;

/// The services the CLI talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Svc {
    /// Kinesis Data Streams (awsJson 1.1).
    Kinesis,
    /// SQS (awsJson 1.0).
    Sqs,
    /// Firehose (awsJson 1.1).
    Firehose,
    /// EventBridge Pipes (restJson).
    Pipes,
    /// S3 (restXml).
    S3,
}

impl Svc {
    /// The SigV4 signing name, also the host prefix on AWS.
    fn name(self) -> &'static str {
        match self {
            Svc::Kinesis => "kinesis",
            Svc::Sqs => "sqs",
            Svc::Firehose => "firehose",
            Svc::Pipes => "pipes",
            Svc::S3 => "s3",
        }
    }

    /// The `X-Amz-Target` prefix and content type of the awsJson services.
    fn json_protocol(self) -> (&'static str, &'static str) {
        match self {
            Svc::Sqs => ("AmazonSQS", "application/x-amz-json-1.0"),
            Svc::Firehose => ("Firehose_20150804", "application/x-amz-json-1.1"),
            _ => ("Kinesis_20131202", "application/x-amz-json-1.1"),
        }
    }
}

/// Where requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// One base URL for every service (kinesin, another emulator, a proxy).
    Url(String),
    /// AWS's regional endpoints (`https://SERVICE.REGION.amazonaws.com`), or the service's
    /// `AWS_ENDPOINT_URL_<SERVICE>` when set.
    Aws,
}

/// The default local endpoint: kinesin on `KINESIN_PORT` (4566) of 127.0.0.1.
fn local_url() -> String {
    let port = std::env::var("KINESIN_PORT").ok().and_then(|p| p.parse::<u16>().ok()).unwrap_or(4566);
    format!("http://127.0.0.1:{port}")
}

/// `--endpoint URL` (or `aws`), else `AWS_ENDPOINT_URL`, else the local kinesin.
pub fn resolve(flag: Option<&str>) -> Endpoint {
    match flag.map(str::trim) {
        Some("aws") => Endpoint::Aws,
        Some(u) if !u.is_empty() => Endpoint::Url(u.trim_end_matches('/').to_string()),
        _ => match std::env::var("AWS_ENDPOINT_URL").ok().filter(|v| !v.trim().is_empty()) {
            Some(u) => Endpoint::Url(u.trim_end_matches('/').to_string()),
            None => Endpoint::Url(local_url()),
        },
    }
}

/// Signing settings: S3 signs its payload hash (`x-amz-content-sha256`).
fn settings(svc: Svc) -> SigningSettings {
    let mut s = SigningSettings::default();
    if svc == Svc::S3 {
        s.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
    }
    s
}

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

/// A signed client for one endpoint, region and set of keys.
pub struct Client {
    http: HyperClient<Https, Full<Bytes>>,
    endpoint: Endpoint,
    explicit: bool,
    /// The signing region.
    pub region: String,
    keys: Keys,
}

fn connector() -> Result<Https, CliError> {
    use tokio_rustls::rustls::{crypto, ClientConfig, RootCertStore};
    let provider = std::sync::Arc::new(crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError::Http(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http().enable_http1().build())
}

impl Client {
    /// A client; `explicit` says the endpoint came from `--endpoint` (it then wins over
    /// the per-service `AWS_ENDPOINT_URL_<SERVICE>` variables).
    pub fn new(endpoint: Endpoint, explicit: bool, region: String, keys: Keys) -> Result<Client, CliError> {
        let http = HyperClient::builder(TokioExecutor::new()).build(connector()?);
        Ok(Client { http, endpoint, explicit, region, keys })
    }

    /// The base URL of a service.
    pub fn base(&self, svc: Svc) -> String {
        let var = format!("AWS_ENDPOINT_URL_{}", svc.name().to_ascii_uppercase());
        if !self.explicit {
            if let Some(u) = std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
                return u.trim_end_matches('/').to_string();
            }
        }
        match &self.endpoint {
            Endpoint::Url(u) => u.clone(),
            Endpoint::Aws => format!("https://{}.{}.amazonaws.com", svc.name(), self.region),
        }
    }

    /// The account the keys name, when the access key id is a 12-digit account id (as
    /// kinesin reads it).
    pub fn account_id(&self) -> Option<&str> {
        let k = self.keys.access_key.as_str();
        (k.len() == 12 && k.bytes().all(|b| b.is_ascii_digit())).then_some(k)
    }

    /// Whether requests go to AWS itself (the internal kinesin API is not there).
    pub fn is_aws(&self) -> bool {
        self.endpoint == Endpoint::Aws
    }

    /// Calls an awsJson operation and returns the decoded response.
    pub async fn call(&self, svc: Svc, op: &str, body: &Value) -> Result<Value, CliError> {
        let (prefix, ct) = svc.json_protocol();
        let target = format!("{prefix}.{op}");
        let payload = Bytes::from(serde_json::to_vec(body).map_err(|e| CliError::Http(e.to_string()))?);
        let headers = [("content-type", ct), ("x-amz-target", target.as_str())];
        let (status, bytes) = self.send(svc, "POST", "/", &headers, payload).await?;
        let value: Value =
            if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        if status >= 300 {
            return Err(CliError::aws(status, &value, &bytes));
        }
        Ok(value)
    }

    /// A signed GET of `path` (with its query) on a service; the status and body.
    pub async fn get(&self, svc: Svc, path: &str) -> Result<(u16, Bytes), CliError> {
        self.send(svc, "GET", path, &[], Bytes::new()).await
    }

    async fn send(
        &self,
        svc: Svc,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(u16, Bytes), CliError> {
        let url = format!("{}{path}", self.base(svc));
        let uri: hyper::Uri = url.parse().map_err(|e| CliError::Usage(format!("bad endpoint URL {url}: {e}")))?;
        let host = uri.authority().map(|a| a.as_str().to_string()).unwrap_or_default();
        let mut req = hyper::Request::builder().method(method).uri(uri).header("host", host);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = req.body(Full::new(body.clone())).map_err(|e| CliError::Http(e.to_string()))?;
        self.sign(svc, &mut req, &body)?;
        let resp = self.http.request(req).await.map_err(|e| CliError::Http(format!("{url}: {e}")))?;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await.map_err(|e| CliError::Http(e.to_string()))?.to_bytes();
        Ok((status, bytes))
    }

    fn sign(&self, svc: Svc, req: &mut hyper::Request<Full<Bytes>>, body: &[u8]) -> Result<(), CliError> {
        let creds = aws_credential_types::Credentials::new(
            &self.keys.access_key,
            &self.keys.secret_key,
            self.keys.session_token.clone(),
            None,
            "kinesin-cli",
        );
        let identity = creds.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(svc.name())
            .time(SystemTime::now())
            .settings(settings(svc))
            .build()
            .map_err(|e| CliError::Http(e.to_string()))?
            .into();
        let headers = req.headers().iter().filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?)));
        let uri = req.uri().to_string();
        let signable = SignableRequest::new(req.method().as_str(), &uri, headers, SignableBody::Bytes(body))
            .map_err(|e| CliError::Http(e.to_string()))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| CliError::Http(e.to_string()))?.into_parts();
        instructions.apply_to_request_http1x(req);
        Ok(())
    }
}
