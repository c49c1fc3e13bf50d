//! `tcpmon-bench inspect`: how fast HTTP inspection is, on this machine, in figures.
//!
//! - parse: the exchange tracker over a keep-alive stream of gzip + chunked JSON responses,
//!   then `http1::decode::decode` of every response (chunks removed, gunzipped): MB/s of wire bytes.
//! - exchanges: the tracker over 100,000 small request/response pairs: the time to build the
//!   exchange list, and per exchange.
//! - search: a real engine relays ROWS requests (keep-alive, 100 per connection) to an
//!   in-process server; then each query of the search box runs over all rows.
//! - xml: the same engine relays one 100 MB XML response; the time to the first page of its
//!   raw, auto and XML views (XML over 4 MiB is shown raw, with a note).

use anyhow::{Context, Result};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Instant;
use tcpmon_desktop::page::read_view;
use tcpmon_desktop::search::search;
use tcpmon_inspect::exchange::{Exchange, Tracker};
use tcpmon_inspect::http1::decode::decode;
use tcpmon_inspect::view::ViewKind;
use tcpmon_relay::{ConnId, Direction, Engine, EngineOptions, HostPort, ListenerConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Pieces the streams are fed in, like reads from a socket.
const PIECE: usize = 64 << 10;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).expect("in memory");
    enc.finish().expect("in memory")
}

/// A JSON document of about `len` bytes.
fn json(len: usize, seed: usize) -> Vec<u8> {
    let mut out = String::from("{\"items\":[");
    let mut i = 0;
    while out.len() < len {
        out.push_str(&format!(
            "{{\"id\":{},\"name\":\"item {} of {seed}\",\"price\":{}.{:02},\"tags\":[\"a\",\"b\"]}},",
            i,
            i * 7 % 1000,
            i % 500,
            i % 100
        ));
        i += 1;
    }
    out.pop();
    out.push_str("]}");
    out.into_bytes()
}

fn feed(tracker: &mut Tracker, list: &mut Vec<Exchange>, request: &[u8], response: &[u8]) {
    let (mut a, mut b) = (request.chunks(PIECE), response.chunks(PIECE));
    loop {
        let (x, y) = (a.next(), b.next());
        if x.is_none() && y.is_none() {
            return;
        }
        if let Some(x) = x {
            tracker.feed(Direction::ClientToServer, x, 1, list);
        }
        if let Some(y) = y {
            tracker.feed(Direction::ServerToClient, y, 2, list);
        }
    }
}

fn parse_throughput() {
    let (mut request, mut response) = (Vec::new(), Vec::new());
    let mut decoded_total = 0;
    for i in 0..400 {
        request.extend_from_slice(
            format!("GET /items/{i} HTTP/1.1\r\nHost: shop.test\r\n\r\n").as_bytes(),
        );
        let body = json(64 << 10, i);
        decoded_total += body.len();
        let zipped = gzip(&body);
        response.extend_from_slice(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
        );
        for chunk in zipped.chunks(8 << 10) {
            response.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            response.extend_from_slice(chunk);
            response.extend_from_slice(b"\r\n");
        }
        response.extend_from_slice(b"0\r\n\r\n");
    }
    let wire = request.len() + response.len();
    let start = Instant::now();
    let mut list = Vec::new();
    feed(&mut Tracker::new(), &mut list, &request, &response);
    let parse = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut out = 0;
    for e in &list {
        let r = e.response.as_ref().expect("answered");
        out += decode(&response[r.head_at() as usize..r.end as usize])
            .body
            .len();
    }
    let decode = start.elapsed().as_secs_f64();
    assert_eq!(out, decoded_total, "every body decoded");
    println!(
        "parse exchanges={} wire_mb={:.1} parse_mb_per_s={:.0} decode_mb_per_s={:.0} (wire in) decoded_mb_per_s={:.0} (json out)",
        list.len(),
        wire as f64 / 1e6,
        wire as f64 / parse / 1e6,
        response.len() as f64 / decode / 1e6,
        out as f64 / decode / 1e6,
    );
}

fn exchange_list(rows: usize) {
    let (mut request, mut response) = (Vec::new(), Vec::new());
    for i in 0..rows {
        request.extend_from_slice(
            format!("POST /svc/{i} HTTP/1.1\r\nHost: api.test\r\nContent-Type: text/xml\r\nContent-Length: 12\r\n\r\n<get id=\"1\"/>").as_bytes(),
        );
        response.extend_from_slice(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 9\r\n\r\n<ok>1</ok>",
        );
    }
    // Each body is one byte longer than Content-Length says: make them agree.
    let request = String::from_utf8(request)
        .expect("ascii")
        .replace("Content-Length: 12", "Content-Length: 13")
        .into_bytes();
    let response = String::from_utf8(response)
        .expect("ascii")
        .replace("Content-Length: 9", "Content-Length: 10")
        .into_bytes();
    let start = Instant::now();
    let mut list = Vec::new();
    feed(&mut Tracker::new(), &mut list, &request, &response);
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(list.len(), rows);
    println!(
        "exchanges rows={rows} build_ms={:.0} us_per_exchange={:.2}",
        secs * 1e3,
        secs * 1e6 / rows as f64
    );
}

/// A server that answers every request on a connection: `GET /big` with `big`, anything else
/// with a small XML body whose status cycles through 200, 404 and 500.
async fn server(big: std::sync::Arc<Vec<u8>>) -> Result<std::net::SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let big = big.clone();
            tokio::spawn(async move {
                let (r, mut w) = s.into_split();
                let mut lines = BufReader::new(r).lines();
                let mut path = String::new();
                let mut n = 0u64;
                while let Ok(Some(line)) = lines.next_line().await {
                    if path.is_empty() {
                        path = line.split(' ').nth(1).unwrap_or("").to_string();
                        continue;
                    }
                    if !line.is_empty() {
                        continue;
                    }
                    let reply = if path == "/big" {
                        let mut head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n", big.len()).into_bytes();
                        head.extend_from_slice(&big);
                        head
                    } else {
                        let status =
                            ["200 OK", "404 Not Found", "500 Server Error"][(n % 3) as usize];
                        let body = format!(
                            "<result n=\"{n}\">{}</result>",
                            if n % 1000 == 7 { "needle" } else { "hay" }
                        );
                        format!("HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
                    };
                    n += 1;
                    path.clear();
                    if w.write_all(&reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(addr)
}

/// Sends `count` requests on one connection (pipelined) and reads until the server has
/// answered them all and the connection is closed.
async fn client(
    relay: std::net::SocketAddr,
    first: usize,
    count: usize,
    method: &str,
) -> Result<()> {
    let mut s = TcpStream::connect(relay).await?;
    let mut requests = String::new();
    for i in first..first + count {
        let close = if i + 1 == first + count {
            "Connection: close\r\n"
        } else {
            ""
        };
        requests.push_str(&format!(
            "{method} /orders/{i}?q=x HTTP/1.1\r\nHost: api{}.test\r\n{close}\r\n",
            i % 10
        ));
    }
    s.write_all(requests.as_bytes()).await?;
    s.shutdown().await?;
    let mut sink = Vec::new();
    s.read_to_end(&mut sink).await?;
    Ok(())
}

async fn wait_finished(engine: &Engine, ids: impl Iterator<Item = ConnId>) {
    for id in ids {
        while !engine
            .store()
            .record(id)
            .is_some_and(|r| r.state.is_finished())
        {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}

async fn engine_figures(rows: usize, xml_mb: usize) -> Result<()> {
    let mut big = b"<?xml version=\"1.0\"?>\n<orders>".to_vec();
    let mut i = 0;
    while big.len() < xml_mb << 20 {
        big.extend_from_slice(
            format!("<order id=\"{i}\"><item sku=\"A-{i}\">widget</item><qty>3</qty></order>")
                .as_bytes(),
        );
        i += 1;
    }
    big.extend_from_slice(b"</orders>");
    let big = std::sync::Arc::new(big);
    let target = server(big.clone()).await?;
    let engine = Engine::new(EngineOptions::default()).context("engine")?;
    let info = engine
        .add_listener(ListenerConfig::forward(
            0,
            HostPort::new("127.0.0.1", target.port()),
        ))
        .await?;
    let relay = info.local_addr.context("address")?;
    let conns = search_figures(&engine, relay, rows).await?;
    let big_conn = relay_big(&engine, relay, ConnId(conns as u64 + 2), big.len()).await?;
    view_figures(&engine, big_conn)?;
    engine.shutdown().await;
    Ok(())
}

/// Relays `rows` exchanges over connections of 100, then times each kind of search query;
/// returns how many connections there were.
async fn search_figures(engine: &Engine, relay: SocketAddr, rows: usize) -> Result<usize> {
    let per_conn = 100;
    let conns = rows.div_ceil(per_conn);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..conns {
        let method = if c % 4 == 0 { "POST" } else { "GET" };
        tasks.spawn(client(relay, c * per_conn, per_conn, method));
        while tasks.len() >= 16 {
            tasks.join_next().await.context("task")???;
        }
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    wait_finished(engine, (1..=conns as u64).map(ConnId)).await;
    let relayed = start.elapsed().as_secs_f64();
    let found: usize = engine
        .store()
        .records()
        .iter()
        .map(|r| r.exchanges.len())
        .sum();
    println!("search rows={found} connections={conns} relayed_in_s={relayed:.1}");
    for query in [
        "status:404",
        "method:POST host:api3",
        "path:/orders/4242",
        "header:content-type=xml",
        "body:needle",
        "/result n=\"\\d\">needle/",
        "-status:2xx body:hay",
    ] {
        let start = Instant::now();
        let hits = search(engine.store(), query)
            .map_err(|e| anyhow::anyhow!(e.message))?
            .rows
            .len();
        println!(
            "search query={query:?} hits={hits} ms={:.0}",
            start.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(conns)
}

/// Relays the big XML body as connection `big_conn`; says how long it took.
async fn relay_big(
    engine: &Engine,
    relay: SocketAddr,
    big_conn: ConnId,
    big_len: usize,
) -> Result<ConnId> {
    let start = Instant::now();
    client(relay, 0, 1, "GET").await?; // warm: one more small exchange
    let mut s = TcpStream::connect(relay).await?;
    s.write_all(b"GET /big HTTP/1.1\r\nHost: big.test\r\nConnection: close\r\n\r\n")
        .await?;
    s.shutdown().await?;
    let mut got = 0u64;
    let mut buf = vec![0; 1 << 20];
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        got += n as u64;
    }
    drop(s);
    wait_finished(engine, std::iter::once(big_conn)).await;
    println!(
        "xml body_mb={:.0} relayed_in_s={:.1} received_bytes={got}",
        big_len as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    Ok(big_conn)
}

/// Times the first page of the big body in each view, then paging through all of it.
fn view_figures(engine: &Engine, big_conn: ConnId) -> Result<()> {
    let exchanges = engine
        .store()
        .record(big_conn)
        .context("big connection")?
        .exchanges;
    for (name, kind) in [
        ("raw", ViewKind::Raw),
        ("auto", ViewKind::Auto),
        ("xml", ViewKind::Xml),
    ] {
        let start = Instant::now();
        let page = read_view(
            engine.store(),
            big_conn,
            Direction::ServerToClient,
            kind,
            0,
            Some(exchanges.len() - 1),
            None,
        )
        .map_err(|e| anyhow::anyhow!(e.message))?;
        println!(
            "xml first_page view={name} ms={:.1} shown_as={:?} page_chars={} note={:?}",
            start.elapsed().as_secs_f64() * 1e3,
            page.view,
            page.text.len(),
            page.note
        );
    }
    // Page through the whole body in the XML view, as a reader scrolling to its end would.
    let (mut next, mut pages, mut slowest) = (Some(0), 0, 0f64);
    let start = Instant::now();
    while let Some(offset) = next {
        let page_start = Instant::now();
        let page = read_view(
            engine.store(),
            big_conn,
            Direction::ServerToClient,
            ViewKind::Xml,
            offset,
            Some(exchanges.len() - 1),
            None,
        )
        .map_err(|e| anyhow::anyhow!(e.message))?;
        slowest = slowest.max(page_start.elapsed().as_secs_f64());
        (next, pages) = (page.next_offset, pages + 1);
    }
    println!(
        "xml all_pages view=xml pages={pages} total_s={:.2} slowest_page_ms={:.1}",
        start.elapsed().as_secs_f64(),
        slowest * 1e3
    );
    Ok(())
}

/// Runs every measurement and prints one line of figures each.
pub fn run(rows: usize, xml_mb: usize) -> Result<()> {
    parse_throughput();
    exchange_list(rows);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(engine_figures(rows, xml_mb))
}
