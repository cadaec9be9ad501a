//! Amazon EventBridge Pipes as a [`Service`]: its operations, their effects and its error.
//!
//! Operations take the validated request document (body merged with the path and query
//! parameters) and answer the response document; their error is the wire error itself,
//! built by the constructors of this module's parent ([`super::not_found`], ...).

use super::{
    create_pipe, delete_pipe, describe_pipe, list_pipes, list_tags_for_resource, start_pipe, stop_pipe, tag_resource,
    untag_resource, update_pipe, Opts,
};
use crate::service::Service;
use kinesin_protocol::model::{self, Model};
use kinesin_protocol::ApiError;
use serde_json::Value;

/// Amazon EventBridge Pipes (restJson1).
#[derive(Debug, Clone, Copy)]
pub struct PipesApi;

/// What a Pipes operation wakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipesEffect {
    /// The pump (a pipe was created, changed, started, stopped or deleted).
    Pump,
}

impl Service for PipesApi {
    type Caller = Opts;
    type Error = ApiError;
    type Effect = PipesEffect;

    fn model() -> &'static Model {
        model::pipes()
    }
}

crate::operations! {
    service PipesApi;
    CreatePipe(Value) -> Value = create_pipe, wakes [PipesEffect::Pump];
    DeletePipe(Value) -> Value = delete_pipe, wakes [PipesEffect::Pump];
    DescribePipe(Value) -> Value = describe_pipe;
    ListPipes(Value) -> Value = list_pipes;
    ListTagsForResource(Value) -> Value = list_tags_for_resource;
    StartPipe(Value) -> Value = start_pipe, wakes [PipesEffect::Pump];
    StopPipe(Value) -> Value = stop_pipe, wakes [PipesEffect::Pump];
    TagResource(Value) -> Value = tag_resource, wakes [PipesEffect::Pump];
    UntagResource(Value) -> Value = untag_resource, wakes [PipesEffect::Pump];
    UpdatePipe(Value) -> Value = update_pipe, wakes [PipesEffect::Pump];
}
