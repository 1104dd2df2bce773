//! The commune's follow-up of unfavourable feedback, dossiers handled per desk (for response
//! rates), and the commune's own view of its desks and flagged responses.

use super::{now_ms, Store, StoreError};

/// A response with an unfavourable rating or a comment, and its follow-up.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedbackRow {
    pub response_id: i64,
    pub created_at: i64,
    pub desk_name: String,
    pub overall: Option<i64>,
    pub comment: Option<String>,
    pub state: Option<String>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CommuneFlaggedRow {
    pub created_at: i64,
    pub desk_name: String,
    pub flags: String,
    pub excluded: i64,
}

/// Follow-up states a leader can set.
pub const FOLLOWUP_STATES: [&str; 2] = ["handling", "resolved"];

impl Store {
    /// The commune's current desks as (id, public code, name).
    pub async fn commune_desks(
        &self,
        commune_id: i64,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "select id, public_code, name from desks where commune_id = $1 \
             and (valid_to is null or valid_to > $2) order by id",
        )
        .bind(commune_id)
        .bind(super::today_vn())
        .fetch_all(&self.pool)
        .await?)
    }

    /// Dossiers handled per desk of the commune from `from_day` to `to_day` inclusive.
    pub async fn desk_dossiers(
        &self,
        commune_id: i64,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "select x.desk_id, cast(sum(x.handled) as bigint) from desk_dossiers x \
             join desks d on d.id = x.desk_id \
             where d.commune_id = $1 and x.day >= $2 and x.day <= $3 group by x.desk_id",
        )
        .bind(commune_id)
        .bind(from_day)
        .bind(to_day)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records the dossiers a desk handled on a day (replacing an earlier figure), audited.
    pub async fn set_desk_dossiers(
        &self,
        desk_id: i64,
        day: &str,
        handled: i64,
        user_id: i64,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        sqlx::query(
            "insert into desk_dossiers (desk_id, day, handled, updated_by, created_at) \
             values ($1, $2, $3, $4, $5) on conflict (desk_id, day) \
             do update set handled = excluded.handled, updated_by = excluded.updated_by",
        )
        .bind(desk_id)
        .bind(day)
        .bind(handled)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into audit_log (actor_user_id, actor, action, target, detail, created_at) \
             values ($1, $2, 'desk_dossiers', $3, $4, $5)",
        )
        .bind(user_id)
        .bind(actor)
        .bind(format!("desk {desk_id}"))
        .bind(format!("{day}: {handled} hồ sơ"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Unfavourable ratings (overall 1–2) and comments since `since_ms`: open unfavourable ones
    /// first, then newest first. Excluded responses are left out. Both kinds are found through
    /// their own small indexes (migration 0006), so the cost follows the period, not the history.
    pub async fn feedback_items(
        &self,
        commune_id: i64,
        overall_question: &str,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        Ok(sqlx::query_as(
            "select r.id as response_id, r.created_at, d.name as desk_name, o.value_int as overall, \
               c.value_text as comment, f.state, f.note \
             from responses r join desks d on d.id = r.desk_id \
             left join answers o on o.response_id = r.id and o.question_id = $2 \
             left join answers c on c.response_id = r.id and c.question_id = 'comment' \
               and c.value_text is not null \
             left join followups f on f.response_id = r.id \
             where d.commune_id = $1 and r.created_at >= $3 and r.excluded = 0 \
               and (exists (select 1 from answers u where u.response_id = r.id \
                      and u.question_id = 'overall' and u.value_int <= 2) \
                    or exists (select 1 from answers k where k.response_id = r.id \
                      and k.question_id = 'comment' and k.value_text is not null)) \
             order by case when o.value_int <= 2 and (f.state is null or f.state <> 'resolved') \
               then 0 else 1 end, r.created_at desc, r.id desc limit $4",
        )
        .bind(commune_id)
        .bind(overall_question)
        .bind(since_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Unfavourable ratings since `since_ms` not yet resolved.
    pub async fn open_followups(
        &self,
        commune_id: i64,
        _overall_question: &str,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from responses r join desks d on d.id = r.desk_id \
             left join followups f on f.response_id = r.id \
             where d.commune_id = $1 and r.created_at >= $2 and r.excluded = 0 \
               and exists (select 1 from answers u where u.response_id = r.id \
                 and u.question_id = 'overall' and u.value_int <= 2) \
               and (f.state is null or f.state <> 'resolved')",
        )
        .bind(commune_id)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Sets a response's follow-up (`handling` or `resolved`) with a note, audited with the
    /// old and new value. The caller checks the response belongs to the user's commune.
    pub async fn set_followup(
        &self,
        response_id: i64,
        state: &str,
        note: &str,
        user_id: i64,
        actor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = now_ms();
        let old: Option<(String, String)> =
            sqlx::query_as("select state, note from followups where response_id = $1")
                .bind(response_id)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "insert into followups (response_id, state, note, updated_by, updated_at, created_at) \
             values ($1, $2, $3, $4, $5, $5) on conflict (response_id) do update set \
             state = excluded.state, note = excluded.note, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
        )
        .bind(response_id)
        .bind(state)
        .bind(note)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let detail = match old {
            Some((s, n)) => format!("{s} «{n}» → {state} «{note}»"),
            None => format!("mở → {state} «{note}»"),
        };
        sqlx::query(
            "insert into audit_log (actor_user_id, actor, action, target, detail, created_at) \
             values ($1, $2, 'followup', $3, $4, $5)",
        )
        .bind(user_id)
        .bind(actor)
        .bind(format!("response {response_id}"))
        .bind(detail)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The commune's flagged responses, newest first.
    pub async fn commune_flagged(
        &self,
        commune_id: i64,
        limit: i64,
    ) -> Result<Vec<CommuneFlaggedRow>, StoreError> {
        Ok(sqlx::query_as(
            "select r.created_at, d.name as desk_name, r.flags, r.excluded \
             from responses r join desks d on d.id = r.desk_id \
             where d.commune_id = $1 and r.flags is not null \
             order by r.created_at desc, r.id desc limit $2",
        )
        .bind(commune_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
