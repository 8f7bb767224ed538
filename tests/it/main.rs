//! The one integration-test binary (one link step for the whole suite).

// Test modules share helpers with plain `pub`; nothing here is a public API.
#![allow(unreachable_pub)]

// The demo bot, compiled here as in `src/main.rs`, so tests run the real `handlers::router()`.
#[allow(dead_code, unreachable_pub)]
#[path = "../../handlers/mod.rs"]
mod handlers;

/// Shared helpers for the modules below.
mod common;

/// `wxbot dev` in headless Chromium over WebDriver: the page, its replies, a screenshot.
mod browser;
/// The callback over HTTP: statuses, body limits, hostile input, panics, the access log.
mod callback;
/// The real binary's command line, config errors and exit codes.
mod cli;
/// The API client against the emulator: tokens, retries, media, sends.
mod client;
/// The reply deadline and the customer-service fallback, exactly once.
mod deadline;
/// Retries never rerun a handler and get the first reply.
mod dedup;
/// The demo bot row by row through the real `handlers::router()`.
mod demo;
/// The Dockerfile and the systemd unit agree with the crate.
mod deploy;
/// `wxbot dev`'s API: replies rendered, uploads, the event stream, re-delivery, bad input.
mod dev;
/// The emulator itself: tokens, uploads, downloads, sends, scripted faults.
mod emulator;
/// Forbidden XML characters, raw or referenced: 400 in every mode; tabs and newlines echoed.
mod hardened;
/// Bot instances with their own HTTP servers, sharing a real Redis (helpers).
mod instances;
/// Late replies: `"retries"` over WeChat's three deliveries, the pending notice and the next
/// message, refused customer-service sends, the typing indicator.
mod late;
/// The layers of `src/` point one way (the table is here and in ARCHITECTURE.md).
mod layers;
/// `server.log_format`: JSON lines, the access line's fields, the request id end to end.
mod logs;
/// The upload-on-demand cache with real files, and the demo's media rows.
mod media;
/// `safe` and `compatible` modes through the bot: open, seal, refuse.
mod modes;
/// `/healthz`, `/readyz`, `/metrics`, and `server.ops_bind`.
mod ops;
/// Every message kind and event of `fixtures/inbound/` parses into the right typed value.
mod parse;
/// Menus, QR codes, notifications, user info: the client, `menu`/`qr`, the start-up warning.
mod platform;
/// The README's config block, Rust blocks and commands are true.
mod readme;
/// Several instances through a real Redis: one token fetch, one upload, one reply per message.
mod redis;
/// Redis stopped, stalled, unreachable at start-up or holding garbage; `store.prefix`.
mod redis_outage;
/// A real redis-server per test: free port, stop and resume.
mod redis_server;
/// Golden reply XML for every `Reply` variant, and CDATA round trips.
mod reply;
/// Routes: kinds, events, keys, text filters, first match wins, start-up refusals.
mod router;
/// `wxbot new`: the crate it writes, what it refuses.
mod scaffold;
/// `Session<T>`: per-user state in every store, serialized per user, reset when undecodable.
mod session;
/// `store.backend = "file"`: tokens and media ids outlive a restart.
mod store;
/// The test kit's message builders read back as built, and deliver in one line.
mod testkit;
/// URL verification (GET with `echostr`).
mod verify;
