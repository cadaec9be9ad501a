//! `kinesin sqs send|recv|peek|purge QUEUE`: a queue by name or URL.

use crate::client::{Client, Svc};
use crate::error::CliError;
use crate::input::Input;
use serde_json::{json, Value};
use std::io::Write;

/// Options of `sqs send`.
#[derive(Debug, Clone, Default)]
pub struct SendOpts {
    /// MessageGroupId (FIFO queues).
    pub group_id: Option<String>,
    /// MessageDeduplicationId (FIFO queues without content-based deduplication); each
    /// message gets this id with its index appended when several are sent.
    pub dedup_id: Option<String>,
    /// DelaySeconds.
    pub delay: Option<u32>,
}

/// The queue URL of a name (a URL is taken as is).
pub async fn queue_url(client: &Client, queue: &str) -> Result<String, CliError> {
    if queue.starts_with("http://") || queue.starts_with("https://") {
        return Ok(queue.to_string());
    }
    let out = client.call(Svc::Sqs, "GetQueueUrl", &json!({ "QueueName": queue })).await?;
    Ok(out.get("QueueUrl").and_then(Value::as_str).unwrap_or_default().to_string())
}

/// Sends each body (the arguments, else lines of stdin) in batches of 10; prints each
/// MessageId. The number sent.
pub async fn send(client: &Client, queue: &str, bodies: Vec<String>, opts: &SendOpts) -> Result<u64, CliError> {
    let url = queue_url(client, queue).await?;
    let single = bodies.len() == 1;
    let mut stdin = bodies.is_empty().then(|| Input::new(Vec::new(), false, Some(false)));
    let mut args = bodies.into_iter();
    let mut next = move || -> Result<Option<String>, CliError> {
        match &mut stdin {
            Some(input) => Ok(input.next_record()?.map(|l| String::from_utf8_lossy(&l).into_owned())),
            None => Ok(args.next()),
        }
    };
    let (mut sent, mut batch, mut out) = (0u64, Vec::new(), std::io::stdout().lock());
    while let Some(body) = next()? {
        let n = sent + batch.len() as u64;
        let mut entry = json!({ "Id": format!("m{}", batch.len()), "MessageBody": body });
        if let Some(g) = &opts.group_id {
            entry["MessageGroupId"] = g.as_str().into();
        }
        if let Some(d) = &opts.dedup_id {
            entry["MessageDeduplicationId"] = if single { d.clone() } else { format!("{d}-{n}") }.into();
        }
        if let Some(s) = opts.delay {
            entry["DelaySeconds"] = s.into();
        }
        batch.push(entry);
        if batch.len() == 10 {
            sent += send_batch(client, &url, std::mem::take(&mut batch), &mut out).await?;
        }
    }
    if !batch.is_empty() {
        sent += send_batch(client, &url, batch, &mut out).await?;
    }
    Ok(sent)
}

async fn send_batch(client: &Client, url: &str, entries: Vec<Value>, out: &mut impl Write) -> Result<u64, CliError> {
    let n = entries.len() as u64;
    let res = client.call(Svc::Sqs, "SendMessageBatch", &json!({ "QueueUrl": url, "Entries": entries })).await?;
    if let Some(f) = res.get("Failed").and_then(Value::as_array).and_then(|f| f.first()) {
        let code = f.get("Code").and_then(Value::as_str).unwrap_or("");
        let msg = f.get("Message").and_then(Value::as_str).unwrap_or("");
        return Err(CliError::Aws { status: 400, code: code.into(), message: msg.into() });
    }
    for s in res.get("Successful").and_then(Value::as_array).into_iter().flatten() {
        writeln!(out, "{}", s.get("MessageId").and_then(Value::as_str).unwrap_or(""))?;
    }
    Ok(n)
}

/// Options of `sqs recv` and `sqs peek`.
#[derive(Debug, Clone)]
pub struct RecvOpts {
    /// At most this many messages in all.
    pub max: u32,
    /// Long-poll seconds per ReceiveMessage (0-20).
    pub wait: u32,
    /// Delete the messages after printing them.
    pub delete: bool,
    /// Receive with VisibilityTimeout 0, so the messages stay visible (`peek`).
    pub peek: bool,
    /// Print JSON lines (id, body, attributes) instead of bodies.
    pub json: bool,
}

/// Against kinesin, `peek` reads the console's read-only API: nothing about the messages
/// changes. `None` when the endpoint has no such API (another emulator, AWS).
async fn peek_internal(client: &Client, queue: &str, opts: &RecvOpts) -> Result<Option<u64>, CliError> {
    let name = queue.rsplit('/').next().unwrap_or(queue);
    let mut path = format!(
        "/_kinesin/api/sqs/messages?queue={}&limit={}&region={}",
        encode(name),
        opts.max.min(500),
        encode(&client.region)
    );
    if let Some(account) = client.account_id() {
        path.push_str(&format!("&account={account}"));
    }
    let (status, body) = client.get(Svc::Sqs, &path).await?;
    let Ok(Value::Array(msgs)) = serde_json::from_slice::<Value>(&body) else { return Ok(None) };
    if status != 200 {
        return Ok(None);
    }
    let mut out = std::io::stdout().lock();
    for m in &msgs {
        let shaped = json!({ "MessageId": m["messageId"], "Body": m["body"], "Attributes": { "ApproximateReceiveCount": m["receiveCount"].to_string(), "MessageGroupId": m["groupId"] } });
        print_message(&mut out, &shaped, opts.json)?;
    }
    Ok(Some(msgs.len() as u64))
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Receives up to `max` messages and prints them. `peek` reads kinesin's read-only API, or
/// elsewhere receives with VisibilityTimeout 0 and does not delete: the messages stay
/// visible (their receive count still grows, as with the AWS console's "poll for
/// messages"). The number printed.
pub async fn recv(client: &Client, queue: &str, opts: &RecvOpts) -> Result<u64, CliError> {
    let url = queue_url(client, queue).await?;
    if opts.peek && !client.is_aws() {
        if let Some(n) = peek_internal(client, &url, opts).await? {
            return Ok(n);
        }
    }
    let mut got = 0u32;
    let mut seen = std::collections::HashSet::new();
    let mut out = std::io::stdout().lock();
    while got < opts.max {
        let mut body = json!({
            "QueueUrl": url,
            "MaxNumberOfMessages": (opts.max - got).min(10),
            "WaitTimeSeconds": opts.wait,
            "MessageSystemAttributeNames": ["All"],
            "MessageAttributeNames": ["All"],
        });
        if opts.peek {
            body["VisibilityTimeout"] = 0.into();
        }
        let res = client.call(Svc::Sqs, "ReceiveMessage", &body).await?;
        let mut msgs = res.get("Messages").and_then(Value::as_array).cloned().unwrap_or_default();
        // A peeked message is visible again at once: stop when a round brings nothing new.
        msgs.retain(|m| seen.insert(m.get("MessageId").and_then(Value::as_str).unwrap_or("").to_string()));
        msgs.truncate((opts.max - got) as usize);
        if msgs.is_empty() {
            break;
        }
        got += msgs.len() as u32;
        for m in &msgs {
            print_message(&mut out, m, opts.json)?;
        }
        out.flush()?;
        if opts.delete {
            delete(client, &url, &msgs).await?;
        }
    }
    Ok(got as u64)
}

fn print_message(out: &mut impl Write, m: &Value, json: bool) -> Result<(), CliError> {
    if json {
        let line = json!({
            "MessageId": m.get("MessageId"),
            "Body": m.get("Body"),
            "Attributes": m.get("Attributes"),
            "MessageAttributes": m.get("MessageAttributes"),
        });
        writeln!(out, "{line}")?;
    } else {
        writeln!(out, "{}", m.get("Body").and_then(Value::as_str).unwrap_or(""))?;
    }
    Ok(())
}

async fn delete(client: &Client, url: &str, msgs: &[Value]) -> Result<(), CliError> {
    let entries: Vec<Value> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| json!({ "Id": format!("d{i}"), "ReceiptHandle": m.get("ReceiptHandle") }))
        .collect();
    client.call(Svc::Sqs, "DeleteMessageBatch", &json!({ "QueueUrl": url, "Entries": entries })).await?;
    Ok(())
}

/// PurgeQueue.
pub async fn purge(client: &Client, queue: &str) -> Result<(), CliError> {
    let url = queue_url(client, queue).await?;
    client.call(Svc::Sqs, "PurgeQueue", &json!({ "QueueUrl": url })).await?;
    Ok(())
}
