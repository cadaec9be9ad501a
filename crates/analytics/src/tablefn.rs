//! Compiling the tumbling table functions of AWS's SQL reference:
//! `FROM TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(SELECT STREAM ...), 'column', K, windowSize))` and
//! `FROM TABLE(COUNT_DISTINCT_ITEMS_TUMBLING(CURSOR(SELECT STREAM ...), 'column', windowSize))`.
//!
//! The cursor's query reads like any pump (stream, joins, WHERE); the function's rows, one
//! per window end (ROWTIME), are `(<column>, MOST_FREQUENT_VALUES BIGINT)` for the K most
//! frequent values, most frequent first, and `(NUMBER_OF_DISTINCT_ITEMS BIGINT)`.

use crate::error::{at, CodeError};
use crate::expr::Expr;
use crate::from::{from_clause, lower_joins, FromClause};
use crate::lower::{Lower, Place, Source};
use crate::parse::{fold, StreamWindows};
use crate::program::{ItemsFunc, Mode, Program, Pump};
use crate::select::{named_windows, plain_select, select_items};
use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, SelectItem};
use std::collections::HashMap;

type R<T> = Result<T, CodeError>;

/// Largest K of TOP_K_ITEMS_TUMBLING.
const MAX_K: i64 = 100_000;
/// Largest windowSize in seconds (one hour).
const MAX_WINDOW_SECONDS: i64 = 3600;

/// A pump reading `TABLE(call)` (name, target and targets left to the caller), and the
/// number of items of its select list.
pub fn compile(
    p: &Program,
    select: &ast::Select,
    call: &ast::Expr,
    alias: Option<&ast::TableAlias>,
    over: &StreamWindows,
) -> R<(Pump, usize)> {
    let ast::Expr::Function(f) = call else { return Err(at(call, "TABLE takes a table function")) };
    let name = f.name.to_string().to_uppercase();
    let args = arguments(f, call)?;
    let (func, output) = match (name.as_str(), args.len()) {
        ("TOP_K_ITEMS_TUMBLING", 4) => {
            (ItemsFunc::TopK(int_arg(args[2], "K", 1, MAX_K)? as usize), "MOST_FREQUENT_VALUES")
        }
        ("COUNT_DISTINCT_ITEMS_TUMBLING", 3) => (ItemsFunc::CountDistinct, "NUMBER_OF_DISTINCT_ITEMS"),
        ("TOP_K_ITEMS_TUMBLING" | "COUNT_DISTINCT_ITEMS_TUMBLING", _) => {
            return Err(at(call, &format!("Invalid number of arguments to function '{name}'")))
        }
        _ => return Err(at(call, &format!("No match found for function signature {name}"))),
    };
    let width = int_arg(args[args.len() - 1], "windowSize", 1, MAX_WINDOW_SECONDS)? * 1000;
    let column = column_name(args[1], &name)?;
    let cursor = cursor_query(args[0], &name)?;
    let inner = plain_select(cursor)?;
    if !matches!(&inner.group_by, GroupByExpr::Expressions(g, _) if g.is_empty()) || inner.having.is_some() {
        return Err(at(inner, "The CURSOR of a table function selects rows, it does not aggregate"));
    }
    let windows = named_windows(inner);
    let FromClause { source, sources, stream_join, tables } = from_clause(p, inner, over, &windows)?;
    let mut lower = Lower { sources: &sources, windows: &windows, keys: Vec::new(), aggs: Vec::new() };
    let (stream_join, joins) = lower_joins(&mut lower, stream_join, tables)?;
    let filter = inner.selection.as_ref().map(|w| lower.expr(w, Place::Row)).transpose()?;
    let items = select_items(inner, &sources)?;
    let picked = cursor_column(inner, &items, &column)
        .ok_or_else(|| at(args[1], &format!("Column '{column}' not found in the CURSOR of {name}")))?;
    let column_expr = lower.expr(picked, Place::Row)?;
    let mut columns = vec![output.to_string()];
    if matches!(func, ItemsFunc::TopK(_)) {
        columns.insert(0, item_name(picked).unwrap_or(column));
    }
    let (filter_out, select_out) = outer(select, alias.map_or(name, |a| fold(&a.name)), columns)?;
    let mode = Mode::Items { func, column: column_expr, width, filter: filter_out, select: select_out };
    let n = match &mode {
        Mode::Items { select, .. } => select.len(),
        _ => 0,
    };
    let pump = Pump { name: String::new(), source, target: 0, targets: Vec::new(), stream_join, joins, filter, mode };
    Ok((pump, n))
}

fn arguments<'a>(f: &'a ast::Function, call: &ast::Expr) -> R<Vec<&'a ast::Expr>> {
    let FunctionArguments::List(list) = &f.args else { return Err(at(call, "Invalid table function arguments")) };
    list.args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e),
            _ => Err(at(call, "Invalid table function arguments")),
        })
        .collect()
}

/// An integer literal argument within `[lo, hi]`.
fn int_arg(e: &ast::Expr, what: &str, lo: i64, hi: i64) -> R<i64> {
    let n = match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.parse::<i64>().ok(),
            _ => None,
        },
        _ => None,
    };
    n.filter(|n| (lo..=hi).contains(n))
        .ok_or_else(|| at(e, &format!("{what} must be an integer literal from {lo} to {hi}")))
}

fn column_name(e: &ast::Expr, name: &str) -> R<String> {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => Ok(s.clone()),
            _ => Err(at(e, &format!("The column name of {name} is a string in single quotes"))),
        },
        _ => Err(at(e, &format!("The column name of {name} is a string in single quotes"))),
    }
}

fn cursor_query<'a>(e: &'a ast::Expr, name: &str) -> R<&'a ast::Query> {
    if let ast::Expr::Function(c) = e {
        if let FunctionArguments::Subquery(q) = &c.args {
            if c.name.to_string().eq_ignore_ascii_case("CURSOR") {
                return Ok(q);
            }
        }
    }
    Err(at(e, &format!("The first argument of {name} is CURSOR(SELECT STREAM ...)")))
}

/// The name a select item goes by: its alias, or the column it reads.
fn item_name(e: &ast::Expr) -> Option<String> {
    match e {
        ast::Expr::Identifier(id) => Some(fold(id)),
        ast::Expr::CompoundIdentifier(parts) => parts.last().map(fold),
        _ => None,
    }
}

/// The cursor's item named `column` (exactly, else ignoring case).
fn cursor_column<'a>(select: &'a ast::Select, items: &'a [ast::Expr], column: &str) -> Option<&'a ast::Expr> {
    let find = |same: &dyn Fn(&str) -> bool| {
        let aliased = select.projection.iter().find_map(|i| match i {
            SelectItem::ExprWithAlias { expr, alias } if same(&fold(alias)) => Some(expr),
            _ => None,
        });
        aliased.or_else(|| items.iter().find(|e| item_name(e).is_some_and(|n| same(&n))))
    };
    find(&|n| n == column).or_else(|| find(&|n| n.eq_ignore_ascii_case(column)))
}

/// The outer query over the function's rows: its WHERE and select list.
fn outer(select: &ast::Select, name: String, columns: Vec<String>) -> R<(Option<Expr>, Vec<Expr>)> {
    if !matches!(&select.group_by, GroupByExpr::Expressions(g, _) if g.is_empty()) || select.having.is_some() {
        return Err(at(select, "GROUP BY over a table function is not supported"));
    }
    let sources = [Source { names: vec![name], columns, api: true, input: false, offset: 0 }];
    let windows = HashMap::new();
    let mut lower = Lower { sources: &sources, windows: &windows, keys: Vec::new(), aggs: Vec::new() };
    let filter = select.selection.as_ref().map(|w| lower.expr(w, Place::Row)).transpose()?;
    let items = select_items(select, &sources)?;
    let select = items.iter().map(|e| lower.expr(e, Place::Row)).collect::<R<Vec<_>>>()?;
    Ok((filter, select))
}
