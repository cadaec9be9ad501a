//! LocalStack's internal endpoints, so tools written for LocalStack (testcontainers modules,
//! docker-compose health checks, `localstack wait`) work against kinesin:
//! `/_localstack/health`, `/_localstack/info`, `/_localstack/init` and
//! `/_localstack/init/<stage>`.

use crate::init_hooks::{Hooks, ScriptReport, Stage};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Whether kinesin answers `path` here.
pub fn handles(path: &str) -> bool {
    path == "/_localstack/health" || path == "/_localstack/info" || path.starts_with("/_localstack/init")
}

/// The services kinesin emulates, by LocalStack's names.
pub fn services() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = kinesin_protocol::target::Service::ALL.iter().map(|s| s.name()).collect();
    names.extend(["iam", "pipes", "s3", "sts"]);
    names.sort_unstable();
    names
}

/// `/_localstack/health`: LocalStack's shape (`services` map, `edition`, `version`,
/// `features.initScripts`), plus kinesin's own `status` and `store`.
pub fn health(hooks: &Hooks, store: &str) -> Value {
    // The kind of store only: its path is the operator's business, not every caller's.
    let store = store.split(':').next().unwrap_or_default();
    let services: Map<String, Value> = services().into_iter().map(|s| (s.to_string(), "running".into())).collect();
    let init = if hooks.completed(Stage::Ready) { "initialized" } else { "initializing" };
    json!({
        "status": "ok",
        "services": services,
        "edition": "community",
        "version": env!("CARGO_PKG_VERSION"),
        "features": { "initScripts": init, "persistence": if store == "ephemeral" { "disabled" } else { "enabled" } },
        "store": store,
    })
}

/// `/_localstack/info`: the session facts LocalStack reports.
pub fn info(session_id: &str, uptime_secs: u64, now_ms: i64) -> Value {
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "edition": "community",
        "is_license_activated": false,
        "session_id": session_id,
        "machine_id": "kinesin",
        "system": std::env::consts::OS,
        "is_docker": std::path::Path::new("/.dockerenv").exists(),
        "server_time_utc": rfc3339(now_ms),
        "uptime": uptime_secs,
    })
}

#[derive(Serialize)]
struct InitAll {
    completed: BTreeMap<&'static str, bool>,
    scripts: Vec<ScriptReport>,
}

#[derive(Serialize)]
struct InitStage {
    completed: bool,
    scripts: Vec<ScriptReport>,
}

/// `/_localstack/init` or `/_localstack/init/<stage>`: the hook states; `None` for an
/// unknown stage (answered 404, as LocalStack does).
pub fn init(hooks: &Hooks, path: &str) -> Option<Value> {
    let rest = path.strip_prefix("/_localstack/init")?.trim_matches('/');
    if rest.is_empty() {
        let completed = Stage::ALL.into_iter().map(|s| (s.name(), hooks.completed(s))).collect();
        return serde_json::to_value(InitAll { completed, scripts: hooks.report(None) }).ok();
    }
    let stage = Stage::parse(rest)?;
    serde_json::to_value(InitStage { completed: hooks.completed(stage), scripts: hooks.report(Some(stage)) }).ok()
}

/// `2026-01-02T03:04:05` (UTC, seconds), as LocalStack's `server_time_utc`.
fn rfc3339(ms: i64) -> String {
    let t = kinesin_state::firehose::keys::civil(ms);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", t.year, t.month, t.day, t.hour, t.minute, t.second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_time_is_utc_calendar_time() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00");
        assert_eq!(rfc3339(1_709_251_199_000), "2024-02-29T23:59:59");
    }

    #[test]
    fn unknown_stage_is_none_and_known_stages_report() {
        let hooks = Hooks::new(None);
        assert!(init(&hooks, "/_localstack/init/never").is_none());
        let all = init(&hooks, "/_localstack/init").unwrap();
        assert_eq!(all["completed"]["READY"], false);
        assert_eq!(init(&hooks, "/_localstack/init/ready").unwrap()["completed"], false);
    }
}
