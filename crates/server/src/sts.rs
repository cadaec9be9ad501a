//! AWS STS over the query protocol (`Action=` form posts, XML answers): the front of
//! `kinesin_state::sts::api`. The form is decoded and the answer written from the model
//! (`kinesin_protocol::query`); errors are STS's `<ErrorResponse>`.

use crate::http::{request_id, Resp};
use crate::runner::{invoke, BoxFuture, Front};
use crate::wire::{query_error_body, query_xml as respond};
use kinesin_protocol::sqs::query::{parse_form, Form};
use kinesin_protocol::xml::escape_markup;
use kinesin_protocol::{query, ApiError};
use kinesin_state::service::{Operation, Service, Visitor};
use kinesin_state::sts::api::{Op, StsApi, StsEffect};
use kinesin_state::sts::Caller;
use kinesin_state::Db;
use serde_json::Value;

/// The STS service: the store (whose engine keeps the sessions AssumeRole issued).
#[derive(Clone)]
pub struct Sts {
    db: Db,
}

impl Front<StsApi> for Sts {
    type Scope = ();

    fn db(&self) -> &Db {
        &self.db
    }

    fn scope(&self, _: &Caller, _: &str, _: &Value) {}

    fn apply(&self, effect: StsEffect, _: &()) {
        match effect {}
    }
}

impl Sts {
    /// STS over a started store.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Serves one STS form request.
    pub async fn handle(&self, caller: Caller, body: &[u8]) -> Resp {
        let id = request_id();
        let answer = match parse_form(body) {
            Ok(form) => self.call(caller, &form, &id).await,
            Err(_) => Err(ApiError::new("MalformedQueryString", "The request body is not a valid form.")),
        };
        match answer {
            Ok(xml) => respond(200, xml, &id),
            Err(e) => {
                let xmlns = StsApi::model().xml_namespace();
                respond(e.status, query_error_body(xmlns, &e.code, &escape_markup(&e.message), &id), &id)
            }
        }
    }

    async fn call(&self, caller: Caller, form: &Form, id: &str) -> Result<String, ApiError> {
        let op = match form.get("Action").map(String::as_str).unwrap_or("") {
            "" => return Err(ApiError::new("MissingAction", "Missing Action")),
            action => Op::parse(action).ok_or_else(|| {
                ApiError::new("InvalidAction", format!("Could not find operation {action} for version 2011-06-15"))
            })?,
        };
        op.visit(Query { sts: self, caller, form, request_id: id }).await
    }
}

/// One STS request, run with its operation's type: decode the form, validate, invoke, write
/// the XML answer.
struct Query<'a> {
    sts: &'a Sts,
    caller: Caller,
    form: &'a Form,
    request_id: &'a str,
}

impl<'a> Visitor<StsApi> for Query<'a> {
    type Out = BoxFuture<'a, Result<String, ApiError>>;

    fn visit<O: Operation<Service = StsApi>>(self) -> Self::Out {
        Box::pin(async move {
            let model = StsApi::model();
            let mut doc = query::decode_input(model, O::NAME, self.form);
            StsApi::validate(O::NAME, &mut doc)?;
            let out = invoke::<Sts, O>(self.sts, self.caller, doc).await?;
            let out = serde_json::to_value(&out).map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(query::encode_output(model, O::NAME, &out, self.request_id))
        })
    }
}
