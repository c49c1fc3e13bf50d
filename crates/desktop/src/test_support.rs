//! What the crate's tests share: a real engine relaying to a real (tiny) server.

use tcpmon_relay::{ConnId, Engine, EngineOptions, HostPort, ListenerConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Relays one request through a real engine to a server that answers `response`.
pub async fn captured(request: &[u8], response: Vec<u8>) -> (Engine, ConnId) {
    let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = server.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = server.accept().await.unwrap();
        let mut buf = [0; 1024];
        let _ = s.read(&mut buf).await;
        s.write_all(&response).await.unwrap();
    });
    let engine = Engine::new(EngineOptions {
        capture_dir: None,
        ..Default::default()
    })
    .unwrap();
    let config = ListenerConfig::forward(0, HostPort::new("127.0.0.1", target.port()));
    let relay = engine
        .add_listener(config)
        .await
        .unwrap()
        .local_addr
        .unwrap();
    let mut client = TcpStream::connect(relay).await.unwrap();
    client.write_all(request).await.unwrap();
    let mut got = Vec::new();
    client.read_to_end(&mut got).await.unwrap();
    drop(client);
    let id = ConnId(1);
    while !engine.store().record(id).unwrap().state.is_finished() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    (engine, id)
}
