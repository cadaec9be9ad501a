//! Redshift's COPY, replayed on PostgreSQL: the `CopyOptions` of a Redshift destination
//! are parsed, the batch's data is read as Redshift would read the intermediate S3 object
//! (pipe-delimited text, CSV or JSON 'auto'), and the rows are streamed to PostgreSQL as
//! CSV with `COPY <table> [(<columns>)] FROM STDIN WITH (FORMAT csv)` (PostgreSQL cannot
//! read S3, and its own text format differs from Redshift's).
//!
//! Supported options: `DELIMITER`, `CSV` / `FORMAT AS CSV` with `QUOTE`, `JSON 'auto'` /
//! `JSON 'auto ignorecase'` / `FORMAT AS JSON ...`, `NULL AS`, `IGNOREHEADER`,
//! `EMPTYASNULL`, `BLANKSASNULL`, `REMOVEQUOTES`, `ESCAPE`; compression options (`GZIP`,
//! `BZIP2`, `LZOP`, `ZSTD`) are accepted (the data is given uncompressed) and so are
//! options without effect here (`TIMEFORMAT`, `DATEFORMAT`, `REGION`, `COMPUPDATE`,
//! `STATUPDATE`, `MAXERROR`, `ACCEPTINVCHARS`, `TRUNCATECOLUMNS`, `TRIMBLANKS`, ...).
//! Columnar and fixed-width formats and JSONPaths files are refused.

use serde_json::Value;

/// How the intermediate data is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Delimited text (Redshift's default: `|`).
    Text,
    /// CSV with a quote character.
    Csv {
        /// Quote character (default `"`).
        quote: char,
    },
    /// JSON objects matched to columns by key.
    Json {
        /// `'auto ignorecase'`: keys match columns whatever their case.
        ignore_case: bool,
    },
}

/// The parsed `CopyOptions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Format.
    pub format: Format,
    /// Field delimiter.
    pub delimiter: char,
    /// The text read as NULL (`NULL AS`; Redshift's default `\N`).
    pub null_as: String,
    /// Lines skipped at the start (`IGNOREHEADER`).
    pub ignore_header: usize,
    /// Empty fields are NULL.
    pub empty_as_null: bool,
    /// Whitespace-only fields are NULL.
    pub blanks_as_null: bool,
    /// Surrounding quotes of text fields are removed.
    pub remove_quotes: bool,
    /// Backslash escapes the next character in text fields.
    pub escape: bool,
}

fn tokens(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == ',' {
            chars.next();
        } else if c == '\'' {
            chars.next();
            let mut lit = String::from("'");
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        lit.push('\'');
                    }
                    Some('\'') => break,
                    Some('\\') => {
                        // Redshift literals take backslash escapes ('\t', '\\', '\'').
                        match chars.next() {
                            Some('t') => lit.push('\t'),
                            Some('n') => lit.push('\n'),
                            Some(o) => lit.push(o),
                            None => return Err("unterminated quoted string in CopyOptions".into()),
                        }
                    }
                    Some(o) => lit.push(o),
                    None => return Err("unterminated quoted string in CopyOptions".into()),
                }
            }
            out.push(lit);
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '\'' || c == ',' {
                    break;
                }
                word.push(c);
                chars.next();
            }
            out.push(word);
        }
    }
    Ok(out)
}

/// The tokens of `CopyOptions`, read one option at a time.
struct Options {
    toks: Vec<String>,
    /// The token being read.
    i: usize,
}

impl Options {
    /// The token after the current one as a literal (`'x'` -> `x`), if it is one.
    fn next_literal(&self) -> Option<String> {
        self.toks.get(self.i + 1).and_then(|t| t.strip_prefix('\'')).map(str::to_string)
    }

    /// Takes an optional `AS`, then the argument.
    fn arg(&mut self) -> Option<String> {
        if self.toks.get(self.i + 1).is_some_and(|t| t.eq_ignore_ascii_case("AS")) {
            self.i += 1;
        }
        self.i += 1;
        self.toks.get(self.i).cloned()
    }

    /// Takes a literal argument (an optional `AS`, then `'x'`), or nothing.
    fn literal_arg(&mut self) -> Option<String> {
        self.arg().and_then(|t| t.strip_prefix('\'').map(str::to_string))
    }

    /// Takes the argument of an option whose argument is optional, if one follows.
    fn optional_arg(&mut self) {
        let has_arg = self.toks.get(self.i + 1).is_some_and(|t| {
            t.starts_with('\'')
                || matches!(t.to_ascii_uppercase().as_str(), "AS" | "ON" | "OFF" | "TRUE" | "FALSE" | "PRESET")
        });
        if has_arg {
            self.arg();
        }
    }
}

/// Parses `CopyOptions`; `Err` names what kinesin cannot replay.
pub fn parse(options: &str) -> Result<Plan, String> {
    let mut opts = Options { toks: tokens(options)?, i: 0 };
    let mut plan = Plan {
        format: Format::Text,
        delimiter: '|',
        null_as: "\\N".into(),
        ignore_header: 0,
        empty_as_null: false,
        blanks_as_null: false,
        remove_quotes: false,
        escape: false,
    };
    let mut delimiter = None;
    while opts.i < opts.toks.len() {
        let word = opts.toks[opts.i].to_ascii_uppercase();
        if word == "DELIMITER" {
            let d = opts.literal_arg().unwrap_or_default();
            delimiter = Some(d.chars().next().ok_or("DELIMITER needs a character")?);
        } else {
            option(&word, &mut opts, &mut plan)?;
        }
        opts.i += 1;
    }
    plan.delimiter = delimiter.unwrap_or(if matches!(plan.format, Format::Csv { .. }) { ',' } else { '|' });
    Ok(plan)
}

/// Applies one option (`word`, at the cursor of `opts`) to `plan`.
fn option(word: &str, opts: &mut Options, plan: &mut Plan) -> Result<(), String> {
    match word {
        "FORMAT" => plan.format = format_as(opts)?,
        "CSV" => plan.format = Format::Csv { quote: '"' },
        "JSON" => {
            let spec = opts.arg();
            plan.format = json_format(spec.as_deref().and_then(|s| s.strip_prefix('\'')))?;
        }
        "QUOTE" => {
            let q = opts.literal_arg().unwrap_or_default();
            let quote = q.chars().next().ok_or("QUOTE needs a character")?;
            if let Format::Csv { quote: ref mut current } = plan.format {
                *current = quote;
            } else {
                plan.format = Format::Csv { quote };
            }
        }
        "NULL" => plan.null_as = opts.literal_arg().unwrap_or_default(),
        "IGNOREHEADER" => {
            plan.ignore_header = opts.arg().and_then(|n| n.parse().ok()).ok_or("IGNOREHEADER needs a number")?;
        }
        "EMPTYASNULL" => plan.empty_as_null = true,
        "BLANKSASNULL" => plan.blanks_as_null = true,
        "REMOVEQUOTES" => plan.remove_quotes = true,
        "ESCAPE" => plan.escape = true,
        "GZIP" | "BZIP2" | "LZOP" | "ZSTD" | "TRUNCATECOLUMNS" | "TRIMBLANKS" | "FILLRECORD" | "ROUNDEC"
        | "EXPLICIT_IDS" | "IGNOREBLANKLINES" | "NOLOAD" => {}
        "TIMEFORMAT" | "DATEFORMAT" | "REGION" | "MAXERROR" | "ENCODING" => {
            opts.arg();
        }
        "ACCEPTINVCHARS" | "COMPUPDATE" | "STATUPDATE" | "ACCEPTANYDATE" => opts.optional_arg(),
        other => return Err(format!("COPY option {other} is not supported by kinesin")),
    }
    Ok(())
}

/// `FORMAT [AS] CSV | JSON ['spec']`.
fn format_as(opts: &mut Options) -> Result<Format, String> {
    let f = opts.arg().unwrap_or_default().to_ascii_uppercase();
    match f.as_str() {
        "CSV" => Ok(Format::Csv { quote: '"' }),
        "JSON" => {
            let spec = opts.next_literal();
            let format = json_format(spec.as_deref())?;
            if spec.is_some() {
                opts.i += 1;
            }
            Ok(format)
        }
        other => Err(format!("COPY format {other} is not supported by kinesin")),
    }
}

fn json_format(spec: Option<&str>) -> Result<Format, String> {
    match spec.map(str::to_ascii_lowercase).as_deref() {
        None | Some("auto") => Ok(Format::Json { ignore_case: false }),
        Some("auto ignorecase") => Ok(Format::Json { ignore_case: true }),
        Some(other) => Err(format!("JSON '{other}' (a JSONPaths file) is not supported by kinesin; use JSON 'auto'")),
    }
}

/// The statement that loads the rows [`rows`] produces.
pub fn statement(table: &str, columns: &[String]) -> String {
    if columns.is_empty() {
        format!("COPY {table} FROM STDIN WITH (FORMAT csv)")
    } else {
        format!("COPY {table} ({}) FROM STDIN WITH (FORMAT csv)", columns.join(", "))
    }
}

/// The column names of `DataTableColumns` (`a, b ,c`).
pub fn columns(spec: &str) -> Vec<String> {
    spec.split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect()
}

/// The data as PostgreSQL CSV: every value quoted, NULL as an unquoted empty field.
/// `columns` matter for JSON only (keys are matched to them).
pub fn rows(plan: &Plan, data: &[u8], columns: &[String]) -> Result<Vec<u8>, String> {
    let records: Vec<Vec<Option<String>>> = match plan.format {
        Format::Json { ignore_case } => json_rows(data, columns, ignore_case)?,
        Format::Csv { quote } => {
            let text = String::from_utf8_lossy(data);
            csv_rows(&text, plan.delimiter, quote).into_iter().skip(plan.ignore_header).collect()
        }
        Format::Text => {
            let text = String::from_utf8_lossy(data);
            text.lines().skip(plan.ignore_header).filter(|l| !l.is_empty()).map(|l| text_fields(plan, l)).collect()
        }
    };
    let mut out = String::new();
    for row in records {
        let fields: Vec<String> = row
            .into_iter()
            .map(|f| match f {
                Some(v) if !is_null(plan, &v) => format!("\"{}\"", v.replace('"', "\"\"")),
                _ => String::new(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    Ok(out.into_bytes())
}

fn is_null(plan: &Plan, v: &str) -> bool {
    (!matches!(plan.format, Format::Json { .. }) && v == plan.null_as)
        || (plan.empty_as_null && v.is_empty())
        || (plan.blanks_as_null && !v.is_empty() && v.trim().is_empty())
}

fn text_fields(plan: &Plan, line: &str) -> Vec<Option<String>> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if plan.escape && c == '\\' {
            if let Some(n) = chars.next() {
                cur.push(n);
            }
        } else if c == plan.delimiter {
            fields.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    fields.push(cur);
    fields
        .into_iter()
        .map(|f| {
            let f = if plan.remove_quotes && f.len() >= 2 && f.starts_with('"') && f.ends_with('"') {
                f[1..f.len() - 1].to_string()
            } else {
                f
            };
            Some(f)
        })
        .collect()
}

fn csv_rows(text: &str, delimiter: char, quote: char) -> Vec<Vec<Option<String>>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if quoted {
            if c == quote {
                if chars.peek() == Some(&quote) {
                    field.push(quote);
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == quote {
            quoted = true;
        } else if c == delimiter {
            row.push(Some(std::mem::take(&mut field)));
        } else if c == '\n' {
            row.push(Some(std::mem::take(&mut field)));
            rows.push(std::mem::take(&mut row));
            any = false;
        } else if c != '\r' {
            field.push(c);
        }
    }
    if any {
        row.push(Some(field));
        rows.push(row);
    }
    rows
}

fn json_rows(data: &[u8], columns: &[String], ignore_case: bool) -> Result<Vec<Vec<Option<String>>>, String> {
    let mut rows = Vec::new();
    for value in serde_json::Deserializer::from_slice(data).into_iter::<Value>() {
        let value = value.map_err(|e| format!("Invalid JSON in the data: {e}"))?;
        let Value::Object(obj) = value else {
            return Err("JSON 'auto' needs JSON objects, one per row".into());
        };
        let row = columns
            .iter()
            .map(|c| {
                let v = if ignore_case {
                    obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(c)).map(|(_, v)| v)
                } else {
                    obj.get(c.as_str())
                };
                match v {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(other) => Some(other.to_string()),
                }
            })
            .collect();
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(plan: &Plan, data: &str, cols: &[&str]) -> String {
        let cols: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
        String::from_utf8(rows(plan, data.as_bytes(), &cols).unwrap()).unwrap()
    }

    #[test]
    fn default_is_pipe_delimited_text_with_backslash_n_as_null() {
        let p = parse("").unwrap();
        assert_eq!((p.format.clone(), p.delimiter), (Format::Text, '|'));
        assert_eq!(csv(&p, "a|b\\c|\\N\n\nx|\"y\"|z\n", &[]), "\"a\",\"b\\c\",\n\"x\",\"\"\"y\"\"\",\"z\"\n");
    }

    #[test]
    fn options_are_parsed() {
        let p = parse("delimiter ',' IGNOREHEADER 1 EMPTYASNULL gzip TIMEFORMAT 'auto' COMPUPDATE OFF").unwrap();
        assert_eq!((p.delimiter, p.ignore_header, p.empty_as_null), (',', 1, true));
        assert_eq!(csv(&p, "h1,h2\n1,\n", &[]), "\"1\",\n");
        let p = parse("CSV QUOTE AS '''' NULL AS 'nil'").unwrap();
        assert_eq!((p.format.clone(), p.delimiter, p.null_as.as_str()), (Format::Csv { quote: '\'' }, ',', "nil"));
        assert_eq!(csv(&p, "'a,b',nil,'it''s'\n", &[]), "\"a,b\",,\"it's\"\n");
        let p = parse("DELIMITER '\\t' ESCAPE REMOVEQUOTES").unwrap();
        assert_eq!(csv(&p, "\"q\"\ta\\\tb\n", &[]), "\"q\",\"a\tb\"\n");
        assert!(parse("FORMAT AS PARQUET").is_err());
        assert!(parse("json 's3://bucket/paths.json'").is_err());
        assert!(parse("FIXEDWIDTH 'a:1'").is_err());
        assert!(parse("DELIMITER 'x").is_err());
    }

    #[test]
    fn json_auto_matches_keys_to_columns() {
        for opts in ["json 'auto'", "FORMAT AS JSON 'auto'", "JSON AS 'auto'", "format json 'auto'"] {
            assert_eq!(parse(opts).unwrap().format, Format::Json { ignore_case: false }, "{opts}");
        }
        let p = parse("json 'auto'").unwrap();
        let data = r#"{"id":1,"name":"a \"q\"","tags":["x"]}{"id":2,"Name":"B"}
{"id":3,"name":null}"#;
        assert_eq!(csv(&p, data, &["id", "name", "tags"]), "\"1\",\"a \"\"q\"\"\",\"[\"\"x\"\"]\"\n\"2\",,\n\"3\",,\n");
        let p = parse("json 'auto ignorecase'").unwrap();
        assert_eq!(csv(&p, r#"{"ID":2,"Name":"B"}"#, &["id", "name"]), "\"2\",\"B\"\n");
        assert!(rows(&p, b"[1,2]", &["id".to_string()]).is_err());
        assert_eq!(statement("public.t", &columns(" a, b ")), "COPY public.t (a, b) FROM STDIN WITH (FORMAT csv)");
    }
}
