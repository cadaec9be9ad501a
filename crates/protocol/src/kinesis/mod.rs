//! Kinesis Data Streams shapes: the typed inputs and outputs of its operations.
//!
//! Inputs are read from a document that `model::validate_input` has already checked,
//! so these types only carry what the handlers use. Names follow the AWS model.

mod consumers;
mod data;
mod reshard;
mod settings;
mod streams;
mod subscribe;

pub use consumers::*;
pub use data::*;
pub use reshard::*;
pub use settings::*;
pub use streams::*;
pub use subscribe::*;

/// Blob members: base64 text in AWS JSON.
pub mod blob {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes bytes as base64.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&aws_smithy_types::base64::encode(v))
    }

    /// Deserializes base64 text into bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        aws_smithy_types::base64::decode(s.as_ref()).map_err(serde::de::Error::custom)
    }
}

/// `Tag` as listed by ListTagsForStream.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// Tag key.
    pub key: String,
    /// Tag value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Identifies a stream by name or ARN, as most operations allow.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamRef {
    /// The stream's name.
    pub stream_name: Option<String>,
    /// The stream's ARN.
    #[serde(rename = "StreamARN")]
    pub stream_arn: Option<String>,
}
