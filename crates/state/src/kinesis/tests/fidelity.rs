//! Domain tests of AWS's edge cases: default stream mode, on-demand scaling, tag characters,
//! ShardId forms and error order, sequence-number decoding, continuation sequence numbers and
//! a stream deleted while CREATING.

use crate::kinesis::testing::{by_name, ctx, engine};
use crate::kinesis::*;
use crate::Engine;
use kinesin_protocol::kinesis::*;
use std::collections::BTreeMap;

fn create_input(name: &str, shards: Option<u32>) -> CreateStreamInput {
    CreateStreamInput {
        stream_name: name.into(),
        shard_count: shards,
        stream_mode_details: None,
        tags: None,
        max_record_size_in_kib: None,
        warm_throughput_mibps: None,
    }
}

fn put(eng: &mut Engine, name: &str, ordering: Option<&str>) -> Result<PutRecordOutput, StateError> {
    let input = PutRecordInput {
        stream_name: Some(name.into()),
        stream_arn: None,
        data: vec![1],
        partition_key: "k".into(),
        explicit_hash_key: None,
        sequence_number_for_ordering: ordering.map(str::to_string),
    };
    records::put_record(eng, &ctx(), input)
}

fn iterator(eng: &mut Engine, stream: &str, shard: &str, kind: &str, seq: Option<&str>) -> Result<String, StateError> {
    let input = GetShardIteratorInput {
        stream: by_name(stream),
        shard_id: shard.into(),
        shard_iterator_type: kind.into(),
        starting_sequence_number: seq.map(str::to_string),
        timestamp: None,
    };
    records::get_shard_iterator(eng, &ctx(), input).map(|o| o.shard_iterator)
}

fn message(e: StateError) -> String {
    kinesin_protocol::ApiError::from(e).message
}

#[test]
fn create_without_count_or_mode_is_on_demand_with_four_shards_and_cannot_be_rescaled() {
    let (mut eng, _clock) = engine();
    streams::create(&mut eng, &ctx(), create_input("od", None)).unwrap();
    let d = streams::describe(
        &mut eng,
        &ctx(),
        DescribeStreamInput { stream: by_name("od"), limit: None, exclusive_start_shard_id: None },
    )
    .unwrap()
    .stream_description;
    assert_eq!((d.stream_mode_details.stream_mode.as_str(), d.shards.len()), ("ON_DEMAND", 4));
    let input =
        UpdateShardCountInput { stream: by_name("od"), target_shard_count: 8, scaling_type: "UNIFORM_SCALING".into() };
    let e = reshard::update_shard_count(&mut eng, &ctx(), input).unwrap_err();
    assert!(matches!(e, StateError::Validation(_)), "{e:?}");
    assert_eq!(message(e), "Request is invalid. Stream od under account 000000000000 is in On-Demand mode.");
    // A shard count alone still means PROVISIONED.
    streams::create(&mut eng, &ctx(), create_input("p", Some(2))).unwrap();
    let s = streams::describe_summary(&mut eng, &ctx(), by_name("p")).unwrap().stream_description_summary;
    assert_eq!(s.stream_mode_details.stream_mode, "PROVISIONED");
}

#[test]
fn tags_outside_aws_characters_are_refused_with_its_two_messages() {
    let (mut eng, _clock) = engine();
    streams::create(&mut eng, &ctx(), create_input("t", Some(1))).unwrap();
    let add = |eng: &mut Engine, k: &str, v: &str| {
        let tags = BTreeMap::from([(k.to_string(), v.to_string())]);
        tags::add(eng, &ctx(), AddTagsToStreamInput { stream: by_name("t"), tags })
    };
    add(&mut eng, "team name", "øßä 1_./=+-@:").unwrap();
    for (k, v) in [("a\tb", "v"), ("k", "line\nbreak"), ("k", "semi;colon"), ("k*", "v")] {
        let e = add(&mut eng, k, v).unwrap_err();
        assert!(message(e).starts_with("Some tags contain invalid characters."), "{k:?}={v:?}");
    }
    let e = add(&mut eng, "k", "50%").unwrap_err();
    assert!(matches!(e, StateError::InvalidArgument(_)));
    assert!(message(e).starts_with("Failed to add tags to stream t under account 000000000000 because some tags"));
    let e =
        tags::remove(&mut eng, &ctx(), RemoveTagsFromStreamInput { stream: by_name("t"), tag_keys: vec!["%".into()] })
            .unwrap_err();
    assert!(message(e).starts_with("Failed to remove tags from stream t "));
    let mut input = create_input("t2", Some(1));
    input.tags = Some(BTreeMap::from([("k".to_string(), "tab\there".to_string())]));
    assert!(matches!(streams::create(&mut eng, &ctx(), input), Err(StateError::InvalidArgument(_))));
}

#[test]
fn shard_ids_and_the_order_of_stream_and_shard_errors() {
    let (mut eng, _clock) = engine();
    streams::create(&mut eng, &ctx(), create_input("s", Some(2))).unwrap();
    for id in ["shardId-000000000001", "shard-1", "x-01", "-1", "1"] {
        iterator(&mut eng, "s", id, "TRIM_HORIZON", None).unwrap();
    }
    let gsi = |eng: &mut Engine, stream: &str, shard: &str| {
        message(iterator(eng, stream, shard, "LATEST", None).unwrap_err())
    };
    assert_eq!(
        gsi(&mut eng, "s", "shard-7"),
        "Shard shardId-000000000007 in stream s under account 000000000000 does not exist"
    );
    assert_eq!(
        gsi(&mut eng, "nope", "2147483648"),
        "Could not find shard 2147483648 in stream nope under account 000000000000."
    );
    assert_eq!(
        gsi(&mut eng, "nope", "x-5"),
        "Shard shardId-000000000005 in stream nope under account 000000000000 does not exist"
    );
    let split = |eng: &mut Engine, stream: &str, shard: &str| {
        let input = SplitShardInput {
            stream: by_name(stream),
            shard_to_split: shard.into(),
            new_starting_hash_key: "10".into(),
        };
        message(reshard::split(eng, &ctx(), input).unwrap_err())
    };
    assert_eq!(split(&mut eng, "nope", "shard-1"), "Stream nope under account 000000000000 not found.");
    assert_eq!(
        split(&mut eng, "nope", "ABKLFD8"),
        "Could not find shard ABKLFD8 in stream nope under account 000000000000."
    );
    assert_eq!(
        split(&mut eng, "s", "shard-5"),
        "Could not find shard shardId-000000000005 in stream s under account 000000000000."
    );
}

#[test]
fn sequence_numbers_are_decoded_and_reported_as_aws_does() {
    let (mut eng, clock) = engine();
    streams::create(&mut eng, &ctx(), create_input("s", Some(2))).unwrap();
    let p = put(&mut eng, "s", Some("0")).unwrap();
    let other = if p.shard_id.ends_with('0') { "shardId-000000000001" } else { "shardId-000000000000" };
    let seq = Some(p.sequence_number.as_str());
    let e = message(iterator(&mut eng, "s", other, "AT_SEQUENCE_NUMBER", seq).unwrap_err());
    assert_eq!(
        e,
        format!(
            "Invalid StartingSequenceNumber. It encodes {}, while it was used in a call to a shard with {other}",
            p.shard_id
        )
    );
    let e = message(iterator(&mut eng, "s", "shard-0", "AT_SEQUENCE_NUMBER", Some("5")).unwrap_err());
    assert_eq!(e, "Invalid StartingSequenceNumber. It encodes shardId-000000000005, while it was used in a call to a shard with shardId-000000000000");
    let e = message(iterator(&mut eng, "s", "shard-0", "AT_SEQUENCE_NUMBER", Some("0")).unwrap_err());
    assert_eq!(e, "StartingSequenceNumber 21267647932558653966460912964485513216 used in GetShardIterator on shard shardId-000000000000 in stream s under account 000000000000 is invalid because it did not come from this stream.");
    let big = "26227199374822427428162556223570313216";
    let e = message(iterator(&mut eng, "s", "shard-0", "AT_SEQUENCE_NUMBER", Some(big)).unwrap_err());
    assert!(e.ends_with("under account 000000000000 is invalid."), "{e}");
    // A number of our own from an earlier stream of the same name.
    streams::delete(&mut eng, &ctx(), DeleteStreamInput { stream: by_name("s"), enforce_consumer_deletion: None })
        .unwrap();
    clock.advance(1_000);
    streams::create(&mut eng, &ctx(), create_input("s", Some(2))).unwrap();
    let e = message(iterator(&mut eng, "s", &p.shard_id, "AT_SEQUENCE_NUMBER", seq).unwrap_err());
    assert!(e.ends_with("is invalid because it did not come from this stream."), "{e}");
    // Ordering: "0", an AWS number and one of ours are taken; a number AWS cannot read is not.
    put(&mut eng, "s", Some("49590338271490256608559692538361571095921575989136588898")).unwrap();
    let last = put(&mut eng, "s", None).unwrap().sequence_number;
    put(&mut eng, "s", Some(&last)).unwrap();
    let e = message(put(&mut eng, "s", Some(big)).unwrap_err());
    assert_eq!(
        e,
        format!(
            "ExclusiveMinimumSequenceNumber {big} used in PutRecord on stream s under account 000000000000 is invalid."
        )
    );
}

#[test]
fn quoted_iterators_are_read() {
    let (mut eng, _clock) = engine();
    streams::create(&mut eng, &ctx(), create_input("s", Some(1))).unwrap();
    put(&mut eng, "s", None).unwrap();
    let it = iterator(&mut eng, "s", "shard-0", "TRIM_HORIZON", None).unwrap();
    let input = GetRecordsInput { shard_iterator: format!("\"{it}\""), limit: None, stream_arn: None };
    assert_eq!(records::get_records(&mut eng, &ctx(), input).unwrap().records.len(), 1);
}

#[test]
fn continuation_numbers_are_positions_after_the_records() {
    let (mut eng, _clock) = engine();
    streams::create(&mut eng, &ctx(), create_input("s", Some(1))).unwrap();
    let seqs: Vec<String> = (0..3).map(|_| put(&mut eng, "s", None).unwrap().sequence_number).collect();
    let m = cache::find(&mut eng, &ctx(), "s").unwrap().unwrap();
    let shard = &m.shards[0];
    let sub = subscribe::Subscription {
        consumer_arn: "c".into(),
        stream: m.id,
        shard: shard.id,
        shard_id: seqnum::shard_id(0),
        next: shard.start_seq,
    };
    let (event, next, ended) = subscribe::next_event(&mut eng, &sub).unwrap();
    assert!(!ended);
    assert_eq!(event.records.len(), 3);
    let cont = event.continuation_sequence_number.unwrap();
    assert!(seqs.iter().all(|s| *s < cont), "{cont} after every record");
    // Resuming from it, AT or AFTER, gives exactly the records written later.
    let later = put(&mut eng, "s", None).unwrap().sequence_number;
    for kind in ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"] {
        let it = iterator(&mut eng, "s", "shard-0", kind, Some(&cont)).unwrap();
        let out = records::get_records(
            &mut eng,
            &ctx(),
            GetRecordsInput { shard_iterator: it, limit: None, stream_arn: None },
        );
        let got: Vec<String> = out.unwrap().records.into_iter().map(|r| r.sequence_number).collect();
        assert_eq!(got, vec![later.clone()], "{kind}");
    }
    // An idle event after that does not move the store's counter again.
    let sub = subscribe::Subscription { next, ..sub };
    let (_, next, _) = subscribe::next_event(&mut eng, &sub).unwrap();
    let sub = subscribe::Subscription { next, ..sub };
    let before = eng.kinesis.next_seq;
    let (idle, _, _) = subscribe::next_event(&mut eng, &sub).unwrap();
    assert!(idle.records.is_empty() && idle.continuation_sequence_number.is_some());
    assert_eq!(eng.kinesis.next_seq, before);
    // Records read out (for the console): 3 + 1 in events, 1 per GetRecords.
    assert_eq!(m.records_out.load(std::sync::atomic::Ordering::Relaxed), 6);
}

#[test]
fn a_stream_deleted_while_creating_lists_no_shards() {
    let (mut eng, _clock) = engine();
    eng.settings.kinesis.create_delay_ms = 1_000;
    eng.settings.kinesis.delete_delay_ms = 1_000;
    streams::create(&mut eng, &ctx(), create_input("c", Some(3))).unwrap();
    streams::delete(&mut eng, &ctx(), DeleteStreamInput { stream: by_name("c"), enforce_consumer_deletion: None })
        .unwrap();
    let d = streams::describe(
        &mut eng,
        &ctx(),
        DescribeStreamInput { stream: by_name("c"), limit: None, exclusive_start_shard_id: None },
    )
    .unwrap()
    .stream_description;
    assert_eq!(d.stream_status, "DELETING");
    assert!(d.shards.is_empty() && !d.has_more_shards);
}
