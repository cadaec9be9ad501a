//! Amazon EventBridge Pipes shapes: the typed requests and responses of its operations,
//! named as the botocore model names them.
//!
//! Requests are read from documents that `model::validate_input` has already checked (body,
//! path and query members merged, keyed as the model's `locationName`s). The parameter
//! structures of a pipe (`SourceParameters`, `TargetParameters`, ...) stay JSON documents
//! (`Value`): they are stored and described as given, so new members of the model pass
//! through; the engine reads the members it serves from them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `TagMap`.
pub type TagMap = BTreeMap<String, String>;

/// The members of a pipe's definition that CreatePipe and UpdatePipe take and DescribePipe
/// answers as given (all but name, source, target, states and tags), in model order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PipeDefinition {
    /// `Description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `SourceParameters` (`PipeSourceParameters`; UpdatePipe: `UpdatePipeSourceParameters`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_parameters: Option<Value>,
    /// `Enrichment`: an ARN or empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrichment: Option<String>,
    /// `EnrichmentParameters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrichment_parameters: Option<Value>,
    /// `TargetParameters`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_parameters: Option<Value>,
    /// `RoleArn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `LogConfiguration`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_configuration: Option<Value>,
    /// `KmsKeyIdentifier`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_identifier: Option<String>,
}

/// `CreatePipeRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePipeRequest {
    /// `Name` (path).
    pub name: String,
    /// `DesiredState` (`RUNNING` by default).
    pub desired_state: Option<String>,
    /// `Source`: the source's ARN.
    pub source: String,
    /// `Target`: the target's ARN.
    pub target: String,
    /// `Tags`.
    pub tags: Option<TagMap>,
    /// The rest of the definition.
    #[serde(flatten)]
    pub definition: PipeDefinition,
}

/// `UpdatePipeRequest`: the members given replace (objects: are merged into) the definition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdatePipeRequest {
    /// `Name` (path).
    pub name: String,
    /// `DesiredState`.
    pub desired_state: Option<String>,
    /// `Target`.
    pub target: Option<String>,
    /// The members of the definition to change.
    #[serde(flatten)]
    pub definition: PipeDefinition,
}

/// `DescribePipeRequest` (and the same-shaped requests naming one pipe).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePipeRequest {
    /// `Name` (path).
    pub name: String,
}

/// `StartPipeRequest`.
pub type StartPipeRequest = DescribePipeRequest;
/// `StopPipeRequest`.
pub type StopPipeRequest = DescribePipeRequest;
/// `DeletePipeRequest`.
pub type DeletePipeRequest = DescribePipeRequest;

/// `CreatePipeResponse` (and the same-shaped answers of a state change).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePipeResponse {
    /// `Arn`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `DesiredState`.
    pub desired_state: String,
    /// `CurrentState`.
    pub current_state: String,
    /// `CreationTime` (epoch seconds).
    pub creation_time: f64,
    /// `LastModifiedTime` (epoch seconds).
    pub last_modified_time: f64,
}

/// `UpdatePipeResponse`.
pub type UpdatePipeResponse = CreatePipeResponse;
/// `StartPipeResponse`.
pub type StartPipeResponse = CreatePipeResponse;
/// `StopPipeResponse`.
pub type StopPipeResponse = CreatePipeResponse;
/// `DeletePipeResponse` (`DesiredState` `DELETED`).
pub type DeletePipeResponse = CreatePipeResponse;

/// `DescribePipeResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribePipeResponse {
    /// `Arn`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `DesiredState`.
    pub desired_state: String,
    /// `CurrentState`.
    pub current_state: String,
    /// `StateReason`: why the pipe does not deliver, if it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// `Source`.
    pub source: String,
    /// `Target`.
    pub target: String,
    /// The rest of the definition, as given.
    #[serde(flatten)]
    pub definition: PipeDefinition,
    /// `Tags`.
    pub tags: TagMap,
    /// `CreationTime` (epoch seconds).
    pub creation_time: f64,
    /// `LastModifiedTime` (epoch seconds).
    pub last_modified_time: f64,
}

/// `ListPipesRequest` (query members).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPipesRequest {
    /// `NamePrefix`.
    pub name_prefix: Option<String>,
    /// `DesiredState`.
    pub desired_state: Option<String>,
    /// `CurrentState`.
    pub current_state: Option<String>,
    /// `SourcePrefix`.
    pub source_prefix: Option<String>,
    /// `TargetPrefix`.
    pub target_prefix: Option<String>,
    /// `NextToken`.
    pub next_token: Option<String>,
    /// `Limit` (1-100, default 100).
    pub limit: Option<u32>,
}

/// `Pipe`: one entry of ListPipes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pipe {
    /// `Name`.
    pub name: String,
    /// `Arn`.
    pub arn: String,
    /// `DesiredState`.
    pub desired_state: String,
    /// `CurrentState`.
    pub current_state: String,
    /// `CreationTime` (epoch seconds).
    pub creation_time: f64,
    /// `LastModifiedTime` (epoch seconds).
    pub last_modified_time: f64,
    /// `Source`.
    pub source: String,
    /// `Target`.
    pub target: String,
    /// `StateReason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<String>,
    /// `Enrichment`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrichment: Option<String>,
}

/// `ListPipesResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPipesResponse {
    /// `Pipes`, by name.
    pub pipes: Vec<Pipe>,
    /// `NextToken`, if more pipes follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `ListTagsForResourceRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsForResourceRequest {
    /// `resourceArn` (path).
    pub resource_arn: String,
}

/// `ListTagsForResourceResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTagsForResourceResponse {
    /// `tags`.
    pub tags: TagMap,
}

/// `TagResourceRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TagResourceRequest {
    /// `resourceArn` (path).
    pub resource_arn: String,
    /// `tags` to add or replace.
    pub tags: TagMap,
}

/// `UntagResourceRequest`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UntagResourceRequest {
    /// `resourceArn` (path).
    pub resource_arn: String,
    /// `tagKeys` (query) to remove.
    pub tag_keys: Vec<String>,
}

/// `TagResourceResponse` (`{}`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TagResourceResponse {}

/// `UntagResourceResponse` (`{}`).
pub type UntagResourceResponse = TagResourceResponse;
