//! The parts of a pump's SELECT read the same way by plain pumps ([`crate::compile`]) and by
//! pumps over a table function ([`crate::tablefn`]).

use crate::error::{at, CodeError};
use crate::lower::Source;
use crate::parse::fold;
use sqlparser::ast::{self, SelectItem, SetExpr};
use std::collections::HashMap;

type R<T> = Result<T, CodeError>;

/// The SELECT of a pump's query.
pub(crate) fn plain_select(query: &ast::Query) -> R<&ast::Select> {
    if query.order_by.is_some() || query.limit_clause.is_some() || query.with.is_some() {
        return Err(at(query, "ORDER BY, LIMIT and WITH are not supported on streams"));
    }
    match query.body.as_ref() {
        SetExpr::Select(select) => Ok(select),
        _ => Err(at(query, "Only SELECT STREAM queries can feed a pump")),
    }
}

/// The WINDOW clause of a query.
pub(crate) fn named_windows(select: &ast::Select) -> HashMap<String, ast::WindowSpec> {
    select
        .named_window
        .iter()
        .filter_map(|w| match &w.1 {
            ast::NamedWindowExpr::WindowSpec(s) => Some((fold(&w.0), s.clone())),
            _ => None,
        })
        .collect()
}

/// The select list with `*` expanded.
pub(crate) fn select_items(select: &ast::Select, sources: &[Source]) -> R<Vec<ast::Expr>> {
    let mut out = Vec::new();
    for item in &select.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => out.push(e.clone()),
            SelectItem::Wildcard(_) => sources.iter().for_each(|s| expand(s, &mut out)),
            SelectItem::QualifiedWildcard(kind, _) => {
                let q = kind.to_string().trim_matches('"').to_string();
                let s = sources.iter().find(|s| s.names.iter().any(|n| n == &q || n.eq_ignore_ascii_case(&q)));
                expand(s.ok_or_else(|| at(item, &format!("Table '{q}' not found")))?, &mut out);
            }
            _ => return Err(at(item, "Unsupported select item")),
        }
    }
    Ok(out)
}

fn expand(s: &Source, out: &mut Vec<ast::Expr>) {
    for c in &s.columns {
        let q = ast::Ident::with_quote('"', s.names[0].clone());
        out.push(ast::Expr::CompoundIdentifier(vec![q, ast::Ident::with_quote('"', c.clone())]));
    }
}
