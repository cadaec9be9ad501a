//! Aggregate accumulators (serializable: they are window state).

use crate::error::RowError;
use crate::expr::{apply, BinOp};
use crate::program::AggFunc;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Most distinct values one COUNT(DISTINCT) keeps per group.
const MAX_DISTINCT: usize = 100_000;

/// The running state of one aggregate over one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Acc {
    Count(i64),
    Sum(Value),
    Avg(f64, i64),
    Min(Value),
    Max(Value),
    First(Option<Value>),
    Last(Value),
    Distinct(Vec<Value>),
}

impl Acc {
    /// A fresh accumulator.
    pub fn new(func: AggFunc, distinct: bool) -> Acc {
        match func {
            AggFunc::Count if distinct => Acc::Distinct(Vec::new()),
            AggFunc::CountDistinct => Acc::Distinct(Vec::new()),
            AggFunc::Count => Acc::Count(0),
            AggFunc::Sum => Acc::Sum(Value::Null),
            AggFunc::Avg => Acc::Avg(0.0, 0),
            AggFunc::Min => Acc::Min(Value::Null),
            AggFunc::Max => Acc::Max(Value::Null),
            AggFunc::First => Acc::First(None),
            AggFunc::Last => Acc::Last(Value::Null),
        }
    }

    /// Adds one value (`None`: COUNT(*)'s row without an argument). NULLs are skipped.
    pub fn add(&mut self, v: Option<Value>) -> Result<(), RowError> {
        let Some(v) = v else {
            if let Acc::Count(n) = self {
                *n += 1;
            }
            return Ok(());
        };
        match self {
            Acc::First(slot @ None) => *slot = Some(v),
            Acc::First(Some(_)) => {}
            Acc::Last(slot) => *slot = v,
            _ if v.is_null() => {}
            Acc::Count(n) => *n += 1,
            Acc::Sum(s) if s.is_null() => *s = v,
            Acc::Sum(s) => *s = apply(BinOp::Add, std::mem::replace(s, Value::Null), v)?,
            Acc::Avg(sum, n) => {
                *sum += v.as_f64().ok_or_else(|| RowError::eval("AVG of a non-number"))?;
                *n += 1;
            }
            Acc::Min(m) => keep(m, v, Ordering::Less),
            Acc::Max(m) => keep(m, v, Ordering::Greater),
            Acc::Distinct(set) => {
                if let Err(i) = set.binary_search_by(|x| x.total_cmp(&v)) {
                    if set.len() >= MAX_DISTINCT {
                        return Err(RowError::eval("too many distinct values in one window"));
                    }
                    set.insert(i, v);
                }
            }
        }
        Ok(())
    }

    /// The aggregate's current result.
    pub fn value(&self) -> Value {
        match self {
            Acc::Count(n) => Value::Int(*n),
            Acc::Sum(s) | Acc::Min(s) | Acc::Max(s) | Acc::Last(s) => s.clone(),
            Acc::Avg(_, 0) => Value::Null,
            Acc::Avg(sum, n) => Value::Double(sum / *n as f64),
            Acc::First(v) => v.clone().unwrap_or(Value::Null),
            Acc::Distinct(set) => Value::Int(set.len() as i64),
        }
    }
}

fn keep(slot: &mut Value, v: Value, want: Ordering) {
    if slot.is_null() || v.sql_cmp(slot) == Some(want) {
        *slot = v;
    }
}
