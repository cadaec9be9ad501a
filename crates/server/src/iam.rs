//! AWS IAM over the query protocol (form POSTs signed for `iam`, XML answers): the front of
//! `kinesin_state::iam::api`. The form is decoded and the answer written from the model
//! (`kinesin_protocol::query`); errors are IAM's `<ErrorResponse>`. IAM is global: the
//! caller is the request's account.

use crate::http::{request_id, Resp};
use crate::runner::{query_action, AwsQuery, Front};
use crate::wire::query_answer;
use kinesin_protocol::sqs::query::{parse_form, Form};
use kinesin_protocol::ApiError;
use kinesin_state::iam::api::{IamApi, IamEffect, Op};
use kinesin_state::service::Service;
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
        query_answer(IamApi::model().xml_namespace(), answer, &id)
    }

    async fn call(&self, ctx: Ctx, form: &Form, id: &str) -> Result<String, ApiError> {
        let action = query_action(form)?;
        let op = Op::parse(action).ok_or_else(|| {
            ApiError::new("InternalFailure", format!("kinesin does not emulate iam:{action}")).with_status(501)
        })?;
        op.visit(AwsQuery { front: self, caller: ctx, form, request_id: id }).await
    }
}
