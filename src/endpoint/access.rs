//! The access log: one line per request (method, path, status, latency, MsgType and MsgId
//! where known, the request's id), and the request's id itself: taken from an upstream's
//! `X-Request-Id` when it is sane, made up otherwise, carried by a span around everything the
//! request runs (its handler, and a late reply's task), and answered as `X-Request-Id`.

use std::fmt;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument as _;

use super::{Logged, Refusal};

/// The access line's target, as it was when the log lived in `endpoint.rs`: filters and
/// tests name it.
const TARGET: &str = "wxbot::endpoint";

/// The header an upstream (nginx's `$request_id`) may set, and the answer carries.
static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Whether the access line gives its latency as `latency_ms`, a number (for JSON logs),
/// rather than `latency`, a duration for people.
static LATENCY_IN_MS: AtomicBool = AtomicBool::new(false);

/// Makes the access line's latency `latency_ms`, a number of milliseconds: `serve` asks for
/// it with `server.log_format = "json"`.
#[cfg(feature = "cli")]
pub(crate) fn latency_in_ms(on: bool) {
    LATENCY_IN_MS.store(on, Ordering::Relaxed);
}

/// Whether to mount [`log_request`]: decided once, so with `RUST_LOG` above `info` the
/// access log (and the request id with it) costs nothing per request.
pub(crate) fn logging() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::INFO)
}

/// One line per request, after it is answered; the request runs in a span carrying its id,
/// so every line it logs, in the handler or later in a late reply's task, carries it too.
/// [`configure`](super::configure) mounts it on the callback; `serve` also on its answer to
/// other paths.
pub(crate) async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !tracing::enabled!(target: TARGET, tracing::Level::INFO) {
        return next.call(req).await;
    }
    let id = RequestId::of(req.headers());
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let span = tracing::info_span!(target: TARGET, "request", request_id = %id);
    let mut response = next.call(req).instrument(span).await?;
    let latency = start.elapsed();
    response
        .headers_mut()
        .insert(X_REQUEST_ID.clone(), id.0.clone());
    log_line(&response, &method, &path, latency, &id);
    Ok(response)
}

/// The access line itself, outside the request's span: its id is one of its own fields.
fn log_line<B>(
    response: &ServiceResponse<B>,
    method: &actix_web::http::Method,
    path: &str,
    latency: Duration,
    id: &RequestId,
) {
    let status = response.status().as_u16();
    let extensions = response.response().extensions();
    let header = extensions.get::<Logged>().map(|logged| &logged.0.header);
    let msg_type = header.map(|h| h.msg_type.as_str());
    let msg_id = header.and_then(|h| h.msg_id.as_ref()).map(|id| id.as_str());
    let refusal = extensions
        .get::<Refusal>()
        .map(|refusal| refusal.0.as_str());
    let request_id = id.as_str();
    if LATENCY_IN_MS.load(Ordering::Relaxed) {
        // Microseconds kept: 0.412, not 0.41200000000000003.
        let latency_ms = latency.as_micros() as f64 / 1000.0;
        // Every field the contract names is present in JSON, empty where unknown (an event
        // has no MsgId, a refusal no message).
        let (msg_type, msg_id) = (msg_type.unwrap_or_default(), msg_id.unwrap_or_default());
        tracing::info!(target: TARGET, %method, path, status, latency_ms, msg_type, msg_id, %request_id, refusal, "request");
    } else {
        tracing::info!(target: TARGET, %method, path, status, ?latency, msg_type, msg_id, %request_id, refusal, "request");
    }
}

/// A request's id: an upstream's sane `X-Request-Id`, or a process-unique one.
#[derive(Debug, Clone)]
struct RequestId(HeaderValue);

impl RequestId {
    /// The incoming `X-Request-Id` when it is 1 to 64 letters, digits or `-_.:` (nothing
    /// that could forge a log field); else a new one.
    fn of(headers: &HeaderMap) -> Self {
        match headers.get(&X_REQUEST_ID) {
            Some(given) if sane(given.as_bytes()) => Self(given.clone()),
            _ => Self::new(),
        }
    }

    /// A random prefix drawn once per process, then a counter: unique without a random draw
    /// per request, and distinct across instances and restarts.
    fn new() -> Self {
        static PREFIX: LazyLock<u32> =
            LazyLock::new(|| getrandom::u32().unwrap_or_else(|_| std::process::id()));
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // By hand: `format!` costs more than the id is worth on every request.
        let mut id = String::with_capacity(16);
        push_hex(&mut id, u64::from(*PREFIX), 8);
        push_hex(&mut id, n, 8);
        // Hex digits only: always a valid header value.
        Self(HeaderValue::try_from(id).unwrap_or_else(|_| HeaderValue::from_static("0")))
    }

    /// The id as text (only visible ASCII, by construction).
    fn as_str(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `n` in lowercase hex, at least `width` digits.
fn push_hex(out: &mut String, n: u64, width: u32) {
    let digits = (u64::BITS - n.leading_zeros()).div_ceil(4).max(width);
    for shift in (0..digits).rev() {
        let nibble = (n >> (shift * 4)) & 0xf;
        out.push(char::from_digit(nibble as u32, 16).unwrap_or('0'));
    }
}

fn sane(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_ids_are_distinct_hex() {
        let (a, b) = (RequestId::new(), RequestId::new());
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 16);
        assert!(a.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(a.as_str()[..8], b.as_str()[..8], "one prefix per process");
    }

    #[test]
    fn hex_is_padded_and_grows() {
        let hex = |n, width| {
            let mut out = String::new();
            push_hex(&mut out, n, width);
            out
        };
        assert_eq!(hex(0, 8), "00000000");
        assert_eq!(hex(0xdead_beef, 8), "deadbeef");
        assert_eq!(hex(0x1_0000_0000, 8), "100000000");
        assert_eq!(hex(u64::MAX, 8), "ffffffffffffffff");
    }

    #[test]
    fn an_upstream_id_is_kept_only_when_sane() {
        let given = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(X_REQUEST_ID.clone(), HeaderValue::from_str(value).unwrap());
            RequestId::of(&headers).as_str().to_owned()
        };
        let nginx = "5b8c2f0e9d1a4c3b8e7f6a5d4c3b2a10";
        assert_eq!(given(nginx), nginx);
        assert_eq!(given("req-1_a.b:c"), "req-1_a.b:c");
        for forged in ["", "a b", "x\" status=500", &"a".repeat(65), "é"] {
            if let Ok(value) = HeaderValue::from_str(forged) {
                let mut headers = HeaderMap::new();
                headers.insert(X_REQUEST_ID.clone(), value);
                let id = RequestId::of(&headers);
                assert_ne!(id.as_str(), forged, "{forged:?} kept");
                assert_eq!(id.as_str().len(), 16, "{forged:?}: a new one instead");
            }
        }
        assert_eq!(RequestId::of(&HeaderMap::new()).as_str().len(), 16);
    }
}
