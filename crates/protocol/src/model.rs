//! Model-driven input validation: the botocore service model, resolved once into an
//! indexed form, checks every request body the way AWS's (Coral's) front end does.
//!
//! * Type errors are a `SerializationException` (the first one found; nothing else is reported).
//! * Constraint errors (required, length, range, pattern, enum) are one `ValidationException`
//!   listing all of them, worded exactly as AWS words them.
//!
//! Models are the stripped botocore JSON files under `crates/protocol/models/`
//! (see `scripts/strip-models.py`); nothing here is specific to Kinesis.

use crate::error::ApiError;
use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

mod conform;
mod pattern;
mod shapes;
mod validate;

pub use shapes::{ShapeKind, ShapeRef};

#[cfg(test)]
mod tests;

/// Index of a shape in [`Model::shapes`].
type ShapeId = u32;

/// A parsed service model, ready to validate inputs.
#[derive(Debug)]
pub struct Model {
    target_prefix: String,
    /// `com.amazonaws.<endpointPrefix>.v<apiVersion digits>`: how AWS names structures in
    /// echoed values (`com.amazonaws.kinesis.v20131202.PutRecordsRequestEntry@…`).
    java_package: String,
    /// `metadata.xmlNamespace` of the query protocols (STS, IAM), empty for the others.
    xml_namespace: String,
    shapes: Vec<Shape>,
    operations: HashMap<String, Operation>,
}

#[derive(Debug)]
struct Operation {
    input: Option<ShapeId>,
    output: Option<ShapeId>,
}

#[derive(Debug)]
struct Shape {
    name: Box<str>,
    kind: Kind,
    /// Length bounds (string: characters, blob: decoded bytes, list/map: entries).
    len_min: Option<u64>,
    len_max: Option<u64>,
    /// Value bounds of numeric shapes.
    val_min: Option<Bound>,
    val_max: Option<Bound>,
    pattern: Option<Pattern>,
    enumeration: Option<Enumeration>,
    /// `[Member must ..., Member must ...]`: every constraint of the shape, as AWS lists them
    /// when a list element or a map key/value breaks one. `None` if the shape has none.
    constraint_list: Option<Box<str>>,
    /// What restXml needs beyond the document (`None` when the shape has none of it).
    xml: Option<Box<XmlTraits>>,
}

/// A shape's restXml traits.
#[derive(Debug, Default)]
struct XmlTraits {
    /// A list written as repeated elements, without a wrapper.
    flattened: bool,
    /// The element name of a list's items (`member` when the model gives none).
    item_name: Option<Box<str>>,
    /// The member of a structure that is the whole body.
    payload: Option<Box<str>>,
}

#[derive(Debug)]
enum Kind {
    Structure(Box<[Member]>),
    List(ShapeId),
    Map {
        key: ShapeId,
        value: ShapeId,
    },
    String,
    Integer,
    Long,
    /// `float`, `double`, `bigDecimal`.
    Float,
    Boolean,
    Timestamp,
    Blob,
    /// `document` and anything unknown: accepted as is.
    Any,
}

#[derive(Debug)]
struct Member {
    /// Key in the JSON body (`locationName` if the model renames it).
    wire: Box<str>,
    /// Name in error paths: the member name with its first letter lower-cased.
    path: Box<str>,
    shape: ShapeId,
    required: bool,
    /// Where a REST protocol binds the member (`header`, `headers`, `uri`, `querystring`)
    /// and under which name (`x-amz-version-id`); `None` for body members.
    binding: Option<Box<(Box<str>, Box<str>)>>,
}

/// A numeric bound, kept as the model spells it for messages.
#[derive(Debug)]
struct Bound {
    int: Option<i64>,
    float: f64,
    text: Box<str>,
}

#[derive(Debug)]
struct Enumeration {
    /// `Member must satisfy enum value set: [A, B]`, values in model order.
    message: Box<str>,
    values: Box<[Box<str>]>,
}

#[derive(Debug)]
struct Pattern {
    /// Message text: `Member must satisfy regular expression pattern: <model text>`.
    message: Box<str>,
    /// Compiled on first use (most patterns are never needed, and start-up stays short);
    /// `None` when the Java pattern has no Rust equivalent (lookaround, `\Q..\E`, ...):
    /// such a constraint is not checked.
    regex: OnceLock<Option<Regex>>,
}

impl Pattern {
    /// The whole-value matcher, compiled the first time it is asked for.
    fn regex(&self) -> Option<&Regex> {
        self.regex.get_or_init(|| pattern::compile(pattern_text(self))).as_ref()
    }
}

impl Model {
    /// Parses and resolves a stripped botocore model.
    pub fn from_json(text: &str) -> Result<Model, String> {
        let raw: RawModel = serde_json::from_str(text).map_err(|e| format!("invalid model JSON: {e}"))?;
        build(raw)
    }

    /// Whether the model has this operation (e.g. `PutRecords`).
    pub fn has_operation(&self, op: &str) -> bool {
        self.operations.contains_key(op)
    }

    /// `metadata.xmlNamespace`, e.g. `https://sts.amazonaws.com/doc/2011-06-15/` (empty for
    /// the JSON and REST protocols).
    pub fn xml_namespace(&self) -> &str {
        &self.xml_namespace
    }

    /// `metadata.targetPrefix`, e.g. `Kinesis_20131202` (empty for REST protocols).
    pub fn target_prefix(&self) -> &str {
        &self.target_prefix
    }

    /// The names of the model's operations, in no particular order.
    pub fn operations(&self) -> impl Iterator<Item = &str> {
        self.operations.keys().map(String::as_str)
    }

    /// `(shape, pattern)` for every pattern that is not checked because Rust's `regex`
    /// cannot express it (lookaround and the like).
    pub fn unchecked_patterns(&self) -> impl Iterator<Item = (&str, &str)> {
        self.shapes.iter().filter_map(|s| match &s.pattern {
            Some(p) if p.regex().is_none() => Some((&*s.name, pattern_text(p))),
            _ => None,
        })
    }

    /// Checks `input`, the decoded JSON body, against the operation's input shape.
    ///
    /// A type mismatch anywhere is a `SerializationException`; otherwise every broken
    /// constraint is listed in one `ValidationException`. JSON `null` is an absent member,
    /// unknown members are ignored, and a `null` body counts as `{}`. Numbers of integer
    /// shapes are rewritten as AWS reads them: fraction dropped, low-order 32 (Integer) or 64
    /// (Long) bits kept.
    pub fn validate_input(&self, op: &str, input: &mut Value) -> Result<(), ApiError> {
        let Some(operation) = self.operations.get(op) else {
            return Err(ApiError::new("UnknownOperationException", format!("Unknown operation {op}")));
        };
        validate::validate(self, operation.input, input, false)
    }

    /// Like [`Model::validate_input`], but reports only missing required members (services
    /// such as SQS check the other constraints in their own words).
    pub fn validate_required(&self, op: &str, input: &mut Value) -> Result<(), ApiError> {
        let Some(operation) = self.operations.get(op) else {
            return Err(ApiError::new("UnknownOperationException", format!("Unknown operation {op}")));
        };
        validate::validate(self, operation.input, input, true)
    }
}

fn pattern_text(p: &Pattern) -> &str {
    p.message.strip_prefix(validate::PATTERN_PREFIX).unwrap_or(&p.message)
}

/// The embedded Kinesis Data Streams model.
pub fn kinesis() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::from_json(include_str!("../models/kinesis.json")).expect("embedded kinesis model is valid")
    })
}

/// The embedded Amazon SQS model (AWS JSON 1.0, query-compatible).
pub fn sqs() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_json(include_str!("../models/sqs.json")).expect("embedded sqs model is valid"))
}

/// The embedded Amazon Data Firehose model (AWS JSON 1.1). One deliberate difference:
/// endpoint URLs (HTTP endpoint, OpenSearch/Elasticsearch cluster) may also be `http:`, so
/// that local receivers need no TLS; AWS takes `https:` only.
pub fn firehose() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let json = include_str!("../models/firehose.json")
            .replace(r#""pattern":"https://.*""#, r#""pattern":"https?://.*""#)
            .replace(r#""pattern":"https:.*""#, r#""pattern":"https?:.*""#);
        Model::from_json(&json).expect("embedded firehose model is valid")
    })
}

/// The embedded Amazon EventBridge Pipes model (restJson1).
pub fn pipes() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_json(include_str!("../models/pipes.json")).expect("embedded pipes model is valid"))
}

/// The embedded Kinesis Data Analytics model, API v1 (AWS JSON 1.1).
pub fn kinesisanalytics() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::from_json(include_str!("../models/kinesisanalytics.json"))
            .expect("embedded kinesisanalytics model is valid")
    })
}

/// The embedded Kinesis Data Analytics model, API v2 (AWS JSON 1.1).
pub fn kinesisanalyticsv2() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::from_json(include_str!("../models/kinesisanalyticsv2.json"))
            .expect("embedded kinesisanalyticsv2 model is valid")
    })
}

/// The embedded AWS STS model (query protocol, XML answers).
pub fn sts() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_json(include_str!("../models/sts.json")).expect("embedded sts model is valid"))
}

/// The embedded Amazon S3 model (restXml): the operations kinesin serves.
pub fn s3() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_json(include_str!("../models/s3.json")).expect("embedded s3 model is valid"))
}

/// The embedded AWS IAM model (query protocol, XML answers): the operations kinesin serves.
pub fn iam() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::from_json(include_str!("../models/iam.json")).expect("embedded iam model is valid"))
}

// ---------------------------------------------------------------------------------------
// Loading

#[derive(Deserialize)]
struct RawModel {
    #[serde(default)]
    metadata: RawMetadata,
    #[serde(default)]
    operations: BTreeMap<String, RawOperation>,
    shapes: BTreeMap<String, RawShape>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawMetadata {
    target_prefix: Option<String>,
    endpoint_prefix: Option<String>,
    api_version: Option<String>,
    xml_namespace: Option<String>,
}

#[derive(Deserialize)]
struct RawOperation {
    input: Option<RawRef>,
    output: Option<RawRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRef {
    shape: String,
    location: Option<String>,
    location_name: Option<String>,
    #[serde(default)]
    flattened: bool,
}

#[derive(Deserialize)]
struct RawShape {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    members: BTreeMap<String, RawRef>,
    #[serde(default)]
    required: Vec<String>,
    min: Option<serde_json::Number>,
    max: Option<serde_json::Number>,
    pattern: Option<String>,
    #[serde(rename = "enum")]
    enumeration: Option<Vec<String>>,
    member: Option<RawRef>,
    key: Option<RawRef>,
    value: Option<RawRef>,
    #[serde(default)]
    flattened: bool,
    payload: Option<String>,
}

fn build(raw: RawModel) -> Result<Model, String> {
    let ids: HashMap<&str, ShapeId> =
        raw.shapes.keys().enumerate().map(|(i, name)| (name.as_str(), i as ShapeId)).collect();
    let resolve = |r: &Option<RawRef>, owner: &str, what: &str| -> Result<ShapeId, String> {
        let r = r.as_ref().ok_or_else(|| format!("shape {owner} has no {what}"))?;
        ids.get(r.shape.as_str()).copied().ok_or_else(|| format!("shape {owner} refers to unknown shape {}", r.shape))
    };

    let mut shapes = Vec::with_capacity(raw.shapes.len());
    for (name, s) in &raw.shapes {
        let kind = match s.ty.as_str() {
            "structure" | "union" => Kind::Structure(members(name, s, &ids)?),
            "list" => Kind::List(resolve(&s.member, name, "member")?),
            "map" => Kind::Map { key: resolve(&s.key, name, "key")?, value: resolve(&s.value, name, "value")? },
            "string" => Kind::String,
            "integer" | "short" | "byte" => Kind::Integer,
            "long" | "bigInteger" => Kind::Long,
            "float" | "double" | "bigDecimal" => Kind::Float,
            "boolean" => Kind::Boolean,
            "timestamp" => Kind::Timestamp,
            "blob" => Kind::Blob,
            _ => Kind::Any,
        };
        shapes.push(shape(name, kind, s));
    }

    let mut operations = HashMap::with_capacity(raw.operations.len());
    for (name, op) in &raw.operations {
        let input = match &op.input {
            Some(_) => Some(resolve(&op.input, name, "input")?),
            None => None,
        };
        if let Some(id) = input {
            if !matches!(shapes[id as usize].kind, Kind::Structure(_)) {
                return Err(format!("input of {name} is not a structure"));
            }
        }
        let output = match &op.output {
            Some(_) => Some(resolve(&op.output, name, "output")?),
            None => None,
        };
        operations.insert(name.clone(), Operation { input, output });
    }

    let meta = &raw.metadata;
    let version: String = meta.api_version.as_deref().unwrap_or("").chars().filter(char::is_ascii_digit).collect();
    Ok(Model {
        target_prefix: meta.target_prefix.clone().unwrap_or_default(),
        java_package: format!("com.amazonaws.{}.v{version}", meta.endpoint_prefix.as_deref().unwrap_or("")),
        xml_namespace: meta.xml_namespace.clone().unwrap_or_default(),
        shapes,
        operations,
    })
}

/// A structure's members, resolved, in the order AWS reports broken members.
fn members(name: &str, s: &RawShape, ids: &HashMap<&str, ShapeId>) -> Result<Box<[Member]>, String> {
    let mut members = Vec::with_capacity(s.members.len());
    for (member_name, r) in &s.members {
        let shape = ids
            .get(r.shape.as_str())
            .copied()
            .ok_or_else(|| format!("{name}.{member_name} refers to unknown shape {}", r.shape))?;
        // Members bound to the URI, query string or headers (REST protocols) are
        // expected under their member name in the document handed to us.
        let wire = match (&r.location, &r.location_name) {
            (None, Some(renamed)) => renamed.as_str(),
            _ => member_name.as_str(),
        };
        let binding = match (&r.location, &r.location_name) {
            (Some(at), name) => Some(Box::new((at.as_str().into(), name.as_deref().unwrap_or(member_name).into()))),
            (None, _) => None,
        };
        members.push(Member {
            wire: wire.into(),
            path: lower_first(member_name).into(),
            shape,
            required: s.required.iter().any(|m| m == member_name),
            binding,
        });
    }
    // AWS reports broken members in alphabetical order of their (lower-camel)
    // names, not in model order: CreateStream `{}` lists 'shardCount' before
    // 'streamName', GetShardIterator lists shardId, shardIteratorType,
    // startingSequenceNumber, streamName (responses recorded by kinesalite's
    // tests against the real service).
    members.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(members.into())
}

fn shape(name: &str, kind: Kind, s: &RawShape) -> Shape {
    let has_length = matches!(kind, Kind::String | Kind::Blob | Kind::List(_) | Kind::Map { .. });
    let has_value = matches!(kind, Kind::Integer | Kind::Long | Kind::Float);
    let length = |n: &Option<serde_json::Number>| {
        let n = n.as_ref().filter(|_| has_length)?;
        n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
    };
    let value = |n: &Option<serde_json::Number>| {
        let n = n.as_ref().filter(|_| has_value)?;
        Some(Bound { int: n.as_i64(), float: n.as_f64().unwrap_or(f64::NAN), text: n.to_string().into() })
    };
    let is_string = matches!(kind, Kind::String);
    let pattern = s
        .pattern
        .as_ref()
        .filter(|_| is_string)
        .map(|p| Pattern { message: format!("{}{p}", validate::PATTERN_PREFIX).into(), regex: OnceLock::new() });
    let enumeration = s.enumeration.as_ref().filter(|_| is_string).map(|values| {
        let message = format!("Member must satisfy enum value set: [{}]", values.join(", "));
        Enumeration { message: message.into(), values: values.iter().map(|v| v.as_str().into()).collect() }
    });
    let mut shape = Shape {
        name: name.into(),
        kind,
        len_min: length(&s.min),
        len_max: length(&s.max),
        val_min: value(&s.min),
        val_max: value(&s.max),
        pattern,
        enumeration,
        constraint_list: None,
        xml: xml_traits(s),
    };
    shape.constraint_list = constraint_list(&shape);
    shape
}

/// The restXml traits of a raw shape, if it has any.
fn xml_traits(s: &RawShape) -> Option<Box<XmlTraits>> {
    let item = s.member.as_ref();
    let traits = XmlTraits {
        flattened: s.flattened || item.is_some_and(|m| m.flattened),
        item_name: item.and_then(|m| m.location_name.as_deref()).map(Into::into),
        payload: s.payload.as_deref().map(Into::into),
    };
    let any = traits.flattened || traits.item_name.is_some() || traits.payload.is_some();
    any.then(|| Box::new(traits))
}

/// AWS's listing of a shape's constraints: length max, length min, value max, value min,
/// pattern, enum (as in `Member must satisfy constraint: [Member must have length less than
/// or equal to 128, Member must have length greater than or equal to 1]`).
fn constraint_list(s: &Shape) -> Option<Box<str>> {
    let mut parts: Vec<String> = Vec::new();
    if let Some(max) = s.len_max {
        parts.push(validate::len_max_message(max));
    }
    if let Some(min) = s.len_min {
        parts.push(validate::len_min_message(min));
    }
    if let Some(max) = &s.val_max {
        parts.push(validate::val_max_message(&max.text));
    }
    if let Some(min) = &s.val_min {
        parts.push(validate::val_min_message(&min.text));
    }
    if let Some(p) = &s.pattern {
        parts.push(p.message.to_string());
    }
    if let Some(e) = &s.enumeration {
        parts.push(e.message.to_string());
    }
    (!parts.is_empty()).then(|| format!("[{}]", parts.join(", ")).into())
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
