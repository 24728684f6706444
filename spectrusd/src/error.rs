//! The one error type of the daemon's API, and how it becomes an HTTP response.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use spectrus_proto::{ErrorBody, ErrorDetail, Permission};

use crate::domain::validate::FieldErrors;
use crate::store::StoreError;

/// Everything a request can fail with; each variant has its wire code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidBody(String),
    #[error("some fields are not valid")]
    Validation(FieldErrors),
    #[error("{0}")]
    Unauthorized(String),
    #[error("the access token has expired; refresh it")]
    TokenExpired,
    #[error("this refresh token was already used; the session has been ended")]
    TokenReused,
    #[error("you need the {0} permission")]
    MissingPermission(Permission),
    #[error("{0}")]
    Forbidden(String),
    /// Refused for a reason that has its own code (403): `blocked`, `dms_disabled`,
    /// `recipient_unavailable` (direct messages).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Something the request names does not exist; the message names it
    /// (`no user named "bob"`). Code `not_found`, like [`ApiError::NotFound`].
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Conflict(String),
    /// The role belongs to a plugin's bot: it changes only with the plugin (409
    /// `managed_role`).
    #[error("{0}")]
    ManagedRole(String),
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// A file (or the files together) is too large; the message says which and the limit.
    /// Code `payload_too_large`, like [`ApiError::PayloadTooLarge`].
    #[error("{0}")]
    FileTooLarge(String),
    #[error(
        "this feature needs a premium licence; an operator activates a licence with \
         `spectrusctl license activate KEY`"
    )]
    PremiumRequired,
    /// Keygen (or the offline file) says the licence is not valid; the message says why and
    /// what to do. Nothing was stored.
    #[error("{0}")]
    LicenseRefused(String),
    /// Keygen could not be reached to activate a licence (network error, timeout, 5xx, 429).
    #[error("{0}")]
    KeygenUnreachable(String),
    /// Another service the daemon fetches from (a plugin's manifest host) did not answer.
    #[error("{0}")]
    Upstream(String),
    /// `limit`: how many the bucket holds (`X-RateLimit-Limit`).
    #[error("too many requests; retry in {retry_after_ms} ms")]
    RateLimited { retry_after_ms: u64, limit: u32 },
    /// The channel's slowmode: the member posted there less than `seconds` ago.
    #[error(
        "slowmode is on in this channel ({seconds} s between messages); retry in {} s",
        retry_after_ms.div_ceil(1000).max(1)
    )]
    Slowmode { retry_after_ms: u64, seconds: u32 },
    /// The server cannot take writes now (its disk is full or read-only); the detail is
    /// logged, the client is told to retry.
    #[error("the server cannot store anything right now; try again later")]
    Unavailable(String),
    #[error("internal error")]
    Internal(String),
    /// A slash command no enabled plugin offers (404 `unknown_command`).
    #[error("{0}")]
    UnknownCommand(String),
    /// A slash command's options do not fit what it declares; the message names the option
    /// (400 `invalid_options`).
    #[error("{0}")]
    InvalidOptions(String),
    /// A plugin's webhook did not answer usably (502 `plugin_unavailable`).
    #[error("{0}")]
    PluginUnavailable(String),
    /// An interaction token that is unknown, expired or another interaction's
    /// (401 `invalid_token`).
    #[error("{0}")]
    InvalidToken(String),
}

impl ApiError {
    /// The HTTP status and wire code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidBody(_) => (StatusCode::BAD_REQUEST, "invalid_body"),
            ApiError::Validation(_) => (StatusCode::BAD_REQUEST, "validation_failed"),
            ApiError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::TokenExpired => (StatusCode::UNAUTHORIZED, "token_expired"),
            ApiError::TokenReused => (StatusCode::UNAUTHORIZED, "token_reused"),
            ApiError::MissingPermission(_) => (StatusCode::FORBIDDEN, "missing_permission"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Refused { code, .. } => (StatusCode::FORBIDDEN, code),
            ApiError::NotFound(_) | ApiError::Missing(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::ManagedRole(_) => (StatusCode::CONFLICT, "managed_role"),
            ApiError::PayloadTooLarge | ApiError::FileTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            ApiError::PremiumRequired => (StatusCode::PAYMENT_REQUIRED, "premium_required"),
            ApiError::LicenseRefused(_) => (StatusCode::UNPROCESSABLE_ENTITY, "license_refused"),
            ApiError::KeygenUnreachable(_) => (StatusCode::BAD_GATEWAY, "keygen_unreachable"),
            ApiError::Upstream(_) => (StatusCode::BAD_GATEWAY, "upstream_unavailable"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Slowmode { .. } => (StatusCode::TOO_MANY_REQUESTS, "slowmode"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::UnknownCommand(_) => (StatusCode::NOT_FOUND, "unknown_command"),
            ApiError::InvalidOptions(_) => (StatusCode::BAD_REQUEST, "invalid_options"),
            ApiError::PluginUnavailable(_) => (StatusCode::BAD_GATEWAY, "plugin_unavailable"),
            ApiError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, "invalid_token"),
        }
    }

    /// No `what` by the id or name `key`: `no user named "bob"`, or for a number (which may
    /// be an id or a name) `no user with id or name "42"`.
    pub fn no_such(what: &str, key: &str) -> ApiError {
        if key.parse::<u64>().is_ok() {
            ApiError::Missing(format!("no {what} with id or name {key:?}"))
        } else {
            ApiError::Missing(format!("no {what} named {key:?}"))
        }
    }

    /// A validation failure of one field.
    pub fn field(name: &str, why: impl Into<String>) -> ApiError {
        ApiError::Validation(FieldErrors::from([(name.to_owned(), why.into())]))
    }

    /// The JSON body.
    pub fn body(&self) -> ErrorBody {
        let (_, code) = self.status_and_code();
        let message = match self {
            ApiError::Validation(f) => {
                let parts: Vec<String> = f.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("some fields are not valid: {}", parts.join("; "))
            }
            other => other.to_string(),
        };
        ErrorBody {
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                fields: match self {
                    ApiError::Validation(f) => Some(f.clone()),
                    _ => None,
                },
                permission: match self {
                    ApiError::MissingPermission(p) => Some(p.as_str().to_owned()),
                    _ => None,
                },
                retry_after_ms: match self {
                    ApiError::RateLimited { retry_after_ms, .. }
                    | ApiError::Slowmode { retry_after_ms, .. } => Some(*retry_after_ms),
                    _ => None,
                },
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_unwritable() {
            return ApiError::Unavailable(e.to_string());
        }
        ApiError::Internal(e.to_string())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<FieldErrors> for ApiError {
    fn from(f: FieldErrors) -> Self {
        ApiError::Validation(f)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        match &self {
            ApiError::Internal(detail) => tracing::error!(%detail, "internal error"),
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "request refused: the database cannot be written")
            }
            _ => {}
        }
        let mut resp = (status, axum::Json(self.body())).into_response();
        let limited = match self {
            ApiError::RateLimited {
                retry_after_ms,
                limit,
            } => Some((retry_after_ms, limit)),
            // One message per slowmode period.
            ApiError::Slowmode { retry_after_ms, .. } => Some((retry_after_ms, 1)),
            _ => None,
        };
        if let Some((retry_after_ms, limit)) = limited {
            let reset = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                + std::time::Duration::from_millis(retry_after_ms);
            let headers = [
                (
                    "retry-after",
                    retry_after_ms.div_ceil(1000).max(1).to_string(),
                ),
                ("x-ratelimit-limit", limit.to_string()),
                ("x-ratelimit-remaining", "0".to_owned()),
                ("x-ratelimit-reset", format!("{:.3}", reset.as_secs_f64())),
            ];
            for (name, value) in headers {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    resp.headers_mut().insert(name, v);
                }
            }
        }
        resp
    }
}

/// Shorthand for handler results.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
