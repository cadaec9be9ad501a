//! SQL values and their text forms (the forms AWS writes into CSV/JSON output).

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// One SQL value. Times are milliseconds (timestamps since the epoch, UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// BOOLEAN.
    Bool(bool),
    /// TINYINT, SMALLINT, INTEGER, BIGINT.
    Int(i64),
    /// DOUBLE, REAL and DECIMAL (DECIMAL is held as a double rounded to its scale).
    Double(f64),
    /// CHAR, VARCHAR.
    Str(String),
    /// TIMESTAMP: milliseconds since 1970-01-01 00:00:00.
    Timestamp(i64),
    /// DATE: days since 1970-01-01.
    Date(i64),
    /// TIME: milliseconds since midnight.
    Time(i64),
    /// A day-time INTERVAL, in milliseconds.
    Interval(i64),
    /// BINARY, VARBINARY.
    Bytes(Vec<u8>),
}

impl Value {
    /// True for SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a double, if numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Double(d) => Some(*d),
            _ => None,
        }
    }

    /// The text form of the value (NULL has none).
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Double(d) => format_double(*d),
            Value::Str(s) => s.clone(),
            Value::Timestamp(ms) => format_timestamp(*ms),
            Value::Date(d) => format_date(*d),
            Value::Time(ms) => format_time(*ms),
            Value::Interval(ms) => format_interval(*ms),
            Value::Bytes(b) => b.iter().map(|x| format!("{x:02X}")).collect(),
        })
    }

    /// SQL comparison: `None` when either side is NULL or the kinds do not compare.
    pub fn sql_cmp(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (Null, _) | (_, Null) => None,
            (Int(a), Int(b)) => Some(a.cmp(b)),
            (Int(_) | Double(_), Int(_) | Double(_)) => self.as_f64()?.partial_cmp(&other.as_f64()?),
            (Str(a), Str(b)) => Some(a.trim_end().cmp(b.trim_end())),
            (Bool(a), Bool(b)) => Some(a.cmp(b)),
            (Timestamp(a), Timestamp(b)) | (Date(a), Date(b)) | (Time(a), Time(b)) | (Interval(a), Interval(b)) => {
                Some(a.cmp(b))
            }
            (Timestamp(a), Date(b)) => Some(a.cmp(&(b * DAY_MS))),
            (Date(a), Timestamp(b)) => Some((a * DAY_MS).cmp(b)),
            (Bytes(a), Bytes(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// A total order used for grouping keys and sorting (NULLs first).
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Null, _) => Ordering::Less,
            (_, Value::Null) => Ordering::Greater,
            _ => self.sql_cmp(other).unwrap_or_else(|| format!("{self:?}").cmp(&format!("{other:?}"))),
        }
    }
}

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// Doubles as Java prints them for whole numbers (`3.0`), otherwise the shortest form.
pub fn format_double(d: f64) -> String {
    if d.is_finite() && d.fract() == 0.0 && d.abs() < 1e16 {
        format!("{d:.1}")
    } else {
        format!("{d}")
    }
}

/// Days since the epoch -> (year, month, day), proleptic Gregorian.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) -> days since the epoch.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `yyyy-MM-dd HH:mm:ss.SSS`.
pub fn format_timestamp(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    format!("{} {}", format_date(days), format_time(ms.rem_euclid(DAY_MS)))
}

/// `yyyy-MM-dd`.
pub fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `HH:mm:ss.SSS`.
pub fn format_time(ms: i64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (mi, rest) = (rest / 60_000, rest % 60_000);
    let (s, frac) = (rest / 1000, rest % 1000);
    format!("{h:02}:{mi:02}:{s:02}.{frac:03}")
}

fn format_interval(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.abs();
    let days = ms / DAY_MS;
    format!("{sign}{days} {}", format_time(ms % DAY_MS))
}

/// Parses `yyyy-MM-dd[ |T]HH:mm:ss[.fff]` (a trailing `Z` allowed) or a bare date.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, "00:00:00"),
    };
    Some(parse_date(date)? * DAY_MS + parse_time(time)?)
}

/// Parses `yyyy-MM-dd`.
pub fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Parses `HH:mm[:ss[.fff]]`.
pub fn parse_time(s: &str) -> Option<i64> {
    let mut it = s.trim().splitn(3, ':');
    let h: i64 = it.next()?.parse().ok()?;
    let mi: i64 = it.next()?.parse().ok()?;
    let sec: f64 = it.next().map_or(Some(0.0), |x| x.parse().ok())?;
    if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0.0..61.0).contains(&sec) {
        return None;
    }
    Some(h * 3_600_000 + mi * 60_000 + (sec * 1000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip() {
        let ms = parse_timestamp("2020-02-29 13:45:07.250").unwrap();
        assert_eq!(ms, 1_582_983_907_250);
        assert_eq!(format_timestamp(ms), "2020-02-29 13:45:07.250");
        assert_eq!(parse_timestamp("1969-12-31T23:59:59Z"), Some(-1000));
        assert_eq!(parse_date("2021-13-01"), None);
    }

    #[test]
    fn null_never_compares() {
        assert_eq!(Value::Null.sql_cmp(&Value::Int(1)), None);
        assert_eq!(Value::Int(2).sql_cmp(&Value::Double(2.5)), Some(Ordering::Less));
    }
}
