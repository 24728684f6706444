# syntax=docker/dockerfile:1
# Spectrus daemon image: a dist build in rust:1-bookworm, run as a non-root user on
# debian:bookworm-slim. `docker compose up -d` with docker-compose.yml is the usual way in.

FROM rust:1-bookworm AS build
# cmake builds libopus for the voice codec crate, libasound2-dev/pkg-config serve the
# workspace's audio crates (cargo resolves the whole workspace even for -p builds).
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake libasound2-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The shipping profile (Cargo.toml [profile.dist]: stripped, LTO): the binaries are a
# fraction of a release build's; sizes in docs/benchmarks.md.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --profile dist --locked -p spectrusd -p spectrusctl \
 && install -D -m 0755 target/dist/spectrusd /out/spectrusd \
 && install -D -m 0755 target/dist/spectrusctl /out/spectrusctl

FROM debian:bookworm-slim
# ca-certificates: outbound HTTPS (licence checks). Nothing else: the health check below
# uses bash's /dev/tcp, which the slim image already has.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 spectrus \
 && useradd --system --uid 10001 --gid spectrus --home-dir /var/lib/spectrus \
      --no-create-home --shell /usr/sbin/nologin spectrus \
 && install -d -o spectrus -g spectrus -m 0750 /var/lib/spectrus
COPY --from=build /out/spectrusd /out/spectrusctl /usr/local/bin/
COPY LICENSE /usr/share/doc/spectrus/LICENSE

# The admin socket lives in the data volume so `docker compose exec spectrusd spectrusctl
# status` reaches it (both read SPECTRUS_ADMIN_SOCKET).
ENV SPECTRUS_DATA_DIR=/var/lib/spectrus \
    SPECTRUS_BIND=0.0.0.0:3000 \
    SPECTRUS_VOICE_UDP=0.0.0.0:10000 \
    SPECTRUS_ADMIN_SOCKET=/var/lib/spectrus/admin.sock

USER spectrus:spectrus
WORKDIR /var/lib/spectrus
VOLUME /var/lib/spectrus
EXPOSE 3000/tcp 10000/udp

# Healthy while /healthz answers 200 (liveness: the process serves HTTP). /readyz adds the
# database write probe, the voice socket and the disk floor, for load balancers and alerts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3000 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

# SIGTERM drains (gateways get a reconnect close, the database is checkpointed) within 5 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/spectrusd"]
