//! SQL types of in-application streams and the casts between them.

use crate::value::{parse_date, parse_time, parse_timestamp, Value, DAY_MS};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A column type, as written in `RecordColumn.SqlType` or `CREATE STREAM`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SqlType {
    Varchar(Option<u32>),
    Char(Option<u32>),
    TinyInt,
    SmallInt,
    Integer,
    BigInt,
    Double,
    Real,
    /// DECIMAL / NUMERIC (precision, scale).
    Decimal(u32, u32),
    Boolean,
    Timestamp,
    Date,
    Time,
    Varbinary(Option<u32>),
    Binary(Option<u32>),
    /// A day-time INTERVAL.
    Interval,
}

impl fmt::Display for SqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sized = |f: &mut fmt::Formatter<'_>, name: &str, n: &Option<u32>| match n {
            Some(n) => write!(f, "{name}({n})"),
            None => write!(f, "{name}"),
        };
        match self {
            SqlType::Varchar(n) => sized(f, "VARCHAR", n),
            SqlType::Char(n) => sized(f, "CHAR", n),
            SqlType::Varbinary(n) => sized(f, "VARBINARY", n),
            SqlType::Binary(n) => sized(f, "BINARY", n),
            SqlType::Decimal(p, s) => write!(f, "DECIMAL({p},{s})"),
            other => f.write_str(match other {
                SqlType::TinyInt => "TINYINT",
                SqlType::SmallInt => "SMALLINT",
                SqlType::Integer => "INTEGER",
                SqlType::BigInt => "BIGINT",
                SqlType::Double => "DOUBLE",
                SqlType::Real => "REAL",
                SqlType::Boolean => "BOOLEAN",
                SqlType::Timestamp => "TIMESTAMP",
                SqlType::Date => "DATE",
                SqlType::Time => "TIME",
                _ => "INTERVAL",
            }),
        }
    }
}

impl SqlType {
    /// Parses a type as the API takes it (`VARCHAR(16)`, `DECIMAL(10,2)`, `DOUBLE PRECISION`).
    pub fn parse(text: &str) -> Option<SqlType> {
        let t = text.trim().to_ascii_uppercase();
        let (name, args) = match t.find('(') {
            Some(i) => (t[..i].trim(), t[i + 1..].trim_end().strip_suffix(')')?),
            None => (t.as_str(), ""),
        };
        let nums: Vec<u32> =
            args.split(',').filter(|a| !a.trim().is_empty()).map(|a| a.trim().parse().ok()).collect::<Option<_>>()?;
        let first = nums.first().copied();
        Some(match name {
            "VARCHAR" | "CHARACTER VARYING" | "CHAR VARYING" => SqlType::Varchar(first),
            "CHAR" | "CHARACTER" => SqlType::Char(first.or(Some(1))),
            "TINYINT" => SqlType::TinyInt,
            "SMALLINT" => SqlType::SmallInt,
            "INTEGER" | "INT" => SqlType::Integer,
            "BIGINT" => SqlType::BigInt,
            "DOUBLE" | "DOUBLE PRECISION" | "FLOAT" => SqlType::Double,
            "REAL" => SqlType::Real,
            "DECIMAL" | "NUMERIC" | "DEC" => SqlType::Decimal(first.unwrap_or(19), nums.get(1).copied().unwrap_or(0)),
            "BOOLEAN" => SqlType::Boolean,
            "TIMESTAMP" => SqlType::Timestamp,
            "DATE" => SqlType::Date,
            "TIME" => SqlType::Time,
            "VARBINARY" => SqlType::Varbinary(first),
            "BINARY" => SqlType::Binary(first.or(Some(1))),
            _ if name.starts_with("INTERVAL") => SqlType::Interval,
            _ => return None,
        })
    }

    /// True for the numeric types.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            SqlType::TinyInt
                | SqlType::SmallInt
                | SqlType::Integer
                | SqlType::BigInt
                | SqlType::Double
                | SqlType::Real
                | SqlType::Decimal(..)
        )
    }

    /// CAST(value AS self). NULL casts to NULL; the error is the message for the error stream.
    pub fn cast(&self, v: Value) -> Result<Value, String> {
        if v.is_null() {
            return Ok(Value::Null);
        }
        let fail = |v: &Value| format!("Cannot cast {} to {self}", v.to_text().unwrap_or_default());
        let out = match self {
            SqlType::Varchar(n) | SqlType::Char(n) => cast_text(&v, *n, self),
            SqlType::TinyInt => cast_int(&v, i8::MIN.into(), i8::MAX.into()),
            SqlType::SmallInt => cast_int(&v, i16::MIN.into(), i16::MAX.into()),
            SqlType::Integer => cast_int(&v, i32::MIN.into(), i32::MAX.into()),
            SqlType::BigInt => cast_int(&v, i64::MIN, i64::MAX),
            SqlType::Double => cast_double(&v),
            SqlType::Real => cast_double(&v).map(|d| match d {
                Value::Double(x) => Value::Double(f64::from(x as f32)),
                other => other,
            }),
            SqlType::Decimal(p, s) => cast_decimal(&v, *p, *s),
            SqlType::Boolean => cast_bool(&v),
            SqlType::Timestamp => cast_timestamp(&v),
            SqlType::Date => cast_date(&v),
            SqlType::Time => cast_time(&v),
            SqlType::Varbinary(n) | SqlType::Binary(n) => cast_bytes(&v, *n),
            SqlType::Interval => match v {
                Value::Interval(_) => Some(v.clone()),
                Value::Int(i) => Some(Value::Interval(i)),
                _ => None,
            },
        };
        out.ok_or_else(|| fail(&v))
    }
}

fn cast_text(v: &Value, n: Option<u32>, ty: &SqlType) -> Option<Value> {
    let mut s = v.to_text()?;
    if let Some(n) = n {
        let n = n as usize;
        if let Some((i, _)) = s.char_indices().nth(n) {
            s.truncate(i);
        }
        if matches!(ty, SqlType::Char(_)) {
            let len = s.chars().count();
            s.extend(std::iter::repeat_n(' ', n.saturating_sub(len)));
        }
    }
    Some(Value::Str(s))
}

fn cast_int(v: &Value, min: i64, max: i64) -> Option<Value> {
    let i = match v {
        Value::Int(i) => *i,
        Value::Double(d) if d.is_finite() && d.trunc() >= min as f64 && d.trunc() <= max as f64 => d.trunc() as i64,
        Value::Str(s) => {
            let t = s.trim();
            match t.parse::<i64>() {
                Ok(i) => i,
                Err(_) => {
                    let d: f64 = t.parse().ok()?;
                    return cast_int(&Value::Double(d), min, max);
                }
            }
        }
        Value::Bool(b) => i64::from(*b),
        _ => return None,
    };
    (min..=max).contains(&i).then_some(Value::Int(i))
}

fn cast_double(v: &Value) -> Option<Value> {
    match v {
        Value::Int(i) => Some(Value::Double(*i as f64)),
        Value::Double(_) => Some(v.clone()),
        Value::Str(s) => s.trim().parse().ok().map(Value::Double),
        _ => None,
    }
}

fn cast_decimal(v: &Value, precision: u32, scale: u32) -> Option<Value> {
    let Value::Double(d) = cast_double(v)? else {
        return None;
    };
    let factor = 10f64.powi(scale as i32);
    let rounded = (d * factor).round() / factor;
    let limit = 10f64.powi(precision.saturating_sub(scale) as i32);
    (rounded.abs() < limit).then_some(Value::Double(rounded))
}

fn cast_bool(v: &Value) -> Option<Value> {
    match v {
        Value::Bool(_) => Some(v.clone()),
        Value::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    }
}

fn cast_timestamp(v: &Value) -> Option<Value> {
    match v {
        Value::Timestamp(_) => Some(v.clone()),
        Value::Date(d) => Some(Value::Timestamp(d * DAY_MS)),
        Value::Str(s) => parse_timestamp(s).map(Value::Timestamp),
        _ => None,
    }
}

fn cast_date(v: &Value) -> Option<Value> {
    match v {
        Value::Date(_) => Some(v.clone()),
        Value::Timestamp(ms) => Some(Value::Date(ms.div_euclid(DAY_MS))),
        Value::Str(s) => parse_date(s).or_else(|| parse_timestamp(s).map(|ms| ms.div_euclid(DAY_MS))).map(Value::Date),
        _ => None,
    }
}

fn cast_time(v: &Value) -> Option<Value> {
    match v {
        Value::Time(_) => Some(v.clone()),
        Value::Timestamp(ms) => Some(Value::Time(ms.rem_euclid(DAY_MS))),
        Value::Str(s) => parse_time(s).map(Value::Time),
        _ => None,
    }
}

fn cast_bytes(v: &Value, n: Option<u32>) -> Option<Value> {
    let mut b = match v {
        Value::Bytes(b) => b.clone(),
        Value::Str(s) => s.as_bytes().to_vec(),
        _ => return None,
    };
    if let Some(n) = n {
        b.truncate(n as usize);
    }
    Some(Value::Bytes(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_model_type() {
        for (text, ty) in [
            ("varchar(16)", SqlType::Varchar(Some(16))),
            ("CHAR(4)", SqlType::Char(Some(4))),
            ("DECIMAL(10, 2)", SqlType::Decimal(10, 2)),
            ("DOUBLE", SqlType::Double),
            ("TINYINT", SqlType::TinyInt),
            ("TIMESTAMP", SqlType::Timestamp),
        ] {
            assert_eq!(SqlType::parse(text), Some(ty.clone()), "{text}");
            assert_eq!(SqlType::parse(&ty.to_string()), Some(ty));
        }
        assert_eq!(SqlType::parse("GEOMETRY"), None);
    }

    #[test]
    fn casts_check_ranges_and_formats() {
        assert_eq!(SqlType::TinyInt.cast(Value::Int(300)).ok(), None);
        assert_eq!(SqlType::Integer.cast(Value::Str(" 42 ".into())), Ok(Value::Int(42)));
        assert_eq!(SqlType::Decimal(5, 2).cast(Value::Double(1.236)), Ok(Value::Double(1.24)));
        assert!(SqlType::Decimal(3, 2).cast(Value::Double(12.0)).is_err());
        assert_eq!(SqlType::Char(Some(3)).cast(Value::Str("a".into())), Ok(Value::Str("a  ".into())));
        assert_eq!(SqlType::Varchar(Some(2)).cast(Value::Int(123)), Ok(Value::Str("12".into())));
        assert_eq!(SqlType::Boolean.cast(Value::Str("True".into())), Ok(Value::Bool(true)));
        assert_eq!(SqlType::Date.cast(Value::Str("1970-01-02".into())), Ok(Value::Date(1)));
        assert!(SqlType::Timestamp.cast(Value::Str("nope".into())).is_err());
        assert_eq!(SqlType::Integer.cast(Value::Null), Ok(Value::Null));
    }
}
