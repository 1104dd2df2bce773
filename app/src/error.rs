//! The error type at the boundary between server functions and the pages.
//!
//! Expected outcomes (an unknown desk, a rejected answer) are not errors here: server functions
//! return them as values so the page can show a precise message. `AppError` is for what the user
//! cannot fix; its details are logged on the server and never sent to the browser.

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError, error::ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, thiserror::Error, Serialize, Deserialize, PartialEq, Eq)]
pub enum AppError {
    /// Something failed on the server; the cause is in the server log.
    #[error("internal error")]
    Internal,
    /// The server-function machinery itself failed (network, encoding).
    #[error("request failed: {0}")]
    ServerFn(String),
    /// The request's arguments could not be read (missing, mistyped, `null`): the caller's
    /// mistake, answered 400 with the reason (`server::routes::security::server_fn_bodies`).
    #[error("bad arguments: {0}")]
    BadRequest(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(why) | ServerFnErrorErr::MissingArg(why) => {
                AppError::BadRequest(why)
            }
            // On the server the JSON input codec reports unreadable arguments as
            // `Deserialization` (in the browser it means an unreadable answer).
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(why) => AppError::BadRequest(why),
            other => AppError::ServerFn(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Logs an unexpected failure and hides it behind an opaque error.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!("{context}: {err}");
        AppError::Internal
    }
}

/// A storage failure reaching a server function: logged, and the page says only that something
/// failed (what the database said stays in the log).
#[cfg(feature = "ssr")]
impl From<crate::store::StoreError> for AppError {
    fn from(err: crate::store::StoreError) -> Self {
        AppError::internal("store", err)
    }
}
