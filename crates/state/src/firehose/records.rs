//! PutRecord and PutRecordBatch: accepted records go to the durable buffer, to be delivered
//! when the buffer's size or age limit is reached.

use super::stream_row::{existing, Status, StreamRow};
use super::FhError;
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::firehose::*;

/// Largest PutRecordBatch request: 4 MiB of record data.
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// A stream that takes records: it exists, is ACTIVE and is a DirectPut stream.
fn writable(eng: &Engine, ctx: &Ctx, name: &str) -> Result<StreamRow, FhError> {
    let s = existing(eng, ctx, name)?;
    if s.kind == "KinesisStreamAsSource" {
        return Err(FhError::invalid("This operation is not permitted on KinesisStreamAsSource delivery stream type."));
    }
    match s.status_at(eng.now()) {
        Some(Status::Active) => Ok(s),
        // kinesin's wording: the model lists no ResourceInUseException for puts, so a stream
        // that is not ACTIVE is answered as not found; AWS's exact text was not found.
        Some(status) => Err(FhError::not_found(format!(
            "Firehose {name} under account {} is not ACTIVE, instead in state {status}.",
            ctx.account
        ))),
        None => Err(super::not_found(ctx, name)),
    }
}

/// A record id as AWS hands them out: opaque, unique.
fn record_id() -> String {
    let mut bytes = [0u8; 48];
    fastrand::fill(&mut bytes);
    aws_smithy_types::base64::encode(bytes)
}

fn buffer(eng: &Engine, stream: &StreamRow, now: i64, data: &[u8]) -> Result<(), FhError> {
    super::batch::enqueue(eng, stream.id, now, data, None)?;
    Ok(())
}

/// PutRecord.
pub fn put_record(eng: &mut Engine, ctx: &Ctx, input: PutRecordInput) -> Result<PutRecordOutput, FhError> {
    let s = writable(eng, ctx, &input.delivery_stream_name)?;
    let now = eng.now();
    buffer(eng, &s, now, &input.record.data)?;
    Ok(PutRecordOutput { record_id: record_id(), encrypted: s.encrypted() })
}

/// PutRecordBatch: every record is accepted or fails on its own; answers keep request order.
pub fn put_record_batch(
    eng: &mut Engine,
    ctx: &Ctx,
    input: PutRecordBatchInput,
) -> Result<PutRecordBatchOutput, FhError> {
    let s = writable(eng, ctx, &input.delivery_stream_name)?;
    let total: usize = input.records.iter().map(|r| r.data.len()).sum();
    if total > MAX_BATCH_BYTES {
        // kinesin's wording: AWS rejects batches over 4 MiB with InvalidArgumentException;
        // its exact text was not found.
        return Err(FhError::invalid(format!(
            "The total size of the records in the request ({total} bytes) exceeds the limit of {MAX_BATCH_BYTES} bytes."
        )));
    }
    let now = eng.now();
    super::batch::enqueue_all(eng, s.id, now, input.records.iter().map(|r| (&r.data[..], None)))?;
    let responses: Vec<_> = input
        .records
        .iter()
        .map(|_| PutRecordBatchResponseEntry { record_id: Some(record_id()), ..Default::default() })
        .collect();
    let failed = responses.iter().filter(|r| r.error_code.is_some()).count() as u32;
    Ok(PutRecordBatchOutput { failed_put_count: failed, encrypted: s.encrypted(), request_responses: responses })
}
