//! Routing keys: which service and operation a request names.

/// The services kinesin serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Kinesis Data Streams (`Kinesis_20131202`).
    Kinesis,
    /// Amazon SQS (`AmazonSQS`, JSON 1.0; also the query protocol).
    Sqs,
    /// Amazon Data Firehose (`Firehose_20150804`).
    Firehose,
    /// Kinesis Data Analytics, API v1 (`KinesisAnalytics_20150814`).
    KinesisAnalytics,
    /// Kinesis Data Analytics, API v2 (`KinesisAnalytics_20180523`).
    KinesisAnalyticsV2,
}

impl Service {
    /// The `X-Amz-Target` prefix of the service.
    pub fn target_prefix(self) -> &'static str {
        match self {
            Service::Kinesis => "Kinesis_20131202",
            Service::Sqs => "AmazonSQS",
            Service::Firehose => "Firehose_20150804",
            Service::KinesisAnalytics => "KinesisAnalytics_20150814",
            Service::KinesisAnalyticsV2 => "KinesisAnalytics_20180523",
        }
    }

    /// The name used in ARNs and health output.
    pub fn name(self) -> &'static str {
        match self {
            Service::Kinesis => "kinesis",
            Service::Sqs => "sqs",
            Service::Firehose => "firehose",
            Service::KinesisAnalytics => "kinesisanalytics",
            Service::KinesisAnalyticsV2 => "kinesisanalyticsv2",
        }
    }

    /// Every service.
    pub const ALL: [Service; 5] =
        [Service::Kinesis, Service::Sqs, Service::Firehose, Service::KinesisAnalytics, Service::KinesisAnalyticsV2];
}

/// A parsed `X-Amz-Target` header: `Prefix.Operation`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    /// The service, when the prefix is known.
    pub service: Option<Service>,
    /// The prefix as sent.
    pub prefix: &'a str,
    /// The operation name.
    pub operation: &'a str,
}

/// Splits `X-Amz-Target` into service and operation; `None` when it has no dot.
pub fn parse_target(header: &str) -> Option<Target<'_>> {
    let (prefix, operation) = header.rsplit_once('.')?;
    let service = Service::ALL.into_iter().find(|s| s.target_prefix() == prefix);
    Some(Target { service, prefix, operation })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kinesis_target() {
        let t = parse_target("Kinesis_20131202.PutRecords").unwrap();
        assert_eq!(t.service, Some(Service::Kinesis));
        assert_eq!(t.operation, "PutRecords");
        assert_eq!(parse_target("Nope.X").unwrap().service, None);
        assert!(parse_target("NoDot").is_none());
    }
}
