//! Local receivers for the destination tests: an HTTP server on 127.0.0.1 that records
//! every request and answers what the test says; a throwaway PostgreSQL.

#![allow(dead_code)]

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

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
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Receiver {
    /// Starts a receiver; `respond(request, n)` gives the status and body of the `n`th
    /// request (0 first).
    pub async fn start(respond: impl Fn(&Seen, usize) -> (u16, String) + Send + Sync + 'static) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let respond: Arc<Respond> = Arc::new(respond);
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (log, respond) = (log.clone(), respond.clone());
                tokio::spawn(async move {
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
                            let body =
                                req.into_body().collect().await.map(|b| b.to_bytes().to_vec()).unwrap_or_default();
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
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { url, seen }
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
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
