//! `tcpmon-cli control` as a test suite drives it: started as a process, called with curl,
//! a listener with a fault between curl and Python's http.server, the capture read back and
//! saved.

#![allow(clippy::unwrap_used)]

mod common;

use common::{cli, curl, http_server, spawn, terminate};

/// The API's base URL and token, from the first line.
fn started(first: &str) -> (String, String) {
    let rest = first
        .trim_end()
        .strip_prefix("control API on ")
        .expect(first);
    let (url, token) = rest.split_once(" token ").expect(first);
    (url.to_string(), token.to_string())
}

/// `curl` with the token: METHOD PATH [JSON body]; (status, body).
fn call(api: &(String, String), method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let auth = format!("Authorization: Bearer {}", api.1);
    let url = format!("{}{path}", api.0);
    let mut args = vec![
        "-s",
        "-X",
        method,
        "-H",
        &auth,
        "-w",
        "\n%{http_code}",
        &url,
    ];
    if let Some(body) = body {
        args.extend([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            body,
        ]);
    }
    let out = String::from_utf8(curl(&args)).unwrap();
    let (body, status) = out.rsplit_once('\n').unwrap();
    (status.parse().unwrap(), body.to_string())
}

#[test]
fn a_test_suite_adds_a_faulty_listener_reads_the_capture_and_saves_it() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("hello.txt"), "hello from the server").unwrap();
    let (server, _server) = http_server(site.path());
    let (control, out, first) = spawn(cli().arg("control"));
    let api = started(&first);

    // The description needs no token; everything else does.
    let openapi = curl(&[&format!("{}/openapi.json", api.0)]);
    let doc: serde_json::Value = serde_json::from_slice(&openapi).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["paths"]["/listeners"]["post"].is_object());
    let denied = curl(&[
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("{}/listeners", api.0),
    ]);
    assert_eq!(denied, b"401");

    let args = format!(r#"{{"args": ["0", "127.0.0.1", "{server}"]}}"#);
    let (status, body) = call(&api, "POST", "/listeners", Some(&args));
    assert_eq!(status, 201, "{body}");
    let listener: serde_json::Value = serde_json::from_str(&body).unwrap();
    let relay = listener["local_addr"].as_str().unwrap().to_string();
    let id = listener["id"].as_u64().unwrap();
    assert_eq!(
        curl(&[&format!("http://{relay}/hello.txt")]),
        b"hello from the server"
    );

    // A fault set on the running listener: every request answered 503, the server untouched.
    let faulty = format!(
        r#"{{"args": ["{}", "127.0.0.1", "{server}", "--fault", "status=503"]}}"#,
        relay.rsplit(':').next().unwrap()
    );
    let (status, body) = call(&api, "PUT", &format!("/listeners/{id}"), Some(&faulty));
    assert_eq!(status, 200, "{body}");
    let code = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("http://{relay}/hello.txt"),
    ]);
    assert_eq!(code, b"503");

    let (status, body) = call(&api, "GET", "/connections", None);
    assert_eq!(status, 200);
    let connections: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    assert_eq!(connections.len(), 2, "{body}");
    assert_eq!(connections[0]["exchanges"][0]["status"], 200);
    assert_eq!(connections[1]["exchanges"][0]["status"], 503);
    assert!(
        connections[1]["faults"]
            .as_array()
            .is_some_and(|f| !f.is_empty()),
        "{body}"
    );
    let (status, response) = call(&api, "GET", "/connections/1/exchanges/1/response", None);
    assert_eq!(status, 200);
    assert!(
        response.starts_with("HTTP/1.") && response.ends_with("hello from the server"),
        "{response}"
    );
    let (status, _) = call(&api, "GET", "/connections/1/exchanges/9/response", None);
    assert_eq!(status, 404);

    let saved = site.path().join("suite.har");
    let save = format!(r#"{{"path": "{}"}}"#, saved.display());
    let (status, body) = call(&api, "POST", "/save", Some(&save));
    assert_eq!(status, 200, "{body}");
    let har: serde_json::Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 2);

    let (status, body) = call(
        &api,
        "POST",
        "/listeners",
        Some(r#"{"args": ["0", "--save", "x"]}"#),
    );
    assert_eq!((status, body.contains("--save")), (400, true), "{body}");
    let (status, body) = call(
        &api,
        "POST",
        "/listeners",
        Some(r#"{"args": ["0", "127.0.0.1"]}"#),
    );
    assert_eq!(status, 400, "{body}");
    let (status, _) = call(&api, "DELETE", &format!("/listeners/{id}"), None);
    assert_eq!(status, 204);
    assert!(
        std::net::TcpStream::connect(&relay).is_err(),
        "the listener is gone"
    );
    let (status, _) = call(&api, "DELETE", "/connections", None);
    assert_eq!(status, 204);
    assert_eq!(call(&api, "GET", "/connections", None).1.trim(), "[]");

    let (exited, _, _) = terminate(control, out);
    assert!(exited, "SIGTERM ends it cleanly");
}
