//! The Rules panel's rules: read by the rules engine's own parser (`tcpmon_inspect::rules`, as
//! `tcpmon-cli --rules` reads a file), imported from and exported to that JSON file. Errors
//! land on the `rules` field and start with "rule N:" when one rule is wrong, so the panel can
//! show them on that rule.

use crate::error::{CommandError, ErrorKind};
use std::path::Path;
use std::sync::Arc;
use tcpmon_inspect::http1::decode::decode_payload;
use tcpmon_inspect::http1::parse_response;
use tcpmon_inspect::rules::{Action, Mock, MockBody};
use tcpmon_inspect::url::split_url;
use tcpmon_relay::rules::{RuleSet, Rules, RulesFileError, RulesSource};
use tcpmon_relay::{ConnId, ConnectionRecord, Direction, Engine, Error, ListenerInfo, Mode, Store};

/// The rules a listener runs: none for none or an empty list, else checked as the CLI checks a
/// file (`map` needs proxy mode), except that `break` rules are the app's to run.
pub fn listener_rules(source: Option<&RulesSource>, mode: &Mode) -> Result<Rules, CommandError> {
    let Some(source) = source.filter(|s| !s.text.trim().is_empty()) else {
        return Ok(Rules(None));
    };
    let set = RuleSet::from_source(source.clone()).map_err(refused)?;
    set.check(mode, true).map_err(refused)?;
    Ok(Rules((!set.rules().is_empty()).then(|| Arc::new(set))))
}

/// Headers a mock does not copy from the response it is made from: the relay frames the body
/// itself, and a decoded body has no coding left.
const NOT_COPIED: [&str; 5] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "content-encoding",
];

/// "Mock from this row": a mock rule answering exchange `index`'s request (`method:M path:P`)
/// with its captured response (status, headers, decoded body as text), added last to the
/// rules of the listener that captured it, which follows them from its next connection.
pub fn mock_from_row(
    engine: &Engine,
    id: ConnId,
    index: usize,
) -> Result<ListenerInfo, CommandError> {
    let store = engine.store();
    let record = store.record(id).ok_or(Error::NoSuchConnection(id.0))?;
    let listener = engine.listener(record.listener)?;
    let rule = mock_rule(store, &record, index)?;
    let mut list: Vec<serde_json::Value> = match &listener.config.rules.0 {
        Some(set) => serde_json::from_str(&set.source().text).unwrap_or_default(),
        None => Vec::new(),
    };
    list.push(rule);
    let text = serde_json::to_string_pretty(&list).unwrap_or_default();
    let folder =
        (listener.config.rules.0.as_ref()).map_or_else(String::new, |s| s.source().folder.clone());
    let source = RulesSource { text, folder };
    let rules = listener_rules(Some(&source), &listener.config.mode)?;
    Ok(engine.set_rules(record.listener, rules)?)
}

/// The mock rule made from exchange `index` of `record`.
fn mock_rule(
    store: &Store,
    record: &ConnectionRecord,
    index: usize,
) -> Result<serde_json::Value, CommandError> {
    let refused = |why: String| CommandError::new(ErrorKind::InvalidInput, why);
    let exchange = (record.exchanges.get(index)).ok_or(Error::NoSuchExchange {
        conn: record.id.0,
        index,
    })?;
    let row = format!("exchange {} of connection {}", index + 1, record.id);
    if exchange.version == 2 {
        return Err(refused(format!(
            "{row} is HTTP/2: rules act on HTTP/1 only"
        )));
    }
    let (Some(status), Some(span)) = (exchange.status, exchange.response.as_ref()) else {
        return Err(refused(format!("{row} has no response to mock yet")));
    };
    let response = store.read_row(record, Some(index), Direction::ServerToClient)?;
    let at = usize::try_from(span.head_at() - span.start)
        .unwrap_or(0)
        .min(response.len());
    let response = &response[at..];
    let head = parse_response(response)
        .ok()
        .flatten()
        .ok_or_else(|| refused(format!("{row}: its response head was not captured whole")))?;
    let decoded = decode_payload(response, &exchange.method);
    let body = std::str::from_utf8(&decoded.body).map_err(|_| {
        refused(format!("{row}: its response body is binary; a mock's body is text (save it to a file and name it in bodyFile)"))
    })?;
    let mut headers = serde_json::Map::new();
    for (name, value) in &head.head.headers {
        if !NOT_COPIED.contains(&name.to_ascii_lowercase().as_str()) {
            headers.insert(
                name.clone(),
                String::from_utf8_lossy(value).into_owned().into(),
            );
        }
    }
    let path = split_url(&exchange.target).origin_form();
    let path = path.split('?').next().unwrap_or("/");
    let path = if path.contains([' ', '"']) {
        format!("\"{}\"", path.replace('"', ""))
    } else {
        path.to_string()
    };
    Ok(serde_json::json!({
        "when": format!("method:{} path:{path}", exchange.method),
        "then": {"mock": {"status": status, "headers": headers, "body": body}},
    }))
}

/// "Import...": the rules file at `path`, checked, as its text and folder.
pub fn import(path: &Path) -> Result<RulesSource, CommandError> {
    Ok(RuleSet::load(path).map_err(refused)?.source().clone())
}

/// "Export...": writes `text` to `path` once the parser takes it there, so that
/// `tcpmon-cli --rules` reads the file the panel wrote. Mock body files, relative to `from`
/// (the folder the rules came from), are copied beside it into the new folder first, at the
/// same relative paths; a different file already there is not overwritten.
pub fn export(path: &Path, text: &str, from: &Path) -> Result<(), CommandError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    if !from.as_os_str().is_empty() {
        let rules = tcpmon_inspect::rules::parse(text, from);
        let rules = rules.map_err(|e| refused(invalid(path, e)))?;
        for rule in &rules {
            if let Action::Mock(Mock {
                body: MockBody::File(file),
                ..
            }) = &rule.action
            {
                copy_body(file, from, folder)?;
            }
        }
    }
    tcpmon_inspect::rules::parse(text, folder).map_err(|e| refused(invalid(path, e)))?;
    std::fs::write(path, text).map_err(|e| io_error(path, "write", &e))
}

/// Copies body file `file` (inside `from`) to the same place under `to`, unless it is there.
fn copy_body(file: &Path, from: &Path, to: &Path) -> Result<(), CommandError> {
    let Ok(relative) = file.strip_prefix(from) else {
        return Ok(());
    };
    let target = to.join(relative);
    let source = std::fs::read(file).map_err(|e| io_error(file, "read", &e))?;
    match std::fs::read(&target) {
        Ok(there) if there == source => return Ok(()),
        Ok(_) => {
            let message = format!(
                "{} exists and differs from the mock body {}: not overwritten (export to another folder)",
                target.display(),
                file.display()
            );
            return Err(CommandError::new(ErrorKind::Io, message).on("rules"));
        }
        Err(_) => {}
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io_error(parent, "create", &e))?;
    }
    std::fs::write(&target, source).map_err(|e| io_error(&target, "write", &e))
}

fn io_error(path: &Path, verb: &str, e: &std::io::Error) -> CommandError {
    let message = format!("cannot {verb} {}: {e}", path.display());
    CommandError::new(ErrorKind::Io, message).on("rules")
}

fn invalid(path: &Path, source: tcpmon_inspect::rules::RulesError) -> RulesFileError {
    RulesFileError::Invalid {
        path: path.to_path_buf(),
        source,
    }
}

/// A rules error on the `rules` field, in the parser's words ("rule 2: ...").
fn refused(error: RulesFileError) -> CommandError {
    let (kind, message) = match error {
        RulesFileError::Invalid { source, .. } => (ErrorKind::InvalidInput, source.to_string()),
        RulesFileError::Read { what, source, .. } => (ErrorKind::Io, format!("{what}: {source}")),
    };
    CommandError::new(kind, message).on("rules")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tcpmon_relay::HostPort;

    const MOCK: &str =
        r#"[{"when": "path:/mocked", "then": {"mock": {"status": 418, "body": "teapot"}}}]"#;

    fn source(text: &str) -> RulesSource {
        RulesSource {
            text: text.into(),
            folder: ".".into(),
        }
    }

    #[test]
    fn the_panels_rules_are_read_as_the_cli_reads_a_file() {
        let proxy = Mode::HttpProxy;
        let rules = listener_rules(Some(&source(MOCK)), &proxy).unwrap();
        assert_eq!(rules.0.unwrap().rules()[0].when, "path:/mocked");
        assert_eq!(listener_rules(None, &proxy).unwrap(), Rules(None));
        assert_eq!(
            listener_rules(Some(&source(" ")), &proxy).unwrap(),
            Rules(None)
        );
        assert_eq!(
            listener_rules(Some(&source("[]")), &proxy).unwrap(),
            Rules(None)
        );
        let bad = listener_rules(Some(&source(r#"[{"when": "a", "then": {"mock": {}}}, {"when": "a", "on": "sideways", "then": {"mock": {}}}]"#)), &proxy).unwrap_err();
        assert_eq!(
            (bad.kind, bad.field),
            (ErrorKind::InvalidInput, Some("rules"))
        );
        assert!(
            bad.message.starts_with("rule 2: on \"sideways\""),
            "{}",
            bad.message
        );
    }

    #[test]
    fn maps_are_refused_with_the_engines_words_and_breakpoints_run() {
        let forward = Mode::Forward {
            target: HostPort::new("127.0.0.1", 80),
        };
        let map = source(r#"[{"when": "path:/", "then": {"map": "a:1"}}]"#);
        let bad = listener_rules(Some(&map), &forward).unwrap_err();
        assert!(
            bad.message.starts_with("rule 1: map needs proxy mode"),
            "{}",
            bad.message
        );
        let pause = source(r#"[{"when": "path:/", "then": {"break": "request"}}]"#);
        let rules = listener_rules(Some(&pause), &forward).unwrap();
        assert_eq!(rules.0.unwrap().rules()[0].action.name(), "break");
    }

    #[test]
    fn an_exported_file_imports_back_and_a_wrong_one_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rules.json");
        export(&file, MOCK, Path::new("")).unwrap();
        let back = import(&file).unwrap();
        assert_eq!(back.text, MOCK);
        assert_eq!(back.folder, dir.path().display().to_string());
        let wrong = dir.path().join("wrong.json");
        let bad = export(&wrong, "{}", Path::new("")).unwrap_err();
        assert_eq!(bad.field, Some("rules"));
        assert!(!wrong.exists());
        assert_eq!(import(&wrong).unwrap_err().kind, ErrorKind::Io);
    }

    #[test]
    fn an_export_to_another_folder_takes_the_mock_bodies_along() {
        let from = tempfile::tempdir().unwrap();
        std::fs::create_dir(from.path().join("bodies")).unwrap();
        std::fs::write(from.path().join("bodies/users.json"), "[1]").unwrap();
        let text = r#"[{"when": "path:/u", "then": {"mock": {"bodyFile": "bodies/users.json"}}}]"#;
        let to = tempfile::tempdir().unwrap();
        let file = to.path().join("rules.json");
        export(&file, text, from.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(to.path().join("bodies/users.json")).unwrap(),
            "[1]"
        );
        let set = RuleSet::load(&file).unwrap();
        assert_eq!(
            set.rules().len(),
            1,
            "the exported file loads, body file and all"
        );
        export(&file, text, from.path()).unwrap();
        std::fs::write(to.path().join("bodies/users.json"), "[2]").unwrap();
        let clash = export(&file, text, from.path()).unwrap_err();
        assert!(
            clash.message.contains("not overwritten"),
            "{}",
            clash.message
        );
    }

    #[tokio::test]
    async fn a_captured_exchange_becomes_a_mock_its_listener_follows_from_its_next_connection() {
        let response = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Served: yes\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n";
        let (engine, id) = crate::test_support::captured(
            b"GET /api/items?page=2 HTTP/1.1\r\nHost: x\r\n\r\n",
            response.to_vec(),
        )
        .await;
        let info = mock_from_row(&engine, id, 0).unwrap();
        let rules = info.config.rules.0.unwrap();
        let rule = &rules.rules()[0];
        assert_eq!(rule.when, "method:GET path:/api/items");
        let mock: serde_json::Value = serde_json::from_str(&rules.source().text).unwrap();
        assert_eq!(
            mock[0]["then"]["mock"],
            serde_json::json!({"status": 200, "headers": {"Content-Type": "application/json", "X-Served": "yes"}, "body": "{\"a\":1}"})
        );
        // A second one goes after the first; the listener's own settings say so.
        mock_from_row(&engine, id, 0).unwrap();
        let now = engine.listener(info.id).unwrap().config.rules.0.unwrap();
        assert_eq!(now.rules().len(), 2);
        let relay = engine.listener(info.id).unwrap().local_addr.unwrap();
        let mut client = tokio::net::TcpStream::connect(relay).await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        client
            .write_all(b"GET /api/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.unwrap();
        let got = String::from_utf8(got).unwrap();
        assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
        assert!(
            got.ends_with("\r\n\r\n{\"a\":1}"),
            "the mock answered: {got}"
        );
        assert_eq!(now.hits(), [1, 0]);
        let none = mock_from_row(&engine, id, 5).unwrap_err();
        assert_eq!(none.kind, ErrorKind::NotFound);
    }
}
