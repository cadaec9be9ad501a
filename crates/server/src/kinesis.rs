//! Kinesis Data Streams over AWS JSON 1.1 and AWS CBOR 1.1: the operation table and the glue
//! from a decoded document to a state operation.

use kinesin_protocol::{cbor, json, model, ApiError};
use kinesin_state::kinesis::{consumers, policies, records, reshard, settings, shards, streams, tags, Kinesis};
use kinesin_state::{Ctx, Engine, StateError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

type Reply = Pin<Box<dyn Future<Output = Result<Vec<u8>, ApiError>> + Send>>;
type Handler = fn(Kinesis, Ctx, Value, Wire) -> Reply;

/// The wire format of a request, and so of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// AWS JSON 1.1 (`application/x-amz-json-1.1`, or any other JSON content type).
    Json,
    /// AWS CBOR 1.1 (`application/x-amz-cbor-1.1`), the Java SDK's default; also what a
    /// request with any other (or no) content type is read and answered as, as AWS does.
    Cbor,
}

impl Wire {
    /// The wire format a request's `Content-Type` names: JSON for the JSON types, CBOR for
    /// everything else (AWS answers a body of an unrecognised type with a CBOR error).
    pub fn of_content_type(content_type: &str) -> Wire {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !cbor::is_cbor(essence) && essence.to_ascii_lowercase().contains("json") {
            Wire::Json
        } else {
            Wire::Cbor
        }
    }

    /// The `Content-Type` of answers in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Wire::Json => json::JSON_11,
            Wire::Cbor => cbor::CBOR_11,
        }
    }

    /// An error body in this format.
    pub fn error_body(self, e: &ApiError) -> Vec<u8> {
        match self {
            Wire::Json => serde_json::to_vec(&e.to_json()).unwrap_or_default(),
            Wire::Cbor => cbor::encode_error(e),
        }
    }
}

/// Decodes the typed input, runs `op` on the store thread and encodes its output
/// (operations without output answer an empty body in JSON, as AWS does, and an empty map
/// in CBOR).
async fn call<I, O>(
    k: Kinesis,
    ctx: Ctx,
    doc: Value,
    wire: Wire,
    name: &'static str,
    op: fn(&mut Engine, &Ctx, I) -> Result<O, StateError>,
) -> Result<Vec<u8>, ApiError>
where
    I: DeserializeOwned + Send + 'static,
    O: Serialize + Send + 'static,
{
    let input: I = json::into_input(doc)?;
    let out = k.run(ctx, input, op).await?;
    if wire == Wire::Cbor {
        let value = serde_json::to_value(&out).map_err(|e| ApiError::internal(e.to_string()))?;
        return Ok(cbor::encode_output(model::kinesis(), name, &value));
    }
    let body = json::encode(&out);
    Ok(if body == b"null" { Vec::new() } else { body })
}

macro_rules! ops {
    ($($name:literal => $f:path),* $(,)?) => {
        /// Every Kinesis operation kinesin serves, by name.
        pub const OPERATIONS: &[(&str, Handler)] = &[
            $(($name, |k, c, v, w| Box::pin(call(k, c, v, w, $name, $f)))),*
        ];
    };
}

ops! {
    "AddTagsToStream" => tags::add,
    "CreateStream" => streams::create,
    "DecreaseStreamRetentionPeriod" => streams::decrease_retention,
    "DeleteResourcePolicy" => policies::delete_policy,
    "DeleteStream" => streams::delete,
    "DeregisterStreamConsumer" => consumers::deregister,
    "DescribeAccountSettings" => settings::describe_account_settings,
    "DescribeLimits" => settings::describe_limits,
    "DescribeStream" => streams::describe,
    "DescribeStreamConsumer" => consumers::describe,
    "DescribeStreamSummary" => streams::describe_summary,
    "DisableEnhancedMonitoring" => settings::disable_monitoring,
    "EnableEnhancedMonitoring" => settings::enable_monitoring,
    "GetRecords" => records::get_records,
    "GetResourcePolicy" => policies::get_policy,
    "GetShardIterator" => records::get_shard_iterator,
    "IncreaseStreamRetentionPeriod" => streams::increase_retention,
    "ListShards" => shards::list,
    "ListStreamConsumers" => consumers::list,
    "ListStreams" => streams::list,
    "ListTagsForResource" => policies::list_tags,
    "ListTagsForStream" => tags::list,
    "MergeShards" => reshard::merge,
    "PutRecord" => records::put_record,
    "PutRecords" => records::put_records,
    "PutResourcePolicy" => policies::put_policy,
    "RegisterStreamConsumer" => consumers::register,
    "RemoveTagsFromStream" => tags::remove,
    "SplitShard" => reshard::split,
    "StartStreamEncryption" => settings::start_encryption,
    "StopStreamEncryption" => settings::stop_encryption,
    "TagResource" => policies::tag_resource,
    "UntagResource" => policies::untag_resource,
    "UpdateAccountSettings" => settings::update_account_settings,
    "UpdateMaxRecordSize" => settings::update_max_record_size,
    "UpdateShardCount" => reshard::update_shard_count,
    "UpdateStreamMode" => settings::update_stream_mode,
    "UpdateStreamWarmThroughput" => settings::update_warm_throughput,
}

/// Operations whose effects the maintenance task must see at once.
const WAKES_MAINTENANCE: &[&str] =
    &["CreateStream", "DeleteStream", "DecreaseStreamRetentionPeriod", "IncreaseStreamRetentionPeriod"];

/// Handles one Kinesis operation whose body is already read, in the request's wire format.
pub async fn handle(k: &Kinesis, ctx: Ctx, operation: &str, body: &[u8], wire: Wire) -> Result<Vec<u8>, ApiError> {
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
    let doc = decode(operation, body, wire)?;
    let metered = crate::meter::kinesis_put(operation, &doc).map(|m| (ctx.clone(), m));
    let out = handler(k.clone(), ctx, doc, wire).await;
    if out.is_ok() {
        if let Some((ctx, (stream, sizes))) = metered {
            crate::meter::count_kinesis_put(&ctx.account, &ctx.region, &stream, &sizes);
        }
        if WAKES_MAINTENANCE.contains(&operation) {
            k.wake_maintenance();
        }
        if NOTIFIES_SUBSCRIBERS.contains(&operation) {
            k.notify_data();
        }
    }
    out
}

/// Operations after which enhanced fan-out subscribers look for new data.
const NOTIFIES_SUBSCRIBERS: &[&str] =
    &["PutRecord", "PutRecords", "SplitShard", "MergeShards", "UpdateShardCount", "DeleteStream"];

/// Decodes a Kinesis request body in its wire format and validates it against the model.
pub fn decode(operation: &str, body: &[u8], wire: Wire) -> Result<Value, ApiError> {
    let model = model::kinesis();
    let mut doc = match wire {
        Wire::Json => json::decode(body)?,
        Wire::Cbor => cbor::decode_input(model, operation, body)?,
    };
    model.validate_input(operation, &mut doc)?;
    Ok(doc)
}
