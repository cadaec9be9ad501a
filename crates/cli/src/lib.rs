//! kinesin's companion CLI, run as subcommands of the `kinesin` binary (`kinesin put`,
//! `kinesin tail`, ...). Talks to any endpoint (kinesin, another emulator, AWS) with
//! SigV4-signed awsJson requests. Nothing here runs when `kinesin` serves.

mod backoff;
mod client;
mod cost;
mod creds;
mod error;
mod input;
mod ls;
mod put;
mod reader;
mod replay;
mod sqs;
mod tail;

use clap::{Parser, Subcommand};
use client::Client;
use error::CliError;
use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The subcommand names; any other first argument leaves the binary a server.
const COMMANDS: [&str; 8] = ["put", "tail", "capture", "replay", "ls", "cost", "sqs", "firehose"];

/// Whether the binary's first argument names a CLI subcommand.
pub fn is_command(first_arg: &OsStr) -> bool {
    COMMANDS.iter().any(|c| OsStr::new(c) == first_arg)
}

/// kinesin's CLI: put, tail, capture and replay stream records, list resources, show the
/// cost estimate, drive SQS queues and Firehose streams.
#[derive(Debug, Parser)]
#[command(name = "kinesin", version)]
struct Cli {
    /// Endpoint URL (or `aws` for AWS's regional endpoints). Default: AWS_ENDPOINT_URL
    /// (AWS_ENDPOINT_URL_<SERVICE> per service), else the local kinesin on KINESIN_PORT or 4566.
    #[arg(long, global = true, value_name = "URL")]
    endpoint: Option<String>,
    /// Region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1).
    #[arg(long, global = true)]
    region: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Put records into a stream: each line (or each file with --whole-files) of the paths,
    /// or of stdin, is one record.
    Put {
        stream: String,
        paths: Vec<PathBuf>,
        /// One partition key for every record.
        #[arg(long, conflicts_with = "key_field")]
        partition_key: Option<String>,
        /// Take the partition key from this field of each (JSON) record; `a.b` for nested.
        #[arg(long)]
        key_field: Option<String>,
        /// Each path is one record instead of one per line.
        #[arg(long)]
        whole_files: bool,
        /// At most this many records a second.
        #[arg(long, value_name = "N")]
        rate: Option<f64>,
        /// Show progress (default: on a terminal, for inputs of 4 MiB or more).
        #[arg(long, overrides_with = "no_progress")]
        progress: bool,
        /// Never show progress.
        #[arg(long)]
        no_progress: bool,
    },
    /// Print a stream's records as they arrive, following splits and merges.
    Tail {
        stream: String,
        #[command(flatten)]
        read: ReadArgs,
        /// Output: raw data lines, JSON lines or hex.
        #[arg(long, value_enum, default_value_t = tail::Format::Raw)]
        format: tail::Format,
    },
    /// Save a stream's records (with keys and arrival times) to a JSON-lines file.
    Capture {
        stream: String,
        file: PathBuf,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Put a capture's records into a stream at their original pace.
    Replay {
        file: PathBuf,
        stream: String,
        /// Replay N times faster (0: as fast as possible).
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
    /// List every stream, queue, delivery stream, pipe and bucket.
    Ls,
    /// What the workload seen by kinesin would cost on AWS.
    Cost {
        /// Print the JSON document.
        #[arg(long)]
        json: bool,
    },
    /// SQS queues.
    #[command(subcommand)]
    Sqs(SqsCommand),
    /// Firehose delivery streams.
    #[command(subcommand)]
    Firehose(FirehoseCommand),
}

#[derive(Debug, clap::Args)]
struct ReadArgs {
    /// trim-horizon, latest, a timestamp (RFC 3339 or epoch seconds) or a sequence number.
    #[arg(long, default_value = "trim-horizon")]
    from: String,
    /// Stop at the end of the records instead of waiting for new ones.
    #[arg(long)]
    no_follow: bool,
}

#[derive(Debug, Subcommand)]
enum SqsCommand {
    /// Send the arguments (else each line of stdin) as messages; prints their ids.
    Send {
        queue: String,
        bodies: Vec<String>,
        /// MessageGroupId (FIFO).
        #[arg(long)]
        group_id: Option<String>,
        /// MessageDeduplicationId (FIFO; `-N` is appended when several messages are sent).
        #[arg(long)]
        dedup_id: Option<String>,
        /// DelaySeconds.
        #[arg(long)]
        delay: Option<u32>,
    },
    /// Receive, print and delete up to --max messages.
    Recv {
        queue: String,
        #[command(flatten)]
        recv: RecvArgs,
        /// Leave the messages in the queue (they become visible again after the visibility timeout).
        #[arg(long)]
        keep: bool,
    },
    /// Print up to --max messages without consuming them (received with visibility timeout 0).
    Peek {
        queue: String,
        #[command(flatten)]
        recv: RecvArgs,
    },
    /// Delete every message of a queue.
    Purge { queue: String },
}

#[derive(Debug, clap::Args)]
struct RecvArgs {
    /// At most this many messages.
    #[arg(long, default_value_t = 10)]
    max: u32,
    /// Long-poll seconds per receive.
    #[arg(long, default_value_t = 0)]
    wait: u32,
    /// Print JSON lines (id, body, attributes) instead of bodies.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum FirehoseCommand {
    /// Put each line (or file, with --whole-files) of the paths or stdin as one record.
    Put {
        name: String,
        paths: Vec<PathBuf>,
        /// Each path is one record.
        #[arg(long)]
        whole_files: bool,
        /// Send records without a trailing newline.
        #[arg(long)]
        no_newline: bool,
        /// At most this many records a second.
        #[arg(long, value_name = "N")]
        rate: Option<f64>,
    },
}

/// Runs the CLI with the process arguments; the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(&CliError::Io(e)),
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("kinesin: {e}");
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let endpoint = client::resolve(cli.endpoint.as_deref());
    let region = creds::region(cli.region.as_deref());
    let client = Client::new(endpoint, cli.endpoint.is_some(), region, creds::keys())?;
    match cli.command {
        Command::Put { stream, paths, partition_key, key_field, whole_files, rate, progress, no_progress } => {
            let keys = match (partition_key, key_field) {
                (Some(k), _) => put::KeyMode::Fixed(k),
                (None, Some(f)) => put::KeyMode::Field(f),
                (None, None) => put::KeyMode::Random,
            };
            let show = if progress {
                Some(true)
            } else if no_progress {
                Some(false)
            } else {
                None
            };
            let mut input = input::Input::new(paths, whole_files, show);
            let n = put::put(&client, &stream, &mut input, &keys, rate).await?;
            eprintln!("put {n} records into {stream}");
        }
        Command::Tail { stream, read, format } => {
            let from = reader::parse_from(&read.from).map_err(CliError::Usage)?;
            let mut out = std::io::stdout().lock();
            let mut r = reader::Reader::new(&client, &stream, from);
            r.run(!read.no_follow, |rec| {
                tail::print(&mut out, format, rec)?;
                out.flush().map_err(CliError::from)
            })
            .await?;
        }
        Command::Capture { stream, file, read } => {
            let from = reader::parse_from(&read.from).map_err(CliError::Usage)?;
            let f = std::fs::File::create(&file).map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
            let mut out = std::io::BufWriter::new(f);
            let mut n = 0u64;
            let mut r = reader::Reader::new(&client, &stream, from);
            r.run(!read.no_follow, |rec| {
                n += 1;
                tail::capture(&mut out, rec)?;
                out.flush().map_err(CliError::from)
            })
            .await?;
            eprintln!("captured {n} records from {stream} into {}", file.display());
        }
        Command::Replay { file, stream, speed } => {
            let n = replay::replay(&client, &file, &stream, speed).await?;
            eprintln!("replayed {n} records into {stream}");
        }
        Command::Ls => ls::ls(&client, &mut std::io::stdout().lock()).await?,
        Command::Cost { json } => cost::cost(&client, json, &mut std::io::stdout().lock()).await?,
        Command::Sqs(cmd) => run_sqs(&client, cmd).await?,
        Command::Firehose(FirehoseCommand::Put { name, paths, whole_files, no_newline, rate }) => {
            let mut input = input::Input::new(paths, whole_files, None);
            let n = put::firehose(&client, &name, &mut input, !no_newline, rate).await?;
            eprintln!("put {n} records into {name}");
        }
    }
    Ok(())
}

async fn run_sqs(client: &Client, cmd: SqsCommand) -> Result<(), CliError> {
    match cmd {
        SqsCommand::Send { queue, bodies, group_id, dedup_id, delay } => {
            let opts = sqs::SendOpts { group_id, dedup_id, delay };
            let n = sqs::send(client, &queue, bodies, &opts).await?;
            eprintln!("sent {n} messages");
        }
        SqsCommand::Recv { queue, recv, keep } => {
            let opts = sqs::RecvOpts { max: recv.max, wait: recv.wait, delete: !keep, peek: false, json: recv.json };
            sqs::recv(client, &queue, &opts).await?;
        }
        SqsCommand::Peek { queue, recv } => {
            let opts = sqs::RecvOpts { max: recv.max, wait: recv.wait, delete: false, peek: true, json: recv.json };
            sqs::recv(client, &queue, &opts).await?;
        }
        SqsCommand::Purge { queue } => sqs::purge(client, &queue).await?,
    }
    Ok(())
}
