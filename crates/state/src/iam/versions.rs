//! A managed policy's versions: at most five, one of them the default.

use super::store::{get_policy, update_policy, Policy, PolicyVersion};
use super::{codes, IamError};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::iam::{self as dto, PolicyDocument};

/// Versions a managed policy may have (AWS's limit).
pub const MAX_POLICY_VERSIONS: usize = 5;

/// A stored version as IAM answers it (`Document` only where one version is asked for).
fn answer(v: &PolicyVersion, default: bool, with_document: bool) -> dto::PolicyVersion {
    dto::PolicyVersion {
        document: with_document.then(|| PolicyDocument(v.document.clone())),
        version_id: v.id.clone(),
        is_default_version: default,
        create_date: super::store::secs(v.created_ms),
    }
}

fn no_version(arn: &str, id: &str) -> IamError {
    IamError::no_such_entity(format!("Policy {arn} version {id} does not exist."))
}

fn find<'a>(p: &'a Policy, arn: &str, id: &str) -> Result<&'a PolicyVersion, IamError> {
    p.versions.iter().find(|v| v.id == id).ok_or_else(|| no_version(arn, id))
}

/// CreatePolicyVersion (at most [`MAX_POLICY_VERSIONS`]).
pub fn create(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::CreatePolicyVersionRequest,
) -> Result<dto::PolicyVersionResponse, IamError> {
    let set_default = input.set_as_default;
    let p = update_policy(eng, &ctx.account, &input.policy_arn, |p, now| {
        if p.versions.len() >= MAX_POLICY_VERSIONS {
            return Err(IamError::new(
                codes::LIMIT_EXCEEDED,
                "A managed policy can have up to 5 versions. Before you create a new version, you must delete an \
                 existing version.",
            ));
        }
        let id = format!("v{}", p.next_version);
        p.next_version += 1;
        p.versions.push(PolicyVersion { id: id.clone(), document: input.policy_document, created_ms: now });
        if set_default {
            p.default_version = id;
            p.updated_ms = now;
        }
        Ok(())
    })?;
    let v = p.versions.last().expect("a version was just added");
    Ok(dto::PolicyVersionResponse { policy_version: answer(v, set_default, false) })
}

/// GetPolicyVersion (`VersionId` is required once the policy is found).
pub fn get(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::GetPolicyVersionRequest,
) -> Result<dto::PolicyVersionResponse, IamError> {
    let p = get_policy(eng, &ctx.account, &input.policy_arn)?;
    let id = input.version_id.ok_or_else(|| IamError::missing("VersionId"))?;
    let v = find(&p, &input.policy_arn, &id)?;
    Ok(dto::PolicyVersionResponse { policy_version: answer(v, v.id == p.default_version, true) })
}

/// ListPolicyVersions: newest first.
pub fn list(
    eng: &mut Engine,
    ctx: &Ctx,
    input: dto::PolicyRequest,
) -> Result<dto::ListPolicyVersionsResponse, IamError> {
    let p = get_policy(eng, &ctx.account, &input.policy_arn)?;
    let versions = p.versions.iter().rev().map(|v| answer(v, v.id == p.default_version, false)).collect();
    Ok(dto::ListPolicyVersionsResponse { versions, is_truncated: false })
}

/// DeletePolicyVersion: the default version cannot be deleted.
pub fn delete(eng: &mut Engine, ctx: &Ctx, input: dto::PolicyVersionRequest) -> Result<(), IamError> {
    let (arn, id) = (input.policy_arn.as_str(), input.version_id.as_str());
    update_policy(eng, &ctx.account, arn, |p, _| {
        if p.default_version == id {
            return Err(super::store::conflict("Cannot delete the default version of a policy."));
        }
        let before = p.versions.len();
        p.versions.retain(|v| v.id != id);
        if p.versions.len() == before {
            return Err(no_version(arn, id));
        }
        Ok(())
    })
    .map(drop)
}

/// SetDefaultPolicyVersion.
pub fn set_default(eng: &mut Engine, ctx: &Ctx, input: dto::PolicyVersionRequest) -> Result<(), IamError> {
    let arn = input.policy_arn.as_str();
    update_policy(eng, &ctx.account, arn, |p, now| {
        find(p, arn, &input.version_id)?;
        p.default_version = input.version_id;
        p.updated_ms = now;
        Ok(())
    })
    .map(drop)
}
