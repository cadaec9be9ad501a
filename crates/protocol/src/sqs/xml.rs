//! The SQS query protocol's answers: XML driven by the model's output shapes, in the
//! namespace `http://queue.amazonaws.com/doc/2012-11-05/`, and its error document.

use super::query::{list_item_name, map_entry_names, member_name};
use super::{error_names, XML_NS};
use crate::error::ApiError;
use crate::model::{Model, ShapeKind, ShapeRef};
use serde_json::Value;
use std::fmt::Write;

pub use crate::xml::escape;

/// `<OpResponse><OpResult>..</OpResult><ResponseMetadata>..</ResponseMetadata></OpResponse>`
/// for the operation's output document (`null` or `{}` for operations without output).
pub fn encode_output(model: &Model, op: &str, output: &Value, request_id: &str) -> String {
    let mut xml = String::with_capacity(256);
    let _ = write!(xml, "<?xml version=\"1.0\"?><{op}Response xmlns=\"{XML_NS}\">");
    if let Some(shape) = model.output_shape(op) {
        let _ = write!(xml, "<{op}Result>");
        write_members(&mut xml, &shape, output);
        let _ = write!(xml, "</{op}Result>");
    }
    let _ = write!(
        xml,
        "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{op}Response>",
        escape(request_id)
    );
    xml
}

/// The query error document.
pub fn encode_error(e: &ApiError, request_id: &str) -> String {
    let names = error_names(&e.code);
    let fault = if names.status >= 500 { "Receiver" } else { "Sender" };
    format!(
        "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"{XML_NS}\"><Error><Type>{fault}</Type><Code>{}</Code><Message>{}</Message><Detail/></Error><RequestId>{}</RequestId></ErrorResponse>",
        escape(names.query),
        escape(&e.message),
        escape(request_id)
    )
}

fn write_members(xml: &mut String, shape: &ShapeRef<'_>, value: &Value) {
    let Value::Object(map) = value else { return };
    for (name, v) in map {
        let Some(member) = shape.member(name) else { continue };
        match member.kind() {
            ShapeKind::List => {
                let item = list_item_name(&member);
                let Some(item_shape) = member.list_member() else { continue };
                if let Value::Array(items) = v {
                    for it in items {
                        write_element(xml, item, &item_shape, it);
                    }
                }
            }
            ShapeKind::Map => {
                let (key_name, value_name) = map_entry_names(&member);
                let Some(value_shape) = member.map_value() else { continue };
                let entry = member_name(name);
                if let Value::Object(entries) = v {
                    for (k, ev) in entries {
                        let _ = write!(xml, "<{entry}><{key_name}>{}</{key_name}>", escape(k));
                        write_element(xml, value_name, &value_shape, ev);
                        let _ = write!(xml, "</{entry}>");
                    }
                }
            }
            _ => write_element(xml, member_name(name), &member, v),
        }
    }
}

fn write_element(xml: &mut String, tag: &str, shape: &ShapeRef<'_>, value: &Value) {
    match shape.kind() {
        ShapeKind::Structure => {
            let _ = write!(xml, "<{tag}>");
            write_members(xml, shape, value);
            let _ = write!(xml, "</{tag}>");
        }
        ShapeKind::List => {
            // A list inside a list element (StringListValues): flattened under the item name.
            if let (Value::Array(items), Some(item_shape)) = (value, shape.list_member()) {
                let item = list_item_name(shape);
                for it in items {
                    write_element(xml, item, &item_shape, it);
                }
            }
        }
        _ => {
            let text = match value {
                Value::Null => return,
                Value::String(s) => escape(s),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                other => escape(&other.to_string()),
            };
            let _ = write!(xml, "<{tag}>{text}</{tag}>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sqs;
    use serde_json::json;

    #[test]
    fn receive_message_xml() {
        let out = json!({"Messages": [{
            "MessageId": "m1", "ReceiptHandle": "r", "MD5OfBody": "x", "Body": "a<b&\r\n",
            "Attributes": {"SentTimestamp": "1", "SequenceNumber": "2"},
            "MD5OfMessageAttributes": "y",
            "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}
        }]});
        let xml = encode_output(sqs(), "ReceiveMessage", &out, "req-1");
        assert_eq!(
            xml,
            "<?xml version=\"1.0\"?><ReceiveMessageResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">\
             <ReceiveMessageResult><Message><MessageId>m1</MessageId><ReceiptHandle>r</ReceiptHandle>\
             <MD5OfBody>x</MD5OfBody><Body>a&lt;b&amp;&#xD;\n</Body>\
             <Attribute><Name>SentTimestamp</Name><Value>1</Value></Attribute>\
             <Attribute><Name>SequenceNumber</Name><Value>2</Value></Attribute>\
             <MD5OfMessageAttributes>y</MD5OfMessageAttributes>\
             <MessageAttribute><Name>k</Name><Value><DataType>String</DataType><StringValue>v</StringValue></Value></MessageAttribute>\
             </Message></ReceiveMessageResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\
             </ReceiveMessageResponse>"
        );
    }

    #[test]
    fn other_outputs_and_errors() {
        let xml = encode_output(sqs(), "ListQueues", &json!({"QueueUrls": ["u1", "u2"]}), "r");
        assert!(xml.contains("<ListQueuesResult><QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl></ListQueuesResult>"));
        let xml = encode_output(sqs(), "DeleteQueue", &json!({}), "r");
        assert_eq!(
            xml,
            "<?xml version=\"1.0\"?><DeleteQueueResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\">\
             <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteQueueResponse>"
        );
        let out = json!({"Successful": [{"Id": "a", "MessageId": "m", "MD5OfMessageBody": "x"}],
                         "Failed": [{"Id": "b", "SenderFault": true, "Code": "C", "Message": "M"}]});
        let xml = encode_output(sqs(), "SendMessageBatch", &out, "r");
        assert!(xml.contains("<SendMessageBatchResultEntry><Id>a</Id><MessageId>m</MessageId><MD5OfMessageBody>x</MD5OfMessageBody></SendMessageBatchResultEntry>"));
        assert!(xml.contains("<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault><Code>C</Code><Message>M</Message></BatchResultErrorEntry>"));
        let xml = encode_output(sqs(), "ListQueueTags", &json!({"Tags": {"a": "1"}}), "r");
        assert!(xml.contains("<Tag><Key>a</Key><Value>1</Value></Tag>"));
        let xml = encode_output(sqs(), "ListDeadLetterSourceQueues", &json!({"queueUrls": ["u"]}), "r");
        assert!(
            xml.contains("<ListDeadLetterSourceQueuesResult><QueueUrl>u</QueueUrl></ListDeadLetterSourceQueuesResult>")
        );
        let e = super::super::error("QueueDoesNotExist", "The specified queue does not exist.");
        assert_eq!(
            encode_error(&e, "r"),
            "<?xml version=\"1.0\"?><ErrorResponse xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>Sender</Type>\
             <Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist.</Message><Detail/>\
             </Error><RequestId>r</RequestId></ErrorResponse>"
        );
    }
}
