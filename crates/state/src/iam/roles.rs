//! Roles: create, read, list, update, tag and delete, and how a stored role is answered.

use super::store::{self, get_role, merge_tags, pairs, update_role, Role, ROLE};
use super::{codes, IamError};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::iam::{self as dto, FormInteger, PolicyDocument};
use std::collections::BTreeMap;

/// MaxSessionDuration when none is given (s).
const DEFAULT_SESSION_SECS: i64 = 3600;
/// The longest MaxSessionDuration (s).
const MAX_SESSION_SECS: i64 = 43_200;

/// A stored role as IAM answers it; `full` (one role, not a listing) adds its tags (if any)
/// and `RoleLastUsed`.
pub fn answer(r: &Role, full: bool) -> dto::Role {
    dto::Role {
        path: r.path.clone(),
        role_name: r.name.clone(),
        role_id: r.id.clone(),
        arn: r.arn.clone(),
        create_date: store::secs(r.created_ms),
        assume_role_policy_document: PolicyDocument(r.assume_role_policy.clone()),
        max_session_duration: r.max_session_duration,
        description: r.description.clone(),
        tags: (full && !r.tags.is_empty()).then(|| store::tags_of(&r.tags)),
        role_last_used: full.then(dto::RoleLastUsed::default),
    }
}

fn full(r: &Role) -> dto::RoleResponse {
    dto::RoleResponse { role: answer(r, true) }
}

/// CreateRole.
pub fn create(eng: &mut Engine, ctx: &Ctx, input: dto::CreateRoleRequest) -> Result<dto::RoleResponse, IamError> {
    let account = ctx.account.as_str();
    let name = input.role_name;
    if store::load::<Role>(eng, account, ROLE, &name)?.is_some() {
        return Err(IamError::new(codes::ENTITY_ALREADY_EXISTS, format!("Role with name {name} already exists.")));
    }
    let duration = input.max_session_duration.as_ref().and_then(FormInteger::value).unwrap_or(DEFAULT_SESSION_SECS);
    if !(DEFAULT_SESSION_SECS..=MAX_SESSION_SECS).contains(&duration) {
        return Err(IamError::invalid(format!(
            "1 validation error detected: Value '{duration}' at 'maxSessionDuration' failed to satisfy constraint: \
             Member must have value between {DEFAULT_SESSION_SECS} and {MAX_SESSION_SECS}"
        )));
    }
    let path = store::normal_path(input.path.as_deref())?;
    let role = Role {
        arn: format!("arn:aws:iam::{account}:role{path}{name}"),
        name,
        path,
        id: store::new_id("AROA"),
        assume_role_policy: input.assume_role_policy_document,
        description: input.description,
        max_session_duration: duration,
        created_ms: eng.now(),
        tags: pairs(input.tags),
        inline: BTreeMap::new(),
        attached: Vec::new(),
    };
    store::save(eng, account, ROLE, &role.name, &role)?;
    Ok(full(&role))
}

/// GetRole.
pub fn get(eng: &mut Engine, ctx: &Ctx, input: dto::RoleRequest) -> Result<dto::RoleResponse, IamError> {
    Ok(full(&get_role(eng, &ctx.account, &input.role_name)?))
}

/// DeleteRole: refused while it has inline or attached policies.
pub fn delete(eng: &mut Engine, ctx: &Ctx, input: dto::RoleRequest) -> Result<(), IamError> {
    let role = get_role(eng, &ctx.account, &input.role_name)?;
    if !role.inline.is_empty() {
        return Err(store::conflict("Cannot delete entity, must delete policies first."));
    }
    if !role.attached.is_empty() {
        return Err(store::conflict("Cannot delete entity, must detach all policies first."));
    }
    store::remove(eng, &ctx.account, ROLE, &input.role_name)
}

/// ListRoles: roles under `PathPrefix`, by name, paged.
pub fn list(eng: &mut Engine, ctx: &Ctx, input: dto::ListRolesRequest) -> Result<dto::ListRolesResponse, IamError> {
    let max = store::page_size(input.max_items.as_ref())?;
    let prefix = input.path_prefix.as_deref().unwrap_or("/");
    let (roles, more) =
        store::page(eng, &ctx.account, ROLE, input.marker.as_deref(), max, |r: &Role| r.path.starts_with(prefix))?;
    let (is_truncated, marker) = store::next_marker(more, roles.last().map(|r| r.name.as_str()));
    Ok(dto::ListRolesResponse { roles: roles.iter().map(|r| answer(r, false)).collect(), is_truncated, marker })
}

/// UpdateRole: the description and MaxSessionDuration given (a duration that is not a
/// number is ignored).
pub fn update(eng: &mut Engine, ctx: &Ctx, input: dto::UpdateRoleRequest) -> Result<dto::UpdateRoleResponse, IamError> {
    update_role(eng, &ctx.account, &input.role_name, |r| {
        if let Some(d) = input.description {
            r.description = Some(d);
        }
        if let Some(m) = input.max_session_duration.as_ref().and_then(FormInteger::value) {
            r.max_session_duration = m;
        }
        Ok(())
    })?;
    Ok(dto::UpdateRoleResponse {})
}

/// UpdateRoleDescription.
pub fn update_description(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::UpdateRoleDescriptionRequest,
) -> Result<dto::RoleResponse, IamError> {
    let role = update_role(eng, &ctx.account, &input.role_name, |r| {
        if let Some(d) = input.description {
            r.description = Some(d);
        }
        Ok(())
    })?;
    Ok(full(&role))
}

/// UpdateAssumeRolePolicy.
pub fn update_trust(eng: &mut Engine, ctx: &Ctx, input: dto::UpdateAssumeRolePolicyRequest) -> Result<(), IamError> {
    update_role(eng, &ctx.account, &input.role_name, |r| {
        r.assume_role_policy = input.policy_document;
        Ok(())
    })
    .map(drop)
}

/// TagRole.
pub fn tag(eng: &mut Engine, ctx: &Ctx, input: dto::TagRoleRequest) -> Result<(), IamError> {
    update_role(eng, &ctx.account, &input.role_name, |r| {
        merge_tags(&mut r.tags, pairs(input.tags), &[]);
        Ok(())
    })
    .map(drop)
}

/// UntagRole.
pub fn untag(eng: &mut Engine, ctx: &Ctx, input: dto::UntagRoleRequest) -> Result<(), IamError> {
    update_role(eng, &ctx.account, &input.role_name, |r| {
        merge_tags(&mut r.tags, Vec::new(), &input.tag_keys);
        Ok(())
    })
    .map(drop)
}

/// ListRoleTags (one page, never truncated).
pub fn list_tags(eng: &mut Engine, ctx: &Ctx, input: dto::RoleRequest) -> Result<dto::TagsResponse, IamError> {
    let role = get_role(eng, &ctx.account, &input.role_name)?;
    Ok(dto::TagsResponse { tags: store::tags_of(&role.tags), is_truncated: false })
}

/// ListInstanceProfilesForRole: none (kinesin keeps no instance profiles).
pub fn list_instance_profiles(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::RoleRequest,
) -> Result<dto::ListInstanceProfilesForRoleResponse, IamError> {
    get_role(eng, &ctx.account, &input.role_name)?;
    Ok(dto::ListInstanceProfilesForRoleResponse { instance_profiles: dto::Unkept, is_truncated: false })
}
