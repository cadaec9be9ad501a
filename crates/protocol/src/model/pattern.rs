//! Model patterns are Java regular expressions that must match the whole value.
//!
//! They are compiled once with the `regex` crate as `\A(?:pattern)\z`, after rewriting the
//! few constructs whose meaning differs between Java and Rust:
//! * `\d \w \s` (and `\D \W \S`) are ASCII classes in Java but Unicode classes in Rust;
//! * `.` outside a class also excludes `\r`, U+0085, U+2028 and U+2029 in Java.
//!
//! Patterns Rust cannot express (lookaround such as Firehose's `^(?!\s*$).+`, backreferences,
//! `\Q..\E`) do not compile and are then not checked (`compile` returns `None`).

use regex::Regex;

/// The whole-value matcher for a Java pattern, or `None` if Rust's regex cannot express it.
pub(super) fn compile(java: &str) -> Option<Regex> {
    let translated = translate(java);
    regex::RegexBuilder::new(&format!(r"\A(?:{translated})\z")).size_limit(1 << 22).build().ok()
}

fn translate(java: &str) -> String {
    let mut out = String::with_capacity(java.len() + 16);
    let mut chars = java.chars();
    let mut class_depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                // Nested classes are valid both inside and outside a class, in both dialects.
                Some('d') => out.push_str("[0-9]"),
                Some('D') => out.push_str("[^0-9]"),
                Some('w') => out.push_str("[0-9A-Za-z_]"),
                Some('W') => out.push_str("[^0-9A-Za-z_]"),
                Some('s') => out.push_str(r"[\t\n\x0B\x0C\r ]"),
                Some('S') => out.push_str(r"[^\t\n\x0B\x0C\r ]"),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' => {
                class_depth += 1;
                out.push('[');
                // A leading `]` (or `^]`) is a literal in both dialects; copy it verbatim
                // so it does not close the class here.
                let rest = chars.as_str();
                let skip = if rest.starts_with("^]") {
                    2
                } else if rest.starts_with(']') {
                    1
                } else {
                    0
                };
                for _ in 0..skip {
                    if let Some(c) = chars.next() {
                        out.push(c);
                    }
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
            }
            '.' if class_depth == 0 => out.push_str(r"[^\n\r\x{85}\x{2028}\x{2029}]"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(p: &str, s: &str) -> bool {
        compile(p).expect("compiles").is_match(s)
    }

    #[test]
    fn matches_whole_values() {
        assert!(whole("[a-zA-Z0-9_.-]+", "my-stream_1.x"));
        assert!(!whole("[a-zA-Z0-9_.-]+", "bad name"));
        assert!(!whole("[a-zA-Z0-9_.-]+", ""));
        assert!(whole("0|([1-9]\\d{0,38})", "0"));
        assert!(whole("0|([1-9]\\d{0,38})", "340282366920938463463374607431768211455"));
        assert!(!whole("0|([1-9]\\d{0,38})", "01"));
        // Alternation binds inside the group: no "0" prefix match.
        assert!(!whole("0|([1-9]\\d{0,38})", "0x"));
    }

    #[test]
    fn java_classes_are_ascii() {
        assert!(!whole("\\d+", "١٢٣")); // Arabic-Indic digits: \d is ASCII in Java
        assert!(whole("\\S+", "naïve")); // \S: anything but ASCII whitespace
        assert!(!whole("\\S+", "a b"));
        assert!(whole("[\\w.]+", "a_b.c"));
        assert!(!whole("[^\\d]", "5"));
        assert!(!whole(".*", "a\rb"));
        assert!(whole("[.]", "."));
    }

    #[test]
    fn model_patterns_compile() {
        // Patterns met in the Kinesis, Firehose, SQS and Pipes models.
        for p in [
            "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+",
            "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+",
            "[a-z0-9]{20}-[a-z0-9]{3}",
            "[\\u0001-\\uFFFF]*",
            "^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$",
            "[a-zA-Z0-9\\\\._\\\\-]+",
            "[!#$%&'*+-.^_`|~0-9a-zA-Z]+|(\\$(\\.[\\w/_-]+(\\[(\\d+|\\*)\\])*)*)",
            "[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F]+",
            "^$|\\.[0-9a-z!\\-_.*'()]+",
            "[\\s\\S]*",
            "[a-zA-Z0-9-\\/*:_+=.@-]*",
        ] {
            assert!(compile(p).is_some(), "{p}");
        }
        let arn =
            compile("^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+");
        assert!(arn.unwrap().is_match("arn:aws:kinesis:us-east-1:123456789012:stream/s/consumer/c:1"));
        // Lookaround has no Rust equivalent: left unchecked rather than failing.
        assert!(compile("^(?!\\s*$).+").is_none());
        assert!(compile("((?!-)[A-Za-z0-9-]{1,63}(?<!-)\\.)+").is_none());
    }
}
