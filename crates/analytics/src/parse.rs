//! Parsing application code: `CREATE OR REPLACE STREAM`, `CREATE OR REPLACE PUMP ... AS INSERT
//! INTO ... SELECT STREAM ...` on top of `sqlparser`'s query grammar.
//!
//! The SQLstream-only syntax is taken care of at the token level before the query parser runs:
//! the `STREAM` after `SELECT` is dropped (built-in dialects read it as an alias) and the `BY`
//! of `STEP(ts BY INTERVAL ...)` becomes a comma, so STEP is an ordinary two-argument function.
//! The window of a stream in FROM (`FROM s OVER (RANGE ...) AS a`, stream-to-stream joins) is
//! taken out and handed to the compiler beside the query.

use crate::error::CodeError;
use crate::types::SqlType;
use sqlparser::ast::{Ident, Query, WindowType};
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// Nesting limit of the query parser (bounds every later recursion over the tree).
const RECURSION_LIMIT: usize = 40;
/// Longest application code accepted (the model's own limit is 102400 characters).
const MAX_CODE_CHARS: usize = 102_400;

/// The SQL dialect of Kinesis Data Analytics (SQLstream): double-quoted identifiers.
#[derive(Debug, Default)]
pub struct KdaDialect;

impl Dialect for KdaDialect {
    fn is_identifier_start(&self, ch: char) -> bool {
        ch.is_alphabetic() || ch == '_'
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        ch.is_alphanumeric() || ch == '_' || ch == '$'
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        ch == '"'
    }

    fn supports_window_clause_named_window_reference(&self) -> bool {
        true
    }

    fn supports_named_fn_args_with_eq_operator(&self) -> bool {
        false
    }

    /// `CURSOR(SELECT STREAM ...)`, the stream argument of table functions.
    fn supports_subquery_as_function_arg(&self) -> bool {
        true
    }
}

/// One statement of application code.
#[derive(Debug)]
pub enum Statement {
    /// `CREATE OR REPLACE STREAM name (col type, ...)`.
    CreateStream { name: String, columns: Vec<(String, SqlType)>, at: Location },
    /// `CREATE OR REPLACE PUMP name AS INSERT INTO target [(cols)] query`.
    CreatePump {
        name: String,
        target: String,
        target_at: Location,
        columns: Option<Vec<String>>,
        query: Box<Query>,
        windows: StreamWindows,
    },
}

/// Windows written after streams of a FROM clause, each with the position of the stream
/// name it follows.
pub type StreamWindows = Vec<(Location, WindowType)>;

/// The name an identifier denotes: quoted as written, unquoted upper-cased.
pub fn fold(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_uppercase(),
    }
}

/// Parses the whole application code.
pub fn parse(code: &str) -> Result<Vec<Statement>, CodeError> {
    if code.chars().count() > MAX_CODE_CHARS {
        return Err(CodeError::new("application code is too long", Location::new(1, 1)));
    }
    let dialect = KdaDialect;
    let tokens =
        Tokenizer::new(&dialect, code).tokenize_with_location().map_err(|e| CodeError::new(&e.message, e.location))?;
    let (tokens, mut windows) = take_stream_windows(rewrite_stagger(rewrite(tokens)))?;
    let mut parser = Parser::new(&dialect).with_recursion_limit(RECURSION_LIMIT).with_tokens_with_locations(tokens);
    let mut out = Vec::new();
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        if parser.peek_token().token == Token::EOF {
            return match windows.first() {
                Some((at, _)) => Err(CodeError::new("OVER follows an aggregate or a stream of FROM", *at)),
                None => Ok(out),
            };
        }
        let mut st = statement(&mut parser)?;
        if let Statement::CreatePump { windows: mine, .. } = &mut st {
            let end = parser.peek_token().span.start;
            let ours = windows.iter().take_while(|(at, _)| end == Location::new(0, 0) || before(*at, end)).count();
            *mine = windows.drain(..ours).collect();
        }
        out.push(st);
    }
}

fn before(a: Location, b: Location) -> bool {
    (a.line, a.column) < (b.line, b.column)
}

fn statement(p: &mut Parser) -> Result<Statement, CodeError> {
    let at = p.peek_token().span.start;
    expect_keyword(p, Keyword::CREATE)?;
    let _ = p.parse_keywords(&[Keyword::OR, Keyword::REPLACE]);
    let kind = p.next_token();
    match &kind.token {
        Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("STREAM") => create_stream(p, at),
        Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("PUMP") => create_pump(p),
        other => Err(CodeError::new(&format!("Expected STREAM or PUMP, found: {other}"), kind.span.start)),
    }
}

fn create_stream(p: &mut Parser, at: Location) -> Result<Statement, CodeError> {
    let name = fold(&p.parse_identifier().map_err(err(p))?);
    p.expect_token(&Token::LParen).map_err(err(p))?;
    let mut columns = Vec::new();
    loop {
        let col = fold(&p.parse_identifier().map_err(err(p))?);
        let type_at = p.peek_token().span.start;
        let ty = p.parse_data_type().map_err(err(p))?;
        let ty = SqlType::parse(&ty.to_string())
            .ok_or_else(|| CodeError::new(&format!("Unsupported type {ty}"), type_at))?;
        columns.push((col, ty));
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    p.expect_token(&Token::RParen).map_err(err(p))?;
    if matches!(&p.peek_token().token, Token::Word(w) if w.value.eq_ignore_ascii_case("DESCRIPTION")) {
        p.next_token();
        p.parse_literal_string().map_err(err(p))?;
    }
    Ok(Statement::CreateStream { name, columns, at })
}

fn create_pump(p: &mut Parser) -> Result<Statement, CodeError> {
    let name = fold(&p.parse_identifier().map_err(err(p))?);
    expect_keyword(p, Keyword::AS)?;
    expect_keyword(p, Keyword::INSERT)?;
    expect_keyword(p, Keyword::INTO)?;
    let target_at = p.peek_token().span.start;
    let target = fold(&p.parse_identifier().map_err(err(p))?);
    let columns = match p.peek_tokens::<2>() {
        [Token::LParen, Token::Word(w)] if w.keyword != Keyword::SELECT => {
            p.next_token();
            let cols = p.parse_comma_separated(Parser::parse_identifier).map_err(err(p))?;
            p.expect_token(&Token::RParen).map_err(err(p))?;
            Some(cols.iter().map(fold).collect())
        }
        _ => None,
    };
    let query = p.parse_query().map_err(err(p))?;
    Ok(Statement::CreatePump { name, target, target_at, columns, query, windows: Vec::new() })
}

fn expect_keyword(p: &mut Parser, k: Keyword) -> Result<(), CodeError> {
    p.expect_keyword(k).map(|_| ()).map_err(err(p))
}

/// Maps a parser error to a code error at the current token.
fn err<'a>(p: &'a Parser<'_>) -> impl Fn(ParserError) -> CodeError + 'a {
    move |e| {
        let msg = e.to_string();
        let msg = msg.strip_prefix("sql parser error: ").unwrap_or(&msg);
        let msg = msg.split(" at Line: ").next().unwrap_or(msg);
        CodeError::new(msg, p.peek_token().span.start)
    }
}

/// The token-level rewrites of SQLstream syntax (see the module doc).
fn rewrite(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    // Paren depth of each open `STEP(`, relative to the current depth.
    let mut steps: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    for mut t in tokens {
        match &t.token {
            Token::Word(w) if is_plain(w, "STREAM") && last_is_select(&out) => continue,
            Token::LParen => depth += 1,
            Token::RParen => {
                if steps.last() == Some(&depth) {
                    steps.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Token::Word(w) if w.keyword == Keyword::BY && steps.last() == Some(&depth) => {
                t.token = Token::Comma;
            }
            _ => {}
        }
        if t.token == Token::LParen && last_word_is(&out, "STEP") {
            steps.push(depth);
        }
        out.push(t);
    }
    out
}

/// `WINDOWED BY STAGGER (PARTITION BY p... RANGE INTERVAL ...)` becomes
/// `GROUP BY p..., STAGGER(INTERVAL ...)`: a grouping the compiler recognizes.
fn rewrite_stagger(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        match stagger_at(&tokens, i) {
            Some((open, close)) => {
                let inner: Vec<&TokenWithSpan> =
                    tokens[open + 1..close].iter().filter(|t| !matches!(t.token, Token::Whitespace(_))).collect();
                let span = tokens[i].span;
                let word = |t: Token| TokenWithSpan::new(t, span);
                let range =
                    inner.iter().position(|t| matches!(&t.token, Token::Word(w) if w.keyword == Keyword::RANGE));
                let (partition, interval) = match (inner.get(..2), range) {
                    (Some([p, b]), Some(r))
                        if matches!(&p.token, Token::Word(w) if w.keyword == Keyword::PARTITION)
                            && matches!(&b.token, Token::Word(w) if w.keyword == Keyword::BY) =>
                    {
                        (&inner[2..r], &inner[r + 1..])
                    }
                    _ => (&inner[..], &inner[inner.len()..]),
                };
                out.push(word(Token::make_keyword("GROUP")));
                out.push(word(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space)));
                out.push(word(Token::make_keyword("BY")));
                out.push(word(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space)));
                out.extend(partition.iter().map(|t| (*t).clone()));
                out.push(word(Token::Comma));
                out.push(word(Token::make_word("STAGGER", None)));
                out.push(word(Token::LParen));
                for t in interval {
                    out.push((*t).clone());
                    out.push(word(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space)));
                }
                out.push(word(Token::RParen));
                i = close + 1;
            }
            None => {
                out.push(tokens[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// Takes `OVER (spec)` and `OVER name` following a name (a stream of FROM; an aggregate's
/// OVER follows a parenthesis) out of the tokens.
fn take_stream_windows(tokens: Vec<TokenWithSpan>) -> Result<(Vec<TokenWithSpan>, StreamWindows), CodeError> {
    let mut out: Vec<TokenWithSpan> = Vec::with_capacity(tokens.len());
    let mut windows = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let over = matches!(&tokens[i].token, Token::Word(w) if w.keyword == Keyword::OVER);
        let name = out.iter().rev().find(|t| !matches!(t.token, Token::Whitespace(_)));
        match name {
            Some(name) if over && matches!(name.token, Token::Word(_)) => {
                let (window, next) = stream_window(&tokens, i)?;
                windows.push((name.span.start, window));
                i = next;
            }
            _ => {
                out.push(tokens[i].clone());
                i += 1;
            }
        }
    }
    Ok((out, windows))
}

/// The window after the `OVER` at `over`, and the index of the token after it.
fn stream_window(tokens: &[TokenWithSpan], over: usize) -> Result<(WindowType, usize), CodeError> {
    let missing = || CodeError::new("Expected a window after OVER", tokens[over].span.start);
    let start = (over + 1..tokens.len()).find(|&j| !matches!(tokens[j].token, Token::Whitespace(_)));
    let start = start.ok_or_else(missing)?;
    match &tokens[start].token {
        Token::Word(w) if w.keyword != Keyword::AS => {
            Ok((WindowType::NamedWindow(w.clone().into_ident(tokens[start].span)), start + 1))
        }
        Token::LParen => {
            let mut depth = 0usize;
            let close = tokens[start..].iter().position(|t| {
                match t.token {
                    Token::LParen => depth += 1,
                    Token::RParen => depth -= 1,
                    _ => {}
                }
                depth == 0
            });
            let close = start + close.ok_or_else(missing)?;
            let mut inner = tokens[start + 1..=close].to_vec();
            inner.push(TokenWithSpan::new(Token::EOF, tokens[close].span));
            let mut p =
                Parser::new(&KdaDialect).with_recursion_limit(RECURSION_LIMIT).with_tokens_with_locations(inner);
            let spec = p.parse_window_spec().map_err(err(&p))?;
            Ok((WindowType::WindowSpec(spec), close + 1))
        }
        _ => Err(missing()),
    }
}

/// At `WINDOWED BY STAGGER (`: the indexes of its parentheses.
fn stagger_at(tokens: &[TokenWithSpan], i: usize) -> Option<(usize, usize)> {
    let Token::Word(w) = &tokens[i].token else { return None };
    if !is_plain(w, "WINDOWED") {
        return None;
    }
    let mut sig = (i + 1..tokens.len()).filter(|&j| !matches!(tokens[j].token, Token::Whitespace(_)));
    let by = sig.next()?;
    let stagger = sig.next()?;
    let open = sig.next()?;
    let ok = matches!(&tokens[by].token, Token::Word(w) if w.keyword == Keyword::BY)
        && matches!(&tokens[stagger].token, Token::Word(w) if is_plain(w, "STAGGER"))
        && tokens[open].token == Token::LParen;
    if !ok {
        return None;
    }
    let mut depth = 0usize;
    for (j, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen if depth == 1 => return Some((open, j)),
            Token::RParen => depth -= 1,
            _ => {}
        }
    }
    None
}

fn is_plain(w: &sqlparser::tokenizer::Word, value: &str) -> bool {
    w.quote_style.is_none() && w.value.eq_ignore_ascii_case(value)
}

fn last_significant(out: &[TokenWithSpan]) -> Option<&Token> {
    out.iter().rev().map(|t| &t.token).find(|t| !matches!(t, Token::Whitespace(_)))
}

fn last_is_select(out: &[TokenWithSpan]) -> bool {
    matches!(last_significant(out), Some(Token::Word(w)) if w.keyword == Keyword::SELECT)
}

fn last_word_is(out: &[TokenWithSpan], value: &str) -> bool {
    matches!(last_significant(out), Some(Token::Word(w)) if is_plain(w, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stream_and_pump() {
        let code = r#"CREATE OR REPLACE STREAM "DEST" (truck_id VARCHAR(16), "cnt" INTEGER);
            CREATE OR REPLACE PUMP "P" AS INSERT INTO "DEST"
            SELECT STREAM truck_id, COUNT(*) FROM "SRC_001"
            GROUP BY truck_id, STEP("SRC_001".ROWTIME BY INTERVAL '60' SECOND);"#;
        let stmts = parse(code).unwrap();
        let Statement::CreateStream { name, columns, .. } = &stmts[0] else { panic!() };
        assert_eq!(name, "DEST");
        assert_eq!(columns[0], ("TRUCK_ID".into(), SqlType::Varchar(Some(16))));
        assert_eq!(columns[1].0, "cnt");
        let Statement::CreatePump { target, query, .. } = &stmts[1] else { panic!() };
        assert_eq!(target, "DEST");
        let text = query.to_string();
        assert!(text.starts_with("SELECT truck_id, COUNT(*)"), "{text}");
        assert!(text.contains("STEP(\"SRC_001\".ROWTIME, INTERVAL '60' SECOND)"), "{text}");
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let e = parse(
            "CREATE OR REPLACE STREAM s (a INTEGER);\nCREATE PUMP p AS INSERT INTO s\nSELECT STREAM a FROM WHERE",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column), (3, 22), "{e}");
        let e = parse("CREATE TABLE x (a INT)").unwrap_err();
        assert_eq!((e.line, e.column), (1, 8), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep =
            format!("CREATE PUMP p AS INSERT INTO s SELECT STREAM {}1{} FROM t", "(".repeat(5000), ")".repeat(5000));
        assert!(parse(&deep).is_err());
    }
}
