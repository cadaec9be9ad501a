//! IAM's stored documents (one JSON row per role or policy in `iam_docs`), how they are
//! loaded, saved and paged, and the rules every operation shares (ids, paths, tags, page
//! sizes).

use super::{codes, IamError};
use crate::db::Engine;
use kinesin_protocol::iam::{FormInteger, Tag};
use rusqlite::{params, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// MaxItems when none is given (AWS's default).
const DEFAULT_MAX_ITEMS: usize = 100;

/// A role as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Role {
    /// Name.
    pub name: String,
    /// Path (`/` by default).
    pub path: String,
    /// `AROA...`.
    pub id: String,
    /// `arn:aws:iam::<account>:role<path><name>`.
    pub arn: String,
    /// The trust policy, as given.
    pub assume_role_policy: String,
    /// Description.
    pub description: Option<String>,
    /// MaxSessionDuration (s).
    pub max_session_duration: i64,
    /// Created (ms).
    pub created_ms: i64,
    /// Tags in the order given.
    pub tags: Vec<(String, String)>,
    /// Inline policies by name.
    pub inline: BTreeMap<String, String>,
    /// Attached managed policy ARNs, in attachment order.
    pub attached: Vec<String>,
}

/// One version of a managed policy as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// `v1`, `v2`, ...
    pub id: String,
    /// The document, as given.
    pub document: String,
    /// Created (ms).
    pub created_ms: i64,
}

/// A customer managed policy as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Policy {
    /// Name.
    pub name: String,
    /// Path.
    pub path: String,
    /// `ANPA...`.
    pub id: String,
    /// `arn:aws:iam::<account>:policy<path><name>`.
    pub arn: String,
    /// Description.
    pub description: Option<String>,
    /// Created (ms).
    pub created_ms: i64,
    /// Last changed (ms).
    pub updated_ms: i64,
    /// The default version's id.
    pub default_version: String,
    /// Versions, oldest first.
    pub versions: Vec<PolicyVersion>,
    /// Number of the next version.
    pub next_version: u32,
    /// Roles it is attached to.
    pub attachments: u32,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

/// The kind column of roles.
pub const ROLE: &str = "role";
/// The kind column of managed policies.
pub const POLICY: &str = "policy";

/// The document of `kind` named `name`, if there is one.
pub fn load<T: DeserializeOwned>(eng: &Engine, account: &str, kind: &str, name: &str) -> Result<Option<T>, IamError> {
    let doc: Option<String> = eng
        .conn
        .prepare_cached("SELECT doc FROM iam_docs WHERE account=?1 AND kind=?2 AND name=?3")?
        .query_row(params![account, kind, name], |r| r.get(0))
        .optional()?;
    Ok(doc.map(|d| serde_json::from_str(&d)).transpose()?)
}

/// Stores (or replaces) a document.
pub fn save<T: Serialize>(eng: &Engine, account: &str, kind: &str, name: &str, doc: &T) -> Result<(), IamError> {
    let text = serde_json::to_string(doc)?;
    eng.conn
        .prepare_cached("INSERT OR REPLACE INTO iam_docs (account, kind, name, doc) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![account, kind, name, text])?;
    Ok(())
}

/// Deletes a document.
pub fn remove(eng: &Engine, account: &str, kind: &str, name: &str) -> Result<(), IamError> {
    eng.conn
        .prepare_cached("DELETE FROM iam_docs WHERE account=?1 AND kind=?2 AND name=?3")?
        .execute(params![account, kind, name])?;
    Ok(())
}

/// Up to `max` documents of a kind after `marker` (by name) that `keep` keeps; the bool says
/// whether more follow.
pub fn page<T: DeserializeOwned>(
    eng: &Engine,
    account: &str,
    kind: &str,
    marker: Option<&str>,
    max: usize,
    keep: impl Fn(&T) -> bool,
) -> Result<(Vec<T>, bool), IamError> {
    let mut stmt =
        eng.conn.prepare_cached("SELECT doc FROM iam_docs WHERE account=?1 AND kind=?2 AND name>?3 ORDER BY name")?;
    let rows = stmt.query_map(params![account, kind, marker.unwrap_or("")], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let item: T = serde_json::from_str(&row?)?;
        if keep(&item) {
            if out.len() == max {
                return Ok((out, true));
            }
            out.push(item);
        }
    }
    Ok((out, false))
}

/// A page of `items` after the one whose key is `marker`, at most `max`; the bool says
/// whether more follow.
pub fn page_of<'a, T>(
    items: &'a [T],
    key: impl Fn(&T) -> &str,
    marker: Option<&str>,
    max: usize,
) -> (Vec<&'a T>, bool) {
    let after: Vec<&T> = match marker {
        Some(m) => items.iter().skip_while(|i| key(i) != m).skip(1).collect(),
        None => items.iter().collect(),
    };
    let more = after.len() > max;
    (after.into_iter().take(max).collect(), more)
}

/// `MaxItems`: 100 when absent, else a number within 1..=1000.
pub fn page_size(max_items: Option<&FormInteger>) -> Result<usize, IamError> {
    let raw = match max_items {
        None => return Ok(DEFAULT_MAX_ITEMS),
        Some(FormInteger::Value(n)) => n.to_string(),
        Some(FormInteger::Text(t)) => t.clone(),
    };
    raw.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| {
        IamError::invalid(format!(
            "1 validation error detected: Value '{raw}' at 'maxItems' failed to satisfy constraint: \
             Member must have value between 1 and 1000"
        ))
    })
}

/// The paging members of a listing: the last item's key when more follow.
pub fn next_marker(more: bool, last: Option<&str>) -> (bool, Option<String>) {
    match (more, last) {
        (true, Some(m)) => (true, Some(m.to_string())),
        _ => (false, None),
    }
}

/// A new id: `prefix` and 17 characters of IAM's alphabet.
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..17).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect();
    format!("{prefix}{tail}")
}

/// A path (`/` when none is given); it must begin and end with `/`.
pub fn normal_path(path: Option<&str>) -> Result<String, IamError> {
    let p = path.unwrap_or("/");
    if !p.starts_with('/') || !p.ends_with('/') {
        return Err(IamError::invalid(format!(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric \
             characters and/or / characters.: {p}"
        )));
    }
    Ok(p.to_string())
}

/// Milliseconds as the whole epoch seconds IAM answers dates in.
pub fn secs(ms: i64) -> f64 {
    ms.div_euclid(1000) as f64
}

/// Tags as stored (pairs in order).
pub fn pairs(tags: Vec<Tag>) -> Vec<(String, String)> {
    tags.into_iter().map(|t| (t.key, t.value)).collect()
}

/// Stored tags as answered.
pub fn tags_of(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag { key: k.clone(), value: v.clone() }).collect()
}

/// Replaces or adds tags (keys unique, last value wins), then removes `untag` keys.
pub fn merge_tags(tags: &mut Vec<(String, String)>, add: Vec<(String, String)>, untag: &[String]) {
    for (k, v) in add {
        match tags.iter_mut().find(|(key, _)| *key == k) {
            Some(t) => t.1 = v,
            None => tags.push((k, v)),
        }
    }
    tags.retain(|(k, _)| !untag.contains(k));
}

/// Loads a role or answers NoSuchEntity.
pub fn get_role(eng: &Engine, account: &str, name: &str) -> Result<Role, IamError> {
    load(eng, account, ROLE, name)?
        .ok_or_else(|| IamError::no_such_entity(format!("The role with name {name} cannot be found.")))
}

/// Applies `change` to a role and stores it.
pub fn update_role(
    eng: &mut Engine,
    account: &str,
    name: &str,
    change: impl FnOnce(&mut Role) -> Result<(), IamError>,
) -> Result<Role, IamError> {
    let mut role = get_role(eng, account, name)?;
    change(&mut role)?;
    save(eng, account, ROLE, name, &role)?;
    Ok(role)
}

/// Loads a customer managed policy by ARN, or answers NoSuchEntity.
pub fn get_policy(eng: &Engine, account: &str, arn: &str) -> Result<Policy, IamError> {
    let name = arn.rsplit('/').next().unwrap_or_default();
    load::<Policy>(eng, account, POLICY, name)?
        .filter(|p| p.arn == arn)
        .ok_or_else(|| IamError::no_such_entity(format!("Policy {arn} was not found.")))
}

/// Applies `change` (given the clock's now) to a policy and stores it.
pub fn update_policy(
    eng: &mut Engine,
    account: &str,
    arn: &str,
    change: impl FnOnce(&mut Policy, i64) -> Result<(), IamError>,
) -> Result<Policy, IamError> {
    let mut p = get_policy(eng, account, arn)?;
    let now = eng.now();
    change(&mut p, now)?;
    save(eng, account, POLICY, &p.name.clone(), &p)?;
    Ok(p)
}

/// `DeleteConflict`.
pub fn conflict(message: &str) -> IamError {
    IamError::new(codes::DELETE_CONFLICT, message)
}
