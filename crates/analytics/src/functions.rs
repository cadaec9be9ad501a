//! Scalar functions of the Kinesis Data Analytics SQL reference.

use crate::error::RowError;
use crate::value::{civil_from_days, days_from_civil, Value, DAY_MS};
use regex::Regex;

/// Longest string a function may build (bounds memory per row).
const MAX_STRING: usize = 1 << 20;

/// A time unit of `FLOOR/CEIL(ts TO unit)` and `EXTRACT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Month,
    Year,
}

impl Unit {
    /// Fixed length of the unit in milliseconds (months and years have none).
    pub fn millis(self) -> Option<i64> {
        match self {
            Unit::Millisecond => Some(1),
            Unit::Second => Some(1000),
            Unit::Minute => Some(60_000),
            Unit::Hour => Some(3_600_000),
            Unit::Day => Some(DAY_MS),
            Unit::Month | Unit::Year => None,
        }
    }
}

/// A scalar function.
#[derive(Debug, Clone)]
pub enum Func {
    Upper,
    Lower,
    Initcap,
    CharLength,
    /// SUBSTRING(s FROM a [FOR b]).
    Substring,
    /// TRIM; (leading, trailing).
    Trim(bool, bool),
    /// POSITION(needle IN haystack).
    Position,
    /// REGEX_REPLACE(s, regex, replacement, start, occurrence) with a literal regex.
    RegexReplace(Box<Regex>),
    Abs,
    Ceil,
    Floor,
    Round,
    Mod,
    Power,
    Sqrt,
    Ln,
    Log10,
    Exp,
    Coalesce,
    NullIf,
    FloorTo(Unit),
    CeilTo(Unit),
    Extract(Unit),
    /// STEP(ts, interval) or STEP(number, number).
    Step,
    /// TSDIFF(ts1, ts2): milliseconds between two timestamps.
    Tsdiff,
    /// TO_TIMESTAMP(millis).
    ToTimestamp,
    /// UNIX_TIMESTAMP(ts): milliseconds since the epoch.
    UnixTimestamp,
    /// CURRENT_ROW_TIMESTAMP / CURRENT_TIMESTAMP: the ROWTIME being produced.
    CurrentRowTimestamp,
}

impl Func {
    /// Looks a plain function up by its (upper-case) name.
    pub fn by_name(name: &str) -> Option<Func> {
        Some(match name {
            "UPPER" => Func::Upper,
            "LOWER" => Func::Lower,
            "INITCAP" => Func::Initcap,
            "CHAR_LENGTH" | "CHARACTER_LENGTH" => Func::CharLength,
            "ABS" => Func::Abs,
            "CEIL" | "CEILING" => Func::Ceil,
            "FLOOR" => Func::Floor,
            "ROUND" => Func::Round,
            "MOD" => Func::Mod,
            "POWER" => Func::Power,
            "SQRT" => Func::Sqrt,
            "LN" => Func::Ln,
            "LOG10" => Func::Log10,
            "EXP" => Func::Exp,
            "COALESCE" => Func::Coalesce,
            "NULLIF" => Func::NullIf,
            "STEP" => Func::Step,
            "TSDIFF" => Func::Tsdiff,
            "TO_TIMESTAMP" => Func::ToTimestamp,
            "UNIX_TIMESTAMP" => Func::UnixTimestamp,
            "CURRENT_ROW_TIMESTAMP" | "CURRENT_TIMESTAMP" | "LOCALTIMESTAMP" => Func::CurrentRowTimestamp,
            _ => return None,
        })
    }

    /// Accepted argument counts.
    pub fn arity(&self) -> std::ops::RangeInclusive<usize> {
        match self {
            Func::Coalesce => 1..=64,
            Func::Round => 1..=2,
            Func::Substring => 2..=3,
            Func::Trim(..) => 1..=2,
            Func::RegexReplace(_) => 3..=5,
            Func::CurrentRowTimestamp => 0..=0,
            Func::Mod | Func::Power | Func::NullIf | Func::Step | Func::Tsdiff | Func::Position => 2..=2,
            _ => 1..=1,
        }
    }

    /// Applies the function (NULL in, NULL out, except COALESCE/NULLIF).
    pub fn call(&self, a: Vec<Value>, rowtime: i64) -> Result<Value, RowError> {
        match self {
            Func::Coalesce => return Ok(a.into_iter().find(|v| !v.is_null()).unwrap_or(Value::Null)),
            Func::NullIf => {
                let eq = a[0].sql_cmp(&a[1]) == Some(std::cmp::Ordering::Equal);
                return Ok(if eq { Value::Null } else { a[0].clone() });
            }
            Func::CurrentRowTimestamp => return Ok(Value::Timestamp(rowtime)),
            _ if a.iter().any(Value::is_null) => return Ok(Value::Null),
            _ => {}
        }
        match self {
            Func::Upper | Func::Lower | Func::Initcap | Func::CharLength => text_fn(self, &a[0]),
            Func::Substring => substring(&a),
            Func::Trim(lead, trail) => trim(&a, *lead, *trail),
            Func::Position => {
                let (needle, hay) = (text(&a[0]), text(&a[1]));
                Ok(Value::Int(hay.find(&needle).map_or(0, |i| hay[..i].chars().count() as i64 + 1)))
            }
            Func::RegexReplace(re) => regex_replace(re, &a),
            Func::Step => step(&a[0], &a[1]),
            Func::Tsdiff => match (&a[0], &a[1]) {
                (Value::Timestamp(x), Value::Timestamp(y)) => Ok(Value::Int(x - y)),
                _ => Err(bad("TSDIFF")),
            },
            Func::ToTimestamp => match &a[0] {
                Value::Int(ms) => Ok(Value::Timestamp(*ms)),
                _ => Err(bad("TO_TIMESTAMP")),
            },
            Func::UnixTimestamp => match &a[0] {
                Value::Timestamp(ms) => Ok(Value::Int(*ms)),
                _ => Err(bad("UNIX_TIMESTAMP")),
            },
            Func::FloorTo(u) | Func::CeilTo(u) => floor_ceil_to(&a[0], *u, matches!(self, Func::CeilTo(_))),
            Func::Extract(u) => extract(&a[0], *u),
            _ => numeric(self, &a),
        }
    }
}

fn bad(name: &str) -> RowError {
    RowError::eval(format!("invalid argument to {name}"))
}

fn text(v: &Value) -> String {
    v.to_text().unwrap_or_default()
}

fn text_fn(f: &Func, v: &Value) -> Result<Value, RowError> {
    let s = text(v);
    Ok(match f {
        Func::Upper => Value::Str(s.to_uppercase()),
        Func::Lower => Value::Str(s.to_lowercase()),
        Func::CharLength => Value::Int(s.chars().count() as i64),
        _ => {
            let mut out = String::with_capacity(s.len());
            let mut start = true;
            for ch in s.chars() {
                if ch.is_alphanumeric() {
                    out.extend(if start { ch.to_uppercase().collect::<Vec<_>>() } else { ch.to_lowercase().collect() });
                    start = false;
                } else {
                    out.push(ch);
                    start = true;
                }
            }
            Value::Str(out)
        }
    })
}

fn int_arg(v: &Value, name: &str) -> Result<i64, RowError> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Double(d) => Ok(*d as i64),
        _ => Err(bad(name)),
    }
}

fn substring(a: &[Value]) -> Result<Value, RowError> {
    let chars: Vec<char> = text(&a[0]).chars().collect();
    let from = int_arg(&a[1], "SUBSTRING")?;
    let end = match a.get(2) {
        Some(n) => {
            let n = int_arg(n, "SUBSTRING")?;
            if n < 0 {
                return Err(RowError::eval("negative substring length"));
            }
            from.saturating_add(n)
        }
        None => i64::MAX,
    };
    let (lo, hi) = (from.max(1) - 1, end.saturating_sub(1).min(chars.len() as i64));
    Ok(Value::Str(if lo >= hi { String::new() } else { chars[lo as usize..hi as usize].iter().collect() }))
}

fn trim(a: &[Value], lead: bool, trail: bool) -> Result<Value, RowError> {
    let s = text(&a[0]);
    let set: Vec<char> = a.get(1).map_or(vec![' '], |c| text(c).chars().collect());
    let mut t = s.as_str();
    if lead {
        t = t.trim_start_matches(|c| set.contains(&c));
    }
    if trail {
        t = t.trim_end_matches(|c| set.contains(&c));
    }
    Ok(Value::Str(t.to_string()))
}

fn regex_replace(re: &Regex, a: &[Value]) -> Result<Value, RowError> {
    let s = text(&a[0]);
    let replacement = text(&a[2]).replace('$', "$$");
    let start = a.get(3).map_or(Ok(1), |v| int_arg(v, "REGEX_REPLACE"))?.max(1) as usize;
    let occurrence = a.get(4).map_or(Ok(0), |v| int_arg(v, "REGEX_REPLACE"))?;
    let split = s.char_indices().nth(start - 1).map_or(s.len(), |(i, _)| i);
    let (head, tail) = s.split_at(split);
    let replaced = if occurrence <= 0 {
        re.replace_all(tail, replacement.as_str()).into_owned()
    } else {
        replace_nth(re, tail, &replacement, occurrence as usize)
    };
    let out = format!("{head}{replaced}");
    if out.len() > MAX_STRING {
        return Err(RowError::eval("string too long"));
    }
    Ok(Value::Str(out))
}

fn replace_nth(re: &Regex, s: &str, replacement: &str, n: usize) -> String {
    match re.find_iter(s).nth(n - 1) {
        Some(m) => format!("{}{}{}", &s[..m.start()], re.replace(m.as_str(), replacement), &s[m.end()..]),
        None => s.to_string(),
    }
}

fn step(v: &Value, width: &Value) -> Result<Value, RowError> {
    match (v, width) {
        (Value::Timestamp(t), Value::Interval(w)) if *w > 0 => Ok(Value::Timestamp(t - t.rem_euclid(*w))),
        (Value::Int(x), Value::Int(w)) if *w > 0 => Ok(Value::Int(x - x.rem_euclid(*w))),
        (Value::Double(x), w) if w.as_f64().is_some_and(|w| w > 0.0) => {
            let w = w.as_f64().unwrap_or(1.0);
            Ok(Value::Double((x / w).floor() * w))
        }
        _ => Err(bad("STEP")),
    }
}

fn floor_ceil_to(v: &Value, unit: Unit, ceil: bool) -> Result<Value, RowError> {
    let Value::Timestamp(t) = v else {
        return Err(bad("FLOOR"));
    };
    let floor = match unit.millis() {
        Some(w) => t - t.rem_euclid(w),
        None => {
            let (y, m, _) = civil_from_days(t.div_euclid(DAY_MS));
            let m = if unit == Unit::Year { 1 } else { m };
            days_from_civil(y, m, 1) * DAY_MS
        }
    };
    if !ceil || floor == *t {
        return Ok(Value::Timestamp(floor));
    }
    Ok(Value::Timestamp(match unit.millis() {
        Some(w) => floor + w,
        None => {
            let (y, m, _) = civil_from_days(floor.div_euclid(DAY_MS));
            let (y, m) = match unit {
                Unit::Year => (y + 1, 1),
                _ if m == 12 => (y + 1, 1),
                _ => (y, m + 1),
            };
            days_from_civil(y, m, 1) * DAY_MS
        }
    }))
}

fn extract(v: &Value, unit: Unit) -> Result<Value, RowError> {
    let ms = match v {
        Value::Timestamp(t) => *t,
        Value::Date(d) => d * DAY_MS,
        Value::Time(t) => *t,
        _ => return Err(bad("EXTRACT")),
    };
    let (y, m, d) = civil_from_days(ms.div_euclid(DAY_MS));
    let in_day = ms.rem_euclid(DAY_MS);
    Ok(Value::Int(match unit {
        Unit::Year => y,
        Unit::Month => m.into(),
        Unit::Day => d.into(),
        Unit::Hour => in_day / 3_600_000,
        Unit::Minute => in_day / 60_000 % 60,
        Unit::Second => in_day / 1000 % 60,
        Unit::Millisecond => in_day % 1000,
    }))
}

fn numeric(f: &Func, a: &[Value]) -> Result<Value, RowError> {
    if let (Func::Abs, Value::Int(i)) = (f, &a[0]) {
        return i.checked_abs().map(Value::Int).ok_or_else(|| RowError::eval("numeric overflow"));
    }
    if let (Func::Ceil | Func::Floor | Func::Round, Value::Int(_)) = (f, &a[0]) {
        return Ok(a[0].clone());
    }
    if let (Func::Mod, Value::Int(x), Value::Int(y)) = (f, &a[0], &a[1]) {
        return x.checked_rem(*y).map(Value::Int).ok_or_else(|| RowError::eval("Division by zero"));
    }
    let x = a[0].as_f64().ok_or_else(|| bad("numeric function"))?;
    let y = a.get(1).map(|v| v.as_f64().ok_or_else(|| bad("numeric function"))).transpose()?;
    let r = match f {
        Func::Abs => x.abs(),
        Func::Ceil => x.ceil(),
        Func::Floor => x.floor(),
        Func::Round => {
            let p = 10f64.powi(y.unwrap_or(0.0) as i32);
            (x * p).round() / p
        }
        Func::Mod => x % y.unwrap_or(1.0),
        Func::Power => x.powf(y.unwrap_or(1.0)),
        Func::Sqrt => x.sqrt(),
        Func::Ln => x.ln(),
        Func::Log10 => x.log10(),
        _ => x.exp(),
    };
    Ok(Value::Double(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn string_functions() {
        assert_eq!(Func::Substring.call(vec![s("kinesis"), Value::Int(2), Value::Int(3)], 0), Ok(s("ine")));
        assert_eq!(Func::Substring.call(vec![s("abc"), Value::Int(0)], 0), Ok(s("abc")));
        assert_eq!(Func::Position.call(vec![s("s"), s("kinesis")], 0), Ok(Value::Int(5)));
        assert_eq!(Func::Trim(true, true).call(vec![s("xxaxx"), s("x")], 0), Ok(s("a")));
        assert_eq!(Func::Initcap.call(vec![s("hello wORLD")], 0), Ok(s("Hello World")));
        let re = Box::new(Regex::new("[0-9]+").unwrap());
        assert_eq!(Func::RegexReplace(re).call(vec![s("a1b22c"), s("[0-9]+"), s("#")], 0), Ok(s("a#b#c")));
        assert_eq!(Func::Upper.call(vec![Value::Null], 0), Ok(Value::Null));
    }

    #[test]
    fn time_functions() {
        let t = Value::Timestamp(90_061_001); // 1970-01-02 01:01:01.001
        assert_eq!(Func::FloorTo(Unit::Minute).call(vec![t.clone()], 0), Ok(Value::Timestamp(90_060_000)));
        assert_eq!(Func::CeilTo(Unit::Hour).call(vec![t.clone()], 0), Ok(Value::Timestamp(93_600_000)));
        assert_eq!(Func::FloorTo(Unit::Month).call(vec![t.clone()], 0), Ok(Value::Timestamp(0)));
        assert_eq!(Func::Step.call(vec![t.clone(), Value::Interval(10_000)], 0), Ok(Value::Timestamp(90_060_000)));
        assert_eq!(Func::Extract(Unit::Day).call(vec![t], 0), Ok(Value::Int(2)));
        assert_eq!(Func::Round.call(vec![Value::Double(2.345), Value::Int(2)], 0), Ok(Value::Double(2.35)));
    }
}
