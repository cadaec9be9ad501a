//! Shared helpers for the end-to-end tests: a `kinesin` child process on a free port and
//! AWS SDK clients pointed at it.

#![allow(dead_code)]

use aws_sdk_kinesis::config::retry::RetryConfig;
use aws_sdk_kinesis::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kinesis::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kinesis::Client;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `kinesin` process, killed when dropped.
pub struct Server {
    child: Child,
    /// Keeps the read end of stdout open for the life of the process.
    _stdout: Option<std::thread::JoinHandle<ChildStdout>>,
    /// The port it listens on.
    pub port: u16,
}

impl Server {
    /// Starts `kinesin --port 0` with no extra options.
    pub fn start() -> Self {
        Self::with_args(&[])
    }

    /// Starts `kinesin --port 0 ARGS...` and waits for its `listening on` line.
    pub fn with_args(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kinesin"))
            .arg("--port")
            .arg("0")
            .args(args)
            .env("KINESIN_LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn kinesin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let _ = tx.send(line);
            r.into_inner()
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => l,
            Err(e) => {
                let _ = child.kill();
                panic!("kinesin printed no start line: {e}");
            }
        };
        let port = parse_port(&line).unwrap_or_else(|| {
            let _ = child.kill();
            panic!("unexpected start line: {line:?}");
        });
        Server { child, _stdout: Some(reader), port }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends a hand-written HTTP/1.1 request; returns (status, body).
    pub fn raw(&self, method: &str, path_and_query: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let req = format!(
            "{method} {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        s.write_all(req.as_bytes()).expect("write request");
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).expect("read response");
        let text = String::from_utf8_lossy(&buf).into_owned();
        let status: u16 = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("bad HTTP response: {text:?}"));
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
        let body = if chunked { dechunk(body) } else { body.to_string() };
        (status, body)
    }

    /// Moves the server clock forward (needs `--time-travel`); returns the new `now_ms`.
    pub fn advance_clock(&self, ms: u64) -> i64 {
        let (status, body) = self.raw("POST", &format!("/_kinesin/clock?advance_ms={ms}"));
        assert_eq!(status, 200, "advance clock: {body}");
        let digits: String = body
            .split("\"now_ms\":")
            .nth(1)
            .unwrap_or_else(|| panic!("no now_ms in {body}"))
            .chars()
            .skip_while(|c| c.is_whitespace())
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().expect("now_ms is a number")
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn parse_port(line: &str) -> Option<u16> {
    let rest = line.split("listening on http://").nth(1)?;
    let hostport = rest.split_whitespace().next()?;
    hostport.rsplit(':').next()?.parse().ok()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The access key used by default: not 12 digits, so the account is 000000000000.
pub const TEST_ACCESS_KEY: &str = "AKIDKINESINTEST";

/// A client for us-east-1 with the default account.
pub fn client(server: &Server) -> Client {
    client_for(server, "us-east-1", TEST_ACCESS_KEY)
}

/// A client for another region and/or access key id (a 12-digit key is the account id).
pub fn client_for(server: &Server, region: &str, access_key: &str) -> Client {
    let conf = aws_sdk_kinesis::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(access_key, "kinesin-test-secret", None, None, "kinesin-tests"))
        .retry_config(RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

/// A Firehose client for us-east-1 with the default account.
pub fn firehose(server: &Server) -> aws_sdk_firehose::Client {
    let conf = aws_sdk_firehose::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(TEST_ACCESS_KEY, "secret", None, None, "tests"))
        .build();
    aws_sdk_firehose::Client::from_conf(conf)
}

/// An S3 client (path-style addressing) for us-east-1 with the default account.
pub fn s3(server: &Server) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(TEST_ACCESS_KEY, "secret", None, None, "tests"))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

/// The code and message of a failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErr {
    /// `__type`, e.g. `ResourceNotFoundException`.
    pub code: String,
    /// The message, empty when absent.
    pub message: String,
}

/// Expects a service error and returns its code and message.
pub fn api_err<T, E, R>(result: Result<T, SdkError<E, R>>) -> ApiErr
where
    T: std::fmt::Debug,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let e = result.expect_err("expected the call to fail");
    let (code, message) = (e.code().map(str::to_owned), e.message().map(str::to_owned));
    match code {
        Some(code) => ApiErr { code, message: message.unwrap_or_default() },
        None => panic!("not a service error: {e:?}"),
    }
}

/// Creates an ACTIVE provisioned stream (the server runs without a create delay).
pub async fn create_stream(c: &Client, name: &str, shards: i32) {
    c.create_stream()
        .stream_name(name)
        .shard_count(shards)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {name}: {e:?}"));
}

/// Shard ids and inclusive hash ranges of a stream, in shard order.
pub async fn shard_ranges(c: &Client, name: &str) -> Vec<(String, u128, u128)> {
    let out = c.list_shards().stream_name(name).send().await.expect("list shards");
    out.shards()
        .iter()
        .map(|s| {
            let r = s.hash_key_range().expect("hash range");
            (
                s.shard_id().to_string(),
                r.starting_hash_key().parse().expect("start hash"),
                r.ending_hash_key().parse().expect("end hash"),
            )
        })
        .collect()
}

/// A Kinesis Data Analytics (API v1) client for us-east-1 with the default account.
pub fn analytics(server: &Server) -> aws_sdk_kinesisanalytics::Client {
    let conf = aws_sdk_kinesisanalytics::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(TEST_ACCESS_KEY, "secret", None, None, "tests"))
        .build();
    aws_sdk_kinesisanalytics::Client::from_conf(conf)
}

/// A Kinesis Data Analytics API v2 client for us-east-1 with the default account.
pub fn analytics_v2(server: &Server) -> aws_sdk_kinesisanalyticsv2::Client {
    let conf = aws_sdk_kinesisanalyticsv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(server.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(TEST_ACCESS_KEY, "secret", None, None, "tests"))
        .build();
    aws_sdk_kinesisanalyticsv2::Client::from_conf(conf)
}
