//! The one operation runner. A service's front (its handle in the server: the store plus
//! the wake-ups) implements [`Front`] (one front may serve several services, such as the two
//! API versions of Kinesis Data Analytics); [`invoke`] turns a validated request document into
//! the operation's typed input, runs [`Operation::run`] in the store, maps the service's
//! error to the wire error once and applies the operation's effects.
//! [`call`] is the same on a typed input for a front that builds it itself (S3's routes).
//! [`AwsJson`] is the whole path for AWS JSON/CBOR services (decode per wire, validate from
//! the model, invoke, encode), [`AwsQuery`] for IAM and STS (query forms, XML answers); SQS
//! (JSON and query) and Pipes (restJson) decode and encode their own protocols around
//! [`invoke`].

use crate::wire::Wire;
use kinesin_protocol::sqs::query::Form;
use kinesin_protocol::{json, query, ApiError};
use kinesin_state::service::{Caller, Error, Operation, Service, Visitor};
use kinesin_state::Db;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future (what visiting an operation gives).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A handle in the server of service `S`.
pub trait Front<S: Service>: Send + Sync + 'static {
    /// What the effects and the meter need to know of one request (SQS: its queue; Kinesis
    /// and Firehose: the puts to bill), read from the request document before the input is
    /// decoded.
    type Scope: Send;

    /// The store.
    fn db(&self) -> &Db;

    /// The scope of a request of `operation`.
    fn scope(&self, caller: &S::Caller, operation: &str, doc: &Value) -> Self::Scope;

    /// Applies one effect of a successful operation.
    fn apply(&self, effect: S::Effect, scope: &Self::Scope);

    /// Done once a request succeeded and its effects were applied (metering).
    fn succeeded(&self, _scope: Self::Scope) {}
}

/// Runs operation `O` on a validated request document: typed input, the store, the
/// error mapped once, the effects applied.
pub async fn invoke<F, O>(front: &F, caller: Caller<O>, doc: Value) -> Result<O::Output, ApiError>
where
    F: Front<O::Service>,
    O: Operation,
{
    let scope = front.scope(&caller, O::NAME, &doc);
    let input: O::Input = json::into_input(doc)?;
    let out = front.db().call(move |eng| O::run(eng, &caller, input)).await.map_err(Into::into)?;
    Ok(applied::<F, O>(front, scope, out))
}

/// Runs operation `O` on a typed input on the store thread (`Db::call_large`: S3's objects
/// are large rows) and applies its effects, keeping the service's own error (for a front
/// that renders its errors itself: S3).
pub async fn call<F, O>(front: &F, caller: Caller<O>, input: O::Input, scope: F::Scope) -> Result<O::Output, Error<O>>
where
    F: Front<O::Service>,
    O: Operation,
{
    let out = front.db().call_large(move |eng| O::run(eng, &caller, input)).await?;
    Ok(applied::<F, O>(front, scope, out))
}

/// Applies operation `O`'s effects after it succeeded and tells the front.
fn applied<F, O>(front: &F, scope: F::Scope, out: O::Output) -> O::Output
where
    F: Front<O::Service>,
    O: Operation,
{
    for &effect in O::EFFECTS {
        front.apply(effect, &scope);
    }
    front.succeeded(scope);
    out
}

/// Runs operation `O` on a typed input in the store, its error mapped to the wire
/// error (no effects: for callers that loop, such as SQS's long poll).
pub async fn execute<F, O>(front: &F, caller: Caller<O>, input: O::Input) -> Result<O::Output, ApiError>
where
    F: Front<O::Service>,
    O: Operation,
{
    front.db().call(move |eng| O::run(eng, &caller, input)).await.map_err(Into::into)
}

/// One AWS JSON 1.1 / CBOR 1.1 request, to be run with its operation's type
/// (`Op::visit(AwsJson { .. })`): decode per wire, validate from the model, invoke, encode.
pub struct AwsJson<'a, S: Service, F: Front<S>> {
    /// The service's front.
    pub front: &'a F,
    /// Who calls.
    pub caller: S::Caller,
    /// The request body.
    pub body: &'a [u8],
    /// Its wire format (and the answer's).
    pub wire: Wire,
}

impl<'a, S: Service, F: Front<S>> Visitor<S> for AwsJson<'a, S, F> {
    type Out = BoxFuture<'a, Result<Vec<u8>, ApiError>>;

    fn visit<O: Operation<Service = S>>(self) -> Self::Out {
        Box::pin(async move {
            let model = S::model();
            let mut doc = self.wire.decode(model, O::NAME, self.body)?;
            S::validate(O::NAME, &mut doc)?;
            let out = invoke::<F, O>(self.front, self.caller, doc).await?;
            self.wire.encode(model, O::NAME, &out)
        })
    }
}

/// One AWS query request (`Action=` form, XML answer), to be run with its operation's type
/// (`Op::visit(AwsQuery { .. })`): decode the form and validate from the model, invoke, write
/// the answer from the model.
pub struct AwsQuery<'a, S: Service, F: Front<S>> {
    /// The service's front.
    pub front: &'a F,
    /// Who calls.
    pub caller: S::Caller,
    /// The request's form.
    pub form: &'a Form,
    /// The request id the answer carries.
    pub request_id: &'a str,
}

impl<'a, S: Service, F: Front<S>> Visitor<S> for AwsQuery<'a, S, F> {
    type Out = BoxFuture<'a, Result<String, ApiError>>;

    fn visit<O: Operation<Service = S>>(self) -> Self::Out {
        Box::pin(async move {
            let model = S::model();
            let mut doc = query::decode_input(model, O::NAME, self.form);
            S::validate(O::NAME, &mut doc)?;
            let out = invoke::<F, O>(self.front, self.caller, doc).await?;
            let out = serde_json::to_value(&out).map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(query::encode_output(model, O::NAME, &out, self.request_id))
        })
    }
}

/// The `Action` a query form names (`MissingAction` if none).
pub fn query_action(form: &Form) -> Result<&str, ApiError> {
    match form.get("Action").map(String::as_str).unwrap_or("") {
        "" => Err(ApiError::new("MissingAction", "Missing Action")),
        action => Ok(action),
    }
}
