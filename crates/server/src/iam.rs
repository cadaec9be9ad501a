//! AWS IAM over the query protocol (form POSTs signed for `iam`, XML answers): the front of
//! `kinesin_state::iam::api`. The form is decoded and the answer written from the model
//! (`kinesin_protocol::query`); errors are IAM's `<ErrorResponse>`. IAM is global: the
//! caller is the request's account.

use crate::http::{request_id, Resp};
use crate::runner::{invoke, BoxFuture, Front};
use crate::wire::{query_error_body, query_xml as respond};
use kinesin_protocol::sqs::query::{parse_form, Form};
use kinesin_protocol::xml::escape_markup;
use kinesin_protocol::{query, ApiError};
use kinesin_state::iam::api::{IamApi, IamEffect, Op};
use kinesin_state::service::{Operation, Service, Visitor};
use kinesin_state::{Ctx, Db};
use serde_json::Value;

/// The IAM service: the store.
#[derive(Clone)]
pub struct Iam {
    db: Db,
}

impl Front<IamApi> for Iam {
    type Scope = ();

    fn db(&self) -> &Db {
        &self.db
    }

    fn scope(&self, _: &Ctx, _: &str, _: &Value) {}

    fn apply(&self, effect: IamEffect, _: &()) {
        match effect {}
    }
}

impl Iam {
    /// IAM over a started store.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Serves one IAM form request for the caller's account.
    pub async fn handle(&self, ctx: Ctx, body: &[u8]) -> Resp {
        let id = request_id();
        let answer = match parse_form(body) {
            Ok(form) => self.call(ctx, &form, &id).await,
            Err(_) => Err(ApiError::new("MalformedQueryString", "The request body is not a valid form.")),
        };
        match answer {
            Ok(xml) => respond(200, xml, &id),
            Err(e) => {
                let xmlns = IamApi::model().xml_namespace();
                respond(e.status, query_error_body(xmlns, &e.code, &escape_markup(&e.message), &id), &id)
            }
        }
    }

    async fn call(&self, ctx: Ctx, form: &Form, id: &str) -> Result<String, ApiError> {
        let op = match form.get("Action").map(String::as_str).unwrap_or("") {
            "" => return Err(ApiError::new("MissingAction", "Missing Action")),
            action => Op::parse(action).ok_or_else(|| {
                ApiError::new("InternalFailure", format!("kinesin does not emulate iam:{action}")).with_status(501)
            })?,
        };
        op.visit(Query { iam: self, ctx, form, request_id: id }).await
    }
}

/// One IAM request, run with its operation's type: decode the form, validate, invoke, write
/// the XML answer.
struct Query<'a> {
    iam: &'a Iam,
    ctx: Ctx,
    form: &'a Form,
    request_id: &'a str,
}

impl<'a> Visitor<IamApi> for Query<'a> {
    type Out = BoxFuture<'a, Result<String, ApiError>>;

    fn visit<O: Operation<Service = IamApi>>(self) -> Self::Out {
        Box::pin(async move {
            let model = IamApi::model();
            let mut doc = query::decode_input(model, O::NAME, self.form);
            IamApi::validate(O::NAME, &mut doc)?;
            let out = invoke::<Iam, O>(self.iam, self.ctx, doc).await?;
            let out = serde_json::to_value(&out).map_err(|e| ApiError::internal(e.to_string()))?;
            Ok(query::encode_output(model, O::NAME, &out, self.request_id))
        })
    }
}
