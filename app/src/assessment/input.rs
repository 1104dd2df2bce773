//! How a commune's stored entries, imported scores and citizen tallies become the scoring
//! engine's input.

use std::collections::BTreeMap;

use scoring::{Appraised, ImportedScore, Points, ScoringInput, SelfAssessed};
use survey_definitions::criteria::{CriteriaSet, Evidence, Source};

use crate::store::assessments::{EntryRow, ImportedRow, ResponseCountRow, TallyRow};

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
