//! AWS IAM inputs and outputs (botocore `iam` 2010-05-08), the operations and members kinesin
//! serves, named as the model names them; members are written in the order IAM answers have
//! always had here. Timestamps are whole epoch seconds, written as ISO 8601 by
//! [`crate::query`]; policy documents are answered URL-encoded ([`PolicyDocument`]).

use crate::percent::encode_unreserved;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An integer member as the form gave it: its value, or the text that is not one (IAM reads
/// `MaxSessionDuration` leniently and words its own error for `MaxItems`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FormInteger {
    /// A number.
    Value(i64),
    /// Text that is not a number.
    Text(String),
}

impl FormInteger {
    /// The number, if it is one.
    pub fn value(&self) -> Option<i64> {
        match self {
            Self::Value(n) => Some(*n),
            Self::Text(_) => None,
        }
    }
}

/// A boolean flag: only `true` is true (any other text is false, as IAM has read it here).
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(#[allow(dead_code)] String),
    }
    Ok(matches!(Option::<Raw>::deserialize(d)?, Some(Raw::Bool(true))))
}

/// A policy document: stored as given, answered URL-encoded as IAM answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument(pub String);

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode_unreserved(&self.0))
    }
}

/// A list kinesin keeps nothing in (instance profiles, groups, users): answered empty,
/// `<Name/>` (serialized as `null`).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Unkept;

/// `Tag` (a missing `Value` is empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

/// The requests that name only a role (`GetRoleRequest`, `DeleteRoleRequest`,
/// `ListRoleTagsRequest`, `ListInstanceProfilesForRoleRequest`; their paging members are
/// not read).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleRequest {
    pub role_name: String,
}

/// The requests that name only a managed policy (`GetPolicyRequest`, `DeletePolicyRequest`,
/// `ListPolicyTagsRequest`, `ListEntitiesForPolicyRequest`, `ListPolicyVersionsRequest`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyRequest {
    pub policy_arn: String,
}

/// `CreateRoleRequest`: the members kinesin keeps (a permissions boundary is not).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRoleRequest {
    pub role_name: String,
    #[serde(default)]
    pub path: Option<String>,
    pub assume_role_policy_document: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub max_session_duration: Option<FormInteger>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// `ListRolesRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolesRequest {
    #[serde(default)]
    pub path_prefix: Option<String>,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<FormInteger>,
}

/// `UpdateRoleRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRoleRequest {
    pub role_name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub max_session_duration: Option<FormInteger>,
}

/// `UpdateRoleDescriptionRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRoleDescriptionRequest {
    pub role_name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// `UpdateAssumeRolePolicyRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAssumeRolePolicyRequest {
    pub role_name: String,
    pub policy_document: String,
}

/// `TagRoleRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagRoleRequest {
    pub role_name: String,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// `UntagRoleRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagRoleRequest {
    pub role_name: String,
    #[serde(default)]
    pub tag_keys: Vec<String>,
}

/// `PutRolePolicyRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PutRolePolicyRequest {
    pub role_name: String,
    pub policy_name: String,
    pub policy_document: String,
}

/// `GetRolePolicyRequest` and `DeleteRolePolicyRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RolePolicyRequest {
    pub role_name: String,
    pub policy_name: String,
}

/// `ListRolePoliciesRequest` and `ListAttachedRolePoliciesRequest` (a path prefix is not
/// read).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleListingRequest {
    pub role_name: String,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<FormInteger>,
}

/// `AttachRolePolicyRequest` and `DetachRolePolicyRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleAttachmentRequest {
    pub role_name: String,
    pub policy_arn: String,
}

/// `CreatePolicyRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyRequest {
    pub policy_name: String,
    #[serde(default)]
    pub path: Option<String>,
    pub policy_document: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// `ListPoliciesRequest` (`PolicyUsageFilter` is not read).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesRequest {
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub only_attached: bool,
    #[serde(default)]
    pub path_prefix: Option<String>,
    #[serde(default)]
    pub marker: Option<String>,
    #[serde(default)]
    pub max_items: Option<FormInteger>,
}

/// `TagPolicyRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagPolicyRequest {
    pub policy_arn: String,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// `UntagPolicyRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UntagPolicyRequest {
    pub policy_arn: String,
    #[serde(default)]
    pub tag_keys: Vec<String>,
}

/// `CreatePolicyVersionRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyVersionRequest {
    pub policy_arn: String,
    pub policy_document: String,
    #[serde(default, deserialize_with = "flag")]
    pub set_as_default: bool,
}

/// `GetPolicyVersionRequest` (`VersionId` is checked after the policy is found, as IAM has
/// answered here).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyVersionRequest {
    pub policy_arn: String,
    #[serde(default)]
    pub version_id: Option<String>,
}

/// `DeletePolicyVersionRequest` and `SetDefaultPolicyVersionRequest`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionRequest {
    pub policy_arn: String,
    pub version_id: String,
}

/// `Role` (`Tags` and `RoleLastUsed` only where IAM answers one role).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub path: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub create_date: f64,
    pub assume_role_policy_document: PolicyDocument,
    pub max_session_duration: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_last_used: Option<RoleLastUsed>,
}

/// `RoleLastUsed`: kinesin does not track use, so it is empty.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RoleLastUsed {}

/// `CreateRoleResponse`, `GetRoleResponse` and `UpdateRoleDescriptionResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleResponse {
    pub role: Role,
}

/// `UpdateRoleResponse` (no members).
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateRoleResponse {}

/// `ListRolesResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolesResponse {
    pub roles: Vec<Role>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// `ListRoleTagsResponse` and `ListPolicyTagsResponse` (never truncated).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagsResponse {
    pub tags: Vec<Tag>,
    pub is_truncated: bool,
}

/// `ListInstanceProfilesForRoleResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListInstanceProfilesForRoleResponse {
    pub instance_profiles: Unkept,
    pub is_truncated: bool,
}

/// `GetRolePolicyResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRolePolicyResponse {
    pub role_name: String,
    pub policy_name: String,
    pub policy_document: PolicyDocument,
}

/// `ListRolePoliciesResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRolePoliciesResponse {
    pub policy_names: Vec<String>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// `AttachedPolicy`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    pub policy_name: String,
    pub policy_arn: String,
}

/// `ListAttachedRolePoliciesResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAttachedRolePoliciesResponse {
    pub attached_policies: Vec<AttachedPolicy>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// `Policy` (`Description` and `Tags` only where IAM answers one policy).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Policy {
    pub policy_name: String,
    pub policy_id: String,
    pub arn: String,
    pub path: String,
    pub default_version_id: String,
    pub attachment_count: i64,
    pub permissions_boundary_usage_count: i64,
    pub is_attachable: bool,
    pub create_date: f64,
    pub update_date: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
}

/// `CreatePolicyResponse` and `GetPolicyResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyResponse {
    pub policy: Policy,
}

/// `ListPoliciesResponse` (`Policies` is `None` for scope `AWS`: kinesin carries no AWS
/// managed policies, answered `<Policies/>`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesResponse {
    pub policies: Option<Vec<Policy>>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// `PolicyRole`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyRole {
    pub role_name: String,
    pub role_id: String,
}

/// `ListEntitiesForPolicyResponse` (roles only: kinesin has no groups or users).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListEntitiesForPolicyResponse {
    pub policy_groups: Unkept,
    pub policy_users: Unkept,
    pub policy_roles: Vec<PolicyRole>,
    pub is_truncated: bool,
}

/// `PolicyVersion` (`Document` only where IAM answers one version).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<PolicyDocument>,
    pub version_id: String,
    pub is_default_version: bool,
    pub create_date: f64,
}

/// `CreatePolicyVersionResponse` and `GetPolicyVersionResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionResponse {
    pub policy_version: PolicyVersion,
}

/// `ListPolicyVersionsResponse` (newest first, never truncated).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPolicyVersionsResponse {
    pub versions: Vec<PolicyVersion>,
    pub is_truncated: bool,
}
