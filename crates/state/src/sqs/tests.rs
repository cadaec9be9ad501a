//! SQS domain tests on an in-memory store with a manual clock.

use super::messages::*;
use super::queues::*;
use super::*;
use crate::clock::ManualClock;
use kinesin_protocol::sqs::types::*;
use std::sync::Arc;

fn engine() -> (Engine, ManualClock) {
    let clock = ManualClock::new(1_767_225_600_000);
    (Engine::memory(Arc::new(clock.clone())), clock)
}

fn caller() -> Caller {
    Caller::new(Ctx::new("000000000000", "us-east-1"), "localhost:4566")
}

fn create(eng: &mut Engine, name: &str, attrs: &[(&str, &str)]) -> String {
    let input = CreateQueueInput {
        queue_name: name.into(),
        attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    };
    create_queue(eng, &caller(), input).unwrap().queue_url
}

fn fifo(eng: &mut Engine, name: &str, extra: &[(&str, &str)]) -> String {
    let mut attrs = vec![("FifoQueue", "true"), ("ContentBasedDeduplication", "true")];
    attrs.extend_from_slice(extra);
    create(eng, name, &attrs)
}

fn send(eng: &mut Engine, url: &str, body: &str, group: Option<&str>) -> Result<SendMessageOutput, SqsError> {
    let input = SendMessageInput {
        queue_url: url.into(),
        message_body: body.into(),
        message_group_id: group.map(String::from),
        ..Default::default()
    };
    send_message(eng, &caller(), input)
}

fn receive(eng: &mut Engine, url: &str, max: i64) -> Vec<Message> {
    let input = ReceiveMessageInput {
        queue_url: url.into(),
        max_number_of_messages: Some(max),
        attribute_names: vec!["All".into()],
        ..Default::default()
    };
    receive_message(eng, &caller(), input).unwrap().output.messages
}

fn delete(eng: &mut Engine, url: &str, m: &Message) {
    let input = DeleteMessageInput { queue_url: url.into(), receipt_handle: m.receipt_handle.clone() };
    delete_message(eng, &caller(), input).unwrap();
}

fn bodies(ms: &[Message]) -> Vec<&str> {
    ms.iter().map(|m| m.body.as_str()).collect()
}

#[test]
fn fifo_orders_by_group_and_locks_groups_in_flight() {
    let (mut eng, _clock) = engine();
    let url = fifo(&mut eng, "q.fifo", &[]);
    for (body, g) in [("a1", "A"), ("b1", "B"), ("a2", "A"), ("b2", "B"), ("a3", "A")] {
        send(&mut eng, &url, body, Some(g)).unwrap();
    }
    // As many of the first group as possible, in order, then the next group.
    let first = receive(&mut eng, &url, 2);
    assert_eq!(bodies(&first), ["a1", "a2"]);
    // Group A is locked while a1/a2 are in flight; B flows.
    let second = receive(&mut eng, &url, 10);
    assert_eq!(bodies(&second), ["b1", "b2"]);
    assert!(receive(&mut eng, &url, 10).is_empty());
    delete(&mut eng, &url, &first[0]);
    assert!(receive(&mut eng, &url, 10).is_empty(), "a2 still in flight keeps A locked");
    delete(&mut eng, &url, &first[1]);
    assert_eq!(bodies(&receive(&mut eng, &url, 10)), ["a3"]);
    let seqs: Vec<u128> = first.iter().map(|m| m.attributes["SequenceNumber"].parse().unwrap()).collect();
    assert!(seqs[0] < seqs[1] && first[0].attributes["SequenceNumber"].len() == 20);
}

#[test]
fn visibility_expiry_puts_message_back_at_head_of_group() {
    let (mut eng, clock) = engine();
    let url = fifo(&mut eng, "v.fifo", &[("VisibilityTimeout", "10")]);
    send(&mut eng, &url, "m1", Some("g")).unwrap();
    send(&mut eng, &url, "m2", Some("g")).unwrap();
    let got = receive(&mut eng, &url, 1);
    assert_eq!(bodies(&got), ["m1"]);
    clock.advance(9_999);
    assert!(receive(&mut eng, &url, 10).is_empty());
    clock.advance(1);
    let again = receive(&mut eng, &url, 10);
    assert_eq!(bodies(&again), ["m1", "m2"]);
    assert_eq!(again[0].attributes["ApproximateReceiveCount"], "2");
    assert_ne!(again[0].receipt_handle, got[0].receipt_handle);
    // On a FIFO queue the old receipt handle has expired: it deletes nothing.
    let old = DeleteMessageInput { queue_url: url.clone(), receipt_handle: got[0].receipt_handle.clone() };
    let e = delete_message(&mut eng, &caller(), old).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert!(e.0.message.ends_with("Reason: The receipt handle has expired."), "{}", e.0.message);
    let counts = attributes::counts(&eng, 1, eng.now()).unwrap();
    assert_eq!(counts.1, 2);
    // ChangeMessageVisibility to 0 releases; on a message not in flight it fails.
    let cmv = |eng: &mut Engine, m: &Message| {
        change_message_visibility(
            eng,
            &caller(),
            ChangeMessageVisibilityInput {
                queue_url: url.clone(),
                receipt_handle: m.receipt_handle.clone(),
                visibility_timeout: Some(0),
            },
        )
    };
    cmv(&mut eng, &again[0]).unwrap();
    cmv(&mut eng, &again[1]).unwrap();
    assert_eq!(cmv(&mut eng, &again[0]).unwrap_err().code(), "MessageNotInflight");
}

#[test]
fn deduplication_window_outlives_delete() {
    let (mut eng, clock) = engine();
    let url = fifo(&mut eng, "d.fifo", &[]);
    let first = send(&mut eng, &url, "same", Some("g")).unwrap();
    let dup = send(&mut eng, &url, "same", Some("g")).unwrap();
    assert_eq!(first.message_id, dup.message_id);
    assert_eq!(first.sequence_number, dup.sequence_number);
    let got = receive(&mut eng, &url, 10);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].attributes["MessageDeduplicationId"], md5::sha256("same"));
    delete(&mut eng, &url, &got[0]);
    clock.advance(DEDUP_WINDOW_MS - 1);
    assert_eq!(send(&mut eng, &url, "same", Some("g")).unwrap().message_id, first.message_id);
    assert!(receive(&mut eng, &url, 10).is_empty());
    clock.advance(1);
    assert_ne!(send(&mut eng, &url, "same", Some("g")).unwrap().message_id, first.message_id);
    assert_eq!(receive(&mut eng, &url, 10).len(), 1);
}

#[test]
fn dedup_scope_message_group_and_explicit_ids() {
    let (mut eng, _) = engine();
    let url = create(&mut eng, "s.fifo", &[("FifoQueue", "true"), ("DeduplicationScope", "messageGroup")]);
    let explicit = |eng: &mut Engine, g: &str, d: Option<&str>| {
        send_message(
            eng,
            &caller(),
            SendMessageInput {
                queue_url: url.clone(),
                message_body: "x".into(),
                message_group_id: Some(g.into()),
                message_deduplication_id: d.map(String::from),
                ..Default::default()
            },
        )
    };
    let a = explicit(&mut eng, "A", Some("d1")).unwrap();
    let b = explicit(&mut eng, "B", Some("d1")).unwrap();
    assert_ne!(a.message_id, b.message_id, "dedup ids are per group");
    let e = explicit(&mut eng, "A", None).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert!(e.0.message.contains("ContentBasedDeduplication"));
    assert_eq!(send(&mut eng, &url, "x", None).unwrap_err().code(), "MissingParameter");
    let bad = SendMessageInput {
        queue_url: url.clone(),
        message_body: "x".into(),
        message_group_id: Some("A".into()),
        message_deduplication_id: Some("z".into()),
        delay_seconds: Some(5),
        ..Default::default()
    };
    assert_eq!(send_message(&mut eng, &caller(), bad).unwrap_err().code(), "InvalidParameterValue");
    let bad = create_queue(
        &mut eng,
        &caller(),
        CreateQueueInput {
            queue_name: "t.fifo".into(),
            attributes: [
                ("FifoQueue".to_string(), "true".to_string()),
                ("FifoThroughputLimit".into(), "perMessageGroupId".into()),
            ]
            .into(),
            ..Default::default()
        },
    );
    assert_eq!(bad.unwrap_err().code(), "InvalidAttributeValue");
}

#[test]
fn dead_letter_queue_after_max_receive_count() {
    let (mut eng, clock) = engine();
    let dlq = fifo(&mut eng, "dlq.fifo", &[]);
    let policy = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo","maxReceiveCount":2}"#;
    let url = fifo(&mut eng, "src.fifo", &[("VisibilityTimeout", "5"), ("RedrivePolicy", policy)]);
    send(&mut eng, &url, "poison", Some("g")).unwrap();
    send(&mut eng, &url, "next", Some("g")).unwrap();
    for _ in 0..2 {
        assert_eq!(bodies(&receive(&mut eng, &url, 1)), ["poison"]);
        clock.advance(5_000);
    }
    // Third receive: the poison message moves to the DLQ and the group unblocks.
    assert_eq!(bodies(&receive(&mut eng, &url, 1)), ["next"]);
    let dead = receive(&mut eng, &dlq, 10);
    assert_eq!(bodies(&dead), ["poison"]);
    assert_eq!(dead[0].attributes["DeadLetterQueueSourceArn"], "arn:aws:sqs:us-east-1:000000000000:src.fifo");
    let sources = list_dead_letter_source_queues(
        &mut eng,
        &caller(),
        ListDeadLetterSourceQueuesInput { queue_url: dlq.clone(), ..Default::default() },
    )
    .unwrap();
    assert_eq!(sources.queue_urls, vec![url.clone()]);
    // Redrive back with a move task.
    clock.advance(60_000);
    let task = moves::start_message_move_task(
        &mut eng,
        &caller(),
        StartMessageMoveTaskInput {
            source_arn: "arn:aws:sqs:us-east-1:000000000000:dlq.fifo".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!task.task_handle.is_empty());
    maintenance::run(&mut eng).unwrap();
    let listed = moves::list_message_move_tasks(
        &mut eng,
        &caller(),
        ListMessageMoveTasksInput {
            source_arn: "arn:aws:sqs:us-east-1:000000000000:dlq.fifo".into(),
            max_results: None,
        },
    )
    .unwrap();
    assert_eq!(
        (listed.results[0].status.as_str(), listed.results[0].approximate_number_of_messages_moved),
        ("COMPLETED", 1)
    );
    // A standard DLQ for a FIFO source is refused.
    create(&mut eng, "std-dlq", &[]);
    let e = set_queue_attributes(
        &mut eng,
        &caller(),
        SetQueueAttributesInput {
            queue_url: url.clone(),
            attributes: [(
                "RedrivePolicy".to_string(),
                r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:std-dlq","maxReceiveCount":"3"}"#
                    .to_string(),
            )]
            .into(),
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
}

#[test]
fn retention_and_delays() {
    let (mut eng, clock) = engine();
    let url = create(&mut eng, "std", &[("MessageRetentionPeriod", "60")]);
    send(&mut eng, &url, "old", None).unwrap();
    clock.advance(30_000);
    let delayed = SendMessageInput {
        queue_url: url.clone(),
        message_body: "later".into(),
        delay_seconds: Some(10),
        ..Default::default()
    };
    send_message(&mut eng, &caller(), delayed).unwrap();
    let attrs = |eng: &mut Engine| {
        get_queue_attributes(
            eng,
            &caller(),
            GetQueueAttributesInput { queue_url: url.clone(), attribute_names: vec!["All".into()] },
        )
        .unwrap()
        .attributes
    };
    let a = attrs(&mut eng);
    assert_eq!(
        (a["ApproximateNumberOfMessages"].as_str(), a["ApproximateNumberOfMessagesDelayed"].as_str()),
        ("1", "1")
    );
    assert!(!a.contains_key("FifoQueue"));
    assert_eq!(a["VisibilityTimeout"], "30");
    clock.advance(10_000);
    assert_eq!(attrs(&mut eng)["ApproximateNumberOfMessages"], "2");
    clock.advance(20_000);
    let next = maintenance::run(&mut eng).unwrap();
    assert_eq!(next, Some(1_767_225_600_000 + 30_000 + 60_000));
    assert_eq!(bodies(&receive(&mut eng, &url, 10)), ["later"]);
}

#[test]
fn queue_lifecycle_and_errors() {
    let (mut eng, _) = engine();
    let url = create(&mut eng, "life", &[("VisibilityTimeout", "40")]);
    assert_eq!(url, "http://localhost:4566/000000000000/life");
    assert_eq!(create(&mut eng, "life", &[("VisibilityTimeout", "40")]), url);
    let e = create_queue(
        &mut eng,
        &caller(),
        CreateQueueInput {
            queue_name: "life".into(),
            attributes: [("VisibilityTimeout".into(), "41".into())].into(),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "QueueNameExists");
    let e = create_queue(&mut eng, &caller(), CreateQueueInput { queue_name: "bad name".into(), ..Default::default() });
    assert_eq!(e.unwrap_err().code(), "InvalidParameterValue");
    let e = create_queue(&mut eng, &caller(), CreateQueueInput { queue_name: "x.fifo".into(), ..Default::default() });
    assert_eq!(e.unwrap_err().code(), "InvalidParameterValue");
    let e = create_queue(
        &mut eng,
        &caller(),
        CreateQueueInput {
            queue_name: "v".into(),
            attributes: [("VisibilityTimeout".into(), "43201".into())].into(),
            ..Default::default()
        },
    );
    assert_eq!(e.unwrap_err().code(), "InvalidAttributeValue");
    assert_eq!(send(&mut eng, "http://h/000000000000/nope", "x", None).unwrap_err().code(), "QueueDoesNotExist");
    let bad_handle = DeleteMessageInput { queue_url: url.clone(), receipt_handle: "garbage".into() };
    assert_eq!(delete_message(&mut eng, &caller(), bad_handle).unwrap_err().code(), "ReceiptHandleIsInvalid");
    purge_queue(&mut eng, &caller(), QueueUrlInput { queue_url: url.clone() }).unwrap();
    let e = purge_queue(&mut eng, &caller(), QueueUrlInput { queue_url: url.clone() }).unwrap_err();
    assert_eq!(e.code(), "PurgeQueueInProgress");
    let batch = |ids: &[&str]| SendMessageBatchInput {
        queue_url: url.clone(),
        entries: ids
            .iter()
            .map(|i| SendMessageBatchEntry { id: i.to_string(), message_body: "b".into(), ..Default::default() })
            .collect(),
    };
    assert_eq!(send_message_batch(&mut eng, &caller(), batch(&[])).unwrap_err().code(), "EmptyBatchRequest");
    assert_eq!(
        send_message_batch(&mut eng, &caller(), batch(&["a", "a"])).unwrap_err().code(),
        "BatchEntryIdsNotDistinct"
    );
    assert_eq!(send_message_batch(&mut eng, &caller(), batch(&["a b"])).unwrap_err().code(), "InvalidBatchEntryId");
    let many: Vec<String> = (0..11).map(|i| i.to_string()).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(
        send_message_batch(&mut eng, &caller(), batch(&many)).unwrap_err().code(),
        "TooManyEntriesInBatchRequest"
    );
    let mut mixed = batch(&["ok", "bad"]);
    mixed.entries[1].delay_seconds = Some(901);
    let out = send_message_batch(&mut eng, &caller(), mixed).unwrap();
    assert_eq!((out.successful.len(), out.failed[0].code.as_str()), (1, "InvalidParameterValue"));
    tag_queue(&mut eng, &caller(), TagQueueInput { queue_url: url.clone(), tags: [("a".into(), "1".into())].into() })
        .unwrap();
    assert_eq!(list_queue_tags(&mut eng, &caller(), QueueUrlInput { queue_url: url.clone() }).unwrap().tags["a"], "1");
    let listed = list_queues(
        &mut eng,
        &caller(),
        ListQueuesInput { queue_name_prefix: Some("li".into()), ..Default::default() },
    );
    assert_eq!(listed.unwrap().queue_urls, vec![url.clone()]);
    delete_queue(&mut eng, &caller(), QueueUrlInput { queue_url: url.clone() }).unwrap();
    assert_eq!(send(&mut eng, &url, "x", None).unwrap_err().code(), "QueueDoesNotExist");
}

#[test]
fn receive_attempt_id_repeats_the_same_answer() {
    let (mut eng, _) = engine();
    let url = fifo(&mut eng, "r.fifo", &[]);
    send(&mut eng, &url, "m", Some("g")).unwrap();
    let input = ReceiveMessageInput {
        queue_url: url.clone(),
        receive_request_attempt_id: Some("attempt-1".into()),
        ..Default::default()
    };
    let a = receive_message(&mut eng, &caller(), input.clone()).unwrap().output.messages;
    let b = receive_message(&mut eng, &caller(), input).unwrap().output.messages;
    assert_eq!(a.len(), 1);
    assert_eq!(a, b);
}

#[test]
fn a_deleted_name_is_reserved_for_60_seconds() {
    let (mut eng, clock) = engine();
    let url = create(&mut eng, "gone", &[]);
    delete_queue(&mut eng, &caller(), QueueUrlInput { queue_url: url.clone() }).unwrap();
    let again = |eng: &mut Engine| {
        create_queue(eng, &caller(), CreateQueueInput { queue_name: "gone".into(), ..Default::default() })
    };
    let e = again(&mut eng).unwrap_err();
    assert_eq!(e.code(), "QueueDeletedRecently");
    assert_eq!(
        e.0.message,
        "You must wait 60 seconds after deleting a queue before you can create another with the same name."
    );
    // Other names, and the same name in another region, are free.
    create(&mut eng, "gone-2", &[]);
    let elsewhere = Caller::new(Ctx::new("000000000000", "eu-west-1"), "localhost:4566");
    create_queue(&mut eng, &elsewhere, CreateQueueInput { queue_name: "gone".into(), ..Default::default() }).unwrap();
    clock.advance(59_999);
    assert_eq!(again(&mut eng).unwrap_err().code(), "QueueDeletedRecently");
    clock.advance(1);
    assert_eq!(again(&mut eng).unwrap().queue_url, url);
}

#[test]
fn receive_reports_the_dead_letter_queues_it_moved_messages_to() {
    let (mut eng, clock) = engine();
    create(&mut eng, "dead", &[]);
    let policy = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dead","maxReceiveCount":1}"#;
    let url = create(&mut eng, "live", &[("VisibilityTimeout", "5"), ("RedrivePolicy", policy)]);
    send(&mut eng, &url, "poison", None).unwrap();
    let input = ReceiveMessageInput { queue_url: url.clone(), ..Default::default() };
    let first = receive_message(&mut eng, &caller(), input.clone()).unwrap();
    assert_eq!((first.output.messages.len(), first.redriven_to.len()), (1, 0));
    clock.advance(5_000);
    let second = receive_message(&mut eng, &caller(), input).unwrap();
    assert!(second.output.messages.is_empty());
    assert_eq!(second.redriven_to, vec![QueueKey::new("000000000000", "us-east-1", "dead")]);
}

#[test]
fn fifo_receive_over_many_groups_and_pages() {
    let (mut eng, _clock) = engine();
    let url = fifo(&mut eng, "big.fifo", &[]);
    // 300 groups x 3 messages, interleaved: more than one page of heads and of group rows.
    for round in 0..3 {
        for g in 0..300 {
            send(&mut eng, &url, &format!("{g}-{round}"), Some(&format!("g{g}"))).unwrap();
        }
    }
    // Lock the first 200 groups (one message each in flight).
    let mut held = Vec::new();
    for _ in 0..200 {
        let got = receive(&mut eng, &url, 1);
        assert_eq!(got.len(), 1);
        held.push(got[0].clone());
    }
    assert_eq!(bodies(&held[..3]), ["0-0", "1-0", "2-0"]);
    // The next receive skips every locked group and fills from the oldest free one.
    assert_eq!(
        bodies(&receive(&mut eng, &url, 10)),
        ["200-0", "200-1", "200-2", "201-0", "201-1", "201-2", "202-0", "202-1", "202-2", "203-0"]
    );
    // Group 0 unlocks, but its oldest message now comes after the heads of groups 204..299.
    delete(&mut eng, &url, &held[0]);
    let next = receive(&mut eng, &url, 10);
    assert_eq!(bodies(&next[..4]), ["204-0", "204-1", "204-2", "205-0"]);
    // Deleting as it goes, a consumer then gets every other message once, each group in order.
    let mut all: Vec<Message> = next.clone();
    let mut batch = next;
    while !batch.is_empty() {
        for m in &batch {
            delete(&mut eng, &url, m);
        }
        batch = receive(&mut eng, &url, 10);
        all.extend(batch.iter().cloned());
    }
    let mut expected: Vec<String> = (204..300).flat_map(|g| (0..3).map(move |r| format!("{g}-{r}"))).collect();
    expected.extend(["0-1".to_string(), "0-2".to_string()]);
    let mut got: Vec<String> = all.iter().map(|m| m.body.clone()).collect();
    for g in ["0", "204", "250", "299"] {
        let order: Vec<&String> = got.iter().filter(|b| b.split('-').next() == Some(g)).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "group {g} in order");
    }
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
}

#[test]
fn standard_receive_pages_past_messages_it_redrives() {
    let (mut eng, clock) = engine();
    let dlq = create(&mut eng, "std-dead", &[]);
    let policy = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:std-dead","maxReceiveCount":1}"#;
    let url = create(&mut eng, "std-live", &[("VisibilityTimeout", "5"), ("RedrivePolicy", policy)]);
    for i in 0..40 {
        send(&mut eng, &url, &format!("poison-{i}"), None).unwrap();
    }
    let mut first = 0;
    while first < 40 {
        let got = receive(&mut eng, &url, 10);
        assert!(!got.is_empty());
        first += got.len();
    }
    clock.advance(5_000);
    send(&mut eng, &url, "good", None).unwrap();
    // The 40 received ones are visible again first, past maxReceiveCount: all go to the DLQ.
    assert_eq!(bodies(&receive(&mut eng, &url, 1)), ["good"]);
    let mut dead = 0;
    loop {
        let got = receive(&mut eng, &dlq, 10);
        if got.is_empty() {
            break;
        }
        dead += got.len();
    }
    assert_eq!(dead, 40);
}

mod fidelity;

/// Runs SQS operation `name` through its table and holds the (JSON 1.0) answer to the model.
fn checked(eng: &mut Engine, name: &str, doc: serde_json::Value) -> serde_json::Value {
    let op = api::Op::parse(name).expect("an SQS operation");
    op.visit(crate::service::Checked { eng, caller: &caller(), doc }).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

#[test]
fn every_answer_is_spelled_as_the_model_says() {
    use serde_json::json;
    let (mut eng, _clock) = engine();
    let url = checked(&mut eng, "CreateQueue", json!({"QueueName": "q", "tags": {"a": "1"}}))["QueueUrl"].clone();
    let q = json!({"QueueUrl": url});
    checked(&mut eng, "GetQueueUrl", json!({"QueueName": "q"}));
    checked(&mut eng, "ListQueues", json!({}));
    let attrs = json!({"a": {"DataType": "String", "StringValue": "v"}});
    checked(&mut eng, "SendMessage", json!({"QueueUrl": url, "MessageBody": "b", "MessageAttributes": attrs}));
    let entries = json!([{"Id": "1", "MessageBody": "x"}, {"Id": "2", "MessageBody": "y"}]);
    checked(&mut eng, "SendMessageBatch", json!({"QueueUrl": url, "Entries": entries}));
    let got = checked(
        &mut eng,
        "ReceiveMessage",
        json!({"QueueUrl": url, "MaxNumberOfMessages": 10, "AttributeNames": ["All"], "MessageAttributeNames": ["All"]}),
    );
    let messages = got["Messages"].as_array().unwrap().clone();
    assert_eq!(messages.len(), 3);
    let handle = |i: usize| messages[i]["ReceiptHandle"].clone();
    checked(
        &mut eng,
        "ChangeMessageVisibility",
        json!({"QueueUrl": url, "ReceiptHandle": handle(0), "VisibilityTimeout": 5}),
    );
    checked(&mut eng, "DeleteMessage", json!({"QueueUrl": url, "ReceiptHandle": handle(0)}));
    let batch = json!([{"Id": "a", "ReceiptHandle": handle(1)}, {"Id": "b", "ReceiptHandle": "bad"}]);
    checked(&mut eng, "DeleteMessageBatch", json!({"QueueUrl": url, "Entries": batch}));
    for (name, doc) in [
        ("GetQueueAttributes", json!({"QueueUrl": url, "AttributeNames": ["All"]})),
        ("SetQueueAttributes", json!({"QueueUrl": url, "Attributes": {"DelaySeconds": "1"}})),
        ("TagQueue", json!({"QueueUrl": url, "Tags": {"b": "2"}})),
        ("ListQueueTags", q.clone()),
        ("PurgeQueue", q.clone()),
        ("DeleteQueue", q),
    ] {
        checked(&mut eng, name, doc);
    }
}
