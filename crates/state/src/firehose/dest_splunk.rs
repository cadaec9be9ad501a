//! Splunk destinations (`SplunkDestinationConfiguration`): defaults.
//!
//! `HECToken` is a member of `SplunkDestinationDescription` (not marked sensitive in the
//! model), so DescribeDeliveryStream shows it, as AWS does.

use super::dest_spec::Spec;
use super::FhError;
use serde_json::{json, Map, Value};

/// Buffering 1-5 MiB (default 5) and 0-60 s (default 60); retries for 3600 s (the default
/// terraform and the console use; the API reference gives none); failed events only to S3.
pub const SPEC: Spec = Spec { hints: Some((5, 60)), retry_s: 3600, backup_mode: "FailedEventsOnly" };

/// Default `HECAcknowledgmentTimeoutInSeconds` (range 180-600).
pub const DEFAULT_ACK_TIMEOUT_S: u64 = 180;

/// Kind-specific defaults and checks.
pub fn finish(doc: &mut Map<String, Value>) -> Result<(), FhError> {
    doc.entry("HECAcknowledgmentTimeoutInSeconds").or_insert_with(|| json!(DEFAULT_ACK_TIMEOUT_S));
    let endpoint = doc.get("HECEndpoint").and_then(Value::as_str).unwrap_or("");
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
        // kinesin's wording; AWS's text was not found.
        return Err(FhError::invalid(format!("HECEndpoint {endpoint:?} is not an http(s) URL.")));
    }
    Ok(())
}
