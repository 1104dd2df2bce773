//! The commune dashboard: satisfaction today, over 7 and 30 days and the scoring period, the
//! SIPAS elements, each desk, a 30-day trend, follow-up of unfavourable feedback and flagged
//! responses. Figures come from the per-day counts (`store::aggregates`), so they cost the same
//! with ten million responses as with ten thousand.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::roles::{Access, Me};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::state::AppState;

/// Responses and overall satisfaction over one window, formatted for display.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Which window, e.g. "Hôm nay".
    pub label: String,
    pub responses: i64,
    /// Answers to the overall question (1–5).
    pub rated: i64,
    /// `86,2%`, or `—` without answers.
    pub satisfied: String,
    /// `81,0–90,1%`, or empty without answers.
    pub interval: String,
}

/// One SIPAS element (or the overall question) over the last 30 days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementFigure {
    pub name: String,
    pub rated: i64,
    pub satisfied: String,
    pub interval: String,
}

/// One desk over the last 30 days, with its response rate when dossiers were entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskFigure {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub responses: i64,
    pub satisfied: String,
    pub dossiers: Option<i64>,
    /// Responses per dossier handled, `12,5%`.
    pub rate: Option<String>,
}

/// One day of the trend chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendDay {
    pub day: String,
    pub responses: i64,
    /// Satisfied share of the overall answers that day, 0–1.
    pub share: Option<f64>,
}

/// Unfavourable feedback (overall 1–2, or any comment) and its follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackItem {
    pub response_id: i64,
    pub when: String,
    pub desk: String,
    pub overall: Option<i64>,
    pub comment: Option<String>,
    pub unfavourable: bool,
    /// `None` (open), `handling` or `resolved`.
    pub state: Option<String>,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedItem {
    pub when: String,
    pub desk: String,
    /// Why it was flagged, as a reviewer reads it.
    pub reasons: String,
    pub excluded: bool,
    /// Waiting for a reviewer before it counts.
    pub held: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub me: Me,
    pub commune_code: String,
    /// Today, 7 days, 30 days, the scoring period.
    pub windows: Vec<Figures>,
    pub elements: Vec<ElementFigure>,
    pub desks: Vec<DeskFigure>,
    pub trend: Vec<TrendDay>,
    pub feedback: Vec<FeedbackItem>,
    /// Unfavourable feedback of the last 30 days not yet resolved.
    pub open_items: i64,
    pub flagged: Vec<FlaggedItem>,
    /// Over the last 30 days: flagged answers the figures include, and those waiting for a
    /// reviewer (not included).
    pub flagged_counted: i64,
    pub flagged_held: i64,
    pub can_follow_up: bool,
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use std::collections::BTreeMap;

    use survey_definitions::{Feeds, Lang, Survey};

    use super::*;
    use crate::store::aggregates::DailyRow;
    use crate::store::Store;

    pub(super) fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::internal("dashboard", e)
    }

    /// Satisfied share and its 95% Wilson interval from level counts 1–5.
    pub fn share_text(levels: &[i64; 5]) -> (i64, String, String) {
        let rated: i64 = levels.iter().sum();
        let satisfied = levels[3] + levels[4];
        let Some(share) = scoring::Share::from_ratio(satisfied as u64, rated as u64) else {
            return (rated, "—".into(), String::new());
        };
        let interval = scoring::wilson_95(satisfied as f64 / rated as f64, rated as u64)
            .and_then(|(low, high)| {
                Some(format!(
                    "{}–{}",
                    scoring::Share::from_decimal((low * 1000.0).floor() / 1000.0)?
                        .percent(Lang::Vi),
                    scoring::Share::from_decimal((high * 1000.0).ceil() / 1000.0)?
                        .percent(Lang::Vi)
                ))
            })
            .unwrap_or_default();
        (rated, share.percent(Lang::Vi), interval)
    }

    /// The overall question of the survey (the one feeding `overall`).
    pub fn overall_question(survey: &Survey) -> Option<&str> {
        survey
            .questions
            .iter()
            .find(|q| q.feeds == Feeds::Overall)
            .map(|q| q.id.as_str())
    }

    fn levels_of<'a>(
        rows: impl Iterator<Item = &'a DailyRow>,
        question: &str,
        days: impl Fn(&str) -> bool,
    ) -> ([i64; 5], i64) {
        let mut levels = [0i64; 5];
        let mut responses = 0;
        for row in rows.filter(|r| days(&r.day)) {
            if row.question_id.is_empty() && row.level == 0 {
                responses += row.answers;
            } else if row.question_id == question && (1..=5).contains(&row.level) {
                levels[(row.level - 1) as usize] += row.answers;
            }
        }
        (levels, responses)
    }

    /// The live figures: today, last 7 and 30 days, and the scoring period so far.
    pub async fn window_figures(
        store: &Store,
        survey: &Survey,
        commune_id: i64,
        period_from: Option<&str>,
    ) -> Result<(Vec<Figures>, Vec<DailyRow>), crate::store::StoreError> {
        let today = crate::clock::today();
        let from_30 = crate::clock::day_minus(&today, 29);
        let earliest = match period_from {
            Some(p) if p < from_30.as_str() => p.to_string(),
            _ => from_30.clone(),
        };
        let rows = store
            .commune_daily(commune_id, &survey.id, &earliest, &today)
            .await?;
        let overall = overall_question(survey).unwrap_or("overall");
        let from_7 = crate::clock::day_minus(&today, 6);
        let mut windows: Vec<(&str, String)> = vec![
            ("Hôm nay", today.clone()),
            ("7 ngày qua", from_7),
            ("30 ngày qua", from_30),
        ];
        if let Some(p) = period_from {
            windows.push(("Kỳ đánh giá (từ đầu kỳ)", p.to_string()));
        }
        let figures = windows
            .into_iter()
            .map(|(label, from)| {
                let (levels, responses) = levels_of(rows.iter(), overall, |d| {
                    d >= from.as_str() && d <= today.as_str()
                });
                let (rated, satisfied, interval) = share_text(&levels);
                Figures {
                    label: label.to_string(),
                    responses,
                    rated,
                    satisfied,
                    interval,
                }
            })
            .collect();
        Ok((figures, rows))
    }

    /// Everything the dashboard shows for one commune.
    pub async fn dashboard(
        state: &AppState,
        me: Me,
        commune_id: i64,
        commune_code: String,
    ) -> Result<Dashboard, AppError> {
        let store = &state.store;
        let survey = state
            .definitions
            .latest(survey_definitions::DEFAULT_SURVEY_ID)
            .ok_or_else(|| internal("the default survey is missing"))?;
        let today = crate::clock::today();
        let period = crate::assessment::api::pick_criteria(state, None)
            .map(|s| s.period.from.clone())
            .filter(|from| from.as_str() <= today.as_str());
        let (windows, rows) = window_figures(store, survey, commune_id, period.as_deref()).await?;
        let from_30 = crate::clock::day_minus(&today, 29);
        let recent: Vec<&DailyRow> = rows.iter().filter(|r| r.day >= from_30).collect();
        let overall = overall_question(survey).unwrap_or("overall");

        let mut elements = Vec::new();
        for question in &survey.questions {
            let name = match &question.feeds {
                Feeds::Overall => "Hài lòng chung".to_string(),
                Feeds::Sipas(element) => element.label().vi,
                _ => continue,
            };
            let (levels, _) = levels_of(recent.iter().copied(), &question.id, |_| true);
            let (rated, satisfied, interval) = share_text(&levels);
            elements.push(ElementFigure {
                name,
                rated,
                satisfied,
                interval,
            });
        }

        let dossiers: BTreeMap<i64, i64> = store
            .desk_dossiers(commune_id, &from_30, &today)
            .await?
            .into_iter()
            .collect();
        let desks = store
            .commune_desks(commune_id)
            .await?
            .into_iter()
            .map(|(id, code, name)| {
                let (levels, responses) = levels_of(
                    recent.iter().copied().filter(|r| r.desk_id == id),
                    overall,
                    |_| true,
                );
                let handled = dossiers.get(&id).copied();
                let rate = handled.filter(|h| *h > 0).and_then(|h| {
                    scoring::Share::from_ratio(responses.min(h) as u64, h as u64)
                        .map(|s| s.percent(Lang::Vi))
                });
                DeskFigure {
                    id,
                    code,
                    name,
                    responses,
                    satisfied: share_text(&levels).1,
                    dossiers: handled,
                    rate,
                }
            })
            .collect();

        let trend = (0..30)
            .rev()
            .map(|back| {
                let day = crate::clock::day_minus(&today, back);
                let (levels, responses) =
                    levels_of(recent.iter().copied(), overall, |d| d == day.as_str());
                let rated: i64 = levels.iter().sum();
                TrendDay {
                    share: (rated > 0).then(|| (levels[3] + levels[4]) as f64 / rated as f64),
                    day,
                    responses,
                }
            })
            .collect();

        // The same 30 days as the figures above: from midnight of the first, in Vietnam.
        let since = crate::clock::midnight_ms(&from_30)
            .ok_or_else(|| internal("today's date is not a date"))?;
        let feedback = store
            .feedback_items(commune_id, since, 30)
            .await?
            .into_iter()
            .map(|f| FeedbackItem {
                response_id: f.response_id,
                when: crate::clock::display(f.created_at),
                desk: f.desk_name,
                unfavourable: f.overall.is_some_and(|o| o <= 2),
                overall: f.overall,
                comment: f.comment,
                state: f.state,
                note: f.note.unwrap_or_default(),
            })
            .collect();
        let open_items = store.open_followups(commune_id, &from_30).await?;
        let flagged = store
            .commune_flagged(commune_id, 20)
            .await?
            .into_iter()
            .map(|f| {
                let flags = crate::domain::flags::Flags::parse_stored(Some(&f.flags))
                    .map_err(|e| internal(format!("a flagged response: {e}")))?;
                Ok(FlaggedItem {
                    when: crate::clock::display(f.created_at),
                    desk: f.desk_name,
                    reasons: flags.labels_vi(),
                    excluded: f.excluded != 0,
                    held: f.held != 0,
                })
            })
            .collect::<Result<_, AppError>>()?;
        let flag_counts = store
            .flag_counts(Some(commune_id), &from_30, &today)
            .await?
            .remove(&commune_id)
            .unwrap_or_default();
        Ok(Dashboard {
            can_follow_up: matches!(
                me.role,
                crate::domain::roles::Role::CommuneLeader
                    | crate::domain::roles::Role::CommuneOfficer
            ),
            me,
            commune_code,
            windows,
            elements,
            desks,
            trend,
            feedback,
            open_items,
            flagged,
            flagged_counted: flag_counts.counted,
            flagged_held: flag_counts.held,
        })
    }
}

/// The dashboard of a commune: its own for commune users; any they oversee for reviewers.
#[server]
pub async fn get_dashboard(commune: Option<String>) -> Result<Access<Dashboard>, AppError> {
    let state = expect_context::<AppState>();
    let Some(me) = crate::accounts::api::request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    let Some(row) = crate::accounts::api::visible_commune(&state, &me, commune.as_deref()).await?
    else {
        return Ok(Access::Forbidden);
    };
    Ok(Access::Granted(
        dashboard(&state, me, row.id, row.code).await?,
    ))
}
