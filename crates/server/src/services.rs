//! The services one server runs: built from the command line over the started store, with
//! their background tasks spawned, seeded from `--initialize-streams` and `--init`, and
//! gathered into the [`App`] that serves requests.

use crate::app::App;
use crate::config::Config;
use crate::console::Console;
use crate::init_hooks::Hooks;
use crate::{analytics, analytics_functions, firehose, firehose_source, init_file, kinesis, pipes, s3, sqs, worker};
use kinesin_state::analytics::settings::AnalyticsSettings;
use kinesin_state::firehose::delivery::FirehoseSettings;
use kinesin_state::kinesis::config::KinesisSettings;
use kinesin_state::{Db, Settings, Storage, SystemClock};
use std::sync::Arc;

type Error = Box<dyn std::error::Error>;

/// The store's settings from the command line.
pub fn settings(cfg: &Config) -> Settings {
    Settings {
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
    }
}

/// Every service's handle (their background tasks running).
pub struct Services {
    db: Db,
    kinesis: kinesin_state::kinesis::Kinesis,
    firehose: kinesin_state::firehose::Firehose,
    analytics: kinesin_state::analytics::Analytics,
    s3: s3::S3,
    sqs: sqs::Sqs,
    pipes: pipes::Pipes,
    functions: Arc<kinesin_delivery::Env>,
}

/// What Firehose deliveries and Analytics functions reach: bound OpenSearch domains and
/// functions, the trusted certificates and the jq workers.
fn delivery_env(cfg: &Config, clock: &Arc<SystemClock>) -> Result<Arc<kinesin_delivery::Env>, Error> {
    let domains = cfg
        .opensearch_endpoint
        .iter()
        .filter(|b| !b.trim().is_empty())
        .map(|b| kinesin_delivery::env::parse_domain_binding(b))
        .collect::<Result<Vec<_>, _>>()?;
    for (arn, url) in &domains {
        tracing::info!(%arn, %url, "firehose opensearch domain bound");
    }
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
    let env = kinesin_delivery::Env::new(clock.clone(), lambdas).with_domains(domains).with_tls(&trust)?;
    Ok(Arc::new(env.with_jq_workers(kinesin_delivery::jq_worker::Workers::new(own_binary()))))
}

/// This binary, to start as a worker process: `/proc/self/exe` on Linux (it stays valid when
/// the file is replaced, as a rebuild does), the path it was started from elsewhere.
fn own_binary() -> std::path::PathBuf {
    if cfg!(target_os = "linux") {
        return "/proc/self/exe".into();
    }
    std::env::current_exe().unwrap_or_else(|_| std::env::args_os().next().unwrap_or_default().into())
}

impl Services {
    /// Builds every service over the store and spawns its background tasks; `public_host` is
    /// the host SQS puts in queue URLs.
    pub fn start(cfg: &Config, db: &Db, clock: &Arc<SystemClock>, public_host: Option<&str>) -> Result<Self, Error> {
        let kinesis = kinesin_state::kinesis::Kinesis::new(db.clone());
        tokio::spawn(worker::run_forever(kinesis::Upkeep(kinesis.clone())));
        let firehose = kinesin_state::firehose::Firehose::new(db.clone());
        let delivery_env = delivery_env(cfg, clock)?;
        tokio::spawn(firehose::deliver_forever(firehose.clone(), delivery_env.clone()));
        tokio::spawn(worker::run_forever(firehose_source::SourcePump::new(firehose.clone(), kinesis.clone())));
        let analytics = kinesin_state::analytics::Analytics::new(db.clone());
        tokio::spawn(worker::run_forever(analytics::Runner::new(analytics.clone(), kinesis.clone(), firehose.clone())));
        tokio::spawn(worker::run_forever(analytics_functions::Functions::new(
            analytics.clone(),
            kinesis.clone(),
            delivery_env.clone(),
        )));
        let s3 = s3::S3::new(db.clone(), Some(firehose.clone()));
        let sqs = sqs::Sqs::new(db.clone()).with_default_region(&cfg.region).with_public_host(public_host);
        tokio::spawn(worker::run_forever(sqs::Upkeep(sqs.clone())));
        let pipes = pipes::Pipes::new(db.clone(), kinesis.clone(), sqs.clone(), cfg.pipes_transition_ms);
        tokio::spawn(worker::run_forever(pipes::Pump::new(pipes.clone())));
        Ok(Services { db: db.clone(), kinesis, firehose, analytics, s3, sqs, pipes, functions: delivery_env })
    }

    /// Creates what `--initialize-streams` and `--init` ask for.
    pub async fn initialize(&self, cfg: &Config) -> Result<(), Error> {
        if let Some(spec) = &cfg.initialize_streams {
            initialize_streams(&self.kinesis, cfg, spec).await?;
        }
        if let Some(path) = &cfg.init_file {
            let services = init_file::Services {
                kinesis: &self.kinesis,
                sqs: &self.sqs,
                firehose: &self.firehose,
                pipes: &self.pipes,
                s3: &self.s3,
                account: &cfg.account_id,
                region: &cfg.region,
            };
            init_file::read(path)?.apply(&services).await.map_err(|e| format!("--init {}: {e}", path.display()))?;
        }
        Ok(())
    }

    /// The request handler over these services.
    pub fn into_app(self, cfg: &Config, clock: Arc<SystemClock>, storage: &Storage, hooks: Arc<Hooks>) -> App {
        let subscriptions = crate::subscribe::Registry::default();
        let sts = crate::sts::Sts::new(self.db.clone());
        let iam = crate::iam::Iam::new(self.db.clone());
        let console = Console {
            db: self.db,
            account: cfg.account_id.clone(),
            region: cfg.region.clone(),
            subscriptions: subscriptions.clone(),
            analytics: self.analytics.clone(),
            firehose: self.firehose.clone(),
        };
        App {
            kinesis: self.kinesis,
            sqs: self.sqs,
            pipes: self.pipes,
            firehose: self.firehose,
            s3: self.s3,
            analytics: self.analytics,
            functions: self.functions,
            clock,
            account: cfg.account_id.clone(),
            region: cfg.region.clone(),
            max_body: cfg.max_body_bytes,
            store: storage.describe(),
            time_travel: cfg.time_travel,
            subscriptions,
            latency: std::time::Duration::from_millis(cfg.latency_ms),
            hooks,
            started: std::time::Instant::now(),
            session: crate::http::request_id(),
            log_requests: cfg.log_requests || cfg.log_level.eq_ignore_ascii_case("debug"),
            sts,
            iam,
            console,
        }
    }
}

/// Creates the streams named by `--initialize-streams` that do not exist yet.
async fn initialize_streams(kinesis: &kinesin_state::kinesis::Kinesis, cfg: &Config, spec: &str) -> Result<(), Error> {
    use kinesin_protocol::kinesis::CreateStreamInput;
    for s in crate::compat::parse_initial_streams(spec)? {
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
