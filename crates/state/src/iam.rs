//! IAM without enforcement: roles (assume-role policy, inline policies, attached managed
//! policies, tags) and customer managed policies (versions, tags), kept so that tools which
//! create them (terraform's `aws_iam_role`, `aws_iam_role_policy`, `aws_iam_policy`,
//! `aws_iam_role_policy_attachment`) read back what they wrote. Nothing is checked against
//! these policies. IAM is global: resources belong to an account, not a region.
//!
//! AWS managed policies (`arn:aws:iam::aws:policy/...`) can be attached without existing
//! here (kinesin does not carry AWS's catalogue).

use crate::db::Engine;
use crate::error::StateError;
use rusqlite::{params, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Versions a managed policy may have (AWS's limit).
pub const MAX_POLICY_VERSIONS: usize = 5;

/// An IAM error: code, message and HTTP status as IAM answers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamError {
    /// `NoSuchEntity`, `EntityAlreadyExists`, `DeleteConflict`, `LimitExceeded`, ...
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// HTTP status.
    pub status: u16,
}

impl IamError {
    fn new(code: &'static str, status: u16, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), status }
    }
}

impl From<StateError> for IamError {
    fn from(e: StateError) -> Self {
        Self::new("ServiceFailure", 500, e.to_string())
    }
}

impl From<rusqlite::Error> for IamError {
    fn from(e: rusqlite::Error) -> Self {
        Self::new("ServiceFailure", 500, e.to_string())
    }
}

/// A role.
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

/// One version of a managed policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// `v1`, `v2`, ...
    pub id: String,
    /// The document, as given.
    pub document: String,
    /// Created (ms).
    pub created_ms: i64,
}

/// A customer managed policy.
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

/// What CreateRole takes.
#[derive(Debug, Clone, Default)]
pub struct NewRole {
    /// Name.
    pub name: String,
    /// Path.
    pub path: Option<String>,
    /// Trust policy.
    pub assume_role_policy: String,
    /// Description.
    pub description: Option<String>,
    /// MaxSessionDuration.
    pub max_session_duration: Option<i64>,
    /// Tags.
    pub tags: Vec<(String, String)>,
}

fn load<T: DeserializeOwned>(eng: &Engine, account: &str, kind: &str, name: &str) -> Result<Option<T>, IamError> {
    let doc: Option<String> = eng
        .conn
        .prepare_cached("SELECT doc FROM iam_docs WHERE account=?1 AND kind=?2 AND name=?3")?
        .query_row(params![account, kind, name], |r| r.get(0))
        .optional()?;
    doc.map(|d| serde_json::from_str(&d).map_err(|e| IamError::new("ServiceFailure", 500, e.to_string()))).transpose()
}

fn save<T: Serialize>(eng: &Engine, account: &str, kind: &str, name: &str, doc: &T) -> Result<(), IamError> {
    let text = serde_json::to_string(doc).map_err(|e| IamError::new("ServiceFailure", 500, e.to_string()))?;
    eng.conn
        .prepare_cached("INSERT OR REPLACE INTO iam_docs (account, kind, name, doc) VALUES (?1, ?2, ?3, ?4)")?
        .execute(params![account, kind, name, text])?;
    Ok(())
}

fn remove(eng: &Engine, account: &str, kind: &str, name: &str) -> Result<(), IamError> {
    eng.conn
        .prepare_cached("DELETE FROM iam_docs WHERE account=?1 AND kind=?2 AND name=?3")?
        .execute(params![account, kind, name])?;
    Ok(())
}

/// Up to `max` documents of a kind after `marker` (by name); the bool says whether more follow.
fn page<T: DeserializeOwned>(
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
        let item: T = serde_json::from_str(&row?).map_err(|e| IamError::new("ServiceFailure", 500, e.to_string()))?;
        if keep(&item) {
            if out.len() == max {
                return Ok((out, true));
            }
            out.push(item);
        }
    }
    Ok((out, false))
}

fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..17).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect();
    format!("{prefix}{tail}")
}

fn normal_path(path: Option<&str>) -> Result<String, IamError> {
    let p = path.unwrap_or("/");
    if !p.starts_with('/') || !p.ends_with('/') {
        return Err(IamError::new("ValidationError", 400, format!("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.: {p}")));
    }
    Ok(p.to_string())
}

fn no_role(name: &str) -> IamError {
    IamError::new("NoSuchEntity", 404, format!("The role with name {name} cannot be found."))
}

fn no_policy(arn: &str) -> IamError {
    IamError::new("NoSuchEntity", 404, format!("Policy {arn} does not exist or is not attachable."))
}

/// Loads a role or answers NoSuchEntity.
pub fn get_role(eng: &Engine, account: &str, name: &str) -> Result<Role, IamError> {
    load(eng, account, "role", name)?.ok_or_else(|| no_role(name))
}

/// CreateRole.
pub fn create_role(eng: &mut Engine, account: &str, input: NewRole) -> Result<Role, IamError> {
    if load::<Role>(eng, account, "role", &input.name)?.is_some() {
        return Err(IamError::new(
            "EntityAlreadyExists",
            409,
            format!("Role with name {} already exists.", input.name),
        ));
    }
    let duration = input.max_session_duration.unwrap_or(3600);
    if !(3600..=43_200).contains(&duration) {
        return Err(IamError::new("ValidationError", 400, format!("1 validation error detected: Value '{duration}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200")));
    }
    let path = normal_path(input.path.as_deref())?;
    let role = Role {
        arn: format!("arn:aws:iam::{account}:role{path}{}", input.name),
        name: input.name,
        path,
        id: new_id("AROA"),
        assume_role_policy: input.assume_role_policy,
        description: input.description,
        max_session_duration: duration,
        created_ms: eng.now(),
        tags: input.tags,
        inline: BTreeMap::new(),
        attached: Vec::new(),
    };
    save(eng, account, "role", &role.name, &role)?;
    Ok(role)
}

/// Applies `change` to a role and stores it.
pub fn update_role(
    eng: &mut Engine,
    account: &str,
    name: &str,
    change: impl FnOnce(&mut Role),
) -> Result<Role, IamError> {
    let mut role = get_role(eng, account, name)?;
    change(&mut role);
    save(eng, account, "role", name, &role)?;
    Ok(role)
}

/// DeleteRole: refused while it has inline or attached policies.
pub fn delete_role(eng: &mut Engine, account: &str, name: &str) -> Result<(), IamError> {
    let role = get_role(eng, account, name)?;
    if !role.inline.is_empty() {
        return Err(IamError::new("DeleteConflict", 409, "Cannot delete entity, must delete policies first."));
    }
    if !role.attached.is_empty() {
        return Err(IamError::new("DeleteConflict", 409, "Cannot delete entity, must detach all policies first."));
    }
    remove(eng, account, "role", name)
}

/// ListRoles: roles under `path_prefix`, by name, paged.
pub fn list_roles(
    eng: &Engine,
    account: &str,
    prefix: &str,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Role>, bool), IamError> {
    page(eng, account, "role", marker, max, |r: &Role| r.path.starts_with(prefix))
}

/// DeleteRolePolicy.
pub fn delete_role_policy(eng: &mut Engine, account: &str, role: &str, policy: &str) -> Result<(), IamError> {
    let mut r = get_role(eng, account, role)?;
    if r.inline.remove(policy).is_none() {
        return Err(IamError::new("NoSuchEntity", 404, format!("The role policy with name {policy} cannot be found.")));
    }
    save(eng, account, "role", role, &r)
}

/// Loads a customer managed policy by ARN, or answers NoSuchEntity.
pub fn get_policy(eng: &Engine, account: &str, arn: &str) -> Result<Policy, IamError> {
    let name = arn.rsplit('/').next().unwrap_or_default();
    load::<Policy>(eng, account, "policy", name)?
        .filter(|p| p.arn == arn)
        .ok_or_else(|| IamError::new("NoSuchEntity", 404, format!("Policy {arn} was not found.")))
}

/// CreatePolicy: version v1 is the default.
pub fn create_policy(
    eng: &mut Engine,
    account: &str,
    name: &str,
    path: Option<&str>,
    document: String,
    description: Option<String>,
    tags: Vec<(String, String)>,
) -> Result<Policy, IamError> {
    if load::<Policy>(eng, account, "policy", name)?.is_some() {
        return Err(IamError::new(
            "EntityAlreadyExists",
            409,
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let path = normal_path(path)?;
    let now = eng.now();
    let policy = Policy {
        name: name.to_string(),
        arn: format!("arn:aws:iam::{account}:policy{path}{name}"),
        path,
        id: new_id("ANPA"),
        description,
        created_ms: now,
        updated_ms: now,
        default_version: "v1".into(),
        versions: vec![PolicyVersion { id: "v1".into(), document, created_ms: now }],
        next_version: 2,
        attachments: 0,
        tags,
    };
    save(eng, account, "policy", name, &policy)?;
    Ok(policy)
}

/// Applies `change` to a policy and stores it.
pub fn update_policy(
    eng: &mut Engine,
    account: &str,
    arn: &str,
    change: impl FnOnce(&mut Policy, i64) -> Result<(), IamError>,
) -> Result<Policy, IamError> {
    let mut p = get_policy(eng, account, arn)?;
    let now = eng.now();
    change(&mut p, now)?;
    save(eng, account, "policy", &p.name.clone(), &p)?;
    Ok(p)
}

/// CreatePolicyVersion (at most five versions).
pub fn create_policy_version(
    eng: &mut Engine,
    account: &str,
    arn: &str,
    document: String,
    set_default: bool,
) -> Result<PolicyVersion, IamError> {
    let p = update_policy(eng, account, arn, |p, now| {
        if p.versions.len() >= MAX_POLICY_VERSIONS {
            return Err(IamError::new("LimitExceeded", 409, "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."));
        }
        let id = format!("v{}", p.next_version);
        p.next_version += 1;
        p.versions.push(PolicyVersion { id: id.clone(), document, created_ms: now });
        if set_default {
            p.default_version = id;
            p.updated_ms = now;
        }
        Ok(())
    })?;
    Ok(p.versions.last().cloned().expect("a version was just added"))
}

/// DeletePolicyVersion: the default version cannot be deleted.
pub fn delete_policy_version(eng: &mut Engine, account: &str, arn: &str, version: &str) -> Result<(), IamError> {
    update_policy(eng, account, arn, |p, _| {
        if p.default_version == version {
            return Err(IamError::new("DeleteConflict", 409, "Cannot delete the default version of a policy."));
        }
        let before = p.versions.len();
        p.versions.retain(|v| v.id != version);
        if p.versions.len() == before {
            return Err(IamError::new("NoSuchEntity", 404, format!("Policy {arn} version {version} does not exist.")));
        }
        Ok(())
    })
    .map(drop)
}

/// DeletePolicy: refused while attached.
pub fn delete_policy(eng: &mut Engine, account: &str, arn: &str) -> Result<(), IamError> {
    let p = get_policy(eng, account, arn)?;
    if p.attachments > 0 {
        return Err(IamError::new("DeleteConflict", 409, "Cannot delete a policy attached to entities."));
    }
    remove(eng, account, "policy", &p.name)
}

/// ListPolicies of the account (customer managed; `only_attached` keeps attached ones).
pub fn list_policies(
    eng: &Engine,
    account: &str,
    prefix: &str,
    only_attached: bool,
    marker: Option<&str>,
    max: usize,
) -> Result<(Vec<Policy>, bool), IamError> {
    page(eng, account, "policy", marker, max, |p: &Policy| {
        p.path.starts_with(prefix) && (!only_attached || p.attachments > 0)
    })
}

/// AttachRolePolicy: the policy must exist (AWS managed ones are taken on trust).
pub fn attach_role_policy(eng: &mut Engine, account: &str, role: &str, arn: &str) -> Result<(), IamError> {
    let mut r = get_role(eng, account, role)?;
    if r.attached.iter().any(|a| a == arn) {
        return Ok(());
    }
    if !arn.starts_with("arn:aws:iam::aws:policy/") {
        if get_policy(eng, account, arn).is_err() {
            return Err(no_policy(arn));
        }
        update_policy(eng, account, arn, |p, _| {
            p.attachments += 1;
            Ok(())
        })?;
    }
    r.attached.push(arn.to_string());
    save(eng, account, "role", role, &r)
}

/// DetachRolePolicy.
pub fn detach_role_policy(eng: &mut Engine, account: &str, role: &str, arn: &str) -> Result<(), IamError> {
    let mut r = get_role(eng, account, role)?;
    let before = r.attached.len();
    r.attached.retain(|a| a != arn);
    if r.attached.len() == before {
        return Err(IamError::new("NoSuchEntity", 404, format!("Policy {arn} was not found.")));
    }
    if !arn.starts_with("arn:aws:iam::aws:policy/") {
        update_policy(eng, account, arn, |p, _| {
            p.attachments = p.attachments.saturating_sub(1);
            Ok(())
        })?;
    }
    save(eng, account, "role", role, &r)
}

/// Roles a policy is attached to (ListEntitiesForPolicy).
pub fn roles_with_policy(eng: &Engine, account: &str, arn: &str) -> Result<Vec<Role>, IamError> {
    Ok(page(eng, account, "role", None, usize::MAX, |r: &Role| r.attached.iter().any(|a| a == arn))?.0)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use std::sync::Arc;

    fn engine() -> Engine {
        Engine::memory(Arc::new(ManualClock::new(1_700_000_000_000)))
    }

    #[test]
    fn roles_policies_versions_and_attachments() {
        let mut eng = engine();
        let a = "000000000000";
        let role = create_role(
            &mut eng,
            a,
            NewRole { name: "r".into(), assume_role_policy: "{}".into(), ..Default::default() },
        )
        .unwrap();
        assert_eq!(role.arn, "arn:aws:iam::000000000000:role/r");
        assert_eq!(
            create_role(&mut eng, a, NewRole { name: "r".into(), ..Default::default() }).unwrap_err().code,
            "EntityAlreadyExists"
        );
        let p = create_policy(&mut eng, a, "p", Some("/svc/"), "{\"v\":1}".into(), None, vec![]).unwrap();
        assert_eq!(p.arn, "arn:aws:iam::000000000000:policy/svc/p");
        attach_role_policy(&mut eng, a, "r", &p.arn).unwrap();
        attach_role_policy(&mut eng, a, "r", "arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
        assert_eq!(
            attach_role_policy(&mut eng, a, "r", "arn:aws:iam::000000000000:policy/none").unwrap_err().code,
            "NoSuchEntity"
        );
        assert_eq!(delete_policy(&mut eng, a, &p.arn).unwrap_err().code, "DeleteConflict");
        assert_eq!(delete_role(&mut eng, a, "r").unwrap_err().code, "DeleteConflict");
        for n in 2..=5 {
            assert_eq!(
                create_policy_version(&mut eng, a, &p.arn, format!("{{\"v\":{n}}}"), n == 5).unwrap().id,
                format!("v{n}")
            );
        }
        assert_eq!(create_policy_version(&mut eng, a, &p.arn, "{}".into(), false).unwrap_err().code, "LimitExceeded");
        assert_eq!(delete_policy_version(&mut eng, a, &p.arn, "v5").unwrap_err().code, "DeleteConflict");
        delete_policy_version(&mut eng, a, &p.arn, "v1").unwrap();
        assert_eq!(get_policy(&eng, a, &p.arn).unwrap().default_version, "v5");
        detach_role_policy(&mut eng, a, "r", &p.arn).unwrap();
        detach_role_policy(&mut eng, a, "r", "arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
        delete_policy(&mut eng, a, &p.arn).unwrap();
        delete_role(&mut eng, a, "r").unwrap();
        assert_eq!(get_role(&eng, a, "r").unwrap_err().code, "NoSuchEntity");
    }

    #[test]
    fn role_listing_pages_by_name() {
        let mut eng = engine();
        for n in ["c", "a", "b"] {
            create_role(&mut eng, "111111111111", NewRole { name: n.into(), ..Default::default() }).unwrap();
        }
        let (first, more) = list_roles(&eng, "111111111111", "/", None, 2).unwrap();
        assert_eq!((first.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), more), (vec!["a", "b"], true));
        let (rest, more) = list_roles(&eng, "111111111111", "/", Some("b"), 2).unwrap();
        assert_eq!((rest.len(), more), (1, false));
        assert!(list_roles(&eng, "222222222222", "/", None, 10).unwrap().0.is_empty());
    }
}
