//! Store-level tests of applications: every operation of both APIs answers what its model
//! lists, spelled as the model spells it.

use super::api::{v1, v2};
use crate::clock::ManualClock;
use crate::service::{Checked, Service};
use crate::{Ctx, Engine};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

const ROLE: &str = "arn:aws:iam::000000000000:role/kda";
const IN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/in";
const OUT: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/out";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:000000000000:function:f";
const CODE: &str = r#"CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker, price FROM "SOURCE_SQL_STREAM_001";"#;

fn engine() -> (Engine, ManualClock) {
    // 2026-03-05T07:08:09.000Z
    let clock = ManualClock::new(1_772_694_489_000);
    let mut eng = Engine::memory(Arc::new(clock.clone()));
    for name in ["in", "out"] {
        let doc = json!({"StreamName": name, "ShardCount": 1});
        crate::kinesis::api::Op::parse("CreateStream")
            .unwrap()
            .visit(Checked { eng: &mut eng, caller: &ctx(), doc })
            .unwrap();
    }
    for i in 0..3 {
        let input = kinesin_protocol::kinesis::PutRecordInput {
            stream_name: Some("in".into()),
            stream_arn: None,
            data: format!(r#"{{"ticker":"T{i}","price":{i}.5}}"#).into_bytes(),
            partition_key: "k".into(),
            explicit_hash_key: None,
            sequence_number_for_ordering: None,
        };
        crate::kinesis::records::put_record(&mut eng, &ctx(), input).unwrap();
    }
    (eng, clock)
}

fn ctx() -> Ctx {
    Ctx::new("000000000000", "us-east-1")
}

fn schema() -> Value {
    json!({"RecordFormat": {"RecordFormatType": "JSON", "MappingParameters": {"JSONMappingParameters": {"RecordRowPath": "$"}}},
           "RecordColumns": [{"Name": "ticker", "SqlType": "VARCHAR(4)", "Mapping": "$.ticker"},
                             {"Name": "price", "SqlType": "DOUBLE", "Mapping": "$.price"}]})
}

/// Runs operations of one API, holding each answer to the model: only its members, and every
/// member its output shape lists (a `NextToken` only when there is more).
struct Api<S: Service> {
    run: fn(&mut Engine, &str, Value) -> Value,
    called: BTreeSet<&'static str>,
    _api: std::marker::PhantomData<S>,
}

impl<S: Service> Api<S> {
    fn call(&mut self, eng: &mut Engine, name: &'static str, doc: Value) -> Value {
        let out = (self.run)(eng, name, doc);
        let shape = S::model().output_shape(name);
        for (member, _) in shape.iter().flat_map(|s| s.members()) {
            if member != "NextToken" {
                assert!(out.get(member).is_some(), "{name} answered without {member}: {out:#}");
            }
        }
        self.called.insert(name);
        out
    }

    fn all_called(&self, ops: impl Iterator<Item = &'static str>) {
        let missing: Vec<&str> = ops.filter(|o| !self.called.contains(o)).collect();
        assert!(missing.is_empty(), "not exercised: {missing:?}");
    }
}

fn v1_api() -> Api<super::api::AnalyticsV1Api> {
    let run: fn(&mut Engine, &str, Value) -> Value = |eng, name, doc| {
        let op = v1::Op::parse(name).expect("a v1 operation");
        op.visit(Checked { eng, caller: &ctx(), doc }).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    };
    Api { run, called: BTreeSet::new(), _api: std::marker::PhantomData }
}

fn v2_api() -> Api<super::api::AnalyticsV2Api> {
    let run: fn(&mut Engine, &str, Value) -> Value = |eng, name, doc| {
        let op = v2::Op::parse(name).expect("a v2 operation");
        op.visit(Checked { eng, caller: &ctx(), doc }).unwrap_or_else(|e| panic!("{name}: {e:?}"))
    };
    Api { run, called: BTreeSet::new(), _api: std::marker::PhantomData }
}

fn version(detail: &Value) -> i64 {
    detail["ApplicationVersionId"].as_i64().expect("a version")
}

#[test]
fn every_v1_answer_is_what_the_model_lists() {
    let (mut eng, clock) = engine();
    let mut api = v1_api();
    let e = &mut eng;
    let input = json!({"NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": IN, "RoleARN": ROLE}, "InputSchema": schema()});
    let output = json!({"Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": OUT, "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "JSON"}});
    api.call(e, "CreateApplication", json!({"ApplicationName": "a", "ApplicationCode": CODE, "Inputs": [input], "Outputs": [output], "Tags": [{"Key": "k", "Value": "v"}]}));
    api.call(e, "CreateApplication", json!({"ApplicationName": "b"}));
    let name = json!({"ApplicationName": "a"});
    let describe = |api: &mut Api<_>, e: &mut Engine| {
        api.call(e, "DescribeApplication", name.clone())["ApplicationDetail"].clone()
    };
    let d = describe(&mut api, e);
    let input_id = d["InputDescriptions"][0]["InputId"].clone();
    let output_id = d["OutputDescriptions"][0]["OutputId"].clone();
    let processing = json!({"InputLambdaProcessor": {"ResourceARN": FUNCTION, "RoleARN": ROLE}});
    api.call(e, "AddApplicationInputProcessingConfiguration", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "InputId": input_id, "InputProcessingConfiguration": processing}));
    let d = describe(&mut api, e);
    api.call(
        e,
        "DeleteApplicationInputProcessingConfiguration",
        json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "InputId": input_id}),
    );
    let d = describe(&mut api, e);
    let lambda_out = json!({"Name": "DESTINATION_SQL_STREAM", "LambdaOutput": {"ResourceARN": FUNCTION, "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "CSV"}});
    api.call(
        e,
        "AddApplicationOutput",
        json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "Output": lambda_out}),
    );
    let d = describe(&mut api, e);
    api.call(e, "DeleteApplicationOutput", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "OutputId": d["OutputDescriptions"][1]["OutputId"]}));
    let d = describe(&mut api, e);
    let reference = json!({"TableName": "T", "S3ReferenceDataSource": {"BucketARN": "arn:aws:s3:::b", "FileKey": "k.csv", "ReferenceRoleARN": ROLE}, "ReferenceSchema": schema()});
    api.call(
        e,
        "AddApplicationReferenceDataSource",
        json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "ReferenceDataSource": reference}),
    );
    let d = describe(&mut api, e);
    api.call(e, "DeleteApplicationReferenceDataSource", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "ReferenceId": d["ReferenceDataSourceDescriptions"][0]["ReferenceId"]}));
    let d = describe(&mut api, e);
    let logging =
        json!({"LogStreamARN": "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s", "RoleARN": ROLE});
    api.call(
        e,
        "AddApplicationCloudWatchLoggingOption",
        json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "CloudWatchLoggingOption": logging}),
    );
    let d = describe(&mut api, e);
    let logging_id = d["CloudWatchLoggingOptionDescriptions"][0]["CloudWatchLoggingOptionId"].clone();
    api.call(e, "DeleteApplicationCloudWatchLoggingOption", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "CloudWatchLoggingOptionId": logging_id}));
    let d = describe(&mut api, e);
    let b = api.call(e, "DescribeApplication", json!({"ApplicationName": "b"}))["ApplicationDetail"].clone();
    api.call(
        e,
        "AddApplicationInput",
        json!({"ApplicationName": "b", "CurrentApplicationVersionId": version(&b), "Input": input}),
    );
    let update = json!({"ApplicationCodeUpdate": CODE, "OutputUpdates": [{"OutputId": output_id, "NameUpdate": "DESTINATION_SQL_STREAM"}]});
    api.call(
        e,
        "UpdateApplication",
        json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "ApplicationUpdate": update}),
    );
    api.call(e, "ListApplications", json!({}));
    let arn = d["ApplicationARN"].clone();
    api.call(e, "TagResource", json!({"ResourceARN": arn, "Tags": [{"Key": "x", "Value": "y"}]}));
    api.call(e, "UntagResource", json!({"ResourceARN": arn, "TagKeys": ["x"]}));
    api.call(e, "ListTagsForResource", json!({"ResourceARN": arn}));
    let start =
        json!([{"Id": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}]);
    api.call(e, "StartApplication", json!({"ApplicationName": "a", "InputConfigurations": start}));
    clock.advance(60_000);
    assert_eq!(describe(&mut api, e)["ApplicationStatus"], "RUNNING");
    api.call(e, "StopApplication", name.clone());
    api.call(e, "DiscoverInputSchema", json!({"ResourceARN": IN, "RoleARN": ROLE, "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}));
    clock.advance(60_000);
    api.call(e, "DeleteApplication", json!({"ApplicationName": "b", "CreateTimestamp": b["CreateTimestamp"]}));
    api.all_called(v1::Op::ALL.iter().map(|o| o.name()));
}

#[test]
fn every_v2_answer_is_what_the_model_lists() {
    let (mut eng, clock) = engine();
    let mut api = v2_api();
    let e = &mut eng;
    let input =
        json!({"NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": IN}, "InputSchema": schema()});
    let output = json!({"Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": OUT}, "DestinationSchema": {"RecordFormatType": "JSON"}});
    let config = json!({"ApplicationCodeConfiguration": {"CodeContent": {"TextContent": CODE}, "CodeContentType": "PLAINTEXT"},
                        "SqlApplicationConfiguration": {"Inputs": [input], "Outputs": [output]}});
    api.call(e, "CreateApplication", json!({"ApplicationName": "a", "RuntimeEnvironment": "SQL-1_0", "ServiceExecutionRole": ROLE, "ApplicationConfiguration": config}));
    api.call(
        e,
        "CreateApplication",
        json!({"ApplicationName": "b", "RuntimeEnvironment": "SQL-1_0", "ServiceExecutionRole": ROLE}),
    );
    api.call(
        e,
        "CreateApplication",
        json!({"ApplicationName": "f", "RuntimeEnvironment": "FLINK-1_18", "ServiceExecutionRole": ROLE}),
    );
    let describe = |api: &mut Api<_>, e: &mut Engine, n: &str| {
        api.call(e, "DescribeApplication", json!({"ApplicationName": n}))["ApplicationDetail"].clone()
    };
    let sql = |d: &Value| d["ApplicationConfigurationDescription"]["SqlApplicationConfigurationDescription"].clone();
    let d = describe(&mut api, e, "a");
    let input_id = sql(&d)["InputDescriptions"][0]["InputId"].clone();
    let processing = json!({"InputLambdaProcessor": {"ResourceARN": FUNCTION}});
    let added = api.call(e, "AddApplicationInputProcessingConfiguration", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "InputId": input_id, "InputProcessingConfiguration": processing}));
    assert_eq!(added["InputId"], input_id);
    assert_eq!(
        added["InputProcessingConfigurationDescription"]["InputLambdaProcessorDescription"]["ResourceARN"],
        FUNCTION
    );
    assert_eq!(added["ApplicationVersionId"], version(&d) + 1);
    api.call(
        e,
        "DeleteApplicationInputProcessingConfiguration",
        json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d) + 1, "InputId": input_id}),
    );
    let d = describe(&mut api, e, "a");
    let lambda_out = json!({"Name": "DESTINATION_SQL_STREAM", "LambdaOutput": {"ResourceARN": FUNCTION}, "DestinationSchema": {"RecordFormatType": "CSV"}});
    let o = api.call(
        e,
        "AddApplicationOutput",
        json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "Output": lambda_out}),
    );
    api.call(e, "DeleteApplicationOutput", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d) + 1, "OutputId": o["OutputDescriptions"][1]["OutputId"]}));
    let d = describe(&mut api, e, "a");
    let reference = json!({"TableName": "T", "S3ReferenceDataSource": {"BucketARN": "arn:aws:s3:::b", "FileKey": "k.csv"}, "ReferenceSchema": schema()});
    let r = api.call(
        e,
        "AddApplicationReferenceDataSource",
        json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "ReferenceDataSource": reference}),
    );
    api.call(e, "DeleteApplicationReferenceDataSource", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d) + 1, "ReferenceId": r["ReferenceDataSourceDescriptions"][0]["ReferenceId"]}));
    let logging = json!({"LogStreamARN": "arn:aws:logs:us-east-1:000000000000:log-group:g:log-stream:s"});
    let l = api.call(
        e,
        "AddApplicationCloudWatchLoggingOption",
        json!({"ApplicationName": "a", "CloudWatchLoggingOption": logging}),
    );
    let logging_id = l["CloudWatchLoggingOptionDescriptions"][0]["CloudWatchLoggingOptionId"].clone();
    api.call(
        e,
        "DeleteApplicationCloudWatchLoggingOption",
        json!({"ApplicationName": "a", "CloudWatchLoggingOptionId": logging_id}),
    );
    let vpc = json!({"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]});
    let v = api.call(e, "AddApplicationVpcConfiguration", json!({"ApplicationName": "f", "VpcConfiguration": vpc}));
    let vpc_id = v["VpcConfigurationDescription"]["VpcConfigurationId"].clone();
    api.call(e, "DeleteApplicationVpcConfiguration", json!({"ApplicationName": "f", "VpcConfigurationId": vpc_id}));
    let b = describe(&mut api, e, "b");
    api.call(
        e,
        "AddApplicationInput",
        json!({"ApplicationName": "b", "CurrentApplicationVersionId": version(&b), "Input": input}),
    );
    let d = describe(&mut api, e, "a");
    let update = json!({"ApplicationCodeConfigurationUpdate": {"CodeContentUpdate": {"TextContentUpdate": CODE}}});
    api.call(e, "UpdateApplication", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d), "ApplicationConfigurationUpdate": update}));
    let d = describe(&mut api, e, "a");
    api.call(e, "DescribeApplicationVersion", json!({"ApplicationName": "a", "ApplicationVersionId": version(&d) - 1}));
    api.call(e, "ListApplicationVersions", json!({"ApplicationName": "a"}));
    api.call(e, "RollbackApplication", json!({"ApplicationName": "a", "CurrentApplicationVersionId": version(&d)}));
    api.call(e, "ListApplications", json!({}));
    let arn = d["ApplicationARN"].clone();
    api.call(e, "TagResource", json!({"ResourceARN": arn, "Tags": [{"Key": "x", "Value": "y"}]}));
    api.call(e, "UntagResource", json!({"ResourceARN": arn, "TagKeys": ["x"]}));
    api.call(e, "ListTagsForResource", json!({"ResourceARN": arn}));
    api.call(e, "CreateApplicationPresignedUrl", json!({"ApplicationName": "f", "UrlType": "FLINK_DASHBOARD_URL"}));
    let window = json!({"ApplicationMaintenanceWindowStartTimeUpdate": "03:00"});
    api.call(
        e,
        "UpdateApplicationMaintenanceConfiguration",
        json!({"ApplicationName": "f", "ApplicationMaintenanceConfigurationUpdate": window}),
    );
    let run = json!({"SqlRunConfigurations": [{"InputId": input_id, "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}]});
    let started = api.call(e, "StartApplication", json!({"ApplicationName": "a", "RunConfiguration": run}));
    api.call(e, "DescribeApplicationOperation", json!({"ApplicationName": "a", "OperationId": started["OperationId"]}));
    api.call(e, "ListApplicationOperations", json!({"ApplicationName": "a"}));
    api.call(e, "StartApplication", json!({"ApplicationName": "f"}));
    clock.advance(60_000);
    api.call(e, "CreateApplicationSnapshot", json!({"ApplicationName": "f", "SnapshotName": "s"}));
    clock.advance(60_000);
    api.call(e, "DescribeApplicationSnapshot", json!({"ApplicationName": "f", "SnapshotName": "s"}));
    api.call(e, "ListApplicationSnapshots", json!({"ApplicationName": "f"}));
    let snap = api.call(e, "DescribeApplicationSnapshot", json!({"ApplicationName": "f", "SnapshotName": "s"}));
    let when = snap["SnapshotDetails"]["SnapshotCreationTimestamp"].clone();
    api.call(
        e,
        "DeleteApplicationSnapshot",
        json!({"ApplicationName": "f", "SnapshotName": "s", "SnapshotCreationTimestamp": when}),
    );
    api.call(e, "StopApplication", json!({"ApplicationName": "a"}));
    api.call(e, "DiscoverInputSchema", json!({"ResourceARN": IN, "ServiceExecutionRole": ROLE, "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}));
    clock.advance(60_000);
    api.call(e, "DeleteApplication", json!({"ApplicationName": "b", "CreateTimestamp": b["CreateTimestamp"]}));
    api.all_called(v2::Op::ALL.iter().map(|o| o.name()));
}

fn kinesis(eng: &mut Engine, name: &str, doc: Value) -> Value {
    let op = crate::kinesis::api::Op::parse(name).expect("a Kinesis operation");
    op.visit(Checked { eng, caller: &ctx(), doc }).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn put_input(eng: &mut Engine, n: usize) {
    for i in 0..n {
        let input = kinesin_protocol::kinesis::PutRecordInput {
            stream_name: Some("in".into()),
            stream_arn: None,
            data: format!(r#"{{"ticker":"U{i}","price":1.0}}"#).into_bytes(),
            partition_key: "k".into(),
            explicit_hash_key: None,
            sequence_number_for_ordering: None,
        };
        crate::kinesis::records::put_record(eng, &ctx(), input).unwrap();
    }
}

fn output_records(eng: &mut Engine) -> usize {
    let shard = json!({"StreamName": "out", "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"});
    let mut it = kinesis(eng, "GetShardIterator", shard)["ShardIterator"].clone();
    let mut n = 0;
    loop {
        let got = kinesis(eng, "GetRecords", json!({"ShardIterator": it, "Limit": 10000}));
        match got["Records"].as_array().unwrap().len() {
            0 => return n,
            k => (n, it) = (n + k, got["NextShardIterator"].clone()),
        }
    }
}

#[test]
fn kept_rows_hold_back_new_input_at_the_cap_and_drain_once_the_destination_is_back() {
    use super::{backlog, run};
    let (mut eng, clock) = engine();
    let mut api = v1_api();
    let e = &mut eng;
    let input = json!({"NamePrefix": "SOURCE_SQL_STREAM", "KinesisStreamsInput": {"ResourceARN": IN, "RoleARN": ROLE}, "InputSchema": schema()});
    let output = json!({"Name": "DESTINATION_SQL_STREAM", "KinesisStreamsOutput": {"ResourceARN": OUT, "RoleARN": ROLE}, "DestinationSchema": {"RecordFormatType": "JSON"}});
    api.call(
        e,
        "CreateApplication",
        json!({"ApplicationName": "a", "ApplicationCode": CODE, "Inputs": [input], "Outputs": [output]}),
    );
    let d = api.call(e, "DescribeApplication", json!({"ApplicationName": "a"}))["ApplicationDetail"].clone();
    let start = json!([{"Id": d["InputDescriptions"][0]["InputId"], "InputStartingPositionConfiguration": {"InputStartingPosition": "TRIM_HORIZON"}}]);
    api.call(e, "StartApplication", json!({"ApplicationName": "a", "InputConfigurations": start}));
    clock.advance(60_000);
    let mut runners = run::Runners::default();
    let report = run::pump(e, &mut runners, run::JOB_BUDGET).unwrap();
    assert_eq!(output_records(e), 3);
    let out = (crate::Ctx::new("000000000000", "us-east-1"), "out".to_string());
    assert_eq!(report.to_kinesis, vec![out.clone()], "the output stream's readers are to be woken");
    kinesis(e, "DeleteStream", json!({"StreamName": "out"}));
    clock.advance(60_000);
    put_input(e, 4);
    let report = run::pump(e, &mut runners, run::JOB_BUDGET).unwrap();
    assert_eq!(report.read, 4);
    assert!(report.to_kinesis.is_empty(), "nothing written");
    let app = super::stored::all(e, None).unwrap()[0].1.id;
    assert_eq!(backlog::count(e, app).unwrap(), 4);
    let output_id = d["OutputDescriptions"][0]["OutputId"].as_str().unwrap().to_string();
    for _ in 4..backlog::CAP {
        backlog::keep(e, app, &output_id, b"{}").unwrap();
    }
    put_input(e, 2);
    assert_eq!(run::pump(e, &mut runners, run::JOB_BUDGET).unwrap().read, 0, "no new input at the cap");
    kinesis(e, "CreateStream", json!({"StreamName": "out", "ShardCount": 1}));
    clock.advance(60_000);
    let mut pumps = 0;
    while backlog::count(e, app).unwrap() > 0 {
        let report = run::pump(e, &mut runners, run::JOB_BUDGET).unwrap();
        assert_eq!(report.to_kinesis, vec![out.clone()], "kept rows written");
        pumps += 1;
        assert!(pumps <= backlog::CAP / backlog::RETRY_BATCH + 1, "the kept rows never drained");
    }
    assert_eq!(output_records(e), backlog::CAP + 2);
}
