//! Function destinations (`LambdaOutput`): the runner queues each output row with the rows
//! it produced (same transaction); the server hands the queue to the function bound with
//! `--lambda` (AWS's output delivery event) and [`settle`]s the answer: `Ok` rows leave the
//! queue, `DeliveryFailed` (or unanswered) ones are sent again with a growing `retryHint`,
//! after a backoff of 1 s doubling to 60 s, until delivered or the application is deleted.

use super::arn;
use super::stored::all;
use crate::db::Engine;
use crate::error::StateError;
use aws_smithy_types::base64;
use rusqlite::params;
use serde_json::{json, Value};

/// Most rows one invocation gets.
pub const BATCH: usize = 500;
/// Longest wait before a failed row is sent again (ms).
const MAX_BACKOFF_MS: i64 = 60_000;

/// Queues one output row for a function.
pub fn enqueue(eng: &Engine, app: i64, function: &str, data: &[u8]) -> rusqlite::Result<()> {
    eng.conn
        .prepare_cached("INSERT INTO kda_lambda_outbox(app, function, data) VALUES (?1, ?2, ?3)")?
        .execute(params![app, function, data])?;
    Ok(())
}

/// Queued rows of one application for one function.
#[derive(Debug, Clone)]
pub struct OutBatch {
    /// The function's ARN.
    pub function_arn: String,
    application_arn: String,
    /// (queue id, retries so far, data).
    rows: Vec<(i64, i64, Vec<u8>)>,
}

/// The rows due for every application's function destinations; `None` when no application
/// has one.
pub fn take(eng: &mut Engine) -> Result<Option<Vec<OutBatch>>, StateError> {
    let apps = all(eng, None).map_err(|e| StateError::Storage(e.to_string()))?;
    let now = eng.now();
    let mut out = Vec::new();
    let mut any = false;
    for (ctx, app) in &apps {
        for o in app.config.outputs.iter().filter_map(|o| o.item.lambda_output.as_ref()) {
            any = true;
            let mut st = eng.conn.prepare_cached(
                "SELECT id, retries, data FROM kda_lambda_outbox WHERE app=?1 AND function=?2 AND next_ms<=?3
                 ORDER BY id LIMIT ?4",
            )?;
            let rows = st.query_map(params![app.id, o.resource_arn, now, BATCH as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
            let rows: Vec<_> = rows.collect::<Result<_, _>>()?;
            if !rows.is_empty() {
                out.push(OutBatch { function_arn: o.resource_arn.clone(), application_arn: arn(ctx, &app.name), rows });
            }
        }
    }
    Ok(any.then_some(out))
}

/// The function's event for a batch.
pub fn event(b: &OutBatch) -> Vec<u8> {
    let records: Vec<Value> = b
        .rows
        .iter()
        .map(|(id, retries, data)| {
            json!({"recordId": id.to_string(), "lambdaDeliveryRecordMetadata": {"retryHint": retries},
                "data": base64::encode(data)})
        })
        .collect();
    let id = format!("{:032x}", fastrand::u128(..));
    serde_json::to_vec(&json!({"invocationId": id, "applicationArn": b.application_arn, "records": records}))
        .unwrap_or_default()
}

/// The queue ids the function delivered (`result: Ok`), from its answer.
pub fn delivered(b: &OutBatch, response: &[u8]) -> Result<Vec<i64>, String> {
    let doc: Value = serde_json::from_slice(response).map_err(|e| format!("the answer is not JSON: {e}"))?;
    let answered = doc["records"].as_array().ok_or("the answer has no records array")?;
    let ok: Vec<i64> = answered
        .iter()
        .filter(|r| r["result"] == "Ok")
        .filter_map(|r| r["recordId"].as_str()?.parse().ok())
        .filter(|id| b.rows.iter().any(|(q, ..)| q == id))
        .collect();
    Ok(ok)
}

/// Removes the delivered rows of a batch; the others wait for their next attempt.
pub fn settle(eng: &mut Engine, b: &OutBatch, delivered: &[i64]) -> Result<(), StateError> {
    let now = eng.now();
    for (id, retries, _) in &b.rows {
        if delivered.contains(id) {
            eng.conn.prepare_cached("DELETE FROM kda_lambda_outbox WHERE id=?1")?.execute([id])?;
        } else {
            let wait = (1_000i64 << (*retries).clamp(0, 6)).min(MAX_BACKOFF_MS);
            eng.conn
                .prepare_cached("UPDATE kda_lambda_outbox SET retries=retries+1, next_ms=?2 WHERE id=?1")?
                .execute(params![id, now + wait])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_and_answer() {
        let b = OutBatch {
            function_arn: "f".into(),
            application_arn: "a".into(),
            rows: vec![(7, 0, b"x".to_vec()), (8, 2, b"y".to_vec())],
        };
        let ev: Value = serde_json::from_slice(&event(&b)).unwrap();
        assert_eq!(ev["applicationArn"], "a");
        assert_eq!(
            ev["records"][1],
            json!({"recordId": "8", "lambdaDeliveryRecordMetadata": {"retryHint": 2},
            "data": base64::encode("y")})
        );
        let answer = json!({"records": [{"recordId": "7", "result": "DeliveryFailed"}, {"recordId": "8", "result": "Ok"},
            {"recordId": "99", "result": "Ok"}]});
        assert_eq!(delivered(&b, answer.to_string().as_bytes()).unwrap(), vec![8]);
        assert!(delivered(&b, b"[]").is_err());
    }
}
