//! Finds unfavourable answers and queues their messages.
//!
//! Response ids are not committed in order on PostgreSQL (two writer tasks, perhaps several
//! processes, each with its transaction open while it takes ids), so a cursor moved past the
//! highest id seen could skip a lower id committed a moment later. The scanner therefore looks
//! at every id above the cursor at each pass, and moves the cursor only to an id it saw
//! `settle` ago: by then every lower id is committed or gone. Answers seen again meanwhile
//! are not queued twice (`alert_sources`), whichever process sees them.

use std::collections::VecDeque;
use std::time::Instant;

use app::state::AppState;

use super::settings::AlertSettings;

/// Most unfavourable answers queued in one query.
const BATCH: i64 = 500;
/// Answers given longer ago than this send no alert: a kiosk's offline queue arrives within two
/// days, and alerts switched on after months without a mail server must not mail the past.
const MAX_AGE_MS: i64 = 3 * 86_400_000;

/// Scans every `settings.poll` until the runtime ends; errors are logged and the next pass
/// tries again.
pub async fn run(state: AppState, settings: AlertSettings) {
    let mut seen: VecDeque<(Instant, i64)> = VecDeque::new();
    let mut escalated: Option<Instant> = None;
    let mut tick = tokio::time::interval(settings.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = scan(&state, &settings, &mut seen).await {
            tracing::warn!("alert scanner: {e}");
        }
        if escalated.is_none_or(|at| at.elapsed() >= settings.escalation_every) {
            escalated = Some(Instant::now());
            if let Err(e) = escalate(&state, &settings).await {
                tracing::warn!("alert escalation: {e}");
            }
        }
    }
}

/// How far back escalation looks past the escalation age: answers older than that were
/// escalated already, or (given before alerts were switched on) are left alone.
const ESCALATION_WINDOW_MS: i64 = 30 * 86_400_000;

/// Queues the mails to province reviewers about unfavourable answers left unresolved longer
/// than `escalate_after`; how many.
pub async fn escalate(
    state: &AppState,
    settings: &AlertSettings,
) -> Result<u64, app::store::StoreError> {
    let (Some(after), Some(_)) = (settings.escalate_after, &settings.smtp) else {
        return Ok(0);
    };
    let now = app::clock::now_ms();
    let before = now - after.as_millis() as i64;
    let queued = state
        .store
        .queue_escalations(before - ESCALATION_WINDOW_MS, before, now)
        .await?;
    if queued > 0 {
        tracing::info!("alerts: {queued} unresolved complaints escalated");
    }
    Ok(queued)
}

/// One pass: queues the messages of unfavourable answers above the cursor; how many.
pub async fn scan(
    state: &AppState,
    settings: &AlertSettings,
    seen: &mut VecDeque<(Instant, i64)>,
) -> Result<u64, app::store::StoreError> {
    let store = &state.store;
    let cursor = store.alert_cursor().await?;
    // The newest id is read before the scan: the scan that follows covers everything up to it
    // that is committed now, and a later pass covers the rest.
    seen.push_back((Instant::now(), store.newest_response_id().await?));
    let mut after = cursor;
    let mut queued = 0;
    loop {
        let rows = store
            .unfavourable_without_alerts(
                after,
                app::clock::now_ms() - MAX_AGE_MS,
                settings.rule.max_overall,
                settings.rule.comment_max_overall,
                BATCH,
            )
            .await?;
        let now = app::clock::now_ms();
        let digest_at = app::alerts::rule::next_digest_at(now, settings.digest_hour);
        for row in &rows {
            queued += store
                .queue_alerts(
                    row.response_id,
                    now,
                    digest_at,
                    settings.smtp.is_some(),
                    settings.webhook.as_ref().map(|w| w.url.as_str()),
                )
                .await?;
            after = row.response_id;
        }
        if (rows.len() as i64) < BATCH {
            break;
        }
    }
    while let Some(&(at, id)) = seen.front() {
        if at.elapsed() < settings.settle {
            break;
        }
        store.advance_alert_cursor(id).await?;
        seen.pop_front();
    }
    if queued > 0 {
        tracing::info!("alerts: {queued} messages queued");
    }
    Ok(queued)
}
