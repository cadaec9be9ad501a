//! AWS CBOR 1.1 (`application/x-amz-cbor-1.1`): the same operations and members as AWS JSON
//! 1.1, in CBOR. The AWS SDK for Java v2 (and so the KCL 2.x/3.x) uses it for Kinesis by default.
//!
//! Requests are turned into exactly the document the JSON path decodes (blobs as base64 text,
//! timestamps as epoch seconds), so validation and the typed inputs are shared; answers are
//! the JSON-shaped outputs re-encoded with the operation's output shape as a guide.
//!
//! # What the Java SDK v2 does (researched; sources)
//!
//! * Content type `application/x-amz-cbor-1.1`, same `X-Amz-Target` as JSON. CBOR is on unless
//!   `aws.cborEnabled=false` / `AWS_CBOR_ENABLED=false` (`AwsCborProtocolFactory`,
//!   `SdkSystemSetting.CBOR_ENABLED`; aws/aws-sdk-java-v2
//!   `core/protocols/aws-cbor-protocol/.../AwsCborProtocolFactory.java`).
//! * Requests are written by Jackson's `CBORGenerator`: maps and arrays of known length, text
//!   keys, blobs as **byte strings** (major type 2). Timestamps: `SdkCborGenerator.writeValue
//!   (Instant)` writes **tag 1 followed by `instant.toEpochMilli()` as an integer** — epoch
//!   *milliseconds*, against RFC 8949 which says seconds (aws/aws-sdk-java-v2
//!   `.../cbor/internal/SdkCborGenerator.java`; aws/aws-sdk-java-v2#4661; a captured
//!   `GetShardIterator` AT_TIMESTAMP body is `c1 1b 000001a013accc38` = tag 1, 1787036486712 ms,
//!   floci-io/floci#2368; localstack/localstack#11071 fixed its parser for the same reason).
//! * Responses: the CBOR default timestamp format is `UNIX_TIMESTAMP_MILLIS` for the payload
//!   (`AwsCborProtocolFactory.getDefaultTimestampFormats`), parsed by `StringToInstant` →
//!   `DateUtils.parseUnixTimestampMillisInstant` = `Instant.ofEpochMilli(Long.parseLong(text))`
//!   on the number's text. So a timestamp must be an **integer of epoch milliseconds** (the tag
//!   is ignored by Jackson). Float seconds (`1.603149588042E9`) throw `NumberFormatException` /
//!   "Unable to parse date" (localstack/localstack#3134, KCL 2 with `ApproximateArrivalTimestamp`;
//!   aws/aws-sdk-java-v2#184, #979 "CBOR uses epoch millis on the wire"); integer seconds are
//!   read as millis, i.e. January 1970 (floci-io/floci#2368); SDK 2.57.8 reads float seconds as
//!   millis too (`1.7e9` → 1970-01-21, seen by tests/java when this module wrote floats). Real
//!   Kinesis sends `ApproximateArrivalTimestamp` as `1603152823565` (localstack#3134). We write
//!   tag 1 + integer millis, like the SDK itself and LocalStack after localstack/localstack#6791
//!   and #11286.
//! * Blobs in responses: a CBOR byte string is taken as is (`JsonProtocolUnmarshaller.
//!   unmarshallSdkBytes`: "Binary protocols like CBOR may already have the raw bytes
//!   extracted"); text would be base64-decoded. We write byte strings (double decoding of
//!   base64 text corrupted data in other emulators).
//! * Errors (`AwsJsonProtocolErrorUnmarshaller`): the code is taken from the `x-amzn-ErrorType`
//!   header first (anything after `:` dropped), else from `__type` (or `code`) in the body, where
//!   anything before `#` is dropped (`JsonErrorCodeParser`); the message from the
//!   `x-amzn-error-message` header, else `message` / `Message` / `errorMessage` in the body
//!   (`AwsJsonErrorMessageParser`, `SdkJsonErrorMessageParser`). The body is parsed with the
//!   CBOR factory, so an error answer is a CBOR map `{"__type", "message"}` plus the header.
//!
//! # What we accept
//!
//! Any well-formed CBOR: definite or indefinite lengths, tags (ignored except on timestamps),
//! integers, floats of any width. Timestamps may be tag 1 or untagged, integer or float. AWS's
//! CBOR counts milliseconds, but an RFC 8949 encoder counts seconds; a magnitude below 1e11 can
//! only be seconds of a date people use (as milliseconds it would be before March 1973), so it is
//! read as seconds and anything larger as milliseconds. Malformed or truncated input, nesting
//! deeper than [`MAX_DEPTH`], trailing bytes and types JSON cannot carry are a
//! `SerializationException`; nothing here panics or allocates by a declared length.

use crate::error::ApiError;
use crate::model::{Model, ShapeKind, ShapeRef};
use ciborium_ll::{simple, Decoder, Encoder, Header};
use serde_json::{Map, Number, Value};

/// Content type of AWS CBOR 1.1.
pub const CBOR_11: &str = "application/x-amz-cbor-1.1";

/// Deepest nesting of maps and arrays accepted in a request.
pub const MAX_DEPTH: usize = 64;

/// CBOR tag 1: epoch-based date/time.
const TAG_EPOCH: u64 = 1;

/// Epoch numbers below this magnitude are seconds, others milliseconds (see the module docs).
const SECONDS_BELOW: f64 = 1e11;

/// Whether a `Content-Type` value is AWS CBOR (`application/x-amz-cbor-1.1`, any version or
/// parameters, any case).
pub fn is_cbor(content_type: &str) -> bool {
    const PREFIX: &[u8] = b"application/x-amz-cbor";
    let ct = content_type.trim_start().as_bytes();
    ct.len() >= PREFIX.len() && ct[..PREFIX.len()].eq_ignore_ascii_case(PREFIX)
}

// ---------------------------------------------------------------------------------------
// Decoding

/// Turns a CBOR request body into the JSON document the JSON path would have decoded for the
/// same request: blob members become base64 text, timestamp members epoch seconds. An empty
/// body is `{}`.
pub fn decode_input(model: &Model, op: &str, body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let mut r = Reader { dec: Decoder::from(body), scratch: [0; 4096] };
    let header = r.pull_untagged()?;
    let Header::Map(len) = header else {
        return Err(ApiError::serialization("The CBOR request body is not a map."));
    };
    let doc = r.map(model.input_shape(op), len, 1)?;
    let used = r.dec.offset();
    if used != body.len() {
        return Err(ApiError::serialization(format!(
            "Unexpected data after the CBOR request body (byte {used} of {}).",
            body.len()
        )));
    }
    Ok(doc)
}

struct Reader<'a> {
    dec: Decoder<&'a [u8]>,
    scratch: [u8; 4096],
}

fn cbor_error<E>(e: ciborium_ll::Error<E>) -> ApiError {
    match e {
        ciborium_ll::Error::Io(_) => ApiError::serialization("Unexpected end of the CBOR request body."),
        ciborium_ll::Error::Syntax(at) => ApiError::serialization(format!("Malformed CBOR at byte {at}.")),
    }
}

fn type_error(what: &str, at: usize) -> ApiError {
    ApiError::serialization(format!("Unexpected CBOR {what} at byte {at}."))
}

impl Reader<'_> {
    fn pull(&mut self) -> Result<Header, ApiError> {
        self.dec.pull().map_err(cbor_error)
    }

    /// The next header after any tags, and the last tag seen.
    fn pull_tagged(&mut self) -> Result<(Header, Option<u64>), ApiError> {
        let mut tag = None;
        loop {
            match self.pull()? {
                Header::Tag(t) => tag = Some(t),
                h => return Ok((h, tag)),
            }
        }
    }

    fn pull_untagged(&mut self) -> Result<Header, ApiError> {
        self.pull_tagged().map(|(h, _)| h)
    }

    fn text(&mut self, len: Option<usize>) -> Result<String, ApiError> {
        let mut out = String::new();
        let mut segments = self.dec.text(len);
        while let Some(mut segment) = segments.pull().map_err(cbor_error)? {
            while let Some(chunk) = segment.pull(&mut self.scratch).map_err(cbor_error)? {
                out.push_str(chunk);
            }
        }
        Ok(out)
    }

    fn bytes(&mut self, len: Option<usize>) -> Result<Vec<u8>, ApiError> {
        let mut out = Vec::new();
        let mut segments = self.dec.bytes(len);
        while let Some(mut segment) = segments.pull().map_err(cbor_error)? {
            while let Some(chunk) = segment.pull(&mut self.scratch).map_err(cbor_error)? {
                out.extend_from_slice(chunk);
            }
        }
        Ok(out)
    }

    /// A map: a structure's members (by the structure's shape), a map's entries or, without a
    /// shape, anything.
    fn map(&mut self, shape: Option<ShapeRef<'_>>, len: Option<usize>, depth: usize) -> Result<Value, ApiError> {
        if depth > MAX_DEPTH {
            return Err(ApiError::serialization(format!(
                "The CBOR request body nests deeper than {MAX_DEPTH} levels."
            )));
        }
        let kind = shape.map(|s| s.kind());
        let mut out = Map::new();
        let mut read = 0usize;
        while len != Some(read) {
            let at = self.dec.offset();
            let key = match self.pull_untagged()? {
                Header::Break if len.is_none() => break,
                Header::Text(n) => self.text(n)?,
                _ => return Err(type_error("map key that is not a text string", at)),
            };
            let member = match (kind, shape) {
                (Some(ShapeKind::Structure), Some(s)) => s.member(&key),
                (Some(ShapeKind::Map), Some(s)) => s.map_value(),
                _ => None,
            };
            let value = self.value(member, depth)?;
            out.insert(key, value);
            read += 1;
        }
        Ok(Value::Object(out))
    }

    fn array(&mut self, member: Option<ShapeRef<'_>>, len: Option<usize>, depth: usize) -> Result<Value, ApiError> {
        if depth > MAX_DEPTH {
            return Err(ApiError::serialization(format!(
                "The CBOR request body nests deeper than {MAX_DEPTH} levels."
            )));
        }
        let mut out = Vec::new();
        while len != Some(out.len()) {
            if len.is_none() {
                match self.pull()? {
                    Header::Break => break,
                    h => self.dec.push(h),
                }
            }
            out.push(self.value(member, depth)?);
        }
        Ok(Value::Array(out))
    }

    /// One value inside a container at `depth`, read as `shape` says (`None`: as it comes).
    fn value(&mut self, shape: Option<ShapeRef<'_>>, depth: usize) -> Result<Value, ApiError> {
        let at = self.dec.offset();
        let kind = shape.map(|s| s.kind());
        let (header, tag) = self.pull_tagged()?;
        match (kind, header) {
            (Some(ShapeKind::Timestamp), Header::Positive(_) | Header::Negative(_) | Header::Float(_)) => {
                let epoch = match header {
                    Header::Positive(n) => n as f64,
                    Header::Negative(n) => -1.0 - n as f64,
                    Header::Float(f) => f,
                    _ => unreachable!("matched above"),
                };
                let seconds = if epoch.abs() < SECONDS_BELOW { epoch } else { epoch / 1000.0 };
                Number::from_f64(seconds)
                    .map(Value::Number)
                    .ok_or_else(|| type_error("timestamp that is not a finite number", at))
            }
            (Some(ShapeKind::Timestamp), _) if tag == Some(TAG_EPOCH) => {
                Err(type_error("tag 1 (epoch date/time) on a value that is not a number", at))
            }
            (_, Header::Bytes(n)) => match kind {
                None | Some(ShapeKind::Blob | ShapeKind::Any) => {
                    let bytes = self.bytes(n)?;
                    Ok(Value::String(aws_smithy_types::base64::encode(bytes)))
                }
                Some(_) => Err(type_error("byte string where the member is not a blob", at)),
            },
            (_, Header::Text(n)) => self.text(n).map(Value::String),
            (_, Header::Positive(n)) => Ok(Value::from(n)),
            (_, Header::Negative(n)) => Ok(match i64::try_from(n) {
                Ok(n) => Value::from(-1 - n),
                Err(_) => Value::from(-1.0 - n as f64),
            }),
            (_, Header::Float(f)) => {
                Number::from_f64(f).map(Value::Number).ok_or_else(|| type_error("number that is not finite", at))
            }
            (_, Header::Simple(simple::FALSE)) => Ok(Value::Bool(false)),
            (_, Header::Simple(simple::TRUE)) => Ok(Value::Bool(true)),
            (_, Header::Simple(simple::NULL | simple::UNDEFINED)) => Ok(Value::Null),
            (_, Header::Simple(_)) => Err(type_error("simple value", at)),
            (_, Header::Break) => Err(type_error("break", at)),
            (_, Header::Array(n)) => self.array(shape.and_then(|s| s.list_member()), n, depth + 1),
            (_, Header::Map(n)) => self.map(shape, n, depth + 1),
            (_, Header::Tag(_)) => Err(type_error("tag", at)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Encoding

/// Encodes an operation's JSON-shaped output as CBOR: blob members (base64 text) as byte
/// strings, timestamp members (epoch seconds) as tag 1 + integer epoch milliseconds, `null`
/// members left out. An output of `null` (operations without output) is an empty map.
pub fn encode_output(model: &Model, op: &str, value: &Value) -> Vec<u8> {
    encode_with(model.output_shape(op), value)
}

/// Encodes an operation's input as the AWS SDK for Java v2 does (blobs as byte strings,
/// timestamps as tag 1 + epoch milliseconds): for tests and tools that play the client.
pub fn encode_input(model: &Model, op: &str, value: &Value) -> Vec<u8> {
    encode_with(model.input_shape(op), value)
}

/// Encodes a JSON-shaped value of the model shape `shape` (event payloads).
pub fn encode_shape(model: &Model, shape: &str, value: &Value) -> Vec<u8> {
    encode_with(model.shape(shape), value)
}

/// The CBOR error body: `{"__type": code, "message": message}`.
pub fn encode_error(e: &ApiError) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 + e.code.len() + e.message.len());
    let mut w = Writer(Encoder::from(&mut out));
    w.head(Header::Map(Some(2)));
    w.text("__type");
    w.text(&e.code);
    w.text("message");
    w.text(&e.message);
    out
}

fn encode_with(shape: Option<ShapeRef<'_>>, value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut w = Writer(Encoder::from(&mut out));
    match value {
        Value::Null => w.head(Header::Map(Some(0))),
        v => w.value(shape, v),
    }
    out
}

struct Writer<'a>(Encoder<&'a mut Vec<u8>>);

impl Writer<'_> {
    // Writing to a Vec cannot fail: the results are dropped.
    fn head(&mut self, h: Header) {
        let _ = self.0.push(h);
    }

    fn text(&mut self, s: &str) {
        let _ = self.0.text(s, None);
    }

    fn bytes(&mut self, b: &[u8]) {
        let _ = self.0.bytes(b, None);
    }

    fn int(&mut self, i: i64) {
        if i >= 0 {
            self.head(Header::Positive(i as u64));
        } else {
            self.head(Header::Negative(!i as u64));
        }
    }

    fn value(&mut self, shape: Option<ShapeRef<'_>>, v: &Value) {
        let kind = shape.map(|s| s.kind());
        match (kind, v) {
            (Some(ShapeKind::Blob), Value::String(s)) => match aws_smithy_types::base64::decode(s) {
                Ok(b) => self.bytes(&b),
                Err(_) => self.text(s),
            },
            (Some(ShapeKind::Timestamp), Value::Number(n)) => {
                let seconds = n.as_f64().unwrap_or(0.0);
                self.head(Header::Tag(TAG_EPOCH));
                self.int((seconds * 1000.0).round() as i64);
            }
            (_, Value::Null) => self.head(Header::Simple(simple::NULL)),
            (_, Value::Bool(b)) => self.head(Header::Simple(if *b { simple::TRUE } else { simple::FALSE })),
            (_, Value::Number(n)) => {
                if let Some(u) = n.as_u64() {
                    self.head(Header::Positive(u));
                } else if let Some(i) = n.as_i64() {
                    self.int(i);
                } else {
                    self.head(Header::Float(n.as_f64().unwrap_or(0.0)));
                }
            }
            (_, Value::String(s)) => self.text(s),
            (_, Value::Array(items)) => {
                let member = shape.and_then(|s| s.list_member());
                self.head(Header::Array(Some(items.len())));
                for item in items {
                    self.value(member, item);
                }
            }
            (_, Value::Object(map)) => {
                let present = map.values().filter(|v| !v.is_null()).count();
                self.head(Header::Map(Some(present)));
                for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                    let member = match kind {
                        Some(ShapeKind::Structure) => shape.and_then(|s| s.member(k)),
                        Some(ShapeKind::Map) => shape.and_then(|s| s.map_value()),
                        _ => None,
                    };
                    self.text(k);
                    self.value(member, v);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
