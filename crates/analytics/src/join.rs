//! Stream-to-stream joins over windows, as AWS's JOIN clause reference defines them.
//!
//! Each side with a window keeps the rows of that window (rows older than it are dropped);
//! a side without one takes part with its arriving row only. A row arriving on one side
//! meets the kept rows of the other; a pair whose ON condition holds is a joined row whose
//! ROWTIME is the later of the two. An unmatched row of a side an outer join keeps comes out
//! null-extended once no match can come any more: right away for a side without a window,
//! else when it leaves its window, with the window's end as ROWTIME. Joined rows never go
//! back in time (AWS returns join results in ascending ROWTIME).

use crate::expr::{truth, Ctx};
use crate::lower::PSEUDO;
use crate::program::{JoinWindow, StreamJoin};
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Most rows one side of a join keeps.
const MAX_SIDE_ROWS: usize = 100_000;

/// A joined row (header, left row, right row) and its ROWTIME.
pub type Joined = (Vec<Value>, i64);

/// The window state of one stream-to-stream join (checkpointed with the rest).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinState {
    /// Rows kept by the left and right sides, oldest first.
    sides: [VecDeque<Kept>; 2],
    /// Latest time seen (rows of either stream, or the clock).
    clock: i64,
    /// ROWTIME of the last joined row.
    emitted: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Kept {
    row: Vec<Value>,
    matched: bool,
}

impl Default for JoinState {
    fn default() -> JoinState {
        JoinState { sides: Default::default(), clock: i64::MIN, emitted: i64::MIN }
    }
}

impl JoinState {
    /// Time reached `now`: drops the rows that left their window (the null-extended rows
    /// of those an outer join keeps come out, oldest window end first).
    pub fn expire(&mut self, j: &StreamJoin, now: i64) -> Vec<Joined> {
        self.clock = self.clock.max(now);
        let mut out = Vec::new();
        for side in 0..2 {
            let JoinWindow::Range(ms) = j.windows[side] else { continue };
            let rows = &mut self.sides[side];
            while let Some(k) = rows.front() {
                let end = rowtime(&k.row).saturating_add(ms);
                if end >= self.clock {
                    break;
                }
                if let Some(k) = rows.pop_front() {
                    if !k.matched && j.kind.keeps(side) {
                        out.push(padded(j, side, k.row, end));
                    }
                }
            }
        }
        out.sort_by_key(|(_, t)| *t);
        self.stamp(out)
    }

    /// A row arrived on `side` (0 left, 1 right): the joined rows it makes, at most `budget`.
    pub fn arrive(&mut self, j: &StreamJoin, side: usize, row: Vec<Value>, budget: usize) -> Vec<Joined> {
        let t = rowtime(&row);
        self.clock = self.clock.max(t);
        let mut out = Vec::new();
        let mut matched = false;
        for k in self.sides[1 - side].iter_mut() {
            if out.len() >= budget {
                break;
            }
            let at = t.max(rowtime(&k.row));
            let joined = if side == 0 { combine(at, &row, &k.row) } else { combine(at, &k.row, &row) };
            if j.on.as_ref().is_none_or(|on| on_holds(on, &joined, at)) {
                k.matched = true;
                matched = true;
                out.push((joined, at));
            }
        }
        let cap = match j.windows[side] {
            JoinWindow::Current => 0,
            JoinWindow::Range(_) => MAX_SIDE_ROWS,
            JoinWindow::Rows(n) => n.min(MAX_SIDE_ROWS),
        };
        let kept = &mut self.sides[side];
        kept.push_back(Kept { row, matched });
        while kept.len() > cap {
            let Some(k) = kept.pop_front() else { break };
            if !k.matched && j.kind.keeps(side) {
                out.push(padded(j, side, k.row, t));
            }
        }
        self.stamp(out)
    }

    /// Joined rows never go back in time: each takes at least the last one's ROWTIME.
    fn stamp(&mut self, rows: Vec<Joined>) -> Vec<Joined> {
        rows.into_iter()
            .map(|(mut row, t)| {
                self.emitted = self.emitted.max(t);
                row[0] = Value::Timestamp(self.emitted);
                (row, self.emitted)
            })
            .collect()
    }
}

fn rowtime(row: &[Value]) -> i64 {
    match row.first() {
        Some(Value::Timestamp(t)) => *t,
        _ => i64::MIN,
    }
}

fn combine(at: i64, left: &[Value], right: &[Value]) -> Vec<Value> {
    let mut row = Vec::with_capacity(PSEUDO + left.len() + right.len());
    row.push(Value::Timestamp(at));
    row.push(Value::Null);
    row.extend_from_slice(left);
    row.extend_from_slice(right);
    row
}

/// An unmatched row of `side` with NULLs for the other side.
fn padded(j: &StreamJoin, side: usize, row: Vec<Value>, at: i64) -> Joined {
    let nulls = vec![Value::Null; j.widths[1 - side]];
    let joined = if side == 0 { combine(at, &row, &nulls) } else { combine(at, &nulls, &row) };
    (joined, at)
}

fn on_holds(on: &crate::expr::Expr, row: &[Value], rowtime: i64) -> bool {
    on.eval(&Ctx { row, keys: &[], aggs: &[], rowtime }).is_ok_and(|v| truth(&v) == Some(true))
}
