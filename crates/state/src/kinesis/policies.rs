//! Operations on resources named by ARN, streams and consumers alike: PutResourcePolicy,
//! GetResourcePolicy, DeleteResourcePolicy, TagResource, UntagResource, ListTagsForResource.
//!
//! Stream tags are the same tags AddTagsToStream sets (`stream_tags`); consumers have their
//! own. Policies are stored as the JSON text given; they are not evaluated.

use super::cache::StreamMeta;
use super::consumers::{self, ConsumerRow};
use super::{existing, resolve, tags};
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use rusqlite::{params, OptionalExtension};
use std::sync::Arc;

/// Most tags a stream or consumer can carry.
pub const MAX_TAGS: usize = tags::MAX_TAGS;

/// What GetResourcePolicy answers for a resource without a policy. The API reference does not
/// say; `{}` is what AWS was observed to return (the output's `Policy` is required, so an
/// empty document rather than an error).
pub const NO_POLICY: &str = "{}";

/// The resource an ARN names.
pub enum Target {
    /// A stream.
    Stream(Arc<StreamMeta>),
    /// A consumer and its stream.
    Consumer(Arc<StreamMeta>, ConsumerRow),
}

/// Resolves a `ResourceARN`: `…:stream/NAME` or `…:stream/NAME/consumer/CONSUMER:SECONDS`.
pub fn target(eng: &mut Engine, ctx: &Ctx, arn: &str) -> Result<Target, StateError> {
    if arn.contains("/consumer/") {
        let r = ConsumerRef { consumer_arn: Some(arn.to_string()), ..Default::default() };
        let (m, c) = consumers::find(eng, ctx, &r)?;
        return Ok(Target::Consumer(m, c));
    }
    let (sctx, name) = resolve(ctx, &StreamRef { stream_name: None, stream_arn: Some(arn.to_string()) })?;
    Ok(Target::Stream(existing(eng, &sctx, &name)?))
}

/// PutResourcePolicy: replaces the policy of a stream or an ACTIVE consumer. The document must
/// be a JSON object (it is not otherwise checked).
pub fn put_policy(eng: &mut Engine, ctx: &Ctx, input: PutResourcePolicyInput) -> Result<(), StateError> {
    let t = target(eng, ctx, &input.resource_arn)?;
    if !matches!(serde_json::from_str::<serde_json::Value>(&input.policy), Ok(serde_json::Value::Object(_))) {
        // kinesin's wording: AWS's message for a malformed policy was not found.
        return Err(StateError::InvalidArgument(format!(
            "The policy for {} is not a valid JSON policy document.",
            input.resource_arn
        )));
    }
    match t {
        Target::Stream(m) => {
            eng.conn
                .prepare_cached("INSERT OR REPLACE INTO stream_policies(stream, policy) VALUES (?1, ?2)")?
                .execute(params![m.id, input.policy])?;
        }
        Target::Consumer(m, c) => {
            consumers::require_active(&m, &c, eng.now())?;
            eng.conn
                .prepare_cached("UPDATE consumers SET policy=?2 WHERE id=?1")?
                .execute(params![c.id, input.policy])?;
        }
    }
    Ok(())
}

/// GetResourcePolicy: the stored document, or [`NO_POLICY`].
pub fn get_policy(eng: &mut Engine, ctx: &Ctx, input: ResourceRef) -> Result<GetResourcePolicyOutput, StateError> {
    let found: Option<String> = match target(eng, ctx, &input.resource_arn)? {
        Target::Stream(m) => eng
            .conn
            .prepare_cached("SELECT policy FROM stream_policies WHERE stream=?1")?
            .query_row([m.id], |r| r.get(0))
            .optional()?,
        Target::Consumer(_, c) => {
            eng.conn.prepare_cached("SELECT policy FROM consumers WHERE id=?1")?.query_row([c.id], |r| r.get(0))?
        }
    };
    Ok(GetResourcePolicyOutput { policy: found.unwrap_or_else(|| NO_POLICY.into()) })
}

/// DeleteResourcePolicy: removes the policy; succeeds when there is none (AWS's answer for
/// that case was not found).
pub fn delete_policy(eng: &mut Engine, ctx: &Ctx, input: ResourceRef) -> Result<(), StateError> {
    match target(eng, ctx, &input.resource_arn)? {
        Target::Stream(m) => {
            eng.conn.prepare_cached("DELETE FROM stream_policies WHERE stream=?1")?.execute([m.id])?;
        }
        Target::Consumer(_, c) => {
            eng.conn.prepare_cached("UPDATE consumers SET policy=NULL WHERE id=?1")?.execute([c.id])?;
        }
    }
    Ok(())
}

fn stream_ref(m: &StreamMeta) -> StreamRef {
    StreamRef { stream_name: None, stream_arn: Some(m.arn()) }
}

/// TagResource: for a stream exactly what AddTagsToStream does.
pub fn tag_resource(eng: &mut Engine, ctx: &Ctx, input: TagResourceInput) -> Result<(), StateError> {
    match target(eng, ctx, &input.resource_arn)? {
        Target::Stream(m) => tags::add(eng, ctx, AddTagsToStreamInput { stream: stream_ref(&m), tags: input.tags }),
        Target::Consumer(m, c) => {
            let texts = input.tags.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]);
            tags::check_tag_chars(texts, tags::TagAction::Add, &m.name, &m.account)?;
            consumers::add_tags(eng, &m, &c, &input.tags)
        }
    }
}

/// UntagResource: for a stream exactly what RemoveTagsFromStream does.
pub fn untag_resource(eng: &mut Engine, ctx: &Ctx, input: UntagResourceInput) -> Result<(), StateError> {
    match target(eng, ctx, &input.resource_arn)? {
        Target::Stream(m) => {
            tags::remove(eng, ctx, RemoveTagsFromStreamInput { stream: stream_ref(&m), tag_keys: input.tag_keys })
        }
        Target::Consumer(m, c) => {
            let keys = input.tag_keys.iter().map(String::as_str);
            tags::check_tag_chars(keys, tags::TagAction::Remove, &m.name, &m.account)?;
            for k in &input.tag_keys {
                eng.conn
                    .prepare_cached("DELETE FROM consumer_tags WHERE consumer=?1 AND key=?2")?
                    .execute(params![c.id, k])?;
            }
            Ok(())
        }
    }
}

/// ListTagsForResource: every tag, by key.
pub fn list_tags(eng: &mut Engine, ctx: &Ctx, input: ResourceRef) -> Result<ListTagsForResourceOutput, StateError> {
    let (sql, id) = match target(eng, ctx, &input.resource_arn)? {
        Target::Stream(m) => ("SELECT key, value FROM stream_tags WHERE stream=?1 ORDER BY key", m.id),
        Target::Consumer(_, c) => ("SELECT key, value FROM consumer_tags WHERE consumer=?1 ORDER BY key", c.id),
    };
    let tags = eng
        .conn
        .prepare_cached(sql)?
        .query_map([id], |r| Ok(Tag { key: r.get(0)?, value: Some(r.get(1)?) }))?
        .collect::<Result<_, _>>()?;
    Ok(ListTagsForResourceOutput { tags })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{by_name, ctx, engine};
    use super::super::{consumers, streams};
    use super::*;
    use std::collections::BTreeMap;

    const S_ARN: &str = "arn:aws:kinesis:us-east-1:000000000000:stream/s";

    fn setup() -> (Engine, crate::clock::ManualClock, String) {
        let (mut eng, clock) = engine();
        streams::create(
            &mut eng,
            &ctx(),
            CreateStreamInput {
                stream_name: "s".into(),
                shard_count: Some(1),
                stream_mode_details: None,
                tags: Some(BTreeMap::from([("team".to_string(), "data".to_string())])),
                max_record_size_in_kib: None,
                warm_throughput_mibps: None,
            },
        )
        .unwrap();
        let c = consumers::register(
            &mut eng,
            &ctx(),
            RegisterStreamConsumerInput {
                stream_arn: S_ARN.into(),
                consumer_name: "app".into(),
                tags: Some(BTreeMap::from([("owner".to_string(), "me".to_string())])),
            },
        )
        .unwrap();
        (eng, clock, c.consumer.consumer_arn)
    }

    fn keys(eng: &mut Engine, arn: &str) -> Vec<(String, String)> {
        list_tags(eng, &ctx(), ResourceRef { resource_arn: arn.into() })
            .unwrap()
            .tags
            .into_iter()
            .map(|t| (t.key, t.value.unwrap_or_default()))
            .collect()
    }

    fn tag(arn: &str, pairs: &[(&str, &str)]) -> TagResourceInput {
        TagResourceInput {
            resource_arn: arn.into(),
            tags: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn tags_on_streams_and_consumers() {
        let (mut eng, _clock, c_arn) = setup();
        assert_eq!(keys(&mut eng, S_ARN), vec![("team".into(), "data".into())]);
        assert_eq!(keys(&mut eng, &c_arn), vec![("owner".into(), "me".into())]);
        tag_resource(&mut eng, &ctx(), tag(S_ARN, &[("env", "dev")])).unwrap();
        tag_resource(&mut eng, &ctx(), tag(&c_arn, &[("env", "prod"), ("owner", "you")])).unwrap();
        let listed = streams::describe_summary(&mut eng, &ctx(), by_name("s")).unwrap();
        assert_eq!(listed.stream_description_summary.stream_name, "s");
        let via_stream_api = tags::list(
            &mut eng,
            &ctx(),
            ListTagsForStreamInput { stream: by_name("s"), exclusive_start_tag_key: None, limit: None },
        )
        .unwrap();
        assert_eq!(via_stream_api.tags.len(), 2, "TagResource and AddTagsToStream share the tags");
        assert_eq!(keys(&mut eng, &c_arn), vec![("env".into(), "prod".into()), ("owner".into(), "you".into())]);
        untag_resource(
            &mut eng,
            &ctx(),
            UntagResourceInput { resource_arn: c_arn.clone(), tag_keys: vec!["env".into()] },
        )
        .unwrap();
        untag_resource(
            &mut eng,
            &ctx(),
            UntagResourceInput { resource_arn: S_ARN.into(), tag_keys: vec!["team".into()] },
        )
        .unwrap();
        assert_eq!(keys(&mut eng, &c_arn), vec![("owner".into(), "you".into())]);
        assert_eq!(keys(&mut eng, S_ARN), vec![("env".into(), "dev".into())]);
        let err = tag_resource(&mut eng, &ctx(), tag(&c_arn, &[("bad", "a#b")])).unwrap_err();
        assert!(matches!(err, StateError::InvalidArgument(_)));
        let many: Vec<(String, String)> = (0..50).map(|i| (format!("k{i}"), "v".to_string())).collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let err = tag_resource(&mut eng, &ctx(), tag(&c_arn, &many)).unwrap_err();
        assert!(matches!(&err, StateError::InvalidArgument(m) if m.contains("more than 50 tags")), "{err}");
        let err =
            list_tags(&mut eng, &ctx(), ResourceRef { resource_arn: format!("{S_ARN}x") }).map(|_| ()).unwrap_err();
        assert_eq!(err.to_string(), "Stream sx under account 000000000000 not found.");
    }

    #[test]
    fn policies_on_streams_and_consumers() {
        let (mut eng, clock, c_arn) = setup();
        let get = |eng: &mut Engine, arn: &str| {
            get_policy(eng, &ctx(), ResourceRef { resource_arn: arn.into() }).unwrap().policy
        };
        let doc = r#"{"Version":"2012-10-17","Statement":[]}"#;
        assert_eq!(get(&mut eng, S_ARN), "{}");
        put_policy(&mut eng, &ctx(), PutResourcePolicyInput { resource_arn: S_ARN.into(), policy: doc.into() })
            .unwrap();
        assert_eq!(get(&mut eng, S_ARN), doc);
        assert_eq!(get(&mut eng, &c_arn), "{}");
        put_policy(&mut eng, &ctx(), PutResourcePolicyInput { resource_arn: c_arn.clone(), policy: doc.into() })
            .unwrap();
        assert_eq!(get(&mut eng, &c_arn), doc);
        let err =
            put_policy(&mut eng, &ctx(), PutResourcePolicyInput { resource_arn: S_ARN.into(), policy: "[".into() })
                .unwrap_err();
        assert!(matches!(err, StateError::InvalidArgument(_)));
        delete_policy(&mut eng, &ctx(), ResourceRef { resource_arn: S_ARN.into() }).unwrap();
        delete_policy(&mut eng, &ctx(), ResourceRef { resource_arn: S_ARN.into() }).unwrap();
        delete_policy(&mut eng, &ctx(), ResourceRef { resource_arn: c_arn.clone() }).unwrap();
        assert_eq!(get(&mut eng, S_ARN), "{}");
        assert_eq!(get(&mut eng, &c_arn), "{}");

        eng.settings.kinesis.create_delay_ms = 1000;
        clock.advance(5000);
        let c2 = consumers::register(
            &mut eng,
            &ctx(),
            RegisterStreamConsumerInput { stream_arn: S_ARN.into(), consumer_name: "late".into(), tags: None },
        )
        .unwrap()
        .consumer;
        let err = put_policy(
            &mut eng,
            &ctx(),
            PutResourcePolicyInput { resource_arn: c2.consumer_arn.clone(), policy: doc.into() },
        )
        .unwrap_err();
        let secs = c2.consumer_creation_timestamp as i64;
        assert_eq!(
            err.to_string(),
            format!("Consumer late with creation timestamp {secs} under stream s and account 000000000000 is not in ACTIVE status.")
        );
        assert!(matches!(err, StateError::InUse(_)));
        let gone = format!("{S_ARN}/consumer/nobody:1");
        let err = get_policy(&mut eng, &ctx(), ResourceRef { resource_arn: gone }).unwrap_err();
        assert!(matches!(err, StateError::NotFound(_)));
    }
}
