//! Redshift destinations (`RedshiftDestinationConfiguration`): defaults, checks, and the
//! password that DescribeDeliveryStream does not show.

use super::dest_spec::Spec;
use super::FhError;
use serde_json::{Map, Value};

/// No top-level buffering hints (the S3 configuration's apply); retries for 3600 s; no
/// source-record backup.
pub const SPEC: Spec = Spec { hints: None, retry_s: 3600, backup_mode: "Disabled" };

/// The PostgreSQL address of a `jdbc:redshift://host:port/db` (or `jdbc:postgresql://`)
/// URL: `(host, port, database)`.
pub fn parse_jdbc(url: &str) -> Option<(String, u16, String)> {
    let rest = url.strip_prefix("jdbc:redshift://").or_else(|| url.strip_prefix("jdbc:postgresql://"))?;
    let (hostport, db) = rest.split_once('/')?;
    let db = db.split(['?', ';']).next().unwrap_or("");
    let (host, port) = hostport.rsplit_once(':')?;
    let port = port.parse().ok()?;
    (!host.is_empty() && !db.is_empty()).then(|| (host.to_string(), port, db.to_string()))
}

/// Kind-specific checks.
pub fn finish(doc: &mut Map<String, Value>) -> Result<(), FhError> {
    // kinesin's wording for these checks; AWS's texts were not found.
    let url = doc.get("ClusterJDBCURL").and_then(Value::as_str).unwrap_or("");
    if parse_jdbc(url).is_none() {
        return Err(FhError::invalid(format!(
            "ClusterJDBCURL {url:?} is not a jdbc:redshift://host:port/database URL."
        )));
    }
    let secrets =
        doc.get("SecretsManagerConfiguration").and_then(|s| s.get("Enabled")).and_then(Value::as_bool).unwrap_or(false);
    if !secrets && (doc.get("Username").is_none() || doc.get("Password").is_none()) {
        return Err(FhError::invalid(
            "Username and Password are required when SecretsManagerConfiguration is not enabled.",
        ));
    }
    let compression = doc
        .get("S3DestinationDescription")
        .and_then(|s| s.get("CompressionFormat"))
        .and_then(Value::as_str)
        .unwrap_or("UNCOMPRESSED");
    if !matches!(compression, "UNCOMPRESSED" | "GZIP") {
        return Err(FhError::invalid(format!(
            "CompressionFormat {compression} is not supported for the Redshift destination's S3 configuration."
        )));
    }
    let backup = doc.get("S3BackupMode").and_then(Value::as_str) == Some("Enabled");
    if backup && !doc.contains_key("S3BackupDescription") {
        return Err(FhError::invalid("S3BackupConfiguration is required when S3BackupMode is Enabled."));
    }
    Ok(())
}

/// `RedshiftDestinationDescription` has no `Password`.
pub fn strip_secrets(doc: &mut Value) {
    if let Some(d) = doc.as_object_mut() {
        d.remove("Password");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jdbc_urls() {
        assert_eq!(
            parse_jdbc("jdbc:redshift://cluster.abc.us-east-1.redshift.amazonaws.com:5439/dev"),
            Some(("cluster.abc.us-east-1.redshift.amazonaws.com".into(), 5439, "dev".into()))
        );
        assert_eq!(
            parse_jdbc("jdbc:postgresql://127.0.0.1:5432/db?ssl=true"),
            Some(("127.0.0.1".into(), 5432, "db".into()))
        );
        assert_eq!(parse_jdbc("jdbc:redshift://host/db"), None);
        assert_eq!(parse_jdbc("postgres://h:1/db"), None);
    }
}
