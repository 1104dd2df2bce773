//! The commune dashboard: satisfaction today, over 7 and 30 days, the scoring period and since
//! the beginning, the SIPAS elements, each desk, a 30-day trend, follow-up of unfavourable
//! feedback and flagged responses. The figures are defined in `figures.rs`; they come from the
//! per-day counts (`store::aggregates`), so they cost the same with ten million responses as
//! with ten thousand.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::roles::{Access, Me};
use crate::error::AppError;
use crate::figures::FiguresText;
use crate::i18n::Lang;

#[cfg(feature = "ssr")]
use crate::state::AppState;

/// One day of the trend chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrendDay {
    pub day: String,
    pub responses: i64,
    /// Satisfied share of the overall answers that day, 0–1.
    pub share: Option<f64>,
}

/// Feedback: an answer that needs following up (`domain::followup`) or any comment, and its
/// follow-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackItem {
    pub response_id: i64,
    pub when: String,
    pub desk: String,
    pub overall: Option<i64>,
    pub comment: Option<String>,
    /// Needs following up: by its rating, or because it was marked as a complaint.
    pub unfavourable: bool,
    /// The commune's staff marked its comment as a complaint.
    pub marked: bool,
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

/// A unit whose desks' answers are in the commune's figures since the beginning: the commune
/// itself or a unit it was formed from, written for the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerSource {
    /// Not unique: a commune formed on 1/7/2025 often keeps one predecessor's code.
    pub code: String,
    pub name: String,
    /// The days it was in force: `đến 30/06/2025`, `từ 01/07/2025`, or a range.
    pub validity: String,
    /// Responses given at its desks over [`AnswerSources::period`].
    pub responses: String,
    /// A unit before the reorganisation, not the commune itself.
    pub predecessor: bool,
}

/// Who gave the answers behind the figures since the beginning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerSources {
    /// The period of the figures since the beginning, as the headline writes it.
    pub period: String,
    /// Predecessors oldest first, then the commune itself.
    pub units: Vec<AnswerSource>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub me: Me,
    pub commune_code: String,
    /// Every figure, written for the page's language exactly as the live stream sends them.
    pub figures: FiguresText,
    pub trend: Vec<TrendDay>,
    pub feedback: Vec<FeedbackItem>,
    /// Unfavourable feedback not yet resolved, however old.
    pub open_items: i64,
    /// Where the commune stands against the criteria set in force; `None` without one.
    pub standing: Option<crate::scores::standing::Standing>,
    /// The last 30 days' responses by weekday and hour.
    pub heatmap: crate::dashboard::heatmap::HeatMap,
    /// The province's own survey figures beside the desk's, oldest first.
    pub independent: Vec<crate::independent::ComparisonText>,
    pub flagged: Vec<FlaggedItem>,
    /// Over the last 30 days: flagged answers the figures include, and those waiting for a
    /// reviewer (not included).
    pub flagged_counted: i64,
    pub flagged_held: i64,
    pub can_follow_up: bool,
    /// Present when answers given at a predecessor's desks are in the figures.
    pub answer_sources: Option<AnswerSources>,
    /// The periodic reports offered as buttons: (period, title), see `ReportPeriod::offered`.
    #[serde(default)]
    pub reports: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use survey_definitions::Survey;

    use super::*;
    use crate::figures::{commune_figures, overall_question, satisfaction, Period};
    use crate::store::aggregates::UnitAnswersRow;

    pub(super) fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::internal("dashboard", e)
    }

    /// The start of the scoring period running today, if any.
    fn assessment_from(state: &AppState, today: &str) -> Option<String> {
        crate::assessment::api::pick_criteria(state, None)
            .map(|s| s.period.from.clone())
            .filter(|from| from.as_str() <= today)
    }

    fn default_survey(state: &AppState) -> Result<&Survey, AppError> {
        state
            .definitions
            .latest(survey_definitions::DEFAULT_SURVEY_ID)
            .ok_or_else(|| internal("the default survey is missing"))
    }

    /// The figures a live update sends, as JSON for each interface language: the same
    /// computation and the same writing as the page, so an update and a reload agree.
    pub async fn live_figures(
        state: &AppState,
        commune_id: i64,
    ) -> Result<crate::live::FigureTexts, AppError> {
        let survey = default_survey(state)?;
        let today = crate::clock::today();
        let (figures, _) = commune_figures(
            &state.store,
            survey,
            commune_id,
            assessment_from(state, &today).as_deref(),
            &today,
        )
        .await?;
        let json = |lang| serde_json::to_string(&figures.text(lang)).map_err(internal);
        Ok(crate::live::FigureTexts {
            vi: json(Lang::Vi)?,
            en: json(Lang::En)?,
        })
    }

    /// The days a unit was in force, as the page writes them. A pre-reform unit's start is the
    /// first day of the records, not its founding, so only its last day is written.
    pub fn validity(valid_from: &str, valid_to: Option<&str>, lang: Lang) -> String {
        let (from_word, until_word) = match lang {
            Lang::Vi | Lang::Supplied(_) => ("từ", "đến"),
            Lang::En => ("since", "until"),
        };
        let known_start = valid_from > crate::units::plan::RECORDS_START;
        match valid_to {
            None if known_start => {
                format!("{from_word} {}", crate::format::date(valid_from, lang))
            }
            None => String::new(),
            Some(to) => {
                let last = crate::clock::day_minus(to, 1);
                if known_start {
                    crate::format::period(valid_from, &last, lang)
                } else {
                    format!("{until_word} {}", crate::format::date(&last, lang))
                }
            }
        }
    }

    /// The units behind the figures since the beginning, written in `lang`: every predecessor
    /// (those without answers too, so the list is the whole commune's history) and the commune.
    /// `None` when every answer was given at the commune's own desks.
    pub fn answer_sources(
        rows: Vec<UnitAnswersRow>,
        commune_id: i64,
        period: &Period,
        lang: Lang,
    ) -> Option<AnswerSources> {
        if !rows
            .iter()
            .any(|r| r.unit_id != commune_id && r.responses > 0)
        {
            return None;
        }
        // Predecessors first (the store orders them oldest first), the commune last.
        let (own, predecessors): (Vec<_>, Vec<_>) =
            rows.into_iter().partition(|r| r.unit_id == commune_id);
        let units = predecessors
            .into_iter()
            .chain(own)
            .map(|r| AnswerSource {
                validity: validity(&r.valid_from, r.valid_to.as_deref(), lang),
                responses: crate::format::count(r.responses, lang),
                predecessor: r.unit_id != commune_id,
                code: r.code,
                name: r.name,
            })
            .collect();
        Some(AnswerSources {
            period: period.label(lang),
            units,
        })
    }

    /// Everything the dashboard shows for one commune, written in `lang`.
    pub async fn dashboard(
        state: &AppState,
        me: Me,
        commune_id: i64,
        commune_code: String,
        lang: Lang,
    ) -> Result<Dashboard, AppError> {
        let store = &state.store;
        let survey = default_survey(state)?;
        let today = crate::clock::today();
        let (figures, rows) = commune_figures(
            store,
            survey,
            commune_id,
            assessment_from(state, &today).as_deref(),
            &today,
        )
        .await?;
        let answer_sources = match figures.all_time.0.as_ref() {
            Some(period) => answer_sources(
                store
                    .commune_answers_by_unit(commune_id, &survey.id, &period.from, &period.to)
                    .await?,
                commune_id,
                period,
                lang,
            ),
            None => None,
        };
        let overall = overall_question(survey);
        let last_30 = Period::last_days(&today, 30);
        let from_30 = last_30.from.clone();
        let trend = (0..30)
            .rev()
            .map(|back| {
                let day = crate::clock::day_minus(&today, back);
                let s = satisfaction(&rows, overall, |r| r.day == day);
                TrendDay {
                    share: (s.rated() > 0).then(|| s.satisfied() as f64 / s.rated() as f64),
                    day,
                    responses: s.responses,
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
                unfavourable: crate::domain::followup::needs_follow_up(f.overall, f.marked == 1),
                marked: f.marked == 1,
                overall: f.overall,
                comment: f.comment,
                state: f.state,
                note: f.note.unwrap_or_default(),
            })
            .collect();
        let open_items = figures.open_items;
        let heatmap = crate::dashboard::heatmap::HeatMap::of(
            store
                .answer_times(commune_id, since)
                .await?
                .into_iter()
                .map(|(at, overall)| {
                    let (weekday, minute) = crate::clock::weekday_minute(at);
                    (weekday, minute / 60, overall)
                }),
            lang,
        );
        let standing =
            crate::scores::standing::commune_standing(state, commune_id, &commune_code, lang)
                .await?;
        let independent = crate::independent::comparisons(store, survey, commune_id)
            .await?
            .iter()
            .map(|c| c.text(lang))
            .collect();
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
            figures: figures.text(lang),
            trend,
            feedback,
            open_items,
            standing,
            heatmap,
            independent,
            flagged,
            flagged_counted: flag_counts.counted,
            flagged_held: flag_counts.held,
            answer_sources,
            reports: crate::reports::ReportPeriod::offered(&today),
        })
    }
}

/// The dashboard of a commune: its own for commune users; any they oversee for reviewers.
#[server]
pub async fn get_dashboard(
    commune: Option<String>,
    lang: Lang,
) -> Result<Access<Dashboard>, AppError> {
    let state = expect_context::<AppState>();
    let Some(me) = crate::accounts::api::request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    let Some(row) = crate::accounts::api::visible_commune(&state, &me, commune.as_deref()).await?
    else {
        return Ok(Access::Forbidden);
    };
    Ok(Access::Granted(
        dashboard(&state, me, row.id, row.code, lang).await?,
    ))
}
