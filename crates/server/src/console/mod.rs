//! The web console at `/_kinesin/`: static assets embedded in the binary and a small
//! read-only internal API under `/_kinesin/api/` (docs/console.md). Everything that changes
//! state goes through the AWS APIs, from the page itself. Console routes live only here.

mod analytics;
mod api;

use crate::http::{respond, Resp};
use crate::subscribe;
use hyper::body::Incoming;
use hyper::Request;
use kinesin_state::analytics::Analytics;
use kinesin_state::Db;

/// The embedded assets: path, content type, body.
const ASSETS: &[(&str, &str, &str)] = &[
    ("/_kinesin/", "text/html; charset=utf-8", include_str!("static/index.html")),
    ("/_kinesin/app.js", "text/javascript; charset=utf-8", include_str!("static/app.js")),
    ("/_kinesin/analytics.js", "text/javascript; charset=utf-8", include_str!("static/analytics.js")),
    ("/_kinesin/app.css", "text/css; charset=utf-8", include_str!("static/app.css")),
];

/// Whether a GET path belongs to the console.
pub fn handles(path: &str) -> bool {
    path == "/_kinesin" || ASSETS.iter().any(|(p, _, _)| *p == path) || path.starts_with("/_kinesin/api/")
}

/// What the console reads: the store, the default namespace, the open subscriptions and the
/// Analytics runner's recent rows.
pub struct Console {
    /// The store.
    pub db: Db,
    /// Default account id.
    pub account: String,
    /// Default region.
    pub region: String,
    /// Open SubscribeToShard subscriptions.
    pub subscriptions: subscribe::Registry,
    /// Kinesis Data Analytics (its recent output rows).
    pub analytics: Analytics,
    /// Firehose (its recent delivery attempts).
    pub firehose: kinesin_state::firehose::Firehose,
}

/// Serves a console GET.
pub async fn serve(console: &Console, req: &Request<Incoming>) -> Resp {
    let path = req.uri().path();
    if path == "/_kinesin" {
        let mut r = respond(308, "text/plain", "");
        r.headers_mut().insert(hyper::header::LOCATION, hyper::header::HeaderValue::from_static("/_kinesin/"));
        return r;
    }
    if let Some((_, ct, body)) = ASSETS.iter().find(|(p, _, _)| *p == path) {
        let mut r = respond(200, ct, *body);
        r.headers_mut().insert(hyper::header::CACHE_CONTROL, hyper::header::HeaderValue::from_static("no-cache"));
        return r;
    }
    let q = api::query(req.uri().query().unwrap_or(""));
    if path.starts_with("/_kinesin/api/analytics/") {
        let (account, region) = api::namespace(console, &q);
        return analytics::serve(console, path, kinesin_state::Ctx::new(account, region), &q).await;
    }
    api::serve(console, path, &q).await
}
