//! Moving messages between queues: one message ([`move_message`], also a dead-letter
//! redrive on receive) and message move tasks, which redrive a dead-letter queue back to its
//! sources or to another queue. Tasks progress in [`super::maintenance::run`], at most
//! `MaxNumberOfMessagesPerSecond`.

use super::{find_by_arn, invalid, list_all, Caller, Queue, SqsError};
use crate::db::Engine;
use kinesin_protocol::sqs::types::*;
use rusqlite::{params, OptionalExtension};

/// Moves a message to another queue (dead-letter redrive or a move task). With `to_dlq`,
/// the message keeps its receive count and records its source queue.
pub fn move_message(eng: &mut Engine, row: i64, from: &Queue, to: &Queue, to_dlq: bool) -> Result<(), SqsError> {
    let now = eng.now();
    let seq = if to.fifo { Some(to.next_sequence_number(eng, now)?) } else { None };
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

fn not_found(param: &str) -> SqsError {
    SqsError::new(
        "ResourceNotFoundException",
        format!("The resource that you specified for the {param} parameter doesn't exist."),
    )
}

/// StartMessageMoveTask.
pub fn start_message_move_task(
    eng: &mut Engine,
    caller: &Caller,
    input: StartMessageMoveTaskInput,
) -> Result<StartMessageMoveTaskOutput, SqsError> {
    let source = find_by_arn(eng, &input.source_arn)?.ok_or_else(|| not_found("SourceArn"))?;
    let arn = source.arn();
    let is_dlq =
        list_all(eng, &source.account, &source.region)?.iter().any(|q| q.redrive().is_some_and(|(t, _)| t == arn));
    if !is_dlq {
        return Err(invalid("Source queue must be configured as a Dead Letter Queue."));
    }
    if let Some(dest) = &input.destination_arn {
        let d = find_by_arn(eng, dest)?.ok_or_else(|| not_found("DestinationArn"))?;
        if d.fifo != source.fifo || d.id == source.id {
            return Err(invalid("Destination queue must be a different queue of the same type as the source queue."));
        }
    }
    if let Some(rate) = input.max_number_of_messages_per_second {
        if !(1..=500).contains(&rate) {
            return Err(super::invalid_param(
                rate,
                "MaxNumberOfMessagesPerSecond",
                "MaxNumberOfMessagesPerSecond must be between 1 and 500.",
            ));
        }
    }
    let running: Option<String> = eng
        .conn
        .prepare_cached("SELECT handle FROM sqs_move_tasks WHERE source_arn=?1 AND status='RUNNING'")?
        .query_row([&arn], |r| r.get(0))
        .optional()?;
    if running.is_some() {
        return Err(invalid(
            "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
        ));
    }
    let now = eng.now();
    let to_move: i64 = eng
        .conn
        .prepare_cached("SELECT COUNT(*) FROM sqs_messages WHERE queue=?1")?
        .query_row([source.id], |r| r.get(0))?;
    let handle = aws_smithy_types::base64::encode(
        serde_json::json!({"taskId": uuid::Uuid::new_v4().to_string(), "sourceArn": arn}).to_string().as_bytes(),
    );
    eng.conn
        .prepare_cached(
            "INSERT INTO sqs_move_tasks(handle, account, region, source_arn, dest_arn, rate, status, to_move, started_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'RUNNING', ?7, ?8)",
        )?
        .execute(params![
            handle,
            caller.ctx.account,
            caller.ctx.region,
            arn,
            input.destination_arn,
            input.max_number_of_messages_per_second,
            to_move,
            now
        ])?;
    Ok(StartMessageMoveTaskOutput { task_handle: handle })
}

/// CancelMessageMoveTask.
pub fn cancel_message_move_task(
    eng: &mut Engine,
    _caller: &Caller,
    input: CancelMessageMoveTaskInput,
) -> Result<CancelMessageMoveTaskOutput, SqsError> {
    let moved: Option<(i64, String)> = eng
        .conn
        .prepare_cached("SELECT moved, status FROM sqs_move_tasks WHERE handle=?1")?
        .query_row([&input.task_handle], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match moved {
        Some((moved, status)) if status == "RUNNING" => {
            eng.conn
                .prepare_cached("UPDATE sqs_move_tasks SET status='CANCELLED' WHERE handle=?1")?
                .execute([&input.task_handle])?;
            Ok(CancelMessageMoveTaskOutput { approximate_number_of_messages_moved: moved })
        }
        // Every CancelMessageMoveTask error is InvalidParameterValue (400) on AWS. The wording
        // for an unknown handle is LocalStack's; for a finished task AWS's was not found.
        Some(_) => Err(invalid("Only tasks in RUNNING status can be cancelled.")),
        None => Err(invalid("Value for parameter TaskHandle is invalid.")),
    }
}

/// ListMessageMoveTasks: the most recent tasks of a source queue first.
pub fn list_message_move_tasks(
    eng: &mut Engine,
    _caller: &Caller,
    input: ListMessageMoveTasksInput,
) -> Result<ListMessageMoveTasksOutput, SqsError> {
    let source = find_by_arn(eng, &input.source_arn)?.ok_or_else(|| not_found("SourceArn"))?;
    let max = input.max_results.unwrap_or(1);
    if !(1..=10).contains(&max) {
        return Err(super::invalid_param(max, "MaxResults", "MaxResults must be between 1 and 10."));
    }
    let results = eng
        .conn
        .prepare_cached(
            "SELECT handle, status, source_arn, dest_arn, rate, moved, to_move, failure, started_ms FROM sqs_move_tasks
             WHERE source_arn=?1 ORDER BY started_ms DESC, rowid DESC LIMIT ?2",
        )?
        .query_map(params![source.arn(), max], |r| {
            let status: String = r.get(1)?;
            Ok(MoveTaskEntry {
                task_handle: (status == "RUNNING").then(|| r.get(0)).transpose()?,
                status,
                source_arn: r.get(2)?,
                destination_arn: r.get(3)?,
                max_number_of_messages_per_second: r.get(4)?,
                approximate_number_of_messages_moved: r.get(5)?,
                approximate_number_of_messages_to_move: r.get(6)?,
                failure_reason: r.get(7)?,
                started_timestamp: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ListMessageMoveTasksOutput { results })
}

/// Moves what is due for every running task; returns whether any task still runs.
pub fn progress(eng: &mut Engine) -> Result<bool, SqsError> {
    type Task = (String, String, Option<String>, Option<i64>, i64, i64);
    let tasks: Vec<Task> = eng
        .conn
        .prepare_cached(
            "SELECT handle, source_arn, dest_arn, rate, moved, started_ms FROM sqs_move_tasks WHERE status='RUNNING'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<Result<_, _>>()?;
    let now = eng.now();
    let mut running = false;
    for (handle, source_arn, dest_arn, rate, moved, started) in tasks {
        let fail = |eng: &Engine, reason: &str| -> Result<(), SqsError> {
            eng.conn
                .prepare_cached("UPDATE sqs_move_tasks SET status='FAILED', failure=?2 WHERE handle=?1")?
                .execute(params![handle, reason])?;
            Ok(())
        };
        let Some(source) = find_by_arn(eng, &source_arn)? else {
            fail(eng, "AWS.SimpleQueueService.NonExistentQueue")?;
            continue;
        };
        let dest: Option<Queue> = match &dest_arn {
            Some(d) => match find_by_arn(eng, d)? {
                Some(q) => Some(q),
                None => {
                    fail(eng, "AWS.SimpleQueueService.NonExistentQueue")?;
                    continue;
                }
            },
            None => None,
        };
        let budget = match rate {
            Some(r) => (((now - started) / 1000 + 1) * r - moved).max(0),
            None => i64::MAX,
        };
        let rows: Vec<(i64, Option<String>)> = eng
            .conn
            .prepare_cached("SELECT id, dlq_source FROM sqs_messages WHERE queue=?1 ORDER BY id LIMIT ?2")?
            .query_map(params![source.id, budget.min(10_000)], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut count = 0;
        for (row, origin) in &rows {
            let target = match (&dest, origin) {
                (Some(d), _) => Some(d.clone()),
                (None, Some(o)) => find_by_arn(eng, o)?,
                (None, None) => None,
            };
            if let Some(t) = target {
                move_message(eng, *row, &source, &t, false)?;
                count += 1;
            }
        }
        let remaining: i64 = eng
            .conn
            .prepare_cached("SELECT COUNT(*) FROM sqs_messages WHERE queue=?1")?
            .query_row([source.id], |r| r.get(0))?;
        let done = remaining == 0 || (rows.len() as i64) < budget.min(10_000) || count == 0;
        eng.conn
            .prepare_cached("UPDATE sqs_move_tasks SET moved=moved+?2, status=?3 WHERE handle=?1")?
            .execute(params![handle, count, if done { "COMPLETED" } else { "RUNNING" }])?;
        running |= !done;
    }
    Ok(running)
}
