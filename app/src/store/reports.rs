//! What a periodic report reads beyond the dashboard's per-day counts: the follow-up of the
//! period's unfavourable ratings and marked complaints, the survey versions answered, and the
//! communes listed.

use super::{Store, StoreError};

impl Store {
    /// Of the answers given at the commune's desks from `from_ms` to `to_ms` (exclusive) and
    /// counted in the figures: the comments marked as complaints whose rating alone would not
    /// need following up (the report adds them to the unfavourable ratings it counts from the
    /// per-day figures), and how many of all those needing follow-up (`domain::followup`) were
    /// resolved.
    pub async fn followup_in(
        &self,
        commune_id: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<(i64, i64), StoreError> {
        let at_most = crate::domain::followup::FOLLOW_UP_AT_MOST;
        // From the marks and the follow-ups (a few) to their responses, as
        // `Store::open_followups_by_commune`.
        let (marked,): (i64,) = sqlx::query_as(&format!(
            "select count(*) from complaint_marks m cross join responses r \
             cross join desks d cross join admin_units du \
             where r.id = m.response_id and d.id = r.desk_id and du.id = d.commune_id \
               and du.answers_to = $1 and r.excluded = 0 and r.held = 0 \
               and coalesce(r.overall, 9) > {at_most} \
               and r.created_at >= $2 and r.created_at < $3"
        ))
        .bind(commune_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(&self.pool)
        .await?;
        let (resolved,): (i64,) = sqlx::query_as(&format!(
            "select count(*) from followups f cross join responses r \
             cross join desks d cross join admin_units du \
             left join complaint_marks m on m.response_id = r.id \
             where r.id = f.response_id and d.id = r.desk_id and du.id = d.commune_id \
               and du.answers_to = $1 and f.state = 'resolved' and r.excluded = 0 \
               and r.held = 0 and (r.overall <= {at_most} or m.response_id is not null) \
               and r.created_at >= $2 and r.created_at < $3"
        ))
        .bind(commune_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok((marked, resolved))
    }

    /// The versions of `survey_id` answered at the commune's desks from `from_ms` to `to_ms`
    /// (exclusive) in responses counted in the figures, with how many each, oldest first.
    pub async fn survey_versions_answered(
        &self,
        commune_id: i64,
        survey_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "select cast(r.survey_version as bigint), count(*) from responses r \
             join desks d on d.id = r.desk_id join admin_units du on du.id = d.commune_id \
             where du.answers_to = $1 and r.survey_id = $2 and r.excluded = 0 and r.held = 0 \
               and r.created_at >= $3 and r.created_at < $4 \
             group by r.survey_version order by r.survey_version",
        )
        .bind(commune_id)
        .bind(survey_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Communes in force on `day` as (id, code, name), by code: the rows of a province report.
    pub async fn communes_named_on(
        &self,
        day: &str,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "select id, code, name from admin_units where level = 'commune' \
             and valid_from <= $1 and (valid_to is null or valid_to > $1) order by code",
        )
        .bind(day)
        .fetch_all(&self.pool)
        .await?)
    }
}

impl Store {
    /// The name of the province in force on `day` (`Thành phố Đồng Nai`): the issuer of the
    /// province's reports and the place in their date line.
    pub async fn province_name_on(&self, day: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_as::<_, (String,)>(
            "select name from admin_units where level = 'province' \
             and valid_from <= $1 and (valid_to is null or valid_to > $1) order by code limit 1",
        )
        .bind(day)
        .fetch_optional(&self.pool)
        .await?
        .map(|(name,)| name))
    }
}
