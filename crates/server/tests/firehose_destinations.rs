//! A Firehose HTTP endpoint destination through aws-sdk-firehose: described without its
//! access key, with AWS's defaults; records delivered to a local receiver with AWS's
//! headers and body, the receiver's 200 naming the same request id.

mod common;

use aws_sdk_firehose::primitives::Blob;
use aws_sdk_firehose::types::{
    HttpEndpointConfiguration, HttpEndpointDestinationConfiguration, HttpEndpointS3BackupMode, Record,
    S3DestinationConfiguration,
};
use bytes::Bytes;
use common::Server;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// (headers, body) of each request the receiver got.
type Seen = Arc<Mutex<Vec<(hyper::HeaderMap, Vec<u8>)>>>;

/// An HTTP endpoint on 127.0.0.1 answering AWS's success response.
async fn receiver() -> (String, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/in", listener.local_addr().expect("addr"));
    let seen: Seen = Arc::default();
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let log = log.clone();
                    async move {
                        let headers = req.headers().clone();
                        let id = headers.get("x-amz-firehose-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                        let answer = serde_json::json!({"requestId": id, "timestamp": 0}).to_string();
                        let body = req.into_body().collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
                        log.lock().expect("lock").push((headers, body));
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from(answer))))
                    }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn http_endpoint_destination() {
    let (url, seen) = receiver().await;
    let server = Server::with_args(&["--firehose-interval-override-secs", "1"]);
    let fh = common::firehose(&server);
    let dest = HttpEndpointDestinationConfiguration::builder()
        .endpoint_configuration(
            HttpEndpointConfiguration::builder().url(&url).name("local").access_key("k-1").build().expect("endpoint"),
        )
        .s3_configuration(
            S3DestinationConfiguration::builder()
                .role_arn("arn:aws:iam::000000000000:role/firehose")
                .bucket_arn("arn:aws:s3:::backup")
                .build()
                .expect("s3"),
        )
        .build();
    let arn = fh
        .create_delivery_stream()
        .delivery_stream_name("to-http")
        .http_endpoint_destination_configuration(dest)
        .send()
        .await
        .expect("create")
        .delivery_stream_arn
        .expect("arn");
    let described = fh.describe_delivery_stream().delivery_stream_name("to-http").send().await.expect("describe");
    let d = described.delivery_stream_description().expect("description").destinations()[0]
        .http_endpoint_destination_description()
        .expect("http endpoint description")
        .clone();
    let endpoint = d.endpoint_configuration().expect("endpoint");
    assert_eq!((endpoint.url(), endpoint.name()), (Some(url.as_str()), Some("local")));
    let hints = d.buffering_hints().expect("hints");
    assert_eq!((hints.size_in_mbs(), hints.interval_in_seconds()), (Some(5), Some(300)));
    assert_eq!(d.retry_options().and_then(|r| r.duration_in_seconds()), Some(300));
    assert_eq!(d.s3_backup_mode(), Some(&HttpEndpointS3BackupMode::FailedDataOnly));
    fh.put_record_batch()
        .delivery_stream_name("to-http")
        .records(Record::builder().data(Blob::new(&b"one"[..])).build().expect("record"))
        .records(Record::builder().data(Blob::new(&b"two"[..])).build().expect("record"))
        .send()
        .await
        .expect("put");
    let deadline = Instant::now() + Duration::from_secs(30);
    let (headers, body) = loop {
        if let Some(first) = seen.lock().expect("lock").first().cloned() {
            break first;
        }
        assert!(Instant::now() < deadline, "nothing delivered in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(h("x-amz-firehose-protocol-version"), "1.0");
    assert_eq!(h("x-amz-firehose-access-key"), "k-1");
    assert_eq!(h("x-amz-firehose-source-arn"), arn);
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json body");
    assert_eq!(body["requestId"], h("x-amz-firehose-request-id"));
    assert_eq!(body["records"], serde_json::json!([{"data": "b25l"}, {"data": "dHdv"}]));
}
