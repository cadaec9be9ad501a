//! The FROM clause of a pump: the stream it reads, a stream-to-stream join with its windows
//! (`FROM a OVER (RANGE ...) AS o JOIN b AS s ON ...`) and reference-table joins.

use crate::error::{at, CodeError};
use crate::lower::{Lower, Place, Source, PSEUDO};
use crate::parse::{fold, StreamWindows};
use crate::program::{Frame, Join, JoinKind, JoinWindow, Program, StreamJoin, StreamKind};
use sqlparser::ast::{self, JoinConstraint, JoinOperator, TableFactor};
use sqlparser::tokenizer::Location;
use std::collections::HashMap;

type R<T> = Result<T, CodeError>;

fn find_stream(p: &Program, name: &str) -> Option<usize> {
    p.stream_index(name).or_else(|| {
        let mut it = (0..p.streams.len())
            .filter(|&i| p.kinds[i] == StreamKind::Input && p.streams[i].name.eq_ignore_ascii_case(name));
        it.next()
    })
}

fn find_table(p: &Program, name: &str) -> Option<usize> {
    p.tables
        .iter()
        .position(|t| t.name == name)
        .or_else(|| p.tables.iter().position(|t| t.name.eq_ignore_ascii_case(name)))
}

/// Lowers the ON conditions of a FROM clause's joins.
pub(crate) fn lower_joins(
    lower: &mut Lower,
    stream_join: Option<(StreamJoin, Option<&ast::Expr>)>,
    tables: Vec<(usize, Option<&ast::Expr>, bool)>,
) -> R<(Option<StreamJoin>, Vec<Join>)> {
    let stream_join = stream_join
        .map(|(j, on)| Ok(StreamJoin { on: on.map(|e| lower.expr(e, Place::Row)).transpose()?, ..j }))
        .transpose()?;
    let joins = tables
        .into_iter()
        .map(|(table, on, outer)| Ok(Join { table, on: on.map(|e| lower.expr(e, Place::Row)).transpose()?, outer }))
        .collect::<R<Vec<_>>>()?;
    Ok((stream_join, joins))
}

/// A window written after a name that is no stream of FROM is refused.
fn check_windows_used(over: &StreamWindows, used: &[Location]) -> R<()> {
    match over.iter().find(|(at, _)| !used.contains(at)) {
        Some((at, _)) => Err(CodeError::new("OVER follows an aggregate or a stream of FROM", *at)),
        None => Ok(()),
    }
}

/// What a FROM clause reads: its stream, the relations names resolve against, the
/// stream-to-stream join (ON not lowered yet) and the reference-table joins.
pub(crate) struct FromClause<'q> {
    pub source: usize,
    pub sources: Vec<Source>,
    pub stream_join: Option<(StreamJoin, Option<&'q ast::Expr>)>,
    pub tables: Vec<(usize, Option<&'q ast::Expr>, bool)>,
}

/// A relation of FROM: what it names, its names, its window and where it is written.
struct Relation<'q> {
    stream: Option<usize>,
    table: Option<usize>,
    names: Vec<String>,
    window: Option<&'q ast::WindowType>,
    node: &'q TableFactor,
}

fn relation<'q>(p: &Program, t: &'q TableFactor, over: &'q StreamWindows, used: &mut Vec<Location>) -> R<Relation<'q>> {
    let TableFactor::Table { name, alias, .. } = t else {
        return Err(at(t, "Subqueries in FROM are not supported"));
    };
    let ident = name.0.last().and_then(|p| p.as_ident()).ok_or_else(|| at(t, "Invalid name"))?;
    let folded = fold(ident);
    let window = over.iter().find(|(at, _)| *at == ident.span.start).map(|(at, w)| {
        used.push(*at);
        w
    });
    let stream = find_stream(p, &folded);
    let table = if stream.is_none() { find_table(p, &folded) } else { None };
    let exact = match (stream, table) {
        (Some(s), _) => p.streams[s].name.clone(),
        (_, Some(i)) => p.tables[i].name.clone(),
        _ => folded.clone(),
    };
    let alias = alias.as_ref().map(|a| fold(&a.name)).or_else(|| match window {
        Some(ast::WindowType::NamedWindow(w)) => Some(fold(w)),
        _ => None,
    });
    Ok(Relation { stream, table, names: [Some(exact), alias].into_iter().flatten().collect(), window, node: t })
}

fn stream_source(p: &Program, stream: usize, names: Vec<String>, offset: usize) -> Source {
    let input = p.kinds[stream] == StreamKind::Input;
    let columns = p.streams[stream].columns.iter().map(|c| c.name.clone()).collect();
    Source { names, columns, api: input, input, offset }
}

pub(crate) fn from_clause<'q>(
    p: &Program,
    select: &'q ast::Select,
    over: &'q StreamWindows,
    windows: &HashMap<String, ast::WindowSpec>,
) -> R<FromClause<'q>> {
    let [from] = select.from.as_slice() else {
        return Err(at(select, "A pump reads exactly one stream (joins use JOIN ... ON)"));
    };
    let mut used = Vec::new();
    let left = relation(p, &from.relation, over, &mut used)?;
    let source = left.stream.ok_or_else(|| at(left.node, &format!("Stream '{}' not found", left.names[0])))?;
    let two_streams = match from.joins.first() {
        Some(j) => relation(p, &j.relation, over, &mut Vec::new())?.stream.is_some(),
        None => false,
    };
    let mut sources = Vec::new();
    if two_streams {
        // The joined row's header: what unqualified ROWTIME reads.
        sources.push(Source { names: Vec::new(), columns: Vec::new(), api: false, input: false, offset: 0 });
    }
    let mut offset = if two_streams { PSEUDO } else { 0 };
    sources.push(stream_source(p, source, left.names.clone(), offset));
    offset += PSEUDO + p.streams[source].columns.len();
    let mut out = FromClause { source, sources, stream_join: None, tables: Vec::new() };
    for (i, j) in from.joins.iter().enumerate() {
        let rel = relation(p, &j.relation, over, &mut used)?;
        let (on, kind) = join_operator(&j.join_operator, rel.node)?;
        if let Some(right) = rel.stream {
            if i > 0 {
                return Err(at(rel.node, "A pump joins two streams at most, before its reference tables"));
            }
            let join = stream_join(p, windows, (&left, &rel), kind)?;
            out.sources.push(stream_source(p, right, rel.names, offset));
            offset += join.widths[1];
            out.stream_join = Some((join, on));
            continue;
        }
        let table = rel.table.ok_or_else(|| at(rel.node, &format!("Table '{}' not found", rel.names[0])))?;
        if rel.window.is_some() {
            return Err(at(rel.node, "Only streams take a window"));
        }
        if !matches!(kind, JoinKind::Inner | JoinKind::Left) {
            return Err(at(rel.node, "Reference tables take INNER and LEFT OUTER joins"));
        }
        let columns = p.tables[table].columns.iter().map(|c| c.name.clone()).collect();
        out.sources.push(Source { names: rel.names, columns, api: true, input: false, offset });
        offset += PSEUDO + p.tables[table].columns.len();
        out.tables.push((table, on, kind == JoinKind::Left));
    }
    if left.window.is_some() && out.stream_join.is_none() {
        return Err(at(left.node, "A window on a stream of FROM needs a stream-to-stream join"));
    }
    check_windows_used(over, &used)?;
    Ok(out)
}

/// The stream-to-stream join of two relations (at least one with a window).
fn stream_join(
    p: &Program,
    windows: &HashMap<String, ast::WindowSpec>,
    (left, right): (&Relation, &Relation),
    kind: JoinKind,
) -> R<StreamJoin> {
    let (Some(l), Some(r)) = (left.stream, right.stream) else { unreachable!("both relations are streams") };
    if l == r {
        return Err(at(right.node, "A stream cannot be joined with itself"));
    }
    let mut probe = Lower { sources: &[], windows, keys: Vec::new(), aggs: Vec::new() };
    let windows = [join_window(&mut probe, left)?, join_window(&mut probe, right)?];
    if windows == [JoinWindow::Current; 2] {
        return Err(at(
            right.node,
            "Cannot join two streams without a window: give one OVER (RANGE INTERVAL ... PRECEDING) or OVER (ROWS n PRECEDING)",
        ));
    }
    let widths = [PSEUDO + p.streams[l].columns.len(), PSEUDO + p.streams[r].columns.len()];
    Ok(StreamJoin { right: r, windows, widths, on: None, kind })
}

fn join_window(lower: &mut Lower, rel: &Relation) -> R<JoinWindow> {
    let Some(w) = rel.window else { return Ok(JoinWindow::Current) };
    let spec = match w {
        ast::WindowType::WindowSpec(s) => Some(s),
        ast::WindowType::NamedWindow(n) => lower.windows.get(&fold(n)),
    };
    if spec.is_some_and(|s| !s.partition_by.is_empty()) {
        return Err(at(rel.node, "A join window takes no PARTITION BY"));
    }
    match lower.frame(rel.node, w)? {
        Frame::Range { partition, millis } if partition.is_empty() => Ok(JoinWindow::Range(millis)),
        Frame::Rows { partition, rows } if partition.is_empty() => Ok(JoinWindow::Rows(rows)),
        _ => Err(at(rel.node, "A join window takes no PARTITION BY")),
    }
}

fn join_operator<'q>(op: &'q JoinOperator, node: &TableFactor) -> R<(Option<&'q ast::Expr>, JoinKind)> {
    let (c, kind) = match op {
        JoinOperator::Join(c) | JoinOperator::Inner(c) | JoinOperator::CrossJoin(c) => (c, JoinKind::Inner),
        JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (c, JoinKind::Left),
        JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (c, JoinKind::Right),
        JoinOperator::FullOuter(c) => (c, JoinKind::Full),
        _ => return Err(at(node, "Only INNER, LEFT, RIGHT, FULL OUTER and CROSS joins are supported")),
    };
    match c {
        JoinConstraint::On(e) => Ok((Some(e), kind)),
        JoinConstraint::None => Ok((None, kind)),
        _ => Err(at(node, "Joins take an ON condition")),
    }
}
