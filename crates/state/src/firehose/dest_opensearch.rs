//! OpenSearch Service and (legacy) Elasticsearch destinations: defaults and checks.
//!
//! The cluster is `ClusterEndpoint`, or a `DomainARN` that kinesin maps to a URL with
//! `--opensearch-endpoint ARN=URL` at delivery time (no domain resolves locally).

use super::dest_spec::Spec;
use super::FhError;
use serde_json::{json, Map, Value};

/// Buffering 1-100 MiB (default 5) and 0-900 s (default 300); retries for 300 s; failed
/// documents only to S3.
pub const SPEC: Spec = Spec { hints: Some((5, 300)), retry_s: 300, backup_mode: "FailedDocumentsOnly" };

/// Kind-specific defaults and checks.
pub fn finish(doc: &mut Map<String, Value>) -> Result<(), FhError> {
    doc.entry("IndexRotationPeriod").or_insert_with(|| json!("OneDay"));
    // FIREHOSE_DEFAULT is what AWS does without DocumentIdOptions; kinesin shows it.
    doc.entry("DocumentIdOptions").or_insert_with(|| json!({"DefaultDocumentIdFormat": "FIREHOSE_DEFAULT"}));
    let has = |k: &str| doc.get(k).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
    // kinesin's wording for both; AWS answers InvalidArgumentException, text not found.
    match (has("DomainARN"), has("ClusterEndpoint")) {
        (true, true) => Err(FhError::invalid("Only one of DomainARN and ClusterEndpoint may be specified.")),
        (false, false) => Err(FhError::invalid("One of DomainARN or ClusterEndpoint must be specified.")),
        _ => Ok(()),
    }
}
