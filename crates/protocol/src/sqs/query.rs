//! The SQS query protocol's requests: `application/x-www-form-urlencoded` bodies such as
//! `Action=SendMessage&Version=2012-11-05&QueueUrl=..&MessageAttribute.1.Name=a&
//! MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=x`,
//! decoded into the JSON document the JSON protocol would carry, driven by the model's input
//! shape. The query names the current (JSON) model no longer records are in [`member_name`]
//! and [`list_item_name`] (from the query-era model: every SQS list and map is flattened).

use crate::error::ApiError;
use crate::model::{Model, ShapeKind, ShapeRef};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A decoded form: its parameters by name (the last value wins).
pub type Form = BTreeMap<String, String>;

/// Decodes `a=b&c=d` (percent escapes and `+` for space).
pub fn parse_form(body: &[u8]) -> Result<Form, ApiError> {
    let mut out = Form::new();
    for pair in body.split(|b| *b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        out.insert(decode_component(k)?, decode_component(v)?);
    }
    Ok(out)
}

/// Percent-decodes one form component.
pub fn decode_component(s: &[u8]) -> Result<String, ApiError> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => bytes.push(b),
                    None => return Err(malformed()),
                }
                i += 2;
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|_| malformed())
}

fn malformed() -> ApiError {
    super::error("MalformedQueryString", "The query string is malformed.")
}

/// The query name of a structure member (the JSON member name unless renamed).
pub fn member_name(json_name: &str) -> &str {
    match json_name {
        "Attributes" => "Attribute",
        "Tags" | "tags" => "Tag",
        "MessageAttributes" => "MessageAttribute",
        "MessageSystemAttributes" => "MessageSystemAttribute",
        other => other,
    }
}

/// The name of each element of a (flattened) list shape.
pub fn list_item_name<'m>(list: &ShapeRef<'m>) -> &'m str {
    match list.name() {
        "AttributeNameList" => "AttributeName",
        "QueueUrlList" => "QueueUrl",
        "AWSAccountIdList" => "AWSAccountId",
        "ActionNameList" => "ActionName",
        "StringList" => "StringListValue",
        "BinaryList" => "BinaryListValue",
        "MessageSystemAttributeList" => "MessageSystemAttributeName",
        _ => list.list_member().map(|m| m.name()).unwrap_or("member"),
    }
}

/// The key and value names of a (flattened) map's entries.
pub fn map_entry_names(map: &ShapeRef<'_>) -> (&'static str, &'static str) {
    if map.name() == "TagMap" {
        ("Key", "Value")
    } else {
        ("Name", "Value")
    }
}

/// Decodes the parameters of operation `op` (all but `Action` and `Version`) into the JSON
/// document of its input. Values that do not parse as their shape's type are kept as
/// strings, so that validation reports them.
pub fn decode_input(model: &Model, op: &str, form: &Form) -> Value {
    match model.input_shape(op) {
        Some(shape) => decode_structure(&shape, "", form).unwrap_or_else(|| Value::Object(Map::new())),
        None => Value::Object(Map::new()),
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn has_prefix(form: &Form, prefix: &str) -> bool {
    let dotted = format!("{prefix}.");
    form.contains_key(prefix) || form.range(dotted.clone()..).next().is_some_and(|(k, _)| k.starts_with(&dotted))
}

fn decode_structure(shape: &ShapeRef<'_>, prefix: &str, form: &Form) -> Option<Value> {
    let mut out = Map::new();
    for (name, member) in shape.members() {
        let value = match member.kind() {
            ShapeKind::List => decode_list(&member, &join(prefix, list_item_name(&member)), form),
            ShapeKind::Map => decode_map(&member, &join(prefix, member_name(name)), form),
            _ => decode_value(&member, &join(prefix, member_name(name)), form),
        };
        if let Some(v) = value {
            out.insert(name.to_string(), v);
        }
    }
    (!out.is_empty() || !prefix.is_empty() && form.contains_key(prefix)).then_some(Value::Object(out))
}

fn decode_list(list: &ShapeRef<'_>, prefix: &str, form: &Form) -> Option<Value> {
    let member = list.list_member()?;
    let mut items = Vec::new();
    for i in 1.. {
        let key = format!("{prefix}.{i}");
        if !has_prefix(form, &key) {
            break;
        }
        items.push(decode_value(&member, &key, form).unwrap_or(Value::Null));
    }
    (!items.is_empty()).then_some(Value::Array(items))
}

fn decode_map(map: &ShapeRef<'_>, prefix: &str, form: &Form) -> Option<Value> {
    let value_shape = map.map_value()?;
    let (key_name, value_name) = map_entry_names(map);
    let mut out = Map::new();
    for i in 1.. {
        let entry = format!("{prefix}.{i}");
        if !has_prefix(form, &entry) {
            break;
        }
        let Some(key) = form.get(&format!("{entry}.{key_name}")) else { continue };
        let value = decode_value(&value_shape, &format!("{entry}.{value_name}"), form).unwrap_or(Value::Null);
        out.insert(key.clone(), value);
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn decode_value(shape: &ShapeRef<'_>, key: &str, form: &Form) -> Option<Value> {
    match shape.kind() {
        ShapeKind::Structure => decode_structure(shape, key, form),
        ShapeKind::List => decode_list(shape, key, form),
        ShapeKind::Map => decode_map(shape, key, form),
        kind => {
            let raw = form.get(key)?;
            Some(match kind {
                ShapeKind::Integer | ShapeKind::Long => {
                    raw.trim().parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(raw.clone()))
                }
                ShapeKind::Float => raw
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(raw.clone())),
                ShapeKind::Boolean => match raw.trim().to_ascii_lowercase().as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    _ => Value::String(raw.clone()),
                },
                _ => Value::String(raw.clone()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sqs;
    use serde_json::json;

    fn form(s: &str) -> Form {
        parse_form(s.as_bytes()).unwrap()
    }

    #[test]
    fn parses_percent_and_plus() {
        let f = form("Action=SendMessage&MessageBody=hello+w%C3%B6rld%21%26&Empty=&Flag");
        assert_eq!(f["MessageBody"], "hello wörld!&");
        assert_eq!(f["Empty"], "");
        assert_eq!(f["Flag"], "");
        assert!(parse_form(b"a=%zz").is_err());
        assert!(parse_form(b"a=%C3").is_err());
        for i in 0..30 {
            let _ = parse_form(&b"MessageBody=hello+w%C3%B6rld%21"[..i]);
        }
    }

    #[test]
    fn decodes_send_message_attributes() {
        let f = form(
            "QueueUrl=http%3A%2F%2Fh%2F000000000000%2Fq&MessageBody=b&DelaySeconds=5\
             &MessageAttribute.1.Name=color&MessageAttribute.1.Value.DataType=String\
             &MessageAttribute.1.Value.StringValue=red\
             &MessageAttribute.2.Name=bin&MessageAttribute.2.Value.DataType=Binary\
             &MessageAttribute.2.Value.BinaryValue=AAE%3D\
             &MessageSystemAttribute.1.Name=AWSTraceHeader&MessageSystemAttribute.1.Value.DataType=String\
             &MessageSystemAttribute.1.Value.StringValue=Root%3D1",
        );
        let v = decode_input(sqs(), "SendMessage", &f);
        assert_eq!(
            v,
            json!({
                "DelaySeconds": 5,
                "MessageAttributes": {
                    "color": {"DataType": "String", "StringValue": "red"},
                    "bin": {"DataType": "Binary", "BinaryValue": "AAE="}
                },
                "MessageBody": "b",
                "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1"}},
                "QueueUrl": "http://h/000000000000/q"
            })
        );
    }

    #[test]
    fn decodes_lists_maps_and_batches() {
        let f = form(
            "QueueName=q&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=40\
             &Attribute.2.Name=FifoQueue&Attribute.2.Value=true&Tag.1.Key=team&Tag.1.Value=a",
        );
        assert_eq!(
            decode_input(sqs(), "CreateQueue", &f),
            json!({"Attributes": {"VisibilityTimeout": "40", "FifoQueue": "true"}, "QueueName": "q", "tags": {"team": "a"}})
        );
        let f = form(
            "QueueUrl=u&AttributeName.1=All&AttributeName.2=QueueArn&MessageAttributeName.1=a&MaxNumberOfMessages=x",
        );
        let v = decode_input(sqs(), "ReceiveMessage", &f);
        assert_eq!(v["AttributeNames"], json!(["All", "QueueArn"]));
        assert_eq!(v["MessageAttributeNames"], json!(["a"]));
        assert_eq!(v["MaxNumberOfMessages"], json!("x"));
        let f = form(
            "QueueUrl=u&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=x\
             &SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=y\
             &SendMessageBatchRequestEntry.2.MessageGroupId=g",
        );
        let v = decode_input(sqs(), "SendMessageBatch", &f);
        assert_eq!(
            v["Entries"],
            json!([{"Id": "a", "MessageBody": "x"}, {"Id": "b", "MessageBody": "y", "MessageGroupId": "g"}])
        );
        let f = form("QueueUrl=u&TagKey.1=a&TagKey.2=b");
        assert_eq!(decode_input(sqs(), "UntagQueue", &f)["TagKeys"], json!(["a", "b"]));
        let f = form("QueueUrl=u&Label=l&AWSAccountId.1=1&ActionName.1=SendMessage");
        let v = decode_input(sqs(), "AddPermission", &f);
        assert_eq!((v["AWSAccountIds"].clone(), v["Actions"].clone()), (json!(["1"]), json!(["SendMessage"])));
        assert_eq!(decode_input(sqs(), "ListQueues", &form("")), json!({}));
    }
}
