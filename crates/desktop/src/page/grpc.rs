//! The gRPC view of a message: its head as sent, then its body as the list of gRPC messages
//! decoded as protobuf (`tcpmon_inspect::view::grpc`), and for a response the call's status
//! from the head (a trailers-only response), HTTP/2 trailers or a gRPC-Web trailer frame.

use super::{PRETTY_LIMIT, Pager, RAW_PAGE, ViewPage, Window, raw_page, within_limit};
use crate::error::CommandError;
use tcpmon_inspect::grpc::Protocol;
use tcpmon_inspect::http1::decode::decode_payload;
use tcpmon_inspect::http1::{Head, parse_request, parse_response};
use tcpmon_inspect::view::{PrettyError, ViewKind, grpc, raw};
use tcpmon_relay::Direction;

/// The head at the start of `bytes` (a message of `window`'s direction) and the request's
/// target when it is a request; `None` for a WebSocket payload or bytes without a whole head.
fn head(window: &Window<'_>, bytes: &[u8]) -> Option<(Head, Option<String>)> {
    if window.body_only {
        return None;
    }
    match window.dir {
        Direction::ClientToServer => {
            let request = parse_request(bytes).ok()??;
            Some((request.head, Some(request.target)))
        }
        Direction::ServerToClient => Some((parse_response(bytes).ok()??.head, None)),
    }
}

/// How the body is framed, from the head's `content-type`; `None` when it is not gRPC.
fn protocol(head: &Head) -> Option<Protocol> {
    let content_type = head.header("content-type")?;
    Protocol::from_content_type(&String::from_utf8_lossy(content_type))
}

/// Whether the message at the start of `bytes` is a gRPC call's (what `auto` picks the gRPC
/// view by).
pub(super) fn is_grpc(window: &Window<'_>, bytes: &[u8]) -> bool {
    head(window, bytes).is_some_and(|(head, _)| protocol(&head).is_some())
}

/// The message at `page.offset` in the gRPC view, or raw with the reason when it is not a
/// gRPC message or is too large.
pub(super) fn page(window: &Window<'_>, page: Pager) -> Result<ViewPage, CommandError> {
    let bytes = window.read(page.offset, PRETTY_LIMIT as usize)?;
    let Some((head, target)) = head(window, &bytes) else {
        let reason = "not an HTTP message: no gRPC body to show".to_string();
        return raw_page(window, page, RAW_PAGE, Some(reason));
    };
    let Some(protocol) = protocol(&head) else {
        let content_type = head.header("content-type").map_or_else(
            || "no content-type".to_string(),
            |t| format!("content-type {}", raw::render(t).0),
        );
        let reason = format!("not a gRPC message ({content_type})");
        return raw_page(window, page, RAW_PAGE, Some(reason));
    };
    let decoded = decode_payload(&bytes, "POST");
    if !within_limit(window, page.offset, &bytes, &decoded) {
        let reason = format!(
            "a message over {} MiB is not decoded as gRPC",
            PRETTY_LIMIT >> 20
        );
        return raw_page(window, page, RAW_PAGE, Some(reason));
    }
    let exchange = window.exchange.as_ref();
    let path = target
        .as_deref()
        .or_else(|| exchange.map(|e| e.target.as_str()))
        .unwrap_or_default();
    let status_fields = match window.dir {
        Direction::ClientToServer => Vec::new(),
        Direction::ServerToClient => {
            let trailers = exchange.and_then(|e| e.h2_message(window.dir));
            text_fields(&head)
                .into_iter()
                .chain(
                    trailers
                        .into_iter()
                        .flat_map(|m| m.trailers.iter().cloned()),
                )
                .collect()
        }
    };
    let encoding = head
        .header("grpc-encoding")
        .map(|v| String::from_utf8_lossy(v).into_owned());
    let call = grpc::Call {
        protocol,
        encoding: encoding.as_deref(),
        path,
        direction: window.dir,
        status_fields: &status_fields,
        schema: window.schema,
    };
    match grpc::render(&decoded.body, &call) {
        Ok(rendered) => {
            let (mut text, head_note) = raw::render(&bytes[..decoded.head_len]);
            text.push_str(&rendered.text);
            let notes: Vec<String> = head_note
                .into_iter()
                .chain(decoded.notes)
                .chain(rendered.notes)
                .collect();
            let note = (!notes.is_empty()).then(|| notes.join("; "));
            Ok(page.of(ViewKind::Grpc, text, note, decoded.wire_len))
        }
        Err(PrettyError::OverBudget(reason) | PrettyError::NotFormat(reason)) => {
            raw_page(window, page, decoded.wire_len, Some(reason))
        }
    }
}

/// A head's fields as text (gRPC's are ASCII; anything else is replaced, not trusted).
fn text_fields(head: &Head) -> Vec<(String, String)> {
    head.headers
        .iter()
        .map(|(n, v)| {
            (
                n.to_ascii_lowercase(),
                String::from_utf8_lossy(v).into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::read_view;
    use crate::test_support::captured;
    use tcpmon_inspect::protobuf::Schema;
    use tcpmon_inspect::view::ViewKind;
    use tcpmon_relay::Direction;

    fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(payload.len()).expect("small");
        [&[flag][..], &len.to_be_bytes(), payload].concat()
    }

    fn message(head: &str, body: &[u8]) -> Vec<u8> {
        let head = format!("{head}\r\nContent-Length: {}\r\n\r\n", body.len());
        [head.as_bytes(), body].concat()
    }

    /// A gRPC-Web call over HTTP/1: `auto` shows both bodies as their messages, with the
    /// status from the trailer frame, and with field names once the schema is given.
    #[tokio::test]
    async fn a_grpc_web_call_shows_its_messages_and_status_with_and_without_the_schema() {
        let query = frame(0, b"\x0a\x03pen\x10\x02");
        let request = message(
            "POST /demo.shop.Shop/GetItem HTTP/1.1\r\nContent-Type: application/grpc-web+proto",
            &query,
        );
        let trailers = b"grpc-status: 5\r\ngrpc-message: no%20pen\r\n";
        let item = frame(0, b"\x0a\x03pen\x18\x02");
        let response = message(
            "HTTP/1.1 200 OK\r\nContent-Type: application/grpc-web+proto",
            &[item, frame(0x80, trailers)].concat(),
        );
        let (engine, id) = captured(&request, response).await;
        let store = engine.store();
        let c2s = Direction::ClientToServer;
        let s2c = Direction::ServerToClient;
        let page = read_view(store, id, c2s, ViewKind::Auto, 0, Some(0), None).expect("page");
        assert_eq!(page.view, ViewKind::Grpc);
        assert!(
            page.text
                .ends_with("\n\n[message 1] 7 bytes\n1: \"pen\"\n2: 2\n\n"),
            "{}",
            page.text
        );
        let page = read_view(store, id, s2c, ViewKind::Auto, 0, Some(0), None).expect("page");
        assert!(
            page.text.ends_with(
                "[message 1] 7 bytes\n1: \"pen\"\n3: 2\n\ngrpc-status: 5 NOT_FOUND\ngrpc-message: no pen\n"
            ),
            "{}",
            page.text
        );
        let proto = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../inspect/tests/fixtures/grpc/shop.proto"
        );
        let schema = Schema::load(std::path::Path::new(proto)).expect("schema");
        let named = read_view(store, id, s2c, ViewKind::Grpc, 0, Some(0), Some(&schema));
        let named = named.expect("page");
        assert!(
            named
                .text
                .contains("[message 1] 7 bytes, demo.shop.Item\nname: \"pen\"\nkind: KIND_TOOL\n"),
            "{}",
            named.text
        );
        let asked = read_view(store, id, c2s, ViewKind::Grpc, 0, Some(0), Some(&schema));
        assert!(
            asked
                .expect("page")
                .text
                .contains("demo.shop.Query\nname: \"pen\"\nlimit: 2\n")
        );
    }

    #[tokio::test]
    async fn the_grpc_view_of_another_body_is_raw_with_the_reason() {
        let response = message("HTTP/1.1 200 OK\r\nContent-Type: application/json", b"{}");
        let (engine, id) = captured(b"GET / HTTP/1.1\r\n\r\n", response).await;
        let s2c = Direction::ServerToClient;
        let page = read_view(engine.store(), id, s2c, ViewKind::Grpc, 0, Some(0), None);
        let page = page.expect("page");
        assert_eq!(page.view, ViewKind::Raw);
        assert_eq!(
            page.note.as_deref(),
            Some("not a gRPC message (content-type application/json): showing raw")
        );
        let auto = read_view(engine.store(), id, s2c, ViewKind::Auto, 0, Some(0), None);
        assert_eq!(auto.expect("page").view, ViewKind::Json);
    }
}
