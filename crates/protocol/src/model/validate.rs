//! The validator: one pass over the document, guided by the resolved shapes.
//!
//! Messages are AWS's. Paths name members in lower camel case; list elements are
//! `<list>.<n>.member` (1-based) and map values `<map>.<key>.member`, e.g.
//! `records.1.member.partitionKey`.
//!
//! A constraint of a list element or map key/value is reported once for the whole
//! container, with the element shape's full constraint list, as AWS does:
//! `Value '[a, ]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint:
//! [Member must have length less than or equal to 128, Member must have length greater than
//! or equal to 1]`, and for maps `Map keys must satisfy constraint: [...]` then
//! `Map value must satisfy constraint: [...]`. Errors inside structured elements use the
//! element path (`records.1.member.partitionKey`). A `null` element is
//! `Value null at 'tagKeys.1.member' ... Member must not be null`.
//!
//! For one member, a pattern failure is listed before a length failure (AWS answers
//! `StreamName: ""` with the pattern error, then `... greater than or equal to 1`).

use super::{Kind, Model, Shape, ShapeId};
use crate::error::ApiError;
use serde_json::{Map, Number, Value};
use std::fmt::Write as _;

pub(super) const PATTERN_PREFIX: &str = "Member must satisfy regular expression pattern: ";
const NOT_NULL: &str = "Member must not be null";
const START_MAP: &str = "Start of structure or map found where not expected.";
const START_LIST: &str = "Start of list found where not expected";
const NUMBER_CLASS: &str = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";

pub(super) fn len_max_message(n: u64) -> String {
    format!("Member must have length less than or equal to {n}")
}
pub(super) fn len_min_message(n: u64) -> String {
    format!("Member must have length greater than or equal to {n}")
}
pub(super) fn val_max_message(n: &str) -> String {
    format!("Member must have value less than or equal to {n}")
}
pub(super) fn val_min_message(n: &str) -> String {
    format!("Member must have value greater than or equal to {n}")
}

/// Validates a request document against an operation's input structure (`None`: no input).
/// Numbers of integer shapes are left as AWS reads them (see [`truncate`]). With
/// `required_only`, only missing required members (and type mismatches) are reported.
pub(super) fn validate(
    model: &Model,
    input: Option<ShapeId>,
    doc: &mut Value,
    required_only: bool,
) -> Result<(), ApiError> {
    let mut empty = Map::new();
    let obj = match doc {
        Value::Object(obj) => obj,
        Value::Null => &mut empty,
        other => return Err(structure_mismatch(other)),
    };
    let Some(input) = input else { return Ok(()) };
    let Kind::Structure(members) = &model.shapes[input as usize].kind else { return Ok(()) };
    let mut v = Validator { model, errors: Vec::new(), required_only };
    v.structure(members, obj, None)?;
    if v.errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(&v.errors))
    }
}

/// Where a value sits, as a chain of stack frames (nothing is allocated unless an error is
/// rendered).
#[derive(Clone, Copy)]
enum Seg<'a> {
    Member(&'a str),
    Index(usize),
    Key(&'a str),
}

struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

impl Path<'_> {
    fn render(&self) -> String {
        let mut segs = Vec::with_capacity(8);
        let mut at = Some(self);
        while let Some(p) = at {
            segs.push(p.seg);
            at = p.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match seg {
                Seg::Member(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Seg::Index(i) => {
                    let _ = write!(out, ".{}.member", i + 1);
                }
                Seg::Key(k) => {
                    let _ = write!(out, ".{k}.member");
                }
            }
        }
        out
    }
}

struct Validator<'m> {
    model: &'m Model,
    errors: Vec<String>,
    /// Report only missing required members.
    required_only: bool,
}

impl<'m> Validator<'m> {
    fn shape(&self, id: ShapeId) -> &'m Shape {
        &self.model.shapes[id as usize]
    }

    fn structure(
        &mut self,
        members: &'m [super::Member],
        obj: &mut Map<String, Value>,
        parent: Option<&Path<'_>>,
    ) -> Result<(), ApiError> {
        for m in members {
            let path = Path { parent, seg: Seg::Member(&m.path) };
            match obj.get_mut(&*m.wire) {
                None | Some(Value::Null) => {
                    if m.required {
                        self.fail(m.shape, None, &path, NOT_NULL);
                    }
                }
                Some(v) => {
                    self.value(m.shape, v, &path, true)?;
                }
            }
        }
        Ok(())
    }

    /// Checks `v` (not null) against shape `id`. Type errors end the validation. With
    /// `report`, the shape's own broken constraints are recorded at `path`; either way the
    /// result says whether they all hold. Errors nested deeper are always recorded.
    fn value(&mut self, id: ShapeId, v: &mut Value, path: &Path<'_>, report: bool) -> Result<bool, ApiError> {
        let shape = self.shape(id);
        match &shape.kind {
            Kind::Structure(members) => {
                let Value::Object(obj) = v else { return Err(structure_mismatch(v)) };
                self.structure(members, obj, Some(path))?;
                Ok(true)
            }
            Kind::List(elem) => self.list(id, *elem, v, path, report),
            Kind::Map { key, value } => self.map(id, (*key, *value), v, path, report),
            Kind::String => match &*v {
                Value::String(s) => Ok(self.string(id, s, report.then_some((&*v, path)))),
                _ => Err(scalar_mismatch(v, "an String")),
            },
            Kind::Integer | Kind::Long => {
                let (bits, target) =
                    if matches!(shape.kind, Kind::Integer) { (32, "an Integer") } else { (64, "an Long") };
                let Value::Number(n) = &*v else { return Err(scalar_mismatch(v, target)) };
                let i = truncate(n, bits);
                *v = Value::from(i);
                Ok(self.range(id, i as f64, Some(i), report.then_some((&*v, path))))
            }
            Kind::Float => match &*v {
                Value::Number(n) => {
                    Ok(self.range(id, n.as_f64().unwrap_or(f64::NAN), None, report.then_some((&*v, path))))
                }
                Value::String(s) if matches!(s.as_str(), "NaN" | "Infinity" | "-Infinity") => Ok(true),
                _ => Err(scalar_mismatch(v, "an Double")),
            },
            Kind::Boolean => match v {
                Value::Bool(_) => Ok(true),
                Value::String(s) => {
                    Err(ApiError::serialization(format!("'{}' can not be converted to an Boolean", s.to_uppercase())))
                }
                _ => Err(scalar_mismatch(v, "an Boolean")),
            },
            // AWS JSON timestamps are epoch seconds; AWS takes numbers only.
            Kind::Timestamp => match v {
                Value::Number(_) => Ok(true),
                _ => Err(scalar_mismatch(v, "milliseconds since epoch")),
            },
            Kind::Blob => {
                let Value::String(s) = &*v else { return Err(scalar_mismatch(v, "a Blob")) };
                match base64_len(s) {
                    Ok(len) => Ok(self.length(id, len, report.then_some((&*v, path)))),
                    Err(e) => Err(ApiError::serialization(format!("'{s}' can not be converted to a Blob: {e}"))),
                }
            }
            Kind::Any => Ok(true),
        }
    }

    fn list(
        &mut self,
        id: ShapeId,
        elem: ShapeId,
        v: &mut Value,
        path: &Path<'_>,
        report: bool,
    ) -> Result<bool, ApiError> {
        let len = match &*v {
            Value::Array(items) => items.len(),
            Value::Object(_) => return Err(ApiError::serialization(START_MAP)),
            _ => return Err(ApiError::serialization("Expected list or null")),
        };
        // The list's own length is reported before its elements' errors.
        let ok = self.length(id, len, report.then_some((&*v, path)));
        let mark = self.errors.len();
        let mut items_ok = true;
        let items = v.as_array_mut().map(|a| a.iter_mut()).into_iter().flatten();
        for (i, item) in items.enumerate() {
            let at = Path { parent: Some(path), seg: Seg::Index(i) };
            if item.is_null() {
                self.fail(elem, None, &at, NOT_NULL);
            } else {
                items_ok &= self.value(elem, item, &at, false)?;
            }
        }
        if !items_ok {
            self.aggregate(mark, id, v, path, "Member must satisfy constraint: ", elem);
        }
        Ok(ok)
    }

    fn map(
        &mut self,
        id: ShapeId,
        (key, value): (ShapeId, ShapeId),
        v: &mut Value,
        path: &Path<'_>,
        report: bool,
    ) -> Result<bool, ApiError> {
        let len = match &*v {
            Value::Object(entries) => entries.len(),
            Value::Array(_) => return Err(ApiError::serialization(START_LIST)),
            _ => return Err(ApiError::serialization("Expected map or null")),
        };
        // The map's own length is reported before its entries' errors.
        let ok = self.length(id, len, report.then_some((&*v, path)));
        let mark = self.errors.len();
        let check_keys = matches!(self.shape(key).kind, Kind::String) && self.shape(key).constraint_list.is_some();
        let (mut keys_ok, mut values_ok) = (true, true);
        let entries = v.as_object_mut().map(|m| m.iter_mut()).into_iter().flatten();
        for (k, item) in entries {
            if check_keys {
                keys_ok &= self.string(key, k, None);
            }
            let at = Path { parent: Some(path), seg: Seg::Key(k) };
            if item.is_null() {
                self.fail(value, None, &at, NOT_NULL);
            } else {
                values_ok &= self.value(value, item, &at, false)?;
            }
        }
        if !values_ok {
            self.aggregate(mark, id, v, path, "Map value must satisfy constraint: ", value);
        }
        if !keys_ok {
            self.aggregate(mark, id, v, path, "Map keys must satisfy constraint: ", key);
        }
        Ok(ok)
    }

    /// Pattern, length and enum of a string shape.
    fn string(&mut self, id: ShapeId, s: &str, report: Option<(&Value, &Path<'_>)>) -> bool {
        let shape = self.shape(id);
        let mut ok = true;
        if let Some(p) = &shape.pattern {
            if p.regex().is_some_and(|re| !re.is_match(s)) {
                ok = false;
                self.report(id, report, &p.message);
            }
        }
        if shape.len_min.is_some() || shape.len_max.is_some() {
            ok &= self.length(id, s.chars().count(), report);
        }
        if let Some(e) = &shape.enumeration {
            if !e.values.iter().any(|v| **v == *s) {
                ok = false;
                self.report(id, report, &e.message);
            }
        }
        ok
    }

    fn length(&mut self, id: ShapeId, len: usize, report: Option<(&Value, &Path<'_>)>) -> bool {
        let shape = self.shape(id);
        let len = len as u64;
        if let Some(min) = shape.len_min.filter(|min| len < *min) {
            self.report(id, report, &len_min_message(min));
            return false;
        }
        if let Some(max) = shape.len_max.filter(|max| len > *max) {
            self.report(id, report, &len_max_message(max));
            return false;
        }
        true
    }

    fn range(&mut self, id: ShapeId, x: f64, int: Option<i64>, report: Option<(&Value, &Path<'_>)>) -> bool {
        let shape = self.shape(id);
        let below = |b: &super::Bound| match (int, b.int) {
            (Some(i), Some(bi)) => i < bi,
            _ => x < b.float,
        };
        let above = |b: &super::Bound| match (int, b.int) {
            (Some(i), Some(bi)) => i > bi,
            _ => x > b.float,
        };
        if let Some(min) = shape.val_min.as_ref().filter(|b| below(b)) {
            self.report(id, report, &val_min_message(&min.text));
            return false;
        }
        if let Some(max) = shape.val_max.as_ref().filter(|b| above(b)) {
            self.report(id, report, &val_max_message(&max.text));
            return false;
        }
        true
    }

    fn report(&mut self, id: ShapeId, report: Option<(&Value, &Path<'_>)>, message: &str) {
        if let Some((v, path)) = report {
            self.fail(id, Some(v), path, message);
        }
    }

    fn fail(&mut self, id: ShapeId, v: Option<&Value>, path: &Path<'_>, message: &str) {
        if self.required_only && message != NOT_NULL {
            return;
        }
        let value = match v {
            None | Some(Value::Null) => "null".to_owned(),
            Some(v) => format!("'{}'", self.java_string(id, v)),
        };
        self.errors.push(format!("Value {value} at '{}' failed to satisfy constraint: {message}", path.render()));
    }

    /// Inserts, at `mark`, the error for a container whose elements break `elem`'s constraints.
    fn aggregate(&mut self, mark: usize, id: ShapeId, v: &Value, path: &Path<'_>, what: &str, elem: ShapeId) {
        if self.required_only {
            return;
        }
        let Some(list) = &self.shape(elem).constraint_list else { return };
        let message = format!(
            "Value '{}' at '{}' failed to satisfy constraint: {what}{list}",
            self.java_string(id, v),
            path.render()
        );
        self.errors.insert(mark, message);
    }

    /// The value as Java's `toString` shows it in AWS messages.
    fn java_string(&self, id: ShapeId, v: &Value) -> String {
        let shape = self.shape(id);
        match (&shape.kind, v) {
            (_, Value::Null) => "null".to_owned(),
            (_, Value::String(s)) if !matches!(shape.kind, Kind::Blob) => s.clone(),
            (Kind::Blob, Value::String(s)) => {
                let n = base64_len(s).unwrap_or(0);
                format!("java.nio.HeapByteBuffer[pos=0 lim={n} cap={n}]")
            }
            (Kind::Integer | Kind::Long, Value::Number(n)) => match integral(n) {
                Some(i) => i.to_string(),
                None => n.to_string(),
            },
            (Kind::Float, Value::Number(n)) => java_double(n.as_f64().unwrap_or(f64::NAN)),
            (Kind::List(elem), Value::Array(items)) => {
                let mut out = String::from("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&self.java_string(*elem, item));
                }
                out.push(']');
                out
            }
            (Kind::Map { value, .. }, Value::Object(entries)) => {
                let mut out = String::from("{");
                for (i, (k, item)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(out, "{k}={}", self.java_string(*value, item));
                }
                out.push('}');
                out
            }
            (Kind::Structure(_), Value::Object(_)) => {
                // Coral structures print as `<class>@<hashCode>`; the hash is AWS's own, so
                // any stable hex digest of the content stands in for it.
                let hash =
                    v.to_string().bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
                format!("{}.{}@{hash:x}", self.model.java_package, shape.name)
            }
            (_, other) => other.to_string(),
        }
    }
}

/// `v` where a structure (or the body) was expected.
fn structure_mismatch(v: &Value) -> ApiError {
    match v {
        Value::Array(_) => ApiError::serialization(START_LIST),
        _ => ApiError::serialization("Expected null"),
    }
}

/// `v` where a scalar was expected; `target` is AWS's wording, e.g. `an Integer`.
fn scalar_mismatch(v: &Value, target: &str) -> ApiError {
    ApiError::serialization(match v {
        Value::Object(_) => START_MAP.to_owned(),
        Value::Array(_) => START_LIST.to_owned(),
        Value::Bool(_) => format!("class java.lang.Boolean can not be converted to {target}"),
        Value::Number(_) => format!("{NUMBER_CLASS} can not be converted to {target}"),
        Value::String(_) => format!("class java.lang.String can not be converted to {target}"),
        Value::Null => format!("null can not be converted to {target}"),
    })
}

/// The number as AWS (Coral's `TruncatingBigNumber`) reads it into an integer shape of `bits`
/// bits: the fraction dropped, then the low-order bits kept, as Java's `BigDecimal.intValue()`
/// and `longValue()` do (so 4294967297 is 1 as an Integer, 2147483648 is -2147483648).
/// Integers beyond 64 bits arrive as doubles; their low bits are taken from the double.
fn truncate(n: &Number, bits: u32) -> i64 {
    let wrapped: u64 = if let Some(i) = n.as_i64() {
        i as u64
    } else if let Some(u) = n.as_u64() {
        u
    } else {
        let f = n.as_f64().unwrap_or(0.0).trunc();
        if !f.is_finite() {
            return 0;
        }
        // Exact: every double this large is an integer, and `%` on doubles is exact.
        let low = (f.abs() % 18_446_744_073_709_551_616.0) as u64;
        if f < 0.0 {
            low.wrapping_neg()
        } else {
            low
        }
    };
    match bits {
        32 => i64::from(wrapped as u32 as i32),
        _ => wrapped as i64,
    }
}

/// The number as an integer, if it is one (`3` and `3.0` are, `3.5` is not).
fn integral(n: &Number) -> Option<i64> {
    n.as_i64().or_else(|| {
        let f = n.as_f64()?;
        // 2^63 is exactly representable; everything below it converts exactly.
        (f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f))
            .then_some(f as i64)
    })
}

/// Java's `Double.toString`, near enough: `1.0`, `0.5`, `1.0E10`.
fn java_double(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let a = f.abs();
    if a == 0.0 || (1e-3..1e7).contains(&a) {
        let s = format!("{f}");
        return if s.contains('.') { s } else { s + ".0" };
    }
    let s = format!("{f:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    if mantissa.contains('.') {
        format!("{mantissa}E{exp}")
    } else {
        format!("{mantissa}.0E{exp}")
    }
}

/// Why a blob's text is not base64, worded as AWS words it.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Base64Error {
    Length(usize),
    Char(char),
    LastChar,
}

impl std::fmt::Display for Base64Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Length(n) => write!(f, "Base64 encoded length is expected a multiple of 4 bytes but found: {n}"),
            Self::Char(c) => write!(f, "Invalid Base64 character: '{c}'"),
            // Sic: AWS's spelling.
            Self::LastChar => f.write_str("Invalid last non-pad Base64 character dectected"),
        }
    }
}

const INVALID: u8 = 0xff;
static BASE64: [u8; 256] = {
    let mut table = [INVALID; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The decoded length of standard, padded base64, checked without decoding. Accepts
/// exactly what `aws_smithy_types::base64::decode` accepts (padding required, unused
/// trailing bits zero), so the handlers' decoding of validated input cannot fail.
pub(super) fn base64_len(s: &str) -> Result<usize, Base64Error> {
    let bytes = s.as_bytes();
    let chars = if s.is_ascii() { bytes.len() } else { s.chars().count() };
    if chars % 4 != 0 {
        return Err(Base64Error::Length(chars));
    }
    let pad = match bytes {
        [.., b'=', b'='] => 2,
        [.., b'='] => 1,
        _ => 0,
    };
    let data = &bytes[..bytes.len() - pad];
    if let Some(i) = data.iter().position(|b| BASE64[*b as usize] == INVALID) {
        // Every byte before `i` is ASCII, so `i` is a character boundary.
        return Err(Base64Error::Char(s[i..].chars().next().unwrap_or('=')));
    }
    let last = data.last().map_or(0, |b| BASE64[*b as usize]);
    let (extra, unused_bits) = match data.len() % 4 {
        0 => (0, 0),
        2 => (1, 0x0f),
        3 => (2, 0x03),
        // Unreachable: the length is a multiple of 4 and at most 2 characters are padding.
        _ => return Err(Base64Error::Char('=')),
    };
    if last & unused_bits != 0 {
        return Err(Base64Error::LastChar);
    }
    Ok(data.len() / 4 * 3 + extra)
}
