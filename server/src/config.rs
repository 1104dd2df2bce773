//! Configuration from environment variables, each with a default that works on a fresh clone.
//! Every variable is listed in README.md and .env.example.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;

/// The embedded default: an SQLite file under ./data, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/hailong.db?mode=rwc";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://…` (default) or `postgres://…`.
    pub database_url: String,
    /// `HAILONG_ADDR`: where `serve` listens (overridden by `--addr`).
    pub addr: SocketAddr,
    /// `HAILONG_PUBLIC_URL`: the base URL printed in QR codes; defaults to `http://{addr}`.
    /// Set it to the real domain before printing posters.
    pub public_url: String,
    /// `HAILONG_SITE_ROOT`: folder with the built site (`pkg/` holds JS, WASM and CSS).
    pub site_root: PathBuf,
    /// `HAILONG_DEFINITIONS`: folder with `surveys/` and `units/`.
    pub definitions_dir: PathBuf,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    /// Reads the environment; `addr` (from `--addr`) wins over `HAILONG_ADDR`.
    pub fn from_env(addr: Option<SocketAddr>) -> anyhow::Result<Config> {
        let addr = match addr {
            Some(addr) => addr,
            None => var("HAILONG_ADDR")
                .as_deref()
                .unwrap_or(DEFAULT_ADDR)
                .parse()
                .context("HAILONG_ADDR must be HOST:PORT, e.g. 127.0.0.1:3000")?,
        };
        let public_url = var("HAILONG_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{addr}"))
            .trim_end_matches('/')
            .to_string();
        anyhow::ensure!(
            public_url.starts_with("http://") || public_url.starts_with("https://"),
            "HAILONG_PUBLIC_URL must start with http:// or https:// (got `{public_url}`)"
        );
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            addr,
            public_url,
            site_root: var("HAILONG_SITE_ROOT")
                .unwrap_or_else(|| "target/site".into())
                .into(),
            definitions_dir: var("HAILONG_DEFINITIONS")
                .unwrap_or_else(|| "survey-definitions".into())
                .into(),
        })
    }
}
