//! SubscribeToShard: an `application/vnd.amazon.eventstream` response that stays open for
//! five minutes and pushes a `SubscribeToShardEvent` whenever records arrive (and an empty
//! one every few seconds while the shard is quiet), over HTTP/1.1 or HTTP/2.

use crate::kinesis::decode;
use crate::wire::Wire;
use bytes::Bytes;
use hyper::body::Frame;
use kinesin_protocol::eventstream::{self, Message};
use kinesin_protocol::kinesis::SubscribeToShardInput;
use kinesin_protocol::{cbor, json, model, ApiError};
use kinesin_state::kinesis::subscribe::{self, Subscription, SUBSCRIPTION_MS};
use kinesin_state::kinesis::Kinesis;
use kinesin_state::Ctx;
use std::collections::HashSet;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;

/// How often an idle subscription still gets an (empty) event.
const HEARTBEAT: Duration = Duration::from_secs(5);

/// The subscriptions open now, by consumer ARN and shard: one at a time each.
#[derive(Default, Clone)]
pub struct Registry(Arc<Mutex<HashSet<(String, String)>>>);

struct Slot(Registry, (String, String));

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut set) = self.0 .0.lock() {
            set.remove(&self.1);
        }
    }
}

impl Registry {
    /// The open subscriptions, `(consumer ARN, shard id)`, sorted.
    pub fn list(&self) -> Vec<(String, String)> {
        let mut v: Vec<_> = self.0.lock().map(|s| s.iter().cloned().collect()).unwrap_or_default();
        v.sort();
        v
    }

    fn claim(&self, key: (String, String)) -> Option<Slot> {
        let mut set = self.0.lock().ok()?;
        set.insert(key.clone()).then(|| Slot(self.clone(), key))
    }
}

/// A response body fed by a channel of event-stream frames.
pub struct ChannelBody(pub mpsc::Receiver<Bytes>);

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// Checks the request and opens the subscription; the returned body carries its events.
pub async fn open(
    k: &Kinesis,
    registry: &Registry,
    ctx: Ctx,
    body: &[u8],
    wire: Wire,
) -> Result<ChannelBody, ApiError> {
    let doc = decode("SubscribeToShard", body, wire)?;
    let input: SubscribeToShardInput = json::into_input(doc)?;
    let sub = k.db().call(move |eng| subscribe::start(eng, &ctx, input)).await?;
    let slot = registry.claim((sub.consumer_arn.clone(), sub.shard_id.clone())).ok_or_else(|| {
        ApiError::new(
            "ResourceInUseException",
            format!(
                "Another active subscription exists for consumer {} on shard {}. Wait for it to end or stop it before subscribing again.",
                sub.consumer_arn, sub.shard_id
            ),
        )
    })?;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(push(k.clone(), sub, wire, tx, slot));
    Ok(ChannelBody(rx))
}

fn frame(wire: Wire, event_type: &str, value: &serde_json::Value) -> Bytes {
    let payload = match wire {
        Wire::Json => serde_json::to_vec(value).unwrap_or_default(),
        Wire::Cbor => cbor::encode_shape(model::kinesis(), event_type, value),
    };
    Bytes::from(Message::event(event_type, wire.content_type(), payload).encode())
}

fn exception(wire: Wire, e: &ApiError) -> Bytes {
    let body = serde_json::json!({ "message": e.message });
    let payload = match wire {
        Wire::Json => serde_json::to_vec(&body).unwrap_or_default(),
        Wire::Cbor => cbor::encode_shape(model::kinesis(), &e.code, &body),
    };
    Bytes::from(Message::exception(&e.code, wire.content_type(), payload).encode())
}

/// Pushes events until the shard ends, the five minutes are over or the client goes away.
async fn push(k: Kinesis, mut sub: Subscription, wire: Wire, tx: mpsc::Sender<Bytes>, _slot: Slot) {
    // The initial response: an empty structure (`{}` in JSON, an empty map in CBOR).
    let empty = match wire {
        Wire::Json => b"{}".to_vec(),
        Wire::Cbor => vec![0xa0],
    };
    let initial = Bytes::from(Message::event("initial-response", wire.content_type(), empty).encode());
    if tx.send(initial).await.is_err() {
        return;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_millis(SUBSCRIPTION_MS as u64);
    let mut data = k.watch_data();
    let mut last_sent: Option<tokio::time::Instant> = None;
    loop {
        data.borrow_and_update();
        let current = sub.clone();
        let next = k.db().call(move |eng| subscribe::next_event(eng, &current)).await;
        let (event, next, ended) = match next {
            Ok(v) => v,
            Err(e) => {
                let _ = tx.send(exception(wire, &ApiError::from(e))).await;
                return;
            }
        };
        let has_records = !event.records.is_empty();
        let behind = event.millis_behind_latest > 0;
        let due = last_sent.is_none_or(|t| t.elapsed() >= HEARTBEAT);
        if has_records || ended || due {
            let value = serde_json::to_value(&event).unwrap_or_default();
            if tx.send(frame(wire, "SubscribeToShardEvent", &value)).await.is_err() {
                return;
            }
            last_sent = Some(tokio::time::Instant::now());
        }
        sub.next = next;
        if ended || tokio::time::Instant::now() >= deadline {
            return;
        }
        if has_records && behind {
            continue;
        }
        let heartbeat_at = last_sent.map_or(tokio::time::Instant::now(), |t| t + HEARTBEAT);
        tokio::select! {
            _ = data.changed() => {}
            _ = tokio::time::sleep_until(heartbeat_at.min(deadline)) => {}
            _ = tx.closed() => return,
        }
    }
}

/// The content type of the subscription response.
pub const CONTENT_TYPE: &str = eventstream::CONTENT_TYPE;
