//! A role's policies: inline ones (by name, kept in the role) and attached managed ones (by
//! ARN; a customer managed policy counts its attachments).

use super::store::{self, get_policy, get_role, update_policy, update_role, ROLE};
use super::IamError;
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::iam::{self as dto, PolicyDocument};

/// Where AWS managed policies live: attached on trust, never counted.
const AWS_MANAGED: &str = "arn:aws:iam::aws:policy/";

fn no_inline(name: &str) -> IamError {
    IamError::no_such_entity(format!("The role policy with name {name} cannot be found."))
}

/// PutRolePolicy: adds or replaces an inline policy.
pub fn put(eng: &mut Engine, ctx: &Ctx, input: dto::PutRolePolicyRequest) -> Result<(), IamError> {
    update_role(eng, &ctx.account, &input.role_name, |r| {
        r.inline.insert(input.policy_name, input.policy_document);
        Ok(())
    })
    .map(drop)
}

/// GetRolePolicy.
pub fn get(eng: &mut Engine, ctx: &Ctx, input: dto::RolePolicyRequest) -> Result<dto::GetRolePolicyResponse, IamError> {
    let role = get_role(eng, &ctx.account, &input.role_name)?;
    let doc = role.inline.get(&input.policy_name).ok_or_else(|| no_inline(&input.policy_name))?;
    Ok(dto::GetRolePolicyResponse {
        policy_document: PolicyDocument(doc.clone()),
        role_name: input.role_name,
        policy_name: input.policy_name,
    })
}

/// DeleteRolePolicy.
pub fn delete(eng: &mut Engine, ctx: &Ctx, input: dto::RolePolicyRequest) -> Result<(), IamError> {
    update_role(eng, &ctx.account, &input.role_name, |r| {
        r.inline.remove(&input.policy_name).map(drop).ok_or_else(|| no_inline(&input.policy_name))
    })
    .map(drop)
}

/// ListRolePolicies: the inline policies' names, paged.
pub fn list(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::RoleListingRequest,
) -> Result<dto::ListRolePoliciesResponse, IamError> {
    let role = get_role(eng, &ctx.account, &input.role_name)?;
    let names: Vec<&String> = role.inline.keys().collect();
    let max = store::page_size(input.max_items.as_ref())?;
    let (page, more) = store::page_of(&names, |n| n.as_str(), input.marker.as_deref(), max);
    let (is_truncated, marker) = store::next_marker(more, page.last().map(|n| n.as_str()));
    Ok(dto::ListRolePoliciesResponse {
        policy_names: page.into_iter().map(|n| n.to_string()).collect(),
        is_truncated,
        marker,
    })
}

/// AttachRolePolicy: the policy must exist (AWS managed ones are taken on trust); attaching
/// twice is attaching once.
pub fn attach(eng: &mut Engine, ctx: &Ctx, input: dto::RoleAttachmentRequest) -> Result<(), IamError> {
    let (account, arn) = (ctx.account.as_str(), input.policy_arn.as_str());
    let mut role = get_role(eng, account, &input.role_name)?;
    if role.attached.iter().any(|a| a == arn) {
        return Ok(());
    }
    if !arn.starts_with(AWS_MANAGED) {
        if get_policy(eng, account, arn).is_err() {
            return Err(IamError::no_such_entity(format!("Policy {arn} does not exist or is not attachable.")));
        }
        update_policy(eng, account, arn, |p, _| {
            p.attachments += 1;
            Ok(())
        })?;
    }
    role.attached.push(input.policy_arn);
    store::save(eng, account, ROLE, &input.role_name, &role)
}

/// DetachRolePolicy.
pub fn detach(eng: &mut Engine, ctx: &Ctx, input: dto::RoleAttachmentRequest) -> Result<(), IamError> {
    let (account, arn) = (ctx.account.as_str(), input.policy_arn.as_str());
    let mut role = get_role(eng, account, &input.role_name)?;
    let before = role.attached.len();
    role.attached.retain(|a| a != arn);
    if role.attached.len() == before {
        return Err(IamError::no_such_entity(format!("Policy {arn} was not found.")));
    }
    if !arn.starts_with(AWS_MANAGED) {
        update_policy(eng, account, arn, |p, _| {
            p.attachments = p.attachments.saturating_sub(1);
            Ok(())
        })?;
    }
    store::save(eng, account, ROLE, &input.role_name, &role)
}

/// ListAttachedRolePolicies: in attachment order, paged by ARN.
pub fn list_attached(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::RoleListingRequest,
) -> Result<dto::ListAttachedRolePoliciesResponse, IamError> {
    let role = get_role(eng, &ctx.account, &input.role_name)?;
    let max = store::page_size(input.max_items.as_ref())?;
    let (page, more) = store::page_of(&role.attached, |a| a.as_str(), input.marker.as_deref(), max);
    let (is_truncated, marker) = store::next_marker(more, page.last().map(|a| a.as_str()));
    let attached_policies = page
        .into_iter()
        .map(|arn| dto::AttachedPolicy {
            policy_name: arn.rsplit('/').next().unwrap_or_default().to_string(),
            policy_arn: arn.clone(),
        })
        .collect();
    Ok(dto::ListAttachedRolePoliciesResponse { attached_policies, is_truncated, marker })
}
