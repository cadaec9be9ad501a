//! Resolved expressions and their evaluation with SQL NULL semantics.
//!
//! Recursion here is bounded by the parser's nesting limit: a tree is never deeper than the
//! code it came from.

use crate::error::RowError;
use crate::functions::Func;
use crate::types::SqlType;
use crate::value::{Value, DAY_MS};
use regex::Regex;
use std::cmp::Ordering;

/// A resolved expression.
#[derive(Debug, Clone)]
pub enum Expr {
    Lit(Value),
    /// A slot of the evaluation row.
    Col(usize),
    /// A grouping key of an aggregate query.
    Key(usize),
    /// The result of the n-th aggregate of the query.
    Agg(usize),
    /// The ROWTIME of the output row (window end for aggregates).
    OutRowtime,
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    IsNull(Box<Expr>, bool),
    IsBool(Box<Expr>, bool, bool),
    Between(Box<Expr>, Box<Expr>, Box<Expr>, bool),
    InList(Box<Expr>, Vec<Expr>, bool),
    Like(Box<Expr>, Box<Regex>, bool),
    SimilarTo(Box<Expr>, Box<Regex>, bool),
    Case(Option<Box<Expr>>, Vec<(Expr, Expr)>, Option<Box<Expr>>),
    Cast(Box<Expr>, SqlType),
    Call(Func, Vec<Expr>),
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

/// What an expression is evaluated against.
pub struct Ctx<'a> {
    /// Slots of the input row(s).
    pub row: &'a [Value],
    /// Grouping keys (aggregate queries).
    pub keys: &'a [Value],
    /// Aggregate results.
    pub aggs: &'a [Value],
    /// ROWTIME of the row being produced.
    pub rowtime: i64,
}

impl Expr {
    /// Evaluates the expression.
    pub fn eval(&self, c: &Ctx) -> Result<Value, RowError> {
        Ok(match self {
            Expr::Lit(v) => v.clone(),
            Expr::Col(i) => c.row.get(*i).cloned().unwrap_or(Value::Null),
            Expr::Key(i) => c.keys.get(*i).cloned().unwrap_or(Value::Null),
            Expr::Agg(i) => c.aggs.get(*i).cloned().unwrap_or(Value::Null),
            Expr::OutRowtime => Value::Timestamp(c.rowtime),
            Expr::Neg(e) => negate(e.eval(c)?)?,
            Expr::Not(e) => match truth(&e.eval(c)?) {
                Some(b) => Value::Bool(!b),
                None => Value::Null,
            },
            Expr::Bin(op, a, b) => binary(*op, a, b, c)?,
            Expr::IsNull(e, neg) => Value::Bool(e.eval(c)?.is_null() != *neg),
            Expr::IsBool(e, want, neg) => Value::Bool((truth(&e.eval(c)?) == Some(*want)) != *neg),
            Expr::Between(e, lo, hi, neg) => between(e.eval(c)?, lo.eval(c)?, hi.eval(c)?, *neg),
            Expr::InList(e, list, neg) => in_list(e.eval(c)?, list, *neg, c)?,
            Expr::Like(e, re, neg) | Expr::SimilarTo(e, re, neg) => match e.eval(c)? {
                Value::Null => Value::Null,
                v => Value::Bool(re.is_match(&v.to_text().unwrap_or_default()) != *neg),
            },
            Expr::Case(operand, whens, els) => case(operand.as_deref(), whens, els.as_deref(), c)?,
            Expr::Cast(e, ty) => ty.cast(e.eval(c)?).map_err(RowError::conversion)?,
            Expr::Call(f, args) => {
                let vals = args.iter().map(|a| a.eval(c)).collect::<Result<Vec<_>, _>>()?;
                f.call(vals, c.rowtime)?
            }
        })
    }

    /// True when the expression reads the given slot anywhere.
    pub fn reads(&self, slot: usize) -> bool {
        let mut found = false;
        self.walk(&mut |e| found |= matches!(e, Expr::Col(s) if *s == slot));
        found
    }

    fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Neg(e) | Expr::Not(e) | Expr::IsNull(e, _) | Expr::IsBool(e, ..) => e.walk(f),
            Expr::Like(e, ..) | Expr::SimilarTo(e, ..) | Expr::Cast(e, _) => e.walk(f),
            Expr::Bin(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Between(a, b, d, _) => [a, b, d].iter().for_each(|e| e.walk(f)),
            Expr::InList(e, list, _) => {
                e.walk(f);
                list.iter().for_each(|x| x.walk(f));
            }
            Expr::Case(o, whens, els) => {
                o.iter().chain(els.iter()).for_each(|e| e.walk(f));
                whens.iter().for_each(|(a, b)| {
                    a.walk(f);
                    b.walk(f);
                });
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.walk(f)),
            _ => {}
        }
    }
}

/// SQL truth of a value: NULL is unknown.
pub fn truth(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

fn negate(v: Value) -> Result<Value, RowError> {
    Ok(match v {
        Value::Int(i) => Value::Int(i.checked_neg().ok_or_else(overflow)?),
        Value::Double(d) => Value::Double(-d),
        Value::Interval(i) => Value::Interval(-i),
        Value::Null => Value::Null,
        other => return Err(RowError::eval(format!("cannot negate {other:?}"))),
    })
}

fn overflow() -> RowError {
    RowError::eval("numeric overflow")
}

fn binary(op: BinOp, a: &Expr, b: &Expr, c: &Ctx) -> Result<Value, RowError> {
    match op {
        BinOp::And => {
            let l = truth(&a.eval(c)?);
            if l == Some(false) {
                return Ok(Value::Bool(false));
            }
            let r = truth(&b.eval(c)?);
            Ok(match (l, r) {
                (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            })
        }
        BinOp::Or => {
            let l = truth(&a.eval(c)?);
            if l == Some(true) {
                return Ok(Value::Bool(true));
            }
            let r = truth(&b.eval(c)?);
            Ok(match (l, r) {
                (_, Some(true)) => Value::Bool(true),
                (Some(false), Some(false)) => Value::Bool(false),
                _ => Value::Null,
            })
        }
        _ => apply(op, a.eval(c)?, b.eval(c)?),
    }
}

/// Applies a non-logical binary operator to two values.
pub fn apply(op: BinOp, l: Value, r: Value) -> Result<Value, RowError> {
    if l.is_null() || r.is_null() {
        return Ok(Value::Null);
    }
    let cmp = |want: fn(Ordering) -> bool| match l.sql_cmp(&r) {
        Some(o) => Ok(Value::Bool(want(o))),
        None => Err(RowError::eval(format!("cannot compare {l:?} with {r:?}"))),
    };
    match op {
        BinOp::Eq => cmp(|o| o == Ordering::Equal),
        BinOp::Ne => cmp(|o| o != Ordering::Equal),
        BinOp::Lt => cmp(|o| o == Ordering::Less),
        BinOp::Le => cmp(|o| o != Ordering::Greater),
        BinOp::Gt => cmp(|o| o == Ordering::Greater),
        BinOp::Ge => cmp(|o| o != Ordering::Less),
        BinOp::Concat => Ok(Value::Str(l.to_text().unwrap_or_default() + &r.to_text().unwrap_or_default())),
        _ => arithmetic(op, l, r),
    }
}

fn arithmetic(op: BinOp, l: Value, r: Value) -> Result<Value, RowError> {
    use Value::*;
    match (op, &l, &r) {
        (_, Int(a), Int(b)) => int_op(op, *a, *b),
        (_, Int(_) | Double(_), Int(_) | Double(_)) => {
            let (a, b) = (l.as_f64().unwrap_or(0.0), r.as_f64().unwrap_or(0.0));
            Ok(Double(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div if b == 0.0 => return Err(RowError::eval("Division by zero")),
                BinOp::Div => a / b,
                _ => a % b,
            }))
        }
        (BinOp::Add, Timestamp(t), Interval(i)) | (BinOp::Add, Interval(i), Timestamp(t)) => Ok(Timestamp(t + i)),
        (BinOp::Sub, Timestamp(t), Interval(i)) => Ok(Timestamp(t - i)),
        (BinOp::Sub, Timestamp(a), Timestamp(b)) => Ok(Interval(a - b)),
        (BinOp::Add, Date(d), Interval(i)) => Ok(Date(d + i / DAY_MS)),
        (BinOp::Sub, Date(d), Interval(i)) => Ok(Date(d - i / DAY_MS)),
        (BinOp::Add, Interval(a), Interval(b)) => Ok(Interval(a + b)),
        (BinOp::Sub, Interval(a), Interval(b)) => Ok(Interval(a - b)),
        (BinOp::Mul, Interval(a), Int(b)) | (BinOp::Mul, Int(b), Interval(a)) => {
            Ok(Interval(a.checked_mul(*b).ok_or_else(overflow)?))
        }
        (BinOp::Div, Interval(a), Int(b)) if *b != 0 => Ok(Interval(a / b)),
        _ => Err(RowError::eval(format!("cannot apply {op:?} to {l:?} and {r:?}"))),
    }
}

fn int_op(op: BinOp, a: i64, b: i64) -> Result<Value, RowError> {
    let v = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div | BinOp::Mod if b == 0 => return Err(RowError::eval("Division by zero")),
        BinOp::Div => a.checked_div(b),
        _ => a.checked_rem(b),
    };
    v.map(Value::Int).ok_or_else(overflow)
}

fn between(v: Value, lo: Value, hi: Value, neg: bool) -> Value {
    let ge = v.sql_cmp(&lo).map(|o| o != Ordering::Less);
    let le = v.sql_cmp(&hi).map(|o| o != Ordering::Greater);
    match (ge, le) {
        (Some(false), _) | (_, Some(false)) => Value::Bool(neg),
        (Some(true), Some(true)) => Value::Bool(!neg),
        _ => Value::Null,
    }
}

fn in_list(v: Value, list: &[Expr], neg: bool, c: &Ctx) -> Result<Value, RowError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let mut unknown = false;
    for e in list {
        match v.sql_cmp(&e.eval(c)?) {
            Some(Ordering::Equal) => return Ok(Value::Bool(!neg)),
            None => unknown = true,
            _ => {}
        }
    }
    Ok(if unknown { Value::Null } else { Value::Bool(neg) })
}

fn case(operand: Option<&Expr>, whens: &[(Expr, Expr)], els: Option<&Expr>, c: &Ctx) -> Result<Value, RowError> {
    let subject = operand.map(|o| o.eval(c)).transpose()?;
    for (cond, result) in whens {
        let hit = match &subject {
            Some(s) => s.sql_cmp(&cond.eval(c)?) == Some(Ordering::Equal),
            None => truth(&cond.eval(c)?) == Some(true),
        };
        if hit {
            return result.eval(c);
        }
    }
    els.map_or(Ok(Value::Null), |e| e.eval(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(v: Value) -> Box<Expr> {
        Box::new(Expr::Lit(v))
    }

    fn run(e: Expr) -> Result<Value, RowError> {
        e.eval(&Ctx { row: &[], keys: &[], aggs: &[], rowtime: 0 })
    }

    #[test]
    fn three_valued_logic() {
        let null = || lit(Value::Null);
        let t = || lit(Value::Bool(true));
        let f = || lit(Value::Bool(false));
        assert_eq!(run(Expr::Bin(BinOp::And, null(), f())), Ok(Value::Bool(false)));
        assert_eq!(run(Expr::Bin(BinOp::And, null(), t())), Ok(Value::Null));
        assert_eq!(run(Expr::Bin(BinOp::Or, null(), t())), Ok(Value::Bool(true)));
        assert_eq!(run(Expr::Not(null())), Ok(Value::Null));
        assert_eq!(run(Expr::Bin(BinOp::Eq, null(), null())), Ok(Value::Null));
        let list = vec![Expr::Lit(Value::Int(1)), Expr::Lit(Value::Null)];
        assert_eq!(run(Expr::InList(lit(Value::Int(2)), list, false)), Ok(Value::Null));
    }

    #[test]
    fn arithmetic_errors_are_row_errors() {
        let div = Expr::Bin(BinOp::Div, lit(Value::Int(1)), lit(Value::Int(0)));
        assert_eq!(run(div).unwrap_err().message, "Division by zero");
        let big = Expr::Bin(BinOp::Mul, lit(Value::Int(i64::MAX)), lit(Value::Int(2)));
        assert!(run(big).is_err());
        let ts = Expr::Bin(BinOp::Add, lit(Value::Timestamp(1000)), lit(Value::Interval(500)));
        assert_eq!(run(ts), Ok(Value::Timestamp(1500)));
    }
}
