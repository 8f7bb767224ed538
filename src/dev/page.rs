//! The chat page, embedded in the binary: plain HTML, CSS and JavaScript, no build step and
//! nothing fetched from the network (the playground works offline). `render.js` draws
//! messages; `chat.js` sends them and listens for customer-service messages; `platform.js`
//! (with `platform.css`) draws the account's menu and template cards, and offers QR scenes.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::web;

const HTML: &str = include_str!("chat.html");
const CSS: &str = include_str!("chat.css");
const RENDER_JS: &str = include_str!("render.js");
const CHAT_JS: &str = include_str!("chat.js");
const PLATFORM_CSS: &str = include_str!("platform.css");
const PLATFORM_JS: &str = include_str!("platform.js");

/// The page loads only its own script and style; pictures may come from anywhere, because
/// news cards show the bot's `PicUrl`s.
const POLICY: &str = "default-src 'self'; img-src * data: blob:; media-src 'self' blob:; \
    object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /`: the page.
pub(super) async fn index() -> HttpResponse {
    file("text/html; charset=utf-8", HTML)
}

/// `GET /static/{file}`: its style and script.
pub(super) async fn asset(name: web::Path<String>) -> HttpResponse {
    match name.as_str() {
        "chat.css" => file("text/css; charset=utf-8", CSS),
        "render.js" => file("text/javascript; charset=utf-8", RENDER_JS),
        "chat.js" => file("text/javascript; charset=utf-8", CHAT_JS),
        "platform.css" => file("text/css; charset=utf-8", PLATFORM_CSS),
        "platform.js" => file("text/javascript; charset=utf-8", PLATFORM_JS),
        _ => HttpResponse::build(StatusCode::NOT_FOUND)
            .content_type("text/plain; charset=utf-8")
            .body("no such file"),
    }
}

fn file(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        // A new build may change the page: always ask, the answer is tiny.
        .insert_header((CACHE_CONTROL, "no-cache"))
        .insert_header(("content-security-policy", POLICY))
        .body(body)
}
