//! Per-day counts (`daily_answers`), maintained in the same transaction as the responses they
//! count, and the reads of the dashboards, the province view and score runs built on them.
//! Their size grows with desks × days, not with responses, which keeps those pages as fast with
//! ten million responses as with one.

use std::collections::BTreeMap;

use survey_definitions::Answer;

use super::{Store, StoreError};

/// (desk, day, survey, question, level) → change in count.
pub type Increments = BTreeMap<(i64, String, String, String, i64), i64>;

/// Adds one response (its count row and its 1–5 answers) to `increments`, with `sign` +1 when
/// stored and −1 when a reviewer excludes it.
pub fn count_response(
    increments: &mut Increments,
    desk_id: i64,
    day: &str,
    survey_id: &str,
    answers: impl IntoIterator<Item = (String, Option<i64>)>,
    sign: i64,
) {
    *increments
        .entry((desk_id, day.into(), survey_id.into(), String::new(), 0))
        .or_default() += sign;
    for (question, value) in answers {
        if let Some(level @ 1..=5) = value {
            *increments
                .entry((desk_id, day.into(), survey_id.into(), question, level))
                .or_default() += sign;
        }
    }
}

/// How a response stands in the figures: counted or not, and whether a rule flagged it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    /// In the figures: neither excluded by a reviewer nor held back for one.
    pub counted: bool,
    /// A rule flagged it.
    pub flagged: bool,
    /// Waiting for a reviewer before it counts (a stuffing rule flagged it).
    pub held: bool,
}

impl Standing {
    /// The standing of a stored response from its columns.
    pub fn of(excluded: bool, held: bool, flagged: bool) -> Standing {
        Standing {
            counted: !excluded && !held,
            flagged,
            held: held && !excluded,
        }
    }
}

/// (desk, day, survey, kind) → change in the number of flagged responses: `counted` are in the
/// figures, `held` wait for a reviewer (`daily_flags`, migration 0009).
pub type FlagIncrements = BTreeMap<(i64, String, String, &'static str), i64>;

/// Where a response is counted: its desk, its day in Vietnam and its survey.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub desk_id: i64,
    pub day: &'a str,
    pub survey_id: &'a str,
}

/// Changes to both kinds of per-day counts, applied in one transaction with what caused them.
#[derive(Debug, Default)]
pub struct Changes {
    pub answers: Increments,
    pub flags: FlagIncrements,
}

impl Changes {
    /// Moves one response from standing `from` (`None`: not stored before) to `to`: its answers
    /// leave or enter `daily_answers`, and its flag counts follow. Every change of a response's
    /// standing (storing it, a reviewer's decision, a later flag) goes through here, so the
    /// counts always equal what the responses say.
    pub fn restate(
        &mut self,
        place: Place<'_>,
        answers: impl IntoIterator<Item = (String, Option<i64>)>,
        from: Option<Standing>,
        to: Standing,
    ) {
        let Place {
            desk_id,
            day,
            survey_id,
        } = place;
        if from.is_some_and(|s| s.counted) != to.counted {
            count_response(
                &mut self.answers,
                desk_id,
                day,
                survey_id,
                answers,
                if to.counted { 1 } else { -1 },
            );
        }
        let counted_flagged = |s: Option<Standing>| s.is_some_and(|s| s.counted && s.flagged);
        let held = |s: Option<Standing>| s.is_some_and(|s| s.held);
        for (kind, before, after) in [
            ("counted", counted_flagged(from), counted_flagged(Some(to))),
            ("held", held(from), held(Some(to))),
        ] {
            if before != after {
                *self
                    .flags
                    .entry((desk_id, day.into(), survey_id.into(), kind))
                    .or_default() += if after { 1 } else { -1 };
            }
        }
    }

    /// Writes the changes inside the caller's transaction.
    pub async fn apply(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        backend: super::Backend,
    ) -> Result<(), StoreError> {
        apply(tx, backend, &self.answers).await?;
        let rows: Vec<_> = self.flags.iter().filter(|(_, n)| **n != 0).collect();
        for chunk in rows.chunks(200) {
            let sql = format!(
                "insert into daily_flags (desk_id, day, survey_id, kind, responses) values {} \
                 on conflict (desk_id, day, survey_id, kind) \
                 do update set responses = daily_flags.responses + excluded.responses",
                super::value_rows(backend, chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for ((desk, day, survey, kind), n) in chunk {
                query = query
                    .bind(*desk)
                    .bind(day.as_str())
                    .bind(survey.as_str())
                    .bind(*kind)
                    .bind(**n);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// The answers of a new response as (question, value) pairs for [`count_response`].
pub fn answer_values(answers: &[Answer]) -> impl Iterator<Item = (String, Option<i64>)> + '_ {
    answers
        .iter()
        .map(|a| (a.question_id.clone(), a.value.value_int()))
}

/// Applies increments inside the caller's transaction, in statements of a bounded size. Keys are
/// unique within a statement (PostgreSQL refuses to update one row twice in one upsert).
pub async fn apply(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: super::Backend,
    increments: &Increments,
) -> Result<(), StoreError> {
    let rows: Vec<_> = increments.iter().filter(|(_, n)| **n != 0).collect();
    for chunk in rows.chunks(200) {
        let mut sql = format!(
            "insert into daily_answers (desk_id, day, survey_id, question_id, level, answers) \
             values {}",
            super::value_rows(backend, chunk.len(), 6)
        );
        sql.push_str(
            " on conflict (desk_id, day, survey_id, question_id, level) \
             do update set answers = daily_answers.answers + excluded.answers",
        );
        let mut query = sqlx::query(&sql);
        for ((desk, day, survey, question, level), n) in chunk {
            query = query
                .bind(*desk)
                .bind(day.as_str())
                .bind(survey.as_str())
                .bind(question.as_str())
                .bind(*level)
                .bind(**n);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Counts of one desk, day, question and level (question `""`, level 0: responses).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DailyRow {
    pub desk_id: i64,
    pub day: String,
    pub question_id: String,
    pub level: i64,
    pub answers: i64,
}

/// Counts of one desk, question and level summed over days from `first_day` on.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct TotalRow {
    pub desk_id: i64,
    pub first_day: String,
    pub question_id: String,
    pub level: i64,
    pub answers: i64,
}

/// Counts of one commune, question and level over a range of days.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CommuneCountRow {
    pub unit_id: i64,
    pub question_id: String,
    pub level: i64,
    pub answers: i64,
}

impl Store {
    /// Every count of a commune's desks for `survey_id` from `from_day` to `to_day` inclusive.
    pub async fn commune_daily(
        &self,
        commune_id: i64,
        survey_id: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<DailyRow>, StoreError> {
        Ok(sqlx::query_as(
            "select g.desk_id, g.day, g.question_id, g.level, g.answers from daily_answers g \
             join desks d on d.id = g.desk_id join admin_units du on du.id = d.commune_id \
             where du.answers_to = $1 and g.survey_id = $2 and g.day >= $3 and g.day <= $4 \
             order by g.day, g.desk_id",
        )
        .bind(commune_id)
        .bind(survey_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every count of a commune's desks for `survey_id` up to `to_day` inclusive, summed by
    /// desk, question and level, with the first day each sum starts on: the figures "since the
    /// beginning", read without loading every day.
    pub async fn commune_totals(
        &self,
        commune_id: i64,
        survey_id: &str,
        to_day: &str,
    ) -> Result<Vec<TotalRow>, StoreError> {
        Ok(sqlx::query_as(
            "select g.desk_id, min(g.day) as first_day, g.question_id, g.level, \
               cast(sum(g.answers) as bigint) as answers from daily_answers g \
             join desks d on d.id = g.desk_id join admin_units du on du.id = d.commune_id \
             where du.answers_to = $1 and g.survey_id = $2 and g.day <= $3 \
             group by g.desk_id, g.question_id, g.level",
        )
        .bind(commune_id)
        .bind(survey_id)
        .bind(to_day)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Counts by commune for `survey_id` from `from_day` to `to_day` inclusive, only for the
    /// questions named (and the response count): the province view and score runs.
    pub async fn counts_by_commune(
        &self,
        survey_id: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<CommuneCountRow>, StoreError> {
        Ok(sqlx::query_as(
            "select du.answers_to as unit_id, g.question_id, g.level, cast(sum(g.answers) as bigint) as answers \
             from daily_answers g join desks d on d.id = g.desk_id \
             join admin_units du on du.id = d.commune_id \
             where g.survey_id = $1 and g.day >= $2 and g.day <= $3 \
             group by du.answers_to, g.question_id, g.level",
        )
        .bind(survey_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Responses given at the desks of one unit whose answers count for a commune: the commune
/// itself or one of its predecessors, with the unit's name and the days it was in force.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitAnswersRow {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub valid_from: String,
    /// The first day it was no longer in force; `None` while it is.
    pub valid_to: Option<String>,
    pub responses: i64,
}

impl Store {
    /// Responses for `survey_id` from `from_day` to `to_day` inclusive by the unit whose desks
    /// took them, for every commune-level unit whose answers count for `commune_id` (itself
    /// included, and those without a response: 0), oldest unit first: which predecessors
    /// contributed to a commune's figures and how much.
    pub async fn commune_answers_by_unit(
        &self,
        commune_id: i64,
        survey_id: &str,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<UnitAnswersRow>, StoreError> {
        Ok(sqlx::query_as(
            "select du.id as unit_id, du.code, du.name, du.valid_from, du.valid_to, \
               cast(coalesce(sum(g.answers), 0) as bigint) as responses from admin_units du \
             left join desks d on d.commune_id = du.id \
             left join daily_answers g on g.desk_id = d.id and g.survey_id = $2 \
               and g.question_id = '' and g.level = 0 and g.day >= $3 and g.day <= $4 \
             where du.answers_to = $1 and du.level = 'commune' \
             group by du.id, du.code, du.name, du.valid_from, du.valid_to \
             order by du.valid_from, du.code",
        )
        .bind(commune_id)
        .bind(survey_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Flagged responses over a range of days: those in the figures, and those waiting for a
/// reviewer (and so not in them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FlagCounts {
    pub counted: i64,
    pub held: i64,
}

impl Store {
    /// Flag counts by commune (all communes, or one) from `from_day` to `to_day` inclusive.
    pub async fn flag_counts(
        &self,
        commune_id: Option<i64>,
        from_day: &str,
        to_day: &str,
    ) -> Result<BTreeMap<i64, FlagCounts>, StoreError> {
        let sql = format!(
            "select du.answers_to, f.kind, cast(sum(f.responses) as bigint) \
             from daily_flags f join desks d on d.id = f.desk_id \
             join admin_units du on du.id = d.commune_id \
             where f.day >= $1 and f.day <= $2 {} \
             group by du.answers_to, f.kind",
            super::only("du.answers_to", 3, commune_id)
        );
        let mut query = sqlx::query_as(&sql).bind(from_day).bind(to_day);
        if let Some(id) = commune_id {
            query = query.bind(id);
        }
        let rows: Vec<(i64, String, i64)> = query.fetch_all(&self.pool).await?;
        let mut counts: BTreeMap<i64, FlagCounts> = BTreeMap::new();
        for (commune, kind, n) in rows {
            let entry = counts.entry(commune).or_default();
            match kind.as_str() {
                "counted" => entry.counted += n,
                "held" => entry.held += n,
                other => {
                    return Err(StoreError::Inconsistent(format!(
                        "daily_flags of commune {commune} has the unknown kind `{other}`"
                    )))
                }
            }
        }
        Ok(counts)
    }
}
