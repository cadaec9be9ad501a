//! Records to send: lines (or whole files) from stdin or paths, with a progress line on
//! large inputs and an optional rate limit.

use crate::error::CliError;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Inputs larger than this show progress on a terminal.
const LARGE_INPUT: u64 = 4 * 1024 * 1024;

/// Where records come from.
pub struct Input {
    paths: Vec<PathBuf>,
    whole_files: bool,
    next: usize,
    current: Option<Box<dyn BufRead>>,
    progress: Option<Progress>,
}

impl Input {
    /// Lines of the paths (stdin when there are none, or for `-`); `whole_files` makes each
    /// path one record. `progress`: `Some(true)` always, `Some(false)` never, `None` on a
    /// terminal when the input is large.
    pub fn new(paths: Vec<PathBuf>, whole_files: bool, progress: Option<bool>) -> Input {
        let paths = if paths.is_empty() { vec![PathBuf::from("-")] } else { paths };
        let total: u64 = paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum();
        let show = progress.unwrap_or(std::io::stderr().is_terminal() && total >= LARGE_INPUT);
        let progress = show.then(|| Progress::new(total));
        Input { paths, whole_files, next: 0, current: None, progress }
    }

    fn open(path: &PathBuf) -> Result<Box<dyn BufRead>, CliError> {
        if path.as_os_str() == "-" {
            return Ok(Box::new(BufReader::new(std::io::stdin())));
        }
        let f = std::fs::File::open(path).map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
        Ok(Box::new(BufReader::with_capacity(1 << 16, f)))
    }

    /// The next record (without its line ending), or `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<Vec<u8>>, CliError> {
        loop {
            if self.current.is_none() {
                let Some(path) = self.paths.get(self.next) else { return Ok(None) };
                self.next += 1;
                let mut reader = Self::open(path)?;
                if self.whole_files {
                    let mut all = Vec::new();
                    reader.read_to_end(&mut all)?;
                    self.advance(all.len());
                    return Ok(Some(all));
                }
                self.current = Some(reader);
            }
            let reader = self.current.as_mut().expect("open input");
            let mut line = Vec::new();
            if reader.read_until(b'\n', &mut line)? == 0 {
                self.current = None;
                continue;
            }
            self.advance(line.len());
            while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                line.pop();
            }
            return Ok(Some(line));
        }
    }

    fn advance(&mut self, bytes: usize) {
        if let Some(p) = &mut self.progress {
            p.add(bytes as u64);
        }
    }

    /// Ends the progress line.
    pub fn finish(&mut self) {
        if let Some(p) = &mut self.progress {
            p.draw(true);
        }
    }
}

/// A one-line progress display on stderr, redrawn at most 5 times a second.
struct Progress {
    total: u64,
    done: u64,
    records: u64,
    start: Instant,
    drawn: Instant,
}

impl Progress {
    fn new(total: u64) -> Progress {
        let now = Instant::now();
        Progress { total, done: 0, records: 0, start: now, drawn: now }
    }

    fn add(&mut self, bytes: u64) {
        self.done += bytes;
        self.records += 1;
        if self.drawn.elapsed() >= Duration::from_millis(200) {
            self.draw(false);
        }
    }

    fn draw(&mut self, last: bool) {
        self.drawn = Instant::now();
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let pct = if self.total > 0 {
            format!("{:5.1}% ", 100.0 * self.done as f64 / self.total as f64)
        } else {
            String::new()
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{pct}{} records, {:.1} MiB, {:.0} records/s{}",
            self.records,
            self.done as f64 / 1_048_576.0,
            self.records as f64 / secs,
            if last { "\n" } else { "" }
        );
        let _ = err.flush();
    }
}

/// Paces sends to at most `per_sec` records a second (no limit when `None`).
pub struct Pacer {
    per_sec: Option<f64>,
    start: Instant,
    sent: u64,
}

impl Pacer {
    /// A pacer for `per_sec` records a second.
    pub fn new(per_sec: Option<f64>) -> Pacer {
        Pacer { per_sec: per_sec.filter(|r| *r > 0.0), start: Instant::now(), sent: 0 }
    }

    /// Waits until `n` more records may go.
    pub async fn take(&mut self, n: usize) {
        self.sent += n as u64;
        if let Some(rate) = self.per_sec {
            let due = self.start + Duration::from_secs_f64((self.sent - n as u64) as f64 / rate);
            tokio::time::sleep_until(due.into()).await;
        }
    }

    /// Whether a rate limit is set (records then go one request at a time, not batched).
    pub fn limited(&self) -> bool {
        self.per_sec.is_some()
    }
}
