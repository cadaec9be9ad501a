//! Holding an answer to its model: whether a serialized output document has only the
//! members, kinds and enum values its output shape allows, and every required member. The
//! services' typed output DTOs are checked with it in their tests, so a misspelled member or
//! a value of the wrong kind fails a test instead of reaching a client.

use super::{Kind, Model, ShapeId};
use serde_json::Value;

impl Model {
    /// Checks `doc`, a JSON-serialized output of `op`, against the operation's output shape;
    /// an operation without output must answer nothing (`null`) or `{}`. The error names the first mismatch by
    /// its path (`DescribePipe.Tags.k`).
    pub fn check_output(&self, op: &str, doc: &Value) -> Result<(), String> {
        match self.operations.get(op) {
            None => Err(format!("{op} is not an operation of the model")),
            Some(o) => match o.output {
                Some(id) => self.conforms(id, doc, op),
                // An empty body (`()` serializes as `null`) or `{}`.
                None if doc.is_null() || doc.as_object().is_some_and(|m| m.is_empty()) => Ok(()),
                None => Err(format!("{op} has no output in the model but answered {doc}")),
            },
        }
    }

    fn conforms(&self, id: ShapeId, v: &Value, path: &str) -> Result<(), String> {
        let shape = &self.shapes[id as usize];
        let kind_ok = match &shape.kind {
            Kind::Structure(members) => {
                let Some(fields) = v.as_object() else { return Err(format!("{path}: {v} is not a structure")) };
                for (key, value) in fields {
                    let m = members.iter().find(|m| &*m.wire == key);
                    let m = m.ok_or_else(|| format!("{path}: {key} is not a member of {}", shape.name))?;
                    self.conforms(m.shape, value, &format!("{path}.{key}"))?;
                }
                if let Some(m) = members.iter().find(|m| m.required && !fields.contains_key(&*m.wire)) {
                    return Err(format!("{path}: required member {} is missing", m.wire));
                }
                true
            }
            // `null`: a list the query protocol writes empty and self-closed (`<Name/>`).
            Kind::List(_) if v.is_null() => true,
            Kind::List(member) => {
                let Some(items) = v.as_array() else { return Err(format!("{path}: {v} is not a list")) };
                for (i, item) in items.iter().enumerate() {
                    self.conforms(*member, item, &format!("{path}[{i}]"))?;
                }
                true
            }
            Kind::Map { value, .. } => {
                let Some(entries) = v.as_object() else { return Err(format!("{path}: {v} is not a map")) };
                for (key, item) in entries {
                    self.conforms(*value, item, &format!("{path}.{key}"))?;
                }
                true
            }
            Kind::String | Kind::Blob => v.is_string(),
            Kind::Integer | Kind::Long => v.is_i64() || v.is_u64(),
            Kind::Float | Kind::Timestamp => v.is_number(),
            Kind::Boolean => v.is_boolean(),
            Kind::Any => true,
        };
        if !kind_ok {
            return Err(format!("{path}: {v} is not of shape {}", shape.name));
        }
        match (&shape.enumeration, v.as_str()) {
            (Some(e), Some(s)) if !e.values.iter().any(|x| &**x == s) => {
                Err(format!("{path}: {s} is not a value of {}", shape.name))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{kinesis, pipes};
    use serde_json::json;

    #[test]
    fn answers_are_held_to_their_output_shape() {
        let m = kinesis();
        let ok = json!({"StreamNames": ["a"], "HasMoreStreams": false});
        assert_eq!(m.check_output("ListStreams", &ok), Ok(()));
        let misspelled = json!({"StreamNames": ["a"], "HasMoreStream": false});
        assert!(m.check_output("ListStreams", &misspelled).unwrap_err().contains("HasMoreStream is not a member"));
        let missing = json!({"StreamNames": ["a"]});
        assert!(m.check_output("ListStreams", &missing).unwrap_err().contains("HasMoreStreams is missing"));
        let kind = json!({"StreamNames": [1], "HasMoreStreams": false});
        assert!(m.check_output("ListStreams", &kind).unwrap_err().starts_with("ListStreams.StreamNames[0]"));
        assert_eq!(m.check_output("DeleteStream", &json!({})), Ok(()));
        assert_eq!(m.check_output("DeleteStream", &json!(null)), Ok(()));
        assert!(m.check_output("DeleteStream", &json!({"A": 1})).is_err());
        assert!(m.check_output("Nope", &json!({})).is_err());
        let bad_enum = json!({"Arn": "a", "Name": "p", "CurrentState": "RUNING"});
        assert!(pipes().check_output("StartPipe", &bad_enum).unwrap_err().contains("RUNING is not a value"));
    }
}
