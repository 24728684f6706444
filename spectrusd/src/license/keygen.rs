//! Keygen.sh's licensing API, as documented: validate a key scoped to this server's
//! fingerprint, activate the server (a "machine") when the answer says it is not, and
//! deactivate it.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::config::LicenseConfig;
use crate::domain::license::{LicenseKey, UNREACHABLE};
use crate::domain::time::parse_rfc3339;

/// How long one request to Keygen may take.
const TIMEOUT: Duration = Duration::from_secs(5);

/// JSON:API's media type, which Keygen speaks.
const JSON_API: &str = "application/vnd.api+json";

/// What Keygen said about a key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Answer {
    /// Valid for this server.
    Valid {
        license_id: Option<String>,
        plan: Option<String>,
        expiry_ms: Option<i64>,
    },
    /// A definite "not valid" (HTTP 200 with `valid: false`, or a refused request).
    Invalid {
        code: String,
        detail: Option<String>,
    },
    /// No answer: network error, timeout, 5xx or 429. The text says which (no key in it).
    Unreachable(String),
}

/// A client of one Keygen account.
pub(crate) struct Keygen {
    http: reqwest::Client,
    base: String,
    account: Option<String>,
}

/// A request's outcome: the status and JSON body, or no answer.
type Reply = Result<(StatusCode, Value), Answer>;

impl Keygen {
    /// A client for the configured URL and account.
    pub(crate) fn new(cfg: &LicenseConfig) -> Result<Keygen, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent(concat!("spectrusd/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Keygen {
            http,
            base: cfg.keygen_url.trim_end_matches('/').to_owned(),
            account: cfg.keygen_account.clone(),
        })
    }

    /// Whether an account is configured (online checks need one).
    pub(crate) fn configured(&self) -> bool {
        self.account.is_some()
    }

    fn url(&self, account: &str, path: &str) -> String {
        format!("{}/v1/accounts/{account}/{path}", self.base)
    }

    /// Validates `key` for this server; when Keygen says the server is not activated, activates
    /// it and validates again.
    pub(crate) async fn check(&self, key: &LicenseKey, fingerprint: &str) -> Answer {
        let Some(account) = self.account.as_deref() else {
            return Answer::Invalid {
                code: "NO_ACCOUNT".into(),
                detail: None,
            };
        };
        let (answer, license_id) = self.validate(account, key, fingerprint).await;
        match (&answer, license_id) {
            (Answer::Invalid { code, .. }, Some(id)) if needs_activation(code) => {
                match self.activate(account, key, fingerprint, &id).await {
                    Ok(()) => self.validate(account, key, fingerprint).await.0,
                    Err(refused) => refused,
                }
            }
            _ => answer,
        }
    }

    /// `POST …/licenses/actions/validate-key` with the fingerprint scope. Also returns the
    /// licence's id when the answer names it (activation needs it).
    async fn validate(
        &self,
        account: &str,
        key: &LicenseKey,
        fingerprint: &str,
    ) -> (Answer, Option<String>) {
        let body = json!({"meta": {"key": key.expose(), "scope": {"fingerprint": fingerprint}}});
        let req = self
            .http
            .post(self.url(account, "licenses/actions/validate-key"))
            .header("Content-Type", JSON_API)
            .header("Accept", JSON_API)
            .body(body.to_string());
        let (status, doc) = match send(req).await {
            Ok(reply) => reply,
            Err(answer) => return (answer, None),
        };
        if !status.is_success() {
            return (refused(status, &doc), None);
        }
        let data = &doc["data"];
        let license_id = data["id"].as_str().map(str::to_owned);
        let meta = &doc["meta"];
        let code = meta["code"].as_str().unwrap_or("UNKNOWN").to_owned();
        let answer = if meta["valid"].as_bool() == Some(true) {
            let attrs = &data["attributes"];
            Answer::Valid {
                license_id: license_id.clone(),
                plan: attrs["metadata"]["plan"]
                    .as_str()
                    .or_else(|| attrs["name"].as_str())
                    .map(str::to_owned),
                expiry_ms: attrs["expiry"].as_str().and_then(parse_rfc3339),
            }
        } else {
            Answer::Invalid {
                code,
                detail: meta["detail"].as_str().map(str::to_owned),
            }
        };
        (answer, license_id)
    }

    /// `POST …/machines` authenticated with the key; "fingerprint already taken" means this
    /// server is activated already.
    async fn activate(
        &self,
        account: &str,
        key: &LicenseKey,
        fingerprint: &str,
        license_id: &str,
    ) -> Result<(), Answer> {
        let body = json!({"data": {
            "type": "machines",
            "attributes": {"fingerprint": fingerprint, "name": "spectrusd", "platform": std::env::consts::OS},
            "relationships": {"license": {"data": {"type": "licenses", "id": license_id}}}
        }});
        let req = self
            .http
            .post(self.url(account, "machines"))
            .header("Content-Type", JSON_API)
            .header("Accept", JSON_API)
            .header("Authorization", format!("License {}", key.expose()))
            .body(body.to_string());
        let (status, doc) = send(req).await?;
        if status.is_success() || already_taken(&doc) {
            return Ok(());
        }
        Err(refused(status, &doc))
    }

    /// Removes this server from the licence's machines (best effort: the caller forgets the
    /// key whatever happens). The error says why it could not.
    pub(crate) async fn deactivate(
        &self,
        key: &LicenseKey,
        fingerprint: &str,
    ) -> Result<(), String> {
        let account = self
            .account
            .as_deref()
            .ok_or("no Keygen account configured")?;
        let req = self
            .http
            .delete(self.url(account, &format!("machines/{fingerprint}")))
            .header("Accept", JSON_API)
            .header("Authorization", format!("License {}", key.expose()));
        match send(req).await {
            Ok((status, _)) if status.is_success() || status == StatusCode::NOT_FOUND => Ok(()),
            Ok((status, doc)) => Err(match refused(status, &doc) {
                Answer::Invalid { code, .. } => code,
                other => format!("{other:?}"),
            }),
            Err(Answer::Unreachable(why)) => Err(why),
            Err(other) => Err(format!("{other:?}")),
        }
    }
}

/// Sends a request; no answer (network error, timeout, 5xx, 429) is `Err(Unreachable)`.
async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.map_err(|e| {
        Answer::Unreachable(if e.is_timeout() {
            format!("no answer within {} s", TIMEOUT.as_secs())
        } else if e.is_connect() {
            "cannot connect".to_owned()
        } else {
            "request failed".to_owned()
        })
    })?;
    let status = resp.status();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        return Err(Answer::Unreachable(format!("HTTP {}", status.as_u16())));
    }
    let doc = match resp.bytes().await {
        Ok(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
        Err(e) if e.is_timeout() => {
            return Err(Answer::Unreachable(format!(
                "no answer within {} s",
                TIMEOUT.as_secs()
            )));
        }
        Err(_) => return Err(Answer::Unreachable("answer cut short".into())),
    };
    if status.is_success() && doc.is_null() {
        return Err(Answer::Unreachable(
            "an answer that is not Keygen's JSON".into(),
        ));
    }
    Ok((status, doc))
}

/// A refused request (4xx other than 429): Keygen's first error code, else `HTTP_<status>`.
fn refused(status: StatusCode, doc: &Value) -> Answer {
    let first = &doc["errors"][0];
    Answer::Invalid {
        code: first["code"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("HTTP_{}", status.as_u16())),
        detail: first["detail"].as_str().map(str::to_owned),
    }
}

/// Keygen's codes meaning "this fingerprint is not activated for the licence".
fn needs_activation(code: &str) -> bool {
    matches!(
        code,
        "NO_MACHINE" | "NO_MACHINES" | "FINGERPRINT_SCOPE_MISMATCH" | "FINGERPRINT_SCOPE_EMPTY"
    )
}

/// A 422 saying the fingerprint is taken: this server is activated already.
fn already_taken(doc: &Value) -> bool {
    doc["errors"].as_array().is_some_and(|errors| {
        errors.iter().any(|e| {
            e["code"] == "FINGERPRINT_TAKEN"
                || e["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("already been taken"))
        })
    })
}

/// The code recorded for an [`Answer`].
pub(crate) fn code_of(answer: &Answer) -> &str {
    match answer {
        Answer::Valid { .. } => "VALID",
        Answer::Invalid { code, .. } => code,
        Answer::Unreachable(_) => UNREACHABLE,
    }
}
