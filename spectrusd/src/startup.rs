//! Wiring: data directory, secret, database, seed data, state, listeners, background tasks.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use spectrus_proto::Id;
use spectrus_proto::model::{Channel, ChannelType, Role};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::access::Access;
use crate::bus::Hub;
use crate::bus::hub::HubConfig;
use crate::config::Config;
use crate::domain::permissions::default_everyone;
use crate::domain::snowflake::Snowflakes;
use crate::domain::time::now_ms;
use crate::domain::tokens::{self, TokenKeys};
use crate::state::{AppState, SharedState};
use crate::store::{self, Store, StoreError};

/// A running daemon.
pub struct Daemon {
    /// Where the HTTP listener is bound.
    pub http_addr: SocketAddr,
    state: SharedState,
    /// Where the admin socket is.
    pub admin_socket: PathBuf,
    shutdown: watch::Sender<bool>,
    server: JoinHandle<()>,
    admin: JoinHandle<()>,
    /// The certificate in force when HTTPS is on.
    tls: Option<Arc<crate::tls::CertStore>>,
}

impl Daemon {
    /// Re-reads `new` and puts its reloadable parts in force (SIGHUP).
    /// The TLS certificate and key files are read again: a pair that cannot be used is
    /// logged and the one in force stays.
    pub fn reload(&self, new: &Config) -> crate::reload::Reloaded {
        let mut reloaded = crate::reload::apply(&self.state, new);
        if let (Some(store), Some(cert), Some(key)) = (&self.tls, &new.tls.cert, &new.tls.key) {
            match store.reload_files(cert, key) {
                Ok(()) => {
                    tracing::info!(cert = %cert.display(), "TLS certificate reloaded");
                    reloaded.applied.push("tls");
                }
                Err(e) => tracing::error!("{e}; keeping the certificate in force"),
            }
        }
        reloaded
    }

    /// Drains: gateways get a reconnect close, the HTTP server stops, the WAL is checkpointed.
    pub async fn shutdown(self) {
        self.state.hub.end_sessions(
            |_| true,
            spectrus_proto::gateway::close::RECONNECT,
            "server restarting",
        );
        let _ = self.shutdown.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(4), self.server).await;
        let _ = tokio::time::timeout(Duration::from_millis(500), self.admin).await;
        let _ = std::fs::remove_file(&self.admin_socket);
        if let Err(e) = self.state.store.checkpoint().await {
            tracing::warn!(error = %e, "checkpoint at shutdown failed");
        }
    }
}

/// Raises the soft limit of open files to the hard limit: every client connection is a file
/// descriptor, and the usual soft default (1024) is far below what the daemon serves. Under
/// the shipped unit `LimitNOFILE=` has done it already (and the system call filter would
/// refuse it); elsewhere a failure is only logged.
fn raise_open_files_limit() {
    let before = rlimit::getrlimit(rlimit::Resource::NOFILE).map(|(soft, _)| soft);
    match (before, rlimit::increase_nofile_limit(u64::MAX)) {
        (Ok(from), Ok(to)) if to > from => {
            tracing::debug!(from, to, "raised the open files limit");
        }
        (_, Err(e)) => tracing::warn!(error = %e, "cannot raise the open files limit"),
        _ => {}
    }
}

/// Creates the data directory (mode 0700 when new).
fn ensure_data_dir(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create data directory {}", dir.display()))?;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

/// The JWT secret: configured, else read from (or generated into) `<data dir>/jwt_secret`, mode 0600.
fn jwt_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = &config.jwt_secret {
        return Ok(s.as_bytes().to_vec());
    }
    let path = config.data_dir.join("jwt_secret");
    let secret =
        crate::secret_file::read_or_create(&path, || Ok(tokens::random_token(48).into_bytes()))?;
    if secret.created {
        tracing::info!(path = %path.display(), "generated a new JWT secret");
    }
    let text = String::from_utf8(secret.bytes)
        .map_err(|_| anyhow::anyhow!("cannot read {}: not UTF-8 text", path.display()))?;
    if text.trim().len() < 32 {
        anyhow::bail!(
            "{} is too short; delete it to generate a new one",
            path.display()
        );
    }
    Ok(text.trim().as_bytes().to_vec())
}

/// First start: the `@everyone` role and a default set of channels.
async fn seed(store: &Store, ids: &Snowflakes) -> anyhow::Result<()> {
    let everyone_id = ids.next();
    let ids_for_channels: Vec<Id> = (0..4).map(|_| ids.next()).collect();
    store
        .write(move |c| -> Result<(), StoreError> {
            if store::roles::everyone(c)?.is_none() {
                store::roles::upsert(
                    c,
                    &Role {
                        id: everyone_id,
                        name: "@everyone".into(),
                        color: None,
                        position: 0,
                        permissions: default_everyone(),
                        hoist: false,
                        mentionable: false,
                        managed_by: None,
                    },
                )?;
            }
            if store::settings::get(c, "seeded")?.is_none() {
                let [text_cat, general, voice_cat, lounge] =
                    [0, 1, 2, 3].map(|i| ids_for_channels[i]);
                let mk = |id, kind, name: &str, parent, position| Channel {
                    id,
                    kind,
                    name: name.into(),
                    topic: None,
                    parent_id: parent,
                    position,
                    permission_overwrites: vec![],
                    user_limit: None,
                    bitrate: None,
                    slowmode_seconds: 0,
                };
                store::channels::upsert(
                    c,
                    &mk(text_cat, ChannelType::Category, "Text Channels", None, 0),
                )?;
                store::channels::upsert(
                    c,
                    &mk(general, ChannelType::Text, "general", Some(text_cat), 1),
                )?;
                store::channels::upsert(
                    c,
                    &mk(voice_cat, ChannelType::Category, "Voice Channels", None, 2),
                )?;
                store::channels::upsert(
                    c,
                    &mk(lounge, ChannelType::Voice, "Lounge", Some(voice_cat), 3),
                )?;
                store::settings::set(c, "seeded", Some("1"))?;
            }
            Ok(())
        })
        .await?;
    Ok(())
}

async fn load_access(store: &Store) -> anyhow::Result<Access> {
    let (owner, roles, channels, members, dms) = store
        .read(|c| {
            let mut members = Vec::new();
            let mut after = None;
            loop {
                let page = store::members::page(c, after, 10_000)?;
                let Some(last) = page.last() else { break };
                after = Some(last.user.id);
                members.extend(page);
            }
            Ok((
                store::users::owner_id(c)?,
                store::roles::list(c)?,
                store::channels::list(c)?,
                members,
                store::dms::all(c)?,
            ))
        })
        .await?;
    let access = Access::new(owner, roles, members, channels);
    for d in dms {
        access.upsert_dm(d.id, d.kind, d.participants);
    }
    Ok(access)
}

/// A setup code people can type: `XXXX-XXXX` from an unambiguous alphabet.
fn new_setup_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let raw = tokens::random_token(16);
    let chars: Vec<char> = raw
        .bytes()
        .take(8)
        .map(|b| ALPHABET[(b as usize) % ALPHABET.len()] as char)
        .collect();
    format!(
        "{}-{}",
        chars[..4].iter().collect::<String>(),
        chars[4..].iter().collect::<String>()
    )
}

/// Starts the daemon with `config`: returns once the listener is bound.
pub async fn start(config: Config) -> anyhow::Result<Daemon> {
    raise_open_files_limit();
    ensure_data_dir(&config.data_dir)?;
    // A read-only or full data directory stops the start here, with the reason.
    store::disk::check_at_start(&config.data_dir, config.storage.min_free_bytes())?;
    // A certificate that cannot be used stops the start, naming the file.
    let tls = match (&config.tls.cert, &config.tls.key) {
        (Some(cert), Some(key)) => Some(crate::tls::CertStore::new(Some(crate::tls::load_files(
            cert, key,
        )?))),
        // ACME: empty until the cached or a new certificate is put in.
        _ if config.tls.acme_domain.is_some() => Some(crate::tls::CertStore::new(None)),
        _ => None,
    };
    let acme = config.tls.acme_domain.as_ref().map(|domain| {
        (
            crate::tls::acme::Settings {
                domain: domain.clone(),
                email: config.tls.acme_email.clone(),
                directory: config.tls.acme_directory.clone(),
                ca_file: config.tls.acme_ca_file.clone(),
                cache: config.data_dir.join("acme"),
            },
            Arc::new(crate::tls::acme::Challenges::default()),
        )
    });
    // Bound first: a second daemon on the same socket stops here, before touching the DB.
    let admin_socket = config.admin_socket_path();
    let admin_listener = crate::admin::bind(&admin_socket)?;
    // A taken voice port stops the start here too (unless voice.enabled = false).
    let (voice, voice_events) = crate::voice::VoiceService::start(&config.voice).await?;
    let secret = jwt_secret(&config)?;
    let db_path = config.data_dir.join("spectrus.db");
    let telemetry = crate::telemetry::Telemetry::new(config.metrics.enabled);
    let store_metrics = store::StoreMetrics {
        commit_seconds: telemetry.histogram(crate::telemetry::COMMIT_SECONDS),
        failures: telemetry.counter(crate::telemetry::COMMIT_FAILURES, vec![]),
    };
    let store = Store::open_observed(
        &db_path,
        config.storage.readers,
        config.storage.synchronous,
        store_metrics,
    )
    .with_context(|| format!("cannot open database {}", db_path.display()))?;
    let ids = Snowflakes::new(0);
    seed(&store, &ids).await?;
    let access = Arc::new(load_access(&store).await?);

    let setup_code = if access.owner().is_none() {
        let code = config.setup_code.clone().unwrap_or_else(new_setup_code);
        Some(code)
    } else {
        None
    };
    let now = now_ms();
    let revoked: HashSet<Id> = store
        .read(move |c| {
            store::tokens::revoked_with_live_access(
                c,
                now,
                tokens::REFRESH_TTL_MS,
                tokens::ACCESS_TTL_SECS as i64 * 1000,
            )
        })
        .await?
        .into_iter()
        .collect();

    let hub = Hub::new(
        HubConfig {
            resume_buffer: config.gateway.resume_buffer,
            resume_window: Duration::from_secs(config.gateway.resume_window_secs),
            outbound_queue: config.gateway.outbound_queue,
        },
        access.clone(),
    );
    let voice_flags = store.read(store::voice::all_moderation).await?;
    voice.restore_moderation(voice_flags);
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let metrics_listener = match config.metrics.enabled {
        true => Some(
            TcpListener::bind(config.metrics.bind)
                .await
                .with_context(|| {
                    format!("cannot listen on {} (metrics.bind)", config.metrics.bind)
                })?,
        ),
        false => None,
    };
    let http_addr = listener.local_addr()?;
    let redirect_listener = match config.tls.http_redirect_bind {
        Some(addr) => Some(
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("cannot listen on {addr} (tls.http_redirect_bind)"))?,
        ),
        None => None,
    };
    let acceptor = tls.clone().map(crate::tls::acceptor).transpose()?;
    let license = licensing(&config, &store).await?;
    let blobs = store::files::Blobs::new(&config.data_dir);
    blobs
        .clear_tmp()
        .context("cannot clear the unfinished uploads in files/tmp")?;
    let own: Vec<std::net::IpAddr> = [config.bind.ip(), config.metrics.bind.ip()]
        .into_iter()
        .filter(|ip| !ip.is_unspecified() && !ip.is_loopback())
        .collect();
    let (previews, preview_jobs) =
        crate::previews::Previews::new(config.previews.allow_private, own.clone(), &secret)?;
    let bots = crate::bots::Bots::new(
        &config.data_dir,
        crate::bots::RetrySchedule {
            first: Duration::from_millis(config.plugins.webhook_retry_first_ms.max(1)),
            give_up_after: Duration::from_secs(config.plugins.webhook_give_up_secs),
        },
        crate::netguard::Guard {
            allow_private: config.plugins.allow_private_webhooks,
            own,
        },
    )?;
    let state: SharedState = Arc::new(AppState {
        bots,
        blobs,
        urls: crate::domain::files::UrlSigner::new(&secret),
        auth_limiter: crate::ratelimit::AuthLimiter::new(config.limits.auth_per_minute),
        rates: crate::ratelimit::Rates::new(&config.limits),
        hash_permits: tokio::sync::Semaphore::new(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        ),
        config: RwLock::new(Arc::new(config)),
        store,
        ids,
        keys: TokenKeys::new(&secret),
        revoked: RwLock::new(revoked),
        setup_code: Mutex::new(setup_code.clone()),
        access,
        hub,
        started: Instant::now(),
        voice,
        telemetry,
        license,
        previews,
    });
    crate::service::voice::events::spawn(state.clone(), voice_events);
    crate::service::previews::spawn(state.clone(), preview_jobs);
    crate::service::plugins::apply(&state)
        .await
        .map_err(|e| anyhow::anyhow!("cannot load the plugins' bots: {e}"))?;

    let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
    let app = crate::api::router(state.clone());
    let limits = state.config().limits.clone();
    let counted = state.clone();
    let bounds = crate::http_server::Bounds {
        connections_per_ip: limits.connections_per_ip,
        new_connections_per_second: limits.new_connections_per_second,
        new_connections_burst: limits.new_connections_burst,
        on_refused: Arc::new(move |scope| counted.telemetry.rate_limited(scope)),
        read_timeout: Duration::from_secs(limits.read_timeout_secs),
    };
    let redirect_bounds = bounds.clone();
    let server = tokio::spawn(async move {
        let signal = async move {
            let _ = shutdown_rx.wait_for(|v| *v).await;
        };
        crate::http_server::serve(listener, acceptor, app, bounds, signal).await;
    });
    if let Some(l) = redirect_listener {
        let target = match &state.config().public_url {
            Some(url) if url.starts_with("https://") => {
                crate::tls::redirect::Target::Base(url.trim_end_matches('/').to_owned())
            }
            _ => crate::tls::redirect::Target::SameHost {
                https_port: http_addr.port(),
            },
        };
        let addr = l.local_addr()?;
        let challenges = acme.as_ref().map(|(_, c)| c.clone());
        let mut stop = shutdown_tx.subscribe();
        tokio::spawn(async move {
            let signal = async move {
                let _ = stop.wait_for(|v| *v).await;
            };
            let app = crate::tls::redirect::router(target, challenges);
            crate::http_server::serve(l, None, app, redirect_bounds, signal).await;
        });
        tracing::info!("redirecting http://{addr} to https");
    }
    if let (Some((settings, challenges)), Some(store)) = (acme, &tls) {
        crate::tls::acme::spawn(settings, store.clone(), challenges, shutdown_tx.subscribe());
    }
    spawn_housekeeping(state.clone(), shutdown_tx.subscribe());
    spawn_revalidation(state.clone(), shutdown_tx.subscribe());
    if let Some(l) = metrics_listener {
        spawn_metrics(l, state.clone(), shutdown_tx.subscribe())?;
    }
    let admin = crate::admin::spawn(admin_listener, state.clone(), shutdown_tx.subscribe());
    tracing::info!(path = %admin_socket.display(), "admin socket ready");

    let url = state.config().public_base_url_at(http_addr);
    tracing::info!(
        "spectrusd {} listening on {}://{http_addr} ({url})",
        env!("CARGO_PKG_VERSION"),
        if tls.is_some() { "https" } else { "http" }
    );
    let ctl = format!("spectrusctl --socket {}", admin_socket.display());
    if let Some(code) = setup_code {
        tracing::info!(
            "this server has no owner yet: register the owner account at {url} with setup code {code} (or print it again with: {ctl} setup-code)"
        );
    }
    tracing::info!("administer this server with: {ctl} status");
    Ok(Daemon {
        http_addr,
        state,
        admin_socket,
        shutdown: shutdown_tx,
        server,
        admin,
        tls,
    })
}

/// Serves `GET /metrics` on its own listener until shutdown.
fn spawn_metrics(
    listener: TcpListener,
    state: SharedState,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    use axum::routing::get;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route(
        "/metrics",
        get(move || {
            let state = state.clone();
            async move {
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    crate::service::observe::render(&state).await,
                )
            }
        }),
    );
    tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.wait_for(|v| *v).await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
        {
            tracing::error!(error = %e, "the metrics listener failed");
        }
    });
    tracing::info!("metrics at http://{addr}/metrics");
    Ok(())
}

/// The licence service, with the licence last stored and the system clock (which only
/// `debug.license_clock` lets the admin API move).
async fn licensing(config: &Config, store: &Store) -> anyhow::Result<crate::license::Licensing> {
    let record = store.read(store::license::load).await?;
    let clock = Arc::new(crate::domain::time::SkewClock::default());
    crate::license::Licensing::new(
        &config.license,
        &config.data_dir,
        record,
        clock.clone(),
        config.debug.license_clock.then_some(clock),
    )
    .context("cannot start the licence service")
}

/// Checks the licence key with Keygen at start and every 24 hours, and tells clients each
/// minute whether premium came or went by itself (an expiry, the end of the offline grace).
fn spawn_revalidation(state: SharedState, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut check = tokio::time::interval(crate::service::license::REVALIDATE_EVERY);
        let mut watch = tokio::time::interval(Duration::from_secs(60));
        let mut premium = state.license.is_premium();
        loop {
            let revalidate = tokio::select! {
                _ = check.tick() => true,
                _ = watch.tick() => false,
                _ = stop.wait_for(|v| *v) => break,
            };
            if revalidate && let Err(e) = crate::service::license::revalidate(&state).await {
                tracing::warn!(error = %e, "cannot store the licence check");
            }
            premium = crate::service::license::announce_change(&state, premium).await;
        }
    });
}

fn spawn_housekeeping(state: SharedState, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    state.hub.reap();
                    state.auth_limiter.shrink();
                    state.rates.shrink();
                }
                _ = stop.wait_for(|v| *v) => break,
            }
        }
    });
}
