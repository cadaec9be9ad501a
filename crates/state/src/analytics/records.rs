//! Records in and out of applications: JSON (RecordRowPath, JSONPath mappings) and CSV
//! parsing into SQL rows, and rows written as JSON or CSV per DestinationSchema.

use super::config::SourceSchema;
use kinesin_analytics::{format_timestamp, RowError, SqlType, StreamDef, Value};
use serde_json::Value as Json;

/// Parses one record into rows of the schema's columns (a row path may yield several).
pub fn parse(schema: &SourceSchema, def: &StreamDef, data: &[u8]) -> Result<Vec<Vec<Value>>, RowError> {
    let text = std::str::from_utf8(data).map_err(|_| RowError::conversion("Record is not valid UTF-8".into()))?;
    match schema.record_format.record_format_type.as_str() {
        "CSV" => parse_csv(schema, def, text),
        _ => parse_json(schema, def, text),
    }
}

fn parse_json(schema: &SourceSchema, def: &StreamDef, text: &str) -> Result<Vec<Vec<Value>>, RowError> {
    let doc: Json = serde_json::from_str(text).map_err(|e| RowError::conversion(format!("Invalid JSON: {e}")))?;
    let row_path = schema
        .record_format
        .mapping_parameters
        .as_ref()
        .and_then(|m| m.json.as_ref())
        .map_or("$", |j| j.record_row_path.as_str());
    let rows = select_rows(&doc, row_path);
    rows.into_iter()
        .map(|row| {
            schema
                .record_columns
                .iter()
                .zip(&def.columns)
                .map(|(col, c)| {
                    let path = col.mapping.clone().unwrap_or_else(|| format!("$.{}", col.name));
                    let rel = path.strip_prefix(row_path).map(|r| format!("${r}")).unwrap_or(path);
                    coerce(lookup(row, &rel), &c.ty)
                })
                .collect()
        })
        .collect()
}

/// The rows a RecordRowPath selects: `$`, `$.a.b`, and `[0:]` / `[*]` to take every element.
fn select_rows<'a>(doc: &'a Json, path: &str) -> Vec<&'a Json> {
    let (base, each) = match path.strip_suffix("[0:]").or_else(|| path.strip_suffix("[*]")) {
        Some(b) => (b, true),
        None => (path, false),
    };
    match lookup(doc, base) {
        Some(Json::Array(items)) if each => items.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

/// Follows a JSONPath of names and indexes (`$.a.b[0]`, `$['a b']`).
fn lookup<'a>(doc: &'a Json, path: &str) -> Option<&'a Json> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut cur = doc;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            cur = cur.get(&r[..end])?;
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let key = &r[..end];
            cur = match key.trim_matches(|c| c == '\'' || c == '"') {
                k if k.len() != key.len() => cur.get(k)?,
                k => cur.get(k.parse::<usize>().ok()?)?,
            };
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(cur)
}

fn coerce(v: Option<&Json>, ty: &SqlType) -> Result<Value, RowError> {
    let raw = match v {
        None | Some(Json::Null) => Value::Null,
        Some(Json::String(s)) => Value::Str(s.clone()),
        Some(Json::Bool(b)) => Value::Bool(*b),
        Some(Json::Number(n)) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Some(other) => Value::Str(other.to_string()),
    };
    ty.cast(raw).map_err(RowError::conversion)
}

fn parse_csv(schema: &SourceSchema, def: &StreamDef, text: &str) -> Result<Vec<Vec<Value>>, RowError> {
    let csv = schema.record_format.mapping_parameters.as_ref().and_then(|m| m.csv.as_ref());
    let row_delim = csv.map_or("\n", |c| c.record_row_delimiter.as_str());
    let col_delim = csv.map_or(",", |c| c.record_column_delimiter.as_str());
    text.split(if row_delim.is_empty() { "\n" } else { row_delim })
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut fields = line.split(if col_delim.is_empty() { "," } else { col_delim });
            def.columns
                .iter()
                .map(|c| match fields.next() {
                    None => Ok(Value::Null),
                    Some("") if !matches!(c.ty, SqlType::Varchar(_) | SqlType::Char(_)) => Ok(Value::Null),
                    Some(f) => c.ty.cast(Value::Str(f.to_string())).map_err(RowError::conversion),
                })
                .collect()
        })
        .collect()
}

/// One output row as the bytes of one record, per `RecordFormatType`.
pub fn format(def: &StreamDef, values: &[Value], format_type: &str) -> Vec<u8> {
    if format_type == "CSV" {
        let cells: Vec<String> = values.iter().map(csv_cell).collect();
        return format!("{}\n", cells.join(",")).into_bytes();
    }
    let mut obj = serde_json::Map::new();
    for (c, v) in def.columns.iter().zip(values) {
        obj.insert(c.name.clone(), json_value(v));
    }
    serde_json::to_vec(&obj).unwrap_or_default()
}

/// A value as JSON (timestamps as AWS formats them).
pub fn json_value(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Value::Timestamp(ms) => Json::String(format_timestamp(*ms)),
        other => other.to_text().map_or(Json::Null, Json::String),
    }
}

fn csv_cell(v: &Value) -> String {
    let text = v.to_text().unwrap_or_default();
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::config::*;

    fn schema(kind: &str, row_path: &str, cols: &[(&str, &str, &str)]) -> SourceSchema {
        SourceSchema {
            record_format: RecordFormat {
                record_format_type: kind.into(),
                mapping_parameters: Some(MappingParameters {
                    json: (kind == "JSON").then(|| JsonMapping { record_row_path: row_path.into() }),
                    csv: (kind == "CSV")
                        .then(|| CsvMapping { record_row_delimiter: "\n".into(), record_column_delimiter: ";".into() }),
                }),
            },
            record_encoding: None,
            record_columns: cols
                .iter()
                .map(|(n, m, t)| RecordColumn {
                    name: n.to_string(),
                    mapping: Some(m.to_string()).filter(|m| !m.is_empty()),
                    sql_type: t.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn json_rows_follow_the_row_path_and_mappings() {
        let s = schema(
            "JSON",
            "$.items[0:]",
            &[("ID", "$.items[0:].id", "INTEGER"), ("NAME", "$.items[0:].meta.name", "VARCHAR(8)")],
        );
        let def = s.stream_def("S").unwrap();
        let rows = parse(&s, &def, br#"{"items":[{"id":1,"meta":{"name":"a"}},{"id":"2"}]}"#).unwrap();
        assert_eq!(rows, vec![vec![Value::Int(1), Value::Str("a".into())], vec![Value::Int(2), Value::Null]]);
        assert!(parse(&s, &def, br#"{"items":[{"id":"x"}]}"#).is_err());
        assert!(parse(&s, &def, b"not json").is_err());
    }

    #[test]
    fn csv_rows_use_the_delimiters() {
        let s = schema("CSV", "", &[("A", "", "VARCHAR(4)"), ("B", "", "DOUBLE")]);
        let def = s.stream_def("S").unwrap();
        assert_eq!(
            parse(&s, &def, b"x;1.5\ny;\n").unwrap(),
            vec![vec![Value::Str("x".into()), Value::Double(1.5)], vec![Value::Str("y".into()), Value::Null]]
        );
    }

    #[test]
    fn output_formats() {
        let def =
            StreamDef::new("O", &[("A", SqlType::Varchar(None)), ("T", SqlType::Timestamp), ("N", SqlType::Double)]);
        let row = [Value::Str("a,b".into()), Value::Timestamp(0), Value::Null];
        assert_eq!(format(&def, &row, "JSON"), br#"{"A":"a,b","T":"1970-01-01 00:00:00.000","N":null}"#.to_vec());
        assert_eq!(format(&def, &row, "CSV"), b"\"a,b\",1970-01-01 00:00:00.000,\n".to_vec());
    }
}
