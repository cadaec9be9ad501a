//! Kinesis Data Streams over AWS JSON 1.1 and AWS CBOR 1.1: the service's front (its
//! effects) and its entry point; the operations are declared in `kinesin_state::kinesis::api`.

use crate::runner::{AwsJson, Front};
use crate::wire::Wire;
use crate::worker::{Next, Worker};
use kinesin_protocol::kinesis::StreamRef;
use kinesin_protocol::{model, ApiError};
use kinesin_state::kinesis::api::{KinesisApi, KinesisEffect, Op};
use kinesin_state::kinesis::{maintenance, resolve, Kinesis};
use kinesin_state::{Ctx, Db};
use serde_json::Value;
use std::future::Future;

/// What a put bills once it succeeds (namespace, stream and record sizes), and the stream it
/// writes (by ARN, the ARN's namespace).
pub struct PutScope {
    metered: (Ctx, (String, Vec<u64>)),
    written: Option<(Ctx, String)>,
}

impl Front<KinesisApi> for Kinesis {
    type Scope = Option<PutScope>;

    fn db(&self) -> &Db {
        Kinesis::db(self)
    }

    fn scope(&self, ctx: &Ctx, operation: &str, doc: &Value) -> Self::Scope {
        let metered = crate::meter::kinesis_put(operation, doc)?;
        let text = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
        let stream = StreamRef { stream_name: text("StreamName"), stream_arn: text("StreamARN") };
        Some(PutScope { metered: (ctx.clone(), metered), written: resolve(ctx, &stream).ok() })
    }

    fn apply(&self, effect: KinesisEffect, scope: &Self::Scope) {
        match effect {
            KinesisEffect::Maintenance => self.wake_maintenance(),
            KinesisEffect::Subscribers => self.notify_data(),
            KinesisEffect::Written => match scope.as_ref().and_then(|s| s.written.as_ref()) {
                Some((ctx, name)) => self.notify_written(ctx, name),
                None => self.notify_data(),
            },
        }
    }

    fn succeeded(&self, scope: Self::Scope) {
        if let Some(PutScope { metered: (ctx, (stream, sizes)), .. }) = scope {
            crate::meter::count_kinesis_put(&ctx.account, &ctx.region, &stream, &sizes);
        }
    }
}

/// The Kinesis upkeep: retention trimming and status transitions, at their deadlines or
/// when woken (creations, deletions, retention changes, clock moves).
pub struct Upkeep(pub Kinesis);

impl Worker for Upkeep {
    const NAME: &'static str = "kinesis maintenance";
    const MIN_WAIT_MS: i64 = 10;
    const RETRY_MS: i64 = 5_000;

    async fn pass(&mut self) -> Result<Next, String> {
        self.0.db().call(maintenance::run).await.map(Next::At).map_err(|e| e.to_string())
    }

    fn woken(&mut self) -> impl Future<Output = ()> + Send {
        self.0.maintenance_woken()
    }

    fn now_ms(&self) -> i64 {
        self.0.db().clock().now_ms()
    }
}

/// Handles one Kinesis operation whose body is already read, in the request's wire format.
pub async fn handle(k: &Kinesis, ctx: Ctx, operation: &str, body: &[u8], wire: Wire) -> Result<Vec<u8>, ApiError> {
    let Some(op) = Op::parse(operation) else {
        return Err(if model::kinesis().has_operation(operation) {
            ApiError::new(
                "UnknownOperationException",
                format!("The operation {operation} is not supported by this kinesin version yet."),
            )
        } else {
            ApiError::new("UnknownOperationException", "")
        });
    };
    op.visit(AwsJson { front: k, caller: ctx, body, wire }).await
}

/// Decodes a Kinesis request body in its wire format and validates it against the model.
pub fn decode(operation: &str, body: &[u8], wire: Wire) -> Result<Value, ApiError> {
    let model = model::kinesis();
    let mut doc = wire.decode(model, operation, body)?;
    model.validate_input(operation, &mut doc)?;
    Ok(doc)
}
