//! `DiscoverInputSchema` with an `InputProcessingConfiguration` (both APIs): the sample is
//! taken on the store thread, goes through the function bound with `--lambda` off it, and the
//! schema is inferred from what the function returned (`kinesin_state::analytics::discover`).
//! Without a function the operation runs as any other.

use crate::runner;
use crate::wire::Wire;
use kinesin_delivery::Env;
use kinesin_protocol::{json, ApiError};
use kinesin_state::analytics::api::AnalyticsEffect;
use kinesin_state::analytics::discover::{self, DiscoverInput, DiscoverOutput};
use kinesin_state::analytics::preprocess;
use kinesin_state::analytics::{Analytics, KdaError};
use kinesin_state::service::{Operation, Service};
use kinesin_state::Ctx;

/// Runs `DiscoverInputSchema` (operation `O` of API `S`) on a request body.
pub async fn handle<S, O>(a: &Analytics, env: &Env, ctx: Ctx, body: &[u8]) -> Result<Vec<u8>, ApiError>
where
    S: Service<Caller = Ctx, Effect = AnalyticsEffect>,
    O: Operation<Service = S, Input = DiscoverInput, Output = DiscoverOutput>,
{
    let model = S::model();
    let mut doc = Wire::Json.decode(model, O::NAME, body)?;
    S::validate(O::NAME, &mut doc)?;
    let input: DiscoverInput = json::into_input(doc)?;
    let out = match input.function_arn().map(str::to_string) {
        None => runner::execute::<Analytics, O>(a, ctx, input).await?,
        Some(function) => processed(a, env, ctx, input, &function).await?,
    };
    Wire::Json.encode(model, O::NAME, &out)
}

async fn processed(
    a: &Analytics,
    env: &Env,
    ctx: Ctx,
    input: DiscoverInput,
    function: &str,
) -> Result<DiscoverOutput, KdaError> {
    let sample = a.db().call(move |eng| discover::sample(eng, &ctx, &input)).await?;
    let answer = kinesin_delivery::lambda::invoke(env, function, sample.event()).await;
    let outcomes = answer.map_err(|e| e.message).and_then(|r| preprocess::outcomes_of(sample.len(), &r));
    sample.processed(outcomes)
}
