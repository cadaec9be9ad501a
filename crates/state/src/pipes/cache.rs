//! The stored pipes, parsed once: the pump looks at every pipe on each pass, and a pass runs
//! after every Kinesis write, so the rows with their sources and targets parsed are kept on
//! the store thread (`eng.pipes`) and dropped whenever a pipe row is written or a job or
//! commit fails (what the cache read may then have been undone).

use super::engine::{Source, Target};
use super::PipeRow;
use std::sync::Arc;

/// A stored pipe with its source and target parsed, or why they cannot be.
#[derive(Debug)]
pub struct Parsed {
    /// The row.
    pub row: PipeRow,
    /// Its source.
    pub source: Result<Source, String>,
    /// Its target.
    pub target: Result<Target, String>,
}

impl Parsed {
    /// Parses a stored row.
    pub fn new(row: PipeRow) -> Self {
        let source = Source::parse(&row.source, &row.spec);
        let target = Target::parse(&row.target, &row.spec);
        Self { row, source, target }
    }
}

/// Every stored pipe in id order, parsed, while no pipe row has been written since.
#[derive(Debug, Default)]
pub struct PipeCache(Option<Arc<[Parsed]>>);

impl PipeCache {
    /// The cached pipes, if they are current.
    pub fn get(&self) -> Option<Arc<[Parsed]>> {
        self.0.clone()
    }

    /// Keeps `pipes` as the current ones.
    pub fn set(&mut self, pipes: Arc<[Parsed]>) {
        self.0 = Some(pipes);
    }

    /// Forgets the pipes: a pipe row was written, or a write may have been undone.
    pub fn clear(&mut self) {
        self.0 = None;
    }
}
