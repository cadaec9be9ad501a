//! Receipt handles: what a handle names, and how DeleteMessage and ChangeMessageVisibility act
//! through one.
//!
//! A handle encodes the queue, the message row, the nonce of the receive that issued it and
//! the message id. On a standard queue any handle ever issued for a message acts on it while it
//! exists (AWS: deleting or changing the visibility after the visibility timeout, or with the
//! handle of an earlier receive, works). On a FIFO queue only the handle of the current receive,
//! within its visibility timeout, acts: DeleteMessage with an older or expired one fails with
//! `The receipt handle has expired.`, as AWS answers.

use super::{invalid, invalid_param, missing, Queue, SqsError};
use crate::db::Engine;
use rusqlite::{params, OptionalExtension};

/// Encodes a receipt handle: queue row, message row, the receive's nonce and the message id.
pub(super) fn encode(queue: i64, row: i64, nonce: i64, message_id: &str) -> String {
    aws_smithy_types::base64::encode(format!("{queue}:{row}:{nonce}:{message_id}:kinesin").as_bytes())
}

/// A decoded receipt handle.
struct Handle {
    row: i64,
    nonce: i64,
    message_id: String,
}

/// Decodes a receipt handle issued by `q` (`ReceiptHandleIsInvalid` otherwise).
fn parse(q: &Queue, handle: &str) -> Result<Handle, SqsError> {
    let invalid_handle = || {
        SqsError::new(
            "ReceiptHandleIsInvalid",
            format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
        )
    };
    if handle.is_empty() {
        return Err(missing("ReceiptHandle"));
    }
    let bytes = aws_smithy_types::base64::decode(handle).map_err(|_| invalid_handle())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid_handle())?;
    let parts: Vec<&str> = text.split(':').collect();
    let [queue, row, nonce, message_id, "kinesin"] = parts.as_slice() else { return Err(invalid_handle()) };
    match (queue.parse::<i64>(), row.parse::<i64>(), nonce.parse::<i64>()) {
        (Ok(qid), Ok(row), Ok(nonce)) if qid == q.id => Ok(Handle { row, nonce, message_id: message_id.to_string() }),
        _ => Err(invalid_handle()),
    }
}

/// The message a handle names, as stored now.
struct Current {
    receipt: i64,
    visible_ms: i64,
    group: Option<String>,
}

/// The message of `h`, if it still exists (and is the message the handle was issued for).
fn current(eng: &Engine, q: &Queue, h: &Handle) -> Result<Option<Current>, SqsError> {
    let row: Option<(String, i64, i64, Option<String>)> = eng
        .conn
        .prepare_cached("SELECT message_id, receipt, visible_ms, group_id FROM sqs_messages WHERE id=?1 AND queue=?2")?
        .query_row(params![h.row, q.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    Ok(row.filter(|(id, ..)| *id == h.message_id).map(|(_, receipt, visible_ms, group)| Current {
        receipt,
        visible_ms,
        group,
    }))
}

fn expired(handle: &str) -> SqsError {
    invalid_param(handle, "ReceiptHandle", "The receipt handle has expired.")
}

/// DeleteMessage through one handle. A message already deleted is not an error.
pub(super) fn delete(eng: &Engine, q: &Queue, handle: &str) -> Result<(), SqsError> {
    let h = parse(q, handle)?;
    let Some(m) = current(eng, q, &h)? else { return Ok(()) };
    let now = eng.now();
    if q.fifo && (m.receipt != h.nonce || m.visible_ms <= now) {
        return Err(expired(handle));
    }
    eng.conn.prepare_cached("DELETE FROM sqs_messages WHERE id=?1")?.execute([h.row])?;
    if q.fifo {
        release_group(eng, q, m.group.as_deref(), now)?;
    }
    Ok(())
}

/// After a delete unlocked a FIFO group: its next message counts as waiting from now on, so
/// groups that waited longer are served first (see `messages::pick`). Its visibility does not
/// change: the value only moves forward up to `now`.
fn release_group(eng: &Engine, q: &Queue, group: Option<&str>, now: i64) -> Result<(), SqsError> {
    eng.conn
        .prepare_cached(
            "UPDATE sqs_messages SET visible_ms=?3
             WHERE id=(SELECT MIN(id) FROM sqs_messages WHERE queue=?1 AND group_id IS ?2)
               AND receive_count=0 AND visible_ms<?3",
        )?
        .execute(params![q.id, group, now])?;
    Ok(())
}

/// ChangeMessageVisibility through one handle.
pub(super) fn change(eng: &Engine, q: &Queue, handle: &str, timeout: Option<i64>) -> Result<(), SqsError> {
    let Some(timeout) = timeout else { return Err(missing("VisibilityTimeout")) };
    let h = parse(q, handle)?;
    if !(0..=43_200).contains(&timeout) {
        return Err(invalid_param(
            timeout,
            "VisibilityTimeout",
            "VisibilityTimeout must be an integer between 0 and 43200.",
        ));
    }
    let Some(m) = current(eng, q, &h)? else {
        return Err(invalid(format!(
            "Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change."
        )));
    };
    let now = eng.now();
    if q.fifo {
        // AWS's answer to an outdated FIFO handle here was not found; the delete's is used.
        if m.receipt != h.nonce {
            return Err(expired(handle));
        }
        if m.visible_ms <= now {
            return Err(SqsError::new("MessageNotInflight", "The message referred to is not in flight."));
        }
    }
    // Standard queues: accepted also after the visibility timeout ended (AWS accepts it); the
    // message is then hidden again for `timeout` (AWS does not document this case).
    eng.conn
        .prepare_cached("UPDATE sqs_messages SET visible_ms=?2 WHERE id=?1")?
        .execute(params![h.row, now + timeout * 1000])?;
    Ok(())
}
