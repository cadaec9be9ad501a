//! The kind of a stream's destination and what differs between kinds: the member names of
//! the configuration, update and description, AWS's defaults, secrets AWS does not echo,
//! and the buffering hints that decide when a buffer is due.
//!
//! A stream stores its destination as ONE document: the description AWS would show, with
//! defaults filled in, plus the secrets the description omits (an HTTP endpoint's
//! `EndpointConfiguration.AccessKey`, Redshift's `Password`) at their configuration
//! places, because delivery needs them. [`public`] strips them for DescribeDeliveryStream.
//! The kind itself is stored in `fh_streams.dest_kind`.

use super::dest_spec::Spec;
use super::{dest_http, dest_opensearch, dest_redshift, dest_splunk, destination, FhError};
use kinesin_protocol::firehose::DestinationDescription;
use md5::Digest;
use serde_json::{json, Map, Value};

/// A destination kind, as stored in `fh_streams.dest_kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DestKind {
    /// S3 (also the deprecated `S3DestinationConfiguration`).
    ExtendedS3,
    /// A custom HTTP endpoint (Datadog, New Relic, ... are HTTP endpoints too).
    HttpEndpoint,
    /// Splunk HTTP Event Collector.
    Splunk,
    /// Amazon Elasticsearch Service (the legacy name of OpenSearch Service).
    Elasticsearch,
    /// Amazon OpenSearch Service.
    AmazonOpenSearchService,
    /// Amazon Redshift (PostgreSQL's wire protocol).
    Redshift,
}

/// Every kind kinesin serves.
pub const ALL: &[DestKind] = &[
    DestKind::ExtendedS3,
    DestKind::HttpEndpoint,
    DestKind::Splunk,
    DestKind::Elasticsearch,
    DestKind::AmazonOpenSearchService,
    DestKind::Redshift,
];

/// A kind by its stored name ([`DestKind::parse`]).
impl From<&str> for DestKind {
    fn from(s: &str) -> Self {
        DestKind::parse(s)
    }
}

/// A kind equals its stored name.
impl PartialEq<&str> for DestKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl DestKind {
    /// The name stored in `fh_streams.dest_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            DestKind::ExtendedS3 => "ExtendedS3",
            DestKind::HttpEndpoint => "HttpEndpoint",
            DestKind::Splunk => "Splunk",
            DestKind::Elasticsearch => "Elasticsearch",
            DestKind::AmazonOpenSearchService => "AmazonOpenSearchService",
            DestKind::Redshift => "Redshift",
        }
    }

    /// The kind stored as `s` (unknown names read as S3, the only kind of old stores).
    pub fn parse(s: &str) -> DestKind {
        ALL.iter().copied().find(|k| k.as_str() == s).unwrap_or(DestKind::ExtendedS3)
    }

    /// Whether deliveries are S3 objects (otherwise a network destination, with S3 only
    /// for error output and backups).
    pub fn is_s3(self) -> bool {
        self == DestKind::ExtendedS3
    }

    /// CreateDeliveryStream member, e.g. `HttpEndpointDestinationConfiguration`.
    pub fn config_member(self) -> &'static str {
        match self {
            DestKind::ExtendedS3 => "ExtendedS3DestinationConfiguration",
            DestKind::HttpEndpoint => "HttpEndpointDestinationConfiguration",
            DestKind::Splunk => "SplunkDestinationConfiguration",
            DestKind::Elasticsearch => "ElasticsearchDestinationConfiguration",
            DestKind::AmazonOpenSearchService => "AmazonopensearchserviceDestinationConfiguration",
            DestKind::Redshift => "RedshiftDestinationConfiguration",
        }
    }

    /// UpdateDestination member, e.g. `HttpEndpointDestinationUpdate`.
    pub fn update_member(self) -> &'static str {
        match self {
            DestKind::ExtendedS3 => "ExtendedS3DestinationUpdate",
            DestKind::HttpEndpoint => "HttpEndpointDestinationUpdate",
            DestKind::Splunk => "SplunkDestinationUpdate",
            DestKind::Elasticsearch => "ElasticsearchDestinationUpdate",
            DestKind::AmazonOpenSearchService => "AmazonopensearchserviceDestinationUpdate",
            DestKind::Redshift => "RedshiftDestinationUpdate",
        }
    }

    /// The `DestinationDescription` member that describes this kind.
    pub fn description_slot(self, d: &mut DestinationDescription) -> &mut Option<Value> {
        match self {
            DestKind::ExtendedS3 => &mut d.extended_s3_destination_description,
            DestKind::HttpEndpoint => &mut d.http_endpoint_destination_description,
            DestKind::Splunk => &mut d.splunk_destination_description,
            DestKind::Elasticsearch => &mut d.elasticsearch_destination_description,
            DestKind::AmazonOpenSearchService => &mut d.amazonopensearchservice_destination_description,
            DestKind::Redshift => &mut d.redshift_destination_description,
        }
    }
}

/// Destination members of CreateDeliveryStream that kinesin does not serve.
pub const UNSUPPORTED_CONFIGS: &[&str] = &[
    "AmazonOpenSearchServerlessDestinationConfiguration",
    "SnowflakeDestinationConfiguration",
    "IcebergDestinationConfiguration",
];

/// Destination members of UpdateDestination that kinesin does not serve.
pub const UNSUPPORTED_UPDATES: &[&str] =
    &["AmazonOpenSearchServerlessDestinationUpdate", "SnowflakeDestinationUpdate", "IcebergDestinationUpdate"];

fn spec(kind: DestKind) -> Spec {
    match kind {
        DestKind::ExtendedS3 => Spec {
            hints: Some((destination::DEFAULT_SIZE_MB, destination::DEFAULT_INTERVAL_S)),
            retry_s: 0,
            backup_mode: "Disabled",
        },
        DestKind::HttpEndpoint => dest_http::SPEC,
        DestKind::Splunk => dest_splunk::SPEC,
        DestKind::Elasticsearch | DestKind::AmazonOpenSearchService => dest_opensearch::SPEC,
        DestKind::Redshift => dest_redshift::SPEC,
    }
}

/// The stored document of a new destination of `kind`, from its configuration.
pub fn from_config(kind: DestKind, config: &Value) -> Result<Value, FhError> {
    if kind == DestKind::ExtendedS3 {
        return destination::from_config(config);
    }
    let mut doc = Map::new();
    for (k, v) in config.as_object().cloned().unwrap_or_default() {
        match k.as_str() {
            "S3Configuration" => {
                doc.insert("S3DestinationDescription".into(), s3_from_config(&v)?);
            }
            "S3BackupConfiguration" => {
                doc.insert("S3BackupDescription".into(), s3_from_config(&v)?);
            }
            "VpcConfiguration" => {
                doc.insert("VpcConfigurationDescription".into(), vpc_description(&v));
            }
            _ => {
                doc.insert(k, v);
            }
        }
    }
    if !doc.contains_key("S3DestinationDescription") {
        // The model requires S3Configuration; this is reached by an UpdateDestination that
        // changes the kind without S3Update. kinesin's wording (AWS's text was not found).
        return Err(FhError::invalid(format!(
            "{} requires an S3 configuration (S3Configuration, or S3Update when the destination type changes).",
            kind.config_member()
        )));
    }
    finish(kind, doc)
}

/// Merges an update of the same kind into the stored document: members given replace the
/// stored ones, `S3Update` / `S3BackupUpdate` merge into the nested S3 descriptions.
pub fn merge_update(kind: DestKind, current: &Value, update: &Value) -> Result<Value, FhError> {
    if kind == DestKind::ExtendedS3 {
        return destination::merge_update(current, update);
    }
    let mut doc = current.as_object().cloned().unwrap_or_default();
    for (k, v) in update.as_object().cloned().unwrap_or_default() {
        match k.as_str() {
            "S3Update" => {
                let merged = s3_merge(doc.get("S3DestinationDescription"), &v)?;
                doc.insert("S3DestinationDescription".into(), merged);
            }
            "S3BackupUpdate" => {
                let merged = s3_merge(doc.get("S3BackupDescription"), &v)?;
                doc.insert("S3BackupDescription".into(), merged);
            }
            _ => {
                doc.insert(k, v);
            }
        }
    }
    finish(kind, doc)
}

/// The configuration a different-kind update stands for: AWS merges nothing then, so the
/// update must carry everything (`S3Update` plays `S3Configuration`).
pub fn update_as_config(update: &Value) -> Value {
    let mut out = Map::new();
    for (k, v) in update.as_object().cloned().unwrap_or_default() {
        let k = match k.as_str() {
            "S3Update" => "S3Configuration".to_string(),
            "S3BackupUpdate" => "S3BackupConfiguration".to_string(),
            _ => k,
        };
        out.insert(k, v);
    }
    Value::Object(out)
}

/// The description DescribeDeliveryStream shows: the stored document without secrets.
pub fn public(kind: DestKind, doc: &Value) -> Value {
    let mut out = doc.clone();
    match kind {
        DestKind::HttpEndpoint => dest_http::strip_secrets(&mut out),
        DestKind::Redshift => dest_redshift::strip_secrets(&mut out),
        _ => {}
    }
    out
}

/// The `Destinations` entry of DescribeDeliveryStream.
pub fn describe(kind: DestKind, id: &str, doc: &Value) -> DestinationDescription {
    let mut d = DestinationDescription { destination_id: id.to_string(), ..Default::default() };
    if kind == DestKind::ExtendedS3 {
        // AWS shows an S3 destination both ways.
        d.s3_destination_description = Some(destination::s3_description(doc));
    }
    *kind.description_slot(&mut d) = Some(public(kind, doc));
    d
}

/// (`SizeInMBs`, `IntervalInSeconds`) that decide when a buffer of this destination is due.
pub fn buffering(kind: DestKind, doc: &Value) -> (u64, u64) {
    let hints = match kind {
        DestKind::Redshift => doc.get("S3DestinationDescription").and_then(|s| s.get("BufferingHints")),
        _ => doc.get("BufferingHints"),
    };
    let hint = |k: &str, d: u64| hints.and_then(|h| h.get(k)).and_then(Value::as_u64).unwrap_or(d);
    (hint("SizeInMBs", destination::DEFAULT_SIZE_MB), hint("IntervalInSeconds", destination::DEFAULT_INTERVAL_S))
}

/// `RetryOptions.DurationInSeconds` of a stored document (the kind's default if absent).
pub fn retry_seconds(kind: DestKind, doc: &Value) -> u64 {
    doc.get("RetryOptions")
        .and_then(|r| r.get("DurationInSeconds"))
        .and_then(Value::as_u64)
        .unwrap_or(spec(kind).retry_s)
}

fn s3_from_config(config: &Value) -> Result<Value, FhError> {
    Ok(destination::s3_description(&destination::from_config(config)?))
}

fn s3_merge(current: Option<&Value>, update: &Value) -> Result<Value, FhError> {
    let current = current.cloned().unwrap_or_else(|| json!({}));
    Ok(destination::s3_description(&destination::merge_update(&current, update)?))
}

fn vpc_description(v: &Value) -> Value {
    let mut d = v.as_object().cloned().unwrap_or_default();
    // A VPC id kinesin makes up, stable for the subnets given (there is no VPC locally).
    let subnets = d.get("SubnetIds").map(Value::to_string).unwrap_or_default();
    let digest = format!("{:x}", md5::Md5::digest(subnets.as_bytes()));
    d.insert("VpcId".into(), json!(format!("vpc-{}", &digest[..17])));
    Value::Object(d)
}

/// Fills the defaults every kind shares, then the kind's own, then checks.
fn finish(kind: DestKind, mut doc: Map<String, Value>) -> Result<Value, FhError> {
    let spec = spec(kind);
    if let Some((size, interval)) = spec.hints {
        let hints = match doc.get("BufferingHints").and_then(Value::as_object) {
            None => json!({"SizeInMBs": size, "IntervalInSeconds": interval}),
            Some(h) => match (h.get("SizeInMBs"), h.get("IntervalInSeconds")) {
                (Some(s), Some(i)) => json!({"SizeInMBs": s, "IntervalInSeconds": i}),
                (None, None) => json!({"SizeInMBs": size, "IntervalInSeconds": interval}),
                // Both hints or neither, as for S3; kinesin's wording (AWS's text was not found).
                _ => {
                    return Err(FhError::invalid(
                        "BufferingHints must specify both SizeInMBs and IntervalInSeconds, or neither.",
                    ))
                }
            },
        };
        doc.insert("BufferingHints".into(), hints);
    }
    doc.entry("RetryOptions").or_insert_with(|| json!({"DurationInSeconds": spec.retry_s}));
    doc.entry("S3BackupMode").or_insert_with(|| json!(spec.backup_mode));
    doc.entry("CloudWatchLoggingOptions").or_insert_with(|| json!({"Enabled": false}));
    let enabled = |k: &str| doc.get(k).and_then(|v| v.get("Enabled")).and_then(Value::as_bool).unwrap_or(false);
    if enabled("ProcessingConfiguration") {
        // The pipeline transforms records for every kind, as for S3.
        destination::check_processors(doc.get("ProcessingConfiguration").unwrap_or(&Value::Null))?;
    }
    match kind {
        DestKind::HttpEndpoint => dest_http::finish(&mut doc)?,
        DestKind::Splunk => dest_splunk::finish(&mut doc)?,
        DestKind::Elasticsearch | DestKind::AmazonOpenSearchService => dest_opensearch::finish(&mut doc)?,
        DestKind::Redshift => dest_redshift::finish(&mut doc)?,
        DestKind::ExtendedS3 => {}
    }
    Ok(Value::Object(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:iam::000000000000:role/r";

    fn s3() -> Value {
        json!({"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::backup"})
    }

    #[test]
    fn kinds_round_trip_and_default_to_s3() {
        for k in ALL {
            assert_eq!(DestKind::parse(k.as_str()), *k);
        }
        assert_eq!(DestKind::parse("whatever"), DestKind::ExtendedS3);
    }

    #[test]
    fn http_defaults_secrets_and_buffering() {
        let doc = from_config(
            DestKind::HttpEndpoint,
            &json!({"EndpointConfiguration": {"Url": "https://example.com/in", "Name": "ep", "AccessKey": "k3y"},
                    "S3Configuration": s3()}),
        )
        .unwrap();
        assert_eq!(doc["BufferingHints"], json!({"SizeInMBs": 5, "IntervalInSeconds": 300}));
        assert_eq!(doc["RetryOptions"], json!({"DurationInSeconds": 300}));
        assert_eq!(doc["S3BackupMode"], "FailedDataOnly");
        assert_eq!(doc["EndpointConfiguration"]["AccessKey"], "k3y");
        assert_eq!(doc["S3DestinationDescription"]["CompressionFormat"], "UNCOMPRESSED");
        let shown = serde_json::to_value(describe(DestKind::HttpEndpoint, "d", &doc)).unwrap();
        let d = &shown["HttpEndpointDestinationDescription"];
        assert_eq!(d["EndpointConfiguration"], json!({"Url": "https://example.com/in", "Name": "ep"}));
        assert!(shown.get("S3DestinationDescription").is_none());
        assert_eq!(buffering(DestKind::HttpEndpoint, &doc), (5, 300));
        assert_eq!(retry_seconds(DestKind::HttpEndpoint, &doc), 300);
    }

    #[test]
    fn same_kind_updates_merge() {
        let doc = from_config(
            DestKind::Splunk,
            &json!({"HECEndpoint": "https://splunk:8088", "HECEndpointType": "Raw", "HECToken": "t",
                    "S3Configuration": s3()}),
        )
        .unwrap();
        assert_eq!(doc["BufferingHints"], json!({"SizeInMBs": 5, "IntervalInSeconds": 60}));
        assert_eq!(doc["HECAcknowledgmentTimeoutInSeconds"], 180);
        let u =
            merge_update(DestKind::Splunk, &doc, &json!({"HECEndpointType": "Event", "S3Update": {"Prefix": "bk/"}}))
                .unwrap();
        assert_eq!(u["HECEndpointType"], "Event");
        assert_eq!(u["HECToken"], "t");
        assert_eq!(u["S3DestinationDescription"]["Prefix"], "bk/");
        assert_eq!(u["S3DestinationDescription"]["BucketARN"], "arn:aws:s3:::backup");
        assert!(merge_update(DestKind::Splunk, &doc, &json!({"BufferingHints": {"SizeInMBs": 1}})).is_err());
    }

    #[test]
    fn a_kind_change_needs_the_whole_configuration() {
        let without_s3 = update_as_config(&json!({"EndpointConfiguration": {"Url": "https://x"}}));
        assert!(from_config(DestKind::HttpEndpoint, &without_s3).is_err());
        let with_s3 = update_as_config(&json!({"EndpointConfiguration": {"Url": "https://x"}, "S3Update": s3()}));
        let doc = from_config(DestKind::HttpEndpoint, &with_s3).unwrap();
        assert_eq!(doc["S3DestinationDescription"]["BucketARN"], "arn:aws:s3:::backup");
    }

    #[test]
    fn redshift_buffers_by_its_s3_hints_and_hides_the_password() {
        let doc = from_config(
            DestKind::Redshift,
            &json!({"RoleARN": ROLE, "ClusterJDBCURL": "jdbc:redshift://localhost:5439/dev",
                    "CopyCommand": {"DataTableName": "t"}, "Username": "u", "Password": "secret1",
                    "S3Configuration": {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b",
                                        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}}),
        )
        .unwrap();
        assert_eq!(buffering(DestKind::Redshift, &doc), (1, 60));
        assert!(doc.get("BufferingHints").is_none());
        assert_eq!(doc["Password"], "secret1");
        let shown = public(DestKind::Redshift, &doc);
        assert!(shown.get("Password").is_none());
        assert_eq!(shown["Username"], "u");
        assert_eq!(shown["S3BackupMode"], "Disabled");
        assert_eq!(shown["RetryOptions"], json!({"DurationInSeconds": 3600}));
    }
}
