//! A commune's figures over a report period, read with the dashboard's definitions: the same
//! per-day counts (`Store::commune_daily`), the same [`satisfaction`] over them and the same
//! [`crate::figures::desk_figures`] per desk, written with the same [`Satisfaction::text`].

use futures::{StreamExt, TryStreamExt};

use survey_definitions::criteria::CriteriaSet;
use survey_definitions::{Survey, Text};

use super::period::ReportPeriod;
use crate::figures::{overall_question, satisfaction, DeskFigures, Period, Satisfaction};
use crate::store::aggregates::{FlagCounts, UnitAnswersRow};
use crate::store::{Store, StoreError};

/// The commune a report is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportCommune {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// The commune's place in the newest stored score run of the criteria set whose period holds
/// the report's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportScore {
    pub criteria_name: String,
    pub run_id: i64,
    /// `Mã kiểm tra` of the run.
    pub run_hash: String,
    /// Total points, written.
    pub points: String,
    pub rank: Option<u32>,
    pub ranked_of: usize,
}

/// Every figure of one commune's report.
#[derive(Clone, Debug, PartialEq)]
pub struct CommuneReport {
    pub commune: ReportCommune,
    pub period: ReportPeriod,
    pub days: Period,
    pub previous_days: Period,
    /// The overall question over the period and the period before.
    pub overall: Satisfaction,
    pub previous: Satisfaction,
    /// The overall question and each SIPAS element over the period.
    pub elements: Vec<(Text, Satisfaction)>,
    pub desks: Vec<DeskFigures>,
    /// Unfavourable ratings (overall 1–3, see `domain::followup`) of the period.
    pub unfavourable: i64,
    /// Comments of the period marked as complaints whose rating alone needs no follow-up.
    pub marked: i64,
    /// How many of the two above are resolved.
    pub resolved: i64,
    pub flags: FlagCounts,
    /// `(version, responses)` of the survey answered in the period.
    pub survey_versions: Vec<(i64, i64)>,
    pub survey_id: String,
    /// The units whose desks' answers count for the commune (predecessors included).
    pub units: Vec<UnitAnswersRow>,
    pub score: Option<ReportScore>,
    /// The province's own survey beside the desk's, for every imported period that overlaps
    /// the report's, as the dashboard writes it.
    pub independent: Vec<crate::independent::ComparisonText>,
    /// The overall question over the period in steps (see [`trend`]): (label, figure).
    pub trend: Vec<(String, Satisfaction)>,
}

/// The overall question over `days` in steps a chart can show: each day of a month, each
/// week (7 days from the first) of a quarter or half-year, each month of a year.
pub fn trend(
    rows: &[crate::store::aggregates::DailyRow],
    overall: &str,
    days: &Period,
) -> Vec<(String, Satisfaction)> {
    let Some(first) = crate::clock::parse_day(&days.from) else {
        return Vec::new();
    };
    let count = days.day_count();
    let step_of = |day: &str| -> Option<i64> {
        let d = crate::clock::parse_day(day)?;
        let offset = (d - first).num_days();
        Some(match count {
            ..=31 => offset,
            32..=184 => offset / 7,
            _ => {
                use chrono::Datelike;
                i64::from(d.month0()) - i64::from(first.month0())
                    + 12 * i64::from(d.year() - first.year())
            }
        })
    };
    let steps = step_of(&days.to).map_or(0, |last| last + 1);
    let label = |step: i64| -> String {
        use chrono::Datelike;
        match count {
            ..=31 => (first + chrono::Duration::days(step))
                .format("%d/%m")
                .to_string(),
            32..=184 => (first + chrono::Duration::days(7 * step))
                .format("%d/%m")
                .to_string(),
            _ => {
                let month = first.month0() as i64 + step;
                format!("T{}", month % 12 + 1)
            }
        }
    };
    let mut out: Vec<(String, Satisfaction)> = (0..steps)
        .map(|step| (label(step), Satisfaction::default()))
        .collect();
    for row in rows.iter().filter(|r| days.contains(&r.day)) {
        if let Some(step) = step_of(&row.day).and_then(|s| usize::try_from(s).ok()) {
            if let Some((_, s)) = out.get_mut(step) {
                s.add(overall, &row.question_id, row.level, row.answers);
            }
        }
    }
    out
}

impl CommuneReport {
    /// Answers of the period that need following up: unfavourable ratings and marked complaints.
    pub fn needing_follow_up(&self) -> i64 {
        self.unfavourable + self.marked
    }

    /// Answers of the period that need following up and are not resolved.
    pub fn open(&self) -> i64 {
        self.needing_follow_up() - self.resolved
    }
}

fn bad_day(day: &str) -> StoreError {
    StoreError::Inconsistent(format!(
        "the report period has a day that is not a date: {day}"
    ))
}

/// `[from, to)` in milliseconds for the days of `period`, midnight to midnight in Vietnam.
fn period_ms(period: &Period) -> Result<(i64, i64), StoreError> {
    let from = crate::clock::midnight_ms(&period.from).ok_or_else(|| bad_day(&period.from))?;
    let last = crate::clock::midnight_ms(&period.to).ok_or_else(|| bad_day(&period.to))?;
    Ok((from, last + 24 * 3600 * 1000))
}

/// The commune's figures for `period`, with its points and rank from `scores` (see
/// [`Scores::read`]).
pub async fn commune_report(
    store: &Store,
    survey: &Survey,
    scores: Option<&Scores>,
    commune: ReportCommune,
    period: ReportPeriod,
) -> Result<CommuneReport, StoreError> {
    let days = period.days();
    let previous_days = period.previous().days();
    let rows = store
        .commune_daily(commune.id, &survey.id, &previous_days.from, &days.to)
        .await?;
    let overall_id = overall_question(survey);
    let overall = satisfaction(&rows, overall_id, |r| days.contains(&r.day));
    let previous = satisfaction(&rows, overall_id, |r| previous_days.contains(&r.day));
    let elements = crate::figures::element_figures(survey, &rows, &days);

    let desks = crate::figures::desk_figures(store, commune.id, &rows, overall_id, &days).await?;

    let (from_ms, to_ms) = period_ms(&days)?;
    let (marked, resolved) = store.followup_in(commune.id, from_ms, to_ms).await?;
    let unfavourable: i64 = overall.levels[..crate::domain::followup::FOLLOW_UP_AT_MOST as usize]
        .iter()
        .sum();
    let flags = store
        .flag_counts(Some(commune.id), &days.from, &days.to)
        .await?
        .remove(&commune.id)
        .unwrap_or_default();
    let survey_versions = store
        .survey_versions_answered(commune.id, &survey.id, from_ms, to_ms)
        .await?;
    let units = store
        .commune_answers_by_unit(commune.id, &survey.id, &days.from, &days.to)
        .await?;
    let score = scores.and_then(|s| s.of(commune.id));
    let trend = trend(&rows, overall_id, &days);
    let independent = crate::independent::comparisons(store, survey, commune.id)
        .await?
        .iter()
        .filter(|c| c.period.from <= days.to && c.period.to >= days.from)
        .map(|c| c.text(crate::i18n::Lang::Vi))
        .collect();
    Ok(CommuneReport {
        trend,
        independent,
        commune,
        period,
        days,
        previous_days,
        overall,
        previous,
        elements,
        desks,
        unfavourable,
        marked,
        resolved,
        flags,
        survey_versions,
        survey_id: survey.id.clone(),
        units,
        score,
    })
}

/// The criteria set whose scoring period (`from` included, `to` not) holds every day of `days`.
pub fn scoring_set<'a>(criteria: &'a [CriteriaSet], days: &Period) -> Option<&'a CriteriaSet> {
    criteria.iter().find(|set| {
        set.period.from.as_str() <= days.from.as_str() && days.to.as_str() < set.period.to.as_str()
    })
}

/// The newest stored run of the criteria set whose scoring period holds `days`, ranked, with
/// the set's name; read once for a whole province.
pub struct Scores {
    criteria_name: String,
    ranked: crate::store::ranked::RankedRun,
    ranked_of: usize,
}

impl Scores {
    pub async fn read(
        store: &Store,
        criteria: &crate::criteria::CriteriaInForce,
        days: &Period,
    ) -> Result<Option<Scores>, StoreError> {
        let Some(set) = scoring_set(criteria, days) else {
            return Ok(None);
        };
        let Some(ranked) = crate::store::ranked::latest_ranked_run(store, &set.id).await? else {
            return Ok(None);
        };
        Ok(Some(Scores {
            criteria_name: criteria.name(set, crate::i18n::Lang::Vi),
            ranked_of: ranked.rows.iter().filter(|r| r.rank.is_some()).count(),
            ranked,
        }))
    }

    /// The commune's line, `None` when the run did not score it.
    pub fn of(&self, commune_id: i64) -> Option<ReportScore> {
        self.ranked
            .rows
            .iter()
            .find(|r| r.unit_id == commune_id)
            .map(|row| ReportScore {
                criteria_name: self.criteria_name.clone(),
                run_id: self.ranked.run.id,
                run_hash: self.ranked.run.run_hash.clone(),
                points: crate::format::points(row.total, crate::i18n::Lang::Vi),
                rank: row.rank,
                ranked_of: self.ranked_of,
            })
    }
}

/// Every commune in force on the last day of `period` (or today, if earlier), by code, each
/// with its report.
pub async fn province_report(
    store: &Store,
    survey: &Survey,
    criteria: &crate::criteria::CriteriaInForce,
    period: ReportPeriod,
) -> Result<Vec<CommuneReport>, StoreError> {
    let days = period.days();
    let today = crate::clock::today();
    let on = if days.to < today {
        days.to.clone()
    } else {
        today
    };
    let scores = Scores::read(store, criteria, &days).await?;
    let communes = store.communes_named_on(&on).await?;
    // A few communes at a time: their queries overlap on the pool's connections, in order.
    futures::stream::iter(communes.into_iter().map(|(id, code, name)| {
        let commune = ReportCommune { id, code, name };
        commune_report(store, survey, scores.as_ref(), commune, period)
    }))
    .buffered(4)
    .try_collect()
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::aggregates::DailyRow;

    fn row(day: &str, level: i64, answers: i64) -> DailyRow {
        DailyRow {
            desk_id: 1,
            day: day.into(),
            question_id: "overall".into(),
            level,
            answers,
        }
    }

    #[test]
    fn a_trend_steps_by_day_week_or_month_with_the_period() {
        let rows = [
            row("2026-11-02", 5, 3),
            row("2026-11-02", 1, 1),
            row("2026-11-30", 4, 2),
            row("2026-12-01", 1, 9),
        ];
        let month: ReportPeriod = "2026-11".parse().unwrap();
        let by_day = trend(&rows, "overall", &month.days());
        assert_eq!(by_day.len(), 30);
        assert_eq!(by_day[1].0, "02/11");
        assert_eq!(by_day[1].1.levels, [1, 0, 0, 0, 3]);
        assert_eq!(by_day[29].1.satisfied(), 2);
        assert!(
            by_day[2].1.share_tenths().is_none(),
            "a day without answers"
        );
        // A quarter in weeks from 1 October: 2 November is in the fifth; 30 November and
        // 1 December share the ninth.
        let quarter: ReportPeriod = "2026-Q4".parse().unwrap();
        let by_week = trend(&rows, "overall", &quarter.days());
        assert_eq!(by_week.len(), 14);
        assert_eq!(by_week[4].0, "29/10");
        assert_eq!(by_week[4].1.rated(), 4);
        assert_eq!(by_week[8].1.rated(), 11);
        // A year in months; December's row is in it, outside the month above.
        let year: ReportPeriod = "2026".parse().unwrap();
        let by_month = trend(&rows, "overall", &year.days());
        assert_eq!(by_month.len(), 12);
        assert_eq!(by_month[10].0, "T11");
        assert_eq!(by_month[10].1.rated(), 6);
        assert_eq!(by_month[11].1.rated(), 9);
    }
}
