//! Background upkeep of SQS: retention, the deduplication window, receive attempts and
//! message move tasks. Returns when something next falls due, so the caller sleeps until then.

use super::{moves, SqsError};
use crate::db::Engine;

/// Does what is due now; returns when something next falls due.
pub fn run(eng: &mut Engine) -> Result<Option<i64>, SqsError> {
    let now = eng.now();
    eng.conn.prepare_cached("DELETE FROM sqs_messages WHERE expires_ms<=?1")?.execute([now])?;
    eng.conn.prepare_cached("DELETE FROM sqs_dedup WHERE expires_ms<=?1")?.execute([now])?;
    eng.conn.prepare_cached("DELETE FROM sqs_receive_attempts WHERE expires_ms<=?1")?.execute([now])?;
    let tasks_running = moves::progress(eng)?;
    let next: Option<i64> =
        eng.conn.prepare_cached("SELECT MIN(expires_ms) FROM sqs_messages")?.query_row([], |r| r.get(0))?;
    let next = if tasks_running { Some(next.map_or(now + 1000, |n| n.min(now + 1000))) } else { next };
    Ok(next)
}
