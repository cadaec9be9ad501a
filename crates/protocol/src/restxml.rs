//! restXml answers (S3) written from an operation's typed output and the model, without an
//! intermediate document: members bound to headers become headers, the `payload` member or
//! else the other members the XML body, elements in the struct's field order (S3's order,
//! which is not the model's), lists wrapped or `flattened` as the model says, timestamps (epoch
//! seconds) as S3 writes them (`2026-03-05T07:08:09.123Z`, HTTP dates in headers). Fields the
//! model does not have are not written.

use crate::civil::civil;
use crate::model::{Model, ShapeKind, ShapeRef};
use crate::xml::escape_into;
use serde::ser::{self, Impossible, Serialize, SerializeSeq, SerializeStruct, Serializer};
use std::fmt::{self, Write as _};

/// The headers and body of an answer.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Answer {
    /// `(name, value)` of the members bound to headers, in field order.
    pub headers: Vec<(String, String)>,
    /// The XML body, if the answer has one.
    pub body: Option<String>,
}

/// The answer of operation `op` from its typed output; the body's root element is `root`
/// (restXml names it outside the botocore model) in namespace `ns`.
pub fn encode_output<T: Serialize>(model: &Model, op: &str, output: &T, root: &str, ns: &str) -> Answer {
    let Some(shape) = model.output_shape(op) else { return Answer::default() };
    let mut top = Top { shape, ns, answer: Answer::default(), inner: String::new() };
    if output.serialize(&mut top).is_err() {
        return Answer::default();
    }
    if shape.payload().is_none() && shape.has_body_members() {
        top.answer.body = Some(format!("<{root} xmlns=\"{ns}\">{}</{root}>", top.inner));
    }
    top.answer
}

/// Epoch seconds as S3 writes them in XML: ISO 8601 with milliseconds.
pub fn timestamp(secs: f64) -> String {
    let mut out = String::with_capacity(24);
    push_timestamp(&mut out, secs);
    out
}

/// [`timestamp`], appended to `out`.
fn push_timestamp(out: &mut String, secs: f64) {
    let t = civil((secs * 1000.0).round() as i64);
    push_digits(out, t.year.clamp(0, 9999) as u32, 4);
    for (sep, n, width) in [
        ('-', t.month, 2),
        ('-', t.day, 2),
        ('T', t.hour, 2),
        (':', t.minute, 2),
        (':', t.second, 2),
        ('.', t.milli, 3),
    ] {
        out.push(sep);
        push_digits(out, n, width);
    }
    out.push('Z');
}

/// `n` in decimal, zero-padded to `width` digits.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (n / 10u32.pow(place) % 10) as u8));
    }
}

/// Epoch seconds as an HTTP date (`Thu, 01 Jan 1970 00:00:00 GMT`).
pub fn http_date(secs: f64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let ms = (secs.floor() as i64).saturating_mul(1000);
    let t = civil(ms);
    let weekday = DAYS[ms.div_euclid(86_400_000).rem_euclid(7) as usize];
    let month = MONTHS[t.month as usize - 1];
    format!("{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT", t.day, t.year, t.hour, t.minute, t.second)
}

/// What an output that is not a struct of the shapes DTOs use fails with.
#[derive(Debug)]
pub struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "restXml cannot write {}", self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

fn unsupported<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(what.to_string()))
}

/// Serializer methods a writer does not take: each fails.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ok, Unsupported> { unsupported(stringify!($method)) })*
    };
}

/// Serializer methods that pass a wrapped value through (`Some`, newtype structs); enums fail.
macro_rules! wrappers {
    ($ok:ty) => {
        fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<$ok, Unsupported> {
            v.serialize(self)
        }
        fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<$ok, Unsupported> {
            v.serialize(self)
        }
        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<$ok, Unsupported> {
            unsupported("an enum")
        }
    };
}

/// The output struct: header members, the payload, the body members.
struct Top<'m, 'a> {
    shape: ShapeRef<'m>,
    ns: &'a str,
    answer: Answer,
    inner: String,
}

impl<'s, 'm, 'a> Serializer for &'s mut Top<'m, 'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Impossible<(), Unsupported>;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Impossible<(), Unsupported>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Unsupported> {
        Ok(self)
    }

    refuse! {
        serialize_bool(bool) -> (); serialize_i8(i8) -> (); serialize_i16(i16) -> (); serialize_i32(i32) -> ();
        serialize_i64(i64) -> (); serialize_u8(u8) -> (); serialize_u16(u16) -> (); serialize_u32(u32) -> ();
        serialize_u64(u64) -> (); serialize_f32(f32) -> (); serialize_f64(f64) -> (); serialize_char(char) -> ();
        serialize_str(&str) -> (); serialize_bytes(&[u8]) -> (); serialize_none() -> (); serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    wrappers!(());
}

impl SerializeStruct for &mut Top<'_, '_> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result<(), Unsupported> {
        let Some(member) = self.shape.member(key) else { return Ok(()) };
        match self.shape.binding(key) {
            Some(("header", header)) => {
                if let Some(text) = v.serialize(Text { shape: member })? {
                    self.answer.headers.push((header.to_string(), text));
                }
            }
            Some(_) => {}
            None if self.shape.payload() == Some(key) => {
                let mut body = String::new();
                let attrs = format!(" xmlns=\"{}\"", self.ns);
                v.serialize(Element { out: &mut body, tag: key, attrs: &attrs, shape: member })?;
                self.answer.body = Some(body);
            }
            None => v.serialize(Element { out: &mut self.inner, tag: key, attrs: "", shape: member })?,
        }
        Ok(())
    }

    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

/// A header member's text (`None` for a missing value); timestamps as HTTP dates.
struct Text<'m> {
    shape: ShapeRef<'m>,
}

impl Serializer for Text<'_> {
    type Ok = Option<String>;
    type Error = Unsupported;
    type SerializeSeq = Impossible<Option<String>, Unsupported>;
    type SerializeTuple = Impossible<Option<String>, Unsupported>;
    type SerializeTupleStruct = Impossible<Option<String>, Unsupported>;
    type SerializeTupleVariant = Impossible<Option<String>, Unsupported>;
    type SerializeMap = Impossible<Option<String>, Unsupported>;
    type SerializeStruct = Impossible<Option<String>, Unsupported>;
    type SerializeStructVariant = Impossible<Option<String>, Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<Option<String>, Unsupported> {
        Ok(Some(v.to_string()))
    }
    fn serialize_i64(self, v: i64) -> Result<Option<String>, Unsupported> {
        Ok(Some(v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<Option<String>, Unsupported> {
        Ok(Some(v.to_string()))
    }
    fn serialize_i32(self, v: i32) -> Result<Option<String>, Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Option<String>, Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Option<String>, Unsupported> {
        Ok(Some(match self.shape.kind() {
            ShapeKind::Timestamp => http_date(v),
            _ => v.to_string(),
        }))
    }
    fn serialize_str(self, v: &str) -> Result<Option<String>, Unsupported> {
        Ok(Some(v.to_string()))
    }
    fn serialize_none(self) -> Result<Option<String>, Unsupported> {
        Ok(None)
    }
    wrappers!(Option<String>);

    refuse! {
        serialize_i8(i8) -> Option<String>; serialize_i16(i16) -> Option<String>;
        serialize_u8(u8) -> Option<String>; serialize_u16(u16) -> Option<String>;
        serialize_f32(f32) -> Option<String>; serialize_char(char) -> Option<String>;
        serialize_bytes(&[u8]) -> Option<String>; serialize_unit() -> Option<String>;
        serialize_unit_struct(&'static str) -> Option<String>;
        serialize_unit_variant(&'static str, u32, &'static str) -> Option<String>;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// Element `tag` (with `attrs`) holding a value of `shape`; a flattened list is its items,
/// each named `tag`.
struct Element<'o, 't, 'm> {
    out: &'o mut String,
    tag: &'t str,
    attrs: &'t str,
    shape: ShapeRef<'m>,
}

impl Element<'_, '_, '_> {
    /// `<tag attrs>`, `text` escaped, `</tag>`.
    fn serialize_escaped(self, text: &str) -> Result<(), Unsupported> {
        open(self.out, self.tag, self.attrs);
        escape_into(self.out, text);
        close(self.out, self.tag);
        Ok(())
    }

    /// `<tag attrs>value</tag>` of a value whose text needs no escaping.
    fn plain(self, v: impl fmt::Display) -> Result<(), Unsupported> {
        open(self.out, self.tag, self.attrs);
        let _ = write!(self.out, "{v}");
        close(self.out, self.tag);
        Ok(())
    }
}

impl<'o, 't, 'm: 't> Serializer for Element<'o, 't, 'm> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Items<'o, 't, 'm>;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Impossible<(), Unsupported>;
    type SerializeStruct = Fields<'o, 't, 'm>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.plain(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.plain(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.plain(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.serialize_i64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.serialize_u64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        if self.shape.kind() != ShapeKind::Timestamp {
            return self.plain(v);
        }
        open(self.out, self.tag, self.attrs);
        push_timestamp(self.out, v);
        close(self.out, self.tag);
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.serialize_escaped(v)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        Ok(())
    }
    wrappers!(());

    fn serialize_seq(self, _len: Option<usize>) -> Result<Items<'o, 't, 'm>, Unsupported> {
        let Some(item) = self.shape.list_member() else { return unsupported("a list outside a list shape") };
        let flattened = self.shape.flattened();
        if !flattened {
            open(self.out, self.tag, self.attrs);
        }
        let item_tag = if flattened { self.tag } else { self.shape.item_name() };
        Ok(Items { out: self.out, tag: self.tag, item_tag, attrs: self.attrs, item, flattened })
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Fields<'o, 't, 'm>, Unsupported> {
        open(self.out, self.tag, self.attrs);
        Ok(Fields { out: self.out, tag: self.tag, shape: self.shape })
    }

    refuse! {
        serialize_i8(i8) -> (); serialize_i16(i16) -> (); serialize_u8(u8) -> (); serialize_u16(u16) -> ();
        serialize_f32(f32) -> (); serialize_char(char) -> (); serialize_bytes(&[u8]) -> ();
        serialize_unit() -> (); serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// `<tag attrs>`.
fn open(out: &mut String, tag: &str, attrs: &str) {
    out.push('<');
    out.push_str(tag);
    out.push_str(attrs);
    out.push('>');
}

/// `</tag>`.
fn close(out: &mut String, tag: &str) {
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// The items of a list: each an element, inside the list's element unless flattened.
struct Items<'o, 't, 'm> {
    out: &'o mut String,
    tag: &'t str,
    item_tag: &'t str,
    attrs: &'t str,
    item: ShapeRef<'m>,
    flattened: bool,
}

impl<'t, 'm: 't> SerializeSeq for Items<'_, 't, 'm> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Unsupported> {
        let attrs = if self.flattened { self.attrs } else { "" };
        v.serialize(Element { out: self.out, tag: self.item_tag, attrs, shape: self.item })
    }

    fn end(self) -> Result<(), Unsupported> {
        if !self.flattened {
            close(self.out, self.tag);
        }
        Ok(())
    }
}

/// The members of a structure, each an element named as its key (fields the model does not
/// have are left out).
struct Fields<'o, 't, 'm> {
    out: &'o mut String,
    tag: &'t str,
    shape: ShapeRef<'m>,
}

impl<'t, 'm: 't> SerializeStruct for Fields<'_, 't, 'm> {
    type Ok = ();
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result<(), Unsupported> {
        match self.shape.member(key) {
            Some(member) => v.serialize(Element { out: self.out, tag: key, attrs: "", shape: member }),
            None => Ok(()),
        }
    }

    fn end(self) -> Result<(), Unsupported> {
        close(self.out, self.tag);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::s3;
    use crate::s3::types::*;

    #[test]
    fn headers_payloads_and_lists_as_the_model_binds_them() {
        let copied = CopyObjectOutput {
            copy_object_result: CopyResult { last_modified: 1.5, e_tag: "\"e\"".into() },
            copy_source_version_id: Some("s".into()),
            version_id: None,
        };
        let a = encode_output(s3(), "CopyObject", &copied, "unused", "ns");
        assert_eq!(a.headers, [("x-amz-copy-source-version-id".to_string(), "s".to_string())]);
        assert_eq!(
            a.body.as_deref(),
            Some("<CopyObjectResult xmlns=\"ns\"><LastModified>1970-01-01T00:00:01.500Z</LastModified><ETag>&quot;e&quot;</ETag></CopyObjectResult>")
        );
        let quiet = DeleteObjectsOutput { deleted: vec![], errors: vec![] };
        let a = encode_output(s3(), "DeleteObjects", &quiet, "DeleteResult", "ns");
        assert_eq!(a.body.as_deref(), Some("<DeleteResult xmlns=\"ns\"></DeleteResult>"));
        let owner = Owner::of("a");
        let buckets = ListBucketsOutput {
            owner,
            buckets: vec![Bucket { name: "b<".into(), creation_date: 0.0, bucket_region: "r".into() }],
        };
        let a = encode_output(s3(), "ListBuckets", &buckets, "L", "ns");
        assert_eq!(
            a.body.as_deref(),
            Some("<L xmlns=\"ns\"><Owner><ID>a</ID><DisplayName>a</DisplayName></Owner><Buckets><Bucket><Name>b&lt;</Name><CreationDate>1970-01-01T00:00:00.000Z</CreationDate><BucketRegion>r</BucketRegion></Bucket></Buckets></L>")
        );
        let put = PutObjectOutput { e_tag: "\"e\"".into(), version_id: Some("v".into()) };
        let a = encode_output(s3(), "PutObject", &put, "unused", "ns");
        assert_eq!(a.body, None);
        assert_eq!(a.headers, [("ETag".to_string(), "\"e\"".to_string()), ("x-amz-version-id".into(), "v".into())]);
    }

    #[test]
    fn dates() {
        assert_eq!(timestamp(1_772_694_489.123), "2026-03-05T07:08:09.123Z");
        assert_eq!(timestamp(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(http_date(0.0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_772_694_489.9), "Thu, 05 Mar 2026 07:08:09 GMT");
    }
}
