//! Command-line options and environment variables.

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// kinesin: the AWS streaming family (Kinesis Data Streams first) on localhost.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "kinesin",
    version,
    about,
    after_help = "CLI: kinesin put|tail|capture|replay|ls|cost|sqs|firehose (each with --help). Console: http://HOST:PORT/_kinesin/"
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "KINESIN_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on (0 picks a free one; the chosen port is printed).
    #[arg(long, env = "KINESIN_PORT", default_value_t = 4566)]
    pub port: u16,
    /// Also serve over TLS on this port (ALPN h2 and http/1.1), e.g. for HTTP/2 clients
    /// that need TLS. kinesis-mock's `KINESIS_MOCK_TLS_PORT` is read too.
    #[arg(long, env = "KINESIN_TLS_PORT")]
    pub tls_port: Option<u16>,
    /// PEM certificate chain for the TLS port (default: a self-signed certificate for
    /// localhost and 127.0.0.1, generated at start).
    #[arg(long, env = "KINESIN_TLS_CERT", value_name = "PEM", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for `--tls-cert`.
    #[arg(long, env = "KINESIN_TLS_KEY", value_name = "PEM", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Keep state in DIR/kinesin.sqlite3; every acknowledged write survives a crash or restart.
    /// Without it the store is ephemeral (a private temporary SQLite database).
    #[arg(long, env = "KINESIN_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Account id used when the access key id is not a 12-digit account id.
    #[arg(long, env = "KINESIN_ACCOUNT_ID", default_value = "000000000000")]
    pub account_id: String,
    /// Region used when a request carries no SigV4 credential scope.
    #[arg(long, env = "KINESIN_REGION", default_value = "us-east-1")]
    pub region: String,
    /// How long a new stream stays CREATING, in milliseconds.
    #[arg(long, env = "KINESIN_CREATE_STREAM_DELAY_MS", default_value_t = 0)]
    pub create_stream_delay_ms: u64,
    /// How long a deleted stream stays DELETING, in milliseconds.
    #[arg(long, env = "KINESIN_DELETE_STREAM_DELAY_MS", default_value_t = 0)]
    pub delete_stream_delay_ms: u64,
    /// How long an updated stream stays UPDATING, in milliseconds.
    #[arg(long, env = "KINESIN_UPDATE_STREAM_DELAY_MS", default_value_t = 0)]
    pub update_stream_delay_ms: u64,
    /// Pipes: how long CREATING, STARTING, STOPPING, UPDATING and DELETING last, in
    /// milliseconds (0: a pipe is RUNNING or STOPPED as soon as the call returns).
    #[arg(long, env = "KINESIN_PIPES_TRANSITION_MS", default_value_t = 0)]
    pub pipes_transition_ms: u64,
    /// Open shards allowed per account and region.
    #[arg(long, env = "KINESIN_SHARD_LIMIT", default_value_t = 500)]
    pub shard_limit: u32,
    /// On-demand streams allowed per account and region.
    #[arg(long, env = "KINESIN_ON_DEMAND_STREAM_LIMIT", default_value_t = 50)]
    pub on_demand_stream_limit: u32,
    /// Enforce AWS's limits: per shard 1 MiB/s and 1,000 records/s of writes
    /// (ProvisionedThroughputExceededException), 5 GetRecords/s and 2 MiB/s of reads,
    /// at most 5 streams CREATING at once, 10 UpdateShardCount per stream in a rolling 24 hours.
    #[arg(long, env = "KINESIN_AWS_LIMITS", default_value_t = false)]
    pub aws_limits: bool,
    /// Probability (0.0-1.0) of failing a PutRecord, or each PutRecords entry, with
    /// ProvisionedThroughputExceededException (LocalStack's `KINESIS_ERROR_PROBABILITY`).
    #[arg(long, env = "KINESIN_ERROR_PROBABILITY", default_value_t = 0.0)]
    pub error_probability: f64,
    /// Milliseconds added before every Kinesis answer (LocalStack's `KINESIS_LATENCY`).
    #[arg(long, env = "KINESIN_LATENCY_MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Largest request body accepted, in bytes (larger ones get HTTP 413).
    #[arg(long, env = "KINESIN_MAX_BODY_BYTES", default_value_t = 20 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Extra origins whose pages may call kinesin from a browser (CORS), e.g.
    /// `https://app.example.com`; `*` allows every origin. Local pages (`localhost`,
    /// `127.0.0.1`, `[::1]`) and kinesin's own origin are always allowed. Repeatable; in the
    /// environment, comma-separated.
    #[arg(long = "cors-allow-origin", env = "KINESIN_CORS_ALLOW_ORIGIN", value_name = "ORIGIN", value_delimiter = ',')]
    pub cors_allow_origin: Vec<String>,
    /// Extra names this server is reached by (and their subdomains): accepted in the Host
    /// header while bound to loopback, and as page origins. Repeatable; comma-separated in the
    /// environment.
    #[arg(long = "hostname", env = "KINESIN_HOSTNAME", value_name = "NAME", value_delimiter = ',')]
    pub hostname: Vec<String>,
    /// Seconds a connection may stay idle (and may take to send a request's headers) before
    /// it is closed.
    #[arg(long, env = "KINESIN_IDLE_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,
    /// Seconds a request may take from its headers to its answer, body upload included; a
    /// slower one (a body that trickles in) is answered with a timeout error (S3's 400
    /// `RequestTimeout`, 408 elsewhere) and its connection closed. Keep it above 20 s, the
    /// longest SQS long poll.
    #[arg(long, env = "KINESIN_REQUEST_TIMEOUT_SECS", default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_secs: u64,
    /// Most connections open at once (also kept below the open-file limit); more wait.
    #[arg(long, env = "KINESIN_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Request-body bytes held in memory at once, over all requests; requests beyond it wait
    /// (and get a 503 after the idle timeout).
    #[arg(long, env = "KINESIN_MAX_INFLIGHT_BODY_BYTES", default_value_t = 48 * 1024 * 1024)]
    pub max_inflight_body_bytes: usize,
    /// Verify SigV4 signatures with the keys of `--credentials` (or kinesin's own
    /// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`); wrong ones get AWS's errors.
    #[arg(long, env = "KINESIN_VERIFY_SIGV4", default_value_t = false)]
    pub verify_sigv4: bool,
    /// An AWS shared-credentials style file (`aws_access_key_id`/`aws_secret_access_key`
    /// pairs) with the keys `--verify-sigv4` accepts.
    #[arg(long, env = "KINESIN_CREDENTIALS", value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Log filter: error, warn, info, debug, trace (or a tracing filter expression).
    #[arg(long, env = "KINESIN_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    /// Log format.
    #[arg(long, env = "KINESIN_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Streams to create at start: `name[:shards[:region]],...` (kinesis-mock's
    /// `INITIALIZE_STREAMS` is read too).
    #[arg(long, env = "KINESIN_INITIALIZE_STREAMS", value_name = "SPEC")]
    pub initialize_streams: Option<String>,
    /// Allow `POST /_kinesin/clock?advance_ms=N`, which moves kinesin's clock forward
    /// (for tests of retention and expiry).
    #[arg(long, env = "KINESIN_TIME_TRAVEL", default_value_t = false)]
    pub time_travel: bool,
    /// Firehose: deliver buffers after at most N seconds, whatever the streams' BufferingHints
    /// say (for fast tests; AWS's default interval is 300 s).
    #[arg(long, env = "KINESIN_FIREHOSE_INTERVAL_OVERRIDE_SECS", value_name = "N")]
    pub firehose_interval_override_secs: Option<u32>,
    /// Firehose: binds a Lambda function of a transform (ProcessingConfiguration) to a local
    /// target: `ARN=COMMAND` runs `sh -c COMMAND` with the event JSON on stdin and reads the
    /// response JSON from stdout; `ARN=http(s)://...` POSTs the event to the URL. ARN may be a
    /// function name. Repeatable; in the environment, one binding per line.
    #[arg(long = "lambda", env = "KINESIN_LAMBDA", value_name = "ARN=TARGET", value_delimiter = '\n')]
    pub lambda: Vec<String>,
    /// Firehose: binds an OpenSearch/Elasticsearch `DomainARN` to a local cluster URL,
    /// `ARN=http://host:port` (no domain resolves locally). Repeatable; in the environment,
    /// one binding per line.
    #[arg(
        long = "opensearch-endpoint",
        env = "KINESIN_OPENSEARCH_ENDPOINT",
        value_name = "ARN=URL",
        value_delimiter = '\n'
    )]
    pub opensearch_endpoint: Vec<String>,
    /// Firehose: a PEM file of CA (or self-signed) certificates trusted, besides the
    /// system's roots, by https deliveries (HTTP endpoint, Splunk, OpenSearch, Lambda URLs).
    /// A self-signed certificate given here is trusted as is when a server presents it.
    /// Repeatable; in the environment, one file per line.
    #[arg(long = "delivery-ca-cert", env = "KINESIN_DELIVERY_CA_CERT", value_name = "PEM", value_delimiter = '\n')]
    pub delivery_ca_cert: Vec<PathBuf>,
    /// Create the resources a YAML or JSON file names at start (streams with consumers,
    /// queues, buckets, delivery streams, pipes); what exists already is left as it is.
    #[arg(long = "init", env = "KINESIN_INIT", value_name = "FILE")]
    pub init_file: Option<PathBuf>,
    /// Run LocalStack-style init hooks from DIR/{boot,start,ready,shutdown}.d (`.sh` and
    /// `.py`); `Ready.` is printed once the ready hooks have run. The image sets
    /// `/etc/localstack/init`.
    #[arg(long, env = "KINESIN_INIT_DIR", value_name = "DIR")]
    pub init_dir: Option<PathBuf>,
    /// Write `host:port` of the plain listener to FILE once serving (the image's
    /// HEALTHCHECK reads it, so it works whatever port is chosen).
    #[arg(long, env = "KINESIN_ADDR_FILE", value_name = "FILE")]
    pub addr_file: Option<PathBuf>,
    /// `host[:port]` put in SQS queue URLs instead of the request's `Host` (LocalStack's
    /// `LOCALSTACK_HOST`).
    #[arg(long, env = "KINESIN_PUBLIC_HOST", value_name = "HOST[:PORT]")]
    pub public_host: Option<String>,
    /// Log one line per request (service, operation, status, duration, request id); on
    /// by default at `--log-level debug`.
    #[arg(long, env = "KINESIN_LOG_REQUESTS", default_value_t = false)]
    pub log_requests: bool,
    /// Firehose: https deliveries accept any server certificate. For local testing only.
    #[arg(long, env = "KINESIN_DELIVERY_INSECURE_TLS", default_value_t = false)]
    pub delivery_insecure_tls: bool,
}

impl Config {
    /// Checks the values clap cannot: ranges, formats and paths, with messages naming the flag.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.error_probability) {
            return Err(format!("--error-probability must be between 0.0 and 1.0, got {}", self.error_probability));
        }
        if self.account_id.len() != 12 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("--account-id must be 12 digits, got {:?}", self.account_id));
        }
        if let Some(spec) = &self.initialize_streams {
            crate::compat::parse_initial_streams(spec).map_err(|e| format!("--initialize-streams: {e}"))?;
        }
        if let Some(file) = &self.init_file {
            crate::init_file::read(file)?;
        }
        if let Some(dir) = &self.data_dir {
            if dir.exists() && !dir.is_dir() {
                return Err(format!("--data-dir {} is not a directory", dir.display()));
            }
        }
        Ok(())
    }
}

/// The tracing filter of `--log-level`: a level name (`error` .. `trace`, `off`) or a
/// filter expression with `=` or `,` (`kinesin=debug,hyper=warn`); anything else is an error.
pub fn log_filter(level: &str) -> Result<tracing_subscriber::EnvFilter, String> {
    const LEVELS: [&str; 7] = ["off", "error", "warn", "warning", "info", "debug", "trace"];
    let lower = level.trim().to_ascii_lowercase();
    let expression = lower.contains('=') || lower.contains(',');
    if !expression && !LEVELS.contains(&lower.as_str()) {
        return Err(format!("--log-level must be one of off, error, warn, info, debug, trace (or a filter such as kinesin=debug), got {level:?}"));
    }
    let lower = if lower == "warning" { "warn".to_string() } else { lower };
    tracing_subscriber::EnvFilter::try_new(&lower).map_err(|e| format!("--log-level {level:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Config {
        Config::try_parse_from(std::iter::once("kinesin").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn flags_are_validated_with_messages_naming_them() {
        assert!(parse(&[]).validate().is_ok());
        let e = parse(&["--error-probability", "1.5"]).validate().unwrap_err();
        assert!(e.contains("--error-probability"), "{e}");
        let e = parse(&["--account-id", "12345"]).validate().unwrap_err();
        assert!(e.contains("12 digits"), "{e}");
        let e = parse(&["--initialize-streams", "a:x"]).validate().unwrap_err();
        assert!(e.contains("--initialize-streams"), "{e}");
        let file = std::env::current_exe().unwrap();
        let e = parse(&["--data-dir", file.to_str().unwrap()]).validate().unwrap_err();
        assert!(e.contains("not a directory"), "{e}");
    }

    #[test]
    fn log_levels_are_names_or_filter_expressions() {
        for ok in ["info", "DEBUG", "warning", "kinesin=debug", "info,hyper=warn"] {
            assert!(log_filter(ok).is_ok(), "{ok}");
        }
        assert!(log_filter("verbose").unwrap_err().contains("--log-level"));
    }
}
