//! Score runs: every commune of the period scored and stored as a run that can be reproduced
//! later from its saved inputs and hashes. One commune's provisional report is
//! `assessment::input::score_commune`, named here too.

use std::collections::HashMap;

use survey_definitions::criteria::{CriteriaSet, Source};
use survey_definitions::Definitions;

// One commune's input and its provisional report are the assessment's (its dossier page shows
// them); the runs score every commune from the same functions.
use crate::assessment::input::{add_independent, scoring_input};
pub use crate::assessment::input::{
    commune_input, period_ms, roster_date, score_commune, RunError,
};
use crate::store::assessments::{NewScoreResult, NewScoreRun};
use crate::store::Store;

/// What a run produced, for the command line and the admin's notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSummary {
    pub run_id: i64,
    pub communes: usize,
    pub passed: usize,
    pub insufficient: usize,
    pub run_hash: String,
}

/// The surveys a set scores from, with the versions in force, e.g. `one-stop-desk v1`.
pub fn survey_versions(set: &CriteriaSet, definitions: &Definitions) -> String {
    let mut ids: Vec<&str> = set
        .leaves()
        .iter()
        .filter_map(|l| match l.source {
            Source::CitizenSurvey(c) => Some(c.survey.as_str()),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.iter()
        .map(|id| {
            // Answers of every version count, so every version in force is named.
            let versions: Vec<String> = definitions
                .surveys()
                .filter(|s| s.id == *id)
                .map(|s| format!("v{}", s.version))
                .collect();
            format!("{id} {}", versions.join("+"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Scores every commune in force and stores the run. Reads are a handful of grouped queries
/// (not one per commune), so a province of a hundred communes scores in well under a second.
pub async fn run_all(
    store: &Store,
    set: &CriteriaSet,
    definitions: &Definitions,
    created_by: &str,
) -> Result<RunSummary, RunError> {
    let (from, to) = period_ms(set)?;
    let communes = store.communes_on(&roster_date(set)).await?;
    let mut entries: HashMap<i64, Vec<_>> = HashMap::new();
    for (unit, entry) in store.entries_of(&set.id).await? {
        entries.entry(unit).or_default().push(entry);
    }
    let mut imported: HashMap<i64, Vec<_>> = HashMap::new();
    for row in store.imported_scores(&set.id, None).await? {
        imported.entry(row.unit_id).or_default().push(row);
    }
    let (responses, tallies) = store.tallies(from, to, None).await?;
    let flags = store
        .flag_counts(
            None,
            &crate::clock::day_of(from),
            &crate::clock::day_of(to - 1),
        )
        .await?;
    let mut responses_by: HashMap<i64, Vec<_>> = HashMap::new();
    for row in responses {
        responses_by.entry(row.unit_id).or_default().push(row);
    }
    let mut tallies_by: HashMap<i64, Vec<_>> = HashMap::new();
    for row in tallies {
        tallies_by.entry(row.unit_id).or_default().push(row);
    }
    let mut independent_by: HashMap<i64, Vec<_>> = HashMap::new();
    for row in store.independent_figures(None).await? {
        independent_by.entry(row.unit_id).or_default().push(row);
    }
    let mut results = Vec::with_capacity(communes.len());
    let mut hashes = String::new();
    for (unit_id, code) in &communes {
        let mut input = scoring_input(
            set,
            code,
            entries.get(unit_id).map_or(&[][..], Vec::as_slice),
            imported.get(unit_id).map_or(&[][..], Vec::as_slice),
            responses_by.get(unit_id).map_or(&[][..], Vec::as_slice),
            tallies_by.get(unit_id).map_or(&[][..], Vec::as_slice),
        );
        add_independent(
            set,
            independent_by.get(unit_id).map_or(&[][..], Vec::as_slice),
            &mut input,
        );
        let report =
            scoring::score(set, &input).map_err(|e| RunError::Scoring(set.id.clone(), e))?;
        hashes.push_str(&format!(
            "{code} {} {}\n",
            report.input_hash, report.output_hash
        ));
        results.push(NewScoreResult {
            unit_id: *unit_id,
            total: i64::try_from(report.total.hundredths()).unwrap_or(i64::MAX),
            passed: report.passed,
            grade: report.grade.as_ref().map(|g| g.id.clone()),
            sufficient: report.citizen_sample_sufficient(),
            input_hash: report.input_hash.clone(),
            output_hash: report.output_hash.clone(),
            input_json: scoring::canonical_json(&input),
            report_json: serde_json::to_string(&report).unwrap_or_default(),
            flags: flags.get(unit_id).copied().unwrap_or_default(),
        });
    }
    // The run's hash covers every commune's input and output hash in code order: one line to
    // quote when publishing, and a stored run can be checked against it line by line.
    let run_hash = scoring::sha256_hex(hashes.as_bytes());
    let summary_counts = (
        results.iter().filter(|r| r.passed).count(),
        results.iter().filter(|r| !r.sufficient).count(),
    );
    let run = NewScoreRun {
        criteria_id: set.id.clone(),
        criteria_version: i64::from(set.version),
        survey_versions: survey_versions(set, definitions),
        period_from: set.period.from.clone(),
        period_to: set.period.to.clone(),
        run_hash: run_hash.clone(),
        created_by: created_by.to_string(),
        results,
    };
    let run_id = store.insert_score_run(&run).await?;
    Ok(RunSummary {
        run_id,
        communes: run.results.len(),
        passed: summary_counts.0,
        insufficient: summary_counts.1,
        run_hash,
    })
}
