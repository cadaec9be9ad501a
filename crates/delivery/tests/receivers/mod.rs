//! Local receivers for the destination tests: an HTTP (or https, with a given certificate)
//! server on 127.0.0.1 that records every request and answers what the test says; a
//! throwaway PostgreSQL.

#![allow(dead_code)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{crypto, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// A request as received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Method.
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names lowercase.
    pub headers: HashMap<String, String>,
    /// Body as received.
    pub body: Vec<u8>,
}

impl Seen {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

type Respond = dyn Fn(&Seen, usize) -> (u16, String) + Send + Sync;

/// A running receiver.
pub struct Receiver {
    /// `http://127.0.0.1:PORT` (`https://` for [`Receiver::start_tls`]).
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Receiver {
    /// Starts a receiver; `respond(request, n)` gives the status and body of the `n`th
    /// request (0 first).
    pub async fn start(respond: impl Fn(&Seen, usize) -> (u16, String) + Send + Sync + 'static) -> Receiver {
        Self::start_with(None, respond).await
    }

    /// Starts an https receiver (`https://127.0.0.1:PORT`) presenting `chain` (the
    /// server's certificate first) with `key`.
    pub async fn start_tls(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        respond: impl Fn(&Seen, usize) -> (u16, String) + Send + Sync + 'static,
    ) -> Receiver {
        let cfg = ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        Self::start_with(Some(TlsAcceptor::from(Arc::new(cfg))), respond).await
    }

    async fn start_with(
        tls: Option<TlsAcceptor>,
        respond: impl Fn(&Seen, usize) -> (u16, String) + Send + Sync + 'static,
    ) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let respond: Arc<Respond> = Arc::new(respond);
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (log, respond, tls) = (log.clone(), respond.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        // A handshake the client refuses ends the connection unserved.
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve(stream, log, respond).await
                            }
                        }
                        None => serve(stream, log, respond).await,
                    }
                });
            }
        });
        Receiver { url, seen }
    }

    /// The same receiver reached through another URL (`localhost` for `127.0.0.1`).
    pub fn with_url(&self, url: String) -> Receiver {
        Receiver { url, seen: self.seen.clone() }
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves one connection, logging each request and answering per `respond`.
async fn serve(
    stream: impl AsyncRead + AsyncWrite + Unpin + Send + 'static,
    log: Arc<Mutex<Vec<Seen>>>,
    respond: Arc<Respond>,
) {
    let service = service_fn(move |req: Request<hyper::body::Incoming>| {
        let (log, respond) = (log.clone(), respond.clone());
        async move {
            let method = req.method().to_string();
            let path = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
            let headers = req
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                .collect();
            let body = req.into_body().collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
            let s = Seen { method, path, headers, body };
            let n = {
                let mut l = log.lock().unwrap();
                l.push(s.clone());
                l.len() - 1
            };
            let (status, body) = respond(&s, n);
            let resp = Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body)))
                .unwrap();
            Ok::<_, Infallible>(resp)
        }
    });
    let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
}

/// A PostgreSQL cluster from `scripts/pg-test-server.sh`, stopped on drop.
pub struct Postgres {
    /// `postgresql://kinesin:kinesin@127.0.0.1:PORT/postgres`.
    pub url: String,
    /// `host:port`.
    pub hostport: String,
    dir: String,
}

fn script() -> String {
    format!("{}/../../scripts/pg-test-server.sh", env!("CARGO_MANIFEST_DIR"))
}

impl Postgres {
    /// Starts one; `None` when PostgreSQL is not installed, unless in CI (`CI` set), where
    /// `.ci/run` installs it and its absence is a failure.
    pub fn start() -> Option<Postgres> {
        let out = std::process::Command::new(script()).arg("start").output().unwrap();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            if err.contains("no PostgreSQL binaries") && std::env::var_os("CI").is_none() {
                eprintln!("skipping: {err}");
                return None;
            }
            panic!("pg-test-server.sh start failed: {err}");
        }
        let line = String::from_utf8(out.stdout).unwrap();
        let (url, dir) = line.trim().split_once(' ').unwrap();
        let hostport = url.rsplit_once('@').unwrap().1.split('/').next().unwrap().to_string();
        Some(Postgres { url: url.to_string(), hostport, dir: dir.to_string() })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script()).args(["stop", &self.dir]).output();
    }
}
