//! The acting operator of one admin request: [`Actor::Admin`] carrying the uid the kernel
//! reported for the connection (`SO_PEERCRED`, checked in [`super::socket`]), so that every
//! service call and audit entry knows who acted. Passed explicitly, never global.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::AdminPeer;
use crate::error::ApiError;
use crate::service::Actor;

/// Extracts the operator from the request's [`AdminPeer`] extension.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operator(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<AdminPeer>()
            .map(|p| Operator(Actor::Admin { uid: p.uid }))
            .ok_or_else(|| ApiError::Internal("admin request without peer credentials".into()))
    }
}
