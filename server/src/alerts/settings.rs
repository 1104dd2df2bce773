//! The alert settings: the rule, the mail server, the webhook, and how often the tasks look
//! and retry. Read from the environment by `config::alert_settings`.

use std::time::Duration;

use anyhow::Context;
use app::alerts::rule::AlertRule;

/// Everything the alert tasks need; without a mail server and a webhook they do not run.
#[derive(Clone, Debug)]
pub struct AlertSettings {
    /// `HAILONG_SMTP_URL`, `HAILONG_SMTP_TLS`, `HAILONG_MAIL_FROM`.
    pub smtp: Option<SmtpSettings>,
    /// `HAILONG_WEBHOOK_URL`, `HAILONG_WEBHOOK_SECRET`.
    pub webhook: Option<WebhookSettings>,
    /// `HAILONG_ALERT_MAX_OVERALL`, `HAILONG_ALERT_COMMENT_MAX_OVERALL`.
    pub rule: AlertRule,
    /// `HAILONG_ALERT_POLL_SECONDS`: how often new answers are looked for and due messages sent.
    pub poll: Duration,
    /// `HAILONG_ALERT_RETRY_SECONDS`: the wait after a first failed delivery, doubled after
    /// each further one.
    pub retry: Duration,
    /// `HAILONG_ALERT_MAX_ATTEMPTS`: deliveries tried before a message is marked failed.
    pub max_attempts: u32,
    /// `HAILONG_ALERT_DIGEST_HOUR`: the province's hour at which daily digests go out.
    pub digest_hour: u32,
    /// `HAILONG_ALERT_ESCALATE_DAYS`: how old an unfavourable answer gets, unresolved, before
    /// the province reviewers assigned its commune are mailed (`None`: never).
    pub escalate_after: Option<Duration>,
    /// How often answers due for escalation are looked for.
    pub escalation_every: Duration,
    /// How long after an id was seen every lower id is surely committed or gone: the writer
    /// retries a batch for 8 s, and no transaction of it lasts minutes.
    pub settle: Duration,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            smtp: None,
            webhook: None,
            rule: AlertRule::default(),
            poll: Duration::from_secs(10),
            retry: Duration::from_secs(60),
            max_attempts: 6,
            digest_hour: 7,
            escalate_after: Some(Duration::from_secs(7 * 86_400)),
            escalation_every: Duration::from_secs(600),
            settle: Duration::from_secs(300),
        }
    }
}

/// How the connection to the mail server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the same machine or network.
    None,
    /// STARTTLS is required (port 587 by default).
    StartTls,
    /// TLS from the first byte (port 465 by default).
    Tls,
}

/// The mail server and the sender.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `HAILONG_MAIL_FROM`, as the mail's `From:`.
    pub from: lettre::message::Mailbox,
}

impl SmtpSettings {
    /// `smtp://[user:password@]host[:port]` (or `smtps://`, TLS from the first byte), the TLS
    /// setting (`none`, `starttls`, `tls`; default `starttls`, `tls` for `smtps://`) and the
    /// sender (default `Hài Lòng <no-reply@localhost>`).
    pub fn parse(url: &str, tls: Option<&str>, from: Option<&str>) -> anyhow::Result<SmtpSettings> {
        let example = "e.g. smtp://mail.example.gov.vn:587";
        let parsed = url::Url::parse(url)
            .with_context(|| format!("HAILONG_SMTP_URL is not a URL (got `{url}`; {example})"))?;
        let implicit = match parsed.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => anyhow::bail!(
                "HAILONG_SMTP_URL must start with smtp:// or smtps:// (got `{other}://`; {example})"
            ),
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .with_context(|| {
                format!("HAILONG_SMTP_URL must name the mail server (got `{url}`; {example})")
            })?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let tls = match (tls.map(str::trim), implicit) {
            (None, false) => SmtpTls::StartTls,
            (None, true) | (Some("tls"), _) => SmtpTls::Tls,
            (Some("starttls"), _) => SmtpTls::StartTls,
            (Some("none"), false) => SmtpTls::None,
            (Some(other), _) => anyhow::bail!(
                "HAILONG_SMTP_TLS must be none, starttls or tls (got `{other}`; smtps:// is always tls)"
            ),
        };
        let port = parsed.port().unwrap_or(match tls {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        });
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let username = Some(decode(parsed.username())).filter(|u| !u.is_empty());
        let password = parsed.password().map(decode);
        let from = from.unwrap_or("Hài Lòng <no-reply@localhost>").trim();
        let from = from.parse().map_err(|e| {
            anyhow::anyhow!(
                "HAILONG_MAIL_FROM must be an address such as `Hài Lòng <hailong@example.gov.vn>` (got `{from}`: {e})"
            )
        })?;
        Ok(SmtpSettings {
            host,
            port,
            tls,
            username,
            password,
            from,
        })
    }
}

/// Where the webhook posts and the key it signs with.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    pub url: String,
    pub secret: String,
}

impl WebhookSettings {
    /// An `http://` or `https://` URL with a host, and a secret of at least 16 characters.
    pub fn parse(url: &str, secret: String) -> anyhow::Result<WebhookSettings> {
        let parsed = url::Url::parse(url).ok().filter(|u| {
            matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
        });
        anyhow::ensure!(
            parsed.is_some(),
            "HAILONG_WEBHOOK_URL must start with http:// or https:// and name a host (got `{url}`)"
        );
        anyhow::ensure!(
            secret.trim().chars().count() >= 16,
            "HAILONG_WEBHOOK_SECRET must be set to at least 16 characters with HAILONG_WEBHOOK_URL: \
             the receiver checks each call's signature with it"
        );
        Ok(WebhookSettings {
            url: url.to_string(),
            secret: secret.trim().to_string(),
        })
    }
}
