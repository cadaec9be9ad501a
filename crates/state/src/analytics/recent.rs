//! What the console shows of running applications: per application the input records read
//! and, per in-application stream, the rows that entered it and the newest of them. In
//! memory only (a restart starts from zero); nothing of it is stored.

use kinesin_analytics::{Emitted, Program, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Newest rows kept per in-application stream.
pub const KEPT_ROWS: usize = 100;

/// The newest rows of one in-application stream.
#[derive(Debug, Clone, Default)]
pub struct StreamRows {
    /// Rows that entered the stream in this run.
    pub total: u64,
    /// The newest rows (ROWTIME ms, values), oldest first.
    pub rows: VecDeque<(i64, Vec<Value>)>,
}

/// One application's run as the console sees it.
#[derive(Debug, Clone, Default)]
pub struct AppActivity {
    /// The run these counts belong to (a new run starts from zero).
    pub run: i64,
    /// Input records read in this run.
    pub read: u64,
    /// By in-application stream name.
    pub streams: HashMap<String, StreamRows>,
}

/// Activity of every application, by application row id.
#[derive(Debug, Default)]
pub struct Recent {
    apps: Mutex<HashMap<i64, AppActivity>>,
}

impl Recent {
    /// Notes what one job of an application's run read and emitted.
    pub fn record(&self, app: i64, run: i64, program: &Program, read: u64, emitted: &[Emitted]) {
        let mut apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        let a = apps.entry(app).or_default();
        if a.run != run {
            *a = AppActivity { run, ..Default::default() };
        }
        a.read += read;
        for e in emitted {
            let Some(def) = program.streams.get(e.stream) else { continue };
            let s = a.streams.entry(def.name.clone()).or_default();
            s.total += 1;
            if s.rows.len() == KEPT_ROWS {
                s.rows.pop_front();
            }
            s.rows.push_back((e.rowtime, e.values.clone()));
        }
    }

    /// A copy of an application's activity in the given run (empty for another run).
    pub fn of(&self, app: i64, run: i64) -> AppActivity {
        let apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        apps.get(&app).filter(|a| a.run == run).cloned().unwrap_or(AppActivity { run, ..Default::default() })
    }

    /// Forgets applications that no longer exist.
    pub fn retain(&self, keep: impl Fn(i64) -> bool) {
        self.apps.lock().unwrap_or_else(|p| p.into_inner()).retain(|id, _| keep(*id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinesin_analytics::{compile, SqlType, StreamDef};

    #[test]
    fn keeps_the_newest_rows_and_restarts_with_a_run() {
        let input = StreamDef::new("IN_001", &[("N", SqlType::Integer)]);
        let code = r#"CREATE OR REPLACE STREAM "OUT" (n INTEGER);
            CREATE OR REPLACE PUMP "P" AS INSERT INTO "OUT" SELECT STREAM n FROM "IN_001";"#;
        let program = compile(code, &[input], &[]).unwrap();
        let out = program.stream_index("OUT").unwrap();
        let rows: Vec<Emitted> = (0..KEPT_ROWS as i64 + 5)
            .map(|i| Emitted { stream: out, rowtime: i, values: vec![Value::Int(i)] })
            .collect();
        let recent = Recent::default();
        recent.record(7, 1, &program, 3, &rows[..5]);
        recent.record(7, 1, &program, 2, &rows[5..]);
        let a = recent.of(7, 1);
        assert_eq!(a.read, 5);
        let s = &a.streams["OUT"];
        assert_eq!(s.total, KEPT_ROWS as u64 + 5);
        assert_eq!(s.rows.len(), KEPT_ROWS);
        assert_eq!(s.rows.front().unwrap().0, 5);
        assert_eq!(s.rows.back().unwrap().1, vec![Value::Int(KEPT_ROWS as i64 + 4)]);
        assert_eq!(recent.of(7, 2).read, 0);
        recent.record(7, 2, &program, 1, &[]);
        assert_eq!(recent.of(7, 2).read, 1);
        assert!(recent.of(7, 2).streams.is_empty());
        recent.retain(|id| id != 7);
        assert_eq!(recent.of(7, 2).read, 0);
    }
}
