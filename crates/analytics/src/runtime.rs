//! Running a compiled application: rows in, rows out, time from the caller.
//!
//! Rows are pushed into an input stream with their ROWTIME; every pump reading that stream
//! runs, and what it inserts flows on to the pumps reading its target. Tumbling windows are
//! emitted once time (a later row, or [`Runtime::advance`]) passes their end. All window
//! state is in [`State`], which serializes, so a caller can checkpoint it with the input
//! position in one transaction.

use crate::acc::Acc;
use crate::error::RowError;
use crate::expr::{truth, Ctx, Expr};
use crate::items::Items;
use crate::join::{JoinState, Joined};
use crate::lower::PSEUDO;
use crate::program::{AggCall, Frame, ItemsFunc, Mode, Program, Pump};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

/// Most rows one call may produce across all pumps (a runaway join stops here).
const ROW_BUDGET: usize = 1_000_000;
/// Most open groups one tumbling pump keeps.
const MAX_GROUPS: usize = 1_000_000;
/// Most rows one sliding-window partition keeps.
const MAX_WINDOW_ROWS: usize = 1_000_000;

/// A row that entered an in-application stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Emitted {
    /// Index of the stream ([`Program::streams`]).
    pub stream: usize,
    /// Its ROWTIME (ms).
    pub rowtime: i64,
    /// Its column values, in the stream's column order.
    pub values: Vec<Value>,
}

/// Checkpointable state of a running application.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Last ROWTIME per stream (rows older than it are out of order and dropped).
    last_rowtime: Vec<i64>,
    pumps: Vec<PumpState>,
    /// The windows of stream-to-stream joins, by pump.
    #[serde(default)]
    joins: BTreeMap<usize, JoinState>,
}

/// A sliding-window partition: its key and its rows (rowtime, argument).
type Partition = (Vec<Value>, VecDeque<(i64, Value)>);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum PumpState {
    Stateless,
    /// Open groups sorted by key (time key first).
    Tumbling(Vec<(Vec<Value>, Vec<Acc>)>),
    /// Per aggregate, partitions sorted by key with their rows (rowtime, argument).
    Sliding(Vec<Vec<Partition>>),
    /// Open windows of a table function by start time, oldest first.
    Items(Vec<(i64, Items)>),
}

/// A running application.
pub struct Runtime {
    program: Arc<Program>,
    state: State,
    tables: Vec<Vec<Vec<Value>>>,
    /// Pumps in dependency order (upstream first).
    order: Vec<usize>,
    budget: usize,
}

type Queue = VecDeque<(usize, Vec<Value>)>;

impl Runtime {
    /// A runtime with empty state.
    pub fn new(program: Arc<Program>) -> Runtime {
        let pumps = program.pumps.iter().map(initial_state).collect();
        let joins = BTreeMap::new();
        let state = State { last_rowtime: vec![i64::MIN; program.streams.len()], pumps, joins };
        let order = topological(&program);
        let tables = vec![Vec::new(); program.tables.len()];
        Runtime { program, state, tables, order, budget: ROW_BUDGET }
    }

    /// The compiled program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Replaces the rows of a reference table (values in the table's column order).
    pub fn set_table(&mut self, table: usize, rows: Vec<Vec<Value>>) {
        if let Some(t) = self.tables.get_mut(table) {
            *t = rows.into_iter().map(|r| with_pseudo(Value::Null, Value::Null, r)).collect();
        }
    }

    /// The state to checkpoint.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Restores checkpointed state (ignored when it does not fit this program).
    pub fn restore(&mut self, state: State) {
        if state.pumps.len() == self.state.pumps.len() && state.last_rowtime.len() == self.state.last_rowtime.len() {
            self.state = state;
        }
    }

    /// Inserts one row into an input stream; returns every row that entered any stream.
    pub fn insert(&mut self, stream: usize, rowtime: i64, arrival: Option<i64>, values: Vec<Value>) -> Vec<Emitted> {
        let arrival = arrival.map_or(Value::Null, Value::Timestamp);
        let mut queue = Queue::new();
        queue.push_back((stream, with_pseudo(Value::Timestamp(rowtime), arrival, values)));
        self.budget = ROW_BUDGET;
        let mut out = Vec::new();
        self.drain(&mut queue, &mut out);
        out
    }

    /// Records a row that could not be read (parse/coercion failure) in the error stream.
    pub fn input_error(&mut self, rowtime: i64, error: RowError, data: &str) -> Vec<Emitted> {
        let mut queue = Queue::new();
        queue.push_back(error_row(&self.program, rowtime, &error, data.to_string(), None));
        let mut out = Vec::new();
        self.drain(&mut queue, &mut out);
        out
    }

    /// Time has reached `now`: emits the windows that ended.
    pub fn advance(&mut self, now: i64) -> Vec<Emitted> {
        let mut out = Vec::new();
        self.budget = ROW_BUDGET;
        for i in self.order.clone() {
            let mut queue = Queue::new();
            self.flush(i, now, &mut queue);
            self.drain(&mut queue, &mut out);
        }
        out
    }

    fn drain(&mut self, queue: &mut Queue, out: &mut Vec<Emitted>) {
        let program = Arc::clone(&self.program);
        while let Some((stream, row)) = queue.pop_front() {
            let rowtime = rowtime_of(&row);
            let last = &mut self.state.last_rowtime[stream];
            if rowtime < *last {
                continue; // out of order: dropped, as INSERT does on AWS
            }
            *last = rowtime;
            if self.budget == 0 {
                let e = RowError::eval("evaluation budget exceeded");
                out.push(to_emitted(error_row(&program, rowtime, &e, String::new(), None)));
                queue.clear();
                return;
            }
            self.budget -= 1;
            for &p in &program.readers[stream] {
                self.run_pump(p, stream, &row, queue);
            }
            out.push(Emitted { stream, rowtime, values: row[PSEUDO..].to_vec() });
        }
    }

    fn run_pump(&mut self, p: usize, stream: usize, row: &[Value], queue: &mut Queue) {
        let program = Arc::clone(&self.program);
        let pump = &program.pumps[p];
        let rowtime = rowtime_of(row);
        self.flush(p, rowtime, queue);
        let Some(j) = &pump.stream_join else {
            return self.run_rows(p, pump, vec![(row.to_vec(), rowtime)], queue);
        };
        let side = usize::from(stream != pump.source);
        let joined = self.state.joins.entry(p).or_default().arrive(j, side, row.to_vec(), self.budget);
        self.run_rows(p, pump, joined, queue);
    }

    /// Runs rows of a pump's stream(s) through its reference-table joins and the pump.
    fn run_rows(&mut self, p: usize, pump: &Pump, rows: Vec<Joined>, queue: &mut Queue) {
        let program = Arc::clone(&self.program);
        for (row, rowtime) in rows {
            let source = if pump.stream_join.is_some() { &row[..] } else { &row[PSEUDO..] };
            for joined in self.join(pump, &row) {
                match self.pump_row(p, pump, &joined, rowtime) {
                    Ok(Some(values)) => emit(&program, pump, rowtime, values, source, queue),
                    Ok(None) => {}
                    Err(e) => queue.push_back(error_row(&program, rowtime, &e, row_text(source), Some(&pump.name))),
                }
            }
        }
    }

    /// The stream row joined with every reference table of the pump.
    fn join(&self, pump: &Pump, row: &[Value]) -> Vec<Vec<Value>> {
        let mut rows = vec![row.to_vec()];
        for j in &pump.joins {
            let table = &self.tables[j.table];
            let width = PSEUDO + self.program.tables[j.table].columns.len();
            let mut next = Vec::new();
            for left in rows {
                let before = next.len();
                for right in table {
                    if next.len() >= self.budget {
                        break;
                    }
                    let mut r = left.clone();
                    r.extend_from_slice(right);
                    let keep = j.on.as_ref().is_none_or(|on| eval_row(on, &r).is_ok_and(|v| truth(&v) == Some(true)));
                    if keep {
                        next.push(r);
                    }
                }
                if j.outer && next.len() == before {
                    let mut r = left;
                    r.resize(r.len() + width, Value::Null);
                    next.push(r);
                }
            }
            rows = next;
        }
        rows
    }

    /// Runs one (joined) row through a pump; `Some` values for non-windowed output.
    fn pump_row(&mut self, p: usize, pump: &Pump, row: &[Value], rowtime: i64) -> Result<Option<Vec<Value>>, RowError> {
        if let Some(f) = &pump.filter {
            if truth(&eval_row(f, row)?) != Some(true) {
                return Ok(None);
            }
        }
        match &pump.mode {
            Mode::Project(select) => Ok(Some(eval_all(select, row, &[], &[], rowtime)?)),
            Mode::Tumbling { keys, aggs, .. } => {
                let key = keys.iter().map(|k| eval_row(k, row)).collect::<Result<Vec<_>, _>>()?;
                let args = agg_args(aggs, row)?;
                let PumpState::Tumbling(groups) = &mut self.state.pumps[p] else { return Ok(None) };
                add_to_group(groups, key, aggs, args)?;
                Ok(None)
            }
            Mode::Sliding { aggs, select } => {
                let PumpState::Sliding(windows) = &mut self.state.pumps[p] else { return Ok(None) };
                let results = slide(windows, aggs, row, rowtime)?;
                Ok(Some(eval_all(select, row, &[], &results, rowtime)?))
            }
            Mode::Items { func, column, width, .. } => {
                let v = eval_row(column, row)?;
                let PumpState::Items(windows) = &mut self.state.pumps[p] else { return Ok(None) };
                let start = rowtime - rowtime.rem_euclid(*width);
                if windows.last().is_none_or(|(s, _)| *s != start) {
                    windows.push((start, new_items(*func)));
                }
                if let Some((_, items)) = windows.last_mut() {
                    items.add(v);
                }
                Ok(None)
            }
        }
    }

    /// Time reached `now` for pump `p`: its join windows and the windows that ended.
    fn flush(&mut self, p: usize, now: i64, queue: &mut Queue) {
        let program = Arc::clone(&self.program);
        let pump = &program.pumps[p];
        if let Some(j) = &pump.stream_join {
            let expired = self.state.joins.entry(p).or_default().expire(j, now);
            self.run_rows(p, pump, expired, queue);
        }
        match &pump.mode {
            Mode::Tumbling { .. } => self.flush_groups(p, pump, now, queue),
            Mode::Items { .. } => self.flush_items(p, pump, now, queue),
            _ => {}
        }
    }

    /// Emits the groups of tumbling pump `p` whose window ended by `now`.
    fn flush_groups(&mut self, p: usize, pump: &Pump, now: i64, queue: &mut Queue) {
        let program = Arc::clone(&self.program);
        let Mode::Tumbling { keys, width, having, select, stagger, .. } = &pump.mode else { return };
        if let Some(range) = stagger {
            return self.flush_stagger(p, pump, *range, now, queue);
        }
        let mut probe = vec![Value::Null; row_width(&program, pump)];
        probe[0] = Value::Timestamp(now);
        let Ok(now_key) = eval_row(&keys[0], &probe) else { return };
        let PumpState::Tumbling(groups) = &mut self.state.pumps[p] else { return };
        let closed =
            groups.iter().take_while(|(k, _)| k[0].sql_cmp(&now_key) == Some(std::cmp::Ordering::Less)).count();
        for (key, accs) in groups.drain(..closed).collect::<Vec<_>>() {
            let end = match (&key[0], width) {
                (Value::Timestamp(t), Some(w)) => t + w,
                _ => now,
            };
            emit_group(&program, pump, (having.as_ref(), select), &key, &accs, end, queue);
        }
    }

    /// Emits the stagger windows (opened by their first row) that are `range` old by `now`.
    fn flush_stagger(&mut self, p: usize, pump: &Pump, range: i64, now: i64, queue: &mut Queue) {
        let program = Arc::clone(&self.program);
        let Mode::Tumbling { having, select, .. } = &pump.mode else { return };
        let PumpState::Tumbling(groups) = &mut self.state.pumps[p] else { return };
        let opened = |accs: &[Acc]| match accs.last().map(Acc::value) {
            Some(Value::Timestamp(t)) => t,
            _ => i64::MIN,
        };
        let mut closed: Vec<(Vec<Value>, Vec<Acc>)> = Vec::new();
        groups.retain(|(k, a)| {
            let done = opened(a).saturating_add(range) <= now;
            if done {
                closed.push((k.clone(), a.clone()));
            }
            !done
        });
        closed.sort_by_key(|(_, a)| opened(a));
        for (key, accs) in closed {
            let end = opened(&accs) + range;
            emit_group(&program, pump, (having.as_ref(), select), &key, &accs, end, queue);
        }
    }

    /// Emits the rows of the table-function windows of pump `p` that ended by `now`.
    fn flush_items(&mut self, p: usize, pump: &Pump, now: i64, queue: &mut Queue) {
        let Mode::Items { func, width, filter, select, .. } = &pump.mode else { return };
        let PumpState::Items(windows) = &mut self.state.pumps[p] else { return };
        let closed = windows.iter().take_while(|(start, _)| start.saturating_add(*width) <= now).count();
        for (start, items) in windows.drain(..closed).collect::<Vec<_>>() {
            let end = start.saturating_add(*width);
            let rows: Vec<Vec<Value>> = match func {
                ItemsFunc::TopK(k) => items.top(*k).into_iter().map(|(v, n)| vec![v, Value::Int(n)]).collect(),
                ItemsFunc::CountDistinct => vec![vec![Value::Int(items.distinct())]],
            };
            for values in rows {
                let row = with_pseudo(Value::Timestamp(end), Value::Null, values);
                let keep = filter.as_ref().map_or(Ok(true), |f| eval_row(f, &row).map(|v| truth(&v) == Some(true)));
                match keep.and_then(|keep| keep.then(|| eval_all(select, &row, &[], &[], end)).transpose()) {
                    Ok(Some(out)) => emit(&self.program, pump, end, out, &row[PSEUDO..], queue),
                    Ok(None) => {}
                    Err(e) => {
                        queue.push_back(error_row(&self.program, end, &e, row_text(&row[PSEUDO..]), Some(&pump.name)))
                    }
                }
            }
        }
    }
}

fn new_items(func: ItemsFunc) -> Items {
    match func {
        ItemsFunc::TopK(_) => Items::TopK(HashMap::new()),
        ItemsFunc::CountDistinct => Items::Distinct(BTreeSet::new()),
    }
}

/// Evaluates HAVING and the select list of a closed group and queues the row.
fn emit_group(
    program: &Program,
    pump: &Pump,
    (having, select): (Option<&Expr>, &[Expr]),
    key: &[Value],
    accs: &[Acc],
    end: i64,
    queue: &mut Queue,
) {
    let aggs: Vec<Value> = accs.iter().map(Acc::value).collect();
    let result = having
        .map_or(Ok(true), |h| eval_ctx(h, &[], key, &aggs, end).map(|v| truth(&v) == Some(true)))
        .and_then(|keep| if keep { eval_all(select, &[], key, &aggs, end).map(Some) } else { Ok(None) });
    match result {
        Ok(Some(values)) => emit(program, pump, end, values, &[], queue),
        Ok(None) => {}
        Err(e) => queue.push_back(error_row(program, end, &e, row_text(key), Some(&pump.name))),
    }
}

fn initial_state(p: &Pump) -> PumpState {
    match &p.mode {
        Mode::Project(_) => PumpState::Stateless,
        Mode::Tumbling { .. } => PumpState::Tumbling(Vec::new()),
        Mode::Sliding { aggs, .. } => PumpState::Sliding(vec![Vec::new(); aggs.len()]),
        Mode::Items { .. } => PumpState::Items(Vec::new()),
    }
}

fn topological(p: &Program) -> Vec<usize> {
    // Pumps reading input streams first, then by the depth of the stream they read.
    let mut depth = vec![usize::MAX; p.streams.len()];
    let mut frontier: Vec<usize> = (0..p.streams.len()).filter(|&s| !p.pumps.iter().any(|x| x.target == s)).collect();
    let mut d = 0;
    while !frontier.is_empty() && d <= p.streams.len() {
        let mut next = Vec::new();
        for s in frontier {
            if depth[s] == usize::MAX || depth[s] < d {
                depth[s] = d;
                next.extend(p.readers[s].iter().map(|&i| p.pumps[i].target));
            }
        }
        frontier = next;
        d += 1;
    }
    let mut order: Vec<usize> = (0..p.pumps.len()).collect();
    let reads = |pump: &Pump| depth[pump.source].max(pump.stream_join.as_ref().map_or(0, |j| depth[j.right]));
    order.sort_by_key(|&i| reads(&p.pumps[i]));
    order
}

fn with_pseudo(rowtime: Value, arrival: Value, values: Vec<Value>) -> Vec<Value> {
    let mut row = Vec::with_capacity(PSEUDO + values.len());
    row.push(rowtime);
    row.push(arrival);
    row.extend(values);
    row
}

fn rowtime_of(row: &[Value]) -> i64 {
    match row.first() {
        Some(Value::Timestamp(t)) => *t,
        _ => i64::MIN,
    }
}

fn row_width(p: &Program, pump: &Pump) -> usize {
    let tables: usize = pump.joins.iter().map(|j| PSEUDO + p.tables[j.table].columns.len()).sum();
    let streams = match &pump.stream_join {
        Some(j) => PSEUDO + j.widths[0] + j.widths[1],
        None => PSEUDO + p.streams[pump.source].columns.len(),
    };
    streams + tables
}

fn eval_row(e: &Expr, row: &[Value]) -> Result<Value, RowError> {
    eval_ctx(e, row, &[], &[], rowtime_of(row))
}

fn eval_ctx(e: &Expr, row: &[Value], keys: &[Value], aggs: &[Value], rowtime: i64) -> Result<Value, RowError> {
    e.eval(&Ctx { row, keys, aggs, rowtime })
}

fn eval_all(es: &[Expr], row: &[Value], keys: &[Value], aggs: &[Value], rowtime: i64) -> Result<Vec<Value>, RowError> {
    es.iter().map(|e| eval_ctx(e, row, keys, aggs, rowtime)).collect()
}

fn agg_args(aggs: &[AggCall], row: &[Value]) -> Result<Vec<Option<Value>>, RowError> {
    aggs.iter().map(|a| a.arg.as_ref().map(|e| eval_row(e, row)).transpose()).collect()
}

fn add_to_group(
    groups: &mut Vec<(Vec<Value>, Vec<Acc>)>,
    key: Vec<Value>,
    aggs: &[AggCall],
    args: Vec<Option<Value>>,
) -> Result<(), RowError> {
    let i = match groups.binary_search_by(|(k, _)| cmp_keys(k, &key)) {
        Ok(i) => i,
        Err(i) => {
            if groups.len() >= MAX_GROUPS {
                return Err(RowError::eval("too many open groups"));
            }
            groups.insert(i, (key, aggs.iter().map(|a| Acc::new(a.func, a.distinct)).collect()));
            i
        }
    };
    for (acc, v) in groups[i].1.iter_mut().zip(args) {
        acc.add(v)?;
    }
    Ok(())
}

fn cmp_keys(a: &[Value], b: &[Value]) -> std::cmp::Ordering {
    a.iter().zip(b).map(|(x, y)| x.total_cmp(y)).find(|o| o.is_ne()).unwrap_or(a.len().cmp(&b.len()))
}

/// Adds the row to every sliding window and returns each aggregate over its window.
fn slide(
    windows: &mut [Vec<Partition>],
    aggs: &[AggCall],
    row: &[Value],
    rowtime: i64,
) -> Result<Vec<Value>, RowError> {
    let mut out = Vec::with_capacity(aggs.len());
    for (agg, parts) in aggs.iter().zip(windows.iter_mut()) {
        let Some(frame) = &agg.frame else { return Err(RowError::eval("aggregate without a window")) };
        let key = frame.partition().iter().map(|e| eval_row(e, row)).collect::<Result<Vec<_>, _>>()?;
        let arg = agg.arg.as_ref().map(|e| eval_row(e, row)).transpose()?;
        let i = match parts.binary_search_by(|(k, _)| cmp_keys(k, &key)) {
            Ok(i) => i,
            Err(i) => {
                parts.insert(i, (key, VecDeque::new()));
                i
            }
        };
        let rows = &mut parts[i].1;
        rows.push_back((rowtime, arg.clone().unwrap_or(Value::Bool(true))));
        match frame {
            Frame::Range { millis, .. } => {
                while rows.front().is_some_and(|(t, _)| *t < rowtime - millis) {
                    rows.pop_front();
                }
            }
            Frame::Rows { rows: n, .. } => {
                while rows.len() > n + 1 {
                    rows.pop_front();
                }
            }
        }
        while rows.len() > MAX_WINDOW_ROWS {
            rows.pop_front();
        }
        let mut acc = Acc::new(agg.func, agg.distinct);
        for (_, v) in rows.iter() {
            acc.add(if agg.arg.is_some() { Some(v.clone()) } else { None })?;
        }
        out.push(acc.value());
    }
    Ok(out)
}

/// Coerces a pump's select results to its target's columns and queues the row.
fn emit(program: &Program, pump: &Pump, rowtime: i64, values: Vec<Value>, source: &[Value], queue: &mut Queue) {
    let target = &program.streams[pump.target];
    let mut row = with_pseudo(Value::Timestamp(rowtime), Value::Null, Vec::with_capacity(target.columns.len()));
    for (col, from) in target.columns.iter().zip(&pump.targets) {
        let v = from.and_then(|i| values.get(i).cloned()).unwrap_or(Value::Null);
        match col.ty.cast(v) {
            Ok(v) => row.push(v),
            Err(m) => {
                let text = if source.is_empty() { row_text(&values) } else { row_text(source) };
                queue.push_back(error_row(program, rowtime, &RowError::conversion(m), text, Some(&pump.name)));
                return;
            }
        }
    }
    queue.push_back((pump.target, row));
}

fn row_text(row: &[Value]) -> String {
    let cells: Vec<String> = row.iter().map(|v| v.to_text().unwrap_or_else(|| "null".into())).collect();
    cells.join(",")
}

fn error_row(program: &Program, rowtime: i64, e: &RowError, data: String, pump: Option<&str>) -> (usize, Vec<Value>) {
    let values = vec![
        Value::Timestamp(rowtime),
        Value::Str("Error".into()),
        Value::Str(e.name.into()),
        Value::Str(e.message.clone()),
        Value::Timestamp(rowtime),
        Value::Str(hex::encode(data)),
        pump.map_or(Value::Null, |p| Value::Str(p.into())),
    ];
    (program.error_stream(), with_pseudo(Value::Timestamp(rowtime), Value::Null, values))
}

fn to_emitted((stream, row): (usize, Vec<Value>)) -> Emitted {
    Emitted { stream, rowtime: rowtime_of(&row), values: row[PSEUDO..].to_vec() }
}
