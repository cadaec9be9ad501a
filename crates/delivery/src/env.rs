//! What delivery needs from the process: Lambda bindings, OpenSearch domain bindings, an
//! HTTP(S) client and the clock.

use crate::jq_worker::Workers;
use crate::tls::{client_config, TlsTrust};
use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use kinesin_state::Clock;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The HTTP client shared by Lambda URLs and network destinations (HTTP/1.1, plain or
/// over TLS).
pub type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client trusting per `trust`.
fn http_client(trust: &TlsTrust) -> Result<HttpClient, String> {
    let https =
        HttpsConnectorBuilder::new().with_tls_config(client_config(trust)?).https_or_http().enable_http1().build();
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// What a Lambda ARN is bound to locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LambdaTarget {
    /// A shell command (`sh -c`): the event JSON on stdin, the response JSON on stdout.
    Command(String),
    /// An `http://` or `https://` URL: the event is POSTed, the response body is the function's answer.
    Url(String),
}

/// Parses one `--lambda ARN=TARGET` binding: a TARGET starting with `http://` or
/// `https://` is a URL, anything else a shell command. ARN may also be a bare function name.
pub fn parse_binding(spec: &str) -> Result<(String, LambdaTarget), String> {
    let (arn, target) =
        spec.split_once('=').ok_or_else(|| format!("--lambda {spec:?}: expected ARN=TARGET (a command or a URL)"))?;
    let (arn, target) = (arn.trim(), target.trim());
    if arn.is_empty() || target.is_empty() {
        return Err(format!("--lambda {spec:?}: ARN and TARGET must not be empty"));
    }
    let target = if target.starts_with("http://") || target.starts_with("https://") {
        LambdaTarget::Url(target.to_string())
    } else {
        LambdaTarget::Command(target.to_string())
    };
    Ok((arn.to_string(), target))
}

/// Parses one `--opensearch-endpoint ARN=URL` binding of an OpenSearch (or Elasticsearch)
/// `DomainARN` to a local cluster URL.
pub fn parse_domain_binding(spec: &str) -> Result<(String, String), String> {
    match spec.split_once('=') {
        Some((arn, url)) if !arn.trim().is_empty() && (url.starts_with("http://") || url.starts_with("https://")) => {
            Ok((arn.trim().to_string(), url.trim().trim_end_matches('/').to_string()))
        }
        _ => Err(format!("--opensearch-endpoint {spec:?}: expected DOMAIN_ARN=http://host:port")),
    }
}

/// The unqualified ARN and the function name of a Lambda ARN
/// (`arn:aws:lambda:region:account:function:name[:qualifier]`).
fn function_parts(arn: &str) -> (String, String) {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() >= 7 && parts[0] == "arn" && parts[5] == "function" {
        (parts[..7].join(":"), parts[6].to_string())
    } else {
        (arn.to_string(), arn.to_string())
    }
}

/// The delivery environment.
#[derive(Clone)]
pub struct Env {
    /// Lambda bindings by ARN (or function name).
    pub lambdas: HashMap<String, LambdaTarget>,
    /// How https servers are trusted.
    pub trust: TlsTrust,
    /// The HTTP client, built on first use (reading the system's root certificates costs
    /// start-up time and memory that most runs never need).
    http: Arc<OnceLock<Result<HttpClient, String>>>,
    /// The store's clock (timestamps in events, error records and keys).
    pub clock: Arc<dyn Clock>,
    /// OpenSearch/Elasticsearch `DomainARN` -> cluster URL (`--opensearch-endpoint`): no
    /// domain resolves locally.
    pub domains: HashMap<String, String>,
    /// Worker processes for MetadataExtraction queries; without them queries run in this
    /// process (bounded in steps, stack and time, but not in memory).
    pub jq_workers: Option<Arc<Workers>>,
}

impl Env {
    /// An environment with these Lambda bindings; https servers are trusted per the
    /// system's root certificates (see [`Env::with_tls`]).
    pub fn new(clock: Arc<dyn Clock>, lambdas: impl IntoIterator<Item = (String, LambdaTarget)>) -> Self {
        Self {
            lambdas: lambdas.into_iter().collect(),
            trust: TlsTrust::default(),
            http: Arc::default(),
            clock,
            domains: HashMap::new(),
            jq_workers: None,
        }
    }

    /// The same environment with an HTTP client trusting per `trust` (extra CA files,
    /// or any certificate); an unreadable or empty CA file is an error.
    pub fn with_tls(mut self, trust: &TlsTrust) -> Result<Self, String> {
        trust.check_files()?;
        self.trust = trust.clone();
        self.http = Arc::default();
        Ok(self)
    }

    /// The HTTP client (built on first use).
    pub fn http(&self) -> Result<&HttpClient, String> {
        self.http.get_or_init(|| http_client(&self.trust)).as_ref().map_err(Clone::clone)
    }

    /// The same environment with these OpenSearch domain bindings (`DomainARN` -> URL).
    pub fn with_domains(mut self, domains: impl IntoIterator<Item = (String, String)>) -> Self {
        self.domains.extend(domains);
        self
    }

    /// The same environment running MetadataExtraction queries in these workers.
    pub fn with_jq_workers(mut self, workers: Arc<Workers>) -> Self {
        self.jq_workers = Some(workers);
        self
    }

    /// Now (ms), per the store's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The local target of a Lambda ARN: bound by the exact ARN, else by the ARN without
    /// its version or alias, else by the function name.
    pub fn lambda(&self, arn: &str) -> Option<&LambdaTarget> {
        if let Some(t) = self.lambdas.get(arn) {
            return Some(t);
        }
        let (unqualified, name) = function_parts(arn);
        self.lambdas
            .get(&unqualified)
            .or_else(|| self.lambdas.get(&name))
            .or_else(|| self.lambdas.iter().find(|(k, _)| function_parts(k).0 == unqualified).map(|(_, t)| t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinesin_state::ManualClock;

    #[test]
    fn bindings_parse_and_match() {
        let (arn, t) = parse_binding("arn:aws:lambda:us-east-1:000000000000:function:up=python3 up.py --x=1").unwrap();
        assert_eq!(arn, "arn:aws:lambda:us-east-1:000000000000:function:up");
        assert_eq!(t, LambdaTarget::Command("python3 up.py --x=1".into()));
        let (_, u) = parse_binding("f2=http://127.0.0.1:9000/invoke").unwrap();
        assert_eq!(u, LambdaTarget::Url("http://127.0.0.1:9000/invoke".into()));
        assert!(parse_binding("no-target").is_err());
        assert!(parse_binding("=cmd").is_err());
        let env = Env::new(Arc::new(ManualClock::new(0)), [(arn, t.clone()), ("f2".to_string(), u.clone())]);
        assert_eq!(env.lambda("arn:aws:lambda:us-east-1:000000000000:function:up:$LATEST"), Some(&t));
        assert_eq!(env.lambda("arn:aws:lambda:us-east-1:000000000000:function:f2"), Some(&u));
        assert_eq!(env.lambda("arn:aws:lambda:us-east-1:000000000000:function:other"), None);
    }

    #[test]
    fn domain_bindings_parse() {
        let (arn, url) =
            parse_domain_binding("arn:aws:es:us-east-1:000000000000:domain/logs=http://127.0.0.1:9200/").unwrap();
        assert_eq!(
            (arn.as_str(), url.as_str()),
            ("arn:aws:es:us-east-1:000000000000:domain/logs", "http://127.0.0.1:9200")
        );
        assert!(parse_domain_binding("arn-only").is_err());
        assert!(parse_domain_binding("arn=ftp://x").is_err());
    }
}
