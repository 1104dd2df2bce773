//! Scoring from the database: one commune now (a provisional report), or every commune of the
//! period as a stored run that can be reproduced later from its saved inputs and hashes.

use std::collections::HashMap;

use scoring::{Report, ScoringInput};
use survey_definitions::criteria::{CriteriaSet, Source};
use survey_definitions::Definitions;

pub use crate::assessment::input::roster_date;
use crate::assessment::input::scoring_input;
use crate::store::assessments::{NewScoreResult, NewScoreRun};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("criteria set {0}: {1}")]
    Scoring(String, scoring::ScoringError),
    #[error("criteria set {0} has a period that is not two dates: {1}")]
    Period(String, String),
}

/// What a run produced, for the command line and the admin's notice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunSummary {
    pub run_id: i64,
    pub communes: usize,
    pub passed: usize,
    pub insufficient: usize,
    pub run_hash: String,
}

/// The period in milliseconds, `[from, to)`, midnight to midnight in Vietnam.
pub fn period_ms(set: &CriteriaSet) -> Result<(i64, i64), RunError> {
    let bad = || RunError::Period(set.id.clone(), format!("{:?}", set.period));
    Ok((
        crate::clock::midnight_ms(&set.period.from).ok_or_else(bad)?,
        crate::clock::midnight_ms(&set.period.to).ok_or_else(bad)?,
    ))
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
fn add_independent(
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
