//! SQS rules from AWS (issue 14) on an in-memory store with a manual clock: FIFO group
//! visibility and serving order, receipt handles, FIFO batch checks, attributes, queue URLs.

use crate::clock::ManualClock;
use crate::sqs::messages::*;
use crate::sqs::moves::*;
use crate::sqs::queues::*;
use crate::sqs::*;
use kinesin_protocol::sqs::types::*;
use std::sync::Arc;

fn engine() -> (Engine, ManualClock) {
    let clock = ManualClock::new(1_767_225_600_000);
    (Engine::memory(Arc::new(clock.clone())), clock)
}

fn caller() -> Caller {
    Caller::new(Ctx::new("000000000000", "us-east-1"), "localhost:4566")
}

fn create(eng: &mut Engine, name: &str, attrs: &[(&str, &str)]) -> Result<String, SqsError> {
    let input = CreateQueueInput {
        queue_name: name.into(),
        attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    };
    Ok(create_queue(eng, &caller(), input)?.queue_url)
}

fn fifo(eng: &mut Engine, name: &str, extra: &[(&str, &str)]) -> String {
    let mut attrs = vec![("FifoQueue", "true"), ("ContentBasedDeduplication", "true")];
    attrs.extend_from_slice(extra);
    create(eng, name, &attrs).unwrap()
}

fn send(eng: &mut Engine, url: &str, body: &str, group: Option<&str>) -> SendMessageOutput {
    let input = SendMessageInput {
        queue_url: url.into(),
        message_body: body.into(),
        message_group_id: group.map(String::from),
        ..Default::default()
    };
    send_message(eng, &caller(), input).unwrap()
}

fn receive_with(eng: &mut Engine, url: &str, max: i64, visibility: Option<i64>) -> Vec<Message> {
    let input = ReceiveMessageInput {
        queue_url: url.into(),
        max_number_of_messages: Some(max),
        visibility_timeout: visibility,
        message_attribute_names: vec!["All".into()],
        ..Default::default()
    };
    receive_message(eng, &caller(), input).unwrap().output.messages
}

fn receive(eng: &mut Engine, url: &str, max: i64) -> Vec<Message> {
    receive_with(eng, url, max, None)
}

fn bodies(ms: &[Message]) -> Vec<&str> {
    ms.iter().map(|m| m.body.as_str()).collect()
}

fn delete(eng: &mut Engine, url: &str, m: &Message) -> Result<Empty, SqsError> {
    delete_message(
        eng,
        &caller(),
        DeleteMessageInput { queue_url: url.into(), receipt_handle: m.receipt_handle.clone() },
    )
}

fn change(eng: &mut Engine, url: &str, m: &Message, timeout: i64) -> Result<Empty, SqsError> {
    let input = ChangeMessageVisibilityInput {
        queue_url: url.into(),
        receipt_handle: m.receipt_handle.clone(),
        visibility_timeout: Some(timeout),
    };
    change_message_visibility(eng, &caller(), input)
}

#[test]
fn waiting_groups_are_served_before_groups_that_returned_to_visibility() {
    let (mut eng, clock) = engine();
    let url = fifo(&mut eng, "order.fifo", &[("VisibilityTimeout", "10")]);
    for (body, g) in [("a1", "g1"), ("a2", "g1"), ("b1", "g2"), ("b2", "g2"), ("c1", "g3"), ("c2", "g3")] {
        send(&mut eng, &url, body, Some(g));
    }
    assert_eq!(bodies(&receive(&mut eng, &url, 1)), ["a1"]);
    assert_eq!(bodies(&receive(&mut eng, &url, 1)), ["b1"]);
    clock.advance(10_000);
    // g3 waited all along; g1 and g2 just came back: g3 first, then g1, g2, each in order.
    assert_eq!(bodies(&receive(&mut eng, &url, 10)), ["c1", "c2", "a1", "a2", "b1", "b2"]);
}

#[test]
fn a_group_unblocks_when_its_visibility_ends_and_stays_blocked_while_extended() {
    let (mut eng, clock) = engine();
    let url = fifo(&mut eng, "vis.fifo", &[("VisibilityTimeout", "30")]);
    for body in ["m1", "m2", "m3"] {
        send(&mut eng, &url, body, Some("g"));
    }
    // A receive with VisibilityTimeout=0 leaves the group available at once.
    assert_eq!(bodies(&receive_with(&mut eng, &url, 1, Some(0))), ["m1"]);
    let got = receive(&mut eng, &url, 1);
    assert_eq!(bodies(&got), ["m1"]);
    assert!(receive(&mut eng, &url, 10).is_empty(), "m1 in flight blocks its group");
    // Extended: still blocked after the queue's timeout.
    change(&mut eng, &url, &got[0], 60).unwrap();
    clock.advance(30_000);
    assert!(receive(&mut eng, &url, 10).is_empty());
    // ChangeMessageVisibility to 0: available again, in order.
    change(&mut eng, &url, &got[0], 0).unwrap();
    let again = receive(&mut eng, &url, 10);
    assert_eq!(bodies(&again), ["m1", "m2", "m3"]);
    // The timeout ends: available again.
    clock.advance(30_000);
    assert_eq!(bodies(&receive(&mut eng, &url, 10)), ["m1", "m2", "m3"]);
}

#[test]
fn a_delete_puts_its_group_behind_groups_that_were_waiting() {
    let (mut eng, clock) = engine();
    let url = fifo(&mut eng, "del.fifo", &[]);
    send(&mut eng, &url, "a1", Some("g1"));
    send(&mut eng, &url, "a2", Some("g1"));
    clock.advance(1_000);
    send(&mut eng, &url, "c1", Some("g3"));
    let got = receive(&mut eng, &url, 1);
    assert_eq!(bodies(&got), ["a1"]);
    clock.advance(1_000);
    delete(&mut eng, &url, &got[0]).unwrap();
    assert_eq!(bodies(&receive(&mut eng, &url, 10)), ["c1", "a2"]);
}

#[test]
fn standard_receipt_handles_act_on_their_message() {
    let (mut eng, clock) = engine();
    let url = create(&mut eng, "std", &[("VisibilityTimeout", "10")]).unwrap();
    send(&mut eng, &url, "m", None);
    let first = receive(&mut eng, &url, 1);
    clock.advance(10_000);
    // After the timeout: accepted (AWS does not answer MessageNotInflight here).
    change(&mut eng, &url, &first[0], 20).unwrap();
    assert!(receive(&mut eng, &url, 1).is_empty(), "hidden again for 20 s");
    clock.advance(20_000);
    let second = receive(&mut eng, &url, 1);
    assert_ne!(second[0].receipt_handle, first[0].receipt_handle);
    // The older handle still acts on the message received again.
    change(&mut eng, &url, &first[0], 0).unwrap();
    assert_eq!(bodies(&receive_with(&mut eng, &url, 1, Some(5))), ["m"]);
    delete(&mut eng, &url, &first[0]).unwrap();
    assert!(
        receive(&mut eng, &url, 1).is_empty() && {
            clock.advance(5_000);
            receive(&mut eng, &url, 1).is_empty()
        }
    );
    // Deleted: ChangeMessageVisibility fails, a second delete does not.
    let e = change(&mut eng, &url, &second[0], 0).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert!(e.0.message.ends_with("Message does not exist or is not available for visibility timeout change."));
    delete(&mut eng, &url, &second[0]).unwrap();
}

#[test]
fn fifo_delete_with_an_expired_handle_fails() {
    let (mut eng, clock) = engine();
    let url = fifo(&mut eng, "exp.fifo", &[("VisibilityTimeout", "5")]);
    send(&mut eng, &url, "m", Some("g"));
    let got = receive(&mut eng, &url, 1);
    clock.advance(5_000);
    let e = delete(&mut eng, &url, &got[0]).unwrap_err();
    assert_eq!(e.code(), "InvalidParameterValue");
    assert_eq!(
        e.0.message,
        format!(
            "Value {} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.",
            got[0].receipt_handle
        )
    );
    let again = receive(&mut eng, &url, 1);
    assert_eq!(bodies(&again), ["m"], "still there");
    delete(&mut eng, &url, &again[0]).unwrap();
}

#[test]
fn fifo_delay_zero_means_the_queue_delay() {
    let (mut eng, clock) = engine();
    let url = fifo(&mut eng, "delay.fifo", &[("DelaySeconds", "3")]);
    let send_delay = |eng: &mut Engine, d: i64| {
        let input = SendMessageInput {
            queue_url: url.clone(),
            message_body: format!("d{d}"),
            message_group_id: Some("g".into()),
            delay_seconds: Some(d),
            ..Default::default()
        };
        send_message(eng, &caller(), input)
    };
    send_delay(&mut eng, 0).unwrap();
    assert_eq!(send_delay(&mut eng, 2).unwrap_err().code(), "InvalidParameterValue");
    let batch = SendMessageBatchInput {
        queue_url: url.clone(),
        entries: vec![SendMessageBatchEntry {
            id: "a".into(),
            message_body: "batched".into(),
            message_group_id: Some("g".into()),
            delay_seconds: Some(0),
            ..Default::default()
        }],
    };
    let out = send_message_batch(&mut eng, &caller(), batch).unwrap();
    assert_eq!((out.successful.len(), out.failed.len()), (1, 0));
    assert!(receive(&mut eng, &url, 10).is_empty(), "the queue's 3 s delay applies");
    clock.advance(3_000);
    assert_eq!(bodies(&receive(&mut eng, &url, 10)), ["d0", "batched"]);
}

#[test]
fn fifo_batch_entries_without_group_or_dedup_id_fail_the_request() {
    let (mut eng, _) = engine();
    let plain = create(&mut eng, "plain.fifo", &[("FifoQueue", "true")]).unwrap();
    let entry = |id: &str, g: Option<&str>, d: Option<&str>| SendMessageBatchEntry {
        id: id.into(),
        message_body: "x".into(),
        message_group_id: g.map(String::from),
        message_deduplication_id: d.map(String::from),
        ..Default::default()
    };
    let batch = |url: &str, entries| SendMessageBatchInput { queue_url: url.into(), entries };
    let e = send_message_batch(
        &mut eng,
        &caller(),
        batch(&plain, vec![entry("a", Some("g"), Some("d")), entry("b", Some("g"), None)]),
    )
    .unwrap_err();
    assert_eq!(
        (e.code(), e.0.message.as_str()),
        (
            "InvalidParameterValue",
            "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
        )
    );
    let e = send_message_batch(&mut eng, &caller(), batch(&plain, vec![entry("a", None, Some("d"))])).unwrap_err();
    assert_eq!(
        (e.code(), e.0.message.as_str()),
        ("InvalidParameterValue", "The request must contain the parameter MessageGroupId.")
    );
    assert!(receive(&mut eng, &plain, 10).is_empty(), "nothing of a failed batch is enqueued");
}

#[test]
fn message_attribute_names_and_patterns() {
    let (mut eng, _) = engine();
    let url = create(&mut eng, "attrs", &[]).unwrap();
    let attr =
        |v: &str| AttributeValue { data_type: "String".into(), string_value: Some(v.into()), ..Default::default() };
    let attrs: MessageAttributes =
        ["Hello", "Hel.lo", "Other", "attr.1øßä"].iter().map(|n| (n.to_string(), attr("v"))).collect();
    let input = SendMessageInput {
        queue_url: url.clone(),
        message_body: "b".into(),
        message_attributes: attrs,
        ..Default::default()
    };
    send_message(&mut eng, &caller(), input).unwrap();
    let names = |eng: &mut Engine, pattern: &str| {
        let input = ReceiveMessageInput {
            queue_url: url.clone(),
            visibility_timeout: Some(0),
            message_attribute_names: vec![pattern.into()],
            ..Default::default()
        };
        let m = receive_message(eng, &caller(), input).unwrap().output.messages.remove(0);
        m.message_attributes.keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(names(&mut eng, "Hel.*"), ["Hel.lo", "Hello"]);
    assert_eq!(names(&mut eng, ".*").len(), 4);
    assert_eq!(names(&mut eng, "All").len(), 4);
    assert_eq!(names(&mut eng, "attr.1øßä"), ["attr.1øßä"]);
    let empty = [("a".to_string(), AttributeValue { data_type: "String".into(), ..Default::default() })].into();
    let input = SendMessageInput {
        queue_url: url.clone(),
        message_body: "b".into(),
        message_attributes: empty,
        ..Default::default()
    };
    let e = send_message(&mut eng, &caller(), input).unwrap_err();
    assert_eq!(e.0.message, "Message (user) attribute 'a' must contain a non-empty value of type 'String'.");
    let bad = [("a§".to_string(), attr("v"))].into();
    let input =
        SendMessageInput { queue_url: url, message_body: "b".into(), message_attributes: bad, ..Default::default() };
    assert_eq!(send_message(&mut eng, &caller(), input).unwrap_err().code(), "InvalidParameterValue");
}

#[test]
fn fifo_queue_attribute_rules_and_dedup_scope_changes() {
    let (mut eng, _) = engine();
    let e = create(&mut eng, "std", &[("FifoQueue", "false")]).unwrap_err();
    assert_eq!((e.code(), e.0.message.as_str()), ("InvalidAttributeName", "Unknown Attribute FifoQueue."));
    let url = fifo(&mut eng, "scope.fifo", &[]);
    let set = |eng: &mut Engine, k: &str, v: &str| {
        let input =
            SetQueueAttributesInput { queue_url: url.clone(), attributes: [(k.to_string(), v.to_string())].into() };
        set_queue_attributes(eng, &caller(), input)
    };
    let e = set(&mut eng, "FifoQueue", "true").unwrap_err();
    assert_eq!(e.code(), "InvalidAttributeValue");
    assert_eq!(
        e.0.message,
        "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported."
    );
    let a = send(&mut eng, &url, "same", Some("A"));
    assert_eq!(send(&mut eng, &url, "same", Some("B")).message_id, a.message_id, "per queue");
    set(&mut eng, "DeduplicationScope", "messageGroup").unwrap();
    set(&mut eng, "FifoThroughputLimit", "perMessageGroupId").unwrap();
    assert_ne!(send(&mut eng, &url, "same", Some("B")).message_id, a.message_id, "per group now");
    assert_eq!(send(&mut eng, &url, "same", Some("A")).message_id, a.message_id);
    // PurgeQueue forgets the deduplication ids.
    purge_queue(&mut eng, &caller(), QueueUrlInput { queue_url: url.clone() }).unwrap();
    assert_ne!(send(&mut eng, &url, "same", Some("A")).message_id, a.message_id);
    assert_eq!(receive(&mut eng, &url, 10).len(), 1);
}

#[test]
fn queue_urls_name_their_region() {
    let (mut eng, _) = engine();
    let east = caller();
    let west = Caller::new(Ctx::new("000000000000", "eu-west-1"), "localhost:4566").with_default_region("us-east-1");
    let make = |eng: &mut Engine, c: &Caller| {
        let input = CreateQueueInput { queue_name: "same".into(), ..Default::default() };
        create_queue(eng, c, input).unwrap().queue_url
    };
    let (e, w) = (make(&mut eng, &east), make(&mut eng, &west));
    assert_eq!(e, "http://localhost:4566/000000000000/same");
    assert_eq!(w, "http://localhost:4566/queue/eu-west-1/000000000000/same");
    // Each URL names its own queue, whoever asks.
    send(&mut eng, &w, "to west", None);
    let got = receive_message(&mut eng, &east, ReceiveMessageInput { queue_url: w.clone(), ..Default::default() });
    assert_eq!(bodies(&got.unwrap().output.messages), ["to west"]);
    assert!(receive(&mut eng, &e, 1).is_empty());
    // LocalStack-style hosts carry the region.
    let ls = Caller::new(Ctx::new("000000000000", "eu-west-1"), "sqs.eu-west-1.localhost.localstack.cloud:4566");
    let url = get_queue_url(&mut eng, &ls, GetQueueUrlInput { queue_name: "same".into(), ..Default::default() });
    let url = url.unwrap().queue_url;
    assert_eq!(url, "http://sqs.eu-west-1.localhost.localstack.cloud:4566/000000000000/same");
    assert_eq!(parse_url(&east, &url).unwrap().region, "eu-west-1");
}

#[test]
fn policies_and_move_task_errors() {
    let (mut eng, _) = engine();
    let url = create(&mut eng, "perm", &[]).unwrap();
    let add = |eng: &mut Engine| {
        let input = AddPermissionInput {
            queue_url: url.clone(),
            label: "l1".into(),
            aws_account_ids: vec!["111122223333".into()],
            actions: vec!["SendMessage".into()],
        };
        add_permission(eng, &caller(), input)
    };
    add(&mut eng).unwrap();
    let e = add(&mut eng).unwrap_err();
    assert_eq!(e.0.message, "Value l1 for parameter Label is invalid. Reason: Already exists.");
    let input = GetQueueAttributesInput { queue_url: url.clone(), attribute_names: vec!["Policy".into()] };
    let policy: serde_json::Value =
        serde_json::from_str(&get_queue_attributes(&mut eng, &caller(), input).unwrap().attributes["Policy"]).unwrap();
    assert_eq!(policy["Version"], "2008-10-17");
    let remove = RemovePermissionInput { queue_url: url.clone(), label: "nope".into() };
    let e = remove_permission(&mut eng, &caller(), remove).unwrap_err();
    assert_eq!(
        (e.code(), e.0.message.as_str()),
        ("InvalidParameterValue", "Value nope for parameter Label is invalid. Reason: can't find label.")
    );
    let cancel = CancelMessageMoveTaskInput { task_handle: "bm90LWEtdGFzaw==".into() };
    let e = cancel_message_move_task(&mut eng, &caller(), cancel).unwrap_err();
    assert_eq!((e.code(), e.0.status), ("InvalidParameterValue", 400));
}
