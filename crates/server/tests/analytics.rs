//! Kinesis Data Analytics SQL applications through aws-sdk-kinesisanalytics (API v1) and
//! aws-sdk-kinesisanalyticsv2 (API v2) against the binary: create an application over a
//! stream, start it, put records, read its output stream, describe, update, stop and delete.

mod common;

use aws_sdk_kinesis::primitives::Blob;
use common::{analytics, analytics_v2, api_err, client, create_stream, Server};
use std::time::{Duration, Instant};

const ROLE: &str = "arn:aws:iam::000000000000:role/kda";
const CODE: &str = r#"CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker, price FROM "SOURCE_SQL_STREAM_001" WHERE price > 10;"#;
/// The update: another filter and the price doubled.
const CODE_V2: &str = r#"CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), price DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
    SELECT STREAM ticker, price * 2 FROM "SOURCE_SQL_STREAM_001" WHERE price < 10;"#;

fn arn(stream: &str) -> String {
    format!("arn:aws:kinesis:us-east-1:000000000000:stream/{stream}")
}

/// The records put: (ticker, price).
fn quotes(n: usize, offset: usize) -> Vec<(String, f64)> {
    (0..n).map(|i| (format!("T{}", (i + offset) % 7), ((i + offset) * 37 % 23) as f64 + 0.5)).collect()
}

async fn put(kinesis: &aws_sdk_kinesis::Client, stream: &str, quotes: &[(String, f64)]) {
    for (i, (ticker, price)) in quotes.iter().enumerate() {
        let doc = format!(r#"{{"ticker":"{ticker}","price":{price}}}"#);
        kinesis
            .put_record()
            .stream_name(stream)
            .partition_key(format!("k{i}"))
            .data(Blob::new(doc))
            .send()
            .await
            .expect("put record");
    }
}

/// Every record of a one-shard stream from its start, as (ticker, price), once `want` are
/// there (or after 20 s).
async fn read_rows(kinesis: &aws_sdk_kinesis::Client, stream: &str, want: usize) -> Vec<(String, f64)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let it = kinesis
            .get_shard_iterator()
            .stream_name(stream)
            .shard_id("shardId-000000000000")
            .shard_iterator_type(aws_sdk_kinesis::types::ShardIteratorType::TrimHorizon)
            .send()
            .await
            .expect("iterator");
        let out = kinesis.get_records().shard_iterator(it.shard_iterator().unwrap()).send().await.expect("get");
        let rows: Vec<(String, f64)> = out
            .records()
            .iter()
            .map(|r| {
                let v: serde_json::Value = serde_json::from_slice(r.data().as_ref()).expect("JSON row");
                (v["TICKER"].as_str().expect("TICKER").to_string(), v["PRICE"].as_f64().expect("PRICE"))
            })
            .collect();
        if rows.len() >= want || Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_v1(kda: &aws_sdk_kinesisanalytics::Client, app: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let d = kda.describe_application().application_name(app).send().await.expect("describe");
        if d.application_detail().unwrap().application_status().as_str() == status {
            return;
        }
        assert!(Instant::now() < deadline, "{app} never became {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_v2(kda: &aws_sdk_kinesisanalyticsv2::Client, app: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let d = kda.describe_application().application_name(app).send().await.expect("describe");
        if d.application_detail().unwrap().application_status().as_str() == status {
            return;
        }
        assert!(Instant::now() < deadline, "{app} never became {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn kept(quotes: &[(String, f64)], keep: impl Fn(f64) -> bool, scale: f64) -> Vec<(String, f64)> {
    quotes.iter().filter(|(_, p)| keep(*p)).map(|(t, p)| (t.clone(), p * scale)).collect()
}

mod v1 {
    use super::*;
    use aws_sdk_kinesisanalytics::types::*;

    fn schema() -> SourceSchema {
        let column = |name: &str, mapping: &str, sql: &str| {
            RecordColumn::builder().name(name).mapping(mapping).sql_type(sql).build().expect("column")
        };
        SourceSchema::builder()
            .record_format(
                RecordFormat::builder()
                    .record_format_type(RecordFormatType::Json)
                    .mapping_parameters(
                        MappingParameters::builder()
                            .json_mapping_parameters(
                                JsonMappingParameters::builder().record_row_path("$").build().expect("json"),
                            )
                            .build(),
                    )
                    .build()
                    .expect("format"),
            )
            .record_columns(column("TICKER", "$.ticker", "VARCHAR(4)"))
            .record_columns(column("PRICE", "$.price", "DOUBLE"))
            .build()
            .expect("schema")
    }

    #[tokio::test]
    async fn sql_application_lifecycle() {
        let server = Server::start();
        let (kinesis, kda) = (client(&server), analytics(&server));
        create_stream(&kinesis, "v1-src", 1).await;
        create_stream(&kinesis, "v1-out", 1).await;
        let input = Input::builder()
            .name_prefix("SOURCE_SQL_STREAM")
            .kinesis_streams_input(
                KinesisStreamsInput::builder().resource_arn(arn("v1-src")).role_arn(ROLE).build().expect("in"),
            )
            .input_schema(schema())
            .build()
            .expect("input");
        let output = Output::builder()
            .name("DESTINATION_SQL_STREAM")
            .kinesis_streams_output(
                KinesisStreamsOutput::builder().resource_arn(arn("v1-out")).role_arn(ROLE).build().expect("out"),
            )
            .destination_schema(
                DestinationSchema::builder().record_format_type(RecordFormatType::Json).build().expect("schema"),
            )
            .build()
            .expect("output");
        let created = kda
            .create_application()
            .application_name("quotes")
            .application_code(CODE)
            .inputs(input)
            .outputs(output)
            .send()
            .await
            .expect("create");
        let summary = created.application_summary().expect("summary");
        assert_eq!(summary.application_arn(), "arn:aws:kinesisanalytics:us-east-1:000000000000:application/quotes");
        assert_eq!(summary.application_status(), &ApplicationStatus::Ready);

        let detail = kda.describe_application().application_name("quotes").send().await.expect("describe");
        let detail = detail.application_detail().expect("detail");
        assert_eq!(detail.application_version_id(), 1);
        assert_eq!(detail.application_code(), Some(CODE));
        let described = &detail.input_descriptions()[0];
        assert_eq!(described.in_app_stream_names(), ["SOURCE_SQL_STREAM_001"]);
        assert_eq!(described.kinesis_streams_input_description().unwrap().resource_arn(), Some(arn("v1-src").as_str()));
        let output = &detail.output_descriptions()[0];
        assert_eq!(output.kinesis_streams_output_description().unwrap().resource_arn(), Some(arn("v1-out").as_str()));
        let input_id = described.input_id().expect("input id").to_string();

        let start =
            InputStartingPositionConfiguration::builder().input_starting_position(InputStartingPosition::Now).build();
        kda.start_application()
            .application_name("quotes")
            .input_configurations(
                InputConfiguration::builder()
                    .id(&input_id)
                    .input_starting_position_configuration(start)
                    .build()
                    .expect("config"),
            )
            .send()
            .await
            .expect("start");
        wait_v1(&kda, "quotes", "RUNNING").await;
        let first = quotes(40, 0);
        put(&kinesis, "v1-src", &first).await;
        let want = kept(&first, |p| p > 10.0, 1.0);
        assert_eq!(read_rows(&kinesis, "v1-out", want.len()).await, want);

        // UpdateApplication with the current version: the new code runs on what comes next.
        kda.update_application()
            .application_name("quotes")
            .current_application_version_id(1)
            .application_update(ApplicationUpdate::builder().application_code_update(CODE_V2).build())
            .send()
            .await
            .expect("update");
        let stale = kda
            .update_application()
            .application_name("quotes")
            .current_application_version_id(1)
            .application_update(ApplicationUpdate::builder().application_code_update(CODE).build())
            .send()
            .await;
        assert_eq!(api_err(stale).code, "ConcurrentModificationException");
        wait_v1(&kda, "quotes", "RUNNING").await;
        let detail = kda.describe_application().application_name("quotes").send().await.expect("describe");
        assert_eq!(detail.application_detail().unwrap().application_version_id(), 2);
        let second = quotes(30, 40);
        put(&kinesis, "v1-src", &second).await;
        let mut want2 = want.clone();
        want2.extend(kept(&second, |p| p < 10.0, 2.0));
        assert_eq!(read_rows(&kinesis, "v1-out", want2.len()).await, want2);

        kda.stop_application().application_name("quotes").send().await.expect("stop");
        wait_v1(&kda, "quotes", "READY").await;
        put(&kinesis, "v1-src", &quotes(5, 0)).await; // not read: the application is stopped
        let listed = kda.list_applications().send().await.expect("list");
        assert_eq!(listed.application_summaries().len(), 1);
        let created_at = kda
            .describe_application()
            .application_name("quotes")
            .send()
            .await
            .expect("describe")
            .application_detail()
            .and_then(|d| d.create_timestamp().copied())
            .expect("created");
        kda.delete_application().application_name("quotes").create_timestamp(created_at).send().await.expect("delete");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let gone = kda.describe_application().application_name("quotes").send().await;
            if let Err(e) = &gone {
                if aws_sdk_kinesisanalytics::error::ProvideErrorMetadata::code(e) == Some("ResourceNotFoundException") {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "never deleted");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(read_rows(&kinesis, "v1-out", want2.len()).await, want2);
    }
}

mod v2 {
    use super::*;
    use aws_sdk_kinesisanalyticsv2::types::*;

    fn schema() -> SourceSchema {
        let column = |name: &str, mapping: &str, sql: &str| {
            RecordColumn::builder().name(name).mapping(mapping).sql_type(sql).build().expect("column")
        };
        SourceSchema::builder()
            .record_format(
                RecordFormat::builder()
                    .record_format_type(RecordFormatType::Json)
                    .mapping_parameters(
                        MappingParameters::builder()
                            .json_mapping_parameters(
                                JsonMappingParameters::builder().record_row_path("$").build().expect("json"),
                            )
                            .build(),
                    )
                    .build()
                    .expect("format"),
            )
            .record_columns(column("TICKER", "$.ticker", "VARCHAR(4)"))
            .record_columns(column("PRICE", "$.price", "DOUBLE"))
            .build()
            .expect("schema")
    }

    #[tokio::test]
    async fn sql_application_lifecycle() {
        let server = Server::start();
        let (kinesis, kda) = (client(&server), analytics_v2(&server));
        create_stream(&kinesis, "v2-src", 1).await;
        create_stream(&kinesis, "v2-out", 1).await;
        let input = Input::builder()
            .name_prefix("SOURCE_SQL_STREAM")
            .kinesis_streams_input(KinesisStreamsInput::builder().resource_arn(arn("v2-src")).build().expect("in"))
            .input_schema(schema())
            .build()
            .expect("input");
        let output = Output::builder()
            .name("DESTINATION_SQL_STREAM")
            .kinesis_streams_output(KinesisStreamsOutput::builder().resource_arn(arn("v2-out")).build().expect("out"))
            .destination_schema(
                DestinationSchema::builder().record_format_type(RecordFormatType::Json).build().expect("schema"),
            )
            .build()
            .expect("output");
        let code = ApplicationCodeConfiguration::builder()
            .code_content_type(CodeContentType::Plaintext)
            .code_content(CodeContent::builder().text_content(CODE).build())
            .build()
            .expect("code");
        let created = kda
            .create_application()
            .application_name("quotes2")
            .runtime_environment(RuntimeEnvironment::Sql10)
            .service_execution_role(ROLE)
            .application_configuration(
                ApplicationConfiguration::builder()
                    .application_code_configuration(code)
                    .sql_application_configuration(
                        SqlApplicationConfiguration::builder().inputs(input).outputs(output).build(),
                    )
                    .build(),
            )
            .send()
            .await
            .expect("create");
        let detail = created.application_detail().expect("detail");
        assert_eq!(detail.application_status(), &ApplicationStatus::Ready);
        assert_eq!(detail.runtime_environment(), &RuntimeEnvironment::Sql10);
        let sql = detail
            .application_configuration_description()
            .and_then(|c| c.sql_application_configuration_description())
            .expect("SQL description");
        let input_id = sql.input_descriptions()[0].input_id().expect("input id").to_string();
        let text = detail
            .application_configuration_description()
            .and_then(|c| c.application_code_configuration_description())
            .and_then(|c| c.code_content_description())
            .and_then(|c| c.text_content());
        assert_eq!(text, Some(CODE));

        let run = SqlRunConfiguration::builder()
            .input_id(&input_id)
            .input_starting_position_configuration(
                InputStartingPositionConfiguration::builder()
                    .input_starting_position(InputStartingPosition::Now)
                    .build(),
            )
            .build()
            .expect("run");
        let started = kda
            .start_application()
            .application_name("quotes2")
            .run_configuration(RunConfiguration::builder().sql_run_configurations(run).build())
            .send()
            .await
            .expect("start");
        assert!(started.operation_id().is_some_and(|id| !id.is_empty()));
        wait_v2(&kda, "quotes2", "RUNNING").await;
        let first = quotes(40, 3);
        put(&kinesis, "v2-src", &first).await;
        let want = kept(&first, |p| p > 10.0, 1.0);
        assert_eq!(read_rows(&kinesis, "v2-out", want.len()).await, want);

        let update = ApplicationConfigurationUpdate::builder()
            .application_code_configuration_update(
                ApplicationCodeConfigurationUpdate::builder()
                    .code_content_update(CodeContentUpdate::builder().text_content_update(CODE_V2).build())
                    .build(),
            )
            .build();
        let updated = kda
            .update_application()
            .application_name("quotes2")
            .current_application_version_id(1)
            .application_configuration_update(update)
            .send()
            .await
            .expect("update");
        assert_eq!(updated.application_detail().unwrap().application_version_id(), 2);
        wait_v2(&kda, "quotes2", "RUNNING").await;
        let second = quotes(30, 11);
        put(&kinesis, "v2-src", &second).await;
        let mut want2 = want.clone();
        want2.extend(kept(&second, |p| p < 10.0, 2.0));
        assert_eq!(read_rows(&kinesis, "v2-out", want2.len()).await, want2);
        let versions = kda.list_application_versions().application_name("quotes2").send().await.expect("versions");
        let ids: Vec<i64> =
            versions.application_version_summaries().iter().map(|v| v.application_version_id()).collect();
        assert_eq!(ids, [2, 1]);

        kda.stop_application().application_name("quotes2").send().await.expect("stop");
        wait_v2(&kda, "quotes2", "READY").await;
        let created_at = kda
            .describe_application()
            .application_name("quotes2")
            .send()
            .await
            .expect("describe")
            .application_detail()
            .and_then(|d| d.create_timestamp().copied())
            .expect("created");
        kda.delete_application().application_name("quotes2").create_timestamp(created_at).send().await.expect("delete");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let gone = kda.describe_application().application_name("quotes2").send().await;
            if let Err(e) = &gone {
                if aws_sdk_kinesisanalyticsv2::error::ProvideErrorMetadata::code(e) == Some("ResourceNotFoundException")
                {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "never deleted");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(kda.list_applications().send().await.expect("list").application_summaries().is_empty());
    }
}
