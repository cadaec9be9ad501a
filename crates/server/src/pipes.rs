//! Amazon EventBridge Pipes over restJson1 (`/v1/pipes...`, `/tags/arn:aws:pipes...`), and the
//! background task that runs the pipes: it pumps records whenever a Kinesis write, a pipe
//! change or a deadline (retry, batching window, state transition) calls for it.

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use kinesin_protocol::{json, model, ApiError};
use kinesin_state::kinesis::Kinesis;
use kinesin_state::pipes::{self as state, engine, Opts};
use kinesin_state::{Ctx, Db, Engine};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

type Op = fn(&mut Engine, &Opts, Value) -> Result<Value, ApiError>;
type Resp = Response<BoxBody<Bytes, std::convert::Infallible>>;

/// The Pipes service: the store, the services pipes connect, and the pump's wake-up.
#[derive(Clone)]
pub struct Pipes {
    db: Db,
    kinesis: Kinesis,
    sqs: crate::sqs::Sqs,
    wake: Arc<Notify>,
    /// How long transitional states last (ms): `--pipes-transition-ms`.
    transition_ms: i64,
}

/// Whether a request path belongs to Pipes.
pub fn handles(path: &str) -> bool {
    path == "/v1/pipes" || path.starts_with("/v1/pipes/") || {
        let lower = path.to_ascii_lowercase();
        lower.starts_with("/tags/arn:aws:pipes:") || lower.starts_with("/tags/arn%3aaws%3apipes%3a")
    }
}

/// Decodes `%XX` escapes (and nothing else: `+` stays, as in paths).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Query parameters, decoded (`+` is a space).
fn query_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
        })
        .collect()
}

/// The operation a method and path name, with the path's parameters.
fn route(method: &Method, path: &str) -> Option<(&'static str, Op, Map<String, Value>)> {
    let mut params = Map::new();
    if let Some(rest) = path.strip_prefix("/tags/") {
        params.insert("resourceArn".into(), percent_decode(rest).into());
        let (name, op): (&'static str, Op) = match *method {
            Method::POST => ("TagResource", state::tag_resource),
            Method::GET => ("ListTagsForResource", state::list_tags_for_resource),
            Method::DELETE => ("UntagResource", state::untag_resource),
            _ => return None,
        };
        return Some((name, op, params));
    }
    let rest = path.strip_prefix("/v1/pipes")?;
    if rest.is_empty() || rest == "/" {
        return (*method == Method::GET).then_some(("ListPipes", state::list_pipes as Op, params));
    }
    let rest = rest.strip_prefix('/')?;
    let (name, action) = match rest.split_once('/') {
        Some((n, a)) => (n, Some(a)),
        None => (rest, None),
    };
    params.insert("Name".into(), percent_decode(name).into());
    let (op_name, op): (&'static str, Op) = match (method, action) {
        (&Method::POST, None) => ("CreatePipe", state::create_pipe),
        (&Method::GET, None) => ("DescribePipe", state::describe_pipe),
        (&Method::PUT, None) => ("UpdatePipe", state::update_pipe),
        (&Method::DELETE, None) => ("DeletePipe", state::delete_pipe),
        (&Method::POST, Some("start")) => ("StartPipe", state::start_pipe),
        (&Method::POST, Some("stop")) => ("StopPipe", state::stop_pipe),
        _ => return None,
    };
    Some((op_name, op, params))
}

/// Query members of ListPipes and UntagResource, typed as the model wants them.
fn add_query(op: &str, query: &str, doc: &mut Map<String, Value>) {
    for (k, v) in query_pairs(query) {
        match (op, k.as_str()) {
            ("ListPipes", "Limit") => {
                let n = v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v));
                doc.insert(k, n);
            }
            (
                "ListPipes",
                "NamePrefix" | "DesiredState" | "CurrentState" | "SourcePrefix" | "TargetPrefix" | "NextToken",
            ) => {
                doc.insert(k, v.into());
            }
            ("UntagResource", "tagKeys") => {
                let list = doc.entry("tagKeys").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = list {
                    a.push(v.into());
                }
            }
            _ => {}
        }
    }
}

fn respond(status: u16, body: Vec<u8>) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)).boxed());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let id = format!("{:032x}", fastrand::u128(..));
    let id = format!("{}-{}-{}-{}-{}", &id[..8], &id[8..12], &id[12..16], &id[16..20], &id[20..]);
    if let Ok(v) = HeaderValue::from_str(&id) {
        r.headers_mut().insert("x-amzn-RequestId", v);
    }
    r
}

/// `ValidationException` fields: `Value .. at 'path' failed to satisfy constraint: ..`.
fn field_list(message: &str) -> Vec<Value> {
    let list = message.split_once(": ").map_or(message, |(_, l)| l);
    list.split("; ")
        .filter_map(|e| {
            let start = e.find(" at '")? + 5;
            let end = start + e[start..].find('\'')?;
            let message = e.split_once("failed to satisfy constraint: ").map_or(e, |(_, m)| m);
            Some(json!({"name": &e[start..end], "message": message}))
        })
        .collect()
}

/// A restJson error: `x-amzn-ErrorType` and `{"message": ..}` plus the shape's fields.
fn error(e: &ApiError, resource: Option<&str>) -> Resp {
    let (code, status) = match e.code.as_str() {
        // Malformed input is a validation error in restJson services.
        "SerializationException" => ("ValidationException", 400),
        "InternalFailure" => ("InternalException", 500),
        c => (c, e.status),
    };
    let mut body = json!({ "message": e.message });
    match code {
        "ConflictException" => {
            body["resourceId"] = resource.unwrap_or_default().into();
            body["resourceType"] = "pipe".into();
        }
        "ValidationException" => {
            let fields = field_list(&e.message);
            if !fields.is_empty() {
                body["fieldList"] = fields.into();
            }
        }
        _ => {}
    }
    let mut r = respond(status, serde_json::to_vec(&body).unwrap_or_default());
    if let Ok(v) = HeaderValue::from_str(code) {
        r.headers_mut().insert("x-amzn-ErrorType", v);
    }
    r
}

impl Pipes {
    /// Pipes over a started store.
    pub fn new(db: Db, kinesis: Kinesis, sqs: crate::sqs::Sqs, transition_ms: u64) -> Self {
        let transition_ms = i64::try_from(transition_ms).unwrap_or(i64::MAX);
        Self { db, kinesis, sqs, wake: Arc::new(Notify::new()), transition_ms }
    }

    /// Wakes the pump (after a pipe changed or the clock moved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Serves one Pipes request.
    pub async fn serve(&self, ctx: Ctx, req: Request<Incoming>, max_body: usize) -> Resp {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or("").to_string();
        let Some((op_name, op, params)) = route(&method, &path) else {
            return error(
                &ApiError::new("UnknownOperationException", format!("No route for {method} {path}")).with_status(404),
                None,
            );
        };
        let pending = req.extensions().get::<crate::sigv4check::Pending>().cloned();
        let (uri, headers) = (req.uri().clone(), req.headers().clone());
        let resource =
            params.get("Name").or_else(|| params.get("resourceArn")).and_then(Value::as_str).map(str::to_owned);
        let body = match Limited::new(req.into_body(), max_body).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => return error(&ApiError::new("ValidationException", "The request body is too large."), None),
        };
        if let Some(refused) = pending.and_then(|p| p.verify(&method, &uri, &headers, &body)) {
            return refused;
        }
        let mut doc = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match json::decode(&body) {
                Ok(Value::Object(m)) => m,
                Ok(_) => Map::new(),
                Err(e) => return error(&e, None),
            }
        };
        doc.extend(params);
        add_query(op_name, &query, &mut doc);
        match self.run(ctx, op_name, op, Value::Object(doc)).await {
            Ok(v) => respond(200, serde_json::to_vec(&v).unwrap_or_default()),
            Err(e) => error(&e, resource.as_deref()),
        }
    }

    /// Creates a pipe from a CreatePipe input (`--init`), validated as a request is.
    pub async fn create(&self, ctx: Ctx, doc: Value) -> Result<Value, ApiError> {
        self.run(ctx, "CreatePipe", state::create_pipe, doc).await
    }

    async fn run(&self, ctx: Ctx, op_name: &str, op: Op, mut doc: Value) -> Result<Value, ApiError> {
        model::pipes().validate_input(op_name, &mut doc)?;
        let opts = Opts { ctx, transition_ms: self.transition_ms };
        let v = self.db.call(move |eng| Ok(state::run_op(eng, &opts, doc, op))).await??;
        if !matches!(op_name, "DescribePipe" | "ListPipes" | "ListTagsForResource") {
            self.wake();
        }
        Ok(v)
    }

    /// Runs the pipes forever: pumps while there is work, then sleeps until new records,
    /// a pipe change, or the next deadline.
    pub async fn run_forever(self) {
        let mut data = self.kinesis.watch_data();
        loop {
            data.mark_unchanged();
            let report = self.db.call(|eng| engine::pump_all(eng, engine::JOB_BUDGET)).await;
            let wait_ms = match &report {
                Ok(r) => {
                    for (account, region, pipe, n) in &r.requests {
                        crate::meter::global().add(
                            "pipes",
                            account,
                            region,
                            pipe,
                            crate::meter::Item::PipesRequests,
                            *n,
                        );
                    }
                    for key in &r.queues {
                        self.sqs.notify(key);
                    }
                    if r.more {
                        tokio::task::yield_now().await;
                        continue;
                    }
                    let now = self.db.clock().now_ms();
                    r.next_wake.map_or(60_000, |t| (t - now).clamp(5, 60_000))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "pipes: pump failed");
                    1_000
                }
            };
            tokio::select! {
                _ = data.changed() => {}
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(Duration::from_millis(wait_ms as u64)) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_decoding() {
        assert!(handles("/v1/pipes") && handles("/v1/pipes/p/start"));
        assert!(handles("/tags/arn%3Aaws%3Apipes%3Aus-east-1%3A000000000000%3Apipe%2Fp"));
        assert!(!handles("/tags/arn:aws:sqs:us-east-1:0:q") && !handles("/v1/pipesx"));
        assert_eq!(route(&Method::GET, "/v1/pipes").map(|r| r.0), Some("ListPipes"));
        assert_eq!(route(&Method::POST, "/v1/pipes/a.b/stop").map(|r| r.0), Some("StopPipe"));
        assert_eq!(route(&Method::PUT, "/v1/pipes/p").map(|r| r.0), Some("UpdatePipe"));
        let (op, _, p) = route(&Method::DELETE, "/tags/arn%3Aaws%3Apipes%3Ar%3A1%3Apipe%2Fp").unwrap();
        assert_eq!((op, p["resourceArn"].as_str()), ("UntagResource", Some("arn:aws:pipes:r:1:pipe/p")));
        assert!(route(&Method::PATCH, "/v1/pipes/p").is_none());
        assert_eq!(percent_decode("a%2"), "a%2");
        let mut doc = Map::new();
        add_query("ListPipes", "Limit=5&NamePrefix=tr%20x&Other=1", &mut doc);
        assert_eq!(Value::Object(doc), json!({"Limit": 5, "NamePrefix": "tr x"}));
        let f = field_list("2 validation errors detected: Value 'x' at 'name' failed to satisfy constraint: Member must a; Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
        assert_eq!(f.len(), 2);
        assert_eq!(f[1], json!({"name": "roleArn", "message": "Member must not be null"}));
    }
}
