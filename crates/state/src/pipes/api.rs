//! Amazon EventBridge Pipes as a [`Service`]: its operations, their effects and its error.
//!
//! Operations take their typed request (decoded from the validated document of body, path
//! and query parameters) and answer their typed response; their error is the wire error
//! itself, built by the constructors of this module's parent ([`super::not_found`], ...).

use super::{
    create_pipe, delete_pipe, describe_pipe, list_pipes, list_tags_for_resource, start_pipe, stop_pipe, tag_resource,
    untag_resource, update_pipe, Opts,
};
use crate::service::Service;
use kinesin_protocol::model::{self, Model};
use kinesin_protocol::pipes::*;
use kinesin_protocol::ApiError;

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
    CreatePipe(CreatePipeRequest) -> CreatePipeResponse = create_pipe, wakes [PipesEffect::Pump];
    DeletePipe(DeletePipeRequest) -> DeletePipeResponse = delete_pipe, wakes [PipesEffect::Pump];
    DescribePipe(DescribePipeRequest) -> DescribePipeResponse = describe_pipe;
    ListPipes(ListPipesRequest) -> ListPipesResponse = list_pipes;
    ListTagsForResource(ListTagsForResourceRequest) -> ListTagsForResourceResponse = list_tags_for_resource;
    StartPipe(StartPipeRequest) -> StartPipeResponse = start_pipe, wakes [PipesEffect::Pump];
    StopPipe(StopPipeRequest) -> StopPipeResponse = stop_pipe, wakes [PipesEffect::Pump];
    TagResource(TagResourceRequest) -> TagResourceResponse = tag_resource, wakes [PipesEffect::Pump];
    UntagResource(UntagResourceRequest) -> UntagResourceResponse = untag_resource, wakes [PipesEffect::Pump];
    UpdatePipe(UpdatePipeRequest) -> UpdatePipeResponse = update_pipe, wakes [PipesEffect::Pump];
}
