//! AWS JSON 1.0/1.1 bodies: decode to a document, encode answers.

use crate::error::ApiError;
use serde_json::Value;

/// Content type of AWS JSON 1.1 (Kinesis, Firehose).
pub const JSON_11: &str = "application/x-amz-json-1.1";
/// Content type of AWS JSON 1.0 (SQS, DynamoDB).
pub const JSON_10: &str = "application/x-amz-json-1.0";

/// Decodes a request body. AWS answers an empty body with `SerializationException`
/// (SDKs send `{}` for operations without parameters).
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::serialization(""));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ApiError::serialization("Start of structure or map found where not expected.")),
        Err(_) => {
            Err(ApiError::serialization("Unexpected character found in the request body; the body is not valid JSON."))
        }
    }
}

/// Turns a validated document into an operation's typed input. Validation already reported
/// every type error in AWS's words; should a typed input still refuse the document, the
/// answer is AWS's bare `SerializationException`, never the decoder's own text.
pub fn into_input<T: serde::de::DeserializeOwned>(doc: Value) -> Result<T, ApiError> {
    serde_json::from_value(doc).map_err(|_| ApiError::serialization(""))
}

/// Encodes a typed output.
pub fn encode<T: serde::Serialize>(out: &T) -> Vec<u8> {
    serde_json::to_vec(out).unwrap_or_else(|_| b"{}".to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_rejects() {
        assert_eq!(decode(b"").unwrap_err().code, "SerializationException");
        assert!(decode(br#"{"a":1}"#).is_ok());
        assert_eq!(decode(b"[1]").unwrap_err().code, "SerializationException");
        assert_eq!(decode(b"{").unwrap_err().code, "SerializationException");
        for i in 0..20 {
            let _ = decode(&br#"{"StreamName":"x","Limit":3}"#[..i]);
        }
    }
}
