# wxbot in a container: built in the official Rust image, run from Debian slim as a user
# without privileges. Configuration comes from the environment (WXBOT_<SECTION>__<KEY>), so
# no secret is ever part of the image:
#
#   docker build -t wxbot .
#   docker run --rm -p 8080:8080 -e WXBOT_ACCOUNT__TOKEN=… -e WXBOT_ACCOUNT__SECRET=… wxbot
#
# At least Cargo.toml's rust-version (tests/it/deploy.rs keeps them equal); newer works too:
# `docker build --build-arg RUST_VERSION=1.95 …`.
ARG RUST_VERSION=1.89

FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src
# The whole crate: the library documents itself with files beside it (examples/echo.rs), and
# Cargo wants every target Cargo.toml names. .dockerignore leaves out target/, .git and any
# local wxbot.toml.
COPY . .
RUN cargo build --release --locked --bin wxbot \
    && cp target/release/wxbot /usr/local/bin/wxbot

# The same Debian release as the builder, for the same OpenSSL (reqwest uses native-tls).
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 wxbot \
    && useradd --system --uid 10001 --gid wxbot --home-dir /app --shell /usr/sbin/nologin wxbot \
    && mkdir -p /var/lib/wxbot \
    && chown wxbot:wxbot /var/lib/wxbot
COPY --from=builder /usr/local/bin/wxbot /usr/local/bin/wxbot
# media.assets_dir is "assets", relative to the working directory: the demo bot's media.
WORKDIR /app
COPY assets/ /app/assets/
USER wxbot
# Every interface inside the container (the default, 127.0.0.1, is unreachable from outside
# it); the file store, when chosen, in a folder the user may write (mount a volume there).
ENV WXBOT_SERVER__BIND=0.0.0.0:8080 \
    WXBOT_STORE__PATH=/var/lib/wxbot
EXPOSE 8080
# SIGTERM drains late replies for up to server.shutdown_timeout_secs (10 s): give `docker
# stop` longer than that (`docker stop -t 15`, compose's stop_grace_period: 15s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["wxbot"]
CMD ["serve"]
