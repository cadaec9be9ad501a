//! S3 object keys of deliveries: UTC civil time, Java `DateTimeFormatter` patterns, the
//! `!{namespace:value}` prefix expressions and the fixed suffix
//! `<stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><ext>`.

/// A UTC instant split into calendar fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year.
    pub year: i64,
    /// Month 1-12.
    pub month: u32,
    /// Day of month 1-31.
    pub day: u32,
    /// Hour 0-23.
    pub hour: u32,
    /// Minute 0-59.
    pub minute: u32,
    /// Second 0-59.
    pub second: u32,
    /// Millisecond 0-999.
    pub milli: u32,
    /// Day of year 1-366.
    pub day_of_year: u32,
}

/// Epoch milliseconds as UTC calendar fields (proleptic Gregorian).
pub fn civil(ms: i64) -> Civil {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const CUM: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let day_of_year = CUM[month as usize - 1] + day + u32::from(leap && month > 2);
    Civil {
        year,
        month,
        day,
        hour: (rem / 3_600_000) as u32,
        minute: (rem / 60_000 % 60) as u32,
        second: (rem / 1000 % 60) as u32,
        milli: (rem % 1000) as u32,
        day_of_year,
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Formats `t` with a Java `DateTimeFormatter` pattern. Supported letters: `y u` (year),
/// `M L` (month, text for 3+ letters), `d`, `D`, `H`, `m`, `s`, `S` (fraction); `'text'`
/// literals and `''`; other non-letters are copied. Other letters are an error.
pub fn java_format(pattern: &str, t: &Civil) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // Quoted literal; '' is a quote.
            if chars.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("unterminated quote in pattern {pattern}")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        out.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        out.push(ch);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while chars.get(i + n) == Some(&c) {
            n += 1;
        }
        i += n;
        let num = |v: i64, width: usize| format!("{v:0width$}");
        match c {
            'y' | 'u' if n == 2 => out.push_str(&num(t.year.rem_euclid(100), 2)),
            'y' | 'u' => out.push_str(&num(t.year, n)),
            'M' | 'L' if n >= 4 => out.push_str(MONTHS_LONG[t.month as usize - 1]),
            'M' | 'L' if n == 3 => out.push_str(MONTHS[t.month as usize - 1]),
            'M' | 'L' => out.push_str(&num(t.month.into(), n)),
            'd' => out.push_str(&num(t.day.into(), n)),
            'D' => out.push_str(&num(t.day_of_year.into(), n)),
            'H' => out.push_str(&num(t.hour.into(), n)),
            'm' => out.push_str(&num(t.minute.into(), n)),
            's' => out.push_str(&num(t.second.into(), n)),
            'S' => {
                let frac = format!("{:03}000000", t.milli);
                out.push_str(&frac[..n.min(9)]);
            }
            other => return Err(format!("unsupported pattern letter '{other}' in {pattern}")),
        }
    }
    Ok(out)
}

/// One piece of a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part<'a> {
    Text(&'a str),
    Timestamp(&'a str),
    RandomString,
    ErrorOutputType,
    Other(&'a str),
}

fn parse(prefix: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = prefix;
    while let Some(start) = rest.find("!{") {
        if start > 0 {
            parts.push(Part::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| format!("unterminated expression in prefix {prefix}"))?;
        let expr = &after[..end];
        parts.push(match expr.split_once(':') {
            Some(("timestamp", pattern)) => Part::Timestamp(pattern),
            Some(("firehose", "random-string")) => Part::RandomString,
            Some(("firehose", "error-output-type")) => Part::ErrorOutputType,
            _ => Part::Other(expr),
        });
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// Checks Prefix and ErrorOutputPrefix at create/update time; `Err` holds the message.
/// (kinesin's wording: AWS answers InvalidArgumentException for these; its exact texts were
/// not found.)
pub fn validate(prefix: &str, error_prefix: &str) -> Result<(), String> {
    let p = parse(prefix)?;
    let e = parse(error_prefix)?;
    let check = |parts: &[Part<'_>], what: &str, error_side: bool| -> Result<(), String> {
        for part in parts {
            match part {
                Part::Timestamp(pattern) => {
                    java_format(pattern, &civil(0))?;
                }
                Part::ErrorOutputType if !error_side => {
                    return Err(format!(
                        "The expression !{{firehose:error-output-type}} is only allowed in ErrorOutputPrefix, not in {what}."
                    ))
                }
                Part::Other(expr) => {
                    return Err(format!(
                        "The expression !{{{expr}}} in {what} is not supported (kinesin supports the timestamp and firehose namespaces; dynamic partitioning is not implemented yet)."
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    };
    check(&p, "Prefix", false)?;
    check(&e, "ErrorOutputPrefix", true)?;
    let has_expr = |parts: &[Part<'_>]| parts.iter().any(|p| !matches!(p, Part::Text(_)));
    if has_expr(&p) && !e.iter().any(|x| matches!(x, Part::ErrorOutputType)) {
        return Err("ErrorOutputPrefix must contain the expression !{firehose:error-output-type} when Prefix contains expressions.".into());
    }
    if !has_expr(&p) && has_expr(&e) && !prefix.is_empty() {
        return Err("ErrorOutputPrefix may contain expressions only when Prefix contains expressions.".into());
    }
    Ok(())
}

/// An 11-character random string as `!{firehose:random-string}` gives.
pub fn random_string() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..11).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

/// The evaluated prefix of a delivered object. A prefix without a timestamp expression
/// gets the default `yyyy/MM/dd/HH/` appended; every timestamp uses the same instant.
pub fn evaluate_prefix(prefix: &str, t: &Civil, error_type: Option<&str>) -> Result<String, String> {
    let parts = parse(prefix)?;
    let mut out = String::new();
    let mut has_timestamp = false;
    for part in &parts {
        match part {
            Part::Text(s) => out.push_str(s),
            Part::Timestamp(pattern) => {
                has_timestamp = true;
                out.push_str(&java_format(pattern, t)?);
            }
            Part::RandomString => out.push_str(&random_string()),
            Part::ErrorOutputType => out.push_str(error_type.unwrap_or("")),
            Part::Other(expr) => return Err(format!("unsupported expression !{{{expr}}}")),
        }
    }
    if !has_timestamp {
        out.push_str(&java_format("yyyy/MM/dd/HH/", t)?);
    }
    Ok(out)
}

/// The default file extension of a compression format.
pub fn default_extension(compression: &str) -> &'static str {
    match compression {
        "GZIP" => ".gz",
        "ZIP" => ".zip",
        "Snappy" => ".snappy",
        "HADOOP_SNAPPY" => ".hsnappy",
        _ => "",
    }
}

/// `<prefix><stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><ext>`.
pub fn object_key(prefix: &str, stream: &str, version: i64, t: &Civil, uuid: &str, ext: &str) -> String {
    format!(
        "{prefix}{stream}-{version}-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{uuid}{ext}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-03-05T07:08:09.123Z
    const T: i64 = 1_772_694_489_123;

    #[test]
    fn civil_fields() {
        let c = civil(T);
        assert_eq!((c.year, c.month, c.day, c.hour, c.minute, c.second, c.milli), (2026, 3, 5, 7, 8, 9, 123));
        assert_eq!(c.day_of_year, 64);
        let e = civil(0);
        assert_eq!((e.year, e.month, e.day, e.hour), (1970, 1, 1, 0));
        let leap = civil(951_782_400_000); // 2000-02-29
        assert_eq!((leap.year, leap.month, leap.day), (2000, 2, 29));
        assert_eq!(civil(978_220_800_000).day_of_year, 366); // 2000-12-31
    }

    #[test]
    fn java_patterns() {
        let c = civil(T);
        assert_eq!(java_format("yyyy/MM/dd/HH/", &c).unwrap(), "2026/03/05/07/");
        assert_eq!(java_format("yyyy-MM-dd'T'HH:mm:ss.SSS", &c).unwrap(), "2026-03-05T07:08:09.123");
        assert_eq!(java_format("'year='yyyy'/month='MM", &c).unwrap(), "year=2026/month=03");
        assert_eq!(java_format("yy M d MMM MMMM D ''", &c).unwrap(), "26 3 5 Mar March 64 '");
        assert!(java_format("yyyy Q", &c).is_err());
        assert!(java_format("'open", &c).is_err());
    }

    #[test]
    fn prefixes() {
        let c = civil(T);
        assert_eq!(evaluate_prefix("", &c, None).unwrap(), "2026/03/05/07/");
        assert_eq!(evaluate_prefix("logs/", &c, None).unwrap(), "logs/2026/03/05/07/");
        assert_eq!(evaluate_prefix("a/!{timestamp:yyyy}/x/!{timestamp:HH}/", &c, None).unwrap(), "a/2026/x/07/");
        let r = evaluate_prefix("r/!{firehose:random-string}/!{timestamp:yyyy}/", &c, None).unwrap();
        assert_eq!(r.len(), "r//2026/".len() + 11);
        assert_eq!(
            evaluate_prefix("err/!{firehose:error-output-type}/", &c, Some("processing-failed")).unwrap(),
            "err/processing-failed/2026/03/05/07/"
        );
    }

    #[test]
    fn prefix_validation() {
        assert!(validate("", "").is_ok());
        assert!(validate("plain/", "errors/").is_ok());
        assert!(validate("!{timestamp:yyyy}/", "").is_err());
        assert!(validate("!{timestamp:yyyy}/", "e/!{firehose:error-output-type}/").is_ok());
        assert!(validate("!{firehose:error-output-type}/", "e/!{firehose:error-output-type}").is_err());
        assert!(validate("!{partitionKeyFromQuery:k}/", "e/!{firehose:error-output-type}").is_err());
        assert!(validate("!{timestamp:yyyy Q}/", "e/!{firehose:error-output-type}").is_err());
    }

    #[test]
    fn key_format() {
        let c = civil(T);
        let k = object_key("2026/03/05/07/", "s1", 3, &c, "0d9f6c4e-2b1a-4c3d-9e8f-7a6b5c4d3e2f", ".gz");
        assert_eq!(k, "2026/03/05/07/s1-3-2026-03-05-07-08-09-0d9f6c4e-2b1a-4c3d-9e8f-7a6b5c4d3e2f.gz");
        assert_eq!(default_extension("GZIP"), ".gz");
        assert_eq!(default_extension("UNCOMPRESSED"), "");
    }
}
