//! Read-only walking of a model's shapes: an operation's input and output structures, their
//! members, list members and map values. Wire formats that need more than the JSON document
//! (CBOR's byte strings and tagged timestamps) use it to know what each value is.

use super::{Kind, Model, Shape, ShapeId};

/// What a shape is, as far as a wire format cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    /// `structure` or `union`: members by name.
    Structure,
    /// `list`.
    List,
    /// `map` (string keys).
    Map,
    /// `string` (enums included).
    String,
    /// `integer`, `short`, `byte`.
    Integer,
    /// `long`, `bigInteger`.
    Long,
    /// `float`, `double`, `bigDecimal`.
    Float,
    /// `boolean`.
    Boolean,
    /// `timestamp`.
    Timestamp,
    /// `blob`.
    Blob,
    /// `document` or anything unknown.
    Any,
}

/// A shape of a [`Model`], to walk from.
#[derive(Clone, Copy)]
pub struct ShapeRef<'m> {
    model: &'m Model,
    id: ShapeId,
}

impl std::fmt::Debug for ShapeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShapeRef({})", self.name())
    }
}

impl Model {
    /// The input structure of an operation (`None` for an unknown operation or one without input).
    pub fn input_shape(&self, op: &str) -> Option<ShapeRef<'_>> {
        let id = self.operations.get(op)?.input?;
        Some(ShapeRef { model: self, id })
    }

    /// The output structure of an operation (`None` for an unknown operation or one without output).
    pub fn output_shape(&self, op: &str) -> Option<ShapeRef<'_>> {
        let id = self.operations.get(op)?.output?;
        Some(ShapeRef { model: self, id })
    }

    /// A shape by its model name (e.g. `Record`).
    pub fn shape(&self, name: &str) -> Option<ShapeRef<'_>> {
        let i = self.shapes.iter().position(|s| &*s.name == name)?;
        Some(ShapeRef { model: self, id: i as ShapeId })
    }
}

impl<'m> ShapeRef<'m> {
    fn shape(&self) -> &'m Shape {
        &self.model.shapes[self.id as usize]
    }

    fn at(&self, id: ShapeId) -> ShapeRef<'m> {
        ShapeRef { model: self.model, id }
    }

    /// The shape's name in the model.
    pub fn name(&self) -> &'m str {
        &self.shape().name
    }

    /// What the shape is.
    pub fn kind(&self) -> ShapeKind {
        match self.shape().kind {
            Kind::Structure(_) => ShapeKind::Structure,
            Kind::List(_) => ShapeKind::List,
            Kind::Map { .. } => ShapeKind::Map,
            Kind::String => ShapeKind::String,
            Kind::Integer => ShapeKind::Integer,
            Kind::Long => ShapeKind::Long,
            Kind::Float => ShapeKind::Float,
            Kind::Boolean => ShapeKind::Boolean,
            Kind::Timestamp => ShapeKind::Timestamp,
            Kind::Blob => ShapeKind::Blob,
            Kind::Any => ShapeKind::Any,
        }
    }

    /// The shape of a structure's member, by its key in the body (`None` if the shape is not
    /// a structure or has no such member).
    pub fn member(&self, wire_name: &str) -> Option<ShapeRef<'m>> {
        match &self.shape().kind {
            Kind::Structure(members) => members.iter().find(|m| &*m.wire == wire_name).map(|m| self.at(m.shape)),
            _ => None,
        }
    }

    /// A structure's members: `(key in the body, shape)`, in no particular order.
    pub fn members(&self) -> impl Iterator<Item = (&'m str, ShapeRef<'m>)> + 'm {
        let this = *self;
        let members: &'m [super::Member] = match &self.shape().kind {
            Kind::Structure(members) => members,
            _ => &[],
        };
        members.iter().map(move |m| (&*m.wire, this.at(m.shape)))
    }

    /// Where a REST protocol binds a structure's member, by its key in the body: `(location,
    /// name)` such as `("header", "x-amz-version-id")`; `None` for a body member.
    pub fn binding(&self, wire_name: &str) -> Option<(&'m str, &'m str)> {
        match &self.shape().kind {
            Kind::Structure(members) => {
                let b = members.iter().find(|m| &*m.wire == wire_name)?.binding.as_deref()?;
                Some((&*b.0, &*b.1))
            }
            _ => None,
        }
    }

    /// Whether a structure has members that a REST protocol writes in the body (members not
    /// bound to the URI, query string or headers).
    pub fn has_body_members(&self) -> bool {
        match &self.shape().kind {
            Kind::Structure(members) => members.iter().any(|m| m.binding.is_none()),
            _ => false,
        }
    }

    /// Whether a list is written as repeated elements without a wrapper (restXml).
    pub fn flattened(&self) -> bool {
        self.shape().xml.as_ref().is_some_and(|x| x.flattened)
    }

    /// The element name of a list's items (restXml; `member` when the model names none).
    pub fn item_name(&self) -> &'m str {
        self.shape().xml.as_ref().and_then(|x| x.item_name.as_deref()).unwrap_or("member")
    }

    /// The member of a structure that is the whole body (restXml's `payload`).
    pub fn payload(&self) -> Option<&'m str> {
        self.shape().xml.as_ref()?.payload.as_deref()
    }

    /// A list's member shape.
    pub fn list_member(&self) -> Option<ShapeRef<'m>> {
        match self.shape().kind {
            Kind::List(member) => Some(self.at(member)),
            _ => None,
        }
    }

    /// A map's value shape.
    pub fn map_value(&self) -> Option<ShapeRef<'m>> {
        match self.shape().kind {
            Kind::Map { value, .. } => Some(self.at(value)),
            _ => None,
        }
    }

    /// A map's key shape.
    pub fn map_key(&self) -> Option<ShapeRef<'m>> {
        match self.shape().kind {
            Kind::Map { key, .. } => Some(self.at(key)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinesis;

    #[test]
    fn walks_kinesis_shapes() {
        let m = kinesis();
        let out = m.output_shape("GetRecords").unwrap();
        assert_eq!(out.kind(), ShapeKind::Structure);
        let record = out.member("Records").unwrap().list_member().unwrap();
        assert_eq!(record.name(), "Record");
        assert_eq!(record.member("Data").unwrap().kind(), ShapeKind::Blob);
        assert_eq!(record.member("ApproximateArrivalTimestamp").unwrap().kind(), ShapeKind::Timestamp);
        assert!(record.member("Nope").is_none());
        assert_eq!(record.members().count(), 5);
        let input = m.input_shape("PutRecords").unwrap();
        let entry = input.member("Records").unwrap().list_member().unwrap();
        assert_eq!(entry.member("Data").unwrap().kind(), ShapeKind::Blob);
        let tags = m.input_shape("AddTagsToStream").unwrap().member("Tags").unwrap();
        assert_eq!(tags.kind(), ShapeKind::Map);
        assert_eq!(tags.map_value().unwrap().kind(), ShapeKind::String);
        assert_eq!(tags.map_key().unwrap().kind(), ShapeKind::String);
        assert!(m.output_shape("DeleteStream").is_none());
        assert!(m.input_shape("Nope").is_none());
        assert_eq!(m.shape("Timestamp").unwrap().kind(), ShapeKind::Timestamp);
    }
}
