//! AWS STS over the query protocol (`Action=` form posts, XML answers): the front of
//! `kinesin_state::sts::api`. The form is decoded and the answer written from the model
//! (`kinesin_protocol::query`); errors are STS's `<ErrorResponse>`.

use crate::http::{request_id, Resp};
use crate::runner::{query_action, AwsQuery, Front};
use crate::wire::query_answer;
use kinesin_protocol::sqs::query::{parse_form, Form};
use kinesin_protocol::ApiError;
use kinesin_state::service::Service;
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
        query_answer(StsApi::model().xml_namespace(), answer, &id)
    }

    async fn call(&self, caller: Caller, form: &Form, id: &str) -> Result<String, ApiError> {
        let action = query_action(form)?;
        let op = Op::parse(action).ok_or_else(|| {
            ApiError::new("InvalidAction", format!("Could not find operation {action} for version 2011-06-15"))
        })?;
        op.visit(AwsQuery { front: self, caller, form, request_id: id }).await
    }
}
