//! HTTP endpoint destinations (`HttpEndpointDestinationConfiguration`): defaults and the
//! access key that DescribeDeliveryStream does not show.

use super::dest_spec::Spec;
use super::FhError;
use serde_json::{json, Map, Value};

/// Buffering 1-64 MiB (default 5) and 0-900 s (default 300; the model checks the ranges);
/// retries for 300 s; failed data only to S3.
pub const SPEC: Spec = Spec { hints: Some((5, 300)), retry_s: 300, backup_mode: "FailedDataOnly" };

/// Kind-specific defaults and checks.
pub fn finish(doc: &mut Map<String, Value>) -> Result<(), FhError> {
    let url = doc.get("EndpointConfiguration").and_then(|e| e.get("Url")).and_then(Value::as_str).unwrap_or("");
    // AWS takes https only; kinesin also takes http so that local receivers need no TLS.
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        // kinesin's wording; AWS answers a ValidationException on the Url pattern.
        return Err(FhError::invalid(format!("EndpointConfiguration.Url {url:?} is not an http(s) URL.")));
    }
    // kinesin fills ContentEncoding NONE (the API's default behaviour: no compression);
    // whether AWS shows it when it was not given was not verified.
    let request = doc.entry("RequestConfiguration").or_insert_with(|| json!({}));
    if let Some(r) = request.as_object_mut() {
        r.entry("ContentEncoding").or_insert_with(|| json!("NONE"));
    }
    Ok(())
}

/// `HttpEndpointDescription` has `Url` and `Name` only: the access key is not shown.
pub fn strip_secrets(doc: &mut Value) {
    if let Some(e) = doc.get_mut("EndpointConfiguration").and_then(Value::as_object_mut) {
        e.remove("AccessKey");
    }
}
