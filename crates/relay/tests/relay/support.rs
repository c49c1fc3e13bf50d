//! Real servers and clients on 127.0.0.1 for the relay tests, and waiting helpers with timeouts.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tcpmon_relay::{
    ConnId, ConnectionRecord, ConnectionState, Engine, EngineOptions, HostPort, ListenerConfig,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Every await in a test is bounded by this.
pub const LIMIT: Duration = Duration::from_secs(60);

/// Awaits `f`, failing the test if it takes longer than [`LIMIT`].
pub async fn within<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f).await.expect("timed out")
}

/// An engine whose capture log lives in the system temp dir.
pub fn engine() -> Engine {
    Engine::new(EngineOptions {
        capture_dir: None,
        ca_dir: None,
        ..EngineOptions::default()
    })
    .expect("engine")
}

pub fn target(addr: SocketAddr) -> HostPort {
    HostPort::new(addr.ip().to_string(), addr.port())
}

/// Starts a listener; returns its address.
pub async fn listen(engine: &Engine, config: ListenerConfig) -> SocketAddr {
    let info = engine.add_listener(config).await.expect("listener");
    info.local_addr.expect("running")
}

/// Starts a forwarding listener on a free port; returns its address.
pub async fn forward(engine: &Engine, to: SocketAddr) -> SocketAddr {
    listen(engine, ListenerConfig::forward(0, target(to))).await
}

/// A server that echoes every byte until the client half-closes, then closes its side.
pub async fn echo_server() -> SocketAddr {
    serve(|mut s| async move {
        let (mut r, mut w) = s.split();
        let _ = tokio::io::copy(&mut r, &mut w).await;
        let _ = w.shutdown().await;
    })
    .await
}

/// A server that runs `handle` for every accepted connection.
pub async fn serve<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(([127, 0, 0, 1], 0).into()).expect("bind");
    // A burst of 500 relayed connections must not overflow the accept queue.
    let listener = socket.listen(1024).expect("listen");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(handle(s));
        }
    });
    addr
}

/// A port nothing listens on.
pub async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("addr")
}

/// Waits until the connection has a finished state.
pub async fn finished(engine: &Engine, id: ConnId) -> ConnectionRecord {
    within(async {
        loop {
            if let Some(r) = engine.store().record(id) {
                if r.state.is_finished() {
                    return r;
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

/// Waits until the store holds `n` connections and returns their records.
pub async fn connections(engine: &Engine, n: usize) -> Vec<ConnectionRecord> {
    within(async {
        loop {
            let records = engine.store().records();
            if records.len() >= n {
                return records;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
}

/// Deterministic pseudo-random bytes and sizes (xorshift), so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Bytes including NULs and invalid UTF-8.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            out.extend_from_slice(&self.next().to_le_bytes());
        }
        out.truncate(len);
        out
    }
}

/// Sends `data` in random-sized writes and half-closes; meanwhile reads everything back.
pub async fn exchange(stream: TcpStream, data: &[u8], seed: u64) -> Vec<u8> {
    let (mut r, mut w) = stream.into_split();
    let send = async {
        let mut rng = Rng::new(seed);
        let mut at = 0;
        while at < data.len() {
            let n = (1 + rng.below(100_000) as usize).min(data.len() - at);
            w.write_all(&data[at..at + n]).await.expect("write");
            at += n;
        }
        w.shutdown().await.expect("shutdown");
    };
    let receive = async {
        let mut got = Vec::with_capacity(data.len());
        r.read_to_end(&mut got).await.expect("read");
        got
    };
    within(async { tokio::join!(send, receive).1 }).await
}

/// Sends `request` without half-closing (tinyproxy, like many proxies, ends a tunnel when the
/// client does) and reads the answer until the server closes.
pub async fn ask(relay: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut client = within(TcpStream::connect(relay)).await.expect("connect");
    client.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    within(client.read_to_end(&mut answer)).await.expect("read");
    answer
}

/// A process killed when the guard drops.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

async fn wait_for_port(port: u16) {
    within(async {
        while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// A real nginx serving `files` (name, content) from a temp root on a free loopback port.
pub async fn nginx(files: &[(&str, &[u8])]) -> (SocketAddr, Process, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    std::fs::create_dir_all(root.join("logs")).expect("mkdir");
    for (name, content) in files {
        std::fs::write(root.join(name), content).expect("write file");
    }
    let port = free_port();
    let conf = format!(
        "daemon off; master_process off; pid {dir}/nginx.pid; error_log {dir}/error.log;\n\
         events {{ worker_connections 1024; }}\n\
         http {{ access_log off; client_body_temp_path {dir}/body; proxy_temp_path {dir}/proxy;\n\
         fastcgi_temp_path {dir}/fcgi; uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;\n\
         server {{ listen 127.0.0.1:{port}; root {root}; location / {{ }} }} }}\n",
        dir = dir.path().display(),
        root = root.display(),
    );
    let conf_path = dir.path().join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("conf");
    let child = Command::new(nginx_binary())
        .args([
            "-p",
            &dir.path().display().to_string(),
            "-c",
            &conf_path.display().to_string(),
        ])
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx must be installed (apt-get install nginx-light)");
    wait_for_port(port).await;
    (
        SocketAddr::from(([127, 0, 0, 1], port)),
        Process(child),
        dir,
    )
}

/// A real nghttpd (HTTP/2 over plain TCP, prior knowledge) serving `files` from a temp root.
pub async fn nghttpd(files: &[(&str, &[u8])]) -> (SocketAddr, Process, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).expect("write file");
    }
    let port = free_port();
    let child = Command::new("nghttpd")
        .args(["--no-tls", "-a", "127.0.0.1", "-d"])
        .arg(dir.path())
        .arg(port.to_string())
        .stdout(Stdio::null())
        .spawn()
        .expect("nghttpd must be installed (apt-get install nghttp2-server)");
    wait_for_port(port).await;
    (
        SocketAddr::from(([127, 0, 0, 1], port)),
        Process(child),
        dir,
    )
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or("nginx".into())
}

/// A real tinyproxy on a free loopback port, allowing CONNECT to any port.
pub async fn tinyproxy() -> (SocketAddr, Process, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = format!(
        "Port {port}\nListen 127.0.0.1\nTimeout 60\nAllow 127.0.0.1\nLogLevel Error\nMaxClients 50\n\
         DisableViaHeader Yes\n"
    );
    let conf_path = dir.path().join("tinyproxy.conf");
    std::fs::write(&conf_path, conf).expect("conf");
    let child = Command::new("tinyproxy")
        .args(["-d", "-c", &conf_path.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tinyproxy must be installed (apt-get install tinyproxy)");
    wait_for_port(port).await;
    (
        SocketAddr::from(([127, 0, 0, 1], port)),
        Process(child),
        dir,
    )
}

/// Runs curl with `args`; returns (exit status success, stdout).
pub async fn curl(args: &[&str]) -> (bool, Vec<u8>) {
    let out = within(
        tokio::process::Command::new("curl")
            .args(["-s", "--max-time", "20"])
            .args(args)
            .output(),
    )
    .await
    .expect("curl must be installed");
    (out.status.success(), out.stdout)
}

/// Starts `config` and returns the address a client on this machine dials (a listener bound to
/// 0.0.0.0 is reached at 127.0.0.1).
pub async fn start(engine: &Engine, config: ListenerConfig) -> SocketAddr {
    let addr = listen(engine, config).await;
    SocketAddr::from(([127, 0, 0, 1], addr.port()))
}

/// curl's status code and body: `-w` appends the code after the body.
pub async fn status_and_body(args: &[&str]) -> (String, String) {
    let mut all = vec!["-w", "\n%{http_code}"];
    all.extend_from_slice(args);
    let (_, out) = curl(&all).await;
    let out = String::from_utf8(out).unwrap();
    let (body, code) = out.rsplit_once('\n').unwrap();
    (code.to_string(), body.to_string())
}

/// An origin that answers each request with the request head it received as the body.
pub async fn head_echo() -> SocketAddr {
    serve(|mut s| async move {
        let mut head = Vec::new();
        let mut buf = [0; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            head.len()
        );
        let _ = s.write_all(answer.as_bytes()).await;
        let _ = s.write_all(&head).await;
    })
    .await
}

/// Base64 of the credentials [`through_proxy_with_credentials`] gives the proxy.
pub const PROXY_CREDENTIALS: &str = "YWxpY2U6czNjcmV0";

/// One curl request for `http://<head echo>/x` through a proxy listener of `engine` that asks
/// for credentials, with `Proxy-Connection` and `X-Kept` headers: the request head the origin
/// saw, and the finished connection.
pub async fn through_proxy_with_credentials(engine: &Engine) -> (String, ConnectionRecord) {
    let origin = head_echo().await;
    let config = ListenerConfig {
        proxy_auth: Some("alice:s3cret".parse().unwrap()),
        ..ListenerConfig::http_proxy(0)
    };
    let proxy = start(engine, config).await;
    let (code, seen) = status_and_body(&[
        "-x",
        &format!("http://alice:s3cret@{proxy}"),
        "-H",
        "Proxy-Connection: keep-alive",
        "-H",
        "X-Kept: 1",
        &format!("http://{origin}/x"),
    ])
    .await;
    assert_eq!(code, "200", "{seen}");
    let record = connections(engine, 1).await.remove(0);
    (seen, finished(engine, record.id).await)
}

/// Why a connection failed; a test that expected a failure stops on anything else.
pub fn reason(state: &ConnectionState) -> &str {
    match state {
        ConnectionState::Failed { reason } => reason,
        other => panic!("expected a failure, got {other:?}"),
    }
}
