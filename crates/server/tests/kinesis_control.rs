//! End-to-end tests of stream settings, account operations, enhanced fan-out consumers,
//! resource tags and resource policies through the real AWS SDK.

mod common;

use aws_sdk_kinesis::primitives::{Blob, DateTime};
use aws_sdk_kinesis::types::{
    ConsumerStatus, EncryptionType, MetricsName, MinimumThroughputBillingCommitmentInput,
    MinimumThroughputBillingCommitmentInputStatus, MinimumThroughputBillingCommitmentOutputStatus, ShardIteratorType,
    StreamMode, StreamModeDetails, StreamStatus,
};
use aws_sdk_kinesis::Client;
use common::{api_err, client, client_for, create_stream, Server};

fn arn(name: &str) -> String {
    format!("arn:aws:kinesis:us-east-1:000000000000:stream/{name}")
}

async fn summary(c: &Client, name: &str) -> aws_sdk_kinesis::types::StreamDescriptionSummary {
    c.describe_stream_summary()
        .stream_name(name)
        .send()
        .await
        .expect("describe summary")
        .stream_description_summary()
        .expect("StreamDescriptionSummary")
        .clone()
}

fn mode(m: StreamMode) -> StreamModeDetails {
    StreamModeDetails::builder().stream_mode(m).build().unwrap()
}

#[tokio::test]
async fn encryption_marks_records_and_stops() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "enc", 1).await;
    // terraform re-applies of encryption_type = "NONE" do this on a plain stream.
    c.stop_stream_encryption()
        .stream_name("enc")
        .encryption_type(EncryptionType::Kms)
        .key_id("alias/aws/kinesis")
        .send()
        .await
        .expect("stop on a plain stream is a no-op");
    c.start_stream_encryption()
        .stream_arn(arn("enc"))
        .encryption_type(EncryptionType::Kms)
        .key_id("alias/aws/kinesis")
        .send()
        .await
        .unwrap();
    let s = summary(&c, "enc").await;
    assert_eq!(s.encryption_type(), Some(&EncryptionType::Kms));
    assert_eq!(s.key_id(), Some("alias/aws/kinesis"));
    let put = c.put_record().stream_name("enc").partition_key("k").data(Blob::new("x")).send().await.unwrap();
    assert_eq!(put.encryption_type(), Some(&EncryptionType::Kms));
    let it = c
        .get_shard_iterator()
        .stream_name("enc")
        .shard_id("shardId-000000000000")
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap();
    let got = c.get_records().shard_iterator(it.shard_iterator().unwrap()).send().await.unwrap();
    assert_eq!(got.records()[0].encryption_type(), Some(&EncryptionType::Kms));
    c.stop_stream_encryption()
        .stream_name("enc")
        .encryption_type(EncryptionType::Kms)
        .key_id("alias/aws/kinesis")
        .send()
        .await
        .unwrap();
    let s = summary(&c, "enc").await;
    assert_eq!((s.encryption_type(), s.key_id()), (Some(&EncryptionType::None), None));
    let e = api_err(
        c.start_stream_encryption().stream_name("ghost").encryption_type(EncryptionType::Kms).key_id("k").send().await,
    );
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("ResourceNotFoundException", "Stream ghost under account 000000000000 not found.")
    );
}

#[tokio::test]
async fn updates_refuse_a_stream_that_is_updating() {
    let server = Server::with_args(&["--update-stream-delay-ms", "60000"]);
    let c = client(&server);
    create_stream(&c, "busy", 1).await;
    c.enable_enhanced_monitoring().stream_name("busy").shard_level_metrics(MetricsName::All).send().await.unwrap();
    assert_eq!(summary(&c, "busy").await.stream_status(), &StreamStatus::Updating);
    let e = api_err(
        c.start_stream_encryption().stream_name("busy").encryption_type(EncryptionType::Kms).key_id("k").send().await,
    );
    assert_eq!(e.code, "ResourceInUseException");
    assert_eq!(e.message, "Stream busy under account 000000000000 not ACTIVE, instead in state UPDATING");
}

#[tokio::test]
async fn enhanced_monitoring_reports_before_and_after() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "mon", 1).await;
    let out = c
        .enable_enhanced_monitoring()
        .stream_name("mon")
        .shard_level_metrics(MetricsName::IncomingBytes)
        .send()
        .await
        .unwrap();
    assert!(out.current_shard_level_metrics().is_empty());
    assert_eq!(out.desired_shard_level_metrics(), &[MetricsName::IncomingBytes]);
    assert_eq!((out.stream_name(), out.stream_arn()), (Some("mon"), Some(arn("mon").as_str())));
    let out =
        c.enable_enhanced_monitoring().stream_name("mon").shard_level_metrics(MetricsName::All).send().await.unwrap();
    assert_eq!(out.desired_shard_level_metrics().len(), 7);
    assert!(!out.desired_shard_level_metrics().contains(&MetricsName::All));
    let out = c
        .disable_enhanced_monitoring()
        .stream_arn(arn("mon"))
        .shard_level_metrics(MetricsName::IteratorAgeMilliseconds)
        .send()
        .await
        .unwrap();
    assert_eq!(out.current_shard_level_metrics().len(), 7);
    assert_eq!(out.desired_shard_level_metrics().len(), 6);
    let s = summary(&c, "mon").await;
    assert_eq!(s.enhanced_monitoring()[0].shard_level_metrics().len(), 6);
}

#[tokio::test]
async fn limits_modes_record_size_and_warm_throughput() {
    let server = Server::with_args(&["--shard-limit", "20"]);
    let c = client(&server);
    create_stream(&c, "p", 3).await;
    c.create_stream().stream_name("d").stream_mode_details(mode(StreamMode::OnDemand)).send().await.unwrap();
    let l = c.describe_limits().send().await.unwrap();
    assert_eq!(
        (l.shard_limit(), l.open_shard_count(), l.on_demand_stream_count(), l.on_demand_stream_count_limit()),
        (20, 7, 1, 50)
    );
    let eu = client_for(&server, "eu-west-1", common::TEST_ACCESS_KEY);
    assert_eq!(eu.describe_limits().send().await.unwrap().open_shard_count(), 0);

    c.update_stream_mode().stream_arn(arn("p")).stream_mode_details(mode(StreamMode::OnDemand)).send().await.unwrap();
    let s = summary(&c, "p").await;
    assert_eq!(s.stream_mode_details().unwrap().stream_mode(), &StreamMode::OnDemand);
    assert_eq!(c.describe_limits().send().await.unwrap().on_demand_stream_count(), 2);

    c.update_max_record_size().stream_arn(arn("p")).max_record_size_in_kib(2048).send().await.unwrap();
    assert_eq!(summary(&c, "p").await.max_record_size_in_kib(), Some(2048));
    let big = vec![7u8; 1536 * 1024];
    c.put_record().stream_name("p").partition_key("k").data(Blob::new(big)).send().await.expect("1.5 MiB fits");
    let e = api_err(c.update_max_record_size().stream_arn(arn("p")).max_record_size_in_kib(512).send().await);
    assert_eq!(e.code, "ValidationException");

    let e = api_err(c.update_stream_warm_throughput().stream_name("d").warm_throughput_mibps(100).send().await);
    assert_eq!(e.code, "InvalidArgumentException");
    let settings = c
        .update_account_settings()
        .minimum_throughput_billing_commitment(
            MinimumThroughputBillingCommitmentInput::builder()
                .status(MinimumThroughputBillingCommitmentInputStatus::Enabled)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let m = settings.minimum_throughput_billing_commitment().unwrap();
    assert_eq!(m.status(), &MinimumThroughputBillingCommitmentOutputStatus::Enabled);
    let (start, end) = (m.started_at().unwrap().secs(), m.earliest_allowed_end_at().unwrap().secs());
    assert_eq!(end - start, 86_400);
    let out = c.update_stream_warm_throughput().stream_name("d").warm_throughput_mibps(100).send().await.unwrap();
    let w = out.warm_throughput().unwrap();
    assert_eq!((w.target_mibps(), w.current_mibps()), (Some(100), Some(0)));
    c.update_stream_mode()
        .stream_arn(arn("p"))
        .stream_mode_details(mode(StreamMode::Provisioned))
        .send()
        .await
        .unwrap();
    let e = api_err(c.update_stream_warm_throughput().stream_name("p").warm_throughput_mibps(1).send().await);
    assert_eq!(e.code, "InvalidArgumentException");
    assert!(e.message.contains("ON_DEMAND"), "{}", e.message);
}

#[tokio::test]
async fn account_settings_disable_waits_for_the_earliest_end() {
    let server = Server::start();
    let c = client(&server);
    let d = c.describe_account_settings().send().await.unwrap();
    assert_eq!(
        d.minimum_throughput_billing_commitment().unwrap().status(),
        &MinimumThroughputBillingCommitmentOutputStatus::Disabled
    );
    let set = |s: MinimumThroughputBillingCommitmentInputStatus| {
        c.update_account_settings()
            .minimum_throughput_billing_commitment(
                MinimumThroughputBillingCommitmentInput::builder().status(s).build().unwrap(),
            )
            .send()
    };
    set(MinimumThroughputBillingCommitmentInputStatus::Enabled).await.unwrap();
    let out = set(MinimumThroughputBillingCommitmentInputStatus::Disabled).await.unwrap();
    assert_eq!(
        out.minimum_throughput_billing_commitment().unwrap().status(),
        &MinimumThroughputBillingCommitmentOutputStatus::EnabledUntilEarliestAllowedEnd
    );
    let other = client_for(&server, "us-east-1", "123456789012");
    let d = other.describe_account_settings().send().await.unwrap();
    assert_eq!(
        d.minimum_throughput_billing_commitment().unwrap().status(),
        &MinimumThroughputBillingCommitmentOutputStatus::Disabled
    );
}

#[tokio::test]
async fn consumers_register_list_describe_and_block_stream_deletion() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "fan", 1).await;
    let created = summary(&c, "fan").await.stream_creation_timestamp().secs();
    let reg = c.register_stream_consumer().stream_arn(arn("fan")).consumer_name("app-0").send().await.unwrap();
    let consumer = reg.consumer().unwrap();
    let secs = consumer.consumer_creation_timestamp().secs();
    assert_eq!(consumer.consumer_arn(), format!("{}/consumer/app-0:{secs}", arn("fan")));
    for i in 1..5 {
        c.register_stream_consumer().stream_arn(arn("fan")).consumer_name(format!("app-{i}")).send().await.unwrap();
    }
    let e = api_err(c.register_stream_consumer().stream_arn(arn("fan")).consumer_name("app-1").send().await);
    assert_eq!(e.code, "ResourceInUseException");

    let d = c.describe_stream_consumer().consumer_arn(consumer.consumer_arn()).send().await.unwrap();
    let d = d.consumer_description().unwrap();
    assert_eq!(
        (d.consumer_name(), d.consumer_status(), d.stream_arn()),
        ("app-0", &ConsumerStatus::Active, arn("fan").as_str())
    );
    let d = c.describe_stream_consumer().stream_arn(arn("fan")).consumer_name("app-0").send().await.unwrap();
    assert_eq!(d.consumer_description().unwrap().consumer_arn(), consumer.consumer_arn());
    let e = api_err(c.describe_stream_consumer().stream_arn(arn("fan")).consumer_name("nobody").send().await);
    assert_eq!(e.code, "ResourceNotFoundException");

    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut req = c.list_stream_consumers().stream_arn(arn("fan")).max_results(2);
        if let Some(t) = &token {
            req = req.next_token(t);
        }
        let page = req.send().await.unwrap();
        names.extend(page.consumers().iter().map(|x| x.consumer_name().to_string()));
        match page.next_token() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(names, vec!["app-0", "app-1", "app-2", "app-3", "app-4"]);
    let listed = c
        .list_stream_consumers()
        .stream_arn(arn("fan"))
        .stream_creation_timestamp(DateTime::from_secs(created))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.consumers().len(), 5);
    assert_eq!(summary(&c, "fan").await.consumer_count(), Some(5));

    c.deregister_stream_consumer().consumer_arn(consumer.consumer_arn()).send().await.unwrap();
    c.deregister_stream_consumer().stream_arn(arn("fan")).consumer_name("app-1").send().await.unwrap();
    assert_eq!(summary(&c, "fan").await.consumer_count(), Some(3));

    let e = api_err(c.delete_stream().stream_name("fan").send().await);
    assert_eq!(e.code, "ResourceInUseException");
    assert_eq!(
        e.message,
        "DeleteStream can\u{2019}t delete 000000000000:fan because there are consumers associated with this data \
         stream. To delete fan anyway, set the EnforceConsumerDeletion parameter to true to force the deletion \
         of all the consumers that are associated with it."
    );
    c.delete_stream().stream_name("fan").enforce_consumer_deletion(true).send().await.unwrap();
    create_stream(&c, "fan", 1).await;
    let listed = c.list_stream_consumers().stream_arn(arn("fan")).send().await.unwrap();
    assert!(listed.consumers().is_empty(), "consumers went with the stream");
}

#[tokio::test]
async fn consumers_are_creating_until_the_delay_passes() {
    let server = Server::with_args(&["--create-stream-delay-ms", "60000"]);
    let c = client(&server);
    c.create_stream().stream_name("slow").shard_count(1).send().await.unwrap();
    let e = api_err(c.register_stream_consumer().stream_arn(arn("slow")).consumer_name("x").send().await);
    assert_eq!(e.code, "ResourceInUseException");
    assert_eq!(e.message, "Stream slow under account 000000000000 not ACTIVE, instead in state CREATING");
}

#[tokio::test]
async fn tags_and_policies_by_resource_arn() {
    let server = Server::start();
    let c = client(&server);
    create_stream(&c, "res", 1).await;
    let consumer_arn = c
        .register_stream_consumer()
        .stream_arn(arn("res"))
        .consumer_name("reader")
        .tags("owner", "me")
        .send()
        .await
        .unwrap()
        .consumer()
        .unwrap()
        .consumer_arn()
        .to_string();

    c.tag_resource().resource_arn(arn("res")).tags("env", "dev").send().await.unwrap();
    c.add_tags_to_stream().stream_name("res").tags("team", "data").send().await.unwrap();
    let t = c.list_tags_for_resource().resource_arn(arn("res")).send().await.unwrap();
    let keys: Vec<&str> = t.tags().iter().map(|t| t.key()).collect();
    assert_eq!(keys, vec!["env", "team"]);
    c.untag_resource().resource_arn(arn("res")).tag_keys("team").send().await.unwrap();
    let t = c.list_tags_for_stream().stream_name("res").send().await.unwrap();
    assert_eq!(t.tags().len(), 1);

    c.tag_resource().resource_arn(&consumer_arn).tags("env", "prod").send().await.unwrap();
    let t = c.list_tags_for_resource().resource_arn(&consumer_arn).send().await.unwrap();
    let pairs: Vec<(&str, Option<&str>)> = t.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(pairs, vec![("env", Some("prod")), ("owner", Some("me"))]);

    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kinesis:GetRecords","Resource":"*"}]}"#;
    let got = c.get_resource_policy().resource_arn(arn("res")).send().await.unwrap();
    assert_eq!(got.policy(), "{}");
    c.put_resource_policy().resource_arn(arn("res")).policy(doc).send().await.unwrap();
    c.put_resource_policy().resource_arn(&consumer_arn).policy(doc).send().await.unwrap();
    assert_eq!(c.get_resource_policy().resource_arn(arn("res")).send().await.unwrap().policy(), doc);
    assert_eq!(c.get_resource_policy().resource_arn(&consumer_arn).send().await.unwrap().policy(), doc);
    c.delete_resource_policy().resource_arn(arn("res")).send().await.unwrap();
    assert_eq!(c.get_resource_policy().resource_arn(arn("res")).send().await.unwrap().policy(), "{}");
    let e = api_err(c.put_resource_policy().resource_arn(arn("res")).policy("not json").send().await);
    assert_eq!(e.code, "InvalidArgumentException");
    let e = api_err(c.get_resource_policy().resource_arn(arn("nope")).send().await);
    assert_eq!(
        (e.code.as_str(), e.message.as_str()),
        ("ResourceNotFoundException", "Stream nope under account 000000000000 not found.")
    );
}
