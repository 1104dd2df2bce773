//! Configuration from environment variables, each with a default that works on a fresh clone.
//! Every variable is listed in README.md and .env.example.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use app::abuse::kiosk::{KioskApproval, KioskSettings};
use app::abuse::AbuseSettings;
use app::alerts::rule::AlertRule;
use app::domain::flags::CountFlagged;

pub use crate::alerts::settings::{AlertSettings, SmtpSettings, WebhookSettings};
use crate::logging::LogFormat;

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
    /// `HAILONG_DEFINITIONS`: folder with `surveys/`, `criteria/` and `units/`.
    pub definitions_dir: PathBuf,
    /// `HAILONG_PROVINCE`: the two-digit code of the province this deployment serves (default
    /// `75`, Thành phố Đồng Nai); checked against the national map at start-up.
    pub province: String,
    /// `HAILONG_TRUST_PROXY=N`: N reverse proxies of ours stand in front (0: none); the client
    /// address is the entry the outermost one added to `X-Forwarded-For`.
    pub trusted_proxies: usize,
    /// `HAILONG_COMMENT_RETENTION_DAYS`: delete comments older than this; unset keeps them.
    pub comment_retention_days: Option<u32>,
    /// `HAILONG_SESSION_HOURS`: how long a sign-in lasts (default 8).
    pub session_hours: u32,
    /// Criteria set ids this deployment scores with (`HAILONG_CRITERIA`, comma-separated), one
    /// per period; the newest version of each is used. Empty (the variable unset): the sets
    /// `criteria/provinces.csv` gives the province.
    pub criteria: Vec<String>,
    /// Survey anti-abuse limits (`HAILONG_DEVICE_WINDOW_MINUTES`, …; see README).
    pub abuse: AbuseSettings,
    /// Kiosk quotas, enrolment limit, approval and rules (`HAILONG_KIOSK_*`; see README).
    pub kiosk: KioskSettings,
    /// `HAILONG_LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: LogFormat,
    /// `HAILONG_MONTHLY_REPORT`: `on` (default) makes and keeps the province's report of each
    /// month once it is over; `off` leaves reports to be made on demand.
    pub monthly_report: bool,
    /// `HAILONG_KEPT_REPORTS_PER_DAY`: how many reports one user may make and keep on request
    /// in 24 hours (20): each costs seconds of CPU and stays stored.
    pub kept_reports_per_day: u32,
    /// `HAILONG_METRICS_TOKEN`: a bearer token that opens `/metrics` from other machines than
    /// this one; unset, only loopback clients may read it.
    pub metrics_token: Option<String>,
    /// `HAILONG_DOSSIER_PATTERN`: the province's dossier-code format, a regular expression
    /// starting with `^` or a simple pattern (`9` a digit, `A` a letter, `*` letters and digits).
    pub dossier_pattern: app::domain::dossier_code::DossierPattern,
    /// `HAILONG_OIDC_ISSUER`, `HAILONG_OIDC_CLIENT_ID`, `HAILONG_OIDC_CLIENT_SECRET`: the
    /// province's identity service for single sign-on (all three, or none for no single sign-on).
    pub oidc: Option<app::accounts::sso::ProviderSettings>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A numeric variable, or `default` when unset; a malformed value is an error naming it.
fn number<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name} must be a whole number (got `{v}`)")),
    }
}

/// `HH:MM-HH:MM` as minutes since midnight.
fn opening_hours(value: &str) -> anyhow::Result<(u32, u32)> {
    let parse = |hm: &str| -> Option<u32> {
        let (h, m) = hm.trim().split_once(':')?;
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(h * 60 + m)
    };
    value
        .split_once('-')
        .and_then(|(a, b)| Some((parse(a)?, parse(b)?)))
        .filter(|(a, b)| a < b)
        .with_context(|| {
            format!("HAILONG_OPENING_HOURS must look like 07:00-17:30 (got `{value}`)")
        })
}

/// `1-6` (Monday to Saturday) or a list `1,2,3`: ISO weekdays, 1 = Monday, as 0-based days.
fn open_days(value: &str) -> anyhow::Result<Vec<u32>> {
    let err = || format!("HAILONG_OPEN_DAYS must look like 1-6 or 1,2,3,4,5 (got `{value}`)");
    let days: Vec<u32> = if let Some((a, b)) = value.split_once('-') {
        let (a, b): (u32, u32) = (
            a.trim().parse().ok().with_context(err)?,
            b.trim().parse().ok().with_context(err)?,
        );
        (a..=b).collect()
    } else {
        value
            .split(',')
            .map(|d| d.trim().parse().ok())
            .collect::<Option<Vec<u32>>>()
            .with_context(err)?
    };
    anyhow::ensure!(days.iter().all(|d| (1..=7).contains(d)), err());
    Ok(days.into_iter().map(|d| d - 1).collect())
}

/// `HAILONG_TRUST_PROXY`: a number of proxies; `true` and `false` read as 1 and 0.
fn trusted_proxies(value: Option<&str>) -> anyhow::Result<usize> {
    match value.map(str::trim) {
        None | Some("false") => Ok(0),
        Some("true") => Ok(1),
        Some(n) => n.parse().ok().filter(|&n| n <= 10).with_context(|| {
            format!(
                "HAILONG_TRUST_PROXY must be the number of proxies in front, 0 to 10 (got `{n}`)"
            )
        }),
    }
}

fn abuse_from_env() -> anyhow::Result<AbuseSettings> {
    let d = AbuseSettings::default();
    let (open_minute, close_minute) = match var("HAILONG_OPENING_HOURS") {
        Some(v) => opening_hours(&v)?,
        None => (d.open_minute, d.close_minute),
    };
    Ok(AbuseSettings {
        device_window: std::time::Duration::from_secs(
            60 * number(
                "HAILONG_DEVICE_WINDOW_MINUTES",
                d.device_window.as_secs() / 60,
            )?,
        ),
        client_per_minute: number("HAILONG_CLIENT_PER_MINUTE", d.client_per_minute)?,
        client_burst: number("HAILONG_CLIENT_BURST", d.client_burst)?,
        device_per_minute: number("HAILONG_DEVICE_PER_MINUTE", d.device_per_minute)?,
        device_burst: number("HAILONG_DEVICE_BURST", d.device_burst)?,
        open_minute,
        close_minute,
        open_days: match var("HAILONG_OPEN_DAYS") {
            Some(v) => open_days(&v)?,
            None => d.open_days.clone(),
        },
        desk_per_minute_flag: number("HAILONG_DESK_PER_MINUTE_FLAG", d.desk_per_minute_flag)?,
        dossier_window_days: number("HAILONG_DOSSIER_WINDOW_DAYS", d.dossier_window_days)?,
        count_flagged: match var("HAILONG_COUNT_FLAGGED") {
            None => d.count_flagged,
            Some(v) => CountFlagged::parse(v.trim()).with_context(|| {
                format!("HAILONG_COUNT_FLAGGED must be after_review or at_once (got `{v}`)")
            })?,
        },
        live_streams_per_session: number(
            "HAILONG_LIVE_STREAMS_PER_SESSION",
            d.live_streams_per_session,
        )?,
        live_streams_per_user: number("HAILONG_LIVE_STREAMS_PER_USER", d.live_streams_per_user)?,
        ..d
    })
}

/// A whole number of at least 1, or `default` when unset.
fn at_least_one(name: &str, default: u32) -> anyhow::Result<u32> {
    let n = number(name, default)?;
    anyhow::ensure!(n >= 1, "{name} must be at least 1 (got {n})");
    Ok(n)
}

fn kiosk_from_env() -> anyhow::Result<KioskSettings> {
    let d = KioskSettings::default();
    Ok(KioskSettings {
        desk_per_minute: at_least_one("HAILONG_KIOSK_DESK_PER_MINUTE", d.desk_per_minute)?,
        desk_burst: at_least_one("HAILONG_KIOSK_DESK_BURST", d.desk_burst)?,
        max_per_desk: at_least_one("HAILONG_KIOSK_MAX_PER_DESK", d.max_per_desk)?,
        approval: match var("HAILONG_KIOSK_APPROVAL") {
            None => d.approval,
            Some(v) => KioskApproval::parse(v.trim()).with_context(|| {
                format!("HAILONG_KIOSK_APPROVAL must be none or province (got `{v}`)")
            })?,
        },
        min_gap: std::time::Duration::from_secs(number(
            "HAILONG_KIOSK_MIN_GAP_SECONDS",
            d.min_gap.as_secs(),
        )?),
        max_queue_age: std::time::Duration::from_secs(
            3600 * u64::from(at_least_one(
                "HAILONG_KIOSK_MAX_QUEUE_HOURS",
                u32::try_from(d.max_queue_age.as_secs() / 3600).unwrap_or(u32::MAX),
            )?),
        ),
        max_run: number("HAILONG_KIOSK_MAX_RUN", d.max_run)?,
        run_odds: at_least_one("HAILONG_KIOSK_RUN_ODDS", d.run_odds)?,
        cadence_taps: number("HAILONG_KIOSK_CADENCE_TAPS", d.cadence_taps)?,
        cadence_cv_percent: number("HAILONG_KIOSK_CADENCE_CV_PERCENT", d.cadence_cv_percent)?,
        share_min_ratings: number("HAILONG_KIOSK_SHARE_MIN_RATINGS", d.share_min_ratings)?,
        share_excess_points: number("HAILONG_KIOSK_SHARE_EXCESS_POINTS", d.share_excess_points)?,
        share_odds: at_least_one("HAILONG_KIOSK_SHARE_ODDS", d.share_odds)?,
    })
}

/// Parses `HAILONG_CRITERIA`; whether the ids exist is checked when the sets are loaded. Unset,
/// the province's sets come from `criteria/provinces.csv`, so switching `HAILONG_PROVINCE`
/// switches them too.
pub fn criteria_ids(value: Option<&str>) -> anyhow::Result<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let ids: Vec<String> = value
        .split(',')
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect();
    anyhow::ensure!(
        !ids.is_empty(),
        "HAILONG_CRITERIA must name at least one criteria set, e.g. dong-nai-2025,dong-nai-2026, \
         or be unset to use the province's sets (criteria/provinces.csv)"
    );
    Ok(ids)
}

impl Config {
    /// Reads the environment; `addr` (from `--addr`) wins over `HAILONG_ADDR`.
    pub fn from_env(addr: Option<SocketAddr>) -> anyhow::Result<Config> {
        let unknown =
            unknown_settings(std::env::vars_os().filter_map(|(k, _)| k.into_string().ok()));
        anyhow::ensure!(
            unknown.is_empty(),
            "unknown setting {}: the settings are {}",
            unknown.join(", "),
            SETTINGS.join(", ")
        );
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
                .map_or_else(|| beside_binary_or("site", "target/site"), PathBuf::from),
            definitions_dir: var("HAILONG_DEFINITIONS").map_or_else(
                || beside_binary_or("survey-definitions", "survey-definitions"),
                PathBuf::from,
            ),
            province: province_code(var("HAILONG_PROVINCE").as_deref())?,
            trusted_proxies: trusted_proxies(var("HAILONG_TRUST_PROXY").as_deref())?,
            comment_retention_days: match var("HAILONG_COMMENT_RETENTION_DAYS") {
                None => None,
                Some(_) => Some(number("HAILONG_COMMENT_RETENTION_DAYS", 0)?),
            },
            session_hours: number("HAILONG_SESSION_HOURS", 8)?,
            criteria: criteria_ids(var("HAILONG_CRITERIA").as_deref())?,
            abuse: abuse_from_env()?,
            kiosk: kiosk_from_env()?,
            log_format: match var("HAILONG_LOG_FORMAT") {
                None => LogFormat::default(),
                Some(v) => LogFormat::parse(&v).with_context(|| {
                    format!("HAILONG_LOG_FORMAT must be text or json (got `{v}`)")
                })?,
            },
            monthly_report: match var("HAILONG_MONTHLY_REPORT").as_deref().map(str::trim) {
                None | Some("on") => true,
                Some("off") => false,
                Some(v) => anyhow::bail!("HAILONG_MONTHLY_REPORT must be on or off (got `{v}`)"),
            },
            kept_reports_per_day: match number("HAILONG_KEPT_REPORTS_PER_DAY", 20)? {
                0 => anyhow::bail!("HAILONG_KEPT_REPORTS_PER_DAY must be at least 1"),
                n => n,
            },
            metrics_token: match var("HAILONG_METRICS_TOKEN") {
                None => None,
                Some(token) => {
                    anyhow::ensure!(
                        token.trim().len() >= 16 && !token.contains(char::is_whitespace),
                        "HAILONG_METRICS_TOKEN must be at least 16 characters without spaces"
                    );
                    Some(token.trim().to_owned())
                }
            },
            dossier_pattern: match var("HAILONG_DOSSIER_PATTERN") {
                None => Default::default(),
                Some(v) => app::domain::dossier_code::DossierPattern::parse(&v).map_err(|e| {
                    anyhow::anyhow!("HAILONG_DOSSIER_PATTERN is not a dossier-code format: {e}")
                })?,
            },
            oidc: app::accounts::sso::ProviderSettings::parse(
                var("HAILONG_OIDC_ISSUER").as_deref(),
                var("HAILONG_OIDC_CLIENT_ID").as_deref(),
                var("HAILONG_OIDC_CLIENT_SECRET").as_deref(),
            )
            .map_err(anyhow::Error::msg)?,
        })
    }

    /// The effective settings on one line, secrets hidden (the database password, the metrics
    /// token), for the start-up log and `hailong check --config`.
    pub fn summary(&self) -> String {
        let a = &self.abuse;
        let k = &self.kiosk;
        format!(
            "DATABASE_URL={} HAILONG_ADDR={} HAILONG_PUBLIC_URL={} HAILONG_SITE_ROOT={} \
             HAILONG_DEFINITIONS={} HAILONG_PROVINCE={} HAILONG_CRITERIA={} \
             HAILONG_TRUST_PROXY={} HAILONG_SESSION_HOURS={} HAILONG_COMMENT_RETENTION_DAYS={} \
             HAILONG_CLIENT_PER_MINUTE={} HAILONG_CLIENT_BURST={} HAILONG_DEVICE_PER_MINUTE={} \
             HAILONG_DEVICE_BURST={} HAILONG_DEVICE_WINDOW_MINUTES={} HAILONG_KIOSK_APPROVAL={:?} \
             HAILONG_KIOSK_MAX_PER_DESK={} HAILONG_LOG_FORMAT={} HAILONG_MONTHLY_REPORT={} \
             HAILONG_KEPT_REPORTS_PER_DAY={} HAILONG_METRICS_TOKEN={} HAILONG_OIDC_ISSUER={}",
            redact_url(&self.database_url),
            self.addr,
            self.public_url,
            self.site_root.display(),
            self.definitions_dir.display(),
            self.province,
            if self.criteria.is_empty() {
                "(criteria/provinces.csv)".to_string()
            } else {
                self.criteria.join(",")
            },
            self.trusted_proxies,
            self.session_hours,
            self.comment_retention_days
                .map_or_else(|| "unset".to_owned(), |d| d.to_string()),
            a.client_per_minute,
            a.client_burst,
            a.device_per_minute,
            a.device_burst,
            a.device_window.as_secs() / 60,
            k.approval,
            k.max_per_desk,
            self.log_format.key(),
            if self.monthly_report { "on" } else { "off" },
            self.kept_reports_per_day,
            if self.metrics_token.is_some() {
                "(set)"
            } else {
                "unset"
            },
            self.oidc.as_ref().map_or("unset", |o| o.issuer.as_str()),
        )
    }
}

/// The URL without its password, for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// A folder the release archive ships beside the binary (`site`, `survey-definitions`) when
/// it is there, so an unpacked release runs from any working directory; otherwise the
/// workspace's own folder, relative to the working directory (`cargo run`, the tests).
fn beside_binary_or(name: &str, workspace: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(name)))
        .filter(|dir| dir.is_dir())
        .unwrap_or_else(|| workspace.into())
}

/// The alert settings from the environment (see [`alert_settings`]).
pub fn alert_settings_from_env() -> anyhow::Result<AlertSettings> {
    alert_settings(var)
}

/// The alert settings read through `get` (`HAILONG_SMTP_URL`, `HAILONG_WEBHOOK_URL`,
/// `HAILONG_ALERT_*`…); a value that cannot work is refused with the reason, before the server
/// starts.
pub fn alert_settings(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<AlertSettings> {
    let d = AlertSettings::default();
    let number = |name: &str, default: u64| -> anyhow::Result<u64> {
        match get(name) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| anyhow::anyhow!("{name} must be a whole number (got `{v}`)")),
        }
    };
    let smtp = match get("HAILONG_SMTP_URL") {
        None => None,
        Some(url) => Some(SmtpSettings::parse(
            url.trim(),
            get("HAILONG_SMTP_TLS").as_deref(),
            get("HAILONG_MAIL_FROM").as_deref(),
        )?),
    };
    let webhook = match get("HAILONG_WEBHOOK_URL") {
        None => None,
        Some(url) => Some(WebhookSettings::parse(
            url.trim(),
            get("HAILONG_WEBHOOK_SECRET").unwrap_or_default(),
        )?),
    };
    let max_overall = number("HAILONG_ALERT_MAX_OVERALL", d.rule.max_overall as u64)?;
    let comment_max_overall = number(
        "HAILONG_ALERT_COMMENT_MAX_OVERALL",
        d.rule.comment_max_overall as u64,
    )?;
    anyhow::ensure!(
        max_overall <= 5 && comment_max_overall <= 5,
        "HAILONG_ALERT_MAX_OVERALL and HAILONG_ALERT_COMMENT_MAX_OVERALL are ratings from 0 to 5"
    );
    let digest_hour = number("HAILONG_ALERT_DIGEST_HOUR", u64::from(d.digest_hour))?;
    anyhow::ensure!(
        digest_hour < 24,
        "HAILONG_ALERT_DIGEST_HOUR is an hour from 0 to 23 (got {digest_hour})"
    );
    let seconds =
        |name: &str, default: std::time::Duration| -> anyhow::Result<std::time::Duration> {
            let n = number(name, default.as_secs())?;
            anyhow::ensure!(n >= 1, "{name} must be at least 1 (got {n})");
            Ok(std::time::Duration::from_secs(n))
        };
    let max_attempts = number("HAILONG_ALERT_MAX_ATTEMPTS", d.max_attempts.into())?;
    anyhow::ensure!(
        (1..=50).contains(&max_attempts),
        "HAILONG_ALERT_MAX_ATTEMPTS must be 1 to 50 (got {max_attempts})"
    );
    let escalate_days = number("HAILONG_ALERT_ESCALATE_DAYS", 7)?;
    anyhow::ensure!(
        escalate_days <= 365,
        "HAILONG_ALERT_ESCALATE_DAYS is a number of days from 0 (never) to 365 (got {escalate_days})"
    );
    Ok(AlertSettings {
        escalate_after: (escalate_days > 0)
            .then(|| std::time::Duration::from_secs(escalate_days * 86_400)),
        escalation_every: d.escalation_every,
        smtp,
        webhook,
        rule: AlertRule {
            max_overall: max_overall as i64,
            comment_max_overall: comment_max_overall as i64,
        },
        poll: seconds("HAILONG_ALERT_POLL_SECONDS", d.poll)?,
        retry: seconds("HAILONG_ALERT_RETRY_SECONDS", d.retry)?,
        max_attempts: max_attempts as u32,
        digest_hour: digest_hour as u32,
        settle: d.settle,
    })
}

/// Every `HAILONG_*` setting the app reads (README lists each with its default).
pub const SETTINGS: &[&str] = &[
    "HAILONG_ADDR",
    "HAILONG_ALERT_COMMENT_MAX_OVERALL",
    "HAILONG_ALERT_DIGEST_HOUR",
    "HAILONG_ALERT_ESCALATE_DAYS",
    "HAILONG_ALERT_MAX_ATTEMPTS",
    "HAILONG_ALERT_MAX_OVERALL",
    "HAILONG_ALERT_POLL_SECONDS",
    "HAILONG_ALERT_RETRY_SECONDS",
    "HAILONG_CLIENT_BURST",
    "HAILONG_CLIENT_PER_MINUTE",
    "HAILONG_COMMENT_RETENTION_DAYS",
    "HAILONG_COUNT_FLAGGED",
    "HAILONG_CRITERIA",
    "HAILONG_DEFINITIONS",
    "HAILONG_DESK_PER_MINUTE_FLAG",
    "HAILONG_DEVICE_BURST",
    "HAILONG_DEVICE_PER_MINUTE",
    "HAILONG_DEVICE_WINDOW_MINUTES",
    "HAILONG_DOSSIER_PATTERN",
    "HAILONG_DOSSIER_WINDOW_DAYS",
    "HAILONG_KEPT_REPORTS_PER_DAY",
    "HAILONG_KIOSK_APPROVAL",
    "HAILONG_KIOSK_CADENCE_CV_PERCENT",
    "HAILONG_KIOSK_CADENCE_TAPS",
    "HAILONG_KIOSK_DESK_BURST",
    "HAILONG_KIOSK_DESK_PER_MINUTE",
    "HAILONG_KIOSK_MAX_PER_DESK",
    "HAILONG_KIOSK_MAX_QUEUE_HOURS",
    "HAILONG_KIOSK_MAX_RUN",
    "HAILONG_KIOSK_MIN_GAP_SECONDS",
    "HAILONG_KIOSK_RUN_ODDS",
    "HAILONG_KIOSK_SHARE_EXCESS_POINTS",
    "HAILONG_KIOSK_SHARE_MIN_RATINGS",
    "HAILONG_KIOSK_SHARE_ODDS",
    "HAILONG_LIVE_STREAMS_PER_SESSION",
    "HAILONG_LIVE_STREAMS_PER_USER",
    "HAILONG_LOG_FORMAT",
    "HAILONG_METRICS_TOKEN",
    "HAILONG_MAIL_FROM",
    "HAILONG_MONTHLY_REPORT",
    "HAILONG_OIDC_CLIENT_ID",
    "HAILONG_OIDC_CLIENT_SECRET",
    "HAILONG_OIDC_ISSUER",
    "HAILONG_OPENING_HOURS",
    "HAILONG_OPEN_DAYS",
    "HAILONG_PROVINCE",
    "HAILONG_PUBLIC_URL",
    "HAILONG_SESSION_HOURS",
    "HAILONG_SITE_ROOT",
    "HAILONG_SMTP_TLS",
    "HAILONG_SMTP_URL",
    "HAILONG_TRUST_PROXY",
    "HAILONG_WEBHOOK_SECRET",
    "HAILONG_WEBHOOK_URL",
];

/// The `HAILONG_*` names among `names` that are no setting: a mistyped name would otherwise be
/// ignored and its default used without a word.
pub fn unknown_settings(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut unknown: Vec<String> = names
        .filter(|n| n.starts_with("HAILONG_") && !SETTINGS.contains(&n.as_str()))
        .collect();
    unknown.sort();
    unknown
}

/// The province a deployment serves when `HAILONG_PROVINCE` is unset: Thành phố Đồng Nai.
pub const DEFAULT_PROVINCE: &str = "75";

/// `HAILONG_PROVINCE`: two digits. Whether a province has that code is the map's to say, at
/// start-up, with the list of valid codes.
pub fn province_code(value: Option<&str>) -> anyhow::Result<String> {
    let code = value.unwrap_or(DEFAULT_PROVINCE).trim();
    anyhow::ensure!(
        code.len() == 2 && code.bytes().all(|b| b.is_ascii_digit()),
        "HAILONG_PROVINCE must be a two-digit province code such as 75 (got `{code}`)"
    );
    Ok(code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_setting_is_named() {
        let names = [
            "HAILONG_PROVINCE",
            "HAILONG_CLIENT_BRUST",
            "PATH",
            "HAILONG_LOG",
        ];
        assert_eq!(
            unknown_settings(names.iter().map(|s| s.to_string())),
            vec![
                "HAILONG_CLIENT_BRUST".to_string(),
                "HAILONG_LOG".to_string()
            ]
        );
        // Every setting the README documents is known.
        let readme = include_str!("../../README.md");
        for name in SETTINGS {
            assert!(readme.contains(name), "{name} is documented");
        }
    }

    #[test]
    fn province_is_two_digits_and_dong_nai_by_default() {
        assert_eq!(province_code(None).unwrap(), "75");
        assert_eq!(province_code(Some("01")).unwrap(), "01");
        assert!(province_code(Some("1")).is_err());
        assert!(province_code(Some("Đồng Nai")).is_err());
    }

    #[test]
    fn opening_hours_and_days_parse_or_explain() {
        assert_eq!(opening_hours("07:00-17:30").unwrap(), (420, 1050));
        assert!(opening_hours("17:30-07:00").is_err());
        assert!(opening_hours("7h-17h").is_err());
        assert_eq!(open_days("1-6").unwrap(), vec![0, 1, 2, 3, 4, 5]);
        assert_eq!(open_days("1,3").unwrap(), vec![0, 2]);
        assert!(open_days("0-8").is_err());
    }

    #[test]
    fn passwords_are_hidden_in_database_urls() {
        assert_eq!(
            redact_url("postgres://u:secret@127.0.0.1/db"),
            "postgres://u:***@127.0.0.1/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn alert_settings_refuse_what_cannot_work() {
        let with = |pairs: &'static [(&'static str, &'static str)]| {
            alert_settings(move |name| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            })
        };
        let none = with(&[]).unwrap();
        assert!(none.smtp.is_none() && none.webhook.is_none());
        assert_eq!(none.rule, AlertRule::default());
        let smtp = with(&[
            ("HAILONG_SMTP_URL", "smtp://127.0.0.1:2525"),
            ("HAILONG_SMTP_TLS", "none"),
        ])
        .unwrap()
        .smtp
        .unwrap();
        assert_eq!((smtp.host.as_str(), smtp.port), ("127.0.0.1", 2525));
        for (pairs, says) in [
            (
                &[("HAILONG_SMTP_URL", "smtp://")][..],
                "HAILONG_SMTP_URL must name the mail server",
            ),
            (
                &[("HAILONG_SMTP_URL", "smtp:///x")][..],
                "must name the mail server",
            ),
            (
                &[("HAILONG_SMTP_URL", "http://mail.x")][..],
                "must start with smtp://",
            ),
            (
                &[
                    ("HAILONG_SMTP_URL", "smtp://mail.x"),
                    ("HAILONG_SMTP_TLS", "yes"),
                ][..],
                "HAILONG_SMTP_TLS must be",
            ),
            (
                &[
                    ("HAILONG_SMTP_URL", "smtp://mail.x"),
                    ("HAILONG_MAIL_FROM", "không phải thư"),
                ][..],
                "HAILONG_MAIL_FROM",
            ),
            (
                &[("HAILONG_WEBHOOK_URL", "ftp://x")][..],
                "must start with http:// or https://",
            ),
            (
                &[("HAILONG_WEBHOOK_URL", "http://127.0.0.1:9/hook")][..],
                "HAILONG_WEBHOOK_SECRET",
            ),
            (
                &[("HAILONG_ALERT_MAX_OVERALL", "9")][..],
                "ratings from 0 to 5",
            ),
            (&[("HAILONG_ALERT_DIGEST_HOUR", "24")][..], "0 to 23"),
        ] {
            let err = with(pairs).unwrap_err().to_string();
            assert!(err.contains(says), "{pairs:?}: {err}");
        }
    }

    #[test]
    fn trusted_proxies_are_a_count() {
        assert_eq!(trusted_proxies(None).unwrap(), 0);
        assert_eq!(trusted_proxies(Some("1")).unwrap(), 1);
        assert_eq!(trusted_proxies(Some("true")).unwrap(), 1);
        assert_eq!(trusted_proxies(Some("2")).unwrap(), 2);
        assert!(trusted_proxies(Some("yes")).is_err());
    }
}
