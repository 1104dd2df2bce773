//! The `hailong` binary's library: configuration, start-up, the routes that are not Leptos pages
//! (QR images, the plain-form survey POST, health), and the CLI commands.

pub mod backup;
pub mod bench;
pub mod cli;
pub mod config;
pub mod csv;
pub mod demo;
pub mod exports;
pub mod mergers;
pub mod routes;
pub mod scores;
pub mod startup;
