//! XML text escaping, shared by every XML protocol (SQS query answers, S3, IAM and STS).

use std::fmt::Write as _;

/// Escapes text for XML content and attributes. Control characters but tab and line feed
/// become character references, as S3 writes them (a carriage return would otherwise be
/// read back as a line feed, breaking an SQS body's MD5).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

/// [`escape`], appended to `out`.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n') => {
                let _ = write!(out, "&#x{:X};", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Escapes the four characters IAM and STS escape in their answers (`&`, `<`, `>`, `"`);
/// other text is written as it is.
pub fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Undoes the five predefined entities (enough for the element text S3 requests carry).
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = "a<b>&\"c'\r";
        assert_eq!(escape(s), "a&lt;b&gt;&amp;&quot;c&apos;&#xD;");
        assert_eq!(unescape("a&lt;b&gt;&amp;&quot;c&apos;"), "a<b>&\"c'");
    }
}
