//! GetObject and HeadObject: the current version of a key or a named one, whole, a byte
//! range or one part, in one store call; a delete marker is answered as what it is.

use super::versions::{self, Found, Marker};
use super::{get_object, head_object, ObjectMeta, RangeAsked, S3Error};
use crate::db::Engine;
use crate::Ctx;
use kinesin_protocol::s3::range::{self, ByteRange};
use kinesin_protocol::s3::requests::GetObjectRequest;
use serde::Serialize;

/// A GetObject or HeadObject request, its `Range` parsed.
struct ReadObject {
    bucket: String,
    key: String,
    version: Option<String>,
    /// `Range` (none when a part is asked).
    range: Option<ByteRange>,
    /// `partNumber` (1-based).
    part: Option<u64>,
}

impl ReadObject {
    /// The request, its `Range` parsed unless a part is asked (a malformed one is
    /// InvalidRange, an unknown unit ignored).
    fn of(r: GetObjectRequest) -> Result<Self, S3Error> {
        let part = r.part_number.map(|n| n.max(0) as u64);
        let range = match (part, r.range.as_deref()) {
            (None, Some(h)) => range::parse(h)?,
            _ => None,
        };
        Ok(ReadObject { bucket: r.bucket, key: r.key, version: r.version_id, range, part })
    }
}

/// What a read found.
#[derive(Debug, Clone, Serialize)]
pub enum Read {
    /// An object version.
    Object(Object),
    /// A delete marker: the current version (`named: false`) or the version asked.
    Marker {
        /// The marker.
        marker: Marker,
        /// Whether the request named its version id.
        named: bool,
    },
}

/// An object read.
#[derive(Debug, Clone, Serialize)]
pub struct Object {
    /// Its metadata.
    pub meta: ObjectMeta,
    /// The bytes served (none for HeadObject).
    pub data: Vec<u8>,
    /// The span served `(start, exclusive end)` when not the whole object.
    pub span: Option<(u64, u64)>,
    /// Whether a part was asked.
    pub part: bool,
}

/// GetObject.
pub fn get(eng: &mut Engine, ctx: &Ctx, r: GetObjectRequest) -> Result<Read, S3Error> {
    let r = ReadObject::of(r)?;
    if let (None, Some(range)) = (&r.version, plain_range(&r)) {
        return match get_object(eng, ctx, (r.bucket.clone(), r.key.clone(), range)) {
            Ok((meta, data, span)) => Ok(Read::Object(Object { meta, data, span, part: false })),
            Err(e) => Ok(Read::Marker { marker: current_marker_or(eng, ctx, &r, e)?, named: false }),
        };
    }
    let meta = match meta_of(eng, ctx, &r)? {
        Found::Object(m) => m,
        Found::Marker(marker) => return Ok(Read::Marker { marker, named: r.version.is_some() }),
    };
    let range = range_of(&meta, &r)?;
    let found = match r.version {
        None => Found::Object(get_object(eng, ctx, (r.bucket, r.key, range))?),
        Some(v) => versions::get(eng, ctx, (r.bucket, r.key, v, range))?,
    };
    Ok(match found {
        Found::Object((meta, data, span)) => Read::Object(Object { meta, data, span, part: r.part.is_some() }),
        Found::Marker(marker) => Read::Marker { marker, named: true },
    })
}

/// HeadObject: the metadata, with the span of the part asked (a `Range` is checked, not
/// served).
pub fn head(eng: &mut Engine, ctx: &Ctx, r: GetObjectRequest) -> Result<Read, S3Error> {
    let r = ReadObject::of(r)?;
    let meta = match meta_of(eng, ctx, &r)? {
        Found::Object(m) => m,
        Found::Marker(marker) => return Ok(Read::Marker { marker, named: r.version.is_some() }),
    };
    let range = range_of(&meta, &r)?;
    let span = range.filter(|_| r.part.is_some()).and_then(|(first, last)| Some((first, last? + 1)));
    Ok(Read::Object(Object { meta, data: Vec::new(), span, part: r.part.is_some() }))
}

/// The range asked when it needs no metadata to resolve (no part, no suffix): `Some(None)`
/// for the whole object.
fn plain_range(r: &ReadObject) -> Option<RangeAsked> {
    match (r.part, r.range) {
        (None, None) => Some(None),
        (None, Some(ByteRange::From(first, last))) => Some(Some((first, last))),
        _ => None,
    }
}

/// The bytes asked: those of the part, or of the range (a suffix bounded by the size).
fn range_of(meta: &ObjectMeta, r: &ReadObject) -> Result<RangeAsked, S3Error> {
    Ok(match (r.part, r.range) {
        (Some(n), _) => {
            let (first, last) = meta.part_span(n)?;
            Some((first, Some(last)))
        }
        (None, Some(ByteRange::From(first, last))) => Some((first, last)),
        (None, Some(suffix)) => Some(suffix.bounds(meta.size as u64)?),
        (None, None) => None,
    })
}

/// The metadata of the version asked, or the delete marker that answers for it.
fn meta_of(eng: &mut Engine, ctx: &Ctx, r: &ReadObject) -> Result<Found<ObjectMeta>, S3Error> {
    match &r.version {
        Some(v) => versions::head(eng, ctx, (r.bucket.clone(), r.key.clone(), v.clone())),
        None => match head_object(eng, ctx, (r.bucket.clone(), r.key.clone())) {
            Ok(m) => Ok(Found::Object(m)),
            Err(e) => Ok(Found::Marker(current_marker_or(eng, ctx, r, e)?)),
        },
    }
}

/// A read of the current version failed with `e`: the delete marker that is the key's
/// current version when `e` is NoSuchKey and there is one, else `e`.
fn current_marker_or(eng: &mut Engine, ctx: &Ctx, r: &ReadObject, e: S3Error) -> Result<Marker, S3Error> {
    if e.code != "NoSuchKey" {
        return Err(e);
    }
    versions::current_marker(eng, ctx, (r.bucket.clone(), r.key.clone()))?.ok_or(e)
}
