//! Amazon SQS on the wire: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Op>`) and the older
//! query protocol (form POSTs answered in XML). Both decode to the same JSON document and
//! share the typed shapes of [`types`]; errors carry AWS's JSON type and legacy query code.

pub mod query;
pub mod types;
pub mod xml;

use crate::error::ApiError;

/// The XML namespace of query answers.
pub const XML_NS: &str = "http://queue.amazonaws.com/doc/2012-11-05/";
/// The API version query requests name.
pub const VERSION: &str = "2012-11-05";
/// The `X-Amz-Target` prefix.
pub const TARGET_PREFIX: &str = "AmazonSQS";

/// Whether a `Content-Type` is a form (the query protocol).
pub fn is_form(content_type: &str) -> bool {
    content_type.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
}

/// How an SQS error is named on each protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorNames {
    /// `__type` of the JSON body, without the `com.amazonaws.sqs#` namespace.
    pub json: &'static str,
    /// The legacy (query) code: the XML `<Code>` and the `x-amzn-query-error` header.
    pub query: &'static str,
    /// HTTP status.
    pub status: u16,
}

/// Codes kinesin raises (the `ApiError::code` used inside kinesin is the query code's short
/// form, e.g. `QueueDoesNotExist`, `InvalidParameterValue`, `MissingParameter`).
const ERRORS: &[(&str, &str, &str, u16)] = &[
    ("QueueDoesNotExist", "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", 400),
    ("QueueNameExists", "QueueNameExists", "QueueAlreadyExists", 400),
    ("InvalidParameterValue", "InvalidParameterValueException", "InvalidParameterValue", 400),
    ("MissingParameter", "MissingRequiredParameterException", "MissingParameter", 400),
    ("BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400),
    ("BatchRequestTooLong", "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong", 400),
    ("EmptyBatchRequest", "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest", 400),
    ("InvalidBatchEntryId", "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId", 400),
    ("MessageNotInflight", "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", 400),
    ("PurgeQueueInProgress", "PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress", 403),
    ("QueueDeletedRecently", "QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently", 400),
    (
        "TooManyEntriesInBatchRequest",
        "TooManyEntriesInBatchRequest",
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        400,
    ),
    ("UnsupportedOperation", "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", 400),
    // 404 as AWS answers it (seen by the Ballerina SQS connector's tests against AWS).
    ("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404),
    // The code of a SendMessageBatch entry with an empty body (same source).
    ("EmptyValue", "EmptyValue", "EmptyValue", 400),
    ("ResourceNotFoundException", "ResourceNotFoundException", "ResourceNotFoundException", 404),
    ("OverLimit", "OverLimit", "OverLimit", 403),
    ("InvalidAction", "InvalidAction", "InvalidAction", 400),
    ("MalformedQueryString", "MalformedQueryString", "MalformedQueryString", 400),
    ("MissingAction", "MissingAction", "MissingAction", 400),
    ("InvalidAddress", "InvalidAddress", "InvalidAddress", 404),
    ("InternalFailure", "InternalFailure", "InternalFailure", 500),
];

/// The JSON type, query code and status of an error raised with `code`.
pub fn error_names(code: &str) -> ErrorNames {
    ERRORS
        .iter()
        .find(|(c, ..)| *c == code)
        .map(|&(_, json, query, status)| ErrorNames { json, query, status })
        .unwrap_or_else(|| {
            // Codes AWS names the same way on both protocols (ReceiptHandleIsInvalid,
            // InvalidAttributeName, InvalidAttributeValue, InvalidMessageContents, ...).
            let leaked: &'static str = match code {
                "ReceiptHandleIsInvalid" => "ReceiptHandleIsInvalid",
                "InvalidAttributeName" => "InvalidAttributeName",
                "InvalidAttributeValue" => "InvalidAttributeValue",
                "InvalidMessageContents" => "InvalidMessageContents",
                "InvalidIdFormat" => "InvalidIdFormat",
                "InvalidSecurity" => "InvalidSecurity",
                "RequestThrottled" => "RequestThrottled",
                "SerializationException" => "SerializationException",
                "UnknownOperationException" => "UnknownOperationException",
                "ValidationException" => "ValidationException",
                "AccessDeniedException" => "AccessDeniedException",
                _ => "InternalFailure",
            };
            ErrorNames { json: leaked, query: leaked, status: 400 }
        })
}

/// An SQS error: `code` is one of the names of [`error_names`].
pub fn error(code: &str, message: impl Into<String>) -> ApiError {
    let names = error_names(code);
    ApiError::new(code, message).with_status(if code == "InternalFailure" { 500 } else { names.status })
}

/// The JSON body of an SQS error: `{"__type":"com.amazonaws.sqs#Type","message":..}`.
pub fn json_error_body(e: &ApiError) -> Vec<u8> {
    let names = error_names(&e.code);
    let body = serde_json::json!({ "__type": format!("com.amazonaws.sqs#{}", names.json), "message": e.message });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The `x-amzn-query-error` header of an SQS JSON error: `<legacy code>;Sender`.
pub fn query_error_header(e: &ApiError) -> String {
    let names = error_names(&e.code);
    let fault = if names.status >= 500 { "Receiver" } else { "Sender" };
    format!("{};{fault}", names.query)
}

/// Adds the `AWSTraceHeader` system attribute (from an `X-Amzn-Trace-Id` header) to the
/// message of a SendMessage document, or to each SendMessageBatch entry, unless the request
/// sets it in `MessageSystemAttributes` itself.
pub fn add_trace_header(operation: &str, doc: &mut serde_json::Value, trace: &str) {
    let add = |m: &mut serde_json::Value| {
        let Some(m) = m.as_object_mut() else { return };
        let attrs = m.entry("MessageSystemAttributes").or_insert_with(|| serde_json::json!({}));
        if let Some(attrs) = attrs.as_object_mut() {
            attrs
                .entry("AWSTraceHeader")
                .or_insert_with(|| serde_json::json!({"DataType": "String", "StringValue": trace}));
        }
    };
    match operation {
        "SendMessage" => add(doc),
        "SendMessageBatch" => {
            if let Some(entries) = doc.get_mut("Entries").and_then(|e| e.as_array_mut()) {
                entries.iter_mut().for_each(add);
            }
        }
        _ => {}
    }
}

/// Turns a model validation error into SQS's wording: a missing required member is
/// `MissingParameter` ("The request must contain the parameter QueueUrl.").
pub fn from_validation(e: ApiError) -> ApiError {
    if e.code != "ValidationException" {
        return e;
    }
    if let Some(rest) = e.message.split("Value null at '").nth(1) {
        let path = rest.split('\'').next().unwrap_or_default();
        let last = path.rsplit('.').next().unwrap_or(path);
        let mut name = String::new();
        let mut chars = last.chars();
        if let Some(c) = chars.next() {
            name.extend(c.to_uppercase());
            name.extend(chars);
        }
        return error("MissingParameter", format!("The request must contain the parameter {name}."));
    }
    error("InvalidParameterValue", e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_naming() {
        let e = error("QueueDoesNotExist", "The specified queue does not exist.");
        assert_eq!(query_error_header(&e), "AWS.SimpleQueueService.NonExistentQueue;Sender");
        let body: serde_json::Value = serde_json::from_slice(&json_error_body(&e)).unwrap();
        assert_eq!(body["__type"], "com.amazonaws.sqs#QueueDoesNotExist");
        assert_eq!(error_names("InvalidParameterValue").json, "InvalidParameterValueException");
        assert_eq!(error_names("ReceiptHandleIsInvalid").query, "ReceiptHandleIsInvalid");
        assert_eq!(error_names("ReceiptHandleIsInvalid").status, 404);
        assert_eq!(error("PurgeQueueInProgress", "x").status, 403);
        let v = ApiError::validation(&[
            "Value null at 'queueUrl' failed to satisfy constraint: Member must not be null".into(),
        ]);
        let m = from_validation(v);
        assert_eq!(
            (m.code.as_str(), m.message.as_str()),
            ("MissingParameter", "The request must contain the parameter QueueUrl.")
        );
        assert!(is_form("application/x-www-form-urlencoded; charset=utf-8"));
    }

    #[test]
    fn trace_header_goes_to_each_message_unless_set() {
        let own = serde_json::json!({"DataType": "String", "StringValue": "mine"});
        let mut doc = serde_json::json!({"Entries": [{"Id": "a"}, {"Id": "b", "MessageSystemAttributes": {"AWSTraceHeader": own}}]});
        add_trace_header("SendMessageBatch", &mut doc, "Root=1");
        assert_eq!(doc["Entries"][0]["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"], "Root=1");
        assert_eq!(doc["Entries"][1]["MessageSystemAttributes"]["AWSTraceHeader"]["StringValue"], "mine");
        let mut doc = serde_json::json!({"QueueUrl": "u"});
        add_trace_header("SendMessage", &mut doc, "Root=2");
        assert_eq!(doc["MessageSystemAttributes"]["AWSTraceHeader"]["DataType"], "String");
        let mut doc = serde_json::json!({"QueueUrl": "u"});
        add_trace_header("ReceiveMessage", &mut doc, "Root=3");
        assert_eq!(doc, serde_json::json!({"QueueUrl": "u"}));
    }
}
