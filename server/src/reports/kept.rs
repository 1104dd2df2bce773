//! Reports kept as they were made: the province's and each commune's report of each month,
//! made on schedule once the month is over, and any report a province user chooses to keep. A
//! kept report downloads again byte for byte, whatever was answered or scored since, and says
//! what it was made from.

use std::time::Duration;

use app::reports::ReportPeriod;
use app::state::AppState;
use app::store::kept_reports::{NewKeptReport, PROVINCE_SCOPE};
use sha2::{Digest, Sha256};

use super::{made_report, Format, Scope};

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
    let scope_text = scope.kept_key();
    // Read before the figures: every response up to it is in the report, a later one may be.
    let last_response_id = state.store.last_response_id().await?;
    let made = made_report(
        &state.store,
        survey,
        &state.criteria,
        &issuer,
        scope,
        period,
        Format::Pdf,
    )
    .await?;
    let sha256 = hex(&Sha256::digest(&made.file));
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
            pdf: &made.file,
        })
        .await?;
    Ok(kept)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The schedule's work on `today` (`YYYY-MM-DD`): the last whole month's report of the province
/// and of each commune in force today, each unless kept already, so every commune's leaders find
/// their month's report kept as the province's is. One commune's failure is logged and the
/// others are still made. Returns the ids of the reports it kept.
pub async fn monthly_due(state: &AppState, today: &str) -> anyhow::Result<Vec<i64>> {
    let period = ReportPeriod::last_whole_month(today)
        .ok_or_else(|| anyhow::anyhow!("today is not a date: {today}"))?;
    let mut scopes = vec![Scope::Province];
    scopes.extend(
        state
            .store
            .communes_in_force(today)
            .await?
            .into_iter()
            .map(|c| Scope::Commune(c.code)),
    );
    let mut kept = Vec::new();
    for scope in scopes {
        let scope_text = scope.kept_key();
        if state
            .store
            .scheduled_report_kept(&scope_text, &period.to_string())
            .await?
        {
            continue;
        }
        match keep(state, scope, period, None).await {
            Ok(Some(id)) => kept.push(id),
            Ok(None) => {}
            Err(e) if scope_text != PROVINCE_SCOPE => {
                tracing::error!(commune = %scope_text, "monthly commune report: {e:#}");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(kept)
}

/// Runs the monthly schedule until the process ends: at start and every hour, the last whole
/// month's reports are made if they are not kept yet.
pub fn spawn_monthly(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match monthly_due(&state, &app::clock::today()).await {
                Ok(kept) if !kept.is_empty() => {
                    tracing::info!(reports = kept.len(), "monthly reports kept");
                }
                Ok(_) => {}
                Err(e) => tracing::error!("monthly reports: {e:#}"),
            }
        }
    });
}
