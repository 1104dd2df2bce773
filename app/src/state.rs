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
    /// How many reverse proxies of ours stand in front of the server, each adding the address
    /// it received the request from to `X-Forwarded-For`; 0 ignores the header.
    pub trusted_proxies: usize,
    /// Delete free-text comments older than this many days; `None` keeps them.
    pub comment_retention_days: Option<u32>,
    /// How long a sign-in lasts.
    pub session_hours: u32,
    pub abuse: AbuseSettings,
    /// Kiosk quotas, enrolment limit, approval and rules (`HAILONG_KIOSK_*`).
    pub kiosk: crate::abuse::kiosk::KioskSettings,
    /// The province's dossier-code format (`HAILONG_DOSSIER_PATTERN`).
    pub dossier_pattern: crate::domain::dossier_code::DossierPattern,
    /// Reports one user may make and keep on request in 24 hours
    /// (`HAILONG_KEPT_REPORTS_PER_DAY`).
    pub kept_reports_per_day: u32,
    /// The province's identity service for single sign-on (`HAILONG_OIDC_*`); `None`: staff
    /// sign in with Hài Lòng's own accounts only.
    pub oidc: Option<crate::accounts::sso::ProviderSettings>,
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
            trusted_proxies: 0,
            comment_retention_days: None,
            session_hours: 8,
            abuse: AbuseSettings::default(),
            kiosk: Default::default(),
            dossier_pattern: Default::default(),
            kept_reports_per_day: 20,
            oidc: None,
        }
    }
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub definitions: Arc<Definitions>,
    /// The criteria sets in force in this deployment, oldest period first, and whether they
    /// are the province's own (`criteria`).
    pub criteria: Arc<crate::criteria::CriteriaInForce>,
    pub settings: Arc<Settings>,
    pub limiters: Arc<Limiters>,
    pub recent: Arc<crate::abuse::RecentAtDesk>,
    pub salts: Arc<SaltCache>,
    /// Each desk's kiosk quota and the lock its kiosk ratings are judged under.
    pub kiosk_limits: Arc<crate::abuse::kiosk::KioskLimits>,
    pub writer: crate::writer::ResponseWriter,
    /// Newly stored responses, for the live dashboards.
    pub live: crate::live::LiveHub,
    /// The names the files of `pkg/` are served under.
    pub assets: Arc<crate::assets::Assets>,
    /// The newest score run of each criteria set, ranked (`store::ranked::RankedRuns`).
    pub ranked_runs: Arc<crate::store::ranked::RankedRuns>,
}

impl AppState {
    /// The full public URL of a desk's survey: what its QR code encodes.
    pub fn survey_url(&self, public_code: &str) -> String {
        format!("{}/q/{public_code}", self.settings.public_url)
    }

    /// The client of a request: its address and its device cookie. Behind `trusted_proxies`
    /// proxies the address is the entry the outermost of them added to `X-Forwarded-For`, counted
    /// from the right: whatever a client writes into the header itself stands further left, so it
    /// is never believed. Without that many entries the connection's own address is used.
    pub fn client_info(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> ClientInfo {
        let forwarded = client_from_forwarded(headers, self.settings.trusted_proxies);
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

/// The address that the outermost of `proxies` trusted proxies saw, from every
/// `X-Forwarded-For` header of the request (a proxy may add a header rather than extend one).
fn client_from_forwarded(headers: &HeaderMap, proxies: usize) -> Option<IpAddr> {
    if proxies == 0 {
        return None;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let at = entries.len().checked_sub(proxies)?;
    entries[at].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        headers
    }

    #[test]
    fn only_the_entry_added_by_the_trusted_proxy_is_believed() {
        let spoofed = headers(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(
            client_from_forwarded(&spoofed, 1),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(
            client_from_forwarded(&headers(&["6.6.6.6", "203.0.113.7"]), 1),
            Some("203.0.113.7".parse().unwrap()),
            "entries of several headers are read in order"
        );
        assert_eq!(
            client_from_forwarded(&headers(&["6.6.6.6, 203.0.113.7, 10.0.0.2"]), 2),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(
            client_from_forwarded(&spoofed, 0),
            None,
            "no proxy: ignored"
        );
        assert_eq!(client_from_forwarded(&headers(&["203.0.113.7"]), 2), None);
        assert_eq!(
            client_from_forwarded(&headers(&["not an address"]), 1),
            None
        );
        assert_eq!(client_from_forwarded(&HeaderMap::new(), 1), None);
    }
}
