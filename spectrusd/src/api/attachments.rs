//! Attachments over HTTP: `POST /channels/{id}/messages` as `multipart/form-data`
//! (`payload_json` plus `files[n]` parts, streamed to disk part by part) beside the JSON
//! form, and `GET /attachments/{id}/{filename}` (bearer token or signed query string).

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use spectrus_proto::Id;
use spectrus_proto::rest::CreateMessage;
use tower::ServiceExt;

use super::extract::{Auth, Body, PathParams, QueryParams};
use crate::error::{ApiError, ApiResult};
use crate::service::attachments::{self, Asker};
use crate::state::SharedState;

/// `POST /channels/{id}/messages`: JSON as always, or multipart with files. The route has
/// no general body limit; the JSON form and `payload_json` keep `limits.body_max_bytes`,
/// files `uploads.max_file_bytes` each.
pub(crate) async fn create_message(
    State(s): State<SharedState>,
    auth: Auth,
    PathParams(ch): PathParams<Id>,
    req: Request,
) -> ApiResult<Response> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let limit = s.config().limits.body_max_bytes;
    let (parts, body) = req.into_parts();
    if !multipart {
        let bytes = axum::body::to_bytes(body, limit)
            .await
            .map_err(|_| ApiError::PayloadTooLarge)?;
        let again = Request::from_parts(parts, axum::body::Body::from(bytes));
        let body = Body::<CreateMessage>::from_request(again, &s).await?;
        return Ok(
            super::messages::create(State(s), auth, PathParams(ch), body)
                .await?
                .into_response(),
        );
    }
    attachments::begin(&s, auth.user_id, ch)?;
    let req = Request::from_parts(parts, body);
    let mut form = Multipart::from_request(req, &s)
        .await
        .map_err(|e| ApiError::InvalidBody(e.body_text()))?;
    let bad = |e: axum::extract::multipart::MultipartError| ApiError::InvalidBody(e.body_text());
    let max_files = s.config().uploads.max_files_per_message;
    let mut payload: Option<CreateMessage> = None;
    let mut staged = Vec::new();
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "payload_json" {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                if text.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge);
                }
                text.extend_from_slice(&chunk);
            }
            let v = serde_json::from_slice(&text)
                .map_err(|e| ApiError::InvalidBody(format!("payload_json: {e}")))?;
            payload = Some(v);
        } else if name.starts_with("files[") && name.ends_with(']') {
            if staged.len() >= max_files {
                return Err(ApiError::field(
                    "files",
                    format!("at most {max_files} files per message"),
                ));
            }
            let raw = field.file_name().unwrap_or("file").to_owned();
            let mut r = attachments::receive(&s, &raw).await?;
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                r.write(&chunk).await?;
            }
            staged.push(attachments::finish(&s, r).await?);
        } else {
            return Err(ApiError::InvalidBody(format!(
                "unexpected form part {name:?}: send payload_json and files[0], files[1], …"
            )));
        }
    }
    if staged.is_empty() && payload.is_none() {
        return Err(ApiError::InvalidBody(
            "send payload_json, files[0], … or both".into(),
        ));
    }
    let msg = payload.unwrap_or_else(|| CreateMessage {
        content: String::new(),
        nonce: None,
        reply_to: None,
    });
    respond(crate::service::messages::post_with_files(&s, auth.user_id, ch, msg, staged).await)
}

fn respond(r: Result<(spectrus_proto::model::Message, bool), ApiError>) -> ApiResult<Response> {
    let (msg, created) = r?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(msg)).into_response())
}

#[derive(Deserialize)]
pub(crate) struct Fetch {
    ex: Option<u64>,
    sig: Option<String>,
    size: Option<String>,
}

/// `GET /attachments/{id}/{filename}`: the file to a bearer token of someone who can read
/// its channel, or to a valid signed URL; 404 to anyone else. Ranges are honoured.
pub(crate) async fn get(
    State(s): State<SharedState>,
    PathParams((id, _name)): PathParams<(Id, String)>,
    QueryParams(q): QueryParams<Fetch>,
    req: Request,
) -> ApiResult<Response> {
    let (mut parts, body) = req.into_parts();
    let asker = if parts.headers.contains_key(header::AUTHORIZATION) {
        let auth = Auth::from_request_parts(&mut parts, &s).await?;
        Asker::User(auth.user_id)
    } else {
        match (q.ex, q.sig) {
            (Some(expires), Some(sig)) => Asker::Signed { expires, sig },
            _ => return Err(ApiError::NotFound("attachment")),
        }
    };
    let thumb = q.size.as_deref() == Some("thumb");
    let found = attachments::find(&s, asker, id, thumb).await?;
    let req = Request::from_parts(parts, body);
    let mut resp = tower_http::services::ServeFile::new(&found.path)
        .oneshot(req)
        .await
        .map_err(|e| ApiError::Internal(format!("cannot read the file: {e}")))?
        .map(axum::body::Body::new);
    if resp.status() == StatusCode::NOT_FOUND {
        return Err(ApiError::NotFound("attachment"));
    }
    let h = resp.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(h, header::CONTENT_TYPE, &found.content_type);
    set(h, header::CONTENT_DISPOSITION, &found.disposition);
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        h,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; sandbox",
    );
    // The bytes behind an id never change; only who may see them does.
    set(h, header::CACHE_CONTROL, "private, max-age=86400");
    Ok(resp)
}
