use super::*;
use crate::model::kinesis;
use serde_json::json;

const ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/s1";
const CONSUMER_ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/s1/consumer/c1:1700000000";

/// A typical input of every operation of the model, as the JSON path would decode it.
fn typical_inputs() -> Vec<(&'static str, Value)> {
    vec![
        ("AddTagsToStream", json!({"StreamName": "s1", "Tags": {"team": "data", "env": ""}})),
        (
            "CreateStream",
            json!({"StreamName": "s1", "ShardCount": 2, "StreamModeDetails": {"StreamMode": "PROVISIONED"},
                   "Tags": {"a": "b"}}),
        ),
        ("DecreaseStreamRetentionPeriod", json!({"StreamName": "s1", "RetentionPeriodHours": 24})),
        ("DeleteResourcePolicy", json!({"ResourceARN": ARN})),
        ("DeleteStream", json!({"StreamName": "s1", "EnforceConsumerDeletion": true})),
        ("DeregisterStreamConsumer", json!({"StreamARN": ARN, "ConsumerName": "c1"})),
        ("DescribeAccountSettings", json!({})),
        ("DescribeLimits", json!({})),
        ("DescribeStream", json!({"StreamName": "s1", "Limit": 100, "ExclusiveStartShardId": "shardId-000000000000"})),
        ("DescribeStreamConsumer", json!({"ConsumerARN": CONSUMER_ARN})),
        ("DescribeStreamSummary", json!({"StreamARN": ARN})),
        ("DisableEnhancedMonitoring", json!({"StreamName": "s1", "ShardLevelMetrics": ["IncomingBytes"]})),
        ("EnableEnhancedMonitoring", json!({"StreamName": "s1", "ShardLevelMetrics": ["ALL"]})),
        ("GetRecords", json!({"ShardIterator": "AAAAAAAAAAFx".repeat(8), "Limit": 10000})),
        ("GetResourcePolicy", json!({"ResourceARN": ARN})),
        (
            "GetShardIterator",
            json!({"StreamName": "s1", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
                   "Timestamp": 1787036486.712}),
        ),
        ("IncreaseStreamRetentionPeriod", json!({"StreamName": "s1", "RetentionPeriodHours": 48})),
        (
            "ListShards",
            json!({"StreamName": "s1", "MaxResults": 1000,
                   "ShardFilter": {"Type": "FROM_TIMESTAMP", "Timestamp": 1700000000.5}}),
        ),
        ("ListStreamConsumers", json!({"StreamARN": ARN, "MaxResults": 5, "StreamCreationTimestamp": 1700000000.0})),
        ("ListStreams", json!({"Limit": 10, "ExclusiveStartStreamName": "a"})),
        ("ListTagsForResource", json!({"ResourceARN": ARN})),
        ("ListTagsForStream", json!({"StreamName": "s1", "Limit": 10})),
        (
            "MergeShards",
            json!({"StreamName": "s1", "ShardToMerge": "shardId-000000000000",
                   "AdjacentShardToMerge": "shardId-000000000001"}),
        ),
        (
            "PutRecord",
            json!({"StreamName": "s1", "Data": "aGVsbG8=", "PartitionKey": "pk", "ExplicitHashKey": "1",
                   "SequenceNumberForOrdering": "49590338271490256608559692538361571095921575989136588898"}),
        ),
        (
            "PutRecords",
            json!({"StreamName": "s1", "Records": [
                {"Data": "AAEC/w==", "PartitionKey": "a"},
                {"Data": "", "PartitionKey": "b", "ExplicitHashKey": "42"}]}),
        ),
        ("PutResourcePolicy", json!({"ResourceARN": ARN, "Policy": "{\"Version\":\"2012-10-17\"}"})),
        ("RegisterStreamConsumer", json!({"StreamARN": ARN, "ConsumerName": "c1", "Tags": {"k": "v"}})),
        ("RemoveTagsFromStream", json!({"StreamName": "s1", "TagKeys": ["team", "env"]})),
        (
            "SplitShard",
            json!({"StreamName": "s1", "ShardToSplit": "shardId-000000000000",
                   "NewStartingHashKey": "170141183460469231731687303715884105728"}),
        ),
        ("StartStreamEncryption", json!({"StreamName": "s1", "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"})),
        ("StopStreamEncryption", json!({"StreamName": "s1", "EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"})),
        (
            "SubscribeToShard",
            json!({"ConsumerARN": CONSUMER_ARN, "ShardId": "shardId-000000000000",
                   "StartingPosition": {"Type": "AT_TIMESTAMP", "Timestamp": 1700000000.25}}),
        ),
        ("TagResource", json!({"ResourceARN": ARN, "Tags": {"k": "v"}})),
        ("UntagResource", json!({"ResourceARN": ARN, "TagKeys": ["k"]})),
        ("UpdateAccountSettings", json!({"MinimumThroughputBillingCommitment": {"Status": "DISABLED"}})),
        ("UpdateMaxRecordSize", json!({"StreamARN": ARN, "MaxRecordSizeInKiB": 2048})),
        ("UpdateShardCount", json!({"StreamName": "s1", "TargetShardCount": 4, "ScalingType": "UNIFORM_SCALING"})),
        ("UpdateStreamMode", json!({"StreamARN": ARN, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}})),
        ("UpdateStreamWarmThroughput", json!({"StreamName": "s1", "WarmThroughputMiBps": 10})),
    ]
}

/// Parses with ciborium (an independent decoder) to check what we wrote.
fn parse(bytes: &[u8]) -> ciborium::Value {
    ciborium::de::from_reader(bytes).expect("valid CBOR")
}

fn get<'a>(v: &'a ciborium::Value, key: &str) -> &'a ciborium::Value {
    v.as_map()
        .expect("a map")
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key}"))
}

fn cbor(v: &ciborium::Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(v, &mut out).unwrap();
    out
}

fn text(s: &str) -> ciborium::Value {
    ciborium::Value::Text(s.into())
}

fn map(entries: Vec<(&str, ciborium::Value)>) -> ciborium::Value {
    ciborium::Value::Map(entries.into_iter().map(|(k, v)| (text(k), v)).collect())
}

fn tag1(v: ciborium::Value) -> ciborium::Value {
    ciborium::Value::Tag(1, Box::new(v))
}

#[test]
fn every_operation_has_a_typical_input_that_round_trips() {
    let model = kinesis();
    let inputs = typical_inputs();
    let mut ops: Vec<&str> = model.operations().collect();
    ops.sort_unstable();
    let mut covered: Vec<&str> = inputs.iter().map(|(op, _)| *op).collect();
    covered.sort_unstable();
    assert_eq!(ops, covered, "one typical input per model operation");

    for (op, doc) in &inputs {
        model.validate_input(op, &mut doc.clone()).unwrap_or_else(|e| panic!("{op}: typical input invalid: {e}"));
        let body = encode_input(model, op, doc);
        let back = decode_input(model, op, &body).unwrap_or_else(|e| panic!("{op}: {e}"));
        assert_eq!(&back, doc, "{op}");
        model.validate_input(op, &mut back.clone()).unwrap();
    }
}

#[test]
fn inputs_are_encoded_as_the_java_sdk_does() {
    let model = kinesis();
    let body = encode_input(model, "PutRecord", &json!({"StreamName": "s", "Data": "AAEC/w==", "PartitionKey": "p"}));
    let v = parse(&body);
    assert_eq!(get(&v, "Data").as_bytes().unwrap(), &vec![0u8, 1, 2, 255]);
    let body = encode_input(
        model,
        "GetShardIterator",
        &json!({"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
                "Timestamp": 1787036486.712}),
    );
    // The body captured from KinesisClient.getShardIterator: c1 1b 000001a013accc38.
    let ts = [0xc1, 0x1b, 0x00, 0x00, 0x01, 0xa0, 0x13, 0xac, 0xcc, 0x38];
    assert!(body.windows(ts.len()).any(|w| w == ts), "{body:02x?}");
}

#[test]
fn timestamps_in_every_epoch_form_are_seconds() {
    let model = kinesis();
    let forms = [
        tag1(ciborium::Value::Integer(1_700_000_000_123i64.into())), // Java SDK: tag 1 + millis
        ciborium::Value::Integer(1_700_000_000_123i64.into()),       // untagged millis
        tag1(ciborium::Value::Float(1_700_000_000_123.0)),           // float millis
        tag1(ciborium::Value::Float(1_700_000_000.123)),             // RFC 8949: float seconds
    ];
    for form in forms {
        let body = cbor(&map(vec![
            ("StreamName", text("s")),
            ("ShardId", text("shardId-000000000000")),
            ("ShardIteratorType", text("AT_TIMESTAMP")),
            ("Timestamp", form.clone()),
        ]));
        let doc = decode_input(model, "GetShardIterator", &body).unwrap();
        let secs = doc["Timestamp"].as_f64().unwrap();
        assert!((secs - 1_700_000_000.123).abs() < 1e-6, "{form:?} -> {secs}");
        model.validate_input("GetShardIterator", &mut doc.clone()).unwrap();
    }
    // Integer seconds (RFC 8949) too.
    let body = cbor(&map(vec![("StreamCreationTimestamp", tag1(ciborium::Value::Integer(1_700_000_000.into())))]));
    let doc = decode_input(model, "ListShards", &body).unwrap();
    assert_eq!(doc["StreamCreationTimestamp"].as_f64(), Some(1_700_000_000.0));
    // Tag 1 on text is not a timestamp.
    let body = cbor(&map(vec![("StreamCreationTimestamp", tag1(text("2023-11-14")))]));
    assert_eq!(decode_input(model, "ListShards", &body).unwrap_err().code, "SerializationException");
    // Untagged text passes through for the validator, as in JSON.
    let body = cbor(&map(vec![("StreamCreationTimestamp", text("yesterday"))]));
    let doc = decode_input(model, "ListShards", &body).unwrap();
    assert_eq!(model.validate_input("ListShards", &mut doc.clone()).unwrap_err().code, "SerializationException");
}

#[test]
fn output_timestamps_are_tag_1_integer_millis() {
    let model = kinesis();
    let out = json!({
        "Records": [{"SequenceNumber": "1", "ApproximateArrivalTimestamp": 1700000000.123,
                     "Data": "aGk=", "PartitionKey": "p"}],
        "NextShardIterator": "it", "MillisBehindLatest": 0
    });
    let v = parse(&encode_output(model, "GetRecords", &out));
    let rec = &get(&v, "Records").as_array().unwrap()[0];
    match get(rec, "ApproximateArrivalTimestamp") {
        ciborium::Value::Tag(1, inner) => {
            assert_eq!(inner.as_integer().map(i128::from), Some(1_700_000_000_123));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(get(rec, "Data").as_bytes().unwrap(), b"hi");
    assert_eq!(get(rec, "PartitionKey").as_text(), Some("p"));
    assert_eq!(get(&v, "MillisBehindLatest").as_integer().map(i128::from), Some(0));

    let summary = json!({"StreamDescriptionSummary": {
        "StreamName": "s", "StreamARN": ARN, "StreamStatus": "ACTIVE", "RetentionPeriodHours": 24,
        "StreamCreationTimestamp": 1700000000.0, "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
        "EncryptionType": "NONE", "OpenShardCount": 1, "KeyId": null}});
    let v = parse(&encode_output(model, "DescribeStreamSummary", &summary));
    let d = get(&v, "StreamDescriptionSummary");
    assert_eq!(get(d, "StreamCreationTimestamp"), &tag1(ciborium::Value::Integer(1_700_000_000_000i64.into())));
    assert!(d.as_map().unwrap().iter().all(|(k, _)| k.as_text() != Some("KeyId")), "nulls are left out");
}

#[test]
fn outputs_decode_back_to_the_same_document() {
    let model = kinesis();
    let outputs = [
        ("PutRecord", json!({"ShardId": "shardId-000000000000", "SequenceNumber": "4959", "EncryptionType": "NONE"})),
        (
            "PutRecords",
            json!({"FailedRecordCount": 1, "Records": [
                {"ShardId": "shardId-000000000000", "SequenceNumber": "1"},
                {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"}]}),
        ),
        (
            "ListShards",
            json!({"Shards": [{"ShardId": "shardId-000000000000",
                   "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "340282366920938463463374607431768211455"},
                   "SequenceNumberRange": {"StartingSequenceNumber": "1"}}]}),
        ),
        ("ListTagsForStream", json!({"Tags": [{"Key": "k", "Value": "v"}], "HasMoreTags": false})),
        (
            "DescribeLimits",
            json!({"ShardLimit": 500, "OpenShardCount": 1, "OnDemandStreamCount": 0,
                                  "OnDemandStreamCountLimit": 50}),
        ),
    ];
    for (op, out) in outputs {
        let body = encode_output(model, op, &out);
        // Decoding walks the input shape; outputs here hold no blobs or timestamps.
        let back = decode_input(&Model::from_json(r#"{"shapes":{}}"#).unwrap(), op, &body).unwrap();
        assert_eq!(back, out, "{op}");
    }
    assert_eq!(encode_output(model, "DeleteStream", &Value::Null), vec![0xa0]);
}

#[test]
fn blobs_are_byte_strings_both_ways() {
    let model = kinesis();
    let data: Vec<u8> = (0..=255u8).collect();
    let body = cbor(&map(vec![
        ("StreamName", text("s")),
        ("Data", ciborium::Value::Bytes(data.clone())),
        ("PartitionKey", text("p")),
    ]));
    let doc = decode_input(model, "PutRecord", &body).unwrap();
    assert_eq!(aws_smithy_types::base64::decode(doc["Data"].as_str().unwrap()).unwrap(), data);
    model.validate_input("PutRecord", &mut doc.clone()).unwrap();
    // Base64 text where a blob is expected is kept as text (as JSON would carry it).
    let body = cbor(&map(vec![("Data", text("aGk=")), ("PartitionKey", text("p"))]));
    assert_eq!(decode_input(model, "PutRecord", &body).unwrap()["Data"], "aGk=");
    // A byte string where a string is expected is a type error.
    let body = cbor(&map(vec![("StreamName", ciborium::Value::Bytes(b"s".to_vec()))]));
    assert_eq!(decode_input(model, "DescribeStream", &body).unwrap_err().code, "SerializationException");
    // Unknown members are kept, whatever they hold.
    let body = cbor(&map(vec![("Extra", ciborium::Value::Bytes(vec![1])), ("StreamName", text("s"))]));
    assert_eq!(decode_input(model, "DescribeStream", &body).unwrap()["Extra"], "AQ==");
}

#[test]
fn indefinite_lengths_are_read() {
    let model = kinesis();
    // {_ "StreamName": (_ "s", "1"), "Records": [_ {_ "Data": (_ h'01', h'0203'), "PartitionKey": "p"}]}
    let mut b = vec![0xbf];
    b.extend([0x6a]);
    b.extend(b"StreamName");
    b.extend([0x7f, 0x61, b's', 0x61, b'1', 0xff]);
    b.extend([0x67]);
    b.extend(b"Records");
    b.extend([0x9f, 0xbf, 0x64]);
    b.extend(b"Data");
    b.extend([0x5f, 0x41, 0x01, 0x42, 0x02, 0x03, 0xff, 0x6c]);
    b.extend(b"PartitionKey");
    b.extend([0x61, b'p', 0xff, 0xff, 0xff]);
    let doc = decode_input(model, "PutRecords", &b).unwrap();
    assert_eq!(doc, json!({"StreamName": "s1", "Records": [{"Data": "AQID", "PartitionKey": "p"}]}));
    model.validate_input("PutRecords", &mut doc.clone()).unwrap();
    // Chunked text is UTF-8 checked, including a character split across chunks.
    let b =
        [0xa1, 0x6a, b'S', b't', b'r', b'e', b'a', b'm', b'N', b'a', b'm', b'e', 0x7f, 0x61, 0xc3, 0x61, 0xa9, 0xff];
    assert_eq!(decode_input(model, "DescribeStream", &b).unwrap_err().code, "SerializationException");
}

#[test]
fn scalars_map_to_json() {
    let model = kinesis();
    let body = cbor(&map(vec![
        ("StreamName", text("s")),
        ("Limit", ciborium::Value::Integer(7.into())),
        ("Neg", ciborium::Value::Integer((-5).into())),
        ("F", ciborium::Value::Float(1.5)),
        ("T", ciborium::Value::Bool(true)),
        ("N", ciborium::Value::Null),
        ("Tagged", ciborium::Value::Tag(55799, Box::new(text("x")))),
    ]));
    let doc = decode_input(model, "DescribeStream", &body).unwrap();
    assert_eq!(doc, json!({"StreamName": "s", "Limit": 7, "Neg": -5, "F": 1.5, "T": true, "N": null, "Tagged": "x"}));
    // Most negative CBOR integer, half floats, undefined.
    let b = [
        0xa3, 0x61, b'a', 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x61, b'b', 0xf9, 0x3c, 0x00, 0x61,
        b'c', 0xf7,
    ];
    let doc = decode_input(model, "DescribeStream", &b).unwrap();
    assert_eq!(doc["a"].as_f64(), Some(-18446744073709551616.0));
    assert_eq!(doc["b"].as_f64(), Some(1.0));
    assert!(doc["c"].is_null());
    // NaN and infinities have no JSON form.
    for f in [f64::NAN, f64::INFINITY] {
        let body = cbor(&map(vec![("Limit", ciborium::Value::Float(f))]));
        assert_eq!(decode_input(model, "DescribeStream", &body).unwrap_err().code, "SerializationException");
    }
}

#[test]
fn bad_bodies_are_serialization_errors() {
    let model = kinesis();
    let cases: &[&[u8]] = &[
        &[0x80],                                                                   // top level is an array
        &[0x61, b'x'],                                                             // top level is text
        &[0xf6],                                                                   // top level is null
        &[0xa1, 0x01, 0x02],                                                       // integer key
        &[0xa0, 0x00],                                                             // trailing data
        &[0xff],                                                                   // lone break
        &[0xa1, 0x61, b'a', 0xff],                                                 // break as a value
        &[0xa1, 0x61, b'a', 0x1c],                                                 // reserved additional information
        &[0xa1, 0x61, b'a', 0xf0],                                                 // unassigned simple value
        &[0xa1, 0x61, b'a', 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // huge byte string
        &[0xa1, 0x61, b'a', 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // huge array
        &[0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],                   // huge map
        &[0xa1, 0x62, 0xff, 0xfe, 0x00],                                           // invalid UTF-8 key
        &[0xa1, 0x61, b'a', 0x5f, 0x61, b'x', 0xff],                               // text chunk inside a byte string
    ];
    for body in cases {
        let e = decode_input(model, "DescribeStream", body).unwrap_err();
        assert_eq!(e.code, "SerializationException", "{body:02x?}");
        assert_eq!(e.status, 400);
    }
    // A list where a structure is expected: decoded as it comes, rejected by the validator.
    let body = cbor(&map(vec![("StreamModeDetails", ciborium::Value::Array(vec![])), ("StreamName", text("s"))]));
    let doc = decode_input(model, "CreateStream", &body).unwrap();
    assert_eq!(model.validate_input("CreateStream", &mut doc.clone()).unwrap_err().code, "SerializationException");
}

#[test]
fn nesting_is_limited() {
    let model = kinesis();
    for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 100_000] {
        let mut b = vec![0xa1, 0x61, b'x'];
        b.extend(vec![0x81; depth]);
        b.push(0x00);
        let r = decode_input(model, "DescribeStream", &b);
        if depth < MAX_DEPTH {
            assert!(r.is_ok(), "{depth}: {r:?}");
        } else {
            assert_eq!(r.unwrap_err().code, "SerializationException", "{depth}");
        }
    }
    // Long chains of tags do not recurse.
    let mut b = vec![0xa1, 0x61, b'x'];
    b.extend([0xd8, 0x20].repeat(100_000));
    b.push(0x00);
    assert_eq!(decode_input(model, "DescribeStream", &b).unwrap()["x"], 0);
}

#[test]
fn truncated_bodies_fail_cleanly_at_every_length() {
    let model = kinesis();
    let records: Vec<Value> = (0..5)
        .map(|i| json!({"Data": aws_smithy_types::base64::encode(vec![i as u8; 40]), "PartitionKey": format!("k{i}")}))
        .collect();
    let mut bodies = vec![encode_input(model, "PutRecords", &json!({"StreamName": "s", "Records": records}))];
    for (op, doc) in typical_inputs() {
        bodies.push(encode_input(kinesis(), op, &doc));
    }
    for body in &bodies {
        for n in 1..body.len() {
            let e = decode_input(model, "PutRecords", &body[..n]).unwrap_err();
            assert_eq!(e.code, "SerializationException");
        }
        assert!(decode_input(model, "PutRecords", body).is_ok());
    }
}

#[test]
fn random_and_mutated_bytes_never_panic() {
    let model = kinesis();
    let mut rng = fastrand::Rng::with_seed(0x6b696e6573696e);
    let seeds: Vec<(&str, Vec<u8>)> =
        typical_inputs().iter().map(|(op, doc)| (*op, encode_input(model, op, doc))).collect();
    for _ in 0..20_000 {
        let len = rng.usize(0..64);
        let body: Vec<u8> = (0..len).map(|_| rng.u8(..)).collect();
        let _ = decode_input(model, "PutRecords", &body);
    }
    for _ in 0..20_000 {
        let (op, seed) = &seeds[rng.usize(..seeds.len())];
        let mut body = seed.clone();
        for _ in 0..rng.usize(1..4) {
            if body.is_empty() {
                break;
            }
            let i = rng.usize(..body.len());
            match rng.u8(0..3) {
                0 => body[i] = rng.u8(..),
                1 => {
                    body.remove(i);
                }
                _ => body.insert(i, rng.u8(..)),
            }
        }
        if let Ok(doc) = decode_input(model, op, &body) {
            let _ = model.validate_input(op, &mut doc.clone());
            let _ = encode_output(model, op, &doc);
        }
    }
}

#[test]
fn errors_are_a_map_of_type_and_message() {
    let e = ApiError::new("ResourceNotFoundException", "Stream s under account 000000000000 not found.");
    let v = parse(&encode_error(&e));
    assert_eq!(v.as_map().unwrap().len(), 2);
    assert_eq!(get(&v, "__type").as_text(), Some("ResourceNotFoundException"));
    assert_eq!(get(&v, "message").as_text(), Some("Stream s under account 000000000000 not found."));
}

#[test]
fn recognises_the_content_type() {
    assert!(is_cbor(CBOR_11));
    assert!(is_cbor("Application/X-Amz-Cbor-1.1; charset=utf-8"));
    assert!(!is_cbor("application/x-amz-json-1.1"));
    assert!(!is_cbor("application/x-amz-cb"));
    assert!(!is_cbor(""));
    assert!(!is_cbor("é"));
}

#[test]
fn empty_body_is_an_empty_structure() {
    assert_eq!(decode_input(kinesis(), "ListStreams", b"").unwrap(), json!({}));
    assert_eq!(decode_input(kinesis(), "ListStreams", &[0xa0]).unwrap(), json!({}));
    assert_eq!(decode_input(kinesis(), "ListStreams", &[0xbf, 0xff]).unwrap(), json!({}));
}
