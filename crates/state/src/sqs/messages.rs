//! Messages: send (with FIFO deduplication and sequence numbers), receive (visibility,
//! delays, the FIFO group lock, dead-letter redrive, receive attempts), delete and change
//! visibility, one at a time or in batches.

use super::md5;
use super::{by_url, find_by_arn, invalid, invalid_param, missing, Caller, Queue, SqsError};
use crate::db::Engine;
use kinesin_protocol::sqs::error_names;
use kinesin_protocol::sqs::types::*;
use rusqlite::{params, OptionalExtension};
use std::collections::{BTreeMap, HashSet};

/// How long a deduplication id or a receive attempt id is remembered.
pub const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;
/// Entries allowed in one batch.
pub const MAX_BATCH: usize = 10;
/// Largest total payload of a SendMessageBatch (1 MiB, as MaximumMessageSize).
pub const MAX_BATCH_BYTES: usize = 1_048_576;

const BAD_CHARS: &str = "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF";

fn valid_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn valid_token(s: &str) -> bool {
    !s.is_empty() && s.len() <= 128 && s.chars().all(|c| c.is_ascii_graphic())
}

/// What one message to send carries (SendMessage or a SendMessageBatch entry).
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// Body.
    pub body: String,
    /// Per-message delay (standard queues only).
    pub delay_seconds: Option<i64>,
    /// Message attributes.
    pub attributes: MessageAttributes,
    /// System attributes (AWSTraceHeader).
    pub system_attributes: MessageAttributes,
    /// FIFO deduplication id.
    pub dedup_id: Option<String>,
    /// Message group.
    pub group_id: Option<String>,
}

fn attribute_size(attrs: &MessageAttributes) -> usize {
    attrs
        .iter()
        .map(|(n, v)| {
            n.len()
                + v.data_type.len()
                + v.string_value.as_ref().map_or(0, String::len)
                + v.binary_value
                    .as_ref()
                    .map_or(0, |b| aws_smithy_types::base64::decode(b).map_or(b.len(), |d| d.len()))
        })
        .sum()
}

fn check_attributes(attrs: &MessageAttributes) -> Result<(), SqsError> {
    if attrs.len() > 10 {
        return Err(invalid(format!(
            "Number of message attributes [{}] exceeds the allowed maximum [10].",
            attrs.len()
        )));
    }
    for (name, v) in attrs {
        let lower = name.to_ascii_lowercase();
        let bad_name = name.is_empty()
            || name.len() > 256
            || name.starts_with('.')
            || name.ends_with('.')
            || name.contains("..")
            || lower.starts_with("aws.")
            || lower.starts_with("amazon.")
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if bad_name {
            return Err(invalid(format!(
                "Message (user) attribute name '{name}' is invalid: it can contain alphanumeric characters, hyphens, underscores and periods, may not start or end with a period or have consecutive periods, may not start with 'AWS.' or 'Amazon.' and is 1 to 256 characters long."
            )));
        }
        if v.data_type.is_empty() {
            return Err(invalid(format!(
                "The message attribute '{name}' must contain non-empty message attribute type."
            )));
        }
        let base = v.data_type.split('.').next().unwrap_or("");
        if !matches!(base, "String" | "Number" | "Binary") || v.data_type.len() > 256 {
            return Err(invalid(format!(
                "The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
            )));
        }
        let empty_value = || {
            invalid(format!(
                "The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{}'.",
                v.data_type
            ))
        };
        // A value in the other field than the type uses. The wording several SQS-compatible
        // servers agree on; AWS's own answer was not found.
        let wrong_field = |field: &str| {
            invalid(format!("The message attribute '{name}' with type '{base}' must use field '{field}'."))
        };
        if base == "Binary" {
            match &v.binary_value {
                Some(b) if aws_smithy_types::base64::decode(b).is_ok_and(|d| !d.is_empty()) => {}
                None if v.string_value.as_ref().is_some_and(|s| !s.is_empty()) => return Err(wrong_field("Binary")),
                _ => return Err(empty_value()),
            }
        } else {
            if v.string_value.is_none() && v.binary_value.as_ref().is_some_and(|b| !b.is_empty()) {
                return Err(wrong_field("String"));
            }
            match &v.string_value {
                Some(s) if !s.is_empty() => {
                    if !s.chars().all(valid_char) {
                        return Err(invalid(format!(
                            "Message (user) attribute '{name}' value contains invalid characters: {BAD_CHARS}"
                        )));
                    }
                    if base == "Number" && !super::number::is_valid(s) {
                        return Err(invalid(format!(
                            "Can't cast the value of message (user) attribute '{name}' to a number."
                        )));
                    }
                }
                _ => return Err(empty_value()),
            }
        }
    }
    Ok(())
}

fn check_system_attributes(attrs: &MessageAttributes) -> Result<Option<String>, SqsError> {
    let mut trace = None;
    for (name, v) in attrs {
        if name != "AWSTraceHeader" {
            return Err(invalid(format!(
                "Message system attribute name '{name}' is invalid. Valid system attribute names: AWSTraceHeader."
            )));
        }
        match (&v.string_value, v.data_type.as_str()) {
            (Some(s), "String") if !s.is_empty() => trace = Some(s.clone()),
            _ => return Err(invalid("The message system attribute 'AWSTraceHeader' must be a non-empty String.")),
        }
    }
    Ok(trace)
}

/// Sends one message to a queue that is already looked up. Used by SendMessage,
/// SendMessageBatch and by other services (Pipes) on the store thread.
pub fn send_to(eng: &mut Engine, caller: &Caller, q: &Queue, m: Outgoing) -> Result<SendMessageOutput, SqsError> {
    if m.body.is_empty() {
        return Err(missing("MessageBody"));
    }
    if !m.body.chars().all(valid_char) {
        return Err(SqsError::new("InvalidMessageContents", BAD_CHARS));
    }
    check_attributes(&m.attributes)?;
    let trace = check_system_attributes(&m.system_attributes)?;
    let max = q.int("MaximumMessageSize") as usize;
    if m.body.len() + attribute_size(&m.attributes) > max {
        return Err(invalid(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {max} bytes."
        )));
    }
    let now = eng.now();
    let md5_body = md5::of_body(&m.body);
    let md5_attrs = md5::of_attributes(&m.attributes);
    let md5_system = md5::of_attributes(&m.system_attributes);
    let mut delay_s = q.int("DelaySeconds");
    let (mut group, mut dedup) = (m.group_id.clone(), None);
    if let Some(g) = &m.group_id {
        if !valid_token(g) {
            return Err(invalid_param(
                g,
                "MessageGroupId",
                "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
            ));
        }
    }
    if q.fifo {
        let Some(g) = &m.group_id else { return Err(missing("MessageGroupId")) };
        if let Some(d) = m.delay_seconds {
            return Err(invalid_param(
                d,
                "DelaySeconds",
                "The request include parameter that is not valid for this queue type.",
            ));
        }
        let d = match &m.dedup_id {
            Some(d) if !valid_token(d) => {
                return Err(invalid_param(
                    d,
                    "MessageDeduplicationId",
                    "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
                ))
            }
            Some(d) => d.clone(),
            None if q.flag("ContentBasedDeduplication") => md5::sha256(&m.body),
            None => {
                return Err(invalid(
                    "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
                ))
            }
        };
        let scope = if q.dedup_per_group() { g.clone() } else { String::new() };
        let seen: Option<(String, Option<String>)> = eng
            .conn
            .prepare_cached(
                "SELECT message_id, seq FROM sqs_dedup WHERE queue=?1 AND scope=?2 AND dedup_id=?3 AND expires_ms>?4",
            )?
            .query_row(params![q.id, scope, d, now], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((message_id, seq)) = seen {
            return Ok(SendMessageOutput {
                md5_of_message_body: md5_body,
                md5_of_message_attributes: md5_attrs,
                md5_of_message_system_attributes: md5_system,
                message_id,
                sequence_number: seq,
            });
        }
        dedup = Some((scope, d));
        group = Some(g.clone());
    } else {
        if let Some(d) = &m.dedup_id {
            return Err(invalid_param(
                d,
                "MessageDeduplicationId",
                "The request include parameter that is not valid for this queue type.",
            ));
        }
        if let Some(d) = m.delay_seconds {
            if !(0..=900).contains(&d) {
                return Err(invalid_param(d, "DelaySeconds", "DelaySeconds must be >= 0 and <= 900."));
            }
            delay_s = d;
        }
    }
    let message_id = uuid::Uuid::new_v4().to_string();
    let seq = if q.fifo { Some(next_sequence_number(eng, q.id, now)?) } else { None };
    if let Some((scope, d)) = &dedup {
        eng.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO sqs_dedup(queue, scope, dedup_id, message_id, seq, md5_attrs, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![q.id, scope, d, message_id, seq, md5_attrs, now + DEDUP_WINDOW_MS])?;
    }
    let attrs_json = (!m.attributes.is_empty()).then(|| serde_json::to_string(&m.attributes).unwrap_or_default());
    eng.conn
        .prepare_cached(
            "INSERT INTO sqs_messages(queue, message_id, body, attributes, md5_body, md5_attrs, trace_header, group_id,
                 dedup_id, seq, sender, sent_ms, expires_ms, visible_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?
        .execute(params![
            q.id,
            message_id,
            m.body,
            attrs_json,
            md5_body,
            md5_attrs,
            trace,
            group,
            dedup.as_ref().map(|d| d.1.clone()),
            seq,
            caller.ctx.account,
            now,
            now + q.retention_ms(),
            now + delay_s * 1000,
        ])?;
    Ok(SendMessageOutput {
        md5_of_message_body: md5_body,
        md5_of_message_attributes: md5_attrs,
        md5_of_message_system_attributes: md5_system,
        message_id,
        sequence_number: seq,
    })
}

/// A FIFO sequence number: 20 digits, increasing, not consecutive.
fn next_sequence_number(eng: &Engine, queue: i64, now: i64) -> Result<String, SqsError> {
    let last: i64 =
        eng.conn.prepare_cached("SELECT last_seq FROM sqs_queues WHERE id=?1")?.query_row([queue], |r| r.get(0))?;
    let next = (last + 1).max(now * 1000);
    eng.conn.prepare_cached("UPDATE sqs_queues SET last_seq=?2 WHERE id=?1")?.execute(params![queue, next])?;
    Ok(format!("1{next:019}"))
}

/// SendMessage.
pub fn send_message(eng: &mut Engine, caller: &Caller, input: SendMessageInput) -> Result<SendMessageOutput, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    send_to(
        eng,
        caller,
        &q,
        Outgoing {
            body: input.message_body,
            delay_seconds: input.delay_seconds,
            attributes: input.message_attributes,
            system_attributes: input.message_system_attributes,
            dedup_id: input.message_deduplication_id,
            group_id: input.message_group_id,
        },
    )
}

/// Checks the entry ids of a batch: present, at most 10, distinct, well-formed.
pub fn check_batch_ids<'a>(ids: impl Iterator<Item = &'a str>, entry_kind: &str) -> Result<(), SqsError> {
    let ids: Vec<&str> = ids.collect();
    if ids.is_empty() {
        return Err(SqsError::new(
            "EmptyBatchRequest",
            format!("There should be at least one {entry_kind} in the request."),
        ));
    }
    if ids.len() > MAX_BATCH {
        return Err(SqsError::new(
            "TooManyEntriesInBatchRequest",
            format!("Maximum number of entries per request are {MAX_BATCH}. You have sent {}.", ids.len()),
        ));
    }
    let mut seen = HashSet::new();
    for id in &ids {
        if !seen.insert(*id) {
            return Err(SqsError::new("BatchEntryIdsNotDistinct", format!("Id {id} repeated.")));
        }
    }
    for id in &ids {
        if id.is_empty() || id.len() > 80 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(SqsError::new(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
            ));
        }
    }
    Ok(())
}

fn failure(id: &str, e: SqsError) -> BatchResultErrorEntry {
    let names = error_names(&e.0.code);
    BatchResultErrorEntry {
        id: id.to_string(),
        sender_fault: names.status < 500,
        code: names.query.to_string(),
        message: Some(e.0.message),
    }
}

/// SendMessageBatch: entries are enqueued in order; each may fail on its own.
pub fn send_message_batch(
    eng: &mut Engine,
    caller: &Caller,
    input: SendMessageBatchInput,
) -> Result<SendMessageBatchOutput, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    check_batch_ids(input.entries.iter().map(|e| e.id.as_str()), "SendMessageBatchRequestEntry")?;
    let total: usize = input.entries.iter().map(|e| e.message_body.len() + attribute_size(&e.message_attributes)).sum();
    if total > MAX_BATCH_BYTES {
        return Err(SqsError::new(
            "BatchRequestTooLong",
            format!("Batch requests cannot be longer than {MAX_BATCH_BYTES} bytes. You have sent {total} bytes."),
        ));
    }
    let mut out = SendMessageBatchOutput::default();
    for e in input.entries {
        let id = e.id.clone();
        if e.message_body.is_empty() {
            // AWS fails just this entry, with code EmptyValue (its message was not found).
            let err = SqsError::new("EmptyValue", "The request must contain the parameter MessageBody.");
            out.failed.push(failure(&id, err));
            continue;
        }
        let m = Outgoing {
            body: e.message_body,
            delay_seconds: e.delay_seconds,
            attributes: e.message_attributes,
            system_attributes: e.message_system_attributes,
            dedup_id: e.message_deduplication_id,
            group_id: e.message_group_id,
        };
        match send_to(eng, caller, &q, m) {
            Ok(r) => out.successful.push(SendMessageBatchResultEntry {
                id,
                message_id: r.message_id,
                md5_of_message_body: r.md5_of_message_body,
                md5_of_message_attributes: r.md5_of_message_attributes,
                md5_of_message_system_attributes: r.md5_of_message_system_attributes,
                sequence_number: r.sequence_number,
            }),
            Err(err) if err.0.status >= 500 => return Err(err),
            Err(err) => out.failed.push(failure(&id, err)),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Receipt handles

/// Encodes a receipt handle: queue row, message row and the receive's nonce.
fn receipt_handle(queue: i64, row: i64, nonce: i64, message_id: &str) -> String {
    aws_smithy_types::base64::encode(format!("{queue}:{row}:{nonce}:{message_id}:kinesin").as_bytes())
}

/// `(message row, nonce)` of a receipt handle issued by `q`.
fn parse_receipt(q: &Queue, handle: &str) -> Result<(i64, i64), SqsError> {
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
    match parts.as_slice() {
        [queue, row, nonce, _, "kinesin"] => {
            let (queue, row, nonce) = (queue.parse::<i64>(), row.parse::<i64>(), nonce.parse::<i64>());
            match (queue, row, nonce) {
                (Ok(qid), Ok(row), Ok(nonce)) if qid == q.id => Ok((row, nonce)),
                _ => Err(invalid_handle()),
            }
        }
        _ => Err(invalid_handle()),
    }
}

// ---------------------------------------------------------------------------------------
// Receive

/// A ReceiveMessage answer and what long polling needs.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The answer.
    pub output: ReceiveMessageOutput,
    /// How long to wait for messages when none were found (seconds).
    pub wait_seconds: i64,
    /// When a message of the queue next becomes visible (delay or visibility ends).
    pub next_visible_ms: Option<i64>,
    /// The queue (account, region, name), for waking.
    pub queue_key: (String, String, String),
    /// Dead-letter queues (account, region, name) that messages were moved to, whose long
    /// polls should look again.
    pub redriven_to: Vec<(String, String, String)>,
}

struct Candidate {
    row: i64,
    visible_ms: i64,
    receive_count: i64,
    expires_ms: i64,
}

/// ReceiveMessage, without waiting (the server waits and calls again).
pub fn receive_message(eng: &mut Engine, caller: &Caller, input: ReceiveMessageInput) -> Result<Received, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    let max = input.max_number_of_messages.unwrap_or(1);
    if !(1..=10).contains(&max) {
        return Err(invalid_param(max, "MaxNumberOfMessages", "Must be between 1 and 10, if provided."));
    }
    if let Some(v) = input.visibility_timeout {
        if !(0..=43_200).contains(&v) {
            return Err(invalid_param(v, "VisibilityTimeout", "Must be >= 0 and <= 43200, if provided."));
        }
    }
    let wait = match input.wait_time_seconds {
        Some(w) if !(0..=20).contains(&w) => {
            return Err(invalid_param(w, "WaitTimeSeconds", "Must be >= 0 and <= 20, if provided."));
        }
        Some(w) => w,
        None => q.int("ReceiveMessageWaitTimeSeconds"),
    };
    let attempt =
        match &input.receive_request_attempt_id {
            Some(a) if !valid_token(a) => return Err(invalid_param(
                a,
                "ReceiveRequestAttemptId",
                "ReceiveRequestAttemptId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
            )),
            Some(a) if q.fifo => Some(a.clone()),
            _ => None,
        };
    let now = eng.now();
    let visibility_ms = input.visibility_timeout.map(|v| v * 1000).unwrap_or_else(|| q.visibility_ms());
    let names: Vec<String> =
        input.attribute_names.iter().chain(&input.message_system_attribute_names).cloned().collect();

    // A repeated receive attempt answers the same messages and receipt handles.
    if let Some(a) = &attempt {
        let previous: Option<String> = eng
            .conn
            .prepare_cached(
                "SELECT messages FROM sqs_receive_attempts WHERE queue=?1 AND attempt_id=?2 AND expires_ms>?3",
            )?
            .query_row(params![q.id, a, now], |r| r.get(0))
            .optional()?;
        if let Some(previous) = previous {
            let picks: Vec<(i64, i64)> = serde_json::from_str(&previous).unwrap_or_default();
            let mut messages = Vec::new();
            for (row, nonce) in picks {
                if let Some(m) = render(eng, &q, row, Fetch::Issued(nonce), &names, &input.message_attribute_names)? {
                    messages.push(m);
                }
            }
            return Ok(received(&q, messages, wait, None));
        }
    }

    let mut redriven = Vec::new();
    let picks = pick(eng, &q, max as usize, now, &mut redriven)?;
    let mut messages = Vec::with_capacity(picks.len());
    let mut issued = Vec::with_capacity(picks.len());
    for row in picks {
        let nonce = fastrand::i64(1..i64::MAX);
        let fetch = Fetch::Receive { now, visible_ms: now + visibility_ms, nonce };
        if let Some(m) = render(eng, &q, row, fetch, &names, &input.message_attribute_names)? {
            messages.push(m);
            issued.push((row, nonce));
        }
    }
    if let (Some(a), false) = (&attempt, issued.is_empty()) {
        eng.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO sqs_receive_attempts(queue, attempt_id, messages, expires_ms) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![q.id, a, serde_json::to_string(&issued).unwrap_or_default(), now + DEDUP_WINDOW_MS])?;
    }
    // Only an empty answer waits (long polling) for the next message to become visible.
    let next: Option<i64> = if messages.is_empty() {
        eng.conn
            .prepare_cached("SELECT MIN(visible_ms) FROM sqs_messages WHERE queue=?1 AND visible_ms>?2")?
            .query_row(params![q.id, now], |r| r.get(0))?
    } else {
        None
    };
    let mut r = received(&q, messages, wait, next);
    r.redriven_to = redriven.iter().map(key_of).collect();
    Ok(r)
}

fn key_of(q: &Queue) -> (String, String, String) {
    (q.account.clone(), q.region.clone(), q.name.clone())
}

fn received(q: &Queue, messages: Vec<Message>, wait: i64, next: Option<i64>) -> Received {
    Received {
        output: ReceiveMessageOutput { messages },
        wait_seconds: wait,
        next_visible_ms: next,
        queue_key: key_of(q),
        redriven_to: Vec::new(),
    }
}

/// Rows read per step when looking for messages to deliver.
const PAGE: i64 = 128;

/// Chooses the messages to deliver, moving those past maxReceiveCount to the dead-letter
/// queue (recorded in `redriven`) and dropping expired ones on the way. Reads through the
/// indexes only what it needs: FIFO groups in the order of their oldest message, then each
/// group's messages in order; standard queues by the time their messages became visible.
fn pick(eng: &mut Engine, q: &Queue, max: usize, now: i64, redriven: &mut Vec<Queue>) -> Result<Vec<i64>, SqsError> {
    let redrive = match q.redrive() {
        Some((arn, max_receives)) => find_by_arn(eng, &arn)?.map(|dlq| (dlq, max_receives)),
        None => None,
    };
    let mut chosen = Vec::with_capacity(max);
    // Takes one candidate: false when it was dropped (expired) or moved to the DLQ.
    let mut take = |eng: &mut Engine, c: &Candidate| -> Result<bool, SqsError> {
        if c.expires_ms <= now {
            eng.conn.prepare_cached("DELETE FROM sqs_messages WHERE id=?1")?.execute([c.row])?;
            return Ok(false);
        }
        if let Some((dlq, max_receives)) = &redrive {
            if c.receive_count >= *max_receives {
                move_message(eng, c.row, q, dlq, true)?;
                if !redriven.iter().any(|r| r.id == dlq.id) {
                    redriven.push(dlq.clone());
                }
                return Ok(false);
            }
        }
        Ok(true)
    };
    if !q.fifo {
        let mut after = (i64::MIN, i64::MIN);
        // A few more than asked (some may be expired or go to the DLQ), then whole pages.
        let mut limit = max as i64 * 2 + 8;
        'pages: loop {
            let page = candidates(
                eng,
                "SELECT id, group_id, visible_ms, receive_count, expires_ms FROM sqs_messages
                 WHERE queue=?1 AND visible_ms<=?2 AND (visible_ms, id) > (?3, ?4)
                 ORDER BY visible_ms, id LIMIT ?5",
                params![q.id, now, after.0, after.1, limit],
            )?;
            let full = page.len() as i64 == limit;
            limit = PAGE;
            for c in &page {
                after = (c.visible_ms, c.row);
                if take(eng, c)? {
                    chosen.push(c.row);
                    if chosen.len() >= max {
                        break 'pages;
                    }
                }
            }
            if !full {
                break;
            }
        }
        return Ok(chosen);
    }
    // The FIFO group lock: a group with a message in flight delivers nothing.
    let blocked: HashSet<Option<String>> = eng
        .conn
        .prepare_cached(
            "SELECT DISTINCT group_id FROM sqs_messages
             WHERE queue=?1 AND visible_ms>?2 AND receive_count>0 AND expires_ms>?2",
        )?
        .query_map(params![q.id, now], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut seen: HashSet<Option<String>> = HashSet::new();
    let mut after = i64::MIN;
    // Usually the first free group fills the answer: start with a small page.
    let mut limit = 16 + blocked.len() as i64;
    'heads: loop {
        // The next groups, in the order of their oldest message.
        let rows: Vec<(i64, Option<String>)> = eng
            .conn
            .prepare_cached("SELECT id, group_id FROM sqs_messages WHERE queue=?1 AND id>?2 ORDER BY id LIMIT ?3")?
            .query_map(params![q.id, after, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let full = rows.len() as i64 == limit;
        limit = (limit * 4).min(4096);
        for (row, group) in rows {
            after = row;
            if blocked.contains(&group) || !seen.insert(group.clone()) {
                continue;
            }
            // As many messages of this group as possible, in order, up to a delayed one.
            let mut from = i64::MIN;
            let mut want = (max - chosen.len()) as i64 + 4;
            'group: loop {
                let page = candidates(
                    eng,
                    "SELECT id, group_id, visible_ms, receive_count, expires_ms FROM sqs_messages
                     WHERE queue=?1 AND group_id IS ?2 AND id>?3 ORDER BY id LIMIT ?4",
                    params![q.id, group, from, want],
                )?;
                let full = page.len() as i64 == want;
                want = PAGE;
                for c in &page {
                    from = c.row;
                    if c.visible_ms > now && c.expires_ms > now {
                        break 'group; // delayed: later messages of its group wait behind it
                    }
                    if take(eng, c)? {
                        chosen.push(c.row);
                        if chosen.len() >= max {
                            break 'heads;
                        }
                    }
                }
                if !full {
                    break;
                }
            }
        }
        if !full {
            break;
        }
    }
    Ok(chosen)
}

fn candidates(eng: &Engine, sql: &str, params: impl rusqlite::Params) -> Result<Vec<Candidate>, SqsError> {
    let rows = eng
        .conn
        .prepare_cached(sql)?
        .query_map(params, |r| {
            Ok(Candidate { row: r.get(0)?, visible_ms: r.get(2)?, receive_count: r.get(3)?, expires_ms: r.get(4)? })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Moves a message to another queue (dead-letter redrive or a move task). With `to_dlq`,
/// the message keeps its receive count and records its source queue.
pub fn move_message(eng: &mut Engine, row: i64, from: &Queue, to: &Queue, to_dlq: bool) -> Result<(), SqsError> {
    let now = eng.now();
    let seq = if to.fifo { Some(next_sequence_number(eng, to.id, now)?) } else { None };
    // Standard queues keep the original enqueue time for retention; FIFO queues restart it.
    let expires_sql = if to.fifo { "?7" } else { "sent_ms + ?6" };
    let sql = format!(
        "INSERT INTO sqs_messages(queue, message_id, body, attributes, md5_body, md5_attrs, trace_header, group_id,
             dedup_id, seq, sender, sent_ms, expires_ms, visible_ms, receive_count, first_receive_ms, dlq_source)
         SELECT ?2, message_id, body, attributes, md5_body, md5_attrs, trace_header, group_id, dedup_id, ?3, sender,
             sent_ms, {expires_sql}, ?4, CASE WHEN ?5 THEN receive_count ELSE 0 END,
             CASE WHEN ?5 THEN first_receive_ms ELSE NULL END, CASE WHEN ?5 THEN ?8 ELSE NULL END
         FROM sqs_messages WHERE id=?1"
    );
    eng.conn.prepare_cached(&sql)?.execute(params![
        row,
        to.id,
        seq,
        now,
        to_dlq,
        to.retention_ms(),
        now + to.retention_ms(),
        from.arn()
    ])?;
    eng.conn.prepare_cached("DELETE FROM sqs_messages WHERE id=?1")?.execute([row])?;
    Ok(())
}

fn wants(names: &[String], name: &str) -> bool {
    names.iter().any(|n| n == "All" || n == name)
}

fn wants_attribute(names: &[String], name: &str) -> bool {
    names.iter().any(|n| {
        n == "All" || n == ".*" || n == name || n.strip_suffix(".*").is_some_and(|p| name.starts_with(&format!("{p}.")))
    })
}

/// A message as ReceiveMessage answers it; with `nonce`, only if its receipt is still that.
/// How [`render`] reads the message row.
#[derive(Clone, Copy)]
enum Fetch {
    /// Receives it now: counts the receive, hides it until `visible_ms`, issues `nonce`.
    Receive { now: i64, visible_ms: i64, nonce: i64 },
    /// As it is, only if its receipt is still `nonce` (a repeated receive attempt).
    Issued(i64),
}

const RENDER_COLUMNS: &str = "message_id, body, attributes, md5_body, trace_header, group_id, dedup_id, seq, sender,
    sent_ms, receive_count, first_receive_ms, receipt, dlq_source";

/// A message as ReceiveMessage answers it, read (or received) in one statement.
fn render(
    eng: &Engine,
    q: &Queue,
    row: i64,
    fetch: Fetch,
    names: &[String],
    attribute_names: &[String],
) -> Result<Option<Message>, SqsError> {
    type Row = (
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        i64,
        i64,
        Option<i64>,
        i64,
        Option<String>,
    );
    let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Row> {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
            r.get(8)?,
            r.get(9)?,
            r.get(10)?,
            r.get(11)?,
            r.get(12)?,
            r.get(13)?,
        ))
    };
    let r: Option<Row> = match fetch {
        Fetch::Receive { now, visible_ms, nonce } => eng
            .conn
            .prepare_cached(&format!(
                "UPDATE sqs_messages SET receive_count=receive_count+1, first_receive_ms=COALESCE(first_receive_ms, ?2),
                     visible_ms=?3, receipt=?4 WHERE id=?1 RETURNING {RENDER_COLUMNS}"
            ))?
            .query_row(params![row, now, visible_ms, nonce], read)
            .optional()?,
        Fetch::Issued(_) => eng
            .conn
            .prepare_cached(&format!("SELECT {RENDER_COLUMNS} FROM sqs_messages WHERE id=?1"))?
            .query_row([row], read)
            .optional()?,
    };
    let Some((
        message_id,
        body,
        attrs,
        md5_body,
        trace,
        group,
        dedup,
        seq,
        sender,
        sent,
        count,
        first,
        receipt,
        dlq_source,
    )) = r
    else {
        return Ok(None);
    };
    if matches!(fetch, Fetch::Issued(n) if n != receipt) {
        return Ok(None);
    }
    let mut system = BTreeMap::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(v) = value {
            if wants(names, name) {
                system.insert(name.to_string(), v);
            }
        }
    };
    put("SenderId", Some(sender));
    put("SentTimestamp", Some(sent.to_string()));
    put("ApproximateReceiveCount", Some(count.to_string()));
    put("ApproximateFirstReceiveTimestamp", first.map(|f| f.to_string()));
    put("MessageGroupId", group);
    if q.fifo {
        put("MessageDeduplicationId", dedup);
        put("SequenceNumber", seq);
    }
    put("AWSTraceHeader", trace);
    put("DeadLetterQueueSourceArn", dlq_source);
    let all: MessageAttributes = attrs.and_then(|a| serde_json::from_str(&a).ok()).unwrap_or_default();
    let chosen: MessageAttributes = all.into_iter().filter(|(n, _)| wants_attribute(attribute_names, n)).collect();
    Ok(Some(Message {
        message_id: message_id.clone(),
        receipt_handle: receipt_handle(q.id, row, receipt, &message_id),
        md5_of_body: md5_body,
        body,
        attributes: system,
        md5_of_message_attributes: md5::of_attributes(&chosen),
        message_attributes: chosen,
    }))
}

// ---------------------------------------------------------------------------------------
// Delete and change visibility

fn delete_one(eng: &Engine, q: &Queue, handle: &str) -> Result<(), SqsError> {
    let (row, nonce) = parse_receipt(q, handle)?;
    // An outdated receipt handle succeeds without deleting (AWS: the latest one counts).
    eng.conn
        .prepare_cached("DELETE FROM sqs_messages WHERE id=?1 AND queue=?2 AND receipt=?3")?
        .execute(params![row, q.id, nonce])?;
    Ok(())
}

/// DeleteMessage.
pub fn delete_message(eng: &mut Engine, caller: &Caller, input: DeleteMessageInput) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    delete_one(eng, &q, &input.receipt_handle)?;
    Ok(Empty {})
}

/// DeleteMessageBatch.
pub fn delete_message_batch(
    eng: &mut Engine,
    caller: &Caller,
    input: DeleteMessageBatchInput,
) -> Result<BatchOutput, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    check_batch_ids(input.entries.iter().map(|e| e.id.as_str()), "DeleteMessageBatchRequestEntry")?;
    let mut out = BatchOutput::default();
    for e in input.entries {
        match delete_one(eng, &q, &e.receipt_handle) {
            Ok(()) => out.successful.push(BatchResultEntry { id: e.id }),
            Err(err) if err.0.status >= 500 => return Err(err),
            Err(err) => out.failed.push(failure(&e.id, err)),
        }
    }
    Ok(out)
}

fn change_one(eng: &Engine, q: &Queue, handle: &str, timeout: Option<i64>) -> Result<(), SqsError> {
    let Some(timeout) = timeout else { return Err(missing("VisibilityTimeout")) };
    let (row, nonce) = parse_receipt(q, handle)?;
    if !(0..=43_200).contains(&timeout) {
        return Err(invalid_param(
            timeout,
            "VisibilityTimeout",
            "VisibilityTimeout must be an integer between 0 and 43200.",
        ));
    }
    let now = eng.now();
    let changed = eng
        .conn
        .prepare_cached(
            "UPDATE sqs_messages SET visible_ms=?4 WHERE id=?1 AND queue=?2 AND receipt=?3 AND receive_count>0 AND visible_ms>?5",
        )?
        .execute(params![row, q.id, nonce, now + timeout * 1000, now])?;
    if changed == 0 {
        return Err(SqsError::new("MessageNotInflight", "The message referred to is not in flight."));
    }
    Ok(())
}

/// ChangeMessageVisibility.
pub fn change_message_visibility(
    eng: &mut Engine,
    caller: &Caller,
    input: ChangeMessageVisibilityInput,
) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    change_one(eng, &q, &input.receipt_handle, input.visibility_timeout)?;
    Ok(Empty {})
}

/// ChangeMessageVisibilityBatch.
pub fn change_message_visibility_batch(
    eng: &mut Engine,
    caller: &Caller,
    input: ChangeMessageVisibilityBatchInput,
) -> Result<BatchOutput, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    check_batch_ids(input.entries.iter().map(|e| e.id.as_str()), "ChangeMessageVisibilityBatchRequestEntry")?;
    let mut out = BatchOutput::default();
    for e in input.entries {
        match change_one(eng, &q, &e.receipt_handle, e.visibility_timeout) {
            Ok(()) => out.successful.push(BatchResultEntry { id: e.id }),
            Err(err) if err.0.status >= 500 => return Err(err),
            Err(err) => out.failed.push(failure(&e.id, err)),
        }
    }
    Ok(out)
}
