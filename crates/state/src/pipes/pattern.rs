//! EventBridge event patterns, as Pipes applies them in `FilterCriteria`: a pattern is a JSON
//! object whose leaves are arrays of matchers (literal values, `prefix`, `suffix`,
//! `equals-ignore-case`, `wildcard`, `anything-but`, `numeric`, `exists`, `cidr`) and whose
//! `$or` member lists alternative patterns. A field matches when any of its matchers matches
//! (any element, for an array in the event); a pattern matches when every field does.
//!
//! Invalid patterns are rejected with EventBridge's reason texts where they are known
//! (`"<key>" must be an object or an array`, `Invalid JSON`); the rest are ours.

use serde_json::{Map, Value};
use std::net::IpAddr;

/// A parsed pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// Fields that must all match.
    fields: Vec<(String, Node)>,
    /// Alternatives: at least one must match (each `$or` member is one list).
    any_of: Vec<Vec<Pattern>>,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Object(Pattern),
    Leaf(Vec<Matcher>),
}

#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    /// A literal string, number, boolean or null.
    Exact(Value),
    Prefix(String, bool),
    Suffix(String, bool),
    IgnoreCase(String),
    Wildcard(String),
    /// `anything-but` of the inner matchers.
    AnythingBut(Vec<Matcher>),
    Numeric(Vec<(String, f64)>),
    Exists(bool),
    Cidr(IpAddr, u8),
}

/// Parses a pattern's JSON text; `Err` carries the reason.
pub fn parse(text: &str) -> Result<Pattern, String> {
    let v: Value = serde_json::from_str(text).map_err(|_| "Invalid JSON".to_string())?;
    match v {
        Value::Object(m) => object(&m),
        _ => Err("Filter is not an object".into()),
    }
}

fn object(m: &Map<String, Value>) -> Result<Pattern, String> {
    let mut p = Pattern { fields: Vec::new(), any_of: Vec::new() };
    for (k, v) in m {
        if k == "$or" {
            let alts = v.as_array().filter(|a| a.len() >= 2).ok_or("$or must be an array of at least 2 patterns")?;
            let alts = alts
                .iter()
                .map(|a| a.as_object().ok_or_else(|| "$or members must be objects".to_string()).and_then(object))
                .collect::<Result<Vec<_>, _>>()?;
            p.any_of.push(alts);
            continue;
        }
        let node = match v {
            Value::Object(inner) => Node::Object(object(inner)?),
            Value::Array(items) => {
                if items.is_empty() {
                    return Err(format!("Empty arrays are not allowed for \"{k}\""));
                }
                Node::Leaf(items.iter().map(|i| matcher(k, i)).collect::<Result<_, _>>()?)
            }
            _ => return Err(format!("\"{k}\" must be an object or an array")),
        };
        p.fields.push((k.clone(), node));
    }
    Ok(p)
}

fn string_of(key: &str, op: &str, v: &Value) -> Result<String, String> {
    v.as_str().map(str::to_string).ok_or_else(|| format!("{op} match pattern for \"{key}\" must be a string"))
}

fn matcher(key: &str, v: &Value) -> Result<Matcher, String> {
    let Value::Object(m) = v else {
        return match v {
            Value::Array(_) => {
                Err(format!("Match value for \"{key}\" must be a string, number, boolean, null or object"))
            }
            other => Ok(Matcher::Exact(other.clone())),
        };
    };
    if m.len() != 1 {
        return Err(format!("Match object for \"{key}\" must have exactly one member"));
    }
    let (op, arg) = m.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", &Value::Null));
    Ok(match op {
        "prefix" | "suffix" => {
            let (s, ci) = match arg {
                Value::Object(o) if o.len() == 1 && o.contains_key("equals-ignore-case") => {
                    (string_of(key, op, &o["equals-ignore-case"])?, true)
                }
                other => (string_of(key, op, other)?, false),
            };
            if op == "prefix" {
                Matcher::Prefix(s, ci)
            } else {
                Matcher::Suffix(s, ci)
            }
        }
        "equals-ignore-case" => Matcher::IgnoreCase(string_of(key, op, arg)?),
        "wildcard" => {
            let w = string_of(key, op, arg)?;
            if w.contains("**") {
                return Err("Consecutive wildcard characters at pos 1".into());
            }
            Matcher::Wildcard(w)
        }
        "exists" => Matcher::Exists(
            arg.as_bool().ok_or_else(|| format!("exists match pattern must be either true or false for \"{key}\""))?,
        ),
        "numeric" => Matcher::Numeric(numeric(key, arg)?),
        "cidr" => cidr(&string_of(key, op, arg)?).ok_or_else(|| format!("Malformed CIDR for \"{key}\""))?,
        "anything-but" => Matcher::AnythingBut(match arg {
            Value::Array(items) if !items.is_empty() && items.iter().all(|i| i.is_string() || i.is_number()) => {
                items.iter().cloned().map(Matcher::Exact).collect()
            }
            Value::Array(_) => {
                return Err(format!("Inside anything-but list for \"{key}\", only strings and numbers are allowed"))
            }
            Value::Object(o) if o.len() == 1 => {
                let (iop, iarg) = o.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", &Value::Null));
                match (iop, iarg) {
                    ("prefix", s) => vec![Matcher::Prefix(string_of(key, iop, s)?, false)],
                    ("suffix", s) => vec![Matcher::Suffix(string_of(key, iop, s)?, false)],
                    ("wildcard", Value::Array(a)) => {
                        a.iter().map(|s| string_of(key, iop, s).map(Matcher::Wildcard)).collect::<Result<_, _>>()?
                    }
                    ("wildcard", s) => vec![Matcher::Wildcard(string_of(key, iop, s)?)],
                    ("equals-ignore-case", Value::Array(a)) => {
                        a.iter().map(|s| string_of(key, iop, s).map(Matcher::IgnoreCase)).collect::<Result<_, _>>()?
                    }
                    ("equals-ignore-case", s) => vec![Matcher::IgnoreCase(string_of(key, iop, s)?)],
                    _ => return Err(format!("Unsupported anything-but pattern for \"{key}\": {iop}")),
                }
            }
            Value::String(_) | Value::Number(_) | Value::Bool(_) => vec![Matcher::Exact(arg.clone())],
            _ => {
                return Err(format!(
                    "Value of anything-but must be an array or single string/number value for \"{key}\""
                ))
            }
        }),
        other => return Err(format!("Unrecognized match type {other}")),
    })
}

fn numeric(key: &str, arg: &Value) -> Result<Vec<(String, f64)>, String> {
    let bad = || format!("Value of numeric match for \"{key}\" must be an array of operator, number pairs");
    let items = arg.as_array().ok_or_else(bad)?;
    if items.is_empty() || items.len() % 2 != 0 || items.len() > 4 {
        return Err(bad());
    }
    let mut out = Vec::new();
    for pair in items.chunks(2) {
        let op = pair[0].as_str().ok_or_else(bad)?;
        if !matches!(op, "=" | "<" | "<=" | ">" | ">=") {
            return Err(format!("Unrecognized numeric range operator: {op}"));
        }
        let n = pair[1].as_f64().ok_or_else(bad)?;
        out.push((op.to_string(), n));
    }
    if out.len() == 2 {
        let lower = matches!(out[0].0.as_str(), ">" | ">=");
        let upper = matches!(out[1].0.as_str(), "<" | "<=");
        if !lower || !upper || out[0].1 >= out[1].1 {
            return Err(format!(
                "Bad numeric range for \"{key}\": a lower bound (> or >=) then a greater upper bound (< or <=)"
            ));
        }
    }
    Ok(out)
}

fn cidr(s: &str) -> Option<Matcher> {
    let (ip, bits) = s.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some(Matcher::Cidr(ip, bits))
}

impl Pattern {
    /// Whether `event` matches.
    pub fn matches(&self, event: &Value) -> bool {
        self.fields.iter().all(|(k, node)| field(node, event.get(k.as_str())))
            && self.any_of.iter().all(|alts| alts.iter().any(|p| p.matches(event)))
    }
}

fn field(node: &Node, value: Option<&Value>) -> bool {
    match node {
        Node::Object(p) => match value {
            Some(Value::Array(items)) => items.iter().any(|i| p.matches(i)),
            Some(v) => p.matches(v),
            None => p.matches(&Value::Null),
        },
        Node::Leaf(ms) => ms.iter().any(|m| leaf(m, value)),
    }
}

fn leaf(m: &Matcher, value: Option<&Value>) -> bool {
    // Objects are not leaves: `exists` and the rest see nothing there.
    let value = value.filter(|v| !v.is_object());
    match (m, value) {
        (Matcher::Exists(want), v) => *want == v.is_some_and(|v| !matches!(v, Value::Array(a) if a.is_empty())),
        (_, None) => false,
        (_, Some(Value::Array(items))) => items.iter().any(|i| one(m, i)),
        (_, Some(v)) => one(m, v),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn one(m: &Matcher, v: &Value) -> bool {
    let s = v.as_str();
    match m {
        Matcher::Exact(x) => same(x, v),
        Matcher::Prefix(p, false) => s.is_some_and(|s| s.starts_with(p.as_str())),
        Matcher::Prefix(p, true) => s.is_some_and(|s| s.to_lowercase().starts_with(&p.to_lowercase())),
        Matcher::Suffix(p, false) => s.is_some_and(|s| s.ends_with(p.as_str())),
        Matcher::Suffix(p, true) => s.is_some_and(|s| s.to_lowercase().ends_with(&p.to_lowercase())),
        Matcher::IgnoreCase(p) => s.is_some_and(|s| s.to_lowercase() == p.to_lowercase()),
        Matcher::Wildcard(w) => s.is_some_and(|s| wildcard(w, s)),
        Matcher::AnythingBut(inner) => !inner.iter().any(|i| one(i, v)),
        Matcher::Numeric(conds) => v.as_f64().is_some_and(|n| {
            conds.iter().all(|(op, x)| match op.as_str() {
                "=" => n == *x,
                "<" => n < *x,
                "<=" => n <= *x,
                ">" => n > *x,
                _ => n >= *x,
            })
        }),
        Matcher::Exists(_) => true,
        Matcher::Cidr(net, bits) => s.and_then(|s| s.parse::<IpAddr>().ok()).is_some_and(|ip| in_net(*net, *bits, ip)),
    }
}

fn in_net(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    let (a, b, width) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
        _ => return false,
    };
    let shift = width - u32::from(bits);
    shift >= width || (a >> shift) == (b >> shift)
}

/// `*` matches any run of characters, `\*` a star and `\\` a backslash.
fn wildcard(pattern: &str, s: &str) -> bool {
    let mut parts: Vec<String> = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(last)) = (chars.next(), parts.last_mut()) {
                    last.push(n);
                }
            }
            '*' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    if parts.len() == 1 {
        return parts[0] == s;
    }
    let (first, last) = (&parts[0], &parts[parts.len() - 1]);
    if !s.starts_with(first.as_str()) || s.len() < first.len() + last.len() || !s.ends_with(last.as_str()) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid.as_str()) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(pattern: Value, event: Value) -> bool {
        parse(&pattern.to_string()).unwrap().matches(&event)
    }

    #[test]
    fn literals_and_nesting() {
        let e = json!({"partitionKey": "truck-7", "data": {"speed": 42, "tags": ["a", "b"], "ok": true, "n": null}});
        assert!(m(json!({"partitionKey": ["truck-7", "x"]}), e.clone()));
        assert!(!m(json!({"partitionKey": ["truck-8"]}), e.clone()));
        assert!(m(json!({"data": {"speed": [42.0], "tags": ["b"], "ok": [true], "n": [null]}}), e.clone()));
        assert!(!m(json!({"data": {"speed": ["42"]}}), e.clone()));
        assert!(!m(json!({"data": {"missing": ["x"]}}), e.clone()));
        // A non-JSON payload stays a base64 string: data patterns never match it.
        assert!(!m(json!({"data": {"speed": [42]}}), json!({"data": "aGVsbG8="})));
    }

    #[test]
    fn content_filters() {
        let e = json!({"s": "Seattle", "n": 7.5, "ip": "10.0.3.4", "arr": [1, 20]});
        assert!(m(json!({"s": [{"prefix": "Sea"}]}), e.clone()));
        assert!(m(json!({"s": [{"prefix": {"equals-ignore-case": "sEA"}}]}), e.clone()));
        assert!(m(json!({"s": [{"suffix": "tle"}]}), e.clone()));
        assert!(!m(json!({"s": [{"suffix": "TLE"}]}), e.clone()));
        assert!(m(json!({"s": [{"suffix": {"equals-ignore-case": "TLE"}}]}), e.clone()));
        assert!(m(json!({"s": [{"equals-ignore-case": "seattle"}]}), e.clone()));
        assert!(m(json!({"s": [{"wildcard": "S*t*e"}]}), e.clone()));
        assert!(!m(json!({"s": [{"wildcard": "S*x"}]}), e.clone()));
        assert!(m(json!({"s": [{"anything-but": ["Boston", "Denver"]}]}), e.clone()));
        assert!(!m(json!({"s": [{"anything-but": "Seattle"}]}), e.clone()));
        assert!(!m(json!({"s": [{"anything-but": {"prefix": "Sea"}}]}), e.clone()));
        assert!(m(json!({"s": [{"anything-but": {"suffix": "x"}}]}), e.clone()));
        assert!(!m(json!({"s": [{"anything-but": {"equals-ignore-case": ["SEATTLE"]}}]}), e.clone()));
        assert!(!m(json!({"gone": [{"anything-but": "x"}]}), e.clone()));
        assert!(m(json!({"n": [{"numeric": [">", 0, "<=", 7.5]}]}), e.clone()));
        assert!(!m(json!({"n": [{"numeric": ["<", 7.5]}]}), e.clone()));
        assert!(m(json!({"arr": [{"numeric": [">=", 20]}]}), e.clone()));
        assert!(m(json!({"s": [{"exists": true}], "gone": [{"exists": false}]}), e.clone()));
        assert!(!m(json!({"gone": [{"exists": true}]}), e.clone()));
        assert!(m(json!({"ip": [{"cidr": "10.0.0.0/16"}]}), e.clone()));
        assert!(!m(json!({"ip": [{"cidr": "10.1.0.0/16"}]}), e.clone()));
        assert!(m(json!({"$or": [{"s": ["Boston"]}, {"n": [{"numeric": ["=", 7.5]}]}]}), e.clone()));
        assert!(!m(json!({"$or": [{"s": ["Boston"]}, {"n": [1]}]}), e.clone()));
    }

    #[test]
    fn invalid_patterns() {
        assert_eq!(parse("{").unwrap_err(), "Invalid JSON");
        assert_eq!(parse(r#"{"source":"a"}"#).unwrap_err(), "\"source\" must be an object or an array");
        assert!(parse("[1]").is_err());
        assert!(parse(r#"{"a": []}"#).is_err());
        assert!(parse(r#"{"a": [{"nope": 1}]}"#).unwrap_err().contains("Unrecognized match type nope"));
        assert!(parse(r#"{"a": [{"numeric": ["<", 5, ">", 1]}]}"#).is_err());
        assert!(parse(r#"{"a": [{"numeric": [">", "x"]}]}"#).is_err());
        assert!(parse(r#"{"a": [{"exists": "yes"}]}"#).is_err());
        assert!(parse(r#"{"a": [{"prefix": 1}]}"#).is_err());
        assert!(parse(r#"{"$or": [{"a": [1]}]}"#).is_err());
        assert!(parse(r#"{"a": [{"cidr": "10.0.0.0/40"}]}"#).is_err());
        assert!(parse(r#"{"a": [[1]]}"#).is_err());
    }

    #[test]
    fn nesting_is_bounded_by_the_json_parser() {
        // serde_json refuses more than 128 levels: patterns (and events, parsed the same way)
        // never nest deeper than that, so parsing and matching recurse at most that deep.
        let deep = format!("{}[1]{}", r#"{"a":"#.repeat(5_000), "}".repeat(5_000));
        assert_eq!(parse(&deep).unwrap_err(), "Invalid JSON");
        let ok = format!("{}[1]{}", r#"{"a":"#.repeat(100), "}".repeat(100));
        let event: Value = serde_json::from_str(&ok.replace("[1]", "1")).unwrap();
        assert!(parse(&ok).unwrap().matches(&event));
        assert!(serde_json::from_str::<Value>(&"[".repeat(5_000)).is_err());
    }
}
