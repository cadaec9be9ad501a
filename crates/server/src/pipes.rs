//! Amazon EventBridge Pipes over restJson1 (`/v1/pipes...`, `/tags/arn:aws:pipes...`), and the
//! background task that runs the pipes: it pumps records whenever a Kinesis write, a pipe
//! change or a deadline (retry, batching window, state transition) calls for it.

use crate::http::{read_body, respond, Resp};
use crate::meter::Item;
use crate::rounds::Rounds;
use crate::runner::{invoke, BoxFuture, Front};
use crate::wire::rest_json_error;
use crate::worker::{Next, Worker};
use hyper::body::Incoming;
use hyper::{Method, Request};
use kinesin_protocol::percent::{decode as percent_decode, query_pairs};
use kinesin_protocol::{json, ApiError};
use kinesin_state::kinesis::written::Written;
use kinesin_state::kinesis::Kinesis;
use kinesin_state::pipes::api::{Op, PipesApi, PipesEffect};
use kinesin_state::pipes::{engine, Opts};
use kinesin_state::service::{Operation, Service, Visitor};
use kinesin_state::{Ctx, Db};
use serde_json::{Map, Value};
use std::sync::Arc;
use tokio::sync::Notify;

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

impl Front<PipesApi> for Pipes {
    type Scope = ();

    fn db(&self) -> &Db {
        &self.db
    }

    fn scope(&self, _: &Opts, _: &str, _: &Value) {}

    fn apply(&self, effect: PipesEffect, _: &()) {
        match effect {
            PipesEffect::Pump => self.wake(),
        }
    }
}

/// One Pipes operation on a request document (body, path and query merged): validate from
/// the model, invoke, encode the typed output as the JSON body.
struct Call<'a> {
    pipes: &'a Pipes,
    opts: Opts,
    doc: Value,
}

impl<'a> Visitor<PipesApi> for Call<'a> {
    type Out = BoxFuture<'a, Result<Vec<u8>, ApiError>>;

    fn visit<O: Operation<Service = PipesApi>>(mut self) -> Self::Out {
        Box::pin(async move {
            PipesApi::validate(O::NAME, &mut self.doc)?;
            let out = invoke::<Pipes, O>(self.pipes, self.opts, self.doc).await?;
            Ok(json::encode(&out))
        })
    }
}

/// Whether a request path belongs to Pipes.
pub fn handles(path: &str) -> bool {
    path == "/v1/pipes" || path.starts_with("/v1/pipes/") || {
        let lower = path.to_ascii_lowercase();
        lower.starts_with("/tags/arn:aws:pipes:") || lower.starts_with("/tags/arn%3aaws%3apipes%3a")
    }
}

/// The operation a method and path name, with the path's parameters.
fn route(method: &Method, path: &str) -> Option<(Op, Map<String, Value>)> {
    let mut params = Map::new();
    if let Some(rest) = path.strip_prefix("/tags/") {
        params.insert("resourceArn".into(), percent_decode(rest, false).into());
        let op = match *method {
            Method::POST => Op::TagResource,
            Method::GET => Op::ListTagsForResource,
            Method::DELETE => Op::UntagResource,
            _ => return None,
        };
        return Some((op, params));
    }
    let rest = path.strip_prefix("/v1/pipes")?;
    if rest.is_empty() || rest == "/" {
        return (*method == Method::GET).then_some((Op::ListPipes, params));
    }
    let rest = rest.strip_prefix('/')?;
    let (name, action) = match rest.split_once('/') {
        Some((n, a)) => (n, Some(a)),
        None => (rest, None),
    };
    params.insert("Name".into(), percent_decode(name, false).into());
    let op = match (method, action) {
        (&Method::POST, None) => Op::CreatePipe,
        (&Method::GET, None) => Op::DescribePipe,
        (&Method::PUT, None) => Op::UpdatePipe,
        (&Method::DELETE, None) => Op::DeletePipe,
        (&Method::POST, Some("start")) => Op::StartPipe,
        (&Method::POST, Some("stop")) => Op::StopPipe,
        _ => return None,
    };
    Some((op, params))
}

/// Query members of ListPipes and UntagResource, typed as the model wants them.
fn add_query(op: Op, query: &str, doc: &mut Map<String, Value>) {
    for (k, v) in query_pairs(query) {
        match (op, k.as_str()) {
            (Op::ListPipes, "Limit") => {
                let n = v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v));
                doc.insert(k, n);
            }
            (
                Op::ListPipes,
                "NamePrefix" | "DesiredState" | "CurrentState" | "SourcePrefix" | "TargetPrefix" | "NextToken",
            ) => {
                doc.insert(k, v.into());
            }
            (Op::UntagResource, "tagKeys") => {
                let list = doc.entry("tagKeys").or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(a) = list {
                    a.push(v.into());
                }
            }
            _ => {}
        }
    }
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
        let Some((op, params)) = route(&method, &path) else {
            return rest_json_error(
                &ApiError::new("UnknownOperationException", format!("No route for {method} {path}")).with_status(404),
                None,
            );
        };
        let pending = req.extensions().get::<crate::sigv4check::Pending>().cloned();
        let (uri, headers) = (req.uri().clone(), req.headers().clone());
        let resource =
            params.get("Name").or_else(|| params.get("resourceArn")).and_then(Value::as_str).map(str::to_owned);
        let Ok(body) = read_body(req.into_body(), max_body).await else {
            return rest_json_error(&ApiError::new("ValidationException", "The request body is too large."), None);
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
                Err(e) => return rest_json_error(&e, None),
            }
        };
        doc.extend(params);
        add_query(op, &query, &mut doc);
        match self.run(ctx, op, Value::Object(doc)).await {
            Ok(body) => respond(200, "application/json", body),
            Err(e) => rest_json_error(&e, resource.as_deref()),
        }
    }

    /// Creates a pipe from a CreatePipe input (`--init`), validated as a request is.
    pub async fn create(&self, ctx: Ctx, doc: Value) -> Result<(), ApiError> {
        self.run(ctx, Op::CreatePipe, doc).await.map(drop)
    }

    async fn run(&self, ctx: Ctx, op: Op, doc: Value) -> Result<Vec<u8>, ApiError> {
        let opts = Opts { ctx, transition_ms: self.transition_ms };
        op.visit(Call { pipes: self, opts, doc }).await
    }
}

/// Runs the pipes: store jobs of batches round-robin over pipes and shards
/// ([`engine::pump_job`]) while batches move; then sleeps until records are written to a pipe's source, a pipe changes, or the
/// next deadline (retry, batching window, state transition). A write wakes a round over the
/// pipes of the written streams only (see [`Rounds`]), and none when no running pipe reads them.
pub struct Pump {
    pipes: Pipes,
    rounds: Rounds,
    cursor: engine::Cursor,
    /// The streams whose writes need a pass: the RUNNING pipes' sources, as the last pass
    /// found them (every stream until one has run).
    sources: Written,
}

impl Pump {
    /// The pump of `pipes`, woken by the Kinesis writes of its sources.
    pub fn new(pipes: Pipes) -> Self {
        let rounds = Rounds::new(pipes.kinesis.written_reader());
        Self { pipes, rounds, cursor: engine::Cursor::default(), sources: Written::All }
    }

    /// Meters what a job delivered and wakes the queues it sent to.
    fn report(&self, r: &engine::PumpReport) {
        let meter = crate::meter::global();
        for (account, region, pipe, n) in &r.requests {
            meter.add_all("pipes", account, region, pipe, &[(Item::PipesRequests, *n), (Item::PipeBatches, 1)]);
        }
        for (account, region, pipe) in &r.failures {
            meter.add("pipes", account, region, pipe, Item::PipeFailures, 1);
        }
        for key in &r.queues {
            self.pipes.sqs.notify(key);
        }
    }
}

impl Worker for Pump {
    const NAME: &'static str = "pipes pump";
    const MIN_WAIT_MS: i64 = 5;
    const RETRY_MS: i64 = 1_000;

    async fn pass(&mut self) -> Result<Next, String> {
        let Some(streams) = self.rounds.begin(self.now_ms()) else {
            return Ok(Next::At(self.rounds.due()));
        };
        if !streams.meets(&self.sources) {
            return Ok(Next::At(self.rounds.end(None)));
        }
        self.sources = Written::All;
        let mut cursor = self.cursor;
        let (r, cursor) = self
            .pipes
            .db
            .call(move |eng| engine::pump_job(eng, &mut cursor, &streams).map(|r| (r, cursor)))
            .await
            .map_err(|e| e.to_string())?;
        self.cursor = cursor;
        self.report(&r);
        if r.more {
            self.rounds.again();
            return Ok(Next::Again);
        }
        self.sources = Written::Streams(r.sources);
        Ok(Next::At(self.rounds.end(r.next_wake)))
    }

    async fn woken(&mut self) {
        tokio::select! {
            _ = self.rounds.written(), if !self.sources.is_empty() => {}
            _ = self.pipes.wake.notified() => {}
        }
    }

    fn now_ms(&self) -> i64 {
        self.pipes.db.clock().now_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::field_list;
    use serde_json::json;

    #[test]
    fn routes_and_decoding() {
        assert!(handles("/v1/pipes") && handles("/v1/pipes/p/start"));
        assert!(handles("/tags/arn%3Aaws%3Apipes%3Aus-east-1%3A000000000000%3Apipe%2Fp"));
        assert!(!handles("/tags/arn:aws:sqs:us-east-1:0:q") && !handles("/v1/pipesx"));
        assert_eq!(route(&Method::GET, "/v1/pipes").map(|r| r.0.name()), Some("ListPipes"));
        assert_eq!(route(&Method::POST, "/v1/pipes/a.b/stop").map(|r| r.0.name()), Some("StopPipe"));
        assert_eq!(route(&Method::PUT, "/v1/pipes/p").map(|r| r.0.name()), Some("UpdatePipe"));
        let (op, p) = route(&Method::DELETE, "/tags/arn%3Aaws%3Apipes%3Ar%3A1%3Apipe%2Fp").unwrap();
        assert_eq!((op.name(), p["resourceArn"].as_str()), ("UntagResource", Some("arn:aws:pipes:r:1:pipe/p")));
        assert!(route(&Method::PATCH, "/v1/pipes/p").is_none());
        assert_eq!(percent_decode("a%2", false), "a%2");
        let mut doc = Map::new();
        add_query(Op::ListPipes, "Limit=5&NamePrefix=tr%20x&Other=1", &mut doc);
        assert_eq!(Value::Object(doc), json!({"Limit": 5, "NamePrefix": "tr x"}));
        let f = field_list("2 validation errors detected: Value 'x' at 'name' failed to satisfy constraint: Member must a; Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
        assert_eq!(f.len(), 2);
        assert_eq!(f[1], json!({"name": "roleArn", "message": "Member must not be null"}));
    }

    #[test]
    fn only_writes_to_a_running_pipes_source_need_a_pass() {
        let (a, b) = (Written::one(&Ctx::new("1", "r"), "a"), Written::one(&Ctx::new("1", "r"), "b"));
        assert!(a.meets(&a) && a.meets(&Written::All) && Written::All.meets(&Written::default()));
        assert!(!a.meets(&b) && !a.meets(&Written::default()));
        assert!(!Written::one(&Ctx::new("2", "r"), "a").meets(&a), "another account's stream");
    }
}
