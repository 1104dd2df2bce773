//! The one state struct shared by axum routes and server functions (provided as Leptos context).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::FromRef;
use axum::http::HeaderMap;
use leptos::prelude::LeptosOptions;
use survey_definitions::Definitions;

use crate::abuse::{device_from_cookie_header, AbuseSettings, ClientInfo, Limiters, SaltCache};
use crate::store::Store;

/// Settings the pages and routes read at run time.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Public base URL printed in QR codes (no trailing slash), e.g. `https://hailong.example.vn`.
    pub public_url: String,
    /// Take the client address from `X-Forwarded-For` (only behind a reverse proxy you run).
    pub trust_proxy: bool,
    /// Delete free-text comments older than this many days; `None` keeps them.
    pub comment_retention_days: Option<u32>,
    /// How long a sign-in lasts.
    pub session_hours: u32,
    pub abuse: AbuseSettings,
}

impl Settings {
    /// Cookies get `Secure` when the site is served over HTTPS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:3000".into(),
            trust_proxy: false,
            comment_retention_days: None,
            session_hours: 8,
            abuse: AbuseSettings::default(),
        }
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub definitions: Arc<Definitions>,
    /// The criteria sets in force in this deployment (`HAILONG_CRITERIA`), oldest period first.
    pub criteria: Arc<Vec<survey_definitions::CriteriaSet>>,
    pub settings: Arc<Settings>,
    pub limiters: Arc<Limiters>,
    pub recent: Arc<crate::abuse::RecentAtDesk>,
    pub salts: Arc<SaltCache>,
    pub writer: crate::writer::ResponseWriter,
    /// Newly stored responses, for the live dashboards.
    pub live: crate::live::LiveHub,
    /// The names the files of `pkg/` are served under.
    pub assets: Arc<crate::assets::Assets>,
}

impl AppState {
    /// The full public URL of a desk's survey: what its QR code encodes.
    pub fn survey_url(&self, public_code: &str) -> String {
        format!("{}/q/{public_code}", self.settings.public_url)
    }

    /// The client of a request: its address (the proxy's `X-Forwarded-For` when trusted) and
    /// its device cookie.
    pub fn client_info(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> ClientInfo {
        let forwarded = self
            .settings
            .trust_proxy
            .then(|| headers.get("x-forwarded-for"))
            .flatten()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        let ip = forwarded
            .or(peer.map(|p| p.ip()))
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let device_id = headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(device_from_cookie_header);
        ClientInfo { ip, device_id }
    }
}
