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
mod rounds;
mod runner;
mod s3;
mod services;
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
use kinesin_state::{Db, Storage, SystemClock};
use services::Services;
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
    let db = Db::start(&storage, clock.clone(), services::settings(&cfg))?;
    meter::global().start(kinesin_state::Clock::now_ms(clock.as_ref()));
    let services = Services::start(&cfg, &db, &clock, public_host(&cfg, addr).as_deref())?;
    services.initialize(&cfg).await?;
    run_hooks(&hooks, Stage::Start).await;
    let tls = tls_listener(&cfg).await?;
    let app = Arc::new(services.into_app(&cfg, clock, &storage, hooks.clone()));
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
    serve_until_shutdown(&listener, front, &limits, &hooks).await;
    Ok(())
}

/// The TLS listener and acceptor of `--tls-port`, if one is asked for.
async fn tls_listener(
    cfg: &Config,
) -> Result<Option<(tokio::net::TcpListener, tokio_rustls::TlsAcceptor)>, Box<dyn std::error::Error>> {
    let Some(port) = cfg.tls_port else { return Ok(None) };
    let config = tls::server_config(cfg.tls_cert.as_deref(), cfg.tls_key.as_deref())?;
    let l = bind(&cfg.host, port).await?;
    Ok(Some((l, tokio_rustls::TlsAcceptor::from(config))))
}

/// Accepts connections until SIGINT/SIGTERM, then runs the shutdown hooks.
async fn serve_until_shutdown(
    listener: &tokio::net::TcpListener,
    front: Arc<Front>,
    limits: &Limits,
    hooks: &Arc<Hooks>,
) {
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            (stream, permit) = limits.accept(listener) => {
                let front = front.clone();
                let idle = limits.idle();
                tokio::spawn(async move {
                    serve_connection(stream, front, idle).await;
                    drop(permit);
                });
            }
            _ = &mut shutdown => {
                tracing::info!("shutting down");
                run_hooks(hooks, Stage::Shutdown).await;
                return;
            }
        }
    }
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

/// Runs one stage of init hooks off the async workers; a stage without scripts is only
/// marked as run (no blocking-pool thread is started for it).
async fn run_hooks(hooks: &Arc<Hooks>, stage: Stage) {
    if !hooks.has_scripts(stage) {
        hooks.run_stage(stage);
        return;
    }
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
