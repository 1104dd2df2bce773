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

use super::AlertSettings;

/// Most unfavourable answers queued in one query.
const BATCH: i64 = 500;

/// Scans every `settings.poll` until the runtime ends; errors are logged and the next pass
/// tries again.
pub async fn run(state: AppState, settings: AlertSettings) {
    let mut seen: VecDeque<(Instant, i64)> = VecDeque::new();
    let mut tick = tokio::time::interval(settings.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = scan(&state, &settings, &mut seen).await {
            tracing::warn!("alert scanner: {e}");
        }
    }
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
