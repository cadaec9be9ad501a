//! The `kinesin` binary: AWS streaming services on one localhost port.

mod analytics;
mod analytics_discover;
mod analytics_functions;
mod app;
mod budget;
mod compat;
mod config;
mod conn;
mod console;
mod context;
mod cost;
mod firehose;
mod firehose_source;
mod front;
mod guard;
mod http;
mod iam;
mod init_file;
mod init_hooks;
mod kinesis;
mod localstack;
mod meter;
mod pipes;
mod request_log;
mod runner;
mod s3;
mod sigv4check;
mod sqs;
mod sts;
mod subscribe;
mod tls;
mod unsupported;
mod wire;
mod worker;

use app::App;
use clap::Parser;
use config::{Config, LogFormat};
use conn::Limits;
use front::Front;
use init_hooks::{Hooks, Stage};
use kinesin_state::analytics::settings::AnalyticsSettings;
use kinesin_state::firehose::delivery::FirehoseSettings;
use kinesin_state::kinesis::config::KinesisSettings;
use kinesin_state::{Db, Settings, Storage, SystemClock};
use std::io::Write;
use std::sync::Arc;

/// mimalloc: the request path allocates many small objects (JSON documents, records).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn init_logging(cfg: &Config) -> Result<(), String> {
    let filter = config::log_filter(&cfg.log_level)?;
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr);
    match cfg.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    if std::env::args_os().nth(1).is_some_and(|a| a == kinesin_delivery::jq_worker::WORKER_ARG) {
        return kinesin_delivery::jq_worker::main();
    }
    if std::env::args_os().nth(1).is_some_and(|a| kinesin_cli::is_command(&a)) {
        return kinesin_cli::main();
    }
    compat::map_env();
    let cfg = Config::parse();
    if let Err(e) = cfg.validate().and_then(|()| init_logging(&cfg)) {
        eprintln!("kinesin: {e}");
        return std::process::ExitCode::from(2);
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime");
    match rt.block_on(run(cfg)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kinesin: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cfg: Config) -> Result<(), Box<dyn std::error::Error>> {
    let storage = match &cfg.data_dir {
        Some(dir) => Storage::Durable(dir.clone()),
        None => Storage::Ephemeral,
    };
    let clock = Arc::new(SystemClock::default());
    let settings = Settings {
        kinesis: KinesisSettings {
            create_delay_ms: cfg.create_stream_delay_ms as i64,
            delete_delay_ms: cfg.delete_stream_delay_ms as i64,
            update_delay_ms: cfg.update_stream_delay_ms as i64,
            shard_limit: cfg.shard_limit,
            on_demand_stream_limit: cfg.on_demand_stream_limit,
            aws_limits: cfg.aws_limits,
            error_probability: cfg.error_probability.clamp(0.0, 1.0),
        },
        firehose: FirehoseSettings { interval_override_secs: cfg.firehose_interval_override_secs },
        // Applications' transitions last as long as streams' (the same flags).
        analytics: AnalyticsSettings {
            create_delay_ms: cfg.create_stream_delay_ms as i64,
            delete_delay_ms: cfg.delete_stream_delay_ms as i64,
            update_delay_ms: cfg.update_stream_delay_ms as i64,
        },
    };
    // Bind first: clients that connect while the store opens wait in the backlog and are
    // answered as soon as it is ready, instead of being refused and retrying.
    let fd_limit = conn::raise_fd_limit();
    let listener = bind(&cfg.host, cfg.port).await?;
    let addr = listener.local_addr()?;
    let _lock = match &cfg.data_dir {
        Some(dir) => Some(lock_data_dir(dir)?),
        None => None,
    };
    let hooks = Arc::new(hooks_for(&cfg, addr));
    run_hooks(&hooks, Stage::Boot).await;
    // Parse the embedded models and compile their patterns while the store opens.
    std::thread::spawn(|| {
        kinesin_protocol::model::kinesis();
    });
    let db = Db::start(&storage, clock.clone(), settings)?;
    meter::global().start(kinesin_state::Clock::now_ms(clock.as_ref()));
    let kinesis = kinesin_state::kinesis::Kinesis::new(db.clone());
    tokio::spawn(worker::run_forever(kinesis::Upkeep(kinesis.clone())));
    let domains = cfg
        .opensearch_endpoint
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| kinesin_delivery::env::parse_domain_binding(b))
        .collect::<Result<Vec<_>, _>>()?;
    for (arn, url) in &domains {
        tracing::info!(%arn, %url, "firehose opensearch domain bound");
    }
    let firehose = kinesin_state::firehose::Firehose::new(db.clone());
    let lambdas = cfg
        .lambda
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| kinesin_delivery::parse_binding(b))
        .collect::<Result<Vec<_>, _>>()?;
    for (arn, target) in &lambdas {
        tracing::info!(%arn, ?target, "function bound (Firehose transforms, Analytics input processing)");
    }
    let trust = kinesin_delivery::TlsTrust {
        ca_files: cfg.delivery_ca_cert.iter().filter(|p| !p.as_os_str().is_empty()).cloned().collect(),
        insecure: cfg.delivery_insecure_tls,
    };
    if trust.insecure {
        tracing::warn!("firehose deliveries accept any https certificate (--delivery-insecure-tls)");
    }
    let delivery_env = kinesin_delivery::Env::new(clock.clone(), lambdas).with_domains(domains).with_tls(&trust)?;
    let delivery_env = Arc::new(delivery_env.with_jq_workers(kinesin_delivery::jq_worker::Workers::new(own_binary())));
    tokio::spawn(firehose::deliver_forever(firehose.clone(), delivery_env.clone()));
    tokio::spawn(worker::run_forever(firehose_source::SourcePump::new(firehose.clone(), kinesis.clone())));
    let analytics = kinesin_state::analytics::Analytics::new(db.clone());
    tokio::spawn(analytics::run_forever(analytics.clone(), kinesis.clone(), firehose.clone()));
    tokio::spawn(analytics_functions::run_forever(analytics.clone(), kinesis.clone(), delivery_env.clone()));
    let s3 = s3::S3::new(db.clone(), Some(firehose.clone()));
    let sqs =
        sqs::Sqs::new(db.clone()).with_default_region(&cfg.region).with_public_host(public_host(&cfg, addr).as_deref());
    tokio::spawn(worker::run_forever(sqs::Upkeep(sqs.clone())));
    let pipes = pipes::Pipes::new(db.clone(), kinesis.clone(), sqs.clone(), cfg.pipes_transition_ms);
    tokio::spawn(worker::run_forever(pipes::Pump::new(pipes.clone())));
    if let Some(spec) = &cfg.initialize_streams {
        initialize_streams(&kinesis, &cfg, spec).await?;
    }
    if let Some(path) = &cfg.init_file {
        let services = init_file::Services {
            kinesis: &kinesis,
            sqs: &sqs,
            firehose: &firehose,
            pipes: &pipes,
            db: &db,
            account: &cfg.account_id,
            region: &cfg.region,
        };
        init_file::read(path)?.apply(&services).await.map_err(|e| format!("--init {}: {e}", path.display()))?;
    }
    run_hooks(&hooks, Stage::Start).await;
    let tls = match cfg.tls_port {
        Some(port) => {
            let config = tls::server_config(cfg.tls_cert.as_deref(), cfg.tls_key.as_deref())?;
            let l = bind(&cfg.host, port).await?;
            Some((l, tokio_rustls::TlsAcceptor::from(config)))
        }
        None => None,
    };
    let app = Arc::new(App {
        kinesis,
        sqs,
        pipes,
        firehose,
        s3,
        analytics,
        functions: delivery_env,
        clock,
        account: cfg.account_id.clone(),
        region: cfg.region.clone(),
        max_body: cfg.max_body_bytes,
        store: storage.describe(),
        time_travel: cfg.time_travel,
        subscriptions: Default::default(),
        latency: std::time::Duration::from_millis(cfg.latency_ms),
        hooks: hooks.clone(),
        started: std::time::Instant::now(),
        session: http::request_id(),
        log_requests: cfg.log_requests || cfg.log_level.eq_ignore_ascii_case("debug"),
        sts: sts::Sts::default(),
    });
    let front = Arc::new(front_of(&cfg, app)?);
    let limits = Limits::new(cfg.max_connections, fd_limit, std::time::Duration::from_secs(cfg.idle_timeout_secs));
    println!("kinesin {} listening on http://{addr} (store: {})", env!("CARGO_PKG_VERSION"), storage.describe());
    if let Some((l, acceptor)) = tls {
        println!("kinesin {} listening on https://{} (tls)", env!("CARGO_PKG_VERSION"), l.local_addr()?);
        tokio::spawn(accept_tls(l, acceptor, front.clone(), limits.clone()));
    }
    let _ = std::io::stdout().flush();
    tracing::info!(%addr, store = %storage.describe(), "kinesin started");
    if let Some(path) = &cfg.addr_file {
        std::fs::write(path, format!("{addr}\n")).map_err(|e| format!("--addr-file {}: {e}", path.display()))?;
    }
    tokio::spawn(announce_ready(hooks.clone()));
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            (stream, permit) = limits.accept(&listener) => {
                let front = front.clone();
                let idle = limits.idle();
                tokio::spawn(async move {
                    serve_connection(stream, front, idle).await;
                    drop(permit);
                });
            }
            _ = &mut shutdown => {
                tracing::info!("shutting down");
                run_hooks(&hooks, Stage::Shutdown).await;
                return Ok(());
            }
        }
    }
}

/// This binary, to start as a worker process: `/proc/self/exe` on Linux (it stays valid when
/// the file is replaced, as a rebuild does), the path it was started from elsewhere.
fn own_binary() -> std::path::PathBuf {
    if cfg!(target_os = "linux") {
        return "/proc/self/exe".into();
    }
    std::env::current_exe().unwrap_or_else(|_| std::env::args_os().next().unwrap_or_default().into())
}

/// The request front: origin/host guard, SigV4 verification, body budget.
fn front_of(cfg: &Config, app: Arc<App>) -> Result<Front, Box<dyn std::error::Error>> {
    let verifier = if cfg.verify_sigv4 {
        let env_pair = std::env::var("AWS_ACCESS_KEY_ID").ok().zip(std::env::var("AWS_SECRET_ACCESS_KEY").ok());
        Some(Arc::new(sigv4check::Verifier::load(cfg.credentials.as_deref(), env_pair)?))
    } else {
        None
    };
    let idle = std::time::Duration::from_secs(cfg.idle_timeout_secs);
    Ok(Front {
        guard: guard::Guard::new(&cfg.cors_allow_origin, &cfg.hostname, guard::is_loopback_bind(&cfg.host)),
        budget: budget::Budget::new(cfg.max_inflight_body_bytes, cfg.max_body_bytes, idle),
        verifier,
        request_timeout: std::time::Duration::from_secs(cfg.request_timeout_secs),
        app,
    })
}

/// Binds a listener; a failure names the address (`127.0.0.1:4566: address in use`).
async fn bind(host: &str, port: u16) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind((host, port)).await.map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::AddrInUse { "address in use".to_string() } else { e.to_string() };
        let shown = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        format!("cannot listen on {shown}: {why}")
    })
}

/// Creates the data directory and takes its lock file (`kinesin.lock`), so a second kinesin
/// on the same directory is refused instead of sharing the store. Held until exit.
fn lock_data_dir(dir: &std::path::Path) -> Result<std::fs::File, String> {
    let shown = dir.display();
    // A directory made here is private to its owner (0700), as the store's files are.
    std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
        .create(dir)
        .map_err(|e| format!("--data-dir {shown}: {e}"))?;
    let path = dir.join("kinesin.lock");
    let file = std::os::unix::fs::OpenOptionsExt::mode(&mut std::fs::OpenOptions::new(), 0o600)
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("--data-dir {shown} is not writable: {e}"))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(format!("--data-dir {shown} is in use by another kinesin (lock {} is held)", path.display()))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(format!("--data-dir {shown}: cannot lock {}: {e}", path.display())),
    }
}

/// `--public-host` with the listening port added when it names none (as LocalStack does
/// with `LOCALSTACK_HOST`).
fn public_host(cfg: &Config, addr: std::net::SocketAddr) -> Option<String> {
    let host = cfg.public_host.as_deref()?.trim();
    let has_port =
        host.rsplit_once(':').is_some_and(|(h, p)| !h.ends_with(':') && p.bytes().all(|b| b.is_ascii_digit()));
    Some(if has_port && !host.ends_with(']') { host.to_string() } else { format!("{host}:{}", addr.port()) })
}

/// The init hooks of `--init-dir`; scripts get the endpoint, region and (when unset)
/// LocalStack's `test` credentials, so `aws` and SDK calls in them reach kinesin.
fn hooks_for(cfg: &Config, addr: std::net::SocketAddr) -> Hooks {
    let mut hooks = Hooks::new(cfg.init_dir.clone());
    let ip = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    let host = if ip.contains(':') { format!("[{ip}]") } else { ip };
    let mut env = vec![("AWS_ENDPOINT_URL".to_string(), format!("http://{host}:{}", addr.port()))];
    for (k, v) in
        [("AWS_DEFAULT_REGION", cfg.region.as_str()), ("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")]
    {
        if std::env::var_os(k).is_none() {
            env.push((k.to_string(), v.to_string()));
        }
    }
    hooks.set_env(env);
    hooks
}

/// Runs one stage of init hooks off the async workers.
async fn run_hooks(hooks: &Arc<Hooks>, stage: Stage) {
    let h = hooks.clone();
    let _ = tokio::task::spawn_blocking(move || h.run_stage(stage)).await;
}

/// Runs the ready hooks, then prints `Ready.` (what the testcontainers modules wait for).
async fn announce_ready(hooks: Arc<Hooks>) {
    run_hooks(&hooks, Stage::Ready).await;
    // A reader that has gone away (closed pipe) is not an error worth stopping for.
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Ready.").and_then(|()| out.flush());
}

/// Serves one connection: HTTP/1.1, or HTTP/2 (prior knowledge on the plain port, ALPN on TLS).
async fn serve_connection<S>(stream: S, front: Arc<Front>, idle: std::time::Duration)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    conn::serve(stream, idle, move |activity| {
        hyper::service::service_fn(move |req| front.clone().serve(activity.clone(), req))
    })
    .await;
}

/// Accepts TLS connections for as long as the process runs; a handshake must finish within
/// the idle timeout.
async fn accept_tls(
    listener: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    front: Arc<Front>,
    limits: Limits,
) {
    loop {
        let (stream, permit) = limits.accept(&listener).await;
        let acceptor = acceptor.clone();
        let front = front.clone();
        let idle = limits.idle();
        tokio::spawn(async move {
            match tokio::time::timeout(idle, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => serve_connection(tls, front, idle).await,
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
            drop(permit);
        });
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("signal handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Creates the streams named by `--initialize-streams` that do not exist yet.
async fn initialize_streams(
    kinesis: &kinesin_state::kinesis::Kinesis,
    cfg: &Config,
    spec: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    use kinesin_protocol::kinesis::CreateStreamInput;
    for s in compat::parse_initial_streams(spec)? {
        let ctx = kinesin_state::Ctx::new(&cfg.account_id, s.region.as_deref().unwrap_or(&cfg.region));
        let input = CreateStreamInput {
            stream_name: s.name.clone(),
            shard_count: Some(s.shards),
            stream_mode_details: None,
            tags: None,
            max_record_size_in_kib: None,
            warm_throughput_mibps: None,
        };
        match kinesis.db().call(move |eng| kinesin_state::kinesis::streams::create(eng, &ctx, input)).await {
            Ok(()) | Err(kinesin_state::StateError::InUse(_)) => {}
            Err(e) => return Err(format!("INITIALIZE_STREAMS {}: {e}", s.name).into()),
        }
    }
    kinesis.wake_maintenance();
    Ok(())
}
