//! Wire formats on the server side: the AWS JSON / CBOR [`Wire`] of a request (decoding its
//! document, encoding its answer), and every protocol's error rendering, in one place:
//! AWS JSON/CBOR, SQS JSON and query (XML), restJson (Pipes) and S3's XML.

use crate::http::{header, request_id, respond, response, Resp};
use bytes::Bytes;
use hyper::header::CONTENT_TYPE;
use hyper::{HeaderMap, StatusCode};
use kinesin_protocol::model::Model;
use kinesin_protocol::sqs::{self as sqs_wire, xml};
use kinesin_protocol::{cbor, json, ApiError};
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The wire format of a request, and so of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// AWS JSON 1.1 (`application/x-amz-json-1.1`, or any other JSON content type).
    Json,
    /// AWS CBOR 1.1 (`application/x-amz-cbor-1.1`), the Java SDK's default; also what a
    /// request with any other (or no) content type is read and answered as, as AWS does.
    Cbor,
}

impl Wire {
    /// The wire format a request's `Content-Type` names: JSON for the JSON types, CBOR for
    /// everything else (AWS answers a body of an unrecognised type with a CBOR error).
    pub fn of_content_type(content_type: &str) -> Wire {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if !cbor::is_cbor(essence) && essence.to_ascii_lowercase().contains("json") {
            Wire::Json
        } else {
            Wire::Cbor
        }
    }

    /// The `Content-Type` of answers in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Wire::Json => json::JSON_11,
            Wire::Cbor => cbor::CBOR_11,
        }
    }

    /// An error body in this format.
    pub fn error_body(self, e: &ApiError) -> Vec<u8> {
        match self {
            Wire::Json => serde_json::to_vec(&e.to_json()).unwrap_or_default(),
            Wire::Cbor => cbor::encode_error(e),
        }
    }

    /// Decodes a request body of `operation` to its document.
    pub fn decode(self, model: &Model, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
        match self {
            Wire::Json => json::decode(body),
            Wire::Cbor => cbor::decode_input(model, operation, body),
        }
    }

    /// Encodes an operation's output. Operations without output answer an empty body in
    /// JSON, as AWS does, and an empty map in CBOR.
    pub fn encode<O: Serialize>(self, model: &Model, operation: &str, out: &O) -> Result<Vec<u8>, ApiError> {
        match self {
            Wire::Json => {
                let body = json::encode(out);
                Ok(if body == b"null" { Vec::new() } else { body })
            }
            Wire::Cbor => {
                let value = serde_json::to_value(out).map_err(|e| ApiError::internal(e.to_string()))?;
                Ok(cbor::encode_output(model, operation, &value))
            }
        }
    }
}

/// An AWS JSON/CBOR error, with `x-amzn-ErrorType`.
pub fn aws_error(wire: Wire, e: &ApiError) -> Resp {
    let mut r = respond(e.status, wire.content_type(), wire.error_body(e));
    header(&mut r, "x-amzn-ErrorType", &e.code);
    r
}

/// An error answered before routing, in the shape the request's protocol expects: JSON for
/// `X-Amz-Target` (and JSON bodies), the query protocol's `ErrorResponse` for form posts, S3's
/// `Error` otherwise.
pub fn refusal(headers: &HeaderMap, status: u16, code: &str, message: &str) -> Resp {
    let ct = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let id = request_id();
    let (content_type, body) = if headers.contains_key("x-amz-target") || ct.contains("json") || ct.contains("cbor") {
        let body = serde_json::json!({"__type": code, "message": message}).to_string();
        ("application/x-amz-json-1.1", body)
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        let body = format!(
            "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message><Detail/></Error><RequestId>{id}</RequestId></ErrorResponse>"
        );
        ("text/xml", body)
    } else {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{id}</RequestId></Error>"
        );
        ("application/xml", body)
    };
    let mut r = response(status, body);
    if StatusCode::from_u16(status).is_err() {
        *r.status_mut() = StatusCode::FORBIDDEN;
    }
    header(&mut r, CONTENT_TYPE, content_type);
    header(&mut r, "x-amzn-RequestId", &id);
    header(&mut r, "x-amzn-ErrorType", code);
    r
}

/// A query-protocol XML answer of IAM and STS: `text/xml` with the request's id.
pub fn query_xml(status: u16, body: String, id: &str) -> Resp {
    let mut r = response(status, body);
    if StatusCode::from_u16(status).is_err() {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    header(&mut r, CONTENT_TYPE, "text/xml");
    header(&mut r, "x-amzn-RequestId", id);
    r
}

/// A query-protocol `<ErrorResponse>` of IAM and STS in namespace `xmlns` (the message
/// already escaped).
fn query_error_body(xmlns: &str, code: &str, escaped_message: &str, id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{xmlns}\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{escaped_message}</Message>\
         </Error><RequestId>{id}</RequestId></ErrorResponse>"
    )
}

/// The answer to a query-protocol request of IAM or STS: the XML written, or the error as an
/// `<ErrorResponse>` in namespace `xmlns`.
pub fn query_answer(xmlns: &str, answer: Result<String, ApiError>, id: &str) -> Resp {
    match answer {
        Ok(xml) => query_xml(200, xml, id),
        Err(e) => {
            let message = kinesin_protocol::xml::escape_markup(&e.message);
            query_xml(e.status, query_error_body(xmlns, &e.code, &message, id), id)
        }
    }
}

/// A bare `<Code><Message>..</Message></Code>` document (requests no service claims).
pub fn plain_xml_error(status: u16, code: &str, message: &str) -> Resp {
    respond(status, "application/xml", format!("<{code}>\n  <Message>{message}</Message>\n</{code}>\n"))
}

/// An SQS error on AWS JSON 1.0: the namespaced `__type`, `x-amzn-query-error` (the legacy
/// code) and the namespaced `x-amzn-ErrorType`.
pub fn sqs_json_error(e: &ApiError) -> Resp {
    let mut r = respond(e.status, json::JSON_10, sqs_wire::json_error_body(e));
    header(&mut r, "x-amzn-query-error", &sqs_wire::query_error_header(e));
    header(&mut r, "x-amzn-ErrorType", &format!("com.amazonaws.sqs#{}", sqs_wire::error_names(&e.code).json));
    r
}

/// An SQS error on the query protocol (XML). `QueueDoesNotExist` has its own wording there
/// (as recorded by LocalStack's AWS-validated tests).
pub fn sqs_query_error(mut e: ApiError, request_id: &str) -> Resp {
    if e.code == "QueueDoesNotExist" {
        e.message = "The specified queue does not exist for this wsdl version.".into();
    }
    respond(e.status, "text/xml", xml::encode_error(&e, request_id))
}

/// A restJson error: `x-amzn-ErrorType` and `{"message": ..}` plus the shape's fields
/// (`resourceId`/`resourceType` of a conflict on `resource`, a validation's `fieldList`).
pub fn rest_json_error(e: &ApiError, resource: Option<&str>) -> Resp {
    let (code, status) = match e.code.as_str() {
        // Malformed input is a validation error in restJson services.
        "SerializationException" => ("ValidationException", 400),
        "InternalFailure" => ("InternalException", 500),
        c => (c, e.status),
    };
    let mut body = json!({ "message": e.message });
    match code {
        "ConflictException" => {
            body["resourceId"] = resource.unwrap_or_default().into();
            body["resourceType"] = "pipe".into();
        }
        "ValidationException" => {
            let fields = field_list(&e.message);
            if !fields.is_empty() {
                body["fieldList"] = fields.into();
            }
        }
        _ => {}
    }
    let mut r = respond(status, "application/json", serde_json::to_vec(&body).unwrap_or_default());
    header(&mut r, "x-amzn-ErrorType", code);
    r
}

/// `ValidationException` fields: `Value .. at 'path' failed to satisfy constraint: ..`.
pub fn field_list(message: &str) -> Vec<Value> {
    let list = message.split_once(": ").map_or(message, |(_, l)| l);
    list.split("; ")
        .filter_map(|e| {
            let start = e.find(" at '")? + 5;
            let end = start + e[start..].find('\'')?;
            let message = e.split_once("failed to satisfy constraint: ").map_or(e, |(_, m)| m);
            Some(json!({"name": &e[start..end], "message": message}))
        })
        .collect()
}

/// The S3 XML declaration every S3 document starts with.
pub const XML_DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// An S3 request id (`x-amz-request-id`, `<RequestId>`).
pub fn s3_request_id() -> String {
    format!("{:016X}", fastrand::u64(..))
}

/// A response with S3's `x-amz-request-id`.
pub fn s3_response(status: u16, body: impl Into<Bytes>) -> Resp {
    let mut r = response(status, body);
    header(&mut r, "x-amz-request-id", &s3_request_id());
    r
}

/// An S3 XML document.
pub fn s3_xml(status: u16, body: String) -> Resp {
    let mut r = s3_response(status, format!("{XML_DECL}{body}"));
    header(&mut r, "content-type", "application/xml");
    r
}

/// An S3 error: `<Error><Code>..` with the resource element (`BucketName`, `Key`) when
/// given; no body for HEAD.
pub fn s3_error(code: &str, message: &str, status: u16, resource: Option<(&str, &str)>, head: bool) -> Resp {
    if head {
        return s3_response(status, Bytes::new());
    }
    let mut body = format!("<Error><Code>{code}</Code><Message>{}</Message>", xml::escape(message));
    if let Some((name, value)) = resource {
        let _ = write!(body, "<{name}>{}</{name}>", xml::escape(value));
    }
    let _ = write!(body, "<RequestId>{}</RequestId></Error>", s3_request_id());
    s3_xml(status, body)
}
