//! Self-assessment dossiers, their entries and appraisal, imported scores, citizen tallies for a
//! period, and stored score runs.
//!
//! Every state change is a conditional update (`… where state in (…)`), so two reviewers racing
//! cannot both act on the same state, and it is the first statement of its transaction, which takes
//! SQLite's write lock before anything is read. Each change writes its audit row in the same
//! transaction: an entry is never changed without its old and new value on record.

use super::{Store, StoreError};
use crate::domain::dossier::State;

/// A commune's dossier for one criteria set.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AssessmentRow {
    pub id: i64,
    pub unit_id: i64,
    pub criteria_id: String,
    pub criteria_version: i64,
    pub state: String,
    pub return_reason: Option<String>,
    pub updated_at: i64,
}

impl AssessmentRow {
    /// The dossier's state; a stored state this version does not know is an error naming the
    /// dossier, never a guess.
    pub fn state(&self) -> Result<State, StoreError> {
        parse_state(self.id, &self.state)
    }
}

fn parse_state(id: i64, stored: &str) -> Result<State, StoreError> {
    State::parse(stored).ok_or_else(|| {
        StoreError::Inconsistent(format!("assessment {id} has an unknown state `{stored}`"))
    })
}

/// One leaf's entry; points in hundredths.
#[derive(Clone, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryRow {
    pub leaf_id: String,
    pub self_points: Option<i64>,
    pub evidence_note: String,
    pub evidence_link: String,
    pub appraised_points: Option<i64>,
    pub appraisal_reason: Option<String>,
}

/// What the commune enters for one leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfEntry {
    pub leaf_id: String,
    pub points: Option<i64>,
    pub note: String,
    pub link: String,
}

/// What the appraiser decides for one leaf; `points: None` withdraws an earlier decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppraisalEntry {
    pub leaf_id: String,
    pub points: Option<i64>,
    pub reason: String,
}

/// Who acts, for the audit log.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    pub user_id: Option<i64>,
    pub name: &'a str,
}

/// An imported score of one leaf of one commune, in hundredths on the other system's scale.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ImportedRow {
    pub unit_id: i64,
    pub leaf_id: String,
    pub score: i64,
    pub source: String,
}

/// Answers of one level to one question at one commune's desks.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TallyRow {
    pub unit_id: i64,
    pub survey_id: String,
    pub question_id: String,
    pub level: i64,
    pub answers: i64,
}

/// Responses (submissions) of one survey at one commune's desks.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ResponseCountRow {
    pub unit_id: i64,
    pub survey_id: String,
    pub responses: i64,
}

/// A stored score run.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ScoreRunRow {
    pub id: i64,
    pub criteria_id: String,
    pub criteria_version: i64,
    pub survey_versions: String,
    pub period_from: String,
    pub period_to: String,
    pub communes: i64,
    pub run_hash: String,
    pub created_by: String,
    pub created_at: i64,
}

/// One commune's result in a run; `report_json` is the full explained report.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ScoreResultRow {
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub district_id: Option<i64>,
    pub district_code: Option<String>,
    pub district_name: Option<String>,
    pub total: i64,
    pub passed: i64,
    pub grade: Option<String>,
    pub sufficient: i64,
    pub input_hash: String,
    pub output_hash: String,
    pub input_json: String,
    pub report_json: String,
}

/// A run to store: its header and one result per commune.
#[derive(Clone, Debug)]
pub struct NewScoreRun {
    pub criteria_id: String,
    pub criteria_version: i64,
    pub survey_versions: String,
    pub period_from: String,
    pub period_to: String,
    pub run_hash: String,
    pub created_by: String,
    pub results: Vec<NewScoreResult>,
}

#[derive(Clone, Debug)]
pub struct NewScoreResult {
    pub unit_id: i64,
    pub total: i64,
    pub passed: bool,
    pub grade: Option<String>,
    pub sufficient: bool,
    pub input_hash: String,
    pub output_hash: String,
    pub input_json: String,
    pub report_json: String,
    /// Flagged answers the score includes, and those left waiting for a reviewer.
    pub flags: super::aggregates::FlagCounts,
}

/// Why a workflow step did not happen.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum StepRefused {
    /// The dossier is not in a state that allows it (someone else moved it, or the form is old).
    #[error("the dossier is {}", .0.key())]
    WrongState(State),
}

const ASSESSMENT_COLUMNS: &str =
    "id, unit_id, criteria_id, criteria_version, state, return_reason, updated_at";

const RESULT_COLUMNS: &str = "s.unit_id, u.code as unit_code, u.name as unit_name, \
     u.review_district_id as district_id, d.code as district_code, d.name as district_name, s.total, s.passed, s.grade, \
     s.sufficient, s.input_hash, s.output_hash, s.input_json, s.report_json";

fn points_text(points: Option<i64>) -> String {
    match points {
        None => "—".into(),
        Some(p) if p % 100 == 0 => (p / 100).to_string(),
        Some(p) => format!("{}.{:02}", p / 100, p % 100)
            .trim_end_matches('0')
            .to_string(),
    }
}

async fn audit_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: Actor<'_>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), StoreError> {
    super::audit_in_tx(
        tx,
        actor.user_id,
        actor.name,
        action,
        target,
        detail,
        crate::clock::now_ms(),
    )
    .await
}

/// Moves the dossier to `to` if it is in one of `from`; the first write of the transaction.
async fn claim(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: i64,
    from: &[State],
    to: State,
    return_reason: Option<&str>,
) -> Result<Result<(), StepRefused>, StoreError> {
    // The allowed states are fixed keys, never user input, so inlining them is safe and keeps
    // the statement the same on both databases.
    let allowed = from
        .iter()
        .map(|s| format!("'{}'", s.key()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "update assessments set state = $1, updated_at = $2, \
         return_reason = case when $3 = 1 then $4 else return_reason end \
         where id = $5 and state in ({allowed})"
    );
    let done = sqlx::query(&sql)
        .bind(to.key())
        .bind(crate::clock::now_ms())
        .bind(i64::from(return_reason.is_some()))
        .bind(return_reason)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    let (state,): (String,) = sqlx::query_as("select state from assessments where id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    Ok(Err(StepRefused::WrongState(parse_state(id, &state)?)))
}

async fn entry_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    assessment_id: i64,
    leaf_id: &str,
) -> Result<Option<EntryRow>, StoreError> {
    Ok(sqlx::query_as(
        "select leaf_id, self_points, evidence_note, evidence_link, appraised_points, \
         appraisal_reason from assessment_entries where assessment_id = $1 and leaf_id = $2",
    )
    .bind(assessment_id)
    .bind(leaf_id)
    .fetch_optional(&mut **tx)
    .await?)
}

impl Store {
    /// The commune's dossier for `criteria_id`, if one was started.
    pub async fn assessment(
        &self,
        unit_id: i64,
        criteria_id: &str,
    ) -> Result<Option<AssessmentRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "select {ASSESSMENT_COLUMNS} from assessments where unit_id = $1 and criteria_id = $2"
        ))
        .bind(unit_id)
        .bind(criteria_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The dossier, started as a draft when there is none yet.
    pub async fn ensure_assessment(
        &self,
        unit_id: i64,
        criteria_id: &str,
        criteria_version: u32,
    ) -> Result<AssessmentRow, StoreError> {
        let now = crate::clock::now_ms();
        sqlx::query(
            "insert into assessments (unit_id, criteria_id, criteria_version, state, updated_at, created_at) \
             values ($1, $2, $3, 'draft', $4, $4) on conflict (unit_id, criteria_id) do nothing",
        )
        .bind(unit_id)
        .bind(criteria_id)
        .bind(i64::from(criteria_version))
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.assessment(unit_id, criteria_id)
            .await?
            .ok_or_else(|| StoreError::Inconsistent("assessment vanished after insert".into()))
    }

    /// Every dossier under `criteria_id`, by unit id.
    pub async fn assessments_of(
        &self,
        criteria_id: &str,
    ) -> Result<Vec<AssessmentRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "select {ASSESSMENT_COLUMNS} from assessments where criteria_id = $1 order by unit_id"
        ))
        .bind(criteria_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn entries(&self, assessment_id: i64) -> Result<Vec<EntryRow>, StoreError> {
        Ok(sqlx::query_as(
            "select leaf_id, self_points, evidence_note, evidence_link, appraised_points, \
             appraisal_reason from assessment_entries where assessment_id = $1 order by leaf_id",
        )
        .bind(assessment_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every entry of every dossier under `criteria_id`, as (unit id, entry).
    pub async fn entries_of(&self, criteria_id: &str) -> Result<Vec<(i64, EntryRow)>, StoreError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            unit_id: i64,
            #[sqlx(flatten)]
            entry: EntryRow,
        }
        let rows: Vec<Row> = sqlx::query_as(
            "select a.unit_id, e.leaf_id, e.self_points, e.evidence_note, e.evidence_link, \
             e.appraised_points, e.appraisal_reason \
             from assessment_entries e join assessments a on a.id = e.assessment_id \
             where a.criteria_id = $1 order by a.unit_id, e.leaf_id",
        )
        .bind(criteria_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| (r.unit_id, r.entry)).collect())
    }

    /// Saves the commune's entries if the dossier is a draft or was returned. Unchanged entries
    /// are left alone; each changed one is audited with its old and new value.
    pub async fn save_self_entries(
        &self,
        assessment: &AssessmentRow,
        entries: &[SelfEntry],
        actor: Actor<'_>,
    ) -> Result<Result<usize, StepRefused>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let state = assessment.state()?;
        if let Err(refused) = claim(
            &mut tx,
            assessment.id,
            &[State::Draft, State::Returned],
            state,
            None,
        )
        .await?
        {
            return Ok(Err(refused));
        }
        let target = format!("{}:{}", assessment.criteria_id, assessment.unit_id);
        let mut changed = 0;
        for entry in entries {
            let old = entry_tx(&mut tx, assessment.id, &entry.leaf_id)
                .await?
                .unwrap_or_default();
            if old.self_points == entry.points
                && old.evidence_note == entry.note
                && old.evidence_link == entry.link
            {
                continue;
            }
            let now = crate::clock::now_ms();
            sqlx::query(
                "insert into assessment_entries (assessment_id, leaf_id, self_points, evidence_note, \
                 evidence_link, updated_by, updated_at, created_at) values ($1, $2, $3, $4, $5, $6, $7, $7) \
                 on conflict (assessment_id, leaf_id) do update set self_points = excluded.self_points, \
                 evidence_note = excluded.evidence_note, evidence_link = excluded.evidence_link, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(assessment.id)
            .bind(&entry.leaf_id)
            .bind(entry.points)
            .bind(&entry.note)
            .bind(&entry.link)
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let detail = format!(
                "{}: điểm {} → {}; minh chứng «{}» {} → «{}» {}",
                entry.leaf_id,
                points_text(old.self_points),
                points_text(entry.points),
                old.evidence_note,
                old.evidence_link,
                entry.note,
                entry.link
            );
            audit_tx(&mut tx, actor, "self_assessment_entry", &target, &detail).await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(Ok(changed))
    }

    /// Saves the appraiser's decisions while the dossier is submitted; each change is audited.
    pub async fn save_appraisals(
        &self,
        assessment: &AssessmentRow,
        entries: &[AppraisalEntry],
        actor: Actor<'_>,
    ) -> Result<Result<usize, StepRefused>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if let Err(refused) = claim(
            &mut tx,
            assessment.id,
            &[State::Submitted],
            State::Submitted,
            None,
        )
        .await?
        {
            return Ok(Err(refused));
        }
        let target = format!("{}:{}", assessment.criteria_id, assessment.unit_id);
        let mut changed = 0;
        for entry in entries {
            let old = entry_tx(&mut tx, assessment.id, &entry.leaf_id)
                .await?
                .unwrap_or_default();
            let reason = entry.points.map(|_| entry.reason.clone());
            if old.appraised_points == entry.points && old.appraisal_reason == reason {
                continue;
            }
            let now = crate::clock::now_ms();
            sqlx::query(
                "insert into assessment_entries (assessment_id, leaf_id, appraised_points, \
                 appraisal_reason, updated_by, updated_at, created_at) values ($1, $2, $3, $4, $5, $6, $6) \
                 on conflict (assessment_id, leaf_id) do update set \
                 appraised_points = excluded.appraised_points, appraisal_reason = excluded.appraisal_reason, \
                 updated_by = excluded.updated_by, updated_at = excluded.updated_at",
            )
            .bind(assessment.id)
            .bind(&entry.leaf_id)
            .bind(entry.points)
            .bind(reason.as_deref())
            .bind(actor.user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let detail = format!(
                "{}: điểm thẩm định {} → {} ({})",
                entry.leaf_id,
                points_text(old.appraised_points),
                points_text(entry.points),
                reason.as_deref().unwrap_or("bỏ kết quả thẩm định")
            );
            audit_tx(&mut tx, actor, "appraisal_entry", &target, &detail).await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(Ok(changed))
    }

    /// Moves the dossier from one of `from` to `to`, audited. `return_reason` is kept for the
    /// commune when a dossier is returned.
    pub async fn transition(
        &self,
        assessment: &AssessmentRow,
        from: &[State],
        to: State,
        return_reason: Option<&str>,
        actor: Actor<'_>,
    ) -> Result<Result<(), StepRefused>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if let Err(refused) = claim(&mut tx, assessment.id, from, to, return_reason).await? {
            return Ok(Err(refused));
        }
        let target = format!("{}:{}", assessment.criteria_id, assessment.unit_id);
        let detail = match return_reason {
            Some(reason) => format!("{} → {}: {reason}", assessment.state, to.key()),
            None => format!("{} → {}", assessment.state, to.key()),
        };
        audit_tx(&mut tx, actor, "assessment_state", &target, &detail).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Records imported scores (unit id, leaf, hundredths, source), replacing earlier ones, in one
    /// transaction with one audit row per change.
    pub async fn set_imported_scores(
        &self,
        criteria_id: &str,
        scores: &[ImportedRow],
        actor: Actor<'_>,
    ) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut changed = 0;
        for score in scores {
            let old: Option<(i64, String)> = sqlx::query_as(
                "select score, source from imported_scores \
                 where unit_id = $1 and criteria_id = $2 and leaf_id = $3",
            )
            .bind(score.unit_id)
            .bind(criteria_id)
            .bind(&score.leaf_id)
            .fetch_optional(&mut *tx)
            .await?;
            if old.as_ref() == Some(&(score.score, score.source.clone())) {
                continue;
            }
            sqlx::query(
                "insert into imported_scores (unit_id, criteria_id, leaf_id, score, source, created_at) \
                 values ($1, $2, $3, $4, $5, $6) on conflict (unit_id, criteria_id, leaf_id) \
                 do update set score = excluded.score, source = excluded.source",
            )
            .bind(score.unit_id)
            .bind(criteria_id)
            .bind(&score.leaf_id)
            .bind(score.score)
            .bind(&score.source)
            .bind(crate::clock::now_ms())
            .execute(&mut *tx)
            .await?;
            let detail = format!(
                "{}: {} → {} ({})",
                score.leaf_id,
                points_text(old.map(|o| o.0)),
                points_text(Some(score.score)),
                score.source
            );
            let target = format!("{criteria_id}:{}", score.unit_id);
            audit_tx(&mut tx, actor, "imported_score", &target, &detail).await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Imported scores under `criteria_id`, of one unit or of all.
    pub async fn imported_scores(
        &self,
        criteria_id: &str,
        unit_id: Option<i64>,
    ) -> Result<Vec<ImportedRow>, StoreError> {
        Ok(sqlx::query_as(
            "select unit_id, leaf_id, score, source from imported_scores \
             where criteria_id = $1 and ($2 = 0 or unit_id = $3) order by unit_id, leaf_id",
        )
        .bind(criteria_id)
        .bind(i64::from(unit_id.is_some()))
        .bind(unit_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Answer counts by commune, survey, question and level (1–5) for responses in
    /// `[from_ms, to_ms)` (whole days in Vietnam), of one commune or all, from the per-day
    /// counts. Responses a reviewer excluded do not count; flagged ones do until a reviewer
    /// decides.
    pub async fn tallies(
        &self,
        from_ms: i64,
        to_ms: i64,
        unit_id: Option<i64>,
    ) -> Result<(Vec<ResponseCountRow>, Vec<TallyRow>), StoreError> {
        let from_day = crate::clock::day_of(from_ms);
        let to_day = crate::clock::day_of(to_ms - 1);
        let sql = format!(
            "select du.answers_to as unit_id, g.survey_id, g.question_id, g.level, \
             cast(sum(g.answers) as bigint) as answers \
             from daily_answers g join desks d on d.id = g.desk_id \
             join admin_units du on du.id = d.commune_id \
             where g.day >= $1 and g.day <= $2 {} \
             group by du.answers_to, g.survey_id, g.question_id, g.level",
            super::only("du.answers_to", 3, unit_id)
        );
        let mut query = sqlx::query_as(&sql).bind(from_day).bind(to_day);
        if let Some(id) = unit_id {
            query = query.bind(id);
        }
        let rows: Vec<TallyRow> = query.fetch_all(&self.pool).await?;
        let (counts, answers): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.level == 0);
        let responses = counts
            .into_iter()
            .map(|r| ResponseCountRow {
                unit_id: r.unit_id,
                survey_id: r.survey_id,
                responses: r.answers,
            })
            .collect();
        Ok((responses, answers))
    }

    /// Stores a run and its results in one transaction; returns the run's id.
    pub async fn insert_score_run(&self, run: &NewScoreRun) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = crate::clock::now_ms();
        let (id,): (i64,) = sqlx::query_as(
            "insert into score_runs (criteria_id, criteria_version, survey_versions, period_from, \
             period_to, communes, run_hash, created_by, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        )
        .bind(&run.criteria_id)
        .bind(run.criteria_version)
        .bind(&run.survey_versions)
        .bind(&run.period_from)
        .bind(&run.period_to)
        .bind(run.results.len() as i64)
        .bind(&run.run_hash)
        .bind(&run.created_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for result in &run.results {
            sqlx::query(
                "insert into score_results (run_id, unit_id, total, passed, grade, sufficient, \
                 input_hash, output_hash, input_json, report_json, created_at, flagged_counted, \
                 flagged_held) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(id)
            .bind(result.unit_id)
            .bind(result.total)
            .bind(i64::from(result.passed))
            .bind(result.grade.as_deref())
            .bind(i64::from(result.sufficient))
            .bind(&result.input_hash)
            .bind(&result.output_hash)
            .bind(&result.input_json)
            .bind(&result.report_json)
            .bind(now)
            .bind(result.flags.counted)
            .bind(result.flags.held)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "insert into audit_log (actor_user_id, actor, action, target, detail, created_at) \
             values (null, $1, 'score_run', $2, $3, $4)",
        )
        .bind(&run.created_by)
        .bind(format!("{} v{}", run.criteria_id, run.criteria_version))
        .bind(format!(
            "run {id}: {} communes, hash {}",
            run.results.len(),
            run.run_hash
        ))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The newest run under `criteria_id`.
    pub async fn latest_score_run(
        &self,
        criteria_id: &str,
    ) -> Result<Option<ScoreRunRow>, StoreError> {
        Ok(sqlx::query_as(
            "select id, criteria_id, criteria_version, survey_versions, period_from, period_to, \
             communes, run_hash, created_by, created_at from score_runs \
             where criteria_id = $1 order by id desc limit 1",
        )
        .bind(criteria_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// One run by id.
    pub async fn score_run(&self, id: i64) -> Result<Option<ScoreRunRow>, StoreError> {
        Ok(sqlx::query_as(
            "select id, criteria_id, criteria_version, survey_versions, period_from, period_to, \
             communes, run_hash, created_by, created_at from score_runs where id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// A run's results, of one commune or all (ordered by commune code).
    pub async fn score_results(
        &self,
        run_id: i64,
        unit_id: Option<i64>,
    ) -> Result<Vec<ScoreResultRow>, StoreError> {
        Ok(sqlx::query_as(&format!(
            "select {RESULT_COLUMNS} from score_results s join admin_units u on u.id = s.unit_id \
             left join admin_units d on d.id = u.review_district_id \
             where s.run_id = $1 and ($2 = 0 or s.unit_id = $3) order by u.code"
        ))
        .bind(run_id)
        .bind(i64::from(unit_id.is_some()))
        .bind(unit_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Communes in force on `date` (`YYYY-MM-DD`) as (id, code); a score run covers these.
    pub async fn communes_on(&self, date: &str) -> Result<Vec<(i64, String)>, StoreError> {
        Ok(sqlx::query_as(
            "select id, code from admin_units where level = 'commune' \
             and valid_from <= $1 and (valid_to is null or valid_to > $1) order by code",
        )
        .bind(date)
        .fetch_all(&self.pool)
        .await?)
    }
}
