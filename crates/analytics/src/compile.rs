//! Compiling parsed statements into a [`Program`].

use crate::error::{at, CodeError};
use crate::expr::Expr;
use crate::from::{from_clause, lower_joins, FromClause};
use crate::functions::Func;
use crate::lower::{Lower, Place};
use crate::parse::{parse, Statement};
use crate::program::{AggCall, AggFunc, ColumnDef, Mode, Program, Pump, StreamDef, StreamKind};
use crate::select::{named_windows, plain_select, select_items};
use crate::tablefn;
use sqlparser::ast::{self, GroupByExpr, TableFactor};
use sqlparser::tokenizer::Location;
use std::collections::HashMap;

type R<T> = Result<T, CodeError>;

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
