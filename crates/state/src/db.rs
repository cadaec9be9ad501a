//! The store: one SQLite connection behind one lock. A store thread runs queued requests'
//! work and commits concurrent writes together (group commit); an idle in-memory store runs
//! a single request on its caller's thread.

use crate::clock::Clock;
use crate::error::StateError;
use crate::kinesis::memory::Memory;
use crate::memo::Memo;
use crate::sts::Sessions;
use rusqlite::Connection;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, PoisonError, TryLockError};

/// The schema of a new store: the layout [`BASE`] and every one of [`MIGRATIONS`] make, as
/// plain `CREATE`s, which SQLite runs several times faster than the migrations' `ALTER
/// TABLE`s (start-up is on every test's path). Written by the test
/// `a_new_store_has_the_layout_the_migrations_make`; not edited by hand.
const SCHEMA: &str = include_str!("schema/current.sql");

/// The layout of schema version [`BASE_VERSION`], one file per service (the numbered
/// migrations 001-011 of the pre-release builds, folded into plain `CREATE`s): where the
/// stores the [`MIGRATIONS`] upgrade start, and with them the source of [`SCHEMA`].
#[cfg(test)]
const BASE: &[&str] = &[
    include_str!("schema/kinesis.sql"),
    include_str!("schema/sqs.sql"),
    include_str!("schema/firehose.sql"),
    include_str!("schema/s3.sql"),
    include_str!("schema/pipes.sql"),
];

/// The oldest schema version this build upgrades.
const BASE_VERSION: usize = 11;

/// Changes after [`BASE_VERSION`], in order: entry `i` takes a store to version
/// `BASE_VERSION + 1 + i` (`migrations/*.sql`, one file per change). A new store gets
/// [`SCHEMA`] instead: after adding one, rewrite it with `KINESIN_WRITE_SCHEMA=1 cargo test -p
/// kinesin-state a_new_store_has_the_layout`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/iam.sql"),
    include_str!("migrations/s3_bucket_config.sql"),
    include_str!("migrations/sqs_dedup_by_id.sql"),
    include_str!("schema/analytics.sql"),
    include_str!("migrations/s3_versions.sql"),
    include_str!("migrations/kda_function_queues.sql"),
    include_str!("migrations/kda_output_backlog.sql"),
    include_str!("migrations/fh_taps_by_name.sql"),
    include_str!("migrations/fh_records.sql"),
];

/// The schema version this build reads and writes.
const VERSION: usize = BASE_VERSION + MIGRATIONS.len();

/// The schema version a store had just before `migration` (one of [`MIGRATIONS`]), for
/// tests that build a store of an earlier layout.
#[cfg(test)]
pub(crate) fn version_before(migration: &str) -> usize {
    BASE_VERSION + MIGRATIONS.iter().position(|m| *m == migration).expect("a registered migration")
}

/// SQLite's page size for a new store (an existing store keeps its own). Every page a
/// transaction changes is copied once into the rollback journal (in memory) or written as a
/// checksummed WAL frame (durable), so a single call pays per byte of page: with 4 KiB pages
/// a SendMessage runs a quarter (in memory) to two fifths (durable) fewer instructions than
/// with 16 KiB ones, and bulk PutRecords is as fast (BENCHMARKS.md, "2026-12-05: issue 15, single calls").
const PAGE_SIZE: usize = 4096;

/// WAL pages after which a durable store checkpoints: about 16 MB of WAL, whatever the page size.
const WAL_PAGES: usize = 16_384_000 / PAGE_SIZE;

/// Most jobs committed in one transaction.
const MAX_BATCH: usize = 256;

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// A private temporary SQLite database, deleted at exit; its pages spill to a temporary
    /// file, so memory stays bounded however much is retained.
    Ephemeral,
    /// `DIR/kinesin.sqlite3`, WAL, synced before any write is acknowledged.
    Durable(PathBuf),
}

impl Storage {
    /// A short description for logs and the health endpoint.
    pub fn describe(&self) -> String {
        match self {
            Storage::Ephemeral => "ephemeral".into(),
            Storage::Durable(p) => format!("durable:{}", p.display()),
        }
    }
}

/// Settings that come from the command line, per service.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Kinesis Data Streams.
    pub kinesis: crate::kinesis::config::KinesisSettings,
    /// Firehose.
    pub firehose: crate::firehose::delivery::FirehoseSettings,
    /// Kinesis Data Analytics.
    pub analytics: crate::analytics::settings::AnalyticsSettings,
}

/// What the store holds: the connection, the clock, settings and caches.
pub struct Engine {
    /// The SQLite connection.
    pub conn: Connection,
    /// The injected clock.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub settings: Settings,
    /// Secret that authenticates iterators and paging tokens.
    pub secret: [u8; 16],
    /// What Kinesis keeps in memory beside the store (counter, stream cache, budgets).
    pub kinesis: Memory,
    /// The stored pipes, parsed (the Pipes pump reads them on every pass; see
    /// `pipes::all_parsed`).
    pub pipes: Memo,
    /// The sessions STS issued (in memory only).
    pub sts: Sessions,
}

impl Engine {
    /// Opens (and migrates) a store.
    pub fn open(storage: &Storage, clock: Arc<dyn Clock>, settings: Settings) -> Result<Self, StateError> {
        // New stores have 4 KiB pages ([`PAGE_SIZE`]); for the ephemeral store that also means
        // its ~65 root pages (one per table and index) take ~0.3 MiB instead of ~1.1 MiB with
        // 16 KiB pages (idle RSS).
        let conn = match storage {
            Storage::Ephemeral => {
                let c = Connection::open("")?;
                c.execute_batch(&format!(
                    "PRAGMA page_size={PAGE_SIZE}; PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;
                     PRAGMA temp_store=FILE; PRAGMA cache_size=-8192;"
                ))?;
                c
            }
            Storage::Durable(dir) => {
                let file =
                    crate::perms::prepare(dir).map_err(|e| StateError::Storage(format!("{}: {e}", dir.display())))?;
                let c = Connection::open(file)?;
                // A bounded WAL (WAL_PAGES, 16 MB) is checkpointed and rewritten from its
                // start, so most commits overwrite blocks the file already has and their sync
                // writes no file-system metadata (here ~0.1 ms instead of ~0.5 ms while a WAL
                // grows); it still holds a burst of ~100k small records without a checkpoint.
                c.execute_batch(&format!(
                    "PRAGMA page_size={PAGE_SIZE}; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
                     PRAGMA cache_size=-8192; PRAGMA wal_autocheckpoint={WAL_PAGES};"
                ))?;
                c
            }
        };
        conn.execute_batch("PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")?;
        // The domain code has well over 100 `prepare_cached` statements; rusqlite keeps 16 by
        // default, so a mix of services evicted and re-parsed statements on every request.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrate(&conn)?;
        let secret = load_secret(&conn)?;
        let kinesis = Memory::load(&conn)?;
        Ok(Self { conn, clock, settings, secret, kinesis, pipes: Memo::default(), sts: Sessions::default() })
    }

    /// An ephemeral engine for tests.
    pub fn memory(clock: Arc<dyn Clock>) -> Self {
        Self::open(&Storage::Ephemeral, clock, Settings::default()).expect("open ephemeral store")
    }

    /// Now, per the injected clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Runs `f` inside a savepoint: its writes are undone if it fails or panics. The one
    /// savepoint helper of every service: `E` is the service's error.
    pub fn in_savepoint<T, E: From<StateError>>(
        &mut self,
        f: impl FnOnce(&mut Engine) -> Result<T, E>,
    ) -> Result<T, E> {
        exec(&self.conn, "SAVEPOINT job").map_err(StateError::from)?;
        let next_seq = self.kinesis.next_seq;
        let out = catch_unwind(AssertUnwindSafe(|| f(self)))
            .unwrap_or_else(|_| Err(StateError::Storage("internal error while handling the request".into()).into()));
        if out.is_err() {
            exec(&self.conn, "ROLLBACK TO job").map_err(StateError::from)?;
            self.kinesis.undo(next_seq);
            self.pipes.clear();
        }
        exec(&self.conn, "RELEASE job").map_err(StateError::from)?;
        out
    }
}

/// Runs one operation `op(eng, caller, input)` in its own savepoint, as [`Db::call`] does
/// (tests and benches call it directly).
pub fn run_op<C, I, O, E: From<StateError>>(
    eng: &mut Engine,
    caller: &C,
    input: I,
    op: fn(&mut Engine, &C, I) -> Result<O, E>,
) -> Result<O, E> {
    eng.in_savepoint(|eng| op(eng, caller, input))
}

/// Brings a store to [`VERSION`]: a new one gets [`SCHEMA`], an older one the
/// [`MIGRATIONS`] it lacks, in one transaction (one sync at start; all or nothing).
fn migrate(conn: &Connection) -> Result<(), StateError> {
    let version: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let steps: Vec<&str> = match version {
        0 => vec![SCHEMA],
        v if v == VERSION => return Ok(()),
        v if v > VERSION => {
            return Err(StateError::Storage(format!(
                "the store has schema version {v}, made by a newer kinesin; this build reads version {VERSION}"
            )))
        }
        v if v < BASE_VERSION => {
            return Err(StateError::Storage(format!(
                "the store has schema version {v}, made by a pre-release kinesin build this one cannot \
                 upgrade (it reads version {BASE_VERSION} and later); move the data directory aside"
            )))
        }
        v => MIGRATIONS[v - BASE_VERSION..].to_vec(),
    };
    let tx = conn.unchecked_transaction()?;
    for sql in steps {
        tx.execute_batch(sql)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version={VERSION}"))?;
    tx.commit()?;
    Ok(())
}

fn load_secret(conn: &Connection) -> Result<[u8; 16], StateError> {
    let found: Option<Vec<u8>> = conn.query_row("SELECT value FROM meta WHERE key='secret'", [], |r| r.get(0)).ok();
    if let Some(v) = found.filter(|v| v.len() == 16) {
        let mut s = [0u8; 16];
        s.copy_from_slice(&v);
        return Ok(s);
    }
    let s = *uuid::Uuid::new_v4().as_bytes();
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('secret', ?1)", [&s[..]])?;
    Ok(s)
}

type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&mut Engine) -> Reply + Send>;

/// A handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Db {
    tx: mpsc::Sender<Job>,
    clock: Arc<dyn Clock>,
    shared: Arc<Shared>,
}

/// The engine and what the store thread and the callers agree on about it.
struct Shared {
    engine: Mutex<Engine>,
    /// Jobs sent to the store thread that it has not taken up yet.
    queued: AtomicUsize,
    /// Whether a caller that finds the store idle runs its job on its own thread (the
    /// in-memory store: its commits never wait for a disk).
    inline: bool,
}

impl Db {
    /// Opens the store and starts its thread. An in-memory store also lets a call that
    /// finds it idle run on the caller's own thread: a single request then pays no hand-off
    /// to the store thread and back (two thread wake-ups); concurrent calls still queue for
    /// the store thread and commit together. A durable store always hands its jobs over, so
    /// no caller's thread waits for a sync.
    pub fn start(storage: &Storage, clock: Arc<dyn Clock>, settings: Settings) -> Result<Self, StateError> {
        let engine = Engine::open(storage, clock.clone(), settings)?;
        let shared = Arc::new(Shared {
            engine: Mutex::new(engine),
            queued: AtomicUsize::new(0),
            inline: *storage == Storage::Ephemeral,
        });
        let (tx, rx) = mpsc::channel::<Job>();
        let store = shared.clone();
        std::thread::Builder::new()
            .name("kinesin-store".into())
            .spawn(move || run(&store, rx))
            .expect("spawn store thread");
        Ok(Self { tx, clock, shared })
    }

    /// The store's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Runs `f` in its own savepoint: at once on the caller's thread if the store is idle
    /// (see [`Db::start`]), else on the store thread; its writes are committed (and synced in
    /// durable mode) before the result is returned. `E` is the caller's service error: store
    /// failures become it through `From<StateError>`.
    pub async fn call<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StateError> + Send + 'static,
        F: FnOnce(&mut Engine) -> Result<T, E> + Send + 'static,
    {
        if let Some(mut eng) = self.idle_engine() {
            return run_alone(&mut eng, f);
        }
        self.call_large(f).await
    }

    /// [`Db::call`] for a job that moves rows of many MiB (S3 objects): always on the store
    /// thread, so SQLite's buffers for large rows stay in that thread's malloc arena instead
    /// of one per request thread (20 parallel 19 MiB uploads peaked ~70 MiB higher when they
    /// ran on the request threads).
    pub async fn call_large<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StateError> + Send + 'static,
        F: FnOnce(&mut Engine) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |eng| {
            let r = eng.in_savepoint(f);
            Box::new(move |commit: Result<(), String>| {
                let _ = tx.send(match commit {
                    Ok(()) => r,
                    Err(e) => Err(StateError::Storage(e).into()),
                });
            })
        });
        self.shared.queued.fetch_add(1, Ordering::AcqRel);
        self.tx.send(job).map_err(|_| StateError::Closed)?;
        rx.await.map_err(|_| StateError::Closed)?
    }

    /// The engine, if callers may run their jobs themselves and the store is idle: no job
    /// waits for the store thread (which would otherwise be overtaken) and none is running.
    fn idle_engine(&self) -> Option<MutexGuard<'_, Engine>> {
        if !self.shared.inline || self.shared.queued.load(Ordering::Acquire) > 0 {
            return None;
        }
        match self.shared.engine.try_lock() {
            Ok(eng) => Some(eng),
            Err(TryLockError::Poisoned(p)) => Some(p.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

/// Runs one job in a transaction of its own on the caller's thread.
fn run_alone<T, E: From<StateError>>(eng: &mut Engine, f: impl FnOnce(&mut Engine) -> Result<T, E>) -> Result<T, E> {
    exec(&eng.conn, "BEGIN IMMEDIATE").map_err(StateError::from)?;
    let out = eng.in_savepoint(f);
    match commit(eng) {
        Ok(()) => out,
        Err(e) => Err(StateError::Storage(e).into()),
    }
}

/// Commits the open transaction; if that fails, rolls it back and drops what the caches
/// learnt from it.
fn commit(eng: &mut Engine) -> Result<(), String> {
    let done = exec(&eng.conn, "COMMIT").map_err(|e| e.to_string());
    if done.is_err() {
        let _ = eng.conn.execute_batch("ROLLBACK");
        eng.kinesis.reload(&eng.conn);
        eng.pipes.clear();
        tracing::error!(error = ?done, "commit failed");
    }
    done
}

/// Statements kept prepared per connection (see [`Engine::open`]).
const STATEMENT_CACHE: usize = 256;

/// Runs one statement from the statement cache: the per-request transaction statements are
/// not parsed again on every job.
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// The store thread: takes queued jobs and commits those that arrive together in one
/// transaction, holding the engine meanwhile.
fn run(shared: &Shared, rx: mpsc::Receiver<Job>) {
    let mut replies: Vec<Reply> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = rx.recv() {
        let mut eng = shared.engine.lock().unwrap_or_else(PoisonError::into_inner);
        shared.queued.fetch_sub(1, Ordering::AcqRel);
        let begun = exec(&eng.conn, "BEGIN IMMEDIATE").map_err(|e| e.to_string());
        if let Err(e) = begun {
            first(&mut eng)(Err(e));
            continue;
        }
        replies.push(first(&mut eng));
        while replies.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    shared.queued.fetch_sub(1, Ordering::AcqRel);
                    replies.push(job(&mut eng));
                }
                Err(_) => break,
            }
        }
        let commit = commit(&mut eng);
        drop(eng);
        for reply in replies.drain(..) {
            reply(commit.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_at(dir: &std::path::Path) -> Result<Engine, StateError> {
        let clock = Arc::new(crate::ManualClock::new(1_767_225_600_000));
        Engine::open(&Storage::Durable(dir.to_path_buf()), clock, Settings::default())
    }

    fn set_version(dir: &std::path::Path, v: usize) {
        let conn = Connection::open(dir.join("kinesin.sqlite3")).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version={v}")).unwrap();
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap()
    }

    fn thread_name(eng: &mut Engine) -> Result<String, StateError> {
        eng.conn.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)", [])?;
        eng.conn.execute("INSERT INTO t VALUES (1)", [])?;
        Ok(std::thread::current().name().unwrap_or("").to_owned())
    }

    #[test]
    fn an_idle_in_memory_store_runs_a_call_on_the_callers_thread_and_a_busy_one_queues_it() {
        let db = Db::start(&Storage::Ephemeral, Arc::new(crate::SystemClock::default()), Settings::default()).unwrap();
        let rt = runtime();
        let alone = rt.block_on(db.call(thread_name)).unwrap();
        assert_ne!(alone, "kinesin-store", "an idle store runs the job where it is called");
        let large = rt.block_on(db.call_large(thread_name)).unwrap();
        assert_eq!(large, "kinesin-store", "a job of large rows goes to the store thread");
        // While one job holds the store, the others queue for the store thread.
        let (hold_tx, hold_rx) = std::sync::mpsc::channel::<()>();
        let (held_tx, held_rx) = std::sync::mpsc::channel::<()>();
        let holder = db.clone();
        let held = rt.spawn(async move {
            holder
                .call(move |eng: &mut Engine| {
                    held_tx.send(()).unwrap();
                    hold_rx.recv().unwrap();
                    thread_name(eng)
                })
                .await
        });
        held_rx.recv().unwrap();
        let queued: Vec<_> = (0..8)
            .map(|_| {
                rt.spawn({
                    let db = db.clone();
                    async move { db.call(thread_name).await }
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(50));
        hold_tx.send(()).unwrap();
        rt.block_on(held).unwrap().unwrap();
        for q in queued {
            assert_eq!(rt.block_on(q).unwrap().unwrap(), "kinesin-store");
        }
        let rows: i64 = rt
            .block_on(db.call(|eng: &mut Engine| {
                Ok::<_, StateError>(eng.conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?)
            }))
            .unwrap();
        assert_eq!(rows, 11, "every call's write is committed");
    }

    #[test]
    fn a_durable_store_always_hands_its_jobs_to_the_store_thread() {
        let dir = std::env::temp_dir().join(format!("kinesin-test-{}", uuid::Uuid::new_v4()));
        let clock = Arc::new(crate::ManualClock::new(1_767_225_600_000));
        let db = Db::start(&Storage::Durable(dir.clone()), clock, Settings::default()).unwrap();
        assert_eq!(runtime().block_on(db.call(thread_name)).unwrap(), "kinesin-store");
        drop(db);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_job_that_panics_on_the_callers_thread_is_undone_and_the_store_goes_on() {
        let db = Db::start(&Storage::Ephemeral, Arc::new(crate::SystemClock::default()), Settings::default()).unwrap();
        let rt = runtime();
        rt.block_on(db.call(thread_name)).unwrap();
        let failed = rt.block_on(db.call(|eng: &mut Engine| -> Result<(), StateError> {
            eng.conn.execute("INSERT INTO t VALUES (2)", [])?;
            panic!("a bug in an operation")
        }));
        assert!(matches!(failed, Err(StateError::Storage(_))), "{failed:?}");
        let rows: Vec<i64> = rt
            .block_on(db.call(|eng: &mut Engine| {
                let mut st = eng.conn.prepare("SELECT n FROM t")?;
                let rows = st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
                Ok::<_, StateError>(rows)
            }))
            .unwrap();
        assert_eq!(rows, [1], "the panicking job's write is rolled back");
    }

    /// The tables and indexes of a store as `CREATE` statements, in the order they were made.
    fn layout(conn: &Connection) -> String {
        let mut st = conn
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
            .unwrap();
        let rows = st.query_map([], |r| r.get::<_, String>(0)).unwrap();
        rows.map(|sql| sql.unwrap() + ";\n").collect()
    }

    #[test]
    fn a_new_store_has_the_layout_the_migrations_make() {
        let migrated = Connection::open_in_memory().unwrap();
        for sql in BASE.iter().chain(MIGRATIONS) {
            migrated.execute_batch(sql).unwrap();
        }
        let header = "-- The schema of a new store: what schema/{kinesis,sqs,firehose,s3,pipes}.sql (version 11)\n\
                      -- and every migration of db.rs's MIGRATIONS make. Written by the test\n\
                      -- a_new_store_has_the_layout_the_migrations_make; do not edit.\n";
        let expected = format!("{header}{}", layout(&migrated));
        if std::env::var_os("KINESIN_WRITE_SCHEMA").is_some() {
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/src/schema/current.sql"), &expected).unwrap();
        }
        assert!(
            SCHEMA == expected,
            "schema/current.sql is not what the migrations make: rewrite it with \
             `KINESIN_WRITE_SCHEMA=1 cargo test -p kinesin-state a_new_store_has_the_layout`"
        );
        let fresh = Connection::open_in_memory().unwrap();
        fresh.execute_batch(SCHEMA).unwrap();
        assert_eq!(layout(&fresh), layout(&migrated));
    }

    #[test]
    fn a_new_store_gets_the_current_version_and_reopens_as_it_is() {
        let dir = std::env::temp_dir().join(format!("kinesin-test-{}", uuid::Uuid::new_v4()));
        let eng = open_at(&dir).unwrap();
        let v: usize = eng.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, VERSION);
        let secret = eng.secret;
        drop(eng);
        let eng = open_at(&dir).unwrap();
        assert_eq!(eng.secret, secret, "the same store, not a new one");
        drop(eng);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stores_this_build_cannot_read_are_refused_with_their_version() {
        let dir = std::env::temp_dir().join(format!("kinesin-test-{}", uuid::Uuid::new_v4()));
        drop(open_at(&dir).unwrap());
        for (v, says) in [(BASE_VERSION - 1, "pre-release"), (VERSION + 1, "newer kinesin")] {
            set_version(&dir, v);
            let err = open_at(&dir).err().expect("refused").to_string();
            assert!(err.contains(&format!("schema version {v}")) && err.contains(says), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
