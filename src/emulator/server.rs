//! Running the emulator: an actix server on `127.0.0.1:0`, on a thread of its own.
//!
//! The thread runs its own actix `System`, so the emulator neither needs nor disturbs the
//! caller's runtime: it works the same under `#[tokio::test]`, `#[actix_web::test]`, plain
//! `main` and inside `wxbot dev`'s own actix server.

use std::io;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::mpsc;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpServer, web};

use super::api;
use super::state::State;

/// Bodies up to this size are read; uploads of today's video limit (10 MB) fit with room.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// The running server; dropping it stops the server.
#[derive(Debug)]
pub(super) struct Running {
    handle: ServerHandle,
}

impl Drop for Running {
    fn drop(&mut self) {
        // `stop` sends its command at once; the returned future only reports completion,
        // which a drop has no way to wait for.
        drop(self.handle.stop(false));
    }
}

/// Binds a free port, starts the server on its own thread, and returns once it serves.
pub(super) fn start(appid: &str, secret: &str) -> io::Result<(Arc<State>, Running)> {
    // Bound here, not on the server thread, so a bind error reaches the caller directly.
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let state = Arc::new(State::new(appid, secret, base_url));
    let data = web::Data::from(Arc::clone(&state));
    let (ready, started) = mpsc::channel();
    std::thread::Builder::new()
        .name("wxbot-emulator".to_owned())
        .spawn(move || serve(listener, data, &ready))?;
    let handle = started
        .recv()
        .map_err(|_| io::Error::other("emulator: server thread ended before serving"))??;
    Ok((state, Running { handle }))
}

/// The server thread: runs until [`Running`] is dropped.
fn serve(
    listener: TcpListener,
    data: web::Data<State>,
    ready: &mpsc::Sender<io::Result<ServerHandle>>,
) {
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .default_service(web::to(api::entry))
        })
        // One worker is plenty for tests; its connections are served concurrently anyway.
        .workers(1)
        // The host process (a test binary, `wxbot dev`) owns Ctrl-C, not the emulator.
        .disable_signals()
        .listen(listener);
        let server = match server {
            Ok(server) => server.run(),
            Err(err) => {
                // The caller waits on this channel; if it is gone there is no one to tell.
                let _ = ready.send(Err(err));
                return;
            }
        };
        if ready.send(Ok(server.handle())).is_err() {
            return;
        }
        if let Err(err) = server.await {
            tracing::error!(%err, "emulator: server stopped with an error");
        }
    });
}
