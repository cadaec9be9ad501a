//! Browser safety: requests that carry a foreign `Origin` are refused, and while kinesin is
//! bound to loopback only expected `Host` names are served (no DNS rebinding). Allowed
//! origins get CORS headers on every answer and their `OPTIONS` preflights are answered.
//! AWS SDK, CLI and terraform traffic carries no `Origin` and is never affected.

use hyper::header::{HeaderValue, HOST, ORIGIN};
use hyper::{HeaderMap, Method, Uri};
use std::net::IpAddr;

/// Methods a preflight allows (every method a service of kinesin answers).
const ALLOW_METHODS: &str = "HEAD,GET,PUT,POST,DELETE,OPTIONS,PATCH";

/// Request headers AWS SDKs send (the JavaScript SDK's set), allowed besides those a
/// preflight asks for.
const ALLOW_HEADERS: &str = "authorization,cache-control,content-length,content-md5,content-type,etag,location,\
x-amz-acl,x-amz-content-sha256,x-amz-date,x-amz-request-id,x-amz-security-token,x-amz-tagging,x-amz-target,\
x-amz-user-agent,x-amz-version-id,x-amzn-requestid,amz-sdk-invocation-id,amz-sdk-request,x-amz-checksum-crc32,\
x-amz-sdk-checksum-algorithm,x-amzn-trace-id";

/// Response headers a page may read: the request id and error type of the JSON services,
/// S3's request id, ETag and version id.
const EXPOSE_HEADERS: &str =
    "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,x-amzn-query-error,Date,ETag,x-amz-request-id,\
x-amz-id-2,x-amz-version-id,x-amz-delete-marker,x-amz-mp-parts-count,x-amz-bucket-region";

/// How long a browser may cache a preflight answer (two days, as AWS's endpoints answer).
const MAX_AGE: &str = "172800";

/// The origin and host policy.
#[derive(Debug, Clone)]
pub struct Guard {
    extra_origins: Vec<String>,
    any_origin: bool,
    hostnames: Vec<String>,
    check_host: bool,
}

/// What the guard decides for a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Serve it; answers carry CORS headers for this origin when there is one.
    Serve(Option<HeaderValue>),
    /// A CORS preflight of an allowed origin: answer 200 with these CORS headers.
    Preflight(HeaderMap),
    /// Refuse it (403) with this reason.
    Refuse(&'static str),
}

impl Guard {
    /// A policy: `extra_origins` from `--cors-allow-origin` (`*` allows every origin),
    /// `hostnames` from `--hostname`; the Host check applies when `loopback` (the bind address
    /// is a loopback address).
    pub fn new(extra_origins: &[String], hostnames: &[String], loopback: bool) -> Self {
        let norm = |s: &String| s.trim().trim_end_matches('/').to_ascii_lowercase();
        let extra_origins: Vec<String> = extra_origins.iter().map(norm).filter(|s| !s.is_empty()).collect();
        Self {
            any_origin: extra_origins.iter().any(|o| o == "*"),
            extra_origins,
            hostnames: hostnames.iter().map(norm).filter(|s| !s.is_empty()).collect(),
            check_host: loopback,
        }
    }

    /// Decides about one request from its method, URI and headers.
    pub fn check(&self, method: &Method, uri: &Uri, headers: &HeaderMap) -> Verdict {
        let host = headers.get(HOST).and_then(|h| h.to_str().ok()).or_else(|| uri.authority().map(|a| a.as_str()));
        if self.check_host {
            if let Some(h) = host {
                if !self.host_allowed(host_name(h)) {
                    return Verdict::Refuse("The Host header names no address of this server.");
                }
            }
        }
        let Some(origin) = headers.get(ORIGIN) else {
            return Verdict::Serve(None);
        };
        let text = origin.to_str().unwrap_or("").trim_end_matches('/').to_ascii_lowercase();
        if !self.origin_allowed(&text, host) {
            return Verdict::Refuse("Requests from this origin are not allowed (see --cors-allow-origin).");
        }
        if method == Method::OPTIONS && headers.contains_key("access-control-request-method") {
            let mut h = HeaderMap::new();
            add_cors(&mut h, origin);
            let requested = headers.get("access-control-request-headers").and_then(|v| v.to_str().ok());
            let allow = match requested.filter(|r| !r.trim().is_empty()) {
                Some(r) => format!("{r},{ALLOW_HEADERS}"),
                None => ALLOW_HEADERS.to_string(),
            };
            insert(&mut h, "access-control-allow-methods", ALLOW_METHODS);
            insert(&mut h, "access-control-allow-headers", &allow);
            insert(&mut h, "access-control-max-age", MAX_AGE);
            return Verdict::Preflight(h);
        }
        Verdict::Serve(Some(origin.clone()))
    }

    /// A local page (`localhost`, loopback addresses, `*.localhost`, LocalStack's
    /// `localhost.localstack.cloud`, `--hostname` names), the server's own origin (the
    /// console), or one given with `--cors-allow-origin`.
    fn origin_allowed(&self, origin: &str, host: Option<&str>) -> bool {
        if self.any_origin || self.extra_origins.iter().any(|o| o == origin) {
            return true;
        }
        let Some(authority) = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")) else {
            return false;
        };
        if host.is_some_and(|h| h.eq_ignore_ascii_case(authority)) {
            return true;
        }
        let name = host_name(authority);
        is_local_name(name) || self.is_own_name(name)
    }

    fn host_allowed(&self, name: &str) -> bool {
        is_local_name(name) || self.is_own_name(name)
    }

    fn is_own_name(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.hostnames.iter().any(|h| name == *h || name.strip_suffix(h.as_str()).is_some_and(|p| p.ends_with('.')))
    }
}

/// Adds `Access-Control-Allow-Origin` (the origin itself), `Vary` and
/// `Access-Control-Expose-Headers` for an allowed origin.
pub fn add_cors(h: &mut HeaderMap, origin: &HeaderValue) {
    h.insert("access-control-allow-origin", origin.clone());
    insert(h, "access-control-expose-headers", EXPOSE_HEADERS);
    insert(h, "access-control-allow-credentials", "true");
    h.append("vary", HeaderValue::from_static("Origin"));
}

fn insert(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

/// The name part of `host[:port]` or `[v6]:port`, without brackets.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// Names that only ever reach this machine: `localhost` and its subdomains (virtual-host
/// buckets), loopback addresses, and LocalStack's `localhost.localstack.cloud` (and its
/// subdomains), which resolves to 127.0.0.1.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if let Ok(ip) = name.parse::<IpAddr>() {
        return ip.is_loopback();
    }
    let under = |domain: &str| name == domain || name.strip_suffix(domain).is_some_and(|p| p.ends_with('.'));
    under("localhost") || under("localhost.localstack.cloud")
}

/// Whether a bind address is a loopback one (the Host check applies then).
pub fn is_loopback_bind(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(headers: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn verdict(g: &Guard, method: Method, headers: &[(&'static str, &str)]) -> Verdict {
        g.check(&method, &Uri::from_static("/"), &req(headers))
    }

    #[test]
    fn origins() {
        let g = Guard::new(&["https://app.example.com/".into()], &["kinesin.internal".into()], true);
        let ok = |o: &str| {
            matches!(verdict(&g, Method::POST, &[("host", "localhost:4566"), ("origin", o)]), Verdict::Serve(Some(_)))
        };
        assert!(ok("http://localhost:3000"));
        assert!(ok("http://127.0.0.1:8080"));
        assert!(ok("http://[::1]:8080"));
        assert!(ok("https://app.example.com"));
        assert!(ok("http://foo.localhost.localstack.cloud:4566"));
        assert!(ok("http://kinesin.internal:4566"));
        assert!(!ok("https://evil.example"));
        assert!(!ok("null"));
        assert!(!ok("http://localhost.evil.example"));
        assert!(!ok("http://127.0.0.1.evil.example"));
        assert_eq!(verdict(&g, Method::POST, &[("host", "localhost")]), Verdict::Serve(None));
    }

    #[test]
    fn hosts_only_on_loopback() {
        let g = Guard::new(&[], &["kinesin.internal".into()], true);
        for h in [
            "localhost:4566",
            "127.0.0.1",
            "[::1]:4566",
            "b.localhost",
            "sqs.us-east-1.localhost.localstack.cloud:4566",
            "kinesin.internal",
            "bucket.kinesin.internal:1",
        ] {
            assert_eq!(verdict(&g, Method::GET, &[("host", h)]), Verdict::Serve(None), "{h}");
        }
        for h in ["evil.example", "10.0.0.1:4566", "localhost.evil.example"] {
            assert!(matches!(verdict(&g, Method::GET, &[("host", h)]), Verdict::Refuse(_)), "{h}");
        }
        let open = Guard::new(&[], &[], false);
        assert_eq!(verdict(&open, Method::GET, &[("host", "kinesin:4566")]), Verdict::Serve(None));
        // The console's own origin, whatever name it is reached by.
        let v = verdict(&open, Method::POST, &[("host", "kinesin:4566"), ("origin", "http://kinesin:4566")]);
        assert!(matches!(v, Verdict::Serve(Some(_))));
        assert!(is_loopback_bind("127.0.0.1") && is_loopback_bind("::1") && !is_loopback_bind("0.0.0.0"));
    }

    #[test]
    fn preflight() {
        let g = Guard::new(&[], &[], true);
        let v = verdict(
            &g,
            Method::OPTIONS,
            &[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "x-custom"),
            ],
        );
        let Verdict::Preflight(h) = v else { panic!("{v:?}") };
        assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
        assert!(h["access-control-allow-headers"].to_str().unwrap().starts_with("x-custom,"));
        assert!(matches!(
            verdict(
                &g,
                Method::OPTIONS,
                &[("origin", "https://evil.example"), ("access-control-request-method", "POST")]
            ),
            Verdict::Refuse(_)
        ));
    }
}
