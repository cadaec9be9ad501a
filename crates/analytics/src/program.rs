//! A compiled application: its in-application streams, reference tables and pumps.

use crate::expr::Expr;
use crate::types::SqlType;
use serde::{Deserialize, Serialize};

/// Name of the in-application error stream.
pub const ERROR_STREAM: &str = "error_stream";

/// A column of a stream or table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    /// The column name (exact).
    pub name: String,
    /// Its type.
    pub ty: SqlType,
}

/// An in-application stream or reference table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamDef {
    /// Its name (exact).
    pub name: String,
    /// Its columns, without ROWTIME.
    pub columns: Vec<ColumnDef>,
}

impl StreamDef {
    /// A definition from `(name, type)` pairs.
    pub fn new(name: &str, columns: &[(&str, SqlType)]) -> StreamDef {
        StreamDef {
            name: name.to_string(),
            columns: columns.iter().map(|(n, ty)| ColumnDef { name: n.to_string(), ty: ty.clone() }).collect(),
        }
    }

    /// The columns of the in-application `error_stream`, as AWS documents them (DATA_ROW
    /// holds the original row, hex-encoded).
    pub fn error_stream() -> StreamDef {
        StreamDef::new(
            ERROR_STREAM,
            &[
                ("ERROR_TIME", SqlType::Timestamp),
                ("ERROR_LEVEL", SqlType::Varchar(Some(10))),
                ("ERROR_NAME", SqlType::Varchar(Some(32))),
                ("MESSAGE", SqlType::Varchar(Some(4096))),
                ("DATA_ROWTIME", SqlType::Timestamp),
                ("DATA_ROW", SqlType::Varchar(Some(49152))),
                ("PUMP_NAME", SqlType::Varchar(Some(128))),
            ],
        )
    }
}

/// How an in-application stream came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// Fed by an input (`<NamePrefix>_00n`).
    Input,
    /// The `error_stream`.
    Error,
    /// `CREATE STREAM`.
    Created,
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    First,
    Last,
    /// APPROXIMATE_COUNT_DISTINCT, computed exactly (deterministic).
    CountDistinct,
}

impl AggFunc {
    /// Looks an aggregate up by its upper-case name.
    pub fn by_name(name: &str) -> Option<AggFunc> {
        Some(match name {
            "COUNT" => AggFunc::Count,
            "SUM" => AggFunc::Sum,
            "AVG" => AggFunc::Avg,
            "MIN" => AggFunc::Min,
            "MAX" => AggFunc::Max,
            "FIRST_VALUE" => AggFunc::First,
            "LAST_VALUE" => AggFunc::Last,
            "APPROXIMATE_COUNT_DISTINCT" => AggFunc::CountDistinct,
            _ => return None,
        })
    }
}

/// The frame of a sliding (OVER) aggregate.
#[derive(Debug, Clone)]
pub enum Frame {
    /// `RANGE INTERVAL ... PRECEDING`.
    Range { partition: Vec<Expr>, millis: i64 },
    /// `ROWS n PRECEDING`.
    Rows { partition: Vec<Expr>, rows: usize },
}

impl Frame {
    /// The PARTITION BY expressions.
    pub fn partition(&self) -> &[Expr] {
        match self {
            Frame::Range { partition, .. } | Frame::Rows { partition, .. } => partition,
        }
    }
}

/// One aggregate call of a query.
#[derive(Debug, Clone)]
pub struct AggCall {
    pub func: AggFunc,
    /// The argument (`None` for COUNT(*)).
    pub arg: Option<Expr>,
    pub distinct: bool,
    /// The window of a sliding aggregate.
    pub frame: Option<Frame>,
}

/// The rows one side of a stream-to-stream join keeps for rows of the other side to meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinWindow {
    /// No OVER clause: only the arriving row takes part (it is not kept).
    Current,
    /// `OVER (RANGE INTERVAL ... PRECEDING)`: rows of the last so many ms.
    Range(i64),
    /// `OVER (ROWS n PRECEDING)`: the latest n rows.
    Rows(usize),
}

/// Which unmatched rows a join keeps (null-extended on the other side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

impl JoinKind {
    /// True when unmatched rows of `side` (0 left, 1 right) are kept.
    pub fn keeps(self, side: usize) -> bool {
        matches!((self, side), (JoinKind::Full, _) | (JoinKind::Left, 0) | (JoinKind::Right, 1))
    }
}

/// A stream-to-stream join: the pump reads both streams. A joined row is a header (the
/// output ROWTIME and a NULL arrival time: what unqualified `ROWTIME` reads), then the left
/// row, then the right row, each with its own pseudo columns.
#[derive(Debug, Clone)]
pub struct StreamJoin {
    /// Index of the right stream (the left one is [`Pump::source`]).
    pub right: usize,
    /// Windows of the left and right streams.
    pub windows: [JoinWindow; 2],
    /// Slots of the left and right rows (pseudo columns included).
    pub widths: [usize; 2],
    pub on: Option<Expr>,
    pub kind: JoinKind,
}

/// A table function of `FROM TABLE(...)` over a tumbling window of `width` ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemsFunc {
    /// TOP_K_ITEMS_TUMBLING with its K.
    TopK(usize),
    /// COUNT_DISTINCT_ITEMS_TUMBLING.
    CountDistinct,
}

/// A reference-table join of a pump.
#[derive(Debug, Clone)]
pub struct Join {
    /// Index into [`Program::tables`].
    pub table: usize,
    pub on: Option<Expr>,
    /// LEFT OUTER: keep stream rows without a match.
    pub outer: bool,
}

/// What a pump computes per row.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Filter and projection.
    Project(Vec<Expr>),
    /// `GROUP BY` with a ROWTIME-based key (tumbling windows) or `WINDOWED BY STAGGER`.
    Tumbling {
        /// GROUP BY expressions; `keys[0]` is the time key.
        keys: Vec<Expr>,
        /// Window width when known (STEP, FLOOR TO a fixed unit).
        width: Option<i64>,
        aggs: Vec<AggCall>,
        having: Option<Expr>,
        select: Vec<Expr>,
        /// Stagger windows: each group's window opens with its first row and closes this
        /// many ms later (then `keys` has no time key and the last aggregate is MIN(ROWTIME)).
        stagger: Option<i64>,
    },
    /// Windowed (OVER) aggregates: one output row per input row.
    Sliding { aggs: Vec<AggCall>, select: Vec<Expr> },
    /// `SELECT STREAM ... FROM TABLE(TOP_K_ITEMS_TUMBLING(CURSOR(...), 'col', k, secs))` or
    /// COUNT_DISTINCT_ITEMS_TUMBLING: `column` is read from the cursor's rows; `select` and
    /// `filter` (the outer WHERE) read the function's output row.
    Items { func: ItemsFunc, column: Expr, width: i64, filter: Option<Expr>, select: Vec<Expr> },
}

/// A pump: `INSERT INTO target SELECT STREAM ... FROM source`.
#[derive(Debug, Clone)]
pub struct Pump {
    pub name: String,
    /// Index of the stream read.
    pub source: usize,
    /// Index of the stream written.
    pub target: usize,
    /// For each target column, the select item feeding it (`None`: NULL).
    pub targets: Vec<Option<usize>>,
    /// The stream-to-stream join, when the pump reads two streams.
    pub stream_join: Option<StreamJoin>,
    /// Reference-table joins.
    pub joins: Vec<Join>,
    pub filter: Option<Expr>,
    pub mode: Mode,
}

/// A compiled application.
#[derive(Debug)]
pub struct Program {
    /// In-application streams (input streams first).
    pub streams: Vec<StreamDef>,
    pub kinds: Vec<StreamKind>,
    /// Reference tables.
    pub tables: Vec<StreamDef>,
    pub pumps: Vec<Pump>,
    /// For each stream, the pumps reading it.
    pub readers: Vec<Vec<usize>>,
}

impl Program {
    /// The index of a stream by exact name.
    pub fn stream_index(&self, name: &str) -> Option<usize> {
        self.streams.iter().position(|s| s.name == name)
    }

    /// The index of the `error_stream`.
    pub fn error_stream(&self) -> usize {
        self.kinds.iter().position(|k| *k == StreamKind::Error).unwrap_or(0)
    }
}
