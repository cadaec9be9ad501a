//! Kinesis Data Streams over AWS JSON 1.1: the operation table and the glue from a decoded
//! document to a state operation.

use kinesin_protocol::{json, model, ApiError};
use kinesin_state::kinesis::{records, reshard, shards, streams, tags, Kinesis};
use kinesin_state::{Ctx, Engine, StateError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

type Reply = Pin<Box<dyn Future<Output = Result<Vec<u8>, ApiError>> + Send>>;
type Handler = fn(Kinesis, Ctx, Value) -> Reply;

/// Decodes the typed input, runs `op` on the store thread and encodes its output
/// (operations without output answer an empty body, as AWS does).
async fn call<I, O>(
    k: Kinesis,
    ctx: Ctx,
    doc: Value,
    op: fn(&mut Engine, &Ctx, I) -> Result<O, StateError>,
) -> Result<Vec<u8>, ApiError>
where
    I: DeserializeOwned + Send + 'static,
    O: Serialize + Send + 'static,
{
    let input: I = json::into_input(doc)?;
    let out = k.run(ctx, input, op).await?;
    let body = json::encode(&out);
    Ok(if body == b"null" { Vec::new() } else { body })
}

macro_rules! ops {
    ($($name:literal => $f:path),* $(,)?) => {
        /// Every Kinesis operation kinesin serves, by name.
        pub const OPERATIONS: &[(&str, Handler)] = &[
            $(($name, |k, c, v| Box::pin(call(k, c, v, $f)))),*
        ];
    };
}

ops! {
    "AddTagsToStream" => tags::add,
    "CreateStream" => streams::create,
    "DecreaseStreamRetentionPeriod" => streams::decrease_retention,
    "DeleteStream" => streams::delete,
    "DescribeStream" => streams::describe,
    "DescribeStreamSummary" => streams::describe_summary,
    "GetRecords" => records::get_records,
    "GetShardIterator" => records::get_shard_iterator,
    "IncreaseStreamRetentionPeriod" => streams::increase_retention,
    "ListShards" => shards::list,
    "ListStreams" => streams::list,
    "ListTagsForStream" => tags::list,
    "MergeShards" => reshard::merge,
    "PutRecord" => records::put_record,
    "PutRecords" => records::put_records,
    "RemoveTagsFromStream" => tags::remove,
    "SplitShard" => reshard::split,
    "UpdateShardCount" => reshard::update_shard_count,
}

/// Operations whose effects the maintenance task must see at once.
const WAKES_MAINTENANCE: &[&str] =
    &["CreateStream", "DeleteStream", "DecreaseStreamRetentionPeriod", "IncreaseStreamRetentionPeriod"];

/// Handles one Kinesis operation whose body is already read.
pub async fn handle(k: &Kinesis, ctx: Ctx, operation: &str, body: &[u8]) -> Result<Vec<u8>, ApiError> {
    let model = model::kinesis();
    let Some((_, handler)) = OPERATIONS.iter().find(|(n, _)| *n == operation) else {
        return Err(if model.has_operation(operation) {
            ApiError::new(
                "UnknownOperationException",
                format!("The operation {operation} is not supported by this kinesin version yet."),
            )
        } else {
            ApiError::new("UnknownOperationException", "")
        });
    };
    let doc = json::decode(body)?;
    model.validate_input(operation, &doc)?;
    let out = handler(k.clone(), ctx, doc).await;
    if out.is_ok() && WAKES_MAINTENANCE.contains(&operation) {
        k.wake_maintenance();
    }
    out
}
