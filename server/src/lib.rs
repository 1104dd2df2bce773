//! The `hailong` binary's library: configuration, start-up, the HTTP routes that are not Leptos
//! pages (QR images, the plain-form posts, exports, live updates, health), the export writers,
//! and the command-line commands. Every part is an adapter over the app's features.

pub mod alerts;
pub mod cli;
pub mod config;
pub mod csv;
pub mod exports;
pub mod logging;
pub mod metrics;
pub mod oidc;
pub mod reports;
pub mod routes;
pub mod shutdown;
pub mod startup;
