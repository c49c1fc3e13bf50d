//! What the TCPMon desktop app does, without Tauri, so it builds and tests in seconds and the
//! Tauri shell stays a list of thin commands.
//!
//! - [`form`]: the admin form's text fields into a listener config, with per-field errors.
//! - [`error`]: the one error type commands return, with a stable `kind` for the UI.
//! - [`page`]: one page of a view of a connection's bytes.
//! - [`messages`]: a WebSocket's messages or an event stream's events, listed by page, and one's
//!   payload viewed.
//! - [`resend`]: the request a Resend sends, as captured or as edited.
//! - [`search`]: the rows a search box query matches.
//! - [`batch`]: engine events gathered into a few batches a second.
//! - [`settings`]: the UI's settings file.
//! - [`launch`]: `tcpmon [LISTEN_PORT [TARGET_HOST TARGET_PORT]]`.
//! - [`sessions`]: opened session files, by id.
//! - [`capture`]: the capture limit, and the captures crashes left behind.
//! - [`ca`]: the local CA's certificate, exported where the user chose.
//! - [`rules`]: the Rules panel's rules, checked by the CLI's parser, imported and exported.
//! - [`breakpoints`]: the paused-message editor's text, and the decision it sends.

pub mod batch;
pub mod breakpoints;
#[cfg(feature = "tls")]
pub mod ca;
pub mod capture;
pub mod compare;
pub mod error;
pub mod form;
pub mod launch;
pub mod messages;
pub mod page;
pub mod resend;
pub mod rules;
pub mod search;
pub mod sessions;
pub mod settings;
#[cfg(test)]
mod test_support;
