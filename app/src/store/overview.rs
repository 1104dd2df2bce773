//! Read models for the commune page and the review of flagged responses.

use serde::{Deserialize, Serialize};

use super::aggregates::{Changes, Place, Standing};
use super::{Store, StoreError};

/// A commune with its district, for authorization and headings.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CommuneRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub district_id: Option<i64>,
    pub district_name: Option<String>,
}

/// A comment as the commune's leaders read it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CommentRow {
    pub response_id: i64,
    pub created_at: i64,
    pub desk_name: String,
    pub overall: Option<i64>,
    pub text: String,
    /// 1 when the commune's staff marked it as a complaint (migration 0018).
    pub marked: i64,
}

/// A flagged response awaiting (or after) a reviewer's decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct FlaggedRow {
    pub response_id: i64,
    pub created_at: i64,
    pub commune_name: String,
    pub desk_name: String,
    pub flags: String,
    pub excluded: i64,
    /// Waiting for this decision before it counts (a stuffing rule flagged it).
    pub held: i64,
    pub overall: Option<i64>,
    /// `qr` (a citizen's phone) or `kiosk` (the desk's tablet).
    pub channel: String,
    /// The survey answered, to name its questions.
    pub survey_id: String,
    pub survey_version: i64,
}

/// One answer of one of several responses (`Store::answers_of_responses`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ResponseAnswerRow {
    pub response_id: i64,
    pub question_id: String,
    pub value_int: Option<i64>,
    pub value_text: Option<String>,
}

impl Store {
    pub async fn commune_by_code(&self, code: &str) -> Result<Option<CommuneRow>, StoreError> {
        Ok(sqlx::query_as(
            "select c.id, c.code, c.name, c.review_district_id as district_id, d.name as district_name \
             from admin_units c left join admin_units d on d.id = c.parent_id and d.level = 'district' \
             where c.code = $1 and c.level = 'commune' order by c.valid_from desc limit 1",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The communes in force on `day` (`YYYY-MM-DD`), by code, with their reviewing district:
    /// the rows of the province overview.
    pub async fn communes_in_force(&self, day: &str) -> Result<Vec<CommuneRow>, StoreError> {
        Ok(sqlx::query_as(
            "select c.id, c.code, c.name, c.review_district_id as district_id, d.name as district_name \
             from admin_units c left join admin_units d on d.id = c.parent_id and d.level = 'district' \
             where c.level = 'commune' and c.valid_from <= $1 and (c.valid_to is null or c.valid_to > $1) \
             order by c.code",
        )
        .bind(day)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Responses at the commune's desks from the day of `since_ms` (Vietnam time), and how many
    /// rated overall satisfaction 4 or 5 ("Hài lòng", "Rất hài lòng"); responses a reviewer
    /// excluded do not count. Read from the per-day counts, so all time costs no more than a week.
    pub async fn commune_satisfaction(
        &self,
        commune_id: i64,
        since_ms: i64,
    ) -> Result<(i64, i64), StoreError> {
        Ok(sqlx::query_as(
            "select cast(coalesce(sum(case when g.level = 0 then g.answers else 0 end), 0) as bigint), \
               cast(coalesce(sum(case when g.question_id = 'overall' and g.level >= 4 \
                 then g.answers else 0 end), 0) as bigint) \
             from daily_answers g join desks d on d.id = g.desk_id \
             join admin_units du on du.id = d.commune_id \
             where du.answers_to = $1 and g.day >= $2",
        )
        .bind(commune_id)
        .bind(crate::clock::day_of(since_ms.max(0)))
        .fetch_one(&self.pool)
        .await?)
    }

    /// Dossiers handled per desk and day of the commune from `from_day` to `to_day` inclusive:
    /// one row per day a count was entered, so the days without one can be told apart from days
    /// with none handled.
    pub async fn desk_dossier_days(
        &self,
        commune_id: i64,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<(i64, String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "select x.desk_id, x.day, cast(x.handled as bigint) from desk_dossiers x \
             join desks d on d.id = x.desk_id join admin_units du on du.id = d.commune_id \
             where du.answers_to = $1 and x.day >= $2 and x.day <= $3 order by x.desk_id, x.day",
        )
        .bind(commune_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The newest comments left at the commune's desks, by arrival (response id). Each desk's
    /// newest are read from the end of its own index (migration 0007) and the few desks of the
    /// commune merged here: one query over all of them would sort every comment of the
    /// commune's history first.
    pub async fn latest_comments(
        &self,
        commune_id: i64,
        limit: i64,
    ) -> Result<Vec<CommentRow>, StoreError> {
        let desks = self.desk_ids_of_commune(commune_id).await?;
        let mut comments: Vec<CommentRow> = Vec::new();
        for desk_id in desks {
            comments.extend(
                sqlx::query_as::<_, CommentRow>(
                    "select r.id as response_id, r.created_at, d.name as desk_name, r.overall, \
                       c.value_text as text, \
                       cast(case when m.response_id is null then 0 else 1 end as bigint) as marked \
                     from (select id, created_at, overall, desk_id from responses \
                           where desk_id = $1 and commented = 1 order by id desc limit $2) r \
                     join desks d on d.id = r.desk_id \
                     left join complaint_marks m on m.response_id = r.id \
                     join answers c on c.response_id = r.id and c.question_id = 'comment' \
                     where c.value_text is not null order by r.id desc",
                )
                .bind(desk_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?,
            );
        }
        comments.sort_by_key(|c| std::cmp::Reverse(c.response_id));
        comments.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(comments)
    }

    /// Flagged responses of one district (by unit id) or of every district, newest first.
    pub async fn flagged_responses(
        &self,
        district_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<FlaggedRow>, StoreError> {
        Ok(sqlx::query_as(
            "select r.id as response_id, r.created_at, c.name as commune_name, d.name as desk_name, \
               r.flags, r.excluded, r.held, o.value_int as overall, r.channel, r.survey_id, r.survey_version \
             from responses r join desks d on d.id = r.desk_id \
             join admin_units c on c.id = d.commune_id \
             left join answers o on o.response_id = r.id and o.question_id = 'overall' \
             where r.flags is not null and ($1 = 0 or c.review_district_id = $1) \
             order by r.held desc, r.created_at desc, r.id desc limit $2",
        )
        .bind(district_id.unwrap_or(0))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Every answer of the responses `ids`, by response: what a reviewer reads before deciding.
    pub async fn answers_of_responses(
        &self,
        ids: &[i64],
    ) -> Result<Vec<ResponseAnswerRow>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // The ids are integers written by this function, so the list cannot carry SQL.
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        Ok(sqlx::query_as(&format!(
            "select response_id, question_id, value_int, value_text from answers \
             where response_id in ({list}) order by response_id"
        ))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The commune and district of a response's desk.
    pub async fn response_units(
        &self,
        response_id: i64,
    ) -> Result<Option<(i64, Option<i64>)>, StoreError> {
        Ok(sqlx::query_as(
            "select c.answers_to, c.review_district_id from responses r join desks d on d.id = r.desk_id \
             join admin_units c on c.id = d.commune_id where r.id = $1",
        )
        .bind(response_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The desk a response was given at.
    pub async fn response_desk(&self, response_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_as::<_, (i64,)>("select desk_id from responses where id = $1")
                .bind(response_id)
                .fetch_optional(&self.pool)
                .await?
                .map(|(desk,)| desk),
        )
    }

    /// A reviewer's decision on a flagged response: `excluded` leaves it out of every figure;
    /// otherwise it counts, which also releases a response held for review. Returns `false` when
    /// the response is not flagged. The per-day counts follow in the same transaction.
    pub async fn set_excluded(
        &self,
        response_id: i64,
        excluded: bool,
        reviewer_id: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // The write comes first so SQLite takes its write lock before anything is read.
        let found = sqlx::query(
            "update responses set reviewed_by = $1 where id = $2 and flags is not null",
        )
        .bind(reviewer_id)
        .bind(response_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !found {
            return Ok(false);
        }
        let (was_excluded, was_held, desk_id, created_at, survey_id): (i64, i64, i64, i64, String) =
            sqlx::query_as(
                "select excluded, held, desk_id, created_at, survey_id from responses where id = $1",
            )
            .bind(response_id)
            .fetch_one(&mut *tx)
            .await?;
        let before = Standing::of(was_excluded != 0, was_held != 0, true);
        let after = Standing::of(excluded, false, true);
        if before != after {
            sqlx::query("update responses set excluded = $1, held = 0 where id = $2")
                .bind(i64::from(excluded))
                .bind(response_id)
                .execute(&mut *tx)
                .await?;
            let answers: Vec<(String, Option<i64>)> =
                sqlx::query_as("select question_id, value_int from answers where response_id = $1")
                    .bind(response_id)
                    .fetch_all(&mut *tx)
                    .await?;
            let day = crate::clock::day_of(created_at);
            let mut changes = Changes::default();
            changes.restate(
                Place {
                    desk_id,
                    day: &day,
                    survey_id: &survey_id,
                },
                answers,
                Some(before),
                after,
            );
            changes.apply(&mut tx, self.backend).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
