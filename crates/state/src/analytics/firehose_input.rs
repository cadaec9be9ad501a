//! Firehose delivery streams as application inputs (`KinesisFirehoseInput`): while an
//! application runs, it taps the delivery streams it reads ([`crate::firehose::taps`]); the
//! runner reads the tap's queue in order and removes what it read with the rows it produced.

use super::stored::AppRow;
use super::targets::delivery_stream;
use super::KdaError;
use crate::db::Engine;
use crate::firehose::taps;

/// Taps the application's delivery stream (if it reads one) for a starting run (whether the
/// stream exists yet or not); a run that does not resume (`LAST_STOPPED_POINT`) drops what an
/// earlier run left unread.
pub fn open(eng: &Engine, row: &AppRow, resume: bool) -> Result<(), KdaError> {
    close(eng, row.id)?;
    if !resume {
        taps::clear(eng, row.id)?;
    }
    let arns = row.config.inputs.iter().filter_map(|i| i.item.kinesis_firehose_input.as_ref());
    for (ctx, name) in arns.filter_map(|r| delivery_stream(&r.resource_arn)) {
        taps::tap(eng, &ctx, &name, row.id)?;
    }
    Ok(())
}

/// Stops queueing records for the application (what is queued stays for a resumed run).
pub fn close(eng: &Engine, app: i64) -> Result<(), KdaError> {
    Ok(taps::untap(eng, app)?)
}
