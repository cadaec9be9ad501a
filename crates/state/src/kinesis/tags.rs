//! Stream tags: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream.

use super::{existing, resolve};
use crate::db::Engine;
use crate::error::StateError;
use crate::Ctx;
use kinesin_protocol::kinesis::*;
use rusqlite::params;

/// Most tags a stream can carry.
pub const MAX_TAGS: usize = 50;

/// What a tag operation does, for AWS's wording of its errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagAction {
    /// AddTagsToStream, TagResource, tags given at creation.
    Add,
    /// RemoveTagsFromStream, UntagResource.
    Remove,
}

/// Whether AWS takes `c` in a tag key or value: Unicode letters and digits, white space other
/// than control characters (so a space, not a tab or a line break), and `_ . / = + - @ :`.
/// `%` passes this test (AWS's first message lists it) but is refused on its own.
fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_./=+-@:%".contains(c)
}

/// Checks tag keys and values of stream `stream` (or of a consumer of it) as AWS does, with
/// its two messages: one for characters outside its set, one for `%`.
pub fn check_tag_chars<'a>(
    texts: impl IntoIterator<Item = &'a str>,
    action: TagAction,
    stream: &str,
    account: &str,
) -> Result<(), StateError> {
    let texts: Vec<&str> = texts.into_iter().collect();
    if !texts.iter().all(|t| t.chars().all(tag_char)) {
        return Err(StateError::InvalidArgument(
            "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.".into(),
        ));
    }
    if texts.iter().any(|t| t.contains('%')) {
        let what = match action {
            TagAction::Add => "add tags to",
            TagAction::Remove => "remove tags from",
        };
        return Err(StateError::InvalidArgument(format!(
            "Failed to {what} stream {stream} under account {account} because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'."
        )));
    }
    Ok(())
}

/// AddTagsToStream.
pub fn add(eng: &mut Engine, ctx: &Ctx, input: AddTagsToStreamInput) -> Result<(), StateError> {
    let (ctx, name) = resolve(ctx, &input.stream)?;
    let m = existing(eng, &ctx, &name)?;
    let texts = input.tags.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]);
    check_tag_chars(texts, TagAction::Add, &name, &ctx.account)?;
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
    check_tag_chars(input.tag_keys.iter().map(String::as_str), TagAction::Remove, &name, &ctx.account)?;
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
