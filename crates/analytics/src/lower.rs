//! Name resolution and lowering of `sqlparser` expressions to [`Expr`].

use crate::error::CodeError;
use crate::expr::{BinOp, Expr};
use crate::functions::{Func, Unit};
use crate::parse::fold;
use crate::program::{AggCall, AggFunc, Frame};
use crate::types::SqlType;
use crate::value::{parse_date, parse_time, parse_timestamp, Value};
use regex::{Regex, RegexBuilder};
use sqlparser::ast::{self, DateTimeField, FunctionArg, FunctionArgExpr, FunctionArguments};
use sqlparser::ast::{Spanned, UnaryOperator, WindowFrameBound, WindowFrameUnits, WindowType};
use std::collections::HashMap;

/// Slots every row starts with: ROWTIME, APPROXIMATE_ARRIVAL_TIME.
pub const PSEUDO: usize = 2;

/// One relation of a FROM clause, as seen by name resolution.
#[derive(Debug)]
pub struct Source {
    /// The name and alias it may be qualified by.
    pub names: Vec<String>,
    /// Column names (without the pseudo columns).
    pub columns: Vec<String>,
    /// Columns declared through the API rather than SQL: matched case-insensitively when no
    /// column has the exact name (AWS upper-cases discovered names; hand-written schemas vary).
    pub api: bool,
    /// True for the input streams, which carry APPROXIMATE_ARRIVAL_TIME.
    pub input: bool,
    /// First slot of this source in the evaluation row.
    pub offset: usize,
}

/// Where an expression is being lowered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Against the input row: WHERE, GROUP BY, aggregate arguments.
    Row,
    /// A projection that may hold windowed (OVER) aggregates.
    Sliding,
    /// The SELECT list or HAVING of a GROUP BY query.
    Grouped,
}

/// Lowers expressions of one query.
pub struct Lower<'a> {
    pub sources: &'a [Source],
    pub windows: &'a HashMap<String, ast::WindowSpec>,
    /// Display forms of the GROUP BY expressions.
    pub keys: Vec<String>,
    pub aggs: Vec<AggCall>,
}

type R<T> = Result<T, CodeError>;

fn at<T: Spanned>(node: &T, message: String) -> CodeError {
    CodeError::new(&message, node.span().start)
}

fn at_id(id: &ast::Ident, message: String) -> CodeError {
    CodeError::new(&message, id.span.start)
}

impl Lower<'_> {
    /// Lowers one expression.
    pub fn expr(&mut self, e: &ast::Expr, place: Place) -> R<Expr> {
        if place == Place::Grouped {
            let text = e.to_string();
            if let Some(i) = self.keys.iter().position(|k| *k == text) {
                return Ok(Expr::Key(i));
            }
        }
        use ast::Expr as A;
        match e {
            A::Identifier(id) => self.column(None, id, place),
            A::CompoundIdentifier(parts) if parts.len() == 2 => self.column(Some(&parts[0]), &parts[1], place),
            A::Value(v) => Ok(Expr::Lit(literal(&v.value).ok_or_else(|| at(e, format!("Unsupported literal {v}")))?)),
            A::Nested(inner) => self.expr(inner, place),
            A::Interval(iv) => {
                Ok(Expr::Lit(Value::Interval(interval(iv).ok_or_else(|| at(e, format!("Invalid interval {iv}")))?)))
            }
            A::TypedString(ts) => typed_literal(ts).ok_or_else(|| at(e, format!("Invalid literal {e}"))),
            A::Function(f) => self.function(e, f, place),
            A::Case { operand, conditions, else_result, .. } => Ok(Expr::Case(
                operand.as_ref().map(|o| self.boxed(o, place)).transpose()?,
                conditions
                    .iter()
                    .map(|w| Ok((self.expr(&w.condition, place)?, self.expr(&w.result, place)?)))
                    .collect::<R<_>>()?,
                else_result.as_ref().map(|o| self.boxed(o, place)).transpose()?,
            )),
            A::Cast { expr, data_type, .. } => {
                let ty = SqlType::parse(&data_type.to_string())
                    .ok_or_else(|| at(e, format!("Unsupported type {data_type}")))?;
                Ok(Expr::Cast(self.boxed(expr, place)?, ty))
            }
            _ => match self.operator(e, place)? {
                Some(x) => Ok(x),
                None => self.syntax_function(e, place),
            },
        }
    }

    fn boxed(&mut self, e: &ast::Expr, place: Place) -> R<Box<Expr>> {
        self.expr(e, place).map(Box::new)
    }

    /// Operators and predicates (`None` when `e` is none).
    fn operator(&mut self, e: &ast::Expr, place: Place) -> R<Option<Expr>> {
        use ast::Expr as A;
        Ok(Some(match e {
            A::UnaryOp { op, expr } => {
                let inner = self.boxed(expr, place)?;
                match op {
                    UnaryOperator::Minus => Expr::Neg(inner),
                    UnaryOperator::Plus => *inner,
                    UnaryOperator::Not => Expr::Not(inner),
                    _ => return Err(at(e, format!("Unsupported operator {op}"))),
                }
            }
            A::BinaryOp { left, op, right } => {
                let op = binop(op).ok_or_else(|| at(e, format!("Unsupported operator {op}")))?;
                Expr::Bin(op, self.boxed(left, place)?, self.boxed(right, place)?)
            }
            A::IsNull(x) => Expr::IsNull(self.boxed(x, place)?, false),
            A::IsNotNull(x) => Expr::IsNull(self.boxed(x, place)?, true),
            A::IsTrue(x) => Expr::IsBool(self.boxed(x, place)?, true, false),
            A::IsNotTrue(x) => Expr::IsBool(self.boxed(x, place)?, true, true),
            A::IsFalse(x) => Expr::IsBool(self.boxed(x, place)?, false, false),
            A::IsNotFalse(x) => Expr::IsBool(self.boxed(x, place)?, false, true),
            A::Between { expr, negated, low, high } => {
                Expr::Between(self.boxed(expr, place)?, self.boxed(low, place)?, self.boxed(high, place)?, *negated)
            }
            A::In { expr, target: ast::InTarget::List(list), negated, .. } => Expr::InList(
                self.boxed(expr, place)?,
                list.iter().map(|x| self.expr(x, place)).collect::<R<_>>()?,
                *negated,
            ),
            A::Like { negated, expr, pattern, any: false, escape_char: None } => {
                Expr::Like(self.boxed(expr, place)?, like_regex(pattern, false)?, *negated)
            }
            A::SimilarTo { negated, expr, pattern, escape_char: None } => {
                Expr::SimilarTo(self.boxed(expr, place)?, like_regex(pattern, true)?, *negated)
            }
            _ => return Ok(None),
        }))
    }

    /// Functions with syntax of their own: FLOOR/CEIL, EXTRACT, SUBSTRING, TRIM, POSITION.
    fn syntax_function(&mut self, e: &ast::Expr, place: Place) -> R<Expr> {
        use ast::Expr as A;
        Ok(match e {
            A::Floor { expr, field } | A::Ceil { expr, field } => self.floor_ceil(e, expr, field, place)?,
            A::Extract { field, expr, .. } => {
                let u = unit(field).ok_or_else(|| at(e, format!("Unsupported unit {field}")))?;
                Expr::Call(Func::Extract(u), vec![self.expr(expr, place)?])
            }
            A::Substring { expr, substring_from, substring_for, .. } => {
                let from = substring_from.as_ref().ok_or_else(|| at(e, "SUBSTRING needs FROM".into()))?;
                let mut args = vec![self.expr(expr, place)?, self.expr(from, place)?];
                if let Some(f) = substring_for {
                    args.push(self.expr(f, place)?);
                }
                Expr::Call(Func::Substring, args)
            }
            A::Trim { expr, trim_where, trim_what, trim_characters: None } => {
                let (lead, trail) = match trim_where {
                    Some(ast::TrimWhereField::Leading) => (true, false),
                    Some(ast::TrimWhereField::Trailing) => (false, true),
                    _ => (true, true),
                };
                let mut args = vec![self.expr(expr, place)?];
                if let Some(w) = trim_what {
                    args.push(self.expr(w, place)?);
                }
                Expr::Call(Func::Trim(lead, trail), args)
            }
            A::Position { expr, r#in } => {
                Expr::Call(Func::Position, vec![self.expr(expr, place)?, self.expr(r#in, place)?])
            }
            _ => return Err(at(e, format!("Unsupported expression {e}"))),
        })
    }

    fn column(&mut self, qualifier: Option<&ast::Ident>, id: &ast::Ident, place: Place) -> R<Expr> {
        let name = fold(id);
        let sources: Vec<&Source> = match qualifier {
            Some(q) => {
                let q = fold(q);
                let found: Vec<&Source> = self.sources.iter().filter(|s| s.names.contains(&q)).collect();
                if found.is_empty() {
                    return Err(at_id(id, format!("Table '{q}' not found")));
                }
                found
            }
            None => self.sources.iter().collect(),
        };
        let pseudo = match name.as_str() {
            "ROWTIME" => Some(0),
            "APPROXIMATE_ARRIVAL_TIME" => Some(1),
            _ => None,
        };
        if let Some(slot) = pseudo {
            if place == Place::Grouped && slot == 0 {
                return Ok(Expr::OutRowtime);
            }
            if let Some(s) = sources.iter().find(|s| slot == 0 || s.input) {
                return self.not_grouped(id, place, Expr::Col(s.offset + slot));
            }
        }
        let mut hits = sources.iter().filter_map(|s| lookup(s, &name).map(|i| s.offset + PSEUDO + i));
        match (hits.next(), hits.next()) {
            (Some(slot), None) => self.not_grouped(id, place, Expr::Col(slot)),
            (Some(_), Some(_)) => Err(at_id(id, format!("Column '{name}' is ambiguous"))),
            _ => Err(at_id(id, format!("Column '{name}' not found in any table"))),
        }
    }

    fn not_grouped(&self, id: &ast::Ident, place: Place, e: Expr) -> R<Expr> {
        if place == Place::Grouped {
            return Err(at_id(id, format!("Expression '{}' is not being grouped", fold(id))));
        }
        Ok(e)
    }

    fn floor_ceil(&mut self, e: &ast::Expr, inner: &ast::Expr, field: &ast::CeilFloorKind, place: Place) -> R<Expr> {
        let floor = matches!(e, ast::Expr::Floor { .. });
        let arg = self.expr(inner, place)?;
        Ok(match field {
            ast::CeilFloorKind::DateTimeField(DateTimeField::NoDateTime) => {
                Expr::Call(if floor { Func::Floor } else { Func::Ceil }, vec![arg])
            }
            ast::CeilFloorKind::DateTimeField(f) => {
                let u = unit(f).ok_or_else(|| at(e, format!("Unsupported unit {f}")))?;
                Expr::Call(if floor { Func::FloorTo(u) } else { Func::CeilTo(u) }, vec![arg])
            }
            ast::CeilFloorKind::Scale(_) => return Err(at(e, "FLOOR/CEIL take one argument".into())),
        })
    }

    fn function(&mut self, e: &ast::Expr, f: &ast::Function, place: Place) -> R<Expr> {
        let name = f.name.0.last().and_then(|p| p.as_ident()).map(|i| i.value.to_uppercase()).unwrap_or_default();
        let (args, distinct) = match &f.args {
            FunctionArguments::None => (vec![], false),
            FunctionArguments::List(l) => {
                let distinct = matches!(l.duplicate_treatment, Some(ast::DuplicateTreatment::Distinct));
                (l.args.iter().collect::<Vec<_>>(), distinct)
            }
            FunctionArguments::Subquery(_) => return Err(at(e, "Subqueries are not supported".into())),
        };
        if let Some(agg) = AggFunc::by_name(&name) {
            return self.aggregate(e, agg, &args, distinct, f.over.as_ref(), place);
        }
        if f.over.is_some() {
            return Err(at(e, format!("{name} is not an aggregate function")));
        }
        let exprs = args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => Ok(x),
                _ => Err(at(e, format!("Invalid argument to {name}"))),
            })
            .collect::<R<Vec<_>>>()?;
        let func = match name.as_str() {
            "REGEX_REPLACE" => Func::RegexReplace(literal_regex(exprs.get(1).copied(), e)?),
            _ => Func::by_name(&name).ok_or_else(|| at(e, format!("No match found for function signature {name}")))?,
        };
        if !func.arity().contains(&exprs.len()) {
            return Err(at(e, format!("Invalid number of arguments to function '{name}'")));
        }
        let args = exprs.iter().map(|x| self.expr(x, place)).collect::<R<_>>()?;
        Ok(Expr::Call(func, args))
    }

    fn aggregate(
        &mut self,
        e: &ast::Expr,
        func: AggFunc,
        args: &[&FunctionArg],
        distinct: bool,
        over: Option<&WindowType>,
        place: Place,
    ) -> R<Expr> {
        let arg = match args {
            [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)] if func == AggFunc::Count => None,
            [FunctionArg::Unnamed(FunctionArgExpr::Expr(x))] => Some(self.expr(x, Place::Row)?),
            _ => return Err(at(e, "Invalid aggregate arguments".into())),
        };
        let frame = match (over, place) {
            (None, Place::Grouped) => None,
            (Some(w), Place::Sliding) => Some(self.frame(e, w)?),
            (Some(_), Place::Grouped) => return Err(at(e, "Windowed aggregates cannot be mixed with GROUP BY".into())),
            _ => return Err(at(e, "Cannot aggregate infinite stream: GROUP BY clause is not specified or doesn't contain any monotonic expression".into())),
        };
        self.aggs.push(AggCall { func, arg, distinct, frame });
        Ok(Expr::Agg(self.aggs.len() - 1))
    }

    /// The frame of a window (written inline or named in the WINDOW clause).
    pub fn frame<T: Spanned>(&mut self, e: &T, w: &WindowType) -> R<Frame> {
        let spec = match w {
            WindowType::WindowSpec(s) => s,
            WindowType::NamedWindow(n) => {
                self.windows.get(&fold(n)).ok_or_else(|| at_id(n, format!("Window '{}' not found", fold(n))))?
            }
        };
        let spec = match &spec.window_name {
            Some(base) if spec.window_frame.is_none() => self
                .windows
                .get(&fold(base))
                .ok_or_else(|| at_id(base, format!("Window '{}' not found", fold(base))))?,
            _ => spec,
        };
        let partition = spec.partition_by.iter().map(|p| self.expr(p, Place::Row)).collect::<R<_>>()?;
        let frame = spec.window_frame.as_ref().ok_or_else(|| at(e, "A window needs RANGE or ROWS".into()))?;
        let bound = match &frame.start_bound {
            WindowFrameBound::Preceding(Some(b)) => b,
            _ => return Err(at(e, "Only '... PRECEDING' windows are supported on streams".into())),
        };
        match (frame.units, bound.as_ref()) {
            (WindowFrameUnits::Range, ast::Expr::Interval(iv)) => {
                let ms = interval(iv).filter(|ms| *ms > 0).ok_or_else(|| at(e, "Invalid window interval".into()))?;
                Ok(Frame::Range { partition, millis: ms })
            }
            (WindowFrameUnits::Rows, ast::Expr::Value(v)) => match &v.value {
                ast::Value::Number(n, _) => {
                    let rows: usize = n.parse().map_err(|_| at(e, "Invalid row count".into()))?;
                    Ok(Frame::Rows { partition, rows })
                }
                _ => Err(at(e, "Invalid row count".into())),
            },
            _ => Err(at(e, "Windows are RANGE INTERVAL ... or ROWS n PRECEDING".into())),
        }
    }
}

fn lookup(s: &Source, name: &str) -> Option<usize> {
    s.columns.iter().position(|c| c == name).or_else(|| {
        let mut it = s.columns.iter().enumerate().filter(|(_, c)| s.api && c.eq_ignore_ascii_case(name));
        match (it.next(), it.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    })
}

fn binop(op: &ast::BinaryOperator) -> Option<BinOp> {
    use ast::BinaryOperator as B;
    Some(match op {
        B::Plus => BinOp::Add,
        B::Minus => BinOp::Sub,
        B::Multiply => BinOp::Mul,
        B::Divide => BinOp::Div,
        B::Modulo => BinOp::Mod,
        B::StringConcat => BinOp::Concat,
        B::Eq => BinOp::Eq,
        B::NotEq => BinOp::Ne,
        B::Lt => BinOp::Lt,
        B::LtEq => BinOp::Le,
        B::Gt => BinOp::Gt,
        B::GtEq => BinOp::Ge,
        B::And => BinOp::And,
        B::Or => BinOp::Or,
        _ => return None,
    })
}

fn literal(v: &ast::Value) -> Option<Value> {
    Some(match v {
        ast::Value::Number(n, _) => match n.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Double(n.parse().ok()?),
        },
        ast::Value::SingleQuotedString(s) => Value::Str(s.clone()),
        ast::Value::Boolean(b) => Value::Bool(*b),
        ast::Value::Null => Value::Null,
        _ => return None,
    })
}

fn typed_literal(ts: &ast::TypedString) -> Option<Expr> {
    let text = match &ts.value.value {
        ast::Value::SingleQuotedString(s) => s,
        _ => return None,
    };
    Some(Expr::Lit(match SqlType::parse(&ts.data_type.to_string())? {
        SqlType::Timestamp => Value::Timestamp(parse_timestamp(text)?),
        SqlType::Date => Value::Date(parse_date(text)?),
        SqlType::Time => Value::Time(parse_time(text)?),
        _ => return None,
    }))
}

fn unit(f: &DateTimeField) -> Option<Unit> {
    Some(match f {
        DateTimeField::Year | DateTimeField::Years => Unit::Year,
        DateTimeField::Month | DateTimeField::Months => Unit::Month,
        DateTimeField::Day | DateTimeField::Days => Unit::Day,
        DateTimeField::Hour | DateTimeField::Hours => Unit::Hour,
        DateTimeField::Minute | DateTimeField::Minutes => Unit::Minute,
        DateTimeField::Second | DateTimeField::Seconds => Unit::Second,
        DateTimeField::Millisecond | DateTimeField::Milliseconds => Unit::Millisecond,
        _ => return None,
    })
}

/// A day-time interval literal in milliseconds (`INTERVAL '10' SECOND`, `'1:30' MINUTE TO SECOND`).
fn interval(iv: &ast::Interval) -> Option<i64> {
    let text = match iv.value.as_ref() {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::Number(s, _) => s.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let lead = unit(iv.leading_field.as_ref()?)?;
    let parts: Vec<&str> = text.trim().split([' ', ':']).collect();
    let units = [Unit::Day, Unit::Hour, Unit::Minute, Unit::Second];
    let first = units.iter().position(|u| *u == lead);
    let mut ms = 0f64;
    for (i, p) in parts.iter().enumerate() {
        let u = match first {
            Some(f) => *units.get(f + i)?,
            None if i == 0 => lead,
            None => return None,
        };
        let n: f64 = p.parse().ok()?;
        ms += n * u.millis()? as f64;
    }
    Some(ms as i64)
}

fn pattern_text(pattern: &ast::Expr) -> R<String> {
    match pattern {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => Ok(s.clone()),
            _ => Err(at(pattern, "Patterns must be string literals".into())),
        },
        _ => Err(at(pattern, "Patterns must be string literals".into())),
    }
}

fn build_regex(source: &str, node: &ast::Expr) -> R<Box<Regex>> {
    RegexBuilder::new(source)
        .size_limit(1 << 20)
        .build()
        .map(Box::new)
        .map_err(|e| at(node, format!("Invalid regular expression: {e}")))
}

fn like_regex(pattern: &ast::Expr, similar: bool) -> R<Box<Regex>> {
    let text = pattern_text(pattern)?;
    let mut re = String::from("(?s)^");
    for ch in text.chars() {
        match ch {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c if similar && "|*+?()[]{}".contains(c) => re.push(c),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    build_regex(&re, pattern)
}

fn literal_regex(arg: Option<&ast::Expr>, call: &ast::Expr) -> R<Box<Regex>> {
    let arg = arg.ok_or_else(|| at(call, "REGEX_REPLACE needs a regular expression".into()))?;
    build_regex(&pattern_text(arg)?, arg)
}
