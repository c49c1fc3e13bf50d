//! Pure, synchronous functions over captured bytes.
//!
//! Nothing here knows about sockets, tasks or the desktop: every function takes bytes (or plain
//! values) and returns values, so the relay, the CLI and the app share one implementation and
//! tests need no network.
//!
//! - [`Direction`]: which way bytes travel, for every crate.
//! - [`http1`]: HTTP/1.x message heads and body framing, fed incrementally at any byte boundary;
//!   whole messages decoded for reading (`http1::decode`).
//! - [`exchange`]: a connection's request/response pairs, found as its bytes arrive.
//! - [`h2`]: HTTP/2 followed passively: frames, HPACK, each stream's heads, body positions and
//!   ends, at any byte boundary (not yet wired into [`exchange`]).
//! - [`formats`]: file formats other tools read (Apache TCPMon 1.0 text, HAR, curl commands),
//!   and HAR read back; files themselves are `tcpmon-files`'.
//! - [`view`]: renderings for people: raw text, hex, pretty XML, pretty JSON.
//! - [`url`]: URLs and `host:port` authorities split one way; percent and form encoding.
//! - [`rewrite`]: the Host header rewritten on a live request stream.
//! - [`rules`]: "when SEARCH then ACTION" rules (mock, map, modify) parsed, matched against a
//!   message and applied to its bytes.
//! - [`compose`]: a request typed into the Sender, made ready to send.
//! - [`search`]: the search box's query language over exchanges and raw streams.
//! - [`tls`]: what a TLS ClientHello says in clear (the server name asked for), and the
//!   certificate and trust facts a connection's record keeps.
//! - [`sse`]: Server-Sent Events (`text/event-stream`) read from a response body at any byte
//!   boundary.
//! - [`ws`]: WebSocket frames and messages (masking, fragments, control frames,
//!   permessage-deflate), followed at any byte boundary.
//! - [`diff`]: two messages compared as text (bodies decoded and indented), a unified diff.
//! - [`edit`]: keeping an edited HTTP message consistent before it is resent.
//! - [`grpc`]: gRPC and gRPC-Web bodies split into messages at any byte boundary (compressed
//!   ones decoded, capped), and the status their trailers give.
//! - [`protobuf`]: a message's fields without a schema, printed as `protoc --decode_raw` prints
//!   them; with a `.proto` file or descriptor set, as JSON and text with field names.

pub mod compose;
pub mod diff;
mod direction;
pub mod edit;
pub mod exchange;
pub mod formats;
pub mod grpc;
pub mod h2;
pub mod http1;
pub mod protobuf;
pub mod rewrite;
pub mod rules;
pub mod search;
pub mod sse;
pub mod tls;
pub mod url;
pub mod view;
pub mod ws;

pub use direction::Direction;
