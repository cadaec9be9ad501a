//! A KinesisStreamAsSource delivery stream through aws-sdk-firehose, aws-sdk-kinesis and
//! aws-sdk-s3, against the binary: the description, records from LATEST into S3, KPL
//! de-aggregation, and the refused PutRecord.

mod common;

use aws_sdk_firehose::primitives::Blob;
use aws_sdk_firehose::types::{
    BufferingHints, DeliveryStreamType, ExtendedS3DestinationConfiguration, KinesisStreamSourceConfiguration, Record,
};
use common::{api_err, client, create_stream, firehose, s3, Server};
use md5::{Digest, Md5};
use std::time::{Duration, Instant};

const ROLE: &str = "arn:aws:iam::000000000000:role/firehose";
const STREAM_ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/rust-src";

/// The concatenated bodies of every object in `bucket`.
async fn delivered(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<u8> {
    let list = s3.list_objects_v2().bucket(bucket).send().await.expect("list");
    let mut out = Vec::new();
    for o in list.contents() {
        let resp = s3.get_object().bucket(bucket).key(o.key().expect("key")).send().await.expect("get");
        out.extend(resp.body.collect().await.expect("body").into_bytes());
    }
    out
}

/// A KPL aggregated record with one partition key: magic, protobuf, MD5 of the protobuf.
fn kpl(partition_key: &str, records: &[&[u8]]) -> Vec<u8> {
    fn bytes_field(out: &mut Vec<u8>, field: u8, b: &[u8]) {
        out.push(field << 3 | 2);
        assert!(b.len() < 128, "one-byte lengths only");
        out.push(b.len() as u8);
        out.extend_from_slice(b);
    }
    let mut msg = Vec::new();
    bytes_field(&mut msg, 1, partition_key.as_bytes());
    for r in records {
        let mut rec = vec![1 << 3, 0]; // partition_key_index = 0
        bytes_field(&mut rec, 3, r);
        bytes_field(&mut msg, 3, &rec);
    }
    let mut out = vec![0xF3, 0x89, 0x9A, 0xC2];
    out.extend_from_slice(&msg);
    out.extend_from_slice(&Md5::digest(&msg));
    out
}

#[tokio::test]
async fn source_stream_records_reach_s3_and_puts_are_refused() {
    let server = Server::with_args(&["--firehose-interval-override-secs", "1"]);
    let (fh, s3, kinesis) = (firehose(&server), s3(&server), client(&server));
    s3.create_bucket().bucket("from-kinesis").send().await.expect("create bucket");
    create_stream(&kinesis, "rust-src", 2).await;
    let put = |data: Vec<u8>, key: &'static str| {
        let kinesis = kinesis.clone();
        async move {
            kinesis
                .put_record()
                .stream_name("rust-src")
                .partition_key(key)
                .data(aws_sdk_kinesis::primitives::Blob::new(data))
                .send()
                .await
                .expect("put")
        }
    };
    put(b"before|".to_vec(), "a").await;

    let dest = ExtendedS3DestinationConfiguration::builder()
        .role_arn(ROLE)
        .bucket_arn("arn:aws:s3:::from-kinesis")
        .buffering_hints(BufferingHints::builder().size_in_mbs(1).interval_in_seconds(60).build())
        .build()
        .expect("destination");
    let source = KinesisStreamSourceConfiguration::builder()
        .kinesis_stream_arn(STREAM_ARN)
        .role_arn(ROLE)
        .build()
        .expect("source");
    fh.create_delivery_stream()
        .delivery_stream_name("rust-src-fh")
        .delivery_stream_type(DeliveryStreamType::KinesisStreamAsSource)
        .kinesis_stream_source_configuration(source)
        .extended_s3_destination_configuration(dest)
        .send()
        .await
        .expect("create");
    let desc = fh.describe_delivery_stream().delivery_stream_name("rust-src-fh").send().await.expect("describe");
    let desc = desc.delivery_stream_description().expect("description");
    assert_eq!(desc.delivery_stream_type(), &DeliveryStreamType::KinesisStreamAsSource);
    let src = desc.source().and_then(|s| s.kinesis_stream_source_description()).expect("source description");
    assert_eq!((src.kinesis_stream_arn(), src.role_arn()), (Some(STREAM_ARN), Some(ROLE)));
    let started = src.delivery_start_timestamp().expect("DeliveryStartTimestamp").secs();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    assert!((now - started).abs() < 60, "DeliveryStartTimestamp {started}, now {now}");

    let e = api_err(
        fh.put_record()
            .delivery_stream_name("rust-src-fh")
            .record(Record::builder().data(Blob::new("x")).build().expect("record"))
            .send()
            .await,
    );
    assert_eq!(e.code, "InvalidArgumentException");
    assert_eq!(e.message, "This operation is not permitted on KinesisStreamAsSource delivery stream type.");

    put(b"one|".to_vec(), "a").await;
    put(kpl("b", &[b"two|", b"three|"]), "outer").await;
    put(b"four|".to_vec(), "a").await;
    let want = b"one|two|three|four|".len();
    let deadline = Instant::now() + Duration::from_secs(30);
    let got = loop {
        let got = delivered(&s3, "from-kinesis").await;
        if got.len() >= want {
            break got;
        }
        assert!(Instant::now() < deadline, "only {} of {want} bytes delivered", got.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // Each record once ("before" was put before the delivery stream existed), in order per
    // partition key: "one" before "four" (key a), "two" before "three" (KPL user records).
    let parts: Vec<&[u8]> = got.split(|b| *b == b'|').filter(|p| !p.is_empty()).collect();
    assert_eq!(parts.len(), 4, "{parts:?}");
    let at = |p: &[u8]| parts.iter().position(|x| *x == p).unwrap_or_else(|| panic!("{p:?} missing: {parts:?}"));
    assert!(at(b"one") < at(b"four") && at(b"two") < at(b"three"), "{parts:?}");
}
