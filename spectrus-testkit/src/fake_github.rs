//! A local fake of GitHub's raw-content host (`raw.githubusercontent.com`) on a loopback
//! port, for installing plugins from a manifest the test publishes: point the daemon at it
//! with `SPECTRUS_GITHUB_RAW_URL` ([`FakeGithub::url`]). It serves
//! `/<owner>/<repo>/<reference>/<file>` as published, and `404: Not Found` otherwise, as
//! GitHub does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

type Files = Arc<Mutex<HashMap<String, String>>>;

/// The running host; it serves until the test's runtime stops.
#[derive(Clone)]
pub struct FakeGithub {
    url: String,
    files: Files,
}

impl FakeGithub {
    /// Starts serving on `127.0.0.1:0` (on the current tokio runtime), with no file.
    pub async fn start() -> anyhow::Result<FakeGithub> {
        let files = Files::default();
        let app = axum::Router::new()
            .route(
                "/{owner}/{repo}/{reference}/{file}",
                axum::routing::get(raw),
            )
            .with_state(files.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(FakeGithub { url, files })
    }

    /// Starts serving `manifest` as `owner/repo`'s `spectrus-plugin.json` at `HEAD`.
    pub async fn with_manifest(repo: &str, manifest: &str) -> anyhow::Result<FakeGithub> {
        let host = FakeGithub::start().await?;
        host.publish(&format!("{repo}/HEAD/spectrus-plugin.json"), manifest);
        Ok(host)
    }

    /// The base URL (`http://127.0.0.1:<port>`), for `SPECTRUS_GITHUB_RAW_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves `body` at `path` (`owner/repo/reference/file`) from now on.
    pub fn publish(&self, path: &str, body: &str) {
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_owned(), body.to_owned());
    }
}

async fn raw(
    State(files): State<Files>,
    Path((owner, repo, reference, file)): Path<(String, String, String, String)>,
) -> Response {
    let key = format!("{owner}/{repo}/{reference}/{file}");
    match files.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        Some(body) => body.clone().into_response(),
        None => (StatusCode::NOT_FOUND, "404: Not Found").into_response(),
    }
}
