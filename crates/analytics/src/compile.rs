//! Compiling parsed statements into a [`Program`].

use crate::error::CodeError;
use crate::expr::Expr;
use crate::functions::Func;
use crate::lower::{Lower, Place, Source, PSEUDO};
use crate::parse::StreamWindows;
use crate::parse::{fold, parse, Statement};
use crate::program::ColumnDef;
use crate::program::StreamKind;
use crate::program::{AggCall, AggFunc, Frame, Join, JoinKind, JoinWindow, Mode, Program, Pump, StreamDef, StreamJoin};
use crate::tablefn;
use sqlparser::ast::{self, GroupByExpr, JoinConstraint, JoinOperator, SelectItem, SetExpr, Spanned, TableFactor};
use sqlparser::tokenizer::Location;
use std::collections::HashMap;

type R<T> = Result<T, CodeError>;

pub(crate) fn at<T: Spanned>(node: &T, message: &str) -> CodeError {
    CodeError::new(message, node.span().start)
}

/// Compiles application code against the input streams and reference tables it may read.
pub fn compile(code: &str, inputs: &[StreamDef], tables: &[StreamDef]) -> R<Program> {
    let mut p = Program {
        streams: inputs.to_vec(),
        kinds: vec![StreamKind::Input; inputs.len()],
        tables: tables.to_vec(),
        pumps: Vec::new(),
        readers: Vec::new(),
    };
    p.streams.push(StreamDef::error_stream());
    p.kinds.push(StreamKind::Error);
    let mut pumps = Vec::new();
    for st in parse(code)? {
        match st {
            Statement::CreateStream { name, columns, at } => create_stream(&mut p, name, columns, at)?,
            pump @ Statement::CreatePump { .. } => pumps.push(pump),
        }
    }
    for st in &pumps {
        let pump = compile_pump(&p, st)?;
        match p.pumps.iter().position(|x| x.name == pump.name) {
            Some(i) => p.pumps[i] = pump,
            None => p.pumps.push(pump),
        }
    }
    p.readers = vec![Vec::new(); p.streams.len()];
    for (i, pump) in p.pumps.iter().enumerate() {
        p.readers[pump.source].push(i);
        if let Some(j) = &pump.stream_join {
            p.readers[j.right].push(i);
        }
    }
    check_acyclic(&p)?;
    Ok(p)
}

fn create_stream(p: &mut Program, name: String, columns: Vec<(String, crate::types::SqlType)>, at: Location) -> R<()> {
    if let Some(i) = p.stream_index(&name) {
        if p.kinds[i] != StreamKind::Created {
            return Err(CodeError::new(&format!("Stream '{name}' already exists"), at));
        }
    }
    let def = StreamDef {
        name: name.clone(),
        columns: columns.into_iter().map(|(name, ty)| ColumnDef { name, ty }).collect(),
    };
    match p.stream_index(&name) {
        Some(i) => p.streams[i] = def,
        None => {
            p.streams.push(def);
            p.kinds.push(StreamKind::Created);
        }
    }
    Ok(())
}

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

fn compile_pump(p: &Program, st: &Statement) -> R<Pump> {
    let Statement::CreatePump { name, target, target_at, columns, query, windows: over } = st else {
        unreachable!("only pumps are compiled here")
    };
    let target_idx = p.stream_index(target).filter(|&i| p.kinds[i] == StreamKind::Created);
    let target_idx = target_idx.ok_or_else(|| CodeError::new(&format!("Stream '{target}' not found"), *target_at))?;
    let select = plain_select(query)?;
    let windows = named_windows(select);
    if let [ast::TableWithJoins { relation: TableFactor::TableFunction { expr, alias }, joins }] =
        select.from.as_slice()
    {
        if let Some(j) = joins.first() {
            return Err(at(&j.relation, "A table function is not joined"));
        }
        let (pump, items) = tablefn::compile(p, select, expr, alias.as_ref(), over)?;
        let targets = map_targets(&p.streams[target_idx], columns.as_deref(), items, *target_at)?;
        return Ok(Pump { name: name.clone(), target: target_idx, targets, ..pump });
    }
    let FromClause { source, sources, stream_join, tables } = from_clause(p, select, over, &windows)?;
    let mut lower = Lower { sources: &sources, windows: &windows, keys: Vec::new(), aggs: Vec::new() };
    let (stream_join, joins) = lower_joins(&mut lower, stream_join, tables)?;
    let filter = select.selection.as_ref().map(|w| lower.expr(w, Place::Row)).transpose()?;
    let items = select_items(select, &sources)?;
    let mode = mode(&mut lower, select, &items)?;
    let targets = map_targets(&p.streams[target_idx], columns.as_deref(), items.len(), *target_at)?;
    Ok(Pump { name: name.clone(), source, target: target_idx, targets, stream_join, joins, filter, mode })
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

fn mode(lower: &mut Lower, select: &ast::Select, items: &[ast::Expr]) -> R<Mode> {
    let group = match &select.group_by {
        GroupByExpr::Expressions(g, _) => g.as_slice(),
        GroupByExpr::All(_) => return Err(at(select, "GROUP BY ALL is not supported")),
    };
    if group.is_empty() {
        if select.having.is_some() {
            return Err(at(select, "HAVING needs GROUP BY"));
        }
        let select = items.iter().map(|e| lower.expr(e, Place::Sliding)).collect::<R<Vec<_>>>()?;
        let aggs = std::mem::take(&mut lower.aggs);
        return Ok(if aggs.is_empty() { Mode::Project(select) } else { Mode::Sliding { aggs, select } });
    }
    if let Some(range) = stagger_range(group)? {
        return stagger(lower, select, items, &group[..group.len() - 1], range);
    }
    let mut keys = group.iter().map(|g| lower.expr(g, Place::Row)).collect::<R<Vec<_>>>()?;
    let time = keys.iter().position(|k| k.reads(0));
    let Some(time) = time else {
        return Err(at(select, "Cannot aggregate infinite stream: GROUP BY clause is not specified or doesn't contain any monotonic expression"));
    };
    keys.swap(0, time);
    let mut texts: Vec<String> = group.iter().map(|g| g.to_string()).collect();
    texts.swap(0, time);
    lower.keys = texts;
    let width = window_width(&keys[0]);
    let having = select.having.as_ref().map(|h| lower.expr(h, Place::Grouped)).transpose()?;
    let select = items.iter().map(|e| lower.expr(e, Place::Grouped)).collect::<R<Vec<_>>>()?;
    Ok(Mode::Tumbling { keys, width, aggs: std::mem::take(&mut lower.aggs), having, select, stagger: None })
}

/// The range of `WINDOWED BY STAGGER` (rewritten by the parser to a last GROUP BY item
/// `STAGGER(INTERVAL ...)`).
fn stagger_range(group: &[ast::Expr]) -> R<Option<i64>> {
    let Some(ast::Expr::Function(f)) = group.last() else { return Ok(None) };
    let is_stagger = f.name.0.len() == 1 && f.name.to_string().eq_ignore_ascii_case("STAGGER");
    if !is_stagger {
        return Ok(None);
    }
    let mut probe = Lower { sources: &[], windows: &HashMap::new(), keys: Vec::new(), aggs: Vec::new() };
    let arg = match &f.args {
        ast::FunctionArguments::List(l) => match l.args.as_slice() {
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e))] => probe.expr(e, Place::Row).ok(),
            _ => None,
        },
        _ => None,
    };
    match arg {
        Some(Expr::Lit(crate::value::Value::Interval(ms))) if ms > 0 => Ok(Some(ms)),
        _ => Err(at(f, "STAGGER takes PARTITION BY ... RANGE INTERVAL ...")),
    }
}

fn stagger(
    lower: &mut Lower,
    select: &ast::Select,
    items: &[ast::Expr],
    partition: &[ast::Expr],
    range: i64,
) -> R<Mode> {
    let keys = partition.iter().map(|g| lower.expr(g, Place::Row)).collect::<R<Vec<_>>>()?;
    lower.keys = partition.iter().map(|g| g.to_string()).collect();
    let having = select.having.as_ref().map(|h| lower.expr(h, Place::Grouped)).transpose()?;
    let select = items.iter().map(|e| lower.expr(e, Place::Grouped)).collect::<R<Vec<_>>>()?;
    let mut aggs = std::mem::take(&mut lower.aggs);
    aggs.push(AggCall { func: AggFunc::Min, arg: Some(Expr::Col(0)), distinct: false, frame: None });
    Ok(Mode::Tumbling { keys, width: None, aggs, having, select, stagger: Some(range) })
}

/// The width of a tumbling window whose key is STEP(ROWTIME BY w) or FLOOR(ROWTIME TO unit).
fn window_width(key: &Expr) -> Option<i64> {
    match key {
        Expr::Call(Func::Step, args) => match args.get(1) {
            Some(Expr::Lit(crate::value::Value::Interval(w))) => Some(*w),
            _ => None,
        },
        Expr::Call(Func::FloorTo(u), _) => u.millis(),
        _ => None,
    }
}

pub(crate) fn map_targets(
    target: &StreamDef,
    columns: Option<&[String]>,
    items: usize,
    at: Location,
) -> R<Vec<Option<usize>>> {
    let mismatch = || {
        CodeError::new(
            &format!(
                "Number of INSERT target columns ({}) does not equal number of source items ({items})",
                columns.map_or(target.columns.len(), <[String]>::len)
            ),
            at,
        )
    };
    match columns {
        None if target.columns.len() == items => Ok((0..items).map(Some).collect()),
        None => Err(mismatch()),
        Some(cols) if cols.len() != items => Err(mismatch()),
        Some(cols) => {
            target.columns.iter().map(|c| Ok(cols.iter().position(|x| *x == c.name))).collect::<R<Vec<_>>>().and_then(
                |m| match cols.iter().find(|c| !target.columns.iter().any(|t| &t.name == *c)) {
                    Some(c) => Err(CodeError::new(&format!("Unknown target column '{c}'"), at)),
                    None => Ok(m),
                },
            )
        }
    }
}

fn check_acyclic(p: &Program) -> R<()> {
    // Three-colour depth-first search over stream -> pump -> target stream.
    fn visit(p: &Program, s: usize, colour: &mut [u8]) -> Option<usize> {
        match colour[s] {
            1 => return Some(s),
            2 => return None,
            _ => colour[s] = 1,
        }
        for &i in &p.readers[s] {
            if let Some(c) = visit(p, p.pumps[i].target, colour) {
                return Some(c);
            }
        }
        colour[s] = 2;
        None
    }
    let mut colour = vec![0u8; p.streams.len()];
    for s in 0..p.streams.len() {
        if let Some(c) = visit(p, s, &mut colour) {
            let msg = format!("Pumps form a cycle through stream '{}'", p.streams[c].name);
            return Err(CodeError::new(&msg, Location::new(1, 1)));
        }
    }
    Ok(())
}
