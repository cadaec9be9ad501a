//! Output rows a destination did not take. AWS's guide ("Configuring Application Output"):
//! when Analytics cannot write to a destination it keeps trying indefinitely, which creates
//! back pressure: the application falls behind and eventually stops processing new data.
//! kinesin keeps such rows in the store per output, in order, and offers them again on every
//! run of the application before any newer row; once an application holds [`CAP`] rows it
//! reads no new input (its input waits in the source, within the source's retention) until
//! the destinations take them. The rows live in SQLite (on disk, or in a temporary file that
//! pages spill to), so memory stays bounded; disk by `CAP` rows.

use crate::db::Engine;
use rusqlite::params;

/// Most rows an application keeps for its destinations before it stops reading input.
pub const CAP: usize = 10_000;
/// Most kept rows offered to one output in one run.
pub const RETRY_BATCH: usize = 500;

/// A kept row: its id and data.
pub type Kept = (i64, Vec<u8>);

/// Keeps a row of application `app` for output `output`, after the ones it already keeps.
pub fn keep(eng: &Engine, app: i64, output: &str, data: &[u8]) -> rusqlite::Result<()> {
    eng.conn
        .prepare_cached("INSERT INTO kda_output_backlog(app, output, data) VALUES (?1, ?2, ?3)")?
        .execute(params![app, output, data])?;
    Ok(())
}

/// How many rows application `app` keeps, over all its outputs.
pub fn count(eng: &Engine, app: i64) -> rusqlite::Result<usize> {
    let n: i64 = eng
        .conn
        .prepare_cached("SELECT COUNT(*) FROM kda_output_backlog WHERE app=?1")?
        .query_row([app], |r| r.get(0))?;
    Ok(n as usize)
}

/// The outputs application `app` keeps rows for.
pub fn outputs(eng: &Engine, app: i64) -> rusqlite::Result<Vec<String>> {
    let mut st = eng.conn.prepare_cached("SELECT DISTINCT output FROM kda_output_backlog WHERE app=?1")?;
    let rows = st.query_map([app], |r| r.get(0))?;
    rows.collect()
}

/// The oldest `limit` rows kept for an output.
pub fn oldest(eng: &Engine, app: i64, output: &str, limit: usize) -> rusqlite::Result<Vec<Kept>> {
    let mut st = eng
        .conn
        .prepare_cached("SELECT id, data FROM kda_output_backlog WHERE app=?1 AND output=?2 ORDER BY id LIMIT ?3")?;
    let rows = st.query_map(params![app, output, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The destination took the output's rows up to id `last`.
pub fn taken(eng: &Engine, app: i64, output: &str, last: i64) -> rusqlite::Result<()> {
    eng.conn
        .prepare_cached("DELETE FROM kda_output_backlog WHERE app=?1 AND output=?2 AND id<=?3")?
        .execute(params![app, output, last])?;
    Ok(())
}

/// Drops the rows kept for an output the application no longer has.
pub fn drop_output(eng: &Engine, app: i64, output: &str) -> rusqlite::Result<()> {
    eng.conn
        .prepare_cached("DELETE FROM kda_output_backlog WHERE app=?1 AND output=?2")?
        .execute(params![app, output])?;
    Ok(())
}
