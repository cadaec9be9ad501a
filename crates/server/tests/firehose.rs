//! Firehose and the S3 surface through aws-sdk-firehose and aws-sdk-s3, against the binary.

mod common;

use aws_sdk_firehose::primitives::Blob;
use aws_sdk_firehose::types::{BufferingHints, CompressionFormat, ExtendedS3DestinationConfiguration, Record};
use common::{api_err, firehose, s3, Server};
use std::io::Read;
use std::time::{Duration, Instant};

async fn keys(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let resp =
            s3.list_objects_v2().bucket(bucket).max_keys(1).set_continuation_token(token).send().await.expect("list");
        out.extend(resp.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
        if !resp.is_truncated().unwrap_or(false) {
            return out;
        }
        token = resp.next_continuation_token().map(str::to_owned);
    }
}

async fn body(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<u8> {
    let resp = s3.get_object().bucket(bucket).key(key).send().await.expect("get");
    resp.body.collect().await.expect("body").into_bytes().to_vec()
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data).read_to_end(&mut out).expect("gzip");
    out
}

#[tokio::test]
async fn delivers_gzip_objects_readable_with_the_s3_sdk() {
    let server = Server::with_args(&["--firehose-interval-override-secs", "1"]);
    let (fh, s3) = (firehose(&server), s3(&server));
    s3.create_bucket().bucket("deliveries").send().await.expect("create bucket");
    s3.head_bucket().bucket("deliveries").send().await.expect("head bucket");
    let dest = ExtendedS3DestinationConfiguration::builder()
        .role_arn("arn:aws:iam::000000000000:role/firehose")
        .bucket_arn("arn:aws:s3:::deliveries")
        .prefix("logs/")
        .compression_format(CompressionFormat::Gzip)
        .buffering_hints(BufferingHints::builder().size_in_mbs(64).interval_in_seconds(120).build())
        .build()
        .expect("config");
    let arn = fh
        .create_delivery_stream()
        .delivery_stream_name("rust-fh")
        .extended_s3_destination_configuration(dest)
        .send()
        .await
        .expect("create")
        .delivery_stream_arn;
    assert_eq!(arn.as_deref(), Some("arn:aws:firehose:us-east-1:000000000000:deliverystream/rust-fh"));
    let desc = fh.describe_delivery_stream().delivery_stream_name("rust-fh").send().await.expect("describe");
    let d = desc.delivery_stream_description().expect("description");
    assert_eq!(d.version_id(), "1");
    let ext = d.destinations()[0].extended_s3_destination_description().expect("extended s3");
    assert_eq!(ext.buffering_hints().and_then(|h| h.size_in_mbs()), Some(64));

    let records: Vec<Vec<u8>> = (0..1000).map(|i| format!("{{\"n\":{i}}}\n").into_bytes()).collect();
    for chunk in records.chunks(500) {
        let out = fh
            .put_record_batch()
            .delivery_stream_name("rust-fh")
            .set_records(Some(
                chunk.iter().map(|r| Record::builder().data(Blob::new(r.clone())).build().expect("record")).collect(),
            ))
            .send()
            .await
            .expect("put batch");
        assert_eq!(out.failed_put_count(), 0);
        assert_eq!(out.request_responses().len(), 500);
    }
    let single = fh
        .put_record()
        .delivery_stream_name("rust-fh")
        .record(Record::builder().data(Blob::new(b"last\n".to_vec())).build().expect("record"))
        .send()
        .await
        .expect("put record");
    assert!(!single.record_id().is_empty());

    let want: Vec<u8> = records.concat().into_iter().chain(b"last\n".iter().copied()).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let got = loop {
        let ks = keys(&s3, "deliveries").await;
        let mut all = Vec::new();
        for k in &ks {
            all.extend(gunzip(&body(&s3, "deliveries", k).await));
        }
        if all.len() >= want.len() {
            for k in &ks {
                assert!(k.starts_with("logs/") && k.contains("/rust-fh-1-") && k.ends_with(".gz"), "{k}");
            }
            break all;
        }
        assert!(Instant::now() < deadline, "not delivered in time: {ks:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(got, want);

    // ConcurrentModificationException with AWS's wording.
    let stale = fh
        .update_destination()
        .delivery_stream_name("rust-fh")
        .current_delivery_stream_version_id("7")
        .destination_id("destinationId-000000000001")
        .send()
        .await;
    let e = api_err(stale);
    assert_eq!(e.code, "ConcurrentModificationException");
    assert!(e.message.contains("current version id: 1 and specified version id: 7"), "{}", e.message);
}

#[tokio::test]
async fn s3_objects_round_trip_with_ranges_and_errors() {
    let server = Server::start();
    let s3 = s3(&server);
    s3.create_bucket().bucket("plain").send().await.expect("create bucket");
    s3.put_object()
        .bucket("plain")
        .key("dir/a b.txt")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"0123456789"))
        .send()
        .await
        .expect("put");
    assert_eq!(body(&s3, "plain", "dir/a b.txt").await, b"0123456789");
    let part = s3.get_object().bucket("plain").key("dir/a b.txt").range("bytes=2-4").send().await.expect("range");
    assert_eq!(part.content_range(), Some("bytes 2-4/10"));
    assert_eq!(part.body.collect().await.expect("body").into_bytes().as_ref(), b"234");
    let head = s3.head_object().bucket("plain").key("dir/a b.txt").send().await.expect("head");
    assert_eq!(head.content_length(), Some(10));
    let listed = s3.list_objects_v2().bucket("plain").delimiter("/").send().await.expect("list");
    assert_eq!(listed.common_prefixes()[0].prefix(), Some("dir/"));

    let missing = s3.get_object().bucket("plain").key("nope").send().await;
    let code = missing.expect_err("missing key").into_service_error();
    assert!(code.is_no_such_key(), "{code:?}");
    let no_bucket = s3.list_objects_v2().bucket("nobucket").send().await;
    assert!(no_bucket.expect_err("missing bucket").into_service_error().is_no_such_bucket());
    let not_empty = s3.delete_bucket().bucket("plain").send().await;
    assert!(not_empty.is_err());
    s3.delete_object().bucket("plain").key("dir/a b.txt").send().await.expect("delete");
    s3.delete_bucket().bucket("plain").send().await.expect("delete bucket");
    assert!(s3.list_buckets().send().await.expect("list buckets").buckets().is_empty());
}

/// A MetadataExtractionQuery that allocates without bound (here only for records that ask
/// for it) fails those records alone, in the jq worker process: the server stays up, the other
/// records of the batch and later batches are delivered.
#[tokio::test]
async fn a_query_that_exhausts_memory_fails_its_records_only() {
    use aws_sdk_firehose::types::{DynamicPartitioningConfiguration, ProcessingConfiguration, Processor};
    use aws_sdk_firehose::types::{ProcessorParameter, ProcessorParameterName, ProcessorType};
    let server = Server::with_args(&["--firehose-interval-override-secs", "1"]);
    let (fh, s3) = (firehose(&server), s3(&server));
    s3.create_bucket().bucket("bombs").send().await.expect("create bucket");
    let query = r#"{k: (if .double then (reduce range(40) as $i ("x"; . + .) | length)
        elif .big then ("x" * 2000000000 | length) else .k end)}"#;
    let param = |name, value: &str| {
        ProcessorParameter::builder().parameter_name(name).parameter_value(value).build().expect("parameter")
    };
    let extraction = Processor::builder()
        .r#type(ProcessorType::MetadataExtraction)
        .parameters(param(ProcessorParameterName::MetadataExtractionQuery, query))
        .parameters(param(ProcessorParameterName::JsonParsingEngine, "JQ-1.6"))
        .build()
        .expect("processor");
    let dest = ExtendedS3DestinationConfiguration::builder()
        .role_arn("arn:aws:iam::000000000000:role/firehose")
        .bucket_arn("arn:aws:s3:::bombs")
        .prefix("k=!{partitionKeyFromQuery:k}/")
        .error_output_prefix("errors/!{firehose:error-output-type}/")
        .dynamic_partitioning_configuration(DynamicPartitioningConfiguration::builder().enabled(true).build())
        .processing_configuration(ProcessingConfiguration::builder().enabled(true).processors(extraction).build())
        .build()
        .expect("config");
    let name = "bombs";
    fh.create_delivery_stream()
        .delivery_stream_name(name)
        .extended_s3_destination_configuration(dest)
        .send()
        .await
        .expect("create");
    let put = |data: &'static [&'static [u8]]| {
        let records = data.iter().map(|d| Record::builder().data(Blob::new(d.to_vec())).build().expect("record"));
        fh.put_record_batch().delivery_stream_name(name).set_records(Some(records.collect())).send()
    };
    let first: &[&[u8]] = &[br#"{"k":"a"}"#, br#"{"double":1}"#, br#"{"k":"a"}"#, br#"{"big":1}"#, br#"{"k":"b"}"#];
    assert_eq!(put(first).await.expect("put").failed_put_count(), 0);
    let delivered = |ks: &[String]| {
        let (a, b) = (ks.iter().any(|k| k.starts_with("k=a/")), ks.iter().any(|k| k.starts_with("k=b/")));
        a && b && ks.iter().any(|k| k.starts_with("errors/"))
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let ks = loop {
        let ks = keys(&s3, "bombs").await;
        if delivered(&ks) {
            break ks;
        }
        assert!(Instant::now() < deadline, "not delivered in time: {ks:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let a = ks.iter().find(|k| k.starts_with("k=a/")).expect("k=a");
    assert_eq!(body(&s3, "bombs", a).await, br#"{"k":"a"}{"k":"a"}"#);
    let mut errors = Vec::new();
    for k in ks.iter().filter(|k| k.starts_with("errors/metadata-extraction-failed/")) {
        let text = String::from_utf8(body(&s3, "bombs", k).await).expect("utf-8");
        errors.extend(text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).expect("error record")));
    }
    assert_eq!(errors.len(), 2, "{errors:?}");
    for e in &errors {
        assert_eq!(e["errorCode"], "DynamicPartitioning.MetadataExtractionFailed");
        assert_eq!(e["errorMessage"], "jq query exceeded its evaluation limit (memory)");
    }
    // A later batch goes through a new worker.
    let second: &[&[u8]] = &[br#"{"k":"c"}"#];
    assert_eq!(put(second).await.expect("put").failed_put_count(), 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !keys(&s3, "bombs").await.iter().any(|k| k.starts_with("k=c/")) {
        assert!(Instant::now() < deadline, "the later batch was not delivered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
