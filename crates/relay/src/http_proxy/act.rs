//! Rules acting in the proxy's exchange loop (forward mode with rules runs it too): a request
//! is held whole when a rule needs its body, then mocked, mapped or edited, then paused when a
//! `break` rule matches it; a response is edited, then paused, before it goes on to the
//! client. What each rule did goes on the record; the capture keeps what the client sent and
//! received.

use super::{ClientIn, Result, bad_response, fill_from};
use crate::breakpoints::{At, Resolution, describe as paused, pause};
use crate::record::Direction;
use crate::rules::{BODY_CAP, RuleSet};
use std::sync::Arc;
use tcpmon_inspect::http1::{BodyDecoder, Framing, RequestHead, ResponseHead};
use tcpmon_inspect::rules::apply::{edit, matching, with_length};
use tcpmon_inspect::rules::{Action, MapTo, Modify, Phase, Rule};

/// A body being held for the rules: its payload, and how many framed bytes it took.
struct Holder {
    decoder: BodyDecoder,
    payload: Vec<u8>,
    used: usize,
}

impl Holder {
    /// `None` when the body is declared larger than the cap.
    fn new(framing: Framing) -> Option<Self> {
        match framing {
            Framing::Length(n) if n > BODY_CAP as u64 => None,
            _ => Some(Self {
                decoder: BodyDecoder::new(framing),
                payload: Vec::new(),
                used: 0,
            }),
        }
    }

    /// Follows the body over `after_head` (everything read after the head so far); whether
    /// it is complete. Errors are the framing's.
    fn advance(
        &mut self,
        after_head: &[u8],
    ) -> std::result::Result<bool, tcpmon_inspect::http1::FramingError> {
        let payload = &mut self.payload;
        self.used += self.decoder.feed(&after_head[self.used..], &mut |p| {
            payload.extend_from_slice(p)
        })?;
        Ok(self.decoder.is_done())
    }

    fn too_big(&self) -> bool {
        self.used > BODY_CAP
    }
}

/// Whether any enabled `phase` rule reads, replaces or pauses the body.
fn wants_body(rules: &[Rule], phase: Phase) -> bool {
    rules.iter().any(|r| {
        r.enabled
            && r.phase == phase
            && (r.query.needs_body()
                || matches!(
                    r.action,
                    Action::Modify(Modify::ReplaceBody(_)) | Action::Break(_)
                ))
    })
}

/// The rules' verdict on one request.
pub(super) struct OnRequest {
    /// The first matching mock: its rule.
    pub mock: Option<usize>,
    /// The first matching map, and its rule.
    pub map: Option<(usize, MapTo)>,
    /// Matching modify rules, in order.
    pub edits: Vec<usize>,
    /// The first matching breakpoint.
    pub pause: Option<usize>,
    /// The body, when held whole: its payload and framed length.
    pub held: Option<(Vec<u8>, usize)>,
    /// The client's request as the rules saw it (head, and the held body).
    pub request: Vec<u8>,
}

/// Matches the request at the front of the client's buffer, holding its body first when a
/// rule needs it (and it is at most [`BODY_CAP`]).
pub(super) async fn on_request(
    client_in: &mut ClientIn<'_>,
    head: &RequestHead,
    set: &RuleSet,
    host: &str,
) -> Result<OnRequest> {
    let rules = set.rules();
    let mut held = None;
    if wants_body(rules, Phase::Request) {
        if let Some(mut holder) = Framing::for_request(head).ok().and_then(Holder::new) {
            loop {
                let after = &client_in.buf[head.head.len..];
                let done = holder.advance(after).map_err(super::bad_request)?;
                if done || holder.too_big() {
                    held = done.then(|| (std::mem::take(&mut holder.payload), holder.used));
                    break;
                }
                if client_in.fill().await? == 0 {
                    break;
                }
            }
        }
    }
    let len = head.head.len + held.as_ref().map_or(0, |(_, used)| *used);
    let request = client_in.buf[..len].to_vec();
    let mut verdict = OnRequest {
        mock: None,
        map: None,
        edits: Vec::new(),
        pause: None,
        held,
        request,
    };
    for i in matching(rules, Phase::Request, &verdict.request, None, host) {
        match &rules[i].action {
            Action::Mock(_) if verdict.mock.is_none() => verdict.mock = Some(i),
            Action::Map(to) if verdict.map.is_none() => verdict.map = Some((i, to.clone())),
            Action::Modify(_) => verdict.edits.push(i),
            Action::Break(_) if verdict.pause.is_none() => verdict.pause = Some(i),
            _ => {}
        }
    }
    Ok(verdict)
}

/// The modify actions of `indexes`.
fn modifies<'a>(rules: &'a [Rule], indexes: &[usize]) -> Vec<&'a Modify> {
    indexes
        .iter()
        .filter_map(|&i| match &rules[i].action {
            Action::Modify(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// In words, what a modify rule did; a body edit with the `notes` of what it could not do.
fn describe(rule: &Rule, phase: Phase, notes: &[String]) -> String {
    if matches!(rule.action, Action::Modify(Modify::ReplaceBody(_))) && !notes.is_empty() {
        let name = match phase {
            Phase::Request => "request",
            Phase::Response => "response",
        };
        return format!("{}; the {name} body went on as it was", notes.join("; "));
    }
    let which = match phase {
        Phase::Request => "request (as the server got it; the capture keeps the client's)",
        Phase::Response => "response (the capture has it changed; the server sent it as it was)",
    };
    let what = match &rule.action {
        Action::Modify(Modify::SetHeader(set)) => {
            let names: Vec<&str> = set.iter().map(|(n, _)| n.as_str()).collect();
            format!("set {}", names.join(", "))
        }
        Action::Modify(Modify::RemoveHeader(names)) => format!("removed {}", names.join(", ")),
        Action::Modify(Modify::ReplaceBody(_)) => "replaced body text".into(),
        _ => String::new(),
    };
    format!("{what} in the {which}")
}

/// Applies the matched edits to the request's wire head (and held body), says so on the
/// record; the head to send, and the new body when one replaces the client's.
pub(super) fn edit_request(
    set: &RuleSet,
    ctx_exchange: (&crate::conn::ConnCtx, usize),
    verdict: &OnRequest,
    wire_head: &[u8],
) -> (Vec<u8>, Option<Vec<u8>>) {
    let rules = set.rules();
    let held = verdict.held.as_ref().map(|(payload, _)| payload.as_slice());
    let edited = edit(wire_head, held, &modifies(rules, &verdict.edits));
    let (ctx, exchange) = ctx_exchange;
    for &i in &verdict.edits {
        let what = describe(&rules[i], Phase::Request, &edited.notes);
        set.acted(ctx, exchange, i, what);
    }
    (edited.head, edited.body)
}

/// A mocked request's response, with the rule's hit written on the record.
pub(super) fn mock(
    set: &Arc<RuleSet>,
    ctx_exchange: (&crate::conn::ConnCtx, usize),
    rule: usize,
) -> Vec<u8> {
    let Action::Mock(mock) = &set.rules()[rule].action else {
        unreachable!("verdict.mock names a mock rule");
    };
    let (ctx, exchange) = ctx_exchange;
    let what = format!("answered {} without the target", mock.status);
    set.acted(ctx, exchange, rule, what);
    mock.response(set.body(rule))
}

/// What the response rules say about one exchange.
pub(super) struct ResponseRules<'a> {
    pub set: &'a RuleSet,
    pub ctx: &'a crate::conn::ConnCtx,
    pub exchange: usize,
    /// The client's request as the request rules saw it.
    pub request: &'a [u8],
    pub host: &'a str,
}

/// What the response rules made of a response.
pub(super) enum Answer {
    /// It goes on as the server sent it.
    Unchanged,
    /// It goes on with this head, and this payload instead of the server's (whose framed body
    /// was then taken from the buffer whole) or `None` for the server's body.
    Changed(Vec<u8>, Option<Vec<u8>>),
    /// A breakpoint dropped it: the client's connection closes.
    Drop,
}

/// A final response (its head at the front of `buf`) after the response rules: edited by the
/// modify rules that match, then paused when a `break` rule does. Its body is held first
/// when a rule needs it; a body delimited by the close ends the connection once held.
pub(super) async fn on_response(
    rules: &ResponseRules<'_>,
    r: &mut crate::conn::Reader,
    buf: &mut Vec<u8>,
    head: &ResponseHead,
    framing: Framing,
    rec: &crate::conn::Recorder<'_>,
) -> Result<Answer> {
    let list = rules.set.rules();
    if !list.iter().any(|r| r.enabled && r.phase == Phase::Response) {
        return Ok(Answer::Unchanged);
    }
    let mut held = None;
    if wants_body(list, Phase::Response) {
        if let Some(mut holder) = Holder::new(framing) {
            loop {
                let done = holder
                    .advance(&buf[head.head.len..])
                    .map_err(bad_response)?;
                if done || holder.too_big() {
                    held = done.then(|| (std::mem::take(&mut holder.payload), holder.used));
                    break;
                }
                if fill_from(r, buf, rec).await? == 0 {
                    if framing == Framing::UntilClose {
                        held = Some((std::mem::take(&mut holder.payload), holder.used));
                    }
                    break;
                }
            }
        }
    }
    let len = head.head.len + held.as_ref().map_or(0, |(_, used)| *used);
    let matched = matching(
        list,
        Phase::Response,
        rules.request,
        Some(&buf[..len]),
        rules.host,
    );
    let breakpoint = matched
        .iter()
        .copied()
        .find(|&i| matches!(list[i].action, Action::Break(_)));
    let edits: Vec<usize> = (matched.into_iter())
        .filter(|&i| matches!(list[i].action, Action::Modify(_)))
        .collect();
    if edits.is_empty() && breakpoint.is_none() {
        return Ok(Answer::Unchanged);
    }
    let payload = held.as_ref().map(|(p, _)| p.as_slice());
    let edited = edit(&buf[..head.head.len], payload, &modifies(list, &edits));
    for &i in &edits {
        let what = describe(&list[i], Phase::Response, &edited.notes);
        rules.set.acted(rules.ctx, rules.exchange, i, what);
    }
    let (mut new_head, mut new_body) = (edited.head, edited.body);
    let mut dropped = false;
    if let Some(rule) = breakpoint {
        let shown = new_body.clone().or_else(|| payload.map(<[u8]>::to_vec));
        let at = At {
            exchange: rules.exchange,
            phase: Phase::Response,
            rule,
        };
        let resolution = pause(rules.ctx, &at, new_head.clone(), shown.clone()).await;
        let what = paused(Phase::Response, &resolution);
        rules.set.acted(rules.ctx, rules.exchange, rule, what);
        match resolution {
            Resolution::Unchanged if edits.is_empty() => return Ok(Answer::Unchanged),
            Resolution::Unchanged => {}
            Resolution::Drop => dropped = true,
            Resolution::Edited { head, body } => match body.or(shown) {
                Some(body) => {
                    new_head = with_length(&head, body.len());
                    new_body = Some(body);
                }
                None => new_head = head,
            },
            Resolution::Respond { head, body } => {
                new_head = with_length(&head, body.len());
                new_body = Some(body);
            }
        }
    }
    // The capture gets what the client does; the server's response is kept beside it.
    let whole = held.is_some();
    let kept = if whole { len } else { head.head.len };
    let exchange = rules.exchange;
    (rules.ctx).keep_server_side(exchange, Direction::ServerToClient, &buf[..kept], whole);
    if dropped {
        return Ok(Answer::Drop);
    }
    if new_body.is_some() {
        buf.drain(head.head.len..len);
    }
    Ok(Answer::Changed(new_head, new_body))
}
