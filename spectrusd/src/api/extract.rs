//! Request extractors that turn every rejection into the contract's JSON errors.

use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::service::auth::{Caller, authenticate, authenticate_account};
use crate::state::SharedState;

/// A JSON body; malformed → `invalid_body`, too large → `payload_too_large`.
pub(crate) struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req.headers().get(CONTENT_TYPE).cloned();
        let bytes = match Bytes::from_request(req, state).await {
            Ok(b) => b,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::PayloadTooLarge);
            }
            Err(e) => return Err(ApiError::InvalidBody(e.body_text())),
        };
        // serde reads a struct from a JSON array too (its fields in order): refuse that.
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'[') && expects_object::<T>() {
            return Err(ApiError::InvalidBody(
                "the body must be a JSON object".into(),
            ));
        }
        let mut again = Request::new(axum::body::Body::from(bytes));
        if let Some(ct) = content_type {
            again.headers_mut().insert(CONTENT_TYPE, ct);
        }
        match axum::Json::<T>::from_request(again, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(JsonRejection::BytesRejection(b))
                if b.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::PayloadTooLarge)
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::InvalidBody(
                "send the body as JSON with Content-Type: application/json".into(),
            )),
            Err(e) => Err(ApiError::InvalidBody(e.body_text())),
        }
    }
}

/// Whether `T` is read from a JSON object (a struct or a map) rather than anything else:
/// asks `T` which kind of value it wants, through a deserializer that only records it.
fn expects_object<T: DeserializeOwned>() -> bool {
    use serde::de::{Deserializer, Error, Visitor};

    #[derive(Debug)]
    struct Asked(bool);
    impl std::fmt::Display for Asked {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "probe")
        }
    }
    impl std::error::Error for Asked {}
    impl Error for Asked {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Asked(false)
        }
    }
    struct Probe;
    impl<'de> Deserializer<'de> for Probe {
        type Error = Asked;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Asked> {
            Err(Asked(false))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            _: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Asked> {
            Err(Asked(true))
        }
        fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Asked> {
            Err(Asked(true))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct enum
            identifier ignored_any
        }
    }
    matches!(T::deserialize(Probe), Err(Asked(true)))
}

/// Path parameters; unparsable ids → `not_found` (no such resource can exist).
pub(crate) struct PathParams<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PathParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| PathParams(p.0))
            .map_err(|e: PathRejection| match e {
                PathRejection::FailedToDeserializePathParams(_) => ApiError::NotFound("resource"),
                other => ApiError::InvalidBody(other.body_text()),
            })
    }
}

/// Query parameters; malformed → `invalid_body`.
pub(crate) struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| QueryParams(q.0))
            .map_err(|e: QueryRejection| ApiError::InvalidBody(e.body_text()))
    }
}

/// The authenticated caller (a member with a live session).
pub(crate) type Auth = Caller;

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::Unauthorized("send Authorization: Bearer <access_token>".into())
        })?;
    // A plugin's bot token keeps its prefix: `service::auth` tells the two apart.
    if header.starts_with(crate::service::auth::BOT_PREFIX) {
        return Ok(header.trim());
    }
    let token = header.strip_prefix("Bearer ").ok_or_else(|| {
        ApiError::Unauthorized(
            "the Authorization header must be Bearer <token> or Bot <token>".into(),
        )
    })?;
    Ok(token.trim())
}

impl FromRequestParts<SharedState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let caller = authenticate(state, bearer(parts)?)?;
        state.rates.request_by_user(caller.user_id)?;
        Ok(caller)
    }
}

/// A logged-in account that need not be a member (e.g. accepting an invite after a kick).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Account(pub Auth);

impl FromRequestParts<SharedState> for Account {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &SharedState,
    ) -> Result<Self, Self::Rejection> {
        let caller = authenticate_account(state, bearer(parts)?)?;
        state.rates.request_by_user(caller.user_id)?;
        Ok(Account(caller))
    }
}

/// The `X-Audit-Log-Reason` header (percent-decoded, as Discord clients send it).
#[derive(Debug, Clone, Default)]
pub(crate) struct AuditReason(pub Option<String>);

/// The header's name.
pub(crate) const AUDIT_REASON_HEADER: &str = "x-audit-log-reason";

impl<S: Send + Sync> FromRequestParts<S> for AuditReason {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(v) = parts.headers.get(AUDIT_REASON_HEADER) else {
            return Ok(AuditReason(None));
        };
        let raw = String::from_utf8(v.as_bytes().to_vec()).map_err(|_| {
            ApiError::InvalidBody("X-Audit-Log-Reason must be UTF-8 (percent-encode it)".into())
        })?;
        Ok(AuditReason(Some(percent_decode(&raw).unwrap_or(raw))))
    }
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8 or an escape is broken.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn reasons_are_percent_decoded() {
        assert_eq!(percent_decode("spam").as_deref(), Some("spam"));
        assert_eq!(
            percent_decode("too%20much%20spam%21").as_deref(),
            Some("too much spam!")
        );
        assert_eq!(percent_decode("%C3%A9t%C3%A9").as_deref(), Some("été"));
        assert_eq!(percent_decode("100%"), None);
        assert_eq!(percent_decode("%zz"), None);
    }
}
