//! Error output: records that could not be processed or delivered, written as one JSON
//! object per line under the ErrorOutputPrefix (AWS's format for transform failures).

use aws_smithy_types::base64;
use serde_json::json;

/// `!{firehose:error-output-type}` of records a transform failed.
pub const PROCESSING_FAILED: &str = "processing-failed";

/// One failed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord {
    /// Invocations (or delivery attempts) made.
    pub attempts_made: u32,
    /// When Firehose received the record (ms).
    pub arrival_ms: i64,
    /// e.g. `Lambda.FunctionError`.
    pub code: String,
    /// The message.
    pub message: String,
    /// When Firehose stopped trying (ms).
    pub ending_ms: i64,
    /// The record as received (before any transform).
    pub raw: Vec<u8>,
    /// The transform's function, for processing failures.
    pub lambda_arn: Option<String>,
}

impl ErrorRecord {
    /// The record's line: `{"attemptsMade",...,"rawData","lambdaArn"}` and a newline.
    pub fn line(&self) -> Vec<u8> {
        let mut v = json!({
            "attemptsMade": self.attempts_made,
            "arrivalTimestamp": self.arrival_ms,
            "errorCode": self.code,
            "errorMessage": self.message,
            "attemptEndingTimestamp": self.ending_ms,
            "rawData": base64::encode(&self.raw),
        });
        if let Some(arn) = &self.lambda_arn {
            v["lambdaArn"] = json!(arn);
        }
        let mut out = serde_json::to_vec(&v).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_has_aws_fields_in_order() {
        let e = ErrorRecord {
            attempts_made: 4,
            arrival_ms: 1,
            code: "Lambda.FunctionError".into(),
            message: "m".into(),
            ending_ms: 2,
            raw: b"hi".to_vec(),
            lambda_arn: Some("arn:aws:lambda:us-east-1:000000000000:function:f".into()),
        };
        assert_eq!(
            String::from_utf8(e.line()).unwrap(),
            "{\"attemptsMade\":4,\"arrivalTimestamp\":1,\"errorCode\":\"Lambda.FunctionError\",\"errorMessage\":\"m\",\
             \"attemptEndingTimestamp\":2,\"rawData\":\"aGk=\",\"lambdaArn\":\"arn:aws:lambda:us-east-1:000000000000:function:f\"}\n"
        );
    }
}
