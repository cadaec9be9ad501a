//! The dynamic values of pipe parameters: a JSONPath (`$.partitionKey`, `$.data.truck_id`,
//! `$.items[0].id`, `$['odd key']`) evaluated on the event, and InputTemplate placeholders
//! (`<$.data.x>`, `<aws.pipes.event.json>`).

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Whether a parameter value is a JSONPath rather than a literal.
pub fn is_path(s: &str) -> bool {
    s == "$" || s.starts_with("$.") || s.starts_with("$[")
}

fn parse(path: &str) -> Option<Vec<Step>> {
    let mut rest = path.strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            steps.push(Step::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']')?;
            let inner = r[..close].trim();
            let quoted = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            match quoted {
                Some(k) => steps.push(Step::Key(k.to_string())),
                None => steps.push(Step::Index(inner.parse().ok()?)),
            }
            rest = &r[close + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

/// The value at `path` in `doc`, if the path is well-formed and leads somewhere.
pub fn eval<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = doc;
    for step in parse(path)? {
        v = match step {
            Step::Key(k) => v.get(k.as_str())?,
            Step::Index(i) => v.get(i)?,
        };
    }
    Some(v)
}

/// A value as parameter text: strings as they are, numbers and booleans printed, objects
/// and arrays as JSON; `null` is no value.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A parameter: a JSONPath evaluated on `doc`, or the literal itself.
pub fn resolve(param: &str, doc: &Value) -> Option<String> {
    if is_path(param) {
        eval(doc, param).and_then(text)
    } else {
        Some(param.to_string())
    }
}

/// Fills an InputTemplate: `<$.path>` becomes the value's text (strings unquoted, so a
/// template writes `"<$.data.id>"` to get a JSON string), `<aws.pipes.event.json>` the whole
/// event as JSON. A path that leads nowhere becomes `null` outside quotes and nothing inside.
pub fn fill_template(template: &str, event: &Value, event_json: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else { break };
        let inner = &rest[start + 1..start + len];
        out.push_str(&rest[..start]);
        let quoted = out.ends_with('"');
        let replacement = if inner == "aws.pipes.event.json" || inner == "aws.pipes.event" {
            Some(event_json.to_string())
        } else if is_path(inner) {
            Some(match eval(event, inner) {
                Some(Value::String(s)) if quoted => {
                    let escaped = Value::String(s.clone()).to_string();
                    escaped[1..escaped.len() - 1].to_string()
                }
                Some(v) => text(v).unwrap_or_else(|| "null".into()),
                None if quoted => String::new(),
                None => "null".into(),
            })
        } else {
            None
        };
        match replacement {
            Some(r) => out.push_str(&r),
            None => out.push_str(&rest[start..=start + len]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths() {
        let doc = json!({"partitionKey": "truck-007", "data": {"truck_id": 7, "pos": [{"lat": 1.5}]}, "a b": "x"});
        assert_eq!(resolve("$.partitionKey", &doc).as_deref(), Some("truck-007"));
        assert_eq!(resolve("$.data.truck_id", &doc).as_deref(), Some("7"));
        assert_eq!(resolve("$.data.pos[0].lat", &doc).as_deref(), Some("1.5"));
        assert_eq!(resolve("$['a b']", &doc).as_deref(), Some("x"));
        assert_eq!(resolve("$.missing", &doc), None);
        assert_eq!(resolve("group-1", &doc).as_deref(), Some("group-1"));
        assert_eq!(eval(&doc, "$..x"), None);
    }

    #[test]
    fn templates() {
        let doc = json!({"partitionKey": "k\"1", "data": {"n": 3, "o": {"a": 1}}});
        let t = r#"{"key": "<$.partitionKey>", "n": <$.data.n>, "o": <$.data.o>, "m": <$.nope>, "keep": "<b>"}"#;
        let out = fill_template(t, &doc, "{}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v, json!({"key": "k\"1", "n": 3, "o": {"a": 1}, "m": null, "keep": "<b>"}));
        assert_eq!(fill_template("<aws.pipes.event.json>", &doc, "{\"e\":1}"), "{\"e\":1}");
    }
}
