//! Delivers the messages that are due: one mail per `mail` row, one digest mail per user for
//! the `digest` rows due together, one call per `webhook` row. A failure is retried after
//! `retry`, `2 × retry`, `4 × retry`… (at most 64 × retry), and after `max_attempts` the message
//! is marked failed with the reason; a permanent refusal fails it at once. Every attempt is
//! logged in `alert_deliveries`.

use std::collections::BTreeMap;

use app::alerts::message;
use app::state::AppState;
use app::store::alerts::DueAlertRow;
use app::store::StoreError;

use super::failure::Failure;
use super::mail::Mailer;
use super::settings::AlertSettings;
use super::webhook::Webhook;

/// Most messages taken in one pass.
const PASS: i64 = 200;
/// How long a message taken by this process stays out of others' reach: longer than one
/// delivery may take (mail and webhook give up after 20 s); a process that stops while sending
/// leaves the message to be tried again after this.
const CLAIM_MS: i64 = 60_000;

pub struct Sender {
    state: AppState,
    settings: AlertSettings,
    mailer: Option<Mailer>,
    webhook: Option<Webhook>,
}

impl Sender {
    pub fn new(state: &AppState, settings: &AlertSettings) -> anyhow::Result<Sender> {
        Ok(Sender {
            state: state.clone(),
            settings: settings.clone(),
            mailer: settings.smtp.as_ref().map(Mailer::new).transpose()?,
            webhook: settings.webhook.as_ref().map(Webhook::new).transpose()?,
        })
    }

    pub async fn run(self) {
        let mut tick = tokio::time::interval(self.settings.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.pass().await {
                tracing::warn!("alert sender: {e}");
            }
        }
    }

    /// Delivers what is due now.
    pub async fn pass(&self) -> Result<(), StoreError> {
        let store = &self.state.store;
        let now = app::clock::now_ms();
        let due = store.due_alerts(now, PASS).await?;
        let mut digests: BTreeMap<i64, Vec<DueAlertRow>> = BTreeMap::new();
        for alert in due {
            if !store.claim_alert(&alert, now + CLAIM_MS).await? {
                continue;
            }
            match alert.channel.as_str() {
                "digest" => digests
                    .entry(alert.user_id.unwrap_or_default())
                    .or_default()
                    .push(alert),
                "escalation" => {
                    let outcome = self.mail_escalation(&alert).await;
                    self.record(&alert, outcome).await?;
                }
                "webhook" => {
                    let outcome = self.call_webhook(&alert).await;
                    self.record(&alert, outcome).await?;
                }
                _ => {
                    let outcome = self.mail_one(&alert).await;
                    self.record(&alert, outcome).await?;
                }
            }
        }
        for alerts in digests.into_values() {
            let outcome = self.mail_digest(&alerts).await;
            for alert in &alerts {
                self.record(alert, outcome.clone()).await?;
            }
        }
        Ok(())
    }

    async fn response(
        &self,
        alert: &DueAlertRow,
    ) -> Result<app::store::alerts::AlertResponse, Failure> {
        self.state
            .store
            .alert_response(alert.response_id)
            .await
            .map_err(|e| Failure {
                reason: format!("cơ sở dữ liệu: {e}"),
                permanent: false,
            })?
            .ok_or_else(|| Failure {
                reason: "phiếu đánh giá không còn trong cơ sở dữ liệu".into(),
                permanent: true,
            })
    }

    async fn mail_one(&self, alert: &DueAlertRow) -> Result<(), Failure> {
        let mailer = self.mailer.as_ref().ok_or_else(no_mail_server)?;
        let response = self.response(alert).await?;
        let mail = message::single_mail(
            &response,
            &self.state.definitions,
            &self.state.settings.public_url,
        );
        mailer.send(&alert.recipient, &mail).await
    }

    async fn mail_escalation(&self, alert: &DueAlertRow) -> Result<(), Failure> {
        let mailer = self.mailer.as_ref().ok_or_else(no_mail_server)?;
        let response = self.response(alert).await?;
        let days = self
            .settings
            .escalate_after
            .map_or(0, |after| after.as_secs() / 86_400);
        let mail = message::escalation_mail(
            &response,
            &self.state.definitions,
            &self.state.settings.public_url,
            days,
        );
        mailer.send(&alert.recipient, &mail).await
    }

    async fn mail_digest(&self, alerts: &[DueAlertRow]) -> Result<(), Failure> {
        let mailer = self.mailer.as_ref().ok_or_else(no_mail_server)?;
        let mut responses = Vec::new();
        for alert in alerts {
            match self.response(alert).await {
                Ok(response) => responses.push(response),
                Err(failure) if failure.permanent => {}
                Err(failure) => return Err(failure),
            }
        }
        if responses.is_empty() {
            return Ok(());
        }
        let mail = message::digest_mail(
            &responses,
            &self.state.definitions,
            &self.state.settings.public_url,
        );
        mailer.send(&alerts[0].recipient, &mail).await
    }

    async fn call_webhook(&self, alert: &DueAlertRow) -> Result<(), Failure> {
        let webhook = self.webhook.as_ref().ok_or_else(|| Failure {
            reason: "HAILONG_WEBHOOK_URL is no longer set".into(),
            permanent: true,
        })?;
        let response = self.response(alert).await?;
        let event = message::webhook_event(&response, &self.state.settings.public_url);
        let body = serde_json::to_vec(&event).map_err(|e| Failure {
            reason: format!("webhook: {e}"),
            permanent: true,
        })?;
        webhook.post(&alert.recipient, alert.id, body).await
    }

    /// Records the attempt: sent, queued again after the backoff, or failed.
    async fn record(
        &self,
        alert: &DueAlertRow,
        outcome: Result<(), Failure>,
    ) -> Result<(), StoreError> {
        let attempt = alert.attempts + 1;
        let store = &self.state.store;
        match outcome {
            Ok(()) => {
                store
                    .record_alert_attempt(alert.id, attempt, None, None)
                    .await
            }
            Err(failure) => {
                metrics::counter!(
                    crate::metrics::ALERT_DELIVERY_FAILURES,
                    "channel" => alert.channel.clone()
                )
                .increment(1);
                let next = (!failure.permanent && attempt < i64::from(self.settings.max_attempts))
                    .then(|| app::clock::now_ms() + backoff_ms(&self.settings, attempt));
                tracing::warn!(
                    alert = alert.id,
                    attempt,
                    retry = next.is_some(),
                    "alert delivery failed: {}",
                    failure.reason
                );
                store
                    .record_alert_attempt(alert.id, attempt, Some(&failure.reason), next)
                    .await
            }
        }
    }
}

fn no_mail_server() -> Failure {
    Failure {
        reason: "HAILONG_SMTP_URL is no longer set".into(),
        permanent: true,
    }
}

/// The wait after failed attempt number `attempt` (1, 2, …): `retry` doubled each time, at most
/// 64 times `retry`.
pub fn backoff_ms(settings: &AlertSettings, attempt: i64) -> i64 {
    let doublings = (attempt - 1).clamp(0, 6) as u32;
    settings.retry.as_millis() as i64 * (1_i64 << doublings)
}
