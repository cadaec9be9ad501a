//! The streams an application writes to, named by their ARNs: a Kinesis stream or a Firehose
//! delivery stream is looked up in the account and region of its ARN (as AWS does), not the
//! application's.

use super::config::{AppConfig, Output};
use super::KdaError;
use crate::db::Engine;
use crate::Ctx;

/// The delivery stream named by a Firehose ARN
/// (`arn:aws:firehose:<region>:<account>:deliverystream/<name>`).
pub(super) fn delivery_stream(arn: &str) -> Option<(Ctx, String)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, _, "firehose", region, account, resource] = parts[..] else { return None };
    Some((Ctx::new(account, region), resource.strip_prefix("deliverystream/")?.to_string()))
}

/// Where an output writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// A Kinesis stream (namespace, name).
    Kinesis(Ctx, String),
    /// A Firehose delivery stream (namespace, name).
    Firehose(Ctx, String),
    /// A function bound with `--lambda` (its ARN).
    Lambda(String),
}

/// The destination of `out`; `None` for an ARN that names no stream of its kind (the model's
/// patterns let few through).
pub(super) fn target(out: &Output) -> Option<Target> {
    if let Some(k) = &out.kinesis_streams_output {
        let (ctx, name) = crate::kinesis::parse_arn(&k.resource_arn)?;
        return Some(Target::Kinesis(ctx, name));
    }
    if let Some(f) = &out.kinesis_firehose_output {
        let (ctx, name) = delivery_stream(&f.resource_arn)?;
        return Some(Target::Firehose(ctx, name));
    }
    out.lambda_output.as_ref().map(|l| Target::Lambda(l.resource_arn.clone()))
}

/// Fails with `InvalidApplicationConfigurationException` unless every Kinesis and Firehose
/// output of a starting application exists (functions are checked when invoked).
pub(super) fn check_outputs(eng: &mut Engine, config: &AppConfig) -> Result<(), KdaError> {
    for out in &config.outputs {
        // kinesin's wording; AWS answers InvalidApplicationConfigurationException, text not found.
        let missing = |arn: &str| KdaError::configuration(format!("Output {}: {arn} does not exist.", out.item.name));
        match target(&out.item) {
            Some(Target::Kinesis(ctx, name)) => {
                crate::kinesis::existing(eng, &ctx, &name).map_err(|_| missing(&arn_of(&out.item)))?;
            }
            Some(Target::Firehose(ctx, name)) => {
                crate::firehose::stream_row::existing(eng, &ctx, &name).map_err(|_| missing(&arn_of(&out.item)))?;
            }
            Some(Target::Lambda(_)) => {}
            None => return Err(missing(&arn_of(&out.item))),
        }
    }
    Ok(())
}

fn arn_of(out: &Output) -> String {
    [&out.kinesis_streams_output, &out.kinesis_firehose_output, &out.lambda_output]
        .into_iter()
        .flatten()
        .map(|r| r.resource_arn.clone())
        .next()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_stream_arns() {
        let (ctx, name) = delivery_stream("arn:aws:firehose:eu-west-1:123456789012:deliverystream/in").unwrap();
        assert_eq!((ctx.account.as_str(), ctx.region.as_str(), name.as_str()), ("123456789012", "eu-west-1", "in"));
        assert!(delivery_stream("arn:aws:kinesis:eu-west-1:123456789012:stream/in").is_none());
        assert!(delivery_stream("arn:aws:firehose:eu-west-1:123456789012:other/in").is_none());
        assert!(delivery_stream("nonsense").is_none());
    }
}
