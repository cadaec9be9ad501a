//! The network destinations against local receivers started by each test: an HTTP
//! endpoint, a Splunk collector, an OpenSearch `_bulk` API (hyper servers that record what
//! they get and answer as told, failing on purpose), and a real PostgreSQL for Redshift.

mod receivers;

use aws_smithy_types::base64;
use flate2::read::GzDecoder;
use kinesin_delivery::destinations::{self, DeliveryCtx};
use kinesin_delivery::{Env, TlsTrust};
use kinesin_state::ManualClock;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use receivers::{Postgres, Receiver};
use serde_json::{json, Value};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

const ARN: &str = "arn:aws:firehose:us-east-1:000000000000:deliverystream/s1";
// 2026-03-05T07:08:09.123Z
const NOW: i64 = 1_772_694_489_123;

fn env() -> Env {
    Env::new(Arc::new(ManualClock::new(NOW)), [])
}

fn ctx(request_id: &str) -> DeliveryCtx {
    DeliveryCtx {
        stream_arn: ARN.into(),
        stream_name: "s1".into(),
        request_id: request_id.into(),
        now_ms: NOW,
        first_arrival_ms: NOW - 5_000,
        attempt: 1,
        first_attempt_ms: NOW,
    }
}

fn records(n: usize) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("{{\"n\":{i}}}").into_bytes()).collect()
}

fn ok_for(seen: &receivers::Seen) -> String {
    let id = seen.header("x-amz-firehose-request-id").unwrap_or("").to_string();
    json!({"requestId": id, "timestamp": NOW}).to_string()
}

// ----------------------------------------------------------------------- HTTP endpoint

#[tokio::test]
async fn http_endpoint_gets_the_aws_request_and_gzip() {
    let rx = Receiver::start(|s, _| (200, ok_for(s))).await;
    let desc = json!({
        "EndpointConfiguration": {"Url": format!("{}/ingest?x=1", rx.url), "AccessKey": "k-123"},
        "RequestConfiguration": {"ContentEncoding": "GZIP",
            "CommonAttributes": [{"AttributeName": "env", "AttributeValue": "test"}]},
    });
    let recs = records(3);
    destinations::deliver("HttpEndpoint", &env(), &desc, &ctx("req-1"), &recs).await.unwrap();
    let seen = rx.seen();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    assert_eq!((s.method.as_str(), s.path.as_str()), ("POST", "/ingest?x=1"));
    assert_eq!(s.header("content-type"), Some("application/json"));
    assert_eq!(s.header("content-encoding"), Some("gzip"));
    assert_eq!(s.header("x-amz-firehose-protocol-version"), Some("1.0"));
    assert_eq!(s.header("x-amz-firehose-request-id"), Some("req-1"));
    assert_eq!(s.header("x-amz-firehose-source-arn"), Some(ARN));
    assert_eq!(s.header("x-amz-firehose-access-key"), Some("k-123"));
    assert_eq!(s.header("x-amz-firehose-common-attributes"), Some(r#"{"commonAttributes":{"env":"test"}}"#));
    let mut plain = Vec::new();
    GzDecoder::new(&s.body[..]).read_to_end(&mut plain).unwrap();
    let body: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(body["requestId"], "req-1");
    assert_eq!(body["timestamp"], NOW);
    let data: Vec<Vec<u8>> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| base64::decode(r["data"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(data, recs);
}

#[tokio::test]
async fn http_endpoint_failures_are_retryable_or_permanent_as_on_aws() {
    // 500, then 200 with another requestId, then 200 right, then 413.
    let rx = Receiver::start(|s, n| match n {
        0 => (500, r#"{"errorMessage":"busy"}"#.into()),
        1 => (200, json!({"requestId": "someone-else"}).to_string()),
        2 => (200, ok_for(s)),
        _ => (413, r#"{"errorMessage":"Payload too large"}"#.into()),
    })
    .await;
    let desc = json!({"EndpointConfiguration": {"Url": rx.url}});
    let (env, c) = (env(), ctx("req-2"));
    let e = destinations::deliver("HttpEndpoint", &env, &desc, &c, &records(1)).await.unwrap_err();
    assert!(!e.permanent);
    assert_eq!(e.code, "HttpEndpoint.DestinationException");
    assert!(e.message.contains("500: {\"errorMessage\":\"busy\"}"), "{}", e.message);
    let e = destinations::deliver("HttpEndpoint", &env, &desc, &c, &records(1)).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.permanent), ("HttpEndpoint.InvalidResponseFromDestination", false));
    destinations::deliver("HttpEndpoint", &env, &desc, &c, &records(1)).await.unwrap();
    let e = destinations::deliver("HttpEndpoint", &env, &desc, &c, &records(1)).await.unwrap_err();
    assert!(e.permanent, "413 is not retried");
    // Every attempt of the batch carried the same request id, and no gzip unless asked.
    let seen = rx.seen();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|s| s.header("x-amz-firehose-request-id") == Some("req-2")));
    assert!(seen
        .iter()
        .all(|s| s.header("content-encoding").is_none() && s.header("x-amz-firehose-access-key").is_none()));
}

#[tokio::test]
async fn http_endpoint_requests_carry_at_most_10000_records() {
    let rx = Receiver::start(|s, _| (200, ok_for(s))).await;
    let desc = json!({"EndpointConfiguration": {"Url": rx.url}});
    let id = "6f1c2d3e-4a5b-4c6d-8e7f-901234567890";
    let recs: Vec<Vec<u8>> = (0..10_001).map(|i| format!("{i}").into_bytes()).collect();
    destinations::deliver("HttpEndpoint", &env(), &desc, &ctx(id), &recs).await.unwrap();
    let seen = rx.seen();
    assert_eq!(seen.len(), 2);
    let count =
        |s: &receivers::Seen| serde_json::from_slice::<Value>(&s.body).unwrap()["records"].as_array().unwrap().len();
    assert_eq!((count(&seen[0]), count(&seen[1])), (10_000, 1));
    assert_eq!(seen[0].header("x-amz-firehose-request-id"), Some(id));
    let second = seen[1].header("x-amz-firehose-request-id").unwrap();
    assert!(second != id && uuid::Uuid::parse_str(second).is_ok());
    // The same on a retry of the batch.
    assert_eq!(second, destinations::http_endpoint::chunk_request_id(id, 1));
}

#[tokio::test]
async fn http_endpoint_that_is_down_or_malformed_fails_cleanly() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let desc = json!({"EndpointConfiguration": {"Url": format!("http://127.0.0.1:{port}/")}});
    let e = destinations::deliver("HttpEndpoint", &env(), &desc, &ctx("r"), &records(1)).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.permanent), ("HttpEndpoint.ConnectionFailed", false));
    let desc = json!({"EndpointConfiguration": {"Url": "http://bad host/"}});
    let e = destinations::deliver("HttpEndpoint", &env(), &desc, &ctx("r"), &records(1)).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.permanent), ("HttpEndpoint.InvalidUrl", true));
}

// ------------------------------------------------------------------------------ https

/// A certificate and its key, made by rcgen.
struct Made {
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

impl Made {
    fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.serialize_der()))
    }

    /// The certificate as a PEM file, for `TlsTrust::ca_files`.
    fn pem_file(&self, name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kinesin-delivery-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, self.cert.pem()).unwrap();
        path
    }
}

/// A certificate for `names`: self-signed when `issuer` is `None`; a CA when `ca`.
fn make_cert(names: &[&str], ca: bool, issuer: Option<&Made>) -> Made {
    let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    let key = KeyPair::generate().unwrap();
    let cert = match issuer {
        Some(i) => params.signed_by(&key, &i.cert, &i.key).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    Made { cert, key }
}

async fn tls_receiver(chain: &[&Made]) -> Receiver {
    let certs = chain.iter().map(|m| m.cert.der().clone()).collect();
    Receiver::start_tls(certs, chain[0].key_der(), |s, _| (200, ok_for(s))).await
}

async fn deliver_to(rx: &Receiver, env: &Env) -> Result<(), destinations::DestError> {
    let desc = json!({"EndpointConfiguration": {"Url": format!("{}/ingest", rx.url), "AccessKey": "k"}});
    destinations::deliver("HttpEndpoint", env, &desc, &ctx("tls-1"), &records(2)).await
}

fn trusting(files: Vec<PathBuf>) -> Env {
    env().with_tls(&TlsTrust { ca_files: files, insecure: false }).unwrap()
}

#[tokio::test]
async fn https_endpoint_with_a_self_signed_certificate_given_as_ca() {
    let server = make_cert(&["127.0.0.1", "localhost"], false, None);
    let rx = tls_receiver(&[&server]).await;
    assert!(rx.url.starts_with("https://127.0.0.1:"));
    deliver_to(&rx, &trusting(vec![server.pem_file("self-signed.pem")])).await.unwrap();
    let seen = rx.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].path, "/ingest");
    assert_eq!(seen[0].header("x-amz-firehose-request-id"), Some("tls-1"));
    assert_eq!(seen[0].header("x-amz-firehose-access-key"), Some("k"));
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["records"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn https_endpoint_that_is_not_trusted_is_retried_and_gets_nothing() {
    let server = make_cert(&["127.0.0.1"], false, None);
    let rx = tls_receiver(&[&server]).await;
    // The system's roots only.
    let e = deliver_to(&rx, &env()).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.permanent), ("HttpEndpoint.ConnectionFailed", false));
    assert!(e.message.contains("certificate"), "{}", e.message);
    // Another certificate given does not make this one trusted.
    let other = make_cert(&["127.0.0.1"], false, None);
    let e = deliver_to(&rx, &trusting(vec![other.pem_file("other.pem")])).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.permanent), ("HttpEndpoint.ConnectionFailed", false));
    assert!(rx.seen().is_empty());
}

#[tokio::test]
async fn https_endpoint_with_a_certificate_from_a_private_ca() {
    let ca = make_cert(&["kinesin test CA"], true, None);
    let server = make_cert(&["localhost"], false, Some(&ca));
    let rx = tls_receiver(&[&server, &ca]).await;
    let env = trusting(vec![ca.pem_file("ca.pem")]);
    // Reached as 127.0.0.1, the certificate (for localhost only) is refused.
    let e = deliver_to(&rx, &env).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.permanent), ("HttpEndpoint.ConnectionFailed", false));
    assert!(e.message.contains("certificate"), "{}", e.message);
    assert!(rx.seen().is_empty());
    let localhost = rx.with_url(rx.url.replace("127.0.0.1", "localhost"));
    deliver_to(&localhost, &env).await.unwrap();
    assert_eq!(localhost.seen().len(), 1);
}

#[tokio::test]
async fn https_endpoint_with_an_openssl_style_self_signed_ca_certificate() {
    // `openssl req -x509` marks its certificate as a CA, which webpki refuses as a
    // server's certificate; the exact certificate given is trusted all the same.
    let server = make_cert(&["127.0.0.1"], true, None);
    let rx = tls_receiver(&[&server]).await;
    deliver_to(&rx, &trusting(vec![server.pem_file("openssl-style.pem")])).await.unwrap();
    assert_eq!(rx.seen().len(), 1);
}

#[tokio::test]
async fn https_lambda_url_with_a_trusted_certificate() {
    let server = make_cert(&["127.0.0.1"], false, None);
    let rx = Receiver::start_tls(vec![server.cert.der().clone()], server.key_der(), |_, _| {
        (200, r#"{"records":[]}"#.to_string())
    })
    .await;
    let arn = "arn:aws:lambda:us-east-1:000000000000:function:tx";
    let target = kinesin_delivery::LambdaTarget::Url(format!("{}/invoke", rx.url));
    let untrusted = Env::new(Arc::new(ManualClock::new(NOW)), [(arn.to_string(), target.clone())]);
    let e = kinesin_delivery::lambda::invoke(&untrusted, arn, b"{}".to_vec()).await.unwrap_err();
    assert!(e.message.contains("certificate"), "{}", e.message);
    assert!(rx.seen().is_empty());
    let trust = TlsTrust { ca_files: vec![server.pem_file("lambda.pem")], insecure: false };
    let env = Env::new(Arc::new(ManualClock::new(NOW)), [(arn.to_string(), target)]).with_tls(&trust).unwrap();
    let answer = kinesin_delivery::lambda::invoke(&env, arn, br#"{"invocationId":"i"}"#.to_vec()).await.unwrap();
    assert_eq!(answer, br#"{"records":[]}"#);
    let seen = rx.seen();
    assert_eq!((seen.len(), seen[0].path.as_str()), (1, "/invoke"));
    assert_eq!(seen[0].body, br#"{"invocationId":"i"}"#);
}

#[tokio::test]
async fn https_endpoint_with_any_certificate_when_insecure() {
    let server = make_cert(&["somewhere.example"], false, None);
    let rx = tls_receiver(&[&server]).await;
    let env = env().with_tls(&TlsTrust { ca_files: Vec::new(), insecure: true }).unwrap();
    deliver_to(&rx, &env).await.unwrap();
    assert_eq!(rx.seen().len(), 1);
}

// ----------------------------------------------------------------------------- Splunk

#[tokio::test]
async fn splunk_raw_with_indexer_acknowledgment() {
    let rx = Receiver::start(|s, _| {
        if s.path.starts_with("/services/collector/ack") {
            let body: Value = serde_json::from_slice(&s.body).unwrap();
            assert_eq!(body, json!({"acks": [7]}));
            // Not indexed at the first poll, indexed at the second.
            (200, json!({"acks": {"7": POLLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0}}).to_string())
        } else {
            (200, r#"{"text":"Success","code":0,"ackId":7}"#.into())
        }
    })
    .await;
    static POLLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let desc = json!({"HECEndpoint": rx.url, "HECEndpointType": "Raw", "HECToken": "tok-1",
                      "HECAcknowledgmentTimeoutInSeconds": 180});
    let recs = vec![b"line one\n".to_vec(), b"line two\n".to_vec()];
    destinations::deliver("Splunk", &env(), &desc, &ctx("chan-1"), &recs).await.unwrap();
    let seen = rx.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen[0].path, "/services/collector/raw");
    assert_eq!(seen[0].header("authorization"), Some("Splunk tok-1"));
    assert_eq!(seen[0].header("x-splunk-request-channel"), Some("chan-1"));
    assert_eq!(seen[0].body, b"line one\nline two\n");
    assert_eq!(seen[1].path, "/services/collector/ack?channel=chan-1");
    assert_eq!(seen[2].header("authorization"), Some("Splunk tok-1"));
}

#[tokio::test]
async fn splunk_event_endpoint_and_errors() {
    let rx = Receiver::start(|s, n| match n {
        0 => (200, r#"{"text":"Success","code":0}"#.into()),
        _ => {
            assert_eq!(s.header("authorization"), Some("Splunk wrong"));
            (403, r#"{"text":"Invalid token","code":4}"#.into())
        }
    })
    .await;
    let mut desc = json!({"HECEndpoint": format!("{}/", rx.url), "HECEndpointType": "Event", "HECToken": "t"});
    let recs = vec![br#"{"event":"a"}"#.to_vec(), br#"{"event":{"b":1}}"#.to_vec()];
    destinations::deliver("Splunk", &env(), &desc, &ctx("c"), &recs).await.unwrap();
    let seen = rx.seen();
    assert_eq!(seen[0].path, "/services/collector/event");
    assert_eq!(seen[0].body, br#"{"event":"a"}{"event":{"b":1}}"#);
    desc["HECToken"] = json!("wrong");
    let e = destinations::deliver("Splunk", &env(), &desc, &ctx("c"), &recs).await.unwrap_err();
    assert_eq!((e.code.as_str(), e.permanent), ("Splunk.InvalidToken", false));
}

// ------------------------------------------------------------------------- OpenSearch

fn bulk_lines(body: &[u8]) -> Vec<Value> {
    body.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect()
}

#[tokio::test]
async fn opensearch_bulk_with_rotation_stable_ids_and_item_errors() {
    // Every second document is rejected with a mapping error.
    let rx = Receiver::start(|s, _| {
        let lines = bulk_lines(&s.body);
        let items: Vec<Value> = (0..lines.len() / 2)
            .map(|i| {
                if i % 2 == 1 {
                    json!({"index": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "bad field"}}})
                } else {
                    json!({"index": {"status": 201, "result": "created"}})
                }
            })
            .collect();
        (200, json!({"took": 1, "errors": items.iter().any(|i| i["index"]["status"] == 400), "items": items}).to_string())
    })
    .await;
    let arn = "arn:aws:es:us-east-1:000000000000:domain/logs";
    let env = env().with_domains([(arn.to_string(), rx.url.clone())]);
    let desc = json!({"DomainARN": arn, "IndexName": "app", "IndexRotationPeriod": "OneHour", "TypeName": "_doc",
                      "DocumentIdOptions": {"DefaultDocumentIdFormat": "FIREHOSE_DEFAULT"}});
    let recs = vec![b"{\n \"a\": 1\n}".to_vec(), br#"{"a":"x"}"#.to_vec(), br#"{"a":3}"#.to_vec()];
    let e = destinations::deliver("AmazonOpenSearchService", &env, &desc, &ctx("b1"), &recs).await.unwrap_err();
    assert!(e.permanent, "a mapping error does not get better by retrying");
    assert_eq!(e.failed.len(), 1);
    assert_eq!((e.failed[0].index, e.failed[0].code.as_str()), (1, "400"));
    assert!(e.failed[0].message.contains("mapper_parsing_exception"));
    // A retry of the batch (same request id) sends the same ids: re-indexing, no duplicates.
    let _ = destinations::deliver("AmazonOpenSearchService", &env, &desc, &ctx("b1"), &recs).await;
    let seen = rx.seen();
    assert_eq!(seen[0].path, "/_bulk");
    assert_eq!(seen[0].header("content-type"), Some("application/x-ndjson"));
    let lines = bulk_lines(&seen[0].body);
    assert_eq!(lines.len(), 6);
    // first_arrival is 07:08:04 UTC.
    assert_eq!(lines[0], json!({"index": {"_index": "app-2026-03-05-07", "_type": "_doc", "_id": "b1-0"}}));
    assert_eq!(lines[1], json!({"a": 1}));
    assert_eq!(lines[4]["index"]["_id"], "b1-2");
    assert_eq!(seen[0].body, seen[1].body);
}

#[tokio::test]
async fn opensearch_without_ids_and_with_a_failing_cluster() {
    let rx = Receiver::start(|_, n| match n {
        0 => (200, json!({"errors": false, "items": [{"index": {"status": 201}}]}).to_string()),
        1 => (
            200,
            json!({"errors": true, "items": [{"index": {"status": 429, "error": {"type": "es_rejected"}}}]})
                .to_string(),
        ),
        _ => (503, "unavailable".into()),
    })
    .await;
    let desc = json!({"ClusterEndpoint": rx.url, "IndexName": "legacy", "IndexRotationPeriod": "NoRotation",
                      "DocumentIdOptions": {"DefaultDocumentIdFormat": "NO_DOCUMENT_ID"}});
    destinations::deliver("Elasticsearch", &env(), &desc, &ctx("x"), &records(1)).await.unwrap();
    let lines = bulk_lines(&rx.seen()[0].body);
    assert_eq!(lines[0], json!({"index": {"_index": "legacy"}}));
    let e = destinations::deliver("Elasticsearch", &env(), &desc, &ctx("x"), &records(1)).await.unwrap_err();
    assert!(!e.permanent, "throttled documents are retried");
    let e = destinations::deliver("Elasticsearch", &env(), &desc, &ctx("x"), &records(1)).await.unwrap_err();
    assert!(!e.permanent && e.failed.is_empty());
    assert_eq!(e.code, "ES.ServiceException");
    // A DomainARN that is not bound cannot be delivered to.
    let desc = json!({"DomainARN": "arn:aws:es:us-east-1:000000000000:domain/nope", "IndexName": "i"});
    let e = destinations::deliver("Elasticsearch", &env(), &desc, &ctx("x"), &records(1)).await.unwrap_err();
    assert!(e.permanent && e.message.contains("--opensearch-endpoint"), "{}", e.message);
}

// --------------------------------------------------------------------------- Redshift

async fn psql(pg: &Postgres, sql: &str) -> Vec<Vec<Option<String>>> {
    let (client, conn) = tokio_postgres::connect(&pg.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let msgs = client.simple_query(sql).await.unwrap();
    msgs.into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn redshift_copy_loads_json_csv_and_delimited_text_into_postgresql() {
    let Some(pg) = Postgres::start() else { return };
    psql(
        &pg,
        "CREATE TABLE events (id int, name text, tags text); CREATE SCHEMA s; CREATE TABLE s.csv (a text, b int)",
    )
    .await;
    let base = |table: &str, columns: &str, options: &str, password: &str| {
        json!({"ClusterJDBCURL": format!("jdbc:redshift://{}/postgres", pg.hostport), "Username": "kinesin",
               "Password": password,
               "CopyCommand": {"DataTableName": table, "DataTableColumns": columns, "CopyOptions": options}})
    };
    // JSON 'auto' with the table's own columns.
    let desc = base("events", "", "json 'auto'", "kinesin");
    let recs = vec![br#"{"id":1,"name":"a","tags":["x"]}"#.to_vec(), b"{\"id\":2}\n".to_vec()];
    destinations::deliver("Redshift", &env(), &desc, &ctx("r"), &recs).await.unwrap();
    // Default text format: pipe-delimited, \N as NULL, into chosen columns.
    let desc = base("events", "id,name", "", "kinesin");
    destinations::deliver("Redshift", &env(), &desc, &ctx("r"), &[b"3|c\n4|\\N\n".to_vec()]).await.unwrap();
    let rows = psql(&pg, "SELECT id::text, name, tags FROM events ORDER BY id").await;
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        rows,
        vec![
            vec![s("1"), s("a"), s(r#"["x"]"#)],
            vec![s("2"), None, None],
            vec![s("3"), s("c"), None],
            vec![s("4"), None, None]
        ]
    );
    // CSV with a header, into a schema-qualified table.
    let desc = base("s.csv", "a,b", "CSV IGNOREHEADER 1 GZIP", "kinesin");
    destinations::deliver("Redshift", &env(), &desc, &ctx("r"), &[b"a,b\n\"x,y\",5\n".to_vec()]).await.unwrap();
    assert_eq!(psql(&pg, "SELECT a, b::text FROM s.csv").await, vec![vec![s("x,y"), s("5")]]);
    // Failures: a wrong password and bad data are retried; unsupported options are not.
    let e = destinations::deliver("Redshift", &env(), &base("events", "", "", "wrong-pw"), &ctx("r"), &recs)
        .await
        .unwrap_err();
    assert_eq!((e.code.as_str(), e.permanent), ("Redshift.ConnectionFailed", false));
    let e = destinations::deliver(
        "Redshift",
        &env(),
        &base("events", "id", "", "kinesin"),
        &ctx("r"),
        &[b"abc\n".to_vec()],
    )
    .await
    .unwrap_err();
    assert!(!e.permanent && e.message.contains("invalid input syntax"), "{}", e.message);
    let e = destinations::deliver("Redshift", &env(), &base("missing", "", "json 'auto'", "kinesin"), &ctx("r"), &recs)
        .await
        .unwrap_err();
    assert_eq!(e.code, "Redshift.TableNotFound");
    let e = destinations::deliver(
        "Redshift",
        &env(),
        &base("events", "", "FORMAT AS PARQUET", "kinesin"),
        &ctx("r"),
        &recs,
    )
    .await
    .unwrap_err();
    assert!(e.permanent);
    assert_eq!(psql(&pg, "SELECT count(*)::text FROM events").await, vec![vec![s("4")]]);
}
