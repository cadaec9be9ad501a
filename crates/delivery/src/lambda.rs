//! Invoking a Lambda function locally: its ARN is bound (`--lambda ARN=TARGET`) to a shell
//! command (event JSON on stdin, response JSON on stdout; a non-zero exit is a function
//! error) or to an http(s) URL (event POSTed; a non-2xx answer is a function error).

use crate::env::{Env, LambdaTarget};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Longest a transform invocation may run (Lambda's own limit for a function is 15 min;
/// Firehose stops waiting earlier). kinesin's choice.
pub const TIMEOUT: Duration = Duration::from_secs(300);

/// A failed invocation: Firehose's error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeError {
    /// e.g. `Lambda.FunctionError`.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

/// AWS's message for a function that ran and failed.
pub const FUNCTION_ERROR: &str = "The Lambda function was successfully invoked but it returned an error result.";

fn function_error(detail: impl std::fmt::Display) -> InvokeError {
    InvokeError { code: "Lambda.FunctionError", message: format!("{FUNCTION_ERROR} ({detail})") }
}

/// Invokes the function bound to `arn` with `event`; returns its response payload.
pub async fn invoke(env: &Env, arn: &str, event: Vec<u8>) -> Result<Vec<u8>, InvokeError> {
    let Some(target) = env.lambda(arn) else {
        // kinesin's wording: AWS answers Lambda.ResourceNotFound for a missing function.
        return Err(InvokeError {
            code: "Lambda.ResourceNotFound",
            message: format!(
                "No local binding for Lambda function {arn}; start kinesin with --lambda {arn}=COMMAND|URL"
            ),
        });
    };
    let run = async {
        match target {
            LambdaTarget::Command(cmd) => run_command(cmd, event).await,
            LambdaTarget::Url(url) => post(env, url, event).await,
        }
    };
    match tokio::time::timeout(TIMEOUT, run).await {
        Ok(r) => r,
        // kinesin's wording; the code as AWS names a transform that timed out.
        Err(_) => Err(InvokeError {
            code: "Lambda.FunctionTimeout",
            message: format!("The Lambda function did not answer within {} seconds.", TIMEOUT.as_secs()),
        }),
    }
}

async fn run_command(cmd: &str, event: Vec<u8>) -> Result<Vec<u8>, InvokeError> {
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| function_error(format_args!("cannot run {cmd:?}: {e}")))?;
    let Some(mut stdin) = child.stdin.take() else {
        return Err(function_error(format_args!("{cmd:?}: no stdin")));
    };
    // Write the event while the output is read, so a large event cannot deadlock.
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&event).await;
        let _ = stdin.shutdown().await;
    });
    let out = child.wait_with_output().await.map_err(|e| function_error(format_args!("{cmd:?}: {e}")))?;
    let _ = writer.await;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: String = stderr.chars().rev().take(500).collect::<Vec<_>>().into_iter().rev().collect();
        return Err(function_error(format_args!("{cmd:?} exited with {}: {}", out.status, tail.trim())));
    }
    Ok(out.stdout)
}

async fn post(env: &Env, url: &str, event: Vec<u8>) -> Result<Vec<u8>, InvokeError> {
    let req = hyper::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(event)))
        .map_err(|e| function_error(format_args!("{url}: {e}")))?;
    let resp = env
        .http()
        .map_err(|e| function_error(format_args!("{url}: {e}")))?
        .request(req)
        .await
        .map_err(|e| function_error(format_args!("{url}: {}", crate::destinations::client::causes(&e))))?;
    let status = resp.status();
    let body = resp.into_body().collect().await.map_err(|e| function_error(format_args!("{url}: {e}")))?.to_bytes();
    if !status.is_success() {
        return Err(function_error(format_args!("{url} answered {status}: {}", String::from_utf8_lossy(&body))));
    }
    Ok(body.to_vec())
}
