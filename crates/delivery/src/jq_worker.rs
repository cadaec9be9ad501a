//! MetadataExtraction in a child process with a memory limit, so that a query that allocates
//! without bound (`[range(1e9)]` under a large step budget, `"x" * 1e12`, a string doubled
//! forty times) takes down only the child, never the server.
//!
//! The child is kinesin's own binary (`kinesin __jq-worker`, [`WORKER_ARG`]): it limits its
//! data segment ([`MEMORY_LIMIT`] of heap beside the evaluation stack; `RLIMIT_DATA`, Linux
//! only) and then answers batches on stdin/stdout, writing each record's result as soon as it
//! is known. A few long-lived children serve the process ([`Workers`]): one is started on
//! first use and kept, and replaced when it dies. A child that dies during a record (out of
//! memory) fails that record alone ([`JqError::Budget`] "memory"); the batch goes on in a new
//! child. A child still busy some seconds past the batch's time budget is killed, and the
//! records left fail on time.
//!
//! Wire format (big-endian lengths). Request: query (u32 length, UTF-8), steps (u64), time in
//! ms (u64), record count (u32), then each record (u32 length, bytes). Answer, per record: a
//! tag (u8) and a text (u32 length, UTF-8): the output as JSON, or the error's detail.

use crate::jq::{self, JqError, Limits};
use serde_json::Value;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// The argument that makes kinesin's binary a worker.
pub const WORKER_ARG: &str = "__jq-worker";

/// Heap a worker may allocate (kinesin's choice: AWS documents no memory limit for its jq).
pub const MEMORY_LIMIT: u64 = 1 << 30;

/// Workers busy at once; further batches wait for one.
const WORKERS: usize = 2;

/// How long past a batch's time budget a worker may take before it is killed.
const GRACE: Duration = Duration::from_secs(5);

const TAG_OK: u8 = 0;
const TAG_INPUT: u8 = 1;
const TAG_FAILED: u8 = 2;
const TAG_EMPTY: u8 = 3;
const TAG_MANY: u8 = 4;
const TAG_BUDGET: u8 = 5;

/// The worker processes of a server.
pub struct Workers {
    program: PathBuf,
    idle: Mutex<Vec<Worker>>,
    slots: Semaphore,
}

/// One worker process and its pipes.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: tokio::io::BufReader<ChildStdout>,
}

/// How an exchange with a worker ended early.
enum Lost {
    /// The worker was gone before it got the request (an idle worker killed from outside).
    Gone,
    /// The worker died (or its pipes broke) during the record it was given next.
    Died,
    /// The worker ran past the batch's deadline.
    Late,
}

impl Workers {
    /// Workers that run `program __jq-worker` (kinesin's own binary: `/proc/self/exe` on
    /// Linux works even after the file was replaced).
    pub fn new(program: PathBuf) -> Arc<Self> {
        Arc::new(Self { program, idle: Mutex::new(Vec::new()), slots: Semaphore::new(WORKERS) })
    }

    /// Runs `query` over each record under `limits`, as [`jq::run_all`] does, in a worker.
    pub async fn run_all(&self, query: &str, records: &[Vec<u8>], limits: Limits) -> Vec<Result<Value, JqError>> {
        let _slot = self.slots.acquire().await.expect("the worker semaphore is never closed");
        let deadline = Instant::now() + limits.time;
        let mut out = Vec::with_capacity(records.len());
        while out.len() < records.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let (mut worker, fresh) = match self.take() {
                Some(w) => (w, false),
                None => match self.spawn().map(|w| (w, true)) {
                    Ok(w) => w,
                    Err(e) => {
                        tracing::warn!(error = %e, "the jq worker could not start");
                        let failed = Err(JqError::Failed(format!("jq worker could not start: {e}")));
                        out.resize(records.len(), failed);
                        break;
                    }
                },
            };
            let rest = &records[out.len()..];
            let request = encode_request(query, rest, Limits { steps: limits.steps, time: left });
            match worker.exchange(&request, rest.len(), deadline + GRACE, &mut out).await {
                Ok(()) => self.idle.lock().expect("idle workers").push(worker),
                Err(Lost::Gone) if !fresh => worker.kill().await,
                Err(Lost::Gone) => {
                    worker.kill().await;
                    out.resize(records.len(), Err(JqError::Failed("jq worker exited at start".into())));
                }
                Err(Lost::Died) => {
                    tracing::warn!("a jq worker died evaluating a record (memory limit); starting another");
                    worker.kill().await;
                    out.push(Err(JqError::Budget("memory")));
                }
                Err(Lost::Late) => {
                    tracing::warn!("a jq worker ran past its time budget; killed");
                    worker.kill().await;
                    break;
                }
            }
        }
        out.resize(records.len(), Err(JqError::Budget("time")));
        out
    }

    fn take(&self) -> Option<Worker> {
        self.idle.lock().expect("idle workers").pop()
    }

    fn spawn(&self) -> io::Result<Worker> {
        let mut child = Command::new(&self.program)
            .arg(WORKER_ARG)
            // mimalloc (kinesin's allocator) commits its arenas as it uses them, not the first
            // gigabyte up front, so that the limit counts what the worker really allocates.
            .env("MIMALLOC_ARENA_EAGER_COMMIT", "0")
            // An allocation failure prints one line, not a backtrace.
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let stdin = child.stdin.take().ok_or_else(|| io::Error::other("no stdin"))?;
        let stdout = child.stdout.take().ok_or_else(|| io::Error::other("no stdout"))?;
        Ok(Worker { child, stdin, stdout: tokio::io::BufReader::new(stdout) })
    }
}

impl Worker {
    /// Sends a request for `n` records and reads their results into `out`, each as it comes.
    async fn exchange(
        &mut self,
        request: &[u8],
        n: usize,
        deadline: Instant,
        out: &mut Vec<Result<Value, JqError>>,
    ) -> Result<(), Lost> {
        let sent = async {
            self.stdin.write_all(request).await?;
            self.stdin.flush().await
        };
        match tokio::time::timeout_at(deadline, sent).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(Lost::Gone),
            Err(_) => return Err(Lost::Late),
        }
        let answers = async {
            for _ in 0..n {
                let tag = self.stdout.read_u8().await?;
                let len = self.stdout.read_u32().await? as usize;
                let mut text = vec![0; len];
                self.stdout.read_exact(&mut text).await?;
                out.push(decode_result(tag, &text));
            }
            io::Result::Ok(())
        };
        match tokio::time::timeout_at(deadline, answers).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Lost::Died),
            Err(_) => Err(Lost::Late),
        }
    }

    async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    buf.extend_from_slice(bytes);
}

fn encode_request(query: &str, records: &[Vec<u8>], limits: Limits) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64 + query.len() + records.iter().map(|r| r.len() + 4).sum::<usize>());
    put_bytes(&mut buf, query.as_bytes());
    buf.extend_from_slice(&limits.steps.to_be_bytes());
    buf.extend_from_slice(&(limits.time.as_millis() as u64).to_be_bytes());
    buf.extend_from_slice(&(records.len() as u32).to_be_bytes());
    for r in records {
        put_bytes(&mut buf, r);
    }
    buf
}

fn encode_result(result: &Result<Value, JqError>) -> Vec<u8> {
    let (tag, text) = match result {
        Ok(v) => (TAG_OK, v.to_string()),
        Err(JqError::Input) => (TAG_INPUT, String::new()),
        Err(JqError::Failed(m)) => (TAG_FAILED, m.clone()),
        Err(JqError::Empty) => (TAG_EMPTY, String::new()),
        Err(JqError::Many) => (TAG_MANY, String::new()),
        Err(JqError::Budget(what)) => (TAG_BUDGET, what.to_string()),
    };
    let mut buf = vec![tag];
    put_bytes(&mut buf, text.as_bytes());
    buf
}

fn decode_result(tag: u8, text: &[u8]) -> Result<Value, JqError> {
    let text = String::from_utf8_lossy(text);
    match tag {
        TAG_OK => serde_json::from_str(&text).map_err(|_| JqError::Failed("jq query result is not JSON".into())),
        TAG_INPUT => Err(JqError::Input),
        TAG_FAILED => Err(JqError::Failed(text.into_owned())),
        TAG_EMPTY => Err(JqError::Empty),
        TAG_MANY => Err(JqError::Many),
        TAG_BUDGET => Err(JqError::Budget(match &*text {
            "steps" => "steps",
            "stack" => "stack",
            "time" => "time",
            _ => "limit",
        })),
        _ => Err(JqError::Failed("jq worker answered nonsense".into())),
    }
}

/// The worker's `main`: limits its memory, then serves stdin/stdout until stdin closes.
pub fn main() -> std::process::ExitCode {
    if let Err(e) = limit_memory() {
        eprintln!("kinesin {WORKER_ARG}: cannot limit memory: {e}");
        return std::process::ExitCode::FAILURE;
    }
    match serve(BufReader::new(io::stdin().lock()), BufWriter::new(io::stdout())) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kinesin {WORKER_ARG}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `RLIMIT_DATA`: what the process maps now, plus [`MEMORY_LIMIT`] of heap, plus the
/// evaluation thread's stack reservation (which Linux counts as data too). Elsewhere nothing
/// is limited.
fn limit_memory() -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let status = std::fs::read_to_string("/proc/self/status")?;
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmData:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .ok_or_else(|| io::Error::other("no VmData in /proc/self/status"))?;
        let limit = kib * 1024 + MEMORY_LIMIT + jq::STACK_BYTES as u64;
        rlimit::setrlimit(rlimit::Resource::DATA, limit, limit)?;
    }
    Ok(())
}

/// Answers requests from `input` on `output` until `input` ends; the last query's program is
/// kept for the next batch.
pub fn serve(mut input: impl Read, mut output: impl Write + Send) -> io::Result<()> {
    let mut compiled: Option<(String, Result<jq::Program, String>)> = None;
    while let Some(query) = read_query(&mut input)? {
        let steps = read_u64(&mut input)?;
        let time = Duration::from_millis(read_u64(&mut input)?);
        let n = read_u32(&mut input)? as usize;
        let records = (0..n).map(|_| read_bytes(&mut input)).collect::<io::Result<Vec<_>>>()?;
        if compiled.as_ref().is_none_or(|(q, _)| *q != query) {
            let program = jq::compile(&query);
            compiled = Some((query, program));
        }
        let Some((_, program)) = &compiled else { unreachable!("compiled above") };
        let mut written = Ok(());
        match program {
            Ok(p) => jq::run_each(p, &records, Limits { steps, time }, |r| {
                if written.is_ok() {
                    written = output.write_all(&encode_result(&r)).and_then(|()| output.flush());
                }
            }),
            Err(e) => {
                let failed = Err(JqError::Failed(e.clone()));
                for _ in 0..n {
                    output.write_all(&encode_result(&failed))?;
                }
                output.flush()?;
            }
        }
        written?;
    }
    Ok(())
}

/// The next request's query; `None` at the end of input.
fn read_query(input: &mut impl Read) -> io::Result<Option<String>> {
    let mut len = [0; 4];
    match input.read_exact(&mut len) {
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        r => r?,
    }
    let mut text = vec![0; u32::from_be_bytes(len) as usize];
    input.read_exact(&mut text)?;
    String::from_utf8(text).map(Some).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn read_u32(input: &mut impl Read) -> io::Result<u32> {
    let mut b = [0; 4];
    input.read_exact(&mut b)?;
    Ok(u32::from_be_bytes(b))
}

fn read_u64(input: &mut impl Read) -> io::Result<u64> {
    let mut b = [0; 8];
    input.read_exact(&mut b)?;
    Ok(u64::from_be_bytes(b))
}

fn read_bytes(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let len = read_u32(input)? as usize;
    let mut b = vec![0; len];
    input.read_exact(&mut b)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Serves requests over in-memory pipes and decodes the answers.
    fn served(requests: &[(&str, Vec<Vec<u8>>)]) -> Vec<Result<Value, JqError>> {
        let limits = Limits { steps: 100_000, time: Duration::from_secs(5) };
        let input: Vec<u8> = requests.iter().flat_map(|(q, rs)| encode_request(q, rs, limits)).collect();
        let mut output = Vec::new();
        serve(&input[..], &mut output).unwrap();
        let mut answers = &output[..];
        let mut out = Vec::new();
        while !answers.is_empty() {
            let tag = answers[0];
            answers = &answers[1..];
            let text = read_bytes(&mut answers).unwrap();
            out.push(decode_result(tag, &text));
        }
        out
    }

    #[test]
    fn serves_batches_record_by_record() {
        let out = served(&[
            ("{k: .k}", vec![br#"{"k":"a"}"#.to_vec(), b"[[".to_vec(), b"1".to_vec()]),
            ("{k: .k}", vec![br#"{"k":2}"#.to_vec()]),
            ("last(repeat(1))", vec![b"1".to_vec()]),
            ("{a:", vec![b"1".to_vec(), b"2".to_vec()]),
            (".[]", vec![b"[]".to_vec(), b"[1,2]".to_vec()]),
        ]);
        assert_eq!(out.len(), 9);
        assert_eq!(out[0], Ok(json!({"k": "a"})));
        assert_eq!(out[1], Err(JqError::Input));
        assert!(matches!(&out[2], Err(JqError::Failed(_))), "{:?}", out[2]);
        assert_eq!(out[3], Ok(json!({"k": 2})));
        assert_eq!(out[4], Err(JqError::Budget("steps")));
        assert!(matches!((&out[5], &out[6]), (Err(JqError::Failed(_)), Err(JqError::Failed(_)))));
        assert_eq!((&out[7], &out[8]), (&Err(JqError::Empty), &Err(JqError::Many)));
    }
}
