//! Stream tags: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream.

use super::{existing, resolve};
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use rusqlite::params;

/// Most tags a stream can carry.
pub const MAX_TAGS: usize = 50;

fn check_chars(tags: impl Iterator<Item = String>) -> Result<(), StateError> {
    let ok = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_./=+-%@:".contains(c);
    if tags.into_iter().all(|t| t.chars().all(ok)) {
        Ok(())
    } else {
        Err(StateError::InvalidArgument(
            "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.".into(),
        ))
    }
}

/// AddTagsToStream.
pub fn add(eng: &mut Engine, ctx: &Ctx, input: AddTagsToStreamInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = existing(eng, &ctx, &name)?;
    check_chars(input.tags.iter().flat_map(|(k, v)| [k.clone(), v.clone()]))?;
    let current = keys(eng, m.id)?;
    let total = current.len() + input.tags.keys().filter(|k| !current.contains(k)).count();
    if total > MAX_TAGS {
        return Err(StateError::InvalidArgument(format!(
            "Failed to add tags to stream {name} under account {} because a given stream cannot have more than {MAX_TAGS} tags associated with it.",
            ctx.account
        )));
    }
    for (k, v) in &input.tags {
        eng.conn
            .prepare_cached("INSERT OR REPLACE INTO stream_tags(stream, key, value) VALUES (?1, ?2, ?3)")?
            .execute(params![m.id, k, v])?;
    }
    Ok(())
}

/// RemoveTagsFromStream.
pub fn remove(eng: &mut Engine, ctx: &Ctx, input: RemoveTagsFromStreamInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = existing(eng, &ctx, &name)?;
    check_chars(input.tag_keys.iter().cloned())?;
    for k in &input.tag_keys {
        eng.conn.prepare_cached("DELETE FROM stream_tags WHERE stream=?1 AND key=?2")?.execute(params![m.id, k])?;
    }
    Ok(())
}

fn keys(eng: &Engine, stream: i64) -> Result<Vec<String>, StateError> {
    let mut st = eng.conn.prepare_cached("SELECT key FROM stream_tags WHERE stream=?1")?;
    let keys = st.query_map([stream], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(keys)
}

/// ListTagsForStream: keys in order after `ExclusiveStartTagKey`.
pub fn list(eng: &mut Engine, ctx: &Ctx, input: ListTagsForStreamInput) -> Result<ListTagsForStreamOutput, StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = existing(eng, &ctx, &name)?;
    let limit = input.limit.unwrap_or(50).clamp(1, 50) as usize;
    let after = input.exclusive_start_tag_key.unwrap_or_default();
    let mut st = eng
        .conn
        .prepare_cached("SELECT key, value FROM stream_tags WHERE stream=?1 AND key > ?2 ORDER BY key LIMIT ?3")?;
    let mut tags: Vec<Tag> = st
        .query_map(params![m.id, after, limit as i64 + 1], |r| Ok(Tag { key: r.get(0)?, value: Some(r.get(1)?) }))?
        .collect::<Result<_, _>>()?;
    let more = tags.len() > limit;
    tags.truncate(limit);
    Ok(ListTagsForStreamOutput { tags, has_more_tags: more })
}
