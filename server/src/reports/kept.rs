//! Reports kept as they were made: the province's report of each month, made on schedule once
//! the month is over, and any report a province user chooses to keep. A kept report downloads
//! again byte for byte, whatever was answered or scored since, and says what it was made from.

use std::time::Duration;

use app::reports::ReportPeriod;
use app::state::AppState;
use app::store::kept_reports::{NewKeptReport, PROVINCE_SCOPE};
use sha2::{Digest, Sha256};

use super::{made_report, Scope};

/// How often the schedule looks for a month to report on.
const TICK: Duration = Duration::from_secs(3600);

/// Makes the report of `scope` and `period` and keeps it; `made_by` is the user who asked, or
/// `None` for the schedule, which keeps each period once. Returns the kept report's id, or
/// `None` when the schedule had already kept it.
pub async fn keep(
    state: &AppState,
    scope: Scope,
    period: ReportPeriod,
    made_by: Option<i64>,
) -> anyhow::Result<Option<i64>> {
    let (survey, issuer) = super::today_frame(&state.store, &state.definitions).await?;
    let scope_text = match &scope {
        Scope::Commune(code) => code.clone(),
        Scope::Province => PROVINCE_SCOPE.to_string(),
    };
    // Read before the figures: every response up to it is in the report, a later one may be.
    let last_response_id = state.store.last_response_id().await?;
    let made = made_report(
        &state.store,
        survey,
        &state.criteria,
        &issuer,
        scope,
        period,
    )
    .await?;
    let sha256 = hex(&Sha256::digest(&made.pdf));
    let kept = state
        .store
        .keep_report(&NewKeptReport {
            scope: &scope_text,
            period: &period.to_string(),
            made_by,
            responses: made.responses,
            last_response_id,
            score_run: made
                .score_run
                .as_ref()
                .map(|(id, check)| (*id, check.as_str())),
            sha256: &sha256,
            pdf: &made.pdf,
        })
        .await?;
    Ok(kept)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The schedule's work on `today` (`YYYY-MM-DD`): the province's report of the last whole month,
/// unless kept already. Returns the id of the report it kept.
pub async fn monthly_due(state: &AppState, today: &str) -> anyhow::Result<Option<i64>> {
    let period = ReportPeriod::last_whole_month(today)
        .ok_or_else(|| anyhow::anyhow!("today is not a date: {today}"))?;
    if state
        .store
        .scheduled_report_kept(PROVINCE_SCOPE, &period.to_string())
        .await?
    {
        return Ok(None);
    }
    keep(state, Scope::Province, period, None).await
}

/// Runs the monthly schedule until the process ends: at start and every hour, the last whole
/// month's province report is made if it is not kept yet.
pub fn spawn_monthly(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match monthly_due(&state, &app::clock::today()).await {
                Ok(Some(id)) => tracing::info!(report = id, "monthly province report kept"),
                Ok(None) => {}
                Err(e) => tracing::error!("monthly province report: {e:#}"),
            }
        }
    });
}
