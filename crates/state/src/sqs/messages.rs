//! Messages: send (with FIFO deduplication and sequence numbers), receive (visibility,
//! delays, the FIFO group lock, dead-letter redrive, receive attempts), delete and change
//! visibility, one at a time or in batches.

use super::{by_url, invalid, invalid_param, missing, Caller, Queue, QueueKey, SqsError};
use super::{md5, pick, receipts};
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
            || !name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
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
        // AWS's wording (LocalStack's AWS-validated tests record it for String; the same
        // sentence names the base type for Number and Binary).
        let empty_value =
            || invalid(format!("Message (user) attribute '{name}' must contain a non-empty value of type '{base}'."));
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
    let trace = check_message(q, &m)?;
    let now = eng.now();
    let mut out = SendMessageOutput {
        md5_of_message_body: md5::of_body(&m.body),
        md5_of_message_attributes: md5::of_attributes(&m.attributes),
        md5_of_message_system_attributes: md5::of_attributes(&m.system_attributes),
        message_id: String::new(),
        sequence_number: None,
    };
    let (delay_s, dedup) = if q.fifo {
        let (g, d) = fifo_dedup_id(q, &m)?;
        if let Some((message_id, seq)) = find_duplicate(eng, q, &g, &d, now)? {
            return Ok(SendMessageOutput { message_id, sequence_number: seq, ..out });
        }
        (q.int("DelaySeconds"), Some((g, d)))
    } else {
        (standard_delay(q, &m)?, None)
    };
    out.message_id = uuid::Uuid::new_v4().to_string();
    out.sequence_number = if q.fifo { Some(q.next_sequence_number(eng, now)?) } else { None };
    if let Some((scope, d)) = &dedup {
        eng.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO sqs_dedup(queue, scope, dedup_id, message_id, seq, md5_attrs, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                q.id,
                scope,
                d,
                out.message_id,
                out.sequence_number,
                out.md5_of_message_attributes,
                now + DEDUP_WINDOW_MS
            ])?;
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
            out.message_id,
            m.body,
            attrs_json,
            out.md5_of_message_body,
            out.md5_of_message_attributes,
            trace,
            m.group_id,
            dedup.as_ref().map(|d| d.1.clone()),
            out.sequence_number,
            caller.ctx.account,
            now,
            now + q.retention_ms(),
            now + delay_s * 1000,
        ])?;
    Ok(out)
}

/// The checks every message passes, in SQS's order (body, attributes, size, group id); the
/// trace header among its system attributes.
fn check_message(q: &Queue, m: &Outgoing) -> Result<Option<String>, SqsError> {
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
    if let Some(g) = &m.group_id {
        if !valid_token(g) {
            return Err(invalid_param(
                g,
                "MessageGroupId",
                "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.",
            ));
        }
    }
    Ok(trace)
}

/// A FIFO message's group and deduplication id (given, or the body's SHA-256 with
/// content-based deduplication); a per-message delay is refused.
fn fifo_dedup_id(q: &Queue, m: &Outgoing) -> Result<(String, String), SqsError> {
    let Some(g) = &m.group_id else { return Err(missing("MessageGroupId")) };
    // Only a non-zero per-message delay is refused: 0 means the queue's own delay.
    if let Some(d) = m.delay_seconds.filter(|d| *d != 0) {
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
    Ok((g.clone(), d))
}

/// A standard queue's delay for a message (its own, or the queue's); a deduplication id is
/// refused.
fn standard_delay(q: &Queue, m: &Outgoing) -> Result<i64, SqsError> {
    if let Some(d) = &m.dedup_id {
        return Err(invalid_param(
            d,
            "MessageDeduplicationId",
            "The request include parameter that is not valid for this queue type.",
        ));
    }
    match m.delay_seconds {
        Some(d) if !(0..=900).contains(&d) => {
            Err(invalid_param(d, "DelaySeconds", "DelaySeconds must be >= 0 and <= 900."))
        }
        Some(d) => Ok(d),
        None => Ok(q.int("DelaySeconds")),
    }
}

/// The message an earlier send with deduplication id `d` enqueued within the window:
/// `(message id, sequence number)`. Entries record their group, so a change of
/// `DeduplicationScope` takes effect at once: per queue any group matches, per message group
/// (high-throughput mode) only the same group.
fn find_duplicate(
    eng: &Engine,
    q: &Queue,
    group: &str,
    d: &str,
    now: i64,
) -> Result<Option<(String, Option<String>)>, SqsError> {
    let sql = if q.dedup_per_group() {
        "SELECT message_id, seq FROM sqs_dedup WHERE queue=?1 AND scope=?2 AND dedup_id=?3 AND expires_ms>?4"
    } else {
        // Without statistics SQLite would take the primary key's `queue` prefix and scan every
        // entry of the queue's window (a send growing with the queue, 100,000 messages in).
        "SELECT message_id, seq FROM sqs_dedup INDEXED BY sqs_dedup_by_id
         WHERE queue=?1 AND dedup_id=?3 AND expires_ms>?4 LIMIT 1"
    };
    Ok(eng
        .conn
        .prepare_cached(sql)?
        .query_row(params![q.id, group, d, now], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
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
    if q.fifo {
        check_fifo_batch(&q, &input.entries)?;
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

/// A FIFO batch entry without a deduplication id (and no content-based deduplication) or
/// without a message group fails the whole request, not just the entry, with the same code
/// and message as LocalStack's AWS-validated batch tests (InvalidParameterValue for both).
fn check_fifo_batch(q: &Queue, entries: &[SendMessageBatchEntry]) -> Result<(), SqsError> {
    let content_based = q.flag("ContentBasedDeduplication");
    for e in entries {
        if !content_based && e.message_deduplication_id.as_deref().is_none_or(str::is_empty) {
            return Err(invalid(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
            ));
        }
        if e.message_group_id.as_deref().is_none_or(str::is_empty) {
            return Err(invalid("The request must contain the parameter MessageGroupId."));
        }
    }
    Ok(())
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
    pub queue_key: QueueKey,
    /// Dead-letter queues (account, region, name) that messages were moved to, whose long
    /// polls should look again.
    pub redriven_to: Vec<QueueKey>,
}

/// A `Received` on the wire is its answer (the server's long poll reads the rest).
impl serde::Serialize for Received {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.output.serialize(s)
    }
}

/// ReceiveMessage's checked parameters: most messages, the wait (s), the FIFO receive
/// attempt id.
struct ReceiveArgs {
    max: usize,
    wait: i64,
    attempt: Option<String>,
}

/// Checks ReceiveMessage's limits, in AWS's order.
fn receive_args(q: &Queue, input: &ReceiveMessageInput) -> Result<ReceiveArgs, SqsError> {
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
    Ok(ReceiveArgs { max: max as usize, wait, attempt })
}

/// ReceiveMessage, without waiting (the server waits and calls again).
pub fn receive_message(eng: &mut Engine, caller: &Caller, input: ReceiveMessageInput) -> Result<Received, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    let ReceiveArgs { max, wait, attempt } = receive_args(&q, &input)?;
    let now = eng.now();
    let visibility_ms = input.visibility_timeout.map(|v| v * 1000).unwrap_or_else(|| q.visibility_ms());
    let names: Vec<String> =
        input.attribute_names.iter().chain(&input.message_system_attribute_names).cloned().collect();
    let attribute_names = &input.message_attribute_names;

    // A repeated receive attempt answers the same messages and receipt handles.
    if let Some(a) = &attempt {
        if let Some(messages) = repeated_attempt(eng, &q, a, now, (&names, attribute_names))? {
            return Ok(received(&q, messages, wait, None));
        }
    }

    let mut redriven = Vec::new();
    let picks = pick::pick(eng, &q, max, now, &mut redriven)?;
    let mut messages = Vec::with_capacity(picks.len());
    let mut issued = Vec::with_capacity(picks.len());
    for row in picks {
        let nonce = fastrand::i64(1..i64::MAX);
        let fetch = Fetch::Receive { now, visible_ms: now + visibility_ms, nonce };
        if let Some(m) = render(eng, &q, row, fetch, &names, attribute_names)? {
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
    r.redriven_to = redriven.iter().map(Queue::key).collect();
    Ok(r)
}

/// The messages a receive attempt of the last five minutes answered, again (with the same
/// receipt handles, those still current); `None` if `attempt` is new.
fn repeated_attempt(
    eng: &Engine,
    q: &Queue,
    attempt: &str,
    now: i64,
    (names, attribute_names): (&[String], &[String]),
) -> Result<Option<Vec<Message>>, SqsError> {
    let previous: Option<String> = eng
        .conn
        .prepare_cached("SELECT messages FROM sqs_receive_attempts WHERE queue=?1 AND attempt_id=?2 AND expires_ms>?3")?
        .query_row(params![q.id, attempt, now], |r| r.get(0))
        .optional()?;
    let Some(previous) = previous else { return Ok(None) };
    let picks: Vec<(i64, i64)> = serde_json::from_str(&previous).unwrap_or_default();
    let mut messages = Vec::new();
    for (row, nonce) in picks {
        if let Some(m) = render(eng, q, row, Fetch::Issued(nonce), names, attribute_names)? {
            messages.push(m);
        }
    }
    Ok(Some(messages))
}

fn received(q: &Queue, messages: Vec<Message>, wait: i64, next: Option<i64>) -> Received {
    Received {
        output: ReceiveMessageOutput { messages },
        wait_seconds: wait,
        next_visible_ms: next,
        queue_key: q.key(),
        redriven_to: Vec::new(),
    }
}

fn wants(names: &[String], name: &str) -> bool {
    names.iter().any(|n| n == "All" || n == name)
}

/// Whether `MessageAttributeNames` asks for attribute `name`: `All`, `.*`, the name itself, or
/// a prefix followed by `.*` (`Hel.*` matches `Hello` and `Hel.lo`).
fn wants_attribute(names: &[String], name: &str) -> bool {
    names.iter().any(|n| n == "All" || n == name || n.strip_suffix(".*").is_some_and(|p| name.starts_with(p)))
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

/// The columns [`Stored::read`] reads, in order, as a literal for `concat!`.
macro_rules! render_columns {
    () => {
        "message_id, body, attributes, md5_body, trace_header, group_id, dedup_id, seq, sender, \
         sent_ms, receive_count, first_receive_ms, receipt, dlq_source"
    };
}

/// A message's columns as [`render`] reads them ([`render_columns`], in order).
struct Stored {
    message_id: String,
    body: String,
    attributes: Option<String>,
    md5_body: String,
    trace: Option<String>,
    group: Option<String>,
    dedup: Option<String>,
    seq: Option<String>,
    sender: String,
    sent_ms: i64,
    receive_count: i64,
    first_receive_ms: Option<i64>,
    receipt: i64,
    dlq_source: Option<String>,
}

impl Stored {
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
        Ok(Stored {
            message_id: r.get(0)?,
            body: r.get(1)?,
            attributes: r.get(2)?,
            md5_body: r.get(3)?,
            trace: r.get(4)?,
            group: r.get(5)?,
            dedup: r.get(6)?,
            seq: r.get(7)?,
            sender: r.get(8)?,
            sent_ms: r.get(9)?,
            receive_count: r.get(10)?,
            first_receive_ms: r.get(11)?,
            receipt: r.get(12)?,
            dlq_source: r.get(13)?,
        })
    }

    /// The system attributes among `names` (FIFO ones only on a FIFO queue).
    fn system_attributes(&self, fifo: bool, names: &[String]) -> BTreeMap<String, String> {
        let mut system = BTreeMap::new();
        let mut put = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                if wants(names, name) {
                    system.insert(name.to_string(), v);
                }
            }
        };
        put("SenderId", Some(self.sender.clone()));
        put("SentTimestamp", Some(self.sent_ms.to_string()));
        put("ApproximateReceiveCount", Some(self.receive_count.to_string()));
        put("ApproximateFirstReceiveTimestamp", self.first_receive_ms.map(|f| f.to_string()));
        put("MessageGroupId", self.group.clone());
        if fifo {
            put("MessageDeduplicationId", self.dedup.clone());
            put("SequenceNumber", self.seq.clone());
        }
        put("AWSTraceHeader", self.trace.clone());
        put("DeadLetterQueueSourceArn", self.dlq_source.clone());
        system
    }
}

/// A message as ReceiveMessage answers it, read (or received) in one statement.
fn render(
    eng: &Engine,
    q: &Queue,
    row: i64,
    fetch: Fetch,
    names: &[String],
    attribute_names: &[String],
) -> Result<Option<Message>, SqsError> {
    let stored = match fetch {
        Fetch::Receive { now, visible_ms, nonce } => eng
            .conn
            .prepare_cached(concat!(
                "UPDATE sqs_messages SET receive_count=receive_count+1, first_receive_ms=COALESCE(first_receive_ms, ?2),
                     visible_ms=?3, receipt=?4 WHERE id=?1 RETURNING ",
                render_columns!()
            ))?
            .query_row(params![row, now, visible_ms, nonce], Stored::read)
            .optional()?,
        Fetch::Issued(_) => eng
            .conn
            .prepare_cached(concat!("SELECT ", render_columns!(), " FROM sqs_messages WHERE id=?1"))?
            .query_row([row], Stored::read)
            .optional()?,
    };
    let Some(m) = stored else { return Ok(None) };
    if matches!(fetch, Fetch::Issued(n) if n != m.receipt) {
        return Ok(None);
    }
    let system = m.system_attributes(q.fifo, names);
    let all: MessageAttributes = m.attributes.and_then(|a| serde_json::from_str(&a).ok()).unwrap_or_default();
    let chosen: MessageAttributes = all.into_iter().filter(|(n, _)| wants_attribute(attribute_names, n)).collect();
    Ok(Some(Message {
        receipt_handle: receipts::encode(q.id, row, m.receipt, &m.message_id),
        message_id: m.message_id,
        md5_of_body: m.md5_body,
        body: m.body,
        attributes: system,
        md5_of_message_attributes: md5::of_attributes(&chosen),
        message_attributes: chosen,
    }))
}

// ---------------------------------------------------------------------------------------
// Delete and change visibility

/// DeleteMessage.
pub fn delete_message(eng: &mut Engine, caller: &Caller, input: DeleteMessageInput) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    receipts::delete(eng, &q, &input.receipt_handle)?;
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
        match receipts::delete(eng, &q, &e.receipt_handle) {
            Ok(()) => out.successful.push(BatchResultEntry { id: e.id }),
            Err(err) if err.0.status >= 500 => return Err(err),
            Err(err) => out.failed.push(failure(&e.id, err)),
        }
    }
    Ok(out)
}

/// ChangeMessageVisibility.
pub fn change_message_visibility(
    eng: &mut Engine,
    caller: &Caller,
    input: ChangeMessageVisibilityInput,
) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    receipts::change(eng, &q, &input.receipt_handle, input.visibility_timeout)?;
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
        match receipts::change(eng, &q, &e.receipt_handle, e.visibility_timeout) {
            Ok(()) => out.successful.push(BatchResultEntry { id: e.id }),
            Err(err) if err.0.status >= 500 => return Err(err),
            Err(err) => out.failed.push(failure(&e.id, err)),
        }
    }
    Ok(out)
}
