//! AWS IAM as a [`Service`] (query protocol, `https://iam.amazonaws.com/doc/2010-05-08/`):
//! its table of operations and its validation, worded as IAM words it.

use super::{policies, role_policies, roles, versions, IamError};
use crate::service::Service;
use crate::Ctx;
use kinesin_protocol::iam::*;
use kinesin_protocol::model::{self, Model};
use kinesin_protocol::ApiError;
use serde_json::Value;

/// AWS IAM.
#[derive(Debug, Clone, Copy)]
pub struct IamApi;

/// IAM operations wake nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamEffect {}

impl Service for IamApi {
    type Caller = Ctx;
    type Error = IamError;
    type Effect = IamEffect;

    fn model() -> &'static Model {
        model::iam()
    }

    /// IAM's own checks, in its order and words, not the model's generic ones: the members
    /// an operation cannot do without (`ValidationError`, "Value null at 'roleName'"); a
    /// tag list ends at the first tag without a key. Bounds that depend on the store
    /// (`MaxItems` of a role's listings) are checked by the operations.
    fn validate(operation: &str, doc: &mut Value) -> Result<(), ApiError> {
        if let Some(name) = required(operation).iter().find(|name| doc[**name].is_null()) {
            return Err(IamError::missing(name).into());
        }
        if let Some(Value::Array(tags)) = doc.get_mut("Tags") {
            let keyed = tags.iter().take_while(|t| t.get("Key").is_some()).count();
            tags.truncate(keyed);
        }
        Ok(())
    }
}

/// The members an operation requires before it reads the store, in the order IAM checks them.
fn required(operation: &str) -> &'static [&'static str] {
    match operation {
        "CreateRole" => &["RoleName", "AssumeRolePolicyDocument"],
        "UpdateAssumeRolePolicy" => &["RoleName", "PolicyDocument"],
        "PutRolePolicy" => &["RoleName", "PolicyName", "PolicyDocument"],
        "GetRolePolicy" | "DeleteRolePolicy" => &["RoleName", "PolicyName"],
        "AttachRolePolicy" | "DetachRolePolicy" => &["RoleName", "PolicyArn"],
        "CreatePolicy" => &["PolicyName", "PolicyDocument"],
        "CreatePolicyVersion" => &["PolicyArn", "PolicyDocument"],
        "DeletePolicyVersion" | "SetDefaultPolicyVersion" => &["PolicyArn", "VersionId"],
        "GetPolicy"
        | "DeletePolicy"
        | "TagPolicy"
        | "UntagPolicy"
        | "ListPolicyTags"
        | "ListEntitiesForPolicy"
        | "GetPolicyVersion"
        | "ListPolicyVersions" => &["PolicyArn"],
        "ListRoles" | "ListPolicies" => &[],
        _ => &["RoleName"],
    }
}

crate::operations! {
    service IamApi;
    CreateRole(CreateRoleRequest) -> RoleResponse = roles::create;
    GetRole(RoleRequest) -> RoleResponse = roles::get;
    DeleteRole(RoleRequest) -> () = roles::delete;
    ListRoles(ListRolesRequest) -> ListRolesResponse = roles::list;
    UpdateRole(UpdateRoleRequest) -> UpdateRoleResponse = roles::update;
    UpdateRoleDescription(UpdateRoleDescriptionRequest) -> RoleResponse = roles::update_description;
    UpdateAssumeRolePolicy(UpdateAssumeRolePolicyRequest) -> () = roles::update_trust;
    TagRole(TagRoleRequest) -> () = roles::tag;
    UntagRole(UntagRoleRequest) -> () = roles::untag;
    ListRoleTags(RoleRequest) -> TagsResponse = roles::list_tags;
    ListInstanceProfilesForRole(RoleRequest) -> ListInstanceProfilesForRoleResponse = roles::list_instance_profiles;
    PutRolePolicy(PutRolePolicyRequest) -> () = role_policies::put;
    GetRolePolicy(RolePolicyRequest) -> GetRolePolicyResponse = role_policies::get;
    DeleteRolePolicy(RolePolicyRequest) -> () = role_policies::delete;
    ListRolePolicies(RoleListingRequest) -> ListRolePoliciesResponse = role_policies::list;
    AttachRolePolicy(RoleAttachmentRequest) -> () = role_policies::attach;
    DetachRolePolicy(RoleAttachmentRequest) -> () = role_policies::detach;
    ListAttachedRolePolicies(RoleListingRequest) -> ListAttachedRolePoliciesResponse = role_policies::list_attached;
    CreatePolicy(CreatePolicyRequest) -> PolicyResponse = policies::create;
    GetPolicy(PolicyRequest) -> PolicyResponse = policies::get;
    DeletePolicy(PolicyRequest) -> () = policies::delete;
    ListPolicies(ListPoliciesRequest) -> ListPoliciesResponse = policies::list;
    TagPolicy(TagPolicyRequest) -> () = policies::tag;
    UntagPolicy(UntagPolicyRequest) -> () = policies::untag;
    ListPolicyTags(PolicyRequest) -> TagsResponse = policies::list_tags;
    ListEntitiesForPolicy(PolicyRequest) -> ListEntitiesForPolicyResponse = policies::list_entities;
    CreatePolicyVersion(CreatePolicyVersionRequest) -> PolicyVersionResponse = versions::create;
    GetPolicyVersion(GetPolicyVersionRequest) -> PolicyVersionResponse = versions::get;
    ListPolicyVersions(PolicyRequest) -> ListPolicyVersionsResponse = versions::list;
    DeletePolicyVersion(PolicyVersionRequest) -> () = versions::delete;
    SetDefaultPolicyVersion(PolicyVersionRequest) -> () = versions::set_default;
}
