//! Queue operations: create, delete, look up, list, attributes, tags, permissions, purge.

use super::attributes::{self, check_combination, counts, effective, value_of};
use super::{by_url, find, invalid, invalid_param, list_all, missing, Caller, Queue, SqsError};
use crate::db::Engine;
use kinesin_protocol::sqs::types::*;
use rusqlite::params;
use std::collections::BTreeMap;

fn valid_name(name: &str, fifo: bool) -> bool {
    let base = if fifo {
        match name.strip_suffix(".fifo") {
            Some(b) => b,
            None => return false,
        }
    } else {
        name
    };
    !base.is_empty() && name.len() <= 80 && base.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// CreateQueue: creates the queue, or answers the URL of an identical one.
pub fn create_queue(eng: &mut Engine, caller: &Caller, input: CreateQueueInput) -> Result<QueueUrlOutput, SqsError> {
    let name = input.queue_name;
    if name.is_empty() {
        return Err(missing("QueueName"));
    }
    let fifo_attr = input.attributes.get("FifoQueue").map(|v| v.trim().to_ascii_lowercase());
    let fifo = fifo_attr.as_deref() == Some("true");
    if !valid_name(&name, fifo) || (!fifo && name.ends_with(".fifo")) {
        return Err(invalid(if fifo || name.ends_with(".fifo") {
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
        } else {
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        }));
    }
    let ctx = &caller.ctx;
    let queue_arn = super::arn(&ctx.region, &ctx.account, &name);
    let mut attrs = attributes::validate(eng, &input.attributes, fifo, true, &queue_arn)?;
    attrs.remove("FifoQueue");
    check_combination(&attrs)?;
    let now = eng.now();
    if let Some(existing) = find(eng, &ctx.account, &ctx.region, &name)? {
        let probe = Queue { attrs: attrs.clone(), ..existing.clone() };
        for key in attributes::ALL {
            if input.attributes.contains_key(*key)
                && *key != "FifoQueue"
                && effective(&probe, key) != effective(&existing, key)
            {
                return Err(SqsError::new(
                    "QueueNameExists",
                    format!("A queue already exists with the same name and a different value for attribute {key}"),
                ));
            }
        }
        return Ok(QueueUrlOutput { queue_url: existing.url(caller) });
    }
    check_tags(&input.tags)?;
    check_not_deleted_recently(eng, caller, &name, now)?;
    eng.conn
        .prepare_cached(
            "INSERT INTO sqs_queues(account, region, name, fifo, attributes, tags, created_ms, modified_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?
        .execute(params![
            ctx.account,
            ctx.region,
            name,
            fifo as i64,
            serde_json::to_string(&attrs).unwrap_or_default(),
            serde_json::to_string(&input.tags).unwrap_or_default(),
            now
        ])?;
    Ok(QueueUrlOutput { queue_url: caller.queue_url(&ctx.account, &ctx.region, &name) })
}

/// How long after DeleteQueue the name cannot be used again.
pub const DELETED_RECENTLY_MS: i64 = 60_000;

/// `QueueDeletedRecently` when a queue of this name was deleted less than 60 s ago.
fn check_not_deleted_recently(eng: &Engine, caller: &Caller, name: &str, now: i64) -> Result<(), SqsError> {
    let ctx = &caller.ctx;
    eng.conn
        .prepare_cached("DELETE FROM sqs_deleted_queues WHERE deleted_ms<=?1")?
        .execute([now - DELETED_RECENTLY_MS])?;
    let recent = eng
        .conn
        .prepare_cached("SELECT 1 FROM sqs_deleted_queues WHERE account=?1 AND region=?2 AND name=?3")?
        .exists(params![ctx.account, ctx.region, name])?;
    if recent {
        // The wording AWS answers (quoted by terraform-provider-aws, which retries on it);
        // the API reference words it "... another queue with the same name."
        return Err(SqsError::new(
            "QueueDeletedRecently",
            "You must wait 60 seconds after deleting a queue before you can create another with the same name.",
        ));
    }
    Ok(())
}

/// DeleteQueue. The name stays reserved for 60 seconds (`QueueDeletedRecently`).
pub fn delete_queue(eng: &mut Engine, caller: &Caller, input: QueueUrlInput) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    eng.conn.prepare_cached("DELETE FROM sqs_queues WHERE id=?1")?.execute([q.id])?;
    eng.conn
        .prepare_cached(
            "INSERT OR REPLACE INTO sqs_deleted_queues(account, region, name, deleted_ms) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![q.account, q.region, q.name, eng.now()])?;
    Ok(Empty {})
}

/// GetQueueUrl.
pub fn get_queue_url(eng: &mut Engine, caller: &Caller, input: GetQueueUrlInput) -> Result<QueueUrlOutput, SqsError> {
    if input.queue_name.is_empty() {
        return Err(missing("QueueName"));
    }
    let account = input.queue_owner_aws_account_id.unwrap_or_else(|| caller.ctx.account.clone());
    let q = find(eng, &account, &caller.ctx.region, &input.queue_name)?.ok_or_else(super::no_queue)?;
    Ok(QueueUrlOutput { queue_url: q.url(caller) })
}

fn page(
    names: Vec<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
) -> Result<(Vec<String>, Option<String>), SqsError> {
    if let Some(m) = max_results {
        if !(1..=1000).contains(&m) {
            return Err(invalid_param(m, "MaxResults", "MaxResults must be an integer between 1 and 1000."));
        }
    }
    let after = match next_token.filter(|t| !t.is_empty()) {
        Some(t) => {
            let bytes = aws_smithy_types::base64::decode(&t).map_err(|_| invalid("Invalid NextToken value."))?;
            Some(String::from_utf8(bytes).map_err(|_| invalid("Invalid NextToken value."))?)
        }
        None => None,
    };
    let mut rest: Vec<String> = names.into_iter().filter(|n| after.as_ref().is_none_or(|a| n > a)).collect();
    let limit = max_results.unwrap_or(1000) as usize;
    let token = if rest.len() > limit && max_results.is_some() {
        Some(aws_smithy_types::base64::encode(rest[limit - 1].as_bytes()))
    } else {
        None
    };
    rest.truncate(limit);
    Ok((rest, token))
}

/// ListQueues.
pub fn list_queues(eng: &mut Engine, caller: &Caller, input: ListQueuesInput) -> Result<ListQueuesOutput, SqsError> {
    let prefix = input.queue_name_prefix.unwrap_or_default();
    let queues = list_all(eng, &caller.ctx.account, &caller.ctx.region)?;
    let names = queues.iter().filter(|q| q.name.starts_with(&prefix)).map(|q| q.name.clone()).collect();
    let (names, next_token) = page(names, input.next_token, input.max_results)?;
    let ctx = &caller.ctx;
    Ok(ListQueuesOutput {
        queue_urls: names.iter().map(|n| caller.queue_url(&ctx.account, &ctx.region, n)).collect(),
        next_token,
    })
}

/// ListDeadLetterSourceQueues.
pub fn list_dead_letter_source_queues(
    eng: &mut Engine,
    caller: &Caller,
    input: ListDeadLetterSourceQueuesInput,
) -> Result<ListDeadLetterSourceQueuesOutput, SqsError> {
    let dlq = by_url(eng, caller, &input.queue_url)?;
    let arn = dlq.arn();
    let sources = list_all(eng, &dlq.account, &dlq.region)?;
    let names = sources
        .iter()
        .filter(|q| q.redrive().is_some_and(|(target, _)| target == arn))
        .map(|q| q.name.clone())
        .collect();
    let (names, next_token) = page(names, input.next_token, input.max_results)?;
    Ok(ListDeadLetterSourceQueuesOutput {
        queue_urls: names.iter().map(|n| caller.queue_url(&dlq.account, &dlq.region, n)).collect(),
        next_token,
    })
}

/// GetQueueAttributes.
pub fn get_queue_attributes(
    eng: &mut Engine,
    caller: &Caller,
    input: GetQueueAttributesInput,
) -> Result<GetQueueAttributesOutput, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    let mut wanted: Vec<&str> = Vec::new();
    for name in &input.attribute_names {
        if name == "All" {
            wanted.extend(attributes::ALL.iter().copied());
        } else if attributes::ALL.contains(&name.as_str()) {
            wanted.push(name);
        } else {
            return Err(SqsError::new("InvalidAttributeName", format!("Unknown Attribute {name}.")));
        }
    }
    let counts =
        if wanted.iter().any(|n| n.starts_with("Approximate")) { counts(eng, q.id, eng.now())? } else { (0, 0, 0) };
    let mut out = BTreeMap::new();
    for name in wanted {
        if let Some(v) = value_of(&q, name, counts) {
            out.insert(name.to_string(), v);
        }
    }
    Ok(GetQueueAttributesOutput { attributes: out })
}

/// SetQueueAttributes.
pub fn set_queue_attributes(
    eng: &mut Engine,
    caller: &Caller,
    input: SetQueueAttributesInput,
) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    let given = attributes::validate(eng, &input.attributes, q.fifo, false, &q.arn())?;
    let mut attrs = q.attrs.clone();
    for (k, v) in given {
        if v.is_empty() && matches!(k.as_str(), "RedrivePolicy" | "RedriveAllowPolicy" | "Policy" | "KmsMasterKeyId") {
            attrs.remove(&k);
        } else {
            attrs.insert(k, v);
        }
    }
    check_combination(&attrs)?;
    eng.conn.prepare_cached("UPDATE sqs_queues SET attributes=?2, modified_ms=?3 WHERE id=?1")?.execute(params![
        q.id,
        serde_json::to_string(&attrs).unwrap_or_default(),
        eng.now()
    ])?;
    Ok(Empty {})
}

fn check_tags(tags: &BTreeMap<String, String>) -> Result<(), SqsError> {
    if tags.len() > 50 {
        return Err(invalid("Too many tags added for queue. The maximum number of tags per queue is 50."));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(invalid_param(k, "TagKey", "Tag keys must be between 1 and 128 characters in length."));
        }
        if v.chars().count() > 256 {
            return Err(invalid_param(v, "TagValue", "Tag values must be between 0 and 256 characters in length."));
        }
    }
    Ok(())
}

fn save_tags(eng: &Engine, q: &Queue, tags: &BTreeMap<String, String>) -> Result<(), SqsError> {
    eng.conn
        .prepare_cached("UPDATE sqs_queues SET tags=?2 WHERE id=?1")?
        .execute(params![q.id, serde_json::to_string(tags).unwrap_or_default()])?;
    Ok(())
}

/// TagQueue.
pub fn tag_queue(eng: &mut Engine, caller: &Caller, input: TagQueueInput) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    if input.tags.is_empty() {
        return Err(missing("Tags"));
    }
    let mut tags = q.tags.clone();
    tags.extend(input.tags);
    check_tags(&tags)?;
    save_tags(eng, &q, &tags)?;
    Ok(Empty {})
}

/// UntagQueue.
pub fn untag_queue(eng: &mut Engine, caller: &Caller, input: UntagQueueInput) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    if input.tag_keys.is_empty() {
        return Err(missing("TagKeys"));
    }
    let mut tags = q.tags.clone();
    for k in &input.tag_keys {
        tags.remove(k);
    }
    save_tags(eng, &q, &tags)?;
    Ok(Empty {})
}

/// ListQueueTags.
pub fn list_queue_tags(
    eng: &mut Engine,
    caller: &Caller,
    input: QueueUrlInput,
) -> Result<ListQueueTagsOutput, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    Ok(ListQueueTagsOutput { tags: q.tags })
}

/// PurgeQueue: deletes every message; one purge per queue every 60 seconds.
pub fn purge_queue(eng: &mut Engine, caller: &Caller, input: QueueUrlInput) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    let now = eng.now();
    if q.purged_ms.is_some_and(|p| now - p < 60_000) {
        return Err(SqsError::new(
            "PurgeQueueInProgress",
            format!("Only one PurgeQueue operation on {} is allowed every 60 seconds.", q.name),
        ));
    }
    // The deduplication window goes too: a message sent again after a purge is enqueued.
    for sql in [
        "DELETE FROM sqs_messages WHERE queue=?1",
        "DELETE FROM sqs_dedup WHERE queue=?1",
        "DELETE FROM sqs_receive_attempts WHERE queue=?1",
    ] {
        eng.conn.prepare_cached(sql)?.execute([q.id])?;
    }
    eng.conn.prepare_cached("UPDATE sqs_queues SET purged_ms=?2 WHERE id=?1")?.execute(params![q.id, now])?;
    Ok(Empty {})
}

fn policy_of(q: &Queue) -> serde_json::Value {
    q.attrs.get("Policy").and_then(|p| serde_json::from_str(p).ok()).unwrap_or_else(
        || serde_json::json!({"Version": "2008-10-17", "Id": format!("{}/SQSDefaultPolicy", q.arn()), "Statement": []}),
    )
}

fn save_policy(eng: &Engine, q: &Queue, policy: Option<serde_json::Value>) -> Result<(), SqsError> {
    let mut attrs = q.attrs.clone();
    match policy {
        Some(p) => attrs.insert("Policy".into(), p.to_string()),
        None => attrs.remove("Policy"),
    };
    eng.conn.prepare_cached("UPDATE sqs_queues SET attributes=?2, modified_ms=?3 WHERE id=?1")?.execute(params![
        q.id,
        serde_json::to_string(&attrs).unwrap_or_default(),
        eng.now()
    ])?;
    Ok(())
}

/// AddPermission: a statement labelled `Label` in the queue's policy.
pub fn add_permission(eng: &mut Engine, caller: &Caller, input: AddPermissionInput) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    if input.label.is_empty() {
        return Err(missing("Label"));
    }
    if input.aws_account_ids.is_empty() {
        return Err(missing("AWSAccountIds"));
    }
    if input.actions.is_empty() {
        return Err(missing("Actions"));
    }
    let mut policy = policy_of(&q);
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    if statements.iter().any(|s| s["Sid"] == input.label.as_str()) {
        return Err(invalid_param(&input.label, "Label", "Already exists."));
    }
    let principals: Vec<String> = input.aws_account_ids.iter().map(|a| format!("arn:aws:iam::{a}:root")).collect();
    let actions: Vec<String> = input.actions.iter().map(|a| format!("SQS:{a}")).collect();
    let mut statements = statements;
    statements.push(serde_json::json!({
        "Sid": input.label, "Effect": "Allow",
        "Principal": {"AWS": if principals.len() == 1 { serde_json::json!(principals[0]) } else { serde_json::json!(principals) }},
        "Action": if actions.len() == 1 { serde_json::json!(actions[0]) } else { serde_json::json!(actions) },
        "Resource": q.arn(),
    }));
    policy["Statement"] = serde_json::Value::Array(statements);
    save_policy(eng, &q, Some(policy))?;
    Ok(Empty {})
}

/// RemovePermission.
pub fn remove_permission(eng: &mut Engine, caller: &Caller, input: RemovePermissionInput) -> Result<Empty, SqsError> {
    let q = by_url(eng, caller, &input.queue_url)?;
    let mut policy = policy_of(&q);
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    let kept: Vec<_> = statements.iter().filter(|s| s["Sid"] != input.label.as_str()).cloned().collect();
    if kept.len() == statements.len() {
        return Err(invalid_param(&input.label, "Label", "can't find label."));
    }
    let empty = kept.is_empty();
    policy["Statement"] = serde_json::Value::Array(kept);
    save_policy(eng, &q, (!empty).then_some(policy))?;
    Ok(Empty {})
}
