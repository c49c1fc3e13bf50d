//! What each soak connection says, derived from its id alone.
//!
//! The load generator, the server and the checker never exchange anything but bytes through
//! the relay: the client builds its requests from the id, the server answers what a request's
//! path asks for, and the checker rebuilds both directions from the id afterwards. So any
//! prefix of any stream (what a reset let through, what a truncated capture kept) can be
//! recomputed and compared, and nothing needs to be stored during the run but lengths and
//! checksums.

use crate::data::Stream;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::sync::OnceLock;

/// Levels of the hostile XML body sent as is.
const HOSTILE_XML_LEVELS: usize = 100_000;
/// Bytes of nesting in the hostile gzip body once expanded (the wire body is ~4 KB).
const HOSTILE_GZIP_EXPANDED: usize = 4 << 20;

/// The shared data generator (a 1 MiB pattern, built once).
pub fn stream() -> &'static Stream {
    static STREAM: OnceLock<Stream> = OnceLock::new();
    STREAM.get_or_init(Stream::new)
}

/// splitmix64: a small, fast generator whose output depends only on its seed.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x5eed_0f50_a47c_9d11)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// A size in `0..=max`, log-uniform: each power of two is as likely as the next, so most
    /// sizes are small and some reach `max` (real traffic looks like that, and the byte budget
    /// then buys many connections rather than a few big ones).
    pub fn size(&mut self, max: u64) -> u64 {
        let bits = u64::from(64 - max.leading_zeros());
        let e = self.below(bits + 1);
        if e == 0 {
            return 0;
        }
        let lo = 1u64 << (e - 1);
        let hi = ((1u64 << e) - 1).min(max);
        self.between(lo, hi)
    }
}

/// The kinds of connection the soak mixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// 1-50 keep-alive requests, POST bodies up to 64 KiB, responses up to 64 KiB.
    KeepAlive,
    /// `ECHO id len` and up to 1 MiB, echoed back; the client half-closes.
    Echo,
    /// 100 small requests in one write.
    Pipelined,
    /// 1-3 requests sent a byte at a time with small sleeps.
    Slow,
    /// Some requests, then a body cut short by the client's reset.
    ClientReset,
    /// Some requests, then a response cut short by the server's reset.
    ServerReset,
    /// A 100,000-level nested XML body or a 4 KB gzip body of 4 MiB nesting.
    Hostile,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 7] = [
        Kind::KeepAlive,
        Kind::Echo,
        Kind::Pipelined,
        Kind::Slow,
        Kind::ClientReset,
        Kind::ServerReset,
        Kind::Hostile,
    ];

    /// Its name in logs and reports.
    pub fn name(self) -> &'static str {
        match self {
            Kind::KeepAlive => "keep-alive",
            Kind::Echo => "echo",
            Kind::Pipelined => "pipelined",
            Kind::Slow => "slow",
            Kind::ClientReset => "client-reset",
            Kind::ServerReset => "server-reset",
            Kind::Hostile => "hostile",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The mix, by count of connections (percent).
    fn pick(roll: u64) -> Kind {
        match roll {
            0..34 => Kind::KeepAlive,
            34..42 => Kind::Echo,
            42..52 => Kind::Pipelined,
            52..58 => Kind::Slow,
            58..76 => Kind::ClientReset,
            76..94 => Kind::ServerReset,
            _ => Kind::Hostile,
        }
    }
}

/// What a request's path asks the server for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `len` bytes, `Content-Length`.
    Plain { len: usize, seed: u64 },
    /// `len` bytes of text, gzip'ed, `Content-Encoding: gzip`.
    Gzip { len: usize, seed: u64 },
    /// `len` bytes, chunked (4 KiB chunks).
    Chunked { len: usize, seed: u64 },
    /// A `Content-Length: len` response of which the server sends `cut` body bytes, then
    /// resets the connection.
    Reset { len: usize, cut: usize, seed: u64 },
    /// 100,000 levels of nested XML.
    HostileXml,
    /// A ~4 KB gzip body expanding to 4 MiB of nested XML.
    HostileGzip,
}

impl Route {
    /// The request path that asks for it.
    pub fn path(&self) -> String {
        match *self {
            Route::Plain { len, seed } => format!("/plain/{len}/{seed}"),
            Route::Gzip { len, seed } => format!("/gzip/{len}/{seed}"),
            Route::Chunked { len, seed } => format!("/chunked/{len}/{seed}"),
            Route::Reset { len, cut, seed } => format!("/reset/{len}/{cut}/{seed}"),
            Route::HostileXml => "/hostile/xml".into(),
            Route::HostileGzip => "/hostile/gzip".into(),
        }
    }

    /// The route a path names (the server's side of [`Route::path`]).
    pub fn parse(path: &str) -> Option<Route> {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u64>().ok());
        let size = |i: usize| num(i).and_then(|n| usize::try_from(n).ok());
        Some(match parts.as_slice() {
            ["plain", _, _] => Route::Plain {
                len: size(1)?,
                seed: num(2)?,
            },
            ["gzip", _, _] => Route::Gzip {
                len: size(1)?,
                seed: num(2)?,
            },
            ["chunked", _, _] => Route::Chunked {
                len: size(1)?,
                seed: num(2)?,
            },
            ["reset", _, _, _] => Route::Reset {
                len: size(1)?,
                cut: size(2)?,
                seed: num(3)?,
            },
            ["hostile", "xml"] => Route::HostileXml,
            ["hostile", "gzip"] => Route::HostileGzip,
            _ => return None,
        })
    }

    /// The whole response, and for [`Route::Reset`] how many of its bytes the server sends
    /// before resetting.
    pub fn response(&self) -> (Vec<u8>, Option<usize>) {
        match *self {
            Route::Plain { len, seed } => (with_length("", &stream().seeded(seed, len)), None),
            Route::Gzip { len, seed } => {
                let body = gzip(&text(seed, len), Compression::default());
                (with_length("Content-Encoding: gzip\r\n", &body), None)
            }
            Route::Chunked { len, seed } => (chunked(&stream().seeded(seed, len)), None),
            Route::Reset { len, cut, seed } => {
                let whole = with_length("", &stream().seeded(seed, len));
                let send = whole.len() - len + cut.min(len);
                (whole, Some(send))
            }
            Route::HostileXml => (hostile_xml().clone(), None),
            Route::HostileGzip => (hostile_gzip().clone(), None),
        }
    }
}

/// A `200 OK` with `Content-Length` and the extra header lines given.
fn with_length(extra: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 200 OK\r\nServer: soak\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// A `200 OK` whose body is sent in 4 KiB chunks.
fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\nServer: soak\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in body.chunks(4096) {
        out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// Compressible text particular to `seed`, `len` bytes.
fn text(seed: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 64);
    let mut line = 0u64;
    while out.len() < len {
        out.extend_from_slice(format!("soak {seed:x} line {line}\n").as_bytes());
        line += 1;
    }
    out.truncate(len);
    out
}

fn gzip(data: &[u8], level: Compression) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), level);
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// `levels` nested elements, as deep as they go.
fn nesting(levels: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(levels * 7);
    for _ in 0..levels {
        out.extend_from_slice(b"<a>");
    }
    for _ in 0..levels {
        out.extend_from_slice(b"</a>");
    }
    out
}

fn hostile_xml() -> &'static Vec<u8> {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        with_length(
            "Content-Type: application/xml\r\n",
            &nesting(HOSTILE_XML_LEVELS),
        )
    })
}

fn hostile_gzip() -> &'static Vec<u8> {
    static BODY: OnceLock<Vec<u8>> = OnceLock::new();
    BODY.get_or_init(|| {
        let body = gzip(&nesting(HOSTILE_GZIP_EXPANDED / 7), Compression::best());
        with_length(
            "Content-Type: application/xml\r\nContent-Encoding: gzip\r\n",
            &body,
        )
    })
}

/// One HTTP request and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// POST with a body (else GET without one).
    pub post: bool,
    /// The body's length (what `Content-Length` declares).
    pub body_len: usize,
    /// The body's data seed.
    pub body_seed: u64,
    /// What the response is.
    pub route: Route,
    /// The client sends only this many body bytes, then resets.
    pub client_cut: Option<usize>,
}

impl Step {
    /// The whole request of connection `id`, as declared (a cut one is sent in part).
    pub fn request(&self, id: u64) -> Vec<u8> {
        let method = if self.post { "POST" } else { "GET" };
        let mut head = format!(
            "{method} {} HTTP/1.1\r\nHost: soak\r\nX-Soak-Id: {id}\r\n",
            self.route.path()
        );
        if self.post {
            head.push_str(&format!("Content-Length: {}\r\n", self.body_len));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        out.extend_from_slice(&stream().seeded(self.body_seed, self.body_len));
        out
    }

    /// How many bytes of [`Step::request`] the client sends.
    pub fn sent_len(&self, id: u64) -> usize {
        let whole = self.request(id).len();
        match self.client_cut {
            Some(cut) => whole - self.body_len + cut,
            None => whole,
        }
    }

    /// Rough bytes both ways, for the byte budget (computed without building them).
    fn cost(&self) -> u64 {
        let response = match self.route {
            Route::Plain { len, .. } | Route::Chunked { len, .. } | Route::Reset { len, .. } => len,
            Route::Gzip { len, .. } => len / 8,
            Route::HostileXml => HOSTILE_XML_LEVELS * 7,
            Route::HostileGzip => 5000,
        };
        (self.body_len + response + 200) as u64
    }
}

/// A request of a usual keep-alive connection: GET or POST, a response of any kind.
fn usual_step(rng: &mut Rng, max_body: u64, max_response: u64) -> Step {
    let post = rng.below(2) == 0;
    let body_len = if post { rng.size(max_body) as usize } else { 0 };
    let body_seed = rng.next_u64();
    let len = rng.size(max_response) as usize;
    let seed = rng.next_u64();
    let route = match rng.below(10) {
        0 | 1 => Route::Gzip { len, seed },
        2 => Route::Chunked { len, seed },
        _ => Route::Plain { len, seed },
    };
    Step {
        post,
        body_len,
        body_seed,
        route,
        client_cut: None,
    }
}

/// A connection's whole script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Its id, carried in its first bytes.
    pub id: u64,
    /// What kind of connection it is.
    pub kind: Kind,
    /// Its requests (HTTP kinds).
    pub steps: Vec<Step>,
    /// Bytes after the `ECHO` line (echo only).
    pub echo_len: usize,
    /// The echo payload's seed.
    pub echo_seed: u64,
}

impl Plan {
    /// The plan of connection `id`.
    pub fn of(id: u64) -> Plan {
        let mut rng = Rng::new(id);
        let kind = Kind::pick(rng.below(100));
        let mut plan = Plan {
            id,
            kind,
            steps: Vec::new(),
            echo_len: 0,
            echo_seed: rng.next_u64(),
        };
        match kind {
            Kind::KeepAlive => {
                let n = rng.size(50).max(1);
                plan.steps = (0..n)
                    .map(|_| usual_step(&mut rng, 64 << 10, 64 << 10))
                    .collect();
            }
            Kind::Echo => plan.echo_len = rng.size(1 << 20) as usize,
            Kind::Pipelined => {
                plan.steps = (0..100).map(|_| usual_step(&mut rng, 0, 4096)).collect();
            }
            Kind::Slow => {
                let n = rng.between(1, 3);
                plan.steps = (0..n).map(|_| usual_step(&mut rng, 256, 4096)).collect();
            }
            Kind::ClientReset | Kind::ServerReset | Kind::Hostile => {
                let n = rng.below(4);
                plan.steps = (0..n)
                    .map(|_| usual_step(&mut rng, 16 << 10, 16 << 10))
                    .collect();
                plan.steps.push(last_step(kind, &mut rng));
                if kind == Kind::Hostile {
                    // The connection goes on after the hostile body.
                    plan.steps.push(usual_step(&mut rng, 1024, 1024));
                }
            }
        }
        plan
    }

    /// The echo connection's bytes: the `ECHO` line and the payload (both directions).
    pub fn echo_bytes(&self) -> Vec<u8> {
        let mut out = format!("ECHO {} {}\n", self.id, self.echo_len).into_bytes();
        out.extend_from_slice(&stream().seeded(self.echo_seed, self.echo_len));
        out
    }

    /// Both directions in full, as intended: `[client to server, server to client]`. A cut
    /// request is here whole and gets no response; a reset response is here whole.
    pub fn streams(&self) -> [Vec<u8>; 2] {
        if self.kind == Kind::Echo {
            let bytes = self.echo_bytes();
            return [bytes.clone(), bytes];
        }
        let mut c2s = Vec::new();
        let mut s2c = Vec::new();
        for step in &self.steps {
            c2s.extend_from_slice(&step.request(self.id));
            if step.client_cut.is_none() {
                s2c.extend_from_slice(&step.route.response().0);
            }
        }
        [c2s, s2c]
    }

    /// How many bytes of each of [`Plan::streams`] the sending side sends.
    pub fn sent_lens(&self, streams: &[Vec<u8>; 2]) -> [u64; 2] {
        let mut sent = [streams[0].len() as u64, streams[1].len() as u64];
        if let Some(last) = self.steps.last() {
            if last.client_cut.is_some() {
                let whole = last.request(self.id).len();
                sent[0] -= (whole - last.sent_len(self.id)) as u64;
            }
            if let (whole, Some(send)) = last.route.response() {
                sent[1] -= (whole.len() - send) as u64;
            }
        }
        sent
    }

    /// Which directions end in a reset: there the receiving side gets a prefix.
    pub fn reset(&self) -> [bool; 2] {
        [
            self.kind == Kind::ClientReset,
            self.kind == Kind::ServerReset,
        ]
    }

    /// Rough bytes both ways, for the byte budget.
    pub fn cost(&self) -> u64 {
        match self.kind {
            Kind::Echo => 2 * self.echo_len as u64 + 40,
            _ => self.steps.iter().map(Step::cost).sum(),
        }
    }
}

/// The step that makes a connection of `kind` what it is.
fn last_step(kind: Kind, rng: &mut Rng) -> Step {
    let mut step = usual_step(rng, 0, 1024);
    match kind {
        Kind::ClientReset => {
            step.post = true;
            step.body_len = rng.between(1024, 64 << 10) as usize;
            step.client_cut = Some(rng.below(step.body_len as u64) as usize);
        }
        Kind::ServerReset => {
            let len = rng.between(1024, 128 << 10) as usize;
            step.route = Route::Reset {
                len,
                cut: rng.below(len as u64) as usize,
                seed: rng.next_u64(),
            };
        }
        _ => {
            step.route = if rng.below(2) == 0 {
                Route::HostileXml
            } else {
                Route::HostileGzip
            };
        }
    }
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_round_trip_through_their_paths() {
        for id in 0..300 {
            for step in Plan::of(id).steps {
                assert_eq!(Route::parse(&step.route.path()), Some(step.route));
            }
        }
        assert_eq!(Route::parse("/plain/x/1"), None);
    }

    #[test]
    fn hostile_bodies_have_the_promised_shapes() {
        let (xml, _) = Route::HostileXml.response();
        assert!(xml.len() > 700_000 && xml.ends_with(b"</a></a>"));
        let (gz, _) = Route::HostileGzip.response();
        assert!(gz.len() < 8 << 10, "{} bytes on the wire", gz.len());
    }

    #[test]
    fn sent_lengths_leave_out_what_resets_cut() {
        let mut seen = [false; 2];
        for id in 0..2000 {
            let plan = Plan::of(id);
            let streams = plan.streams();
            let sent = plan.sent_lens(&streams);
            let reset = plan.reset();
            for d in 0..2 {
                assert!(sent[d] <= streams[d].len() as u64);
                if sent[d] < streams[d].len() as u64 {
                    assert!(reset[d], "{plan:?}");
                    seen[d] = true;
                }
            }
        }
        assert_eq!(seen, [true, true]);
    }
}
