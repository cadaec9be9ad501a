//! A Firehose Lambda-style transform bound with `--lambda` to a local command, through
//! aws-sdk-firehose and aws-sdk-s3: transformed records delivered, failed ones under the
//! error output prefix as AWS's error records.

mod common;

use aws_sdk_firehose::primitives::Blob;
use aws_sdk_firehose::types::{
    BufferingHints, ExtendedS3DestinationConfiguration, ProcessingConfiguration, Processor, ProcessorParameter,
    ProcessorParameterName, ProcessorType, Record,
};
use common::Server;
use std::time::{Duration, Instant};

const FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:shout";

const SCRIPT: &str = r#"
import base64, json, sys
event = json.load(sys.stdin)
out = []
for r in event["records"]:
    d = base64.b64decode(r["data"])
    result = "ProcessingFailed" if d.startswith(b"bad") else "Ok"
    out.append({"recordId": r["recordId"], "result": result, "data": base64.b64encode(d.upper() + b"!").decode()})
json.dump({"records": out}, sys.stdout)
"#;

fn clients(server: &Server) -> (aws_sdk_firehose::Client, aws_sdk_s3::Client) {
    (common::firehose(server), common::s3(server))
}

fn param(name: ProcessorParameterName, value: &str) -> ProcessorParameter {
    ProcessorParameter::builder().parameter_name(name).parameter_value(value).build().expect("parameter")
}

#[tokio::test]
async fn transform_command_and_error_output() {
    let dir = std::env::temp_dir().join(format!("kinesin-transform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("shout.py");
    std::fs::write(&script, SCRIPT).expect("script");
    let binding = format!("{FN}=python3 {}", script.display());
    let server = Server::with_args(&["--firehose-interval-override-secs", "1", "--lambda", &binding]);
    let (fh, s3) = clients(&server);
    s3.create_bucket().bucket("shouts").send().await.expect("create bucket");
    let processing = ProcessingConfiguration::builder()
        .enabled(true)
        .processors(
            Processor::builder()
                .r#type(ProcessorType::Lambda)
                .parameters(param(ProcessorParameterName::LambdaArn, FN))
                .parameters(param(ProcessorParameterName::LambdaNumberOfRetries, "0"))
                .build()
                .expect("processor"),
        )
        .build();
    let dest = ExtendedS3DestinationConfiguration::builder()
        .role_arn("arn:aws:iam::000000000000:role/firehose")
        .bucket_arn("arn:aws:s3:::shouts")
        .prefix("ok/")
        .error_output_prefix("failed/")
        .buffering_hints(BufferingHints::builder().size_in_mbs(1).interval_in_seconds(60).build())
        .processing_configuration(processing)
        .build()
        .expect("config");
    fh.create_delivery_stream()
        .delivery_stream_name("shout")
        .extended_s3_destination_configuration(dest)
        .send()
        .await
        .expect("create");
    let recs = ["hello ", "bad one ", "world "];
    fh.put_record_batch()
        .delivery_stream_name("shout")
        .set_records(Some(
            recs.iter().map(|r| Record::builder().data(Blob::new(r.as_bytes())).build().expect("record")).collect(),
        ))
        .send()
        .await
        .expect("put");
    let deadline = Instant::now() + Duration::from_secs(30);
    let keys = loop {
        let out = s3.list_objects_v2().bucket("shouts").send().await.expect("list");
        let keys: Vec<String> = out.contents().iter().filter_map(|o| o.key().map(str::to_owned)).collect();
        if keys.len() >= 2 {
            break keys;
        }
        assert!(Instant::now() < deadline, "not delivered in time: {keys:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let get = |key: String| {
        let s3 = s3.clone();
        async move {
            let o = s3.get_object().bucket("shouts").key(key).send().await.expect("get");
            o.body.collect().await.expect("body").into_bytes().to_vec()
        }
    };
    let ok = keys.iter().find(|k| k.starts_with("ok/")).expect("delivered object").clone();
    assert!(ok.contains("/shout-1-"), "{ok}");
    assert_eq!(get(ok).await, b"HELLO !WORLD !");
    let failed = keys.iter().find(|k| k.starts_with("failed/")).expect("error object").clone();
    let line: serde_json::Value = serde_json::from_slice(get(failed).await.trim_ascii_end()).expect("one JSON line");
    assert_eq!(line["errorCode"], "Lambda.ProcessingFailedStatus");
    assert_eq!(line["rawData"], "YmFkIG9uZSA=");
    assert_eq!(line["lambdaArn"], FN);
    assert_eq!(line["attemptsMade"], 1);
}
