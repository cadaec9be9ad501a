//! S3 object keys of deliveries: UTC civil time, Java `DateTimeFormatter` patterns, the
//! `!{namespace:value}` prefix expressions and the fixed suffix
//! `<stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><ext>`, in UTC or in the
//! destination's `CustomTimeZone`; dynamic partitioning's `!{partitionKeyFromQuery:k}` and
//! `!{partitionKeyFromLambda:k}`.

use std::collections::BTreeMap;

/// Partition keys of a record: name -> value.
pub type PartitionKeys = BTreeMap<String, String>;

pub use crate::clock::{civil, Civil};

/// Whether `tz` is a usable `CustomTimeZone`: empty (UTC) or an IANA time zone name matching
/// the model's pattern `[a-zA-Z/_]+` (AWS accepts a listed subset of IANA names).
pub fn valid_time_zone(tz: &str) -> bool {
    tz.is_empty()
        || (tz.len() <= 50
            && tz.bytes().all(|b| b.is_ascii_alphabetic() || b == b'/' || b == b'_')
            && jiff::tz::TimeZone::get(tz).is_ok())
}

/// Epoch milliseconds as calendar fields in the time zone `tz` (an IANA name; "" or an
/// unknown name is UTC): what prefixes and key suffixes use with a `CustomTimeZone`.
pub fn civil_in(ms: i64, tz: &str) -> Civil {
    if tz.is_empty() || tz == "UTC" {
        return civil(ms);
    }
    let Ok(zone) = jiff::tz::TimeZone::get(tz) else { return civil(ms) };
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else { return civil(ms) };
    let offset_s = i64::from(zone.to_offset(ts).seconds());
    civil(ms + offset_s * 1000)
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
    QueryKey(&'a str),
    LambdaKey(&'a str),
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
            Some(("partitionKeyFromQuery", k)) if !k.is_empty() => Part::QueryKey(k),
            Some(("partitionKeyFromLambda", k)) if !k.is_empty() => Part::LambdaKey(k),
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
    validate_with(prefix, error_prefix, false)
}

/// [`validate`] for a destination with dynamic partitioning `enabled` or not: partition key
/// expressions are allowed (in Prefix only) with it, and it requires an ErrorOutputPrefix and
/// at least one partition key expression in Prefix.
pub fn validate_with(prefix: &str, error_prefix: &str, dynamic: bool) -> Result<(), String> {
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
                Part::QueryKey(k) | Part::LambdaKey(k) if error_side => {
                    return Err(format!(
                        "The partition key expression with key {k} is not allowed in ErrorOutputPrefix."
                    ))
                }
                Part::QueryKey(_) | Part::LambdaKey(_) if !dynamic => {
                    return Err(format!(
                        "{what} contains partitionKeyFromQuery or partitionKeyFromLambda expressions, which are only allowed when dynamic partitioning is enabled."
                    ))
                }
                Part::Other(expr) => {
                    return Err(format!(
                        "The expression !{{{expr}}} in {what} is not supported (namespaces: timestamp, firehose, partitionKeyFromQuery, partitionKeyFromLambda)."
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    };
    check(&p, "Prefix", false)?;
    check(&e, "ErrorOutputPrefix", true)?;
    if dynamic {
        if error_prefix.is_empty() {
            return Err("ErrorOutputPrefix is required when dynamic partitioning is enabled.".into());
        }
        if !p.iter().any(|x| matches!(x, Part::QueryKey(_) | Part::LambdaKey(_))) {
            return Err("When dynamic partitioning is enabled, Prefix must contain at least one partitionKeyFromQuery or partitionKeyFromLambda expression.".into());
        }
    }
    let has_expr = |parts: &[Part<'_>]| parts.iter().any(|p| !matches!(p, Part::Text(_)));
    if has_expr(&p) && !e.iter().any(|x| matches!(x, Part::ErrorOutputType)) {
        return Err("ErrorOutputPrefix must contain the expression !{firehose:error-output-type} when Prefix contains expressions.".into());
    }
    if !has_expr(&p) && has_expr(&e) && !prefix.is_empty() {
        return Err("ErrorOutputPrefix may contain expressions only when Prefix contains expressions.".into());
    }
    Ok(())
}

/// Which partition key namespaces a prefix uses: (`partitionKeyFromQuery`, `partitionKeyFromLambda`).
pub fn partition_key_use(prefix: &str) -> (bool, bool) {
    let parts = parse(prefix).unwrap_or_default();
    (parts.iter().any(|p| matches!(p, Part::QueryKey(_))), parts.iter().any(|p| matches!(p, Part::LambdaKey(_))))
}

/// An 11-character random string as `!{firehose:random-string}` gives.
pub fn random_string() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..11).map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char).collect()
}

/// The evaluated prefix of a delivered object. A prefix without a timestamp expression
/// gets the default `yyyy/MM/dd/HH/` appended; every timestamp uses the same instant.
/// Partition key expressions are an error here: see [`evaluate_prefix_keys`].
pub fn evaluate_prefix(prefix: &str, t: &Civil, error_type: Option<&str>) -> Result<String, String> {
    let none = PartitionKeys::new();
    evaluate_prefix_keys(prefix, t, error_type, &none, &none)
}

/// [`evaluate_prefix`] with the partition keys of a dynamically partitioned object:
/// `!{partitionKeyFromQuery:k}` from `query` (MetadataExtraction), `!{partitionKeyFromLambda:k}`
/// from `lambda` (the transform's `metadata.partitionKeys`). A key missing from its map is an
/// error (the records then go to the error output).
pub fn evaluate_prefix_keys(
    prefix: &str,
    t: &Civil,
    error_type: Option<&str>,
    query: &PartitionKeys,
    lambda: &PartitionKeys,
) -> Result<String, String> {
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
            Part::QueryKey(k) => out.push_str(
                query
                    .get(*k)
                    .ok_or_else(|| format!("partitionKeyFromQuery:{k} not found in the record's partition keys"))?,
            ),
            Part::LambdaKey(k) => out.push_str(
                lambda
                    .get(*k)
                    .ok_or_else(|| format!("partitionKeyFromLambda:{k} not found in the record's partition keys"))?,
            ),
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
        assert!(validate("!{nope:k}/", "e/!{firehose:error-output-type}").is_err());
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

    #[test]
    fn partition_key_prefixes() {
        let e = "err/!{firehose:error-output-type}/";
        let p = "cust=!{partitionKeyFromQuery:customer_id}/dev=!{partitionKeyFromLambda:device}/";
        assert!(validate_with(p, e, true).is_ok());
        assert!(validate_with(p, e, false).unwrap_err().contains("only allowed when dynamic partitioning is enabled"));
        assert!(validate_with(p, "", true).unwrap_err().contains("ErrorOutputPrefix is required"));
        assert!(validate_with("plain/", e, true).unwrap_err().contains("at least one"));
        assert!(
            validate_with(p, "err/!{partitionKeyFromQuery:customer_id}/!{firehose:error-output-type}", true).is_err()
        );
        assert!(validate_with("!{partitionKeyFromQuery:}/", e, true).is_err());
        assert_eq!(partition_key_use(p), (true, true));
        assert_eq!(partition_key_use("a/!{partitionKeyFromQuery:x}"), (true, false));
        let c = civil(T);
        let q: PartitionKeys = [("customer_id".to_string(), "c1".to_string())].into();
        let l: PartitionKeys = [("device".to_string(), "d9".to_string())].into();
        assert_eq!(evaluate_prefix_keys(p, &c, None, &q, &l).unwrap(), "cust=c1/dev=d9/2026/03/05/07/");
        assert!(evaluate_prefix_keys(p, &c, None, &q, &PartitionKeys::new()).is_err());
        assert!(evaluate_prefix(p, &c, None).is_err());
        let with_ts = "!{partitionKeyFromQuery:customer_id}/!{timestamp:yyyy-MM-dd}/";
        assert_eq!(evaluate_prefix_keys(with_ts, &c, None, &q, &l).unwrap(), "c1/2026-03-05/");
    }

    #[test]
    fn custom_time_zones() {
        assert!(valid_time_zone(""));
        assert!(valid_time_zone("Asia/Tokyo"));
        assert!(valid_time_zone("America/Los_Angeles"));
        assert!(!valid_time_zone("Mars/Olympus"));
        assert!(!valid_time_zone("UTC+9"));
        // 2026-03-05T07:08:09Z is 16:08:09 in Tokyo (UTC+9, no DST).
        let tokyo = civil_in(T, "Asia/Tokyo");
        assert_eq!((tokyo.day, tokyo.hour, tokyo.minute, tokyo.milli), (5, 16, 8, 123));
        // Los Angeles: PST (UTC-8) in early March, so the previous day.
        let la = civil_in(T, "America/Los_Angeles");
        assert_eq!((la.day, la.hour), (4, 23));
        // After the DST switch (2026-03-08), PDT is UTC-7.
        let summer = civil_in(T + 30 * 86_400_000, "America/Los_Angeles");
        assert_eq!((summer.day, summer.hour), (4, 0));
        assert_eq!(civil_in(T, ""), civil(T));
        assert_eq!(civil_in(T, "Nowhere/Else"), civil(T));
        assert_eq!(java_format("yyyy/MM/dd/HH/", &tokyo).unwrap(), "2026/03/05/16/");
    }
}
