//! How a commune's stored entries, imported scores and citizen tallies become the scoring
//! engine's input, and one commune's provisional report from what is stored now (the score runs
//! of `scores::runs` are made from the same input).

use std::collections::BTreeMap;

use scoring::{Appraised, ImportedScore, Points, Report, ScoringInput, SelfAssessed};
use survey_definitions::criteria::{CriteriaSet, Evidence, Source};

use crate::store::assessments::{EntryRow, ImportedRow, ResponseCountRow, TallyRow};
use crate::store::{Store, StoreError};

/// The date whose communes are scored: today while the period runs, else its last day. After a
/// merger, the communes in force then are the ones that get a result.
pub fn roster_date(set: &CriteriaSet) -> String {
    let today = crate::clock::today();
    if today < set.period.to {
        today.max(set.period.from.clone())
    } else {
        chrono::NaiveDate::parse_from_str(&set.period.to, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.pred_opt())
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| set.period.from.clone())
    }
}

fn points(hundredths: i64) -> Points {
    Points::from_hundredths(u64::try_from(hundredths).unwrap_or(0)).unwrap_or(Points::ZERO)
}

/// Whether the evidence of an entry is complete: a note and a link.
pub fn has_evidence(entry: &EntryRow) -> bool {
    !entry.evidence_note.trim().is_empty() && !entry.evidence_link.trim().is_empty()
}

/// Leaves a commune enters itself (self-assessment and bonus), in the set's order.
pub fn commune_leaves(set: &CriteriaSet) -> Vec<survey_definitions::criteria::Leaf<'_>> {
    set.leaves()
        .into_iter()
        .filter(|l| {
            matches!(
                l.source,
                Source::SelfAssessment { .. } | Source::Bonus { .. }
            )
        })
        .collect()
}

/// Whether the leaf needs a note and a link before the dossier can be submitted.
pub fn evidence_required(source: &Source) -> bool {
    matches!(
        source,
        Source::SelfAssessment {
            evidence: Evidence::Required
        } | Source::Bonus {
            evidence: Evidence::Required,
            ..
        }
    )
}

/// The engine's input for one commune from what is stored. Entries for leaves the set does
/// not have (a newer version dropped one) are left out rather than refused by the engine.
pub fn scoring_input(
    set: &CriteriaSet,
    unit_code: &str,
    entries: &[EntryRow],
    imported: &[ImportedRow],
    responses: &[ResponseCountRow],
    tallies: &[TallyRow],
) -> ScoringInput {
    let mut input = ScoringInput {
        unit: unit_code.to_string(),
        ..ScoringInput::default()
    };
    for row in responses {
        input
            .surveys
            .entry(row.survey_id.clone())
            .or_default()
            .responses = u64::try_from(row.responses).unwrap_or(0);
    }
    for row in tallies {
        let Ok(level @ 1..=5) = usize::try_from(row.level) else {
            continue;
        };
        let tally = input.surveys.entry(row.survey_id.clone()).or_default();
        tally
            .answers
            .entry(row.question_id.clone())
            .or_insert([0; 5])[level - 1] += u64::try_from(row.answers).unwrap_or(0);
    }
    for entry in entries {
        let Some(leaf) = set.leaf(&entry.leaf_id) else {
            continue;
        };
        let enterable = matches!(
            leaf.source,
            Source::SelfAssessment { .. } | Source::Bonus { .. }
        );
        if let (true, Some(p)) = (enterable, entry.self_points) {
            let note = entry.evidence_note.trim();
            input.self_assessed.insert(
                entry.leaf_id.clone(),
                SelfAssessed {
                    points: points(p),
                    evidence: has_evidence(entry),
                    note: (!note.is_empty()).then(|| note.to_string()),
                },
            );
        }
        if let (Some(p), Some(reason)) = (entry.appraised_points, &entry.appraisal_reason) {
            input.appraised.insert(
                entry.leaf_id.clone(),
                Appraised {
                    points: points(p),
                    reason: reason.clone(),
                },
            );
        }
    }
    for row in imported {
        if set.leaf(&row.leaf_id).is_some() {
            input.imported.insert(
                row.leaf_id.clone(),
                ImportedScore {
                    score: points(row.score),
                    from: Some(row.source.clone()),
                },
            );
        }
    }
    // Surveys the set does not use stay out, so the input hash depends only on what scores.
    let used: BTreeMap<&str, ()> = set
        .leaves()
        .iter()
        .filter_map(|l| match l.source {
            Source::CitizenSurvey(c) => Some((c.survey.as_str(), ())),
            _ => None,
        })
        .collect();
    input.surveys.retain(|id, _| used.contains_key(id.as_str()));
    input
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("criteria set {0}: {1}")]
    Scoring(String, scoring::ScoringError),
    #[error("criteria set {0} has a period that is not two dates: {1}")]
    Period(String, String),
}

/// The period in milliseconds, `[from, to)`, midnight to midnight in Vietnam.
pub fn period_ms(set: &CriteriaSet) -> Result<(i64, i64), RunError> {
    let bad = || RunError::Period(set.id.clone(), format!("{:?}", set.period));
    Ok((
        crate::clock::midnight_ms(&set.period.from).ok_or_else(bad)?,
        crate::clock::midnight_ms(&set.period.to).ok_or_else(bad)?,
    ))
}

/// The engine's input for one commune, read from the database.
pub async fn commune_input(
    store: &Store,
    set: &CriteriaSet,
    unit_id: i64,
    unit_code: &str,
) -> Result<ScoringInput, RunError> {
    let (from, to) = period_ms(set)?;
    let entries = match store.assessment(unit_id, &set.id).await? {
        Some(a) => store.entries(a.id).await?,
        None => Vec::new(),
    };
    let imported = store.imported_scores(&set.id, Some(unit_id)).await?;
    let (responses, tallies) = store.tallies(from, to, Some(unit_id)).await?;
    let mut input = scoring_input(set, unit_code, &entries, &imported, &responses, &tallies);
    add_independent(
        set,
        &store.independent_figures(Some(unit_id)).await?,
        &mut input,
    );
    Ok(input)
}

/// The province's own survey figures the set's `independent_survey` leaves read.
pub(crate) fn add_independent(
    set: &CriteriaSet,
    rows: &[crate::store::independent::IndependentRow],
    input: &mut ScoringInput,
) {
    for leaf in set.leaves() {
        if let Source::IndependentSurvey(source) = leaf.source {
            if let Some(figure) =
                crate::independent::scoring_figure(rows, &source.survey, &set.period)
            {
                input.independent.insert(source.survey.clone(), figure);
            }
        }
    }
}

/// One commune's report from what is stored now (not saved anywhere).
pub async fn score_commune(
    store: &Store,
    set: &CriteriaSet,
    unit_id: i64,
    unit_code: &str,
) -> Result<Report, RunError> {
    let input = commune_input(store, set, unit_id, unit_code).await?;
    scoring::score(set, &input).map_err(|e| RunError::Scoring(set.id.clone(), e))
}
