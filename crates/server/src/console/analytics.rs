//! The console's Analytics API: applications with their status, SQL and in-application
//! streams, and the newest rows of a stream (`/_kinesin/api/analytics/...`).

use super::api::{error_doc, ok};
use super::Console;
use crate::http::{respond, Resp};
use kinesin_state::analytics::inspect;
use kinesin_state::Ctx;
use std::collections::HashMap;

/// Most rows one answer holds.
const MAX_ROWS: usize = 100;

/// Serves `GET /_kinesin/api/analytics/...` for the namespace `ctx`.
pub async fn serve(app: &Console, path: &str, ctx: Ctx, q: &HashMap<String, String>) -> Resp {
    let recent = std::sync::Arc::clone(app.analytics.recent());
    let db = app.analytics.db().clone();
    let out = match path {
        "/_kinesin/api/analytics/applications" => {
            db.call(move |eng| inspect::applications(eng, &ctx, &recent).map(|a| serde_json::json!(a))).await
        }
        "/_kinesin/api/analytics/rows" => {
            let name = q.get("application").cloned().unwrap_or_default();
            let stream = q.get("stream").cloned().unwrap_or_default();
            let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(MAX_ROWS).min(MAX_ROWS);
            db.call(move |eng| inspect::rows(eng, &ctx, &recent, (&name, &stream, limit)).map(|r| serde_json::json!(r)))
                .await
        }
        _ => return respond(404, "application/json", r#"{"message":"no such console API"}"#),
    };
    match out {
        Ok(v) => ok(&v),
        Err(e) => {
            let status = if e.code == "ResourceNotFoundException" { 404 } else { 500 };
            error_doc(status, &e.message)
        }
    }
}
