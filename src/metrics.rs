//! [`Metrics`]: one bot's counters and its handler-latency histogram, rendered as Prometheus
//! text for `GET /metrics`.
//!
//! Each bot has its own registry (never a global one), so bots in one process, and tests
//! running side by side, count apart. Recording is an atomic add after a read-locked lookup
//! of the label set: nothing is allocated or formatted on the hot path.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// A callback's kind and how it was answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CallbackLabels {
    msg_type: &'static str,
    event: &'static str,
    status: u16,
}

/// One label, `kind` or `result` or `errcode`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ErrcodeLabel {
    errcode: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct EventLabel {
    event: &'static str,
}

/// A bot's metrics; cheap to clone (one `Arc`), shared by its store, client, media cache and
/// endpoint.
#[derive(Debug, Clone)]
pub(crate) struct Metrics {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    callbacks: Family<CallbackLabels, Counter>,
    handler_seconds: Histogram,
    /// By kind, in [`REPLY_KINDS`]' order: counted without a look-up, on every message.
    replies: [Counter; REPLY_KINDS.len()],
    deadline_fallbacks: Counter,
    customer_service_sends: Family<ErrcodeLabel, Counter>,
    uploads: Family<ResultLabel, Counter>,
    /// `wxbot_media_cache_total`'s two series, made at the start: a warm hit counts without
    /// the family's lock.
    media_hits: Counter,
    media_misses: Counter,
    token_fetches: Family<ResultLabel, Counter>,
    dedupe_replays: Counter,
    store_errors: Counter,
    /// Only for a Redis store: 0 would read as an outage where there is no Redis.
    redis_up: Option<Gauge<i64, AtomicI64>>,
    bulk_events: Family<EventLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(false)
    }
}

impl Metrics {
    /// A fresh registry with every metric at zero; `wxbot_redis_up` only when `redis`.
    pub(crate) fn new(redis: bool) -> Self {
        let mut registry = Registry::with_prefix("wxbot");
        let callbacks = Family::default();
        registry.register(
            "callbacks",
            "Callbacks by MsgType, Event and HTTP status",
            callbacks.clone(),
        );
        // 1 ms to ~8 s: WeChat's 5-second limit sits in the last buckets.
        let handler_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        registry.register(
            "handler_duration_seconds",
            "A job's time, from its start to its reply (late ones included)",
            handler_seconds.clone(),
        );
        let media_cache: Family<ResultLabel, Counter> = counted(
            &mut registry,
            "media_cache",
            "Media id look-ups: hit or miss",
        );
        // One statement each: `get_or_create`'s read guard must drop before the next creates.
        let media_hits = media_cache
            .get_or_create(&ResultLabel { result: "hit" })
            .clone();
        let media_misses = media_cache
            .get_or_create(&ResultLabel { result: "miss" })
            .clone();
        let inner = Inner {
            callbacks,
            handler_seconds,
            replies: replies(&mut registry),
            deadline_fallbacks: counted(
                &mut registry,
                "deadline_fallbacks",
                "Replies not ready by the deadline: answered success (sent later), or under \
                 \"retries\" the pending notice",
            ),
            customer_service_sends: counted(
                &mut registry,
                "customer_service_sends",
                "Customer-service sends by WeChat errcode (0 = sent)",
            ),
            uploads: counted(&mut registry, "media_uploads", "Media uploads by result"),
            media_hits,
            media_misses,
            token_fetches: counted(
                &mut registry,
                "token_fetches",
                "Access-token fetches by result",
            ),
            dedupe_replays: counted(
                &mut registry,
                "dedupe_replays",
                "Repeated deliveries answered with the first delivery's reply",
            ),
            store_errors: counted(
                &mut registry,
                "store_errors",
                "Store operations that failed",
            ),
            redis_up: redis.then(|| {
                let help = "1 while Redis answers, 0 while it is down";
                counted(&mut registry, "redis_up", help)
            }),
            bulk_events: counted(
                &mut registry,
                "bulk_events",
                "Job reports no route takes, answered success at once",
            ),
            registry,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// A callback answered with `status`; `msg_type` and `event` are `""` when it did not parse.
    pub(crate) fn callback(&self, msg_type: &'static str, event: &'static str, status: u16) {
        let labels = CallbackLabels {
            msg_type,
            event,
            status,
        };
        self.inner.callbacks.get_or_create(&labels).inc();
    }

    /// A job's time from routing to its verdict.
    pub(crate) fn handler_time(&self, took: Duration) {
        self.inner.handler_seconds.observe(took.as_secs_f64());
    }

    /// A reply of `kind`, one of [`REPLY_KINDS`] (`success` when the handler had none).
    pub(crate) fn reply(&self, kind: &'static str) {
        // A few length-and-byte compares: still no hash, no lock.
        let index = REPLY_KINDS.iter().position(|known| *known == kind);
        if let Some(counter) = index.and_then(|index| self.inner.replies.get(index)) {
            counter.inc();
        }
    }

    /// A reply that missed the deadline.
    pub(crate) fn deadline_fallback(&self) {
        self.inner.deadline_fallbacks.inc();
    }

    /// A customer-service send, with WeChat's errcode (0 when sent; `None`, shown as `none`,
    /// when no answer came). Not the hot path: the label is formatted.
    pub(crate) fn customer_service_send(&self, errcode: Option<i64>) {
        let errcode = errcode.map_or_else(|| "none".to_owned(), |code| code.to_string());
        let labels = ErrcodeLabel { errcode };
        self.inner
            .customer_service_sends
            .get_or_create(&labels)
            .inc();
    }

    /// An upload to WeChat that succeeded or not.
    pub(crate) fn upload(&self, ok: bool) {
        self.inner.uploads.get_or_create(&outcome(ok)).inc();
    }

    /// A media id found (`hit`) or not (`miss`) without uploading.
    pub(crate) fn media_cache(&self, hit: bool) {
        let inner = &self.inner;
        match hit {
            true => inner.media_hits.inc(),
            false => inner.media_misses.inc(),
        };
    }

    /// An access-token fetch from WeChat that succeeded or not.
    pub(crate) fn token_fetch(&self, ok: bool) {
        self.inner.token_fetches.get_or_create(&outcome(ok)).inc();
    }

    /// A repeated delivery answered from the first one's outcome.
    pub(crate) fn dedupe_replay(&self) {
        self.inner.dedupe_replays.inc();
    }

    /// A store operation that failed.
    pub(crate) fn store_error(&self) {
        self.inner.store_errors.inc();
    }

    /// Whether Redis answers (set on every change).
    pub(crate) fn redis_up(&self, up: bool) {
        if let Some(gauge) = &self.inner.redis_up {
            gauge.set(i64::from(up));
        }
    }

    /// A job report (`TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`, …) no route takes.
    pub(crate) fn bulk_event(&self, event: &'static str) {
        self.inner
            .bulk_events
            .get_or_create(&EventLabel { event })
            .inc();
    }

    /// Everything, in Prometheus' text format.
    pub(crate) fn render(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.inner.registry);
        text
    }
}

/// The reply kinds, as [`Metrics::reply`] numbers them.
const REPLY_KINDS: [&str; 8] = [
    "success",
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "transfer_customer_service",
];

/// `wxbot_replies_total{kind}`, one counter per kind, registered as one family.
fn replies(registry: &mut Registry) -> [Counter; REPLY_KINDS.len()] {
    let family = Family::<KindLabel, Counter>::default();
    registry.register(
        "replies",
        "Replies the handlers made, by kind",
        family.clone(),
    );
    REPLY_KINDS.map(|kind| family.get_or_create(&KindLabel { kind }).clone())
}

fn outcome(ok: bool) -> ResultLabel {
    ResultLabel {
        result: if ok { "ok" } else { "error" },
    }
}

/// Registers a new metric of type `M` under `name` and returns it.
fn counted<M>(registry: &mut Registry, name: &str, help: &str) -> M
where
    M: prometheus_client::registry::Metric + Clone + Default,
{
    let metric = M::default();
    registry.register(name, help, metric.clone());
    metric
}

#[cfg(test)]
mod tests;
