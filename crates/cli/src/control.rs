//! `tcpmon-cli control`: TCPMon for test suites. It starts with no listener and serves a small
//! JSON-over-HTTP API (`control/openapi.json` describes it) to add, change and remove
//! listeners (with the listener's own command-line arguments, faults included), list what
//! passed, fetch an exchange's request or response, and save. An integration test puts TCPMon
//! between its client and its server, injects faults and asserts on the capture, as with
//! Toxiproxy, but with the bytes.
//!
//! The first line says where it listens and the bearer token every request but the OpenAPI
//! document needs. HTTP/1.1, one request per connection: test clients make a few calls.

mod http;

use crate::export;
use crate::listen;
use anyhow::{Context, Result};
use clap::Parser;
use http::{Request, Response};
use serde_json::{Value, json};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tcpmon_relay::{ConnId, Direction, Engine, EngineOptions, ListenerConfig, ListenerId};
use tokio::net::TcpListener;

/// The API's description, served at `/openapi.json`.
const OPENAPI: &str = include_str!("control/openapi.json");

/// Options of `tcpmon-cli control`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to serve the API on (port 0: any free port; the first line names it). Anything
    /// but loopback lets other machines drive TCPMon, token or not.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
}

/// What each request may use.
struct Api {
    engine: Engine,
    token: String,
}

/// Serves the API until Ctrl-C or SIGTERM.
pub async fn run(args: &Args) -> Result<()> {
    let stop = listen::stop_signal()?;
    let engine =
        Engine::new(EngineOptions::default()).context("cannot create the capture store")?;
    let server = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot serve the control API on {}", args.listen))?;
    let local = server.local_addr()?;
    let api = Arc::new(Api {
        engine: engine.clone(),
        token: token()?,
    });
    let mut stdout = std::io::stdout();
    writeln!(stdout, "control API on http://{local} token {}", api.token)?;
    stdout.flush()?;
    let serve = async {
        while let Ok((stream, _)) = server.accept().await {
            let api = api.clone();
            tokio::spawn(async move { http::serve(stream, |r| api.answer(r)).await });
        }
    };
    tokio::select! {
        () = stop => {}
        () = serve => {}
    }
    engine.shutdown().await;
    engine.store().discard_log()?;
    Ok(())
}

/// 128 random bits as hex: the bearer token of this run.
fn token() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the token: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl Api {
    async fn answer(&self, request: Request) -> Response {
        let path: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        if request.method == "GET" && path == ["openapi.json"] {
            return Response::bytes(200, "application/json", OPENAPI.as_bytes().to_vec());
        }
        if request.bearer() != Some(self.token.as_str()) {
            return Response::error(
                401,
                "send the token of the first line: Authorization: Bearer TOKEN",
            );
        }
        match self.route(&request, &path).await {
            Ok(response) => response,
            Err(problem) => problem,
        }
    }

    async fn route(&self, request: &Request, path: &[&str]) -> Result<Response, Response> {
        let engine = &self.engine;
        let not_found = || Response::error(404, "no such resource: see /openapi.json");
        Ok(match (request.method.as_str(), path) {
            ("GET", ["listeners"]) => Response::json(200, &engine.listeners()),
            ("POST", ["listeners"]) => {
                let config = listener_config(request)?;
                let info = engine.add_listener(config).await.map_err(bad)?;
                Response::json(201, &info)
            }
            ("PUT", ["listeners", id]) => {
                let config = listener_config(request)?;
                let info = engine.restart_listener(listener_id(id)?, config).await;
                Response::json(200, &info.map_err(bad)?)
            }
            ("DELETE", ["listeners", id]) => {
                engine
                    .remove_listener(listener_id(id)?)
                    .await
                    .map_err(|e| Response::error(404, &e.to_string()))?;
                Response::empty(204)
            }
            ("GET", ["connections"]) => Response::json(200, &engine.store().records()),
            ("DELETE", ["connections"]) => {
                let ids: Vec<ConnId> = engine.store().records().iter().map(|r| r.id).collect();
                engine.remove_connections(&ids);
                Response::empty(204)
            }
            ("GET", ["connections", id, "exchanges", n, side]) => self.message(id, n, side)?,
            ("POST", ["save"]) => {
                let path: PathBuf = field(request, "path")?;
                let saved =
                    export::save_all(engine.store(), &path).map_err(|e| bad(format!("{e:#}")))?;
                Response::json(200, &json!({ "saved": saved, "path": path }))
            }
            _ => return Err(not_found()),
        })
    }

    /// Exchange `n` (from 1, as `#C.N` counts) of connection `id`: its request or response,
    /// as the views read it.
    fn message(&self, id: &str, n: &str, side: &str) -> Result<Response, Response> {
        let dir = match side {
            "request" => Direction::ClientToServer,
            "response" => Direction::ServerToClient,
            _ => return Err(Response::error(404, "a message is /request or /response")),
        };
        let id = ConnId(
            id.parse()
                .map_err(|_| Response::error(404, "a connection id is a number"))?,
        );
        let index = n.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
        let index = index.ok_or_else(|| Response::error(404, "exchanges count from 1"))?;
        let store = self.engine.store();
        let record = store
            .record(id)
            .ok_or_else(|| Response::error(404, &format!("no connection {id}")))?;
        let bytes = store.read_row(&record, Some(index), dir);
        let bytes = bytes.map_err(|e| Response::error(404, &e.to_string()))?;
        Ok(Response::bytes(200, "application/octet-stream", bytes))
    }
}

/// The listener a request's `{"args": [...]}` describes: the arguments `tcpmon-cli` takes for
/// one (`["0", "127.0.0.1", "8080", "--fault", "status=503,p=0.5"]`), read by the same parser.
fn listener_config(request: &Request) -> Result<ListenerConfig, Response> {
    let args: Vec<String> = field(request, "args")?;
    let parsed =
        listen::Args::try_parse_from(std::iter::once("tcpmon-cli".to_string()).chain(args))
            .map_err(|e| bad(crate::args::one_line(&e.to_string())))?;
    let process_wide = [
        (parsed.save.is_some(), "--save (POST /save saves)"),
        (parsed.quiet, "--quiet"),
        (parsed.ws, "--ws"),
        (parsed.capture_limit.is_some(), "--capture-limit"),
    ];
    if let Some((_, flag)) = process_wide.iter().find(|(given, _)| *given) {
        return Err(bad(format!("{flag} is not a listener's setting")));
    }
    parsed.config().map_err(|e| bad(format!("{e:#}")))
}

/// Field `name` of the request's JSON body.
fn field<T: serde::de::DeserializeOwned>(request: &Request, name: &str) -> Result<T, Response> {
    let body: Value = serde_json::from_slice(&request.body)
        .map_err(|e| bad(format!("the body is not JSON: {e}")))?;
    let value = body
        .get(name)
        .cloned()
        .ok_or_else(|| bad(format!("the body has no {name:?}")))?;
    serde_json::from_value(value).map_err(|e| bad(format!("{name:?}: {e}")))
}

fn listener_id(id: &str) -> Result<ListenerId, Response> {
    id.parse()
        .map(ListenerId)
        .map_err(|_| Response::error(404, "a listener id is a number"))
}

fn bad(why: impl ToString) -> Response {
    Response::error(400, &why.to_string())
}
