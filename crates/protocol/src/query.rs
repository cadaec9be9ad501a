//! The AWS query protocol as STS and IAM speak it, driven by the model: a form
//! (`Action=AssumeRole&RoleArn=..&Tags.member.1.Key=..`) decoded into the JSON document of
//! the operation's input, and the typed output, serialized, written as
//! `<OpResponse xmlns=".."><OpResult>..</OpResult><ResponseMetadata>..</ResponseMetadata>`
//! (no `<OpResult>` when the answer has nothing in it). Lists are wrapped both ways
//! (`Name.member.N` in requests, `<Name><member>..</member></Name>` in answers; an empty list
//! is `<Name></Name>`, a list given as `null` is `<Name/>`, as IAM answers the lists kinesin
//! keeps nothing in); an empty structure is `<Name/>`. SQS's flattened variant is
//! [`crate::sqs::query`].

use crate::model::{Model, ShapeKind, ShapeRef};
use crate::sqs::query::Form;
use crate::xml::escape_markup;
use aws_smithy_types::date_time::{DateTime, Format};
use serde_json::{Map, Number, Value};
use std::fmt::Write;

/// Decodes the parameters of operation `op` (all but `Action` and `Version`) into the JSON
/// document of its input. A number that does not parse stays a string, for validation to
/// report.
pub fn decode_input(model: &Model, op: &str, form: &Form) -> Value {
    let shape = model.input_shape(op);
    shape.and_then(|s| decode(&s, "", form)).unwrap_or_else(|| Value::Object(Map::new()))
}

fn decode(shape: &ShapeRef<'_>, key: &str, form: &Form) -> Option<Value> {
    let at = |name: &str| if key.is_empty() { name.to_string() } else { format!("{key}.{name}") };
    match shape.kind() {
        ShapeKind::Structure => {
            let members: Map<String, Value> = shape
                .members()
                .filter_map(|(name, m)| Some((name.to_string(), decode(&m, &at(name), form)?)))
                .collect();
            (!members.is_empty()).then_some(Value::Object(members))
        }
        ShapeKind::List => {
            let item = shape.list_member()?;
            let items: Vec<Value> = (1..).map_while(|i| decode(&item, &format!("{key}.member.{i}"), form)).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        kind => form.get(key).map(|raw| scalar(kind, raw)),
    }
}

fn scalar(kind: ShapeKind, raw: &str) -> Value {
    let number = match kind {
        ShapeKind::Integer | ShapeKind::Long => raw.parse::<i64>().ok().map(Number::from),
        ShapeKind::Float => raw.parse::<f64>().ok().and_then(Number::from_f64),
        ShapeKind::Boolean => return raw.parse::<bool>().map_or_else(|_| Value::String(raw.into()), Value::Bool),
        _ => None,
    };
    number.map_or_else(|| Value::String(raw.into()), Value::Number)
}

/// The answer of operation `op`: its output document in the model's namespace, members in
/// the document's order, timestamps as ISO 8601.
pub fn encode_output(model: &Model, op: &str, output: &Value, request_id: &str) -> String {
    let mut result = String::new();
    if let Some(shape) = model.output_shape(op) {
        write_members(&mut result, &shape, output);
    }
    let mut xml = format!("<{op}Response xmlns=\"{}\">", model.xml_namespace());
    if !result.is_empty() {
        let _ = write!(xml, "<{op}Result>{result}</{op}Result>");
    }
    let _ = write!(xml, "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{op}Response>");
    xml
}

fn write_members(xml: &mut String, shape: &ShapeRef<'_>, value: &Value) {
    let Value::Object(map) = value else { return };
    for (name, v) in map {
        if let Some(member) = shape.member(name) {
            write_element(xml, name, &member, v);
        }
    }
}

fn write_element(xml: &mut String, tag: &str, shape: &ShapeRef<'_>, value: &Value) {
    let text = match (shape.kind(), value) {
        (ShapeKind::List, Value::Null) => return write_empty(xml, tag),
        (_, Value::Null) => return,
        (ShapeKind::Structure, _) => {
            let mut inner = String::new();
            write_members(&mut inner, shape, value);
            return if inner.is_empty() { write_empty(xml, tag) } else { wrap(xml, tag, &inner) };
        }
        (ShapeKind::List, Value::Array(items)) => {
            let mut inner = String::new();
            if let Some(item) = shape.list_member() {
                items.iter().for_each(|v| write_element(&mut inner, "member", &item, v));
            }
            return wrap(xml, tag, &inner);
        }
        (ShapeKind::Timestamp, Value::Number(n)) => timestamp(n.as_f64().unwrap_or_default()),
        (_, Value::String(s)) => escape_markup(s),
        (_, other) => other.to_string(),
    };
    wrap(xml, tag, &text);
}

fn wrap(xml: &mut String, tag: &str, inner: &str) {
    let _ = write!(xml, "<{tag}>{inner}</{tag}>");
}

fn write_empty(xml: &mut String, tag: &str) {
    let _ = write!(xml, "<{tag}/>");
}

/// Epoch seconds as ISO 8601 (`2026-03-05T07:08:09Z`; a fraction only when there is one).
fn timestamp(secs: f64) -> String {
    DateTime::from_secs_f64(secs).fmt(Format::DateTime).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{iam, sts};
    use crate::sqs::query::parse_form;
    use serde_json::json;

    #[test]
    fn forms_decode_by_the_input_shape() {
        let form = parse_form(
            b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&RoleSessionName=s&DurationSeconds=900\
              &Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=b&Tags.member.2.Value=2&TransitiveTagKeys.member.1=a",
        )
        .unwrap();
        assert_eq!(
            decode_input(sts(), "AssumeRole", &form),
            json!({"RoleArn": "arn:aws:iam::111122223333:role/r", "RoleSessionName": "s", "DurationSeconds": 900,
                   "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}], "TransitiveTagKeys": ["a"]})
        );
        let form = parse_form(b"Action=GetSessionToken&DurationSeconds=soon").unwrap();
        assert_eq!(decode_input(sts(), "GetSessionToken", &form), json!({"DurationSeconds": "soon"}));
        assert_eq!(decode_input(sts(), "GetCallerIdentity", &form), json!({}));
    }

    #[test]
    fn outputs_encode_in_the_models_namespace() {
        let out = json!({"AssumedRoleUser": {"Arn": "a&b", "AssumedRoleId": "AROA:s"},
                         "Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "x/y", "SessionToken": "t",
                                         "Expiration": 1_772_694_489.0},
                         "PackedPolicySize": 0});
        assert_eq!(
            encode_output(sts(), "AssumeRole", &out, "r-1"),
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
             <AssumedRoleUser><Arn>a&amp;b</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>\
             <Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>x/y</SecretAccessKey><SessionToken>t</SessionToken>\
             <Expiration>2026-03-05T07:08:09Z</Expiration></Credentials><PackedPolicySize>0</PackedPolicySize>\
             </AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>"
        );
    }

    #[test]
    fn iam_lists_are_wrapped_in_members() {
        let form = parse_form(b"Action=UntagRole&RoleName=r&TagKeys.member.1=a&TagKeys.member.2=b&TagKeys.member.4=d")
            .unwrap();
        assert_eq!(decode_input(iam(), "UntagRole", &form), json!({"RoleName": "r", "TagKeys": ["a", "b"]}));
        let out = json!({"Roles": [{"RoleName": "a<b", "Tags": [{"Key": "k", "Value": "v"}], "RoleLastUsed": {}}],
                         "IsTruncated": true, "Marker": "m"});
        assert_eq!(
            encode_output(iam(), "ListRoles", &out, "r-1"),
            "<ListRolesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListRolesResult><Roles><member>\
             <RoleName>a&lt;b</RoleName><Tags><member><Key>k</Key><Value>v</Value></member></Tags><RoleLastUsed/>\
             </member></Roles><IsTruncated>true</IsTruncated><Marker>m</Marker></ListRolesResult>\
             <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></ListRolesResponse>"
        );
    }

    #[test]
    fn empty_lists_and_empty_answers() {
        let out = json!({"Policies": [], "IsTruncated": false});
        assert!(encode_output(iam(), "ListPolicies", &out, "r").contains("<Policies></Policies><IsTruncated>"));
        let out = json!({"Policies": null, "IsTruncated": false});
        assert!(encode_output(iam(), "ListPolicies", &out, "r").contains("<Policies/><IsTruncated>"));
        assert_eq!(
            encode_output(iam(), "DeleteRole", &Value::Null, "r"),
            "<DeleteRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata>\
             <RequestId>r</RequestId></ResponseMetadata></DeleteRoleResponse>"
        );
        assert!(!encode_output(iam(), "UpdateRole", &json!({}), "r").contains("UpdateRoleResult"));
    }
}
