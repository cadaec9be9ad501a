//! Customer managed policies: create, read, list, tag and delete, who they are attached to,
//! and how a stored policy is answered.

use super::store::{self, get_policy, merge_tags, pairs, update_policy, Policy, PolicyVersion, Role, POLICY, ROLE};
use super::{codes, IamError};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::iam as dto;

/// A stored policy as IAM answers it; `full` (one policy, not a listing) adds its
/// description and tags (if any).
pub fn answer(p: &Policy, full: bool) -> dto::Policy {
    dto::Policy {
        policy_name: p.name.clone(),
        policy_id: p.id.clone(),
        arn: p.arn.clone(),
        path: p.path.clone(),
        default_version_id: p.default_version.clone(),
        attachment_count: i64::from(p.attachments),
        permissions_boundary_usage_count: 0,
        is_attachable: true,
        create_date: store::secs(p.created_ms),
        update_date: store::secs(p.updated_ms),
        description: p.description.clone().filter(|_| full),
        tags: (full && !p.tags.is_empty()).then(|| store::tags_of(&p.tags)),
    }
}

/// CreatePolicy: version v1 is the default.
pub fn create(eng: &mut Engine, ctx: &Ctx, input: dto::CreatePolicyRequest) -> Result<dto::PolicyResponse, IamError> {
    let (account, name) = (ctx.account.as_str(), input.policy_name);
    if store::load::<Policy>(eng, account, POLICY, &name)?.is_some() {
        return Err(IamError::new(
            codes::ENTITY_ALREADY_EXISTS,
            format!("A policy called {name} already exists. Duplicate names are not allowed."),
        ));
    }
    let path = store::normal_path(input.path.as_deref())?;
    let now = eng.now();
    let policy = Policy {
        arn: format!("arn:aws:iam::{account}:policy{path}{name}"),
        name,
        path,
        id: store::new_id("ANPA"),
        description: input.description,
        created_ms: now,
        updated_ms: now,
        default_version: "v1".into(),
        versions: vec![PolicyVersion { id: "v1".into(), document: input.policy_document, created_ms: now }],
        next_version: 2,
        attachments: 0,
        tags: pairs(input.tags),
    };
    store::save(eng, account, POLICY, &policy.name, &policy)?;
    Ok(dto::PolicyResponse { policy: answer(&policy, true) })
}

/// GetPolicy.
pub fn get(eng: &mut Engine, ctx: &Ctx, input: dto::PolicyRequest) -> Result<dto::PolicyResponse, IamError> {
    Ok(dto::PolicyResponse { policy: answer(&get_policy(eng, &ctx.account, &input.policy_arn)?, true) })
}

/// DeletePolicy: refused while attached.
pub fn delete(eng: &mut Engine, ctx: &Ctx, input: dto::PolicyRequest) -> Result<(), IamError> {
    let p = get_policy(eng, &ctx.account, &input.policy_arn)?;
    if p.attachments > 0 {
        return Err(store::conflict("Cannot delete a policy attached to entities."));
    }
    store::remove(eng, &ctx.account, POLICY, &p.name)
}

/// ListPolicies: the account's customer managed policies under `PathPrefix` (`OnlyAttached`
/// keeps attached ones), by name, paged; scope `AWS` lists none (kinesin does not carry
/// AWS's catalogue).
pub fn list(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::ListPoliciesRequest,
) -> Result<dto::ListPoliciesResponse, IamError> {
    if input.scope.as_deref() == Some("AWS") {
        return Ok(dto::ListPoliciesResponse { policies: None, is_truncated: false, marker: None });
    }
    let max = store::page_size(input.max_items.as_ref())?;
    let prefix = input.path_prefix.as_deref().unwrap_or("/");
    let keep = |p: &Policy| p.path.starts_with(prefix) && (!input.only_attached || p.attachments > 0);
    let (items, more) = store::page(eng, &ctx.account, POLICY, input.marker.as_deref(), max, keep)?;
    let (is_truncated, marker) = store::next_marker(more, items.last().map(|p| p.name.as_str()));
    let policies = Some(items.iter().map(|p| answer(p, false)).collect());
    Ok(dto::ListPoliciesResponse { policies, is_truncated, marker })
}

/// TagPolicy.
pub fn tag(eng: &mut Engine, ctx: &Ctx, input: dto::TagPolicyRequest) -> Result<(), IamError> {
    update_policy(eng, &ctx.account, &input.policy_arn, |p, _| {
        merge_tags(&mut p.tags, pairs(input.tags), &[]);
        Ok(())
    })
    .map(drop)
}

/// UntagPolicy.
pub fn untag(eng: &mut Engine, ctx: &Ctx, input: dto::UntagPolicyRequest) -> Result<(), IamError> {
    update_policy(eng, &ctx.account, &input.policy_arn, |p, _| {
        merge_tags(&mut p.tags, Vec::new(), &input.tag_keys);
        Ok(())
    })
    .map(drop)
}

/// ListPolicyTags (one page, never truncated).
pub fn list_tags(eng: &mut Engine, ctx: &Ctx, input: dto::PolicyRequest) -> Result<dto::TagsResponse, IamError> {
    let p = get_policy(eng, &ctx.account, &input.policy_arn)?;
    Ok(dto::TagsResponse { tags: store::tags_of(&p.tags), is_truncated: false })
}

/// ListEntitiesForPolicy: the roles it is attached to (any ARN, AWS managed ones too).
pub fn list_entities(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::PolicyRequest,
) -> Result<dto::ListEntitiesForPolicyResponse, IamError> {
    let arn = input.policy_arn.as_str();
    let (roles, _) =
        store::page(eng, &ctx.account, ROLE, None, usize::MAX, |r: &Role| r.attached.iter().any(|a| a == arn))?;
    Ok(dto::ListEntitiesForPolicyResponse {
        policy_groups: dto::Unkept,
        policy_users: dto::Unkept,
        policy_roles: roles.into_iter().map(|r| dto::PolicyRole { role_name: r.name, role_id: r.id }).collect(),
        is_truncated: false,
    })
}
