//! restXml answers (S3) written from an operation's output document and the model: members
//! bound to headers become headers (`headers` maps with their prefix), the `payload` member or
//! else the other members the XML body, elements in the document's order (S3's order, which
//! is not the model's), lists wrapped or `flattened` as the model says, timestamps as S3
//! writes them (`2026-03-05T07:08:09.123Z`, HTTP dates in headers).

use crate::model::{Model, ShapeKind, ShapeRef};
use crate::xml::escape;
use aws_smithy_types::date_time::{DateTime, Format};
use serde_json::Value;
use std::fmt::Write as _;

/// The headers and body of an answer.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// `(name, value)` of the members bound to headers, in the document's order.
    pub headers: Vec<(String, String)>,
    /// The XML body, if the answer has one.
    pub body: Option<String>,
}

/// The answer of operation `op` from its output document; the body's root element is
/// `root` (restXml names it outside the botocore model) in namespace `ns`.
pub fn encode_output(model: &Model, op: &str, output: &Value, root: &str, ns: &str) -> Answer {
    let mut answer = Answer::default();
    let (Some(shape), Value::Object(map)) = (model.output_shape(op), output) else { return answer };
    let payload = shape.payload();
    let mut inner = String::new();
    for (name, v) in map {
        let Some(member) = shape.member(name) else { continue };
        match shape.binding(name) {
            Some(("header", header)) => answer.headers.extend(header_text(&member, v).map(|t| (header.to_string(), t))),
            Some(("headers", prefix)) => answer.headers.extend(prefixed(prefix, v)),
            Some(_) => {}
            None if payload == Some(name.as_str()) => {
                let mut body = String::new();
                write_element(&mut body, (name, &format!(" xmlns=\"{ns}\"")), &member, v);
                answer.body = Some(body);
            }
            None => write_element(&mut inner, (name, ""), &member, v),
        }
    }
    let has_body = shape.members().any(|(name, _)| shape.binding(name).is_none());
    if payload.is_none() && has_body {
        answer.body = Some(format!("<{root} xmlns=\"{ns}\">{inner}</{root}>"));
    }
    answer
}

/// A header member's text (`None` for null).
fn header_text(shape: &ShapeRef<'_>, v: &Value) -> Option<String> {
    Some(match (shape.kind(), v) {
        (_, Value::Null) => return None,
        (ShapeKind::Timestamp, Value::Number(n)) => http_date(n.as_f64().unwrap_or_default()),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    })
}

/// The headers of a `headers` map member (`x-amz-meta-` and its keys).
fn prefixed(prefix: &str, v: &Value) -> Vec<(String, String)> {
    let Value::Object(map) = v else { return Vec::new() };
    map.iter().filter_map(|(k, v)| Some((format!("{prefix}{k}"), v.as_str()?.to_string()))).collect()
}

/// Element `tag` (with `attrs`) of a value of `shape`; a flattened list is its items, each
/// named `tag`.
fn write_element(xml: &mut String, (tag, attrs): (&str, &str), shape: &ShapeRef<'_>, value: &Value) {
    let text = match (shape.kind(), value) {
        (_, Value::Null) => return,
        (ShapeKind::Structure, Value::Object(map)) => {
            let mut inner = String::new();
            for (name, v) in map {
                if let Some(member) = shape.member(name) {
                    write_element(&mut inner, (name, ""), &member, v);
                }
            }
            inner
        }
        (ShapeKind::List, Value::Array(items)) => {
            let Some(item) = shape.list_member() else { return };
            if shape.flattened() {
                return items.iter().for_each(|v| write_element(xml, (tag, attrs), &item, v));
            }
            let mut inner = String::new();
            items.iter().for_each(|v| write_element(&mut inner, (shape.item_name(), ""), &item, v));
            inner
        }
        (ShapeKind::Timestamp, Value::Number(n)) => timestamp(n.as_f64().unwrap_or_default()),
        (_, Value::String(s)) => escape(s),
        (_, other) => other.to_string(),
    };
    let _ = write!(xml, "<{tag}{attrs}>{text}</{tag}>");
}

/// Epoch seconds as S3 writes them in XML: ISO 8601 with milliseconds.
pub fn timestamp(secs: f64) -> String {
    let ms = (secs * 1000.0).round() as i64;
    let whole = DateTime::from_secs(ms.div_euclid(1000)).fmt(Format::DateTime).unwrap_or_default();
    format!("{}.{:03}Z", whole.trim_end_matches('Z'), ms.rem_euclid(1000))
}

/// Epoch seconds as an HTTP date (`Thu, 01 Jan 1970 00:00:00 GMT`).
pub fn http_date(secs: f64) -> String {
    DateTime::from_secs(secs.floor() as i64).fmt(Format::HttpDate).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(timestamp(1_772_694_489.123), "2026-03-05T07:08:09.123Z");
        assert_eq!(timestamp(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(http_date(0.0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_772_694_489.9), "Thu, 05 Mar 2026 07:08:09 GMT");
    }
}
