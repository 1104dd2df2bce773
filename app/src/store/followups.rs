//! The commune's follow-up of unfavourable feedback, dossiers handled per desk (for response
//! rates), and the commune's own view of its desks and flagged responses.

use super::{Store, StoreError};
use crate::domain::followup::FOLLOW_UP_AT_MOST;

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
    /// 1 when the commune's staff marked its comment as a complaint (migration 0018).
    pub marked: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CommuneFlaggedRow {
    pub created_at: i64,
    pub desk_name: String,
    pub flags: String,
    pub excluded: i64,
    pub held: i64,
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
        .bind(crate::clock::today())
        .fetch_all(&self.pool)
        .await?)
    }

    /// The time and overall rating of every response counted in the figures (neither excluded
    /// nor held) given at the commune's desks since `since_ms`, desk by desk: a commune has a
    /// few desks, each read along its own index (`responses_desk_time_counted`, migration 0020,
    /// which holds the columns read, so no row of the table is visited).
    pub async fn answer_times(
        &self,
        commune_id: i64,
        since_ms: i64,
    ) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
        let mut times = Vec::new();
        for desk_id in self.desk_ids_of_commune(commune_id).await? {
            let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
                "select created_at, overall from responses \
                 where desk_id = $1 and created_at >= $2 and excluded = 0 and held = 0",
            )
            .bind(desk_id)
            .bind(since_ms)
            .fetch_all(&self.pool)
            .await?;
            times.extend(rows);
        }
        Ok(times)
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
             join desks d on d.id = x.desk_id join admin_units du on du.id = d.commune_id \
             where du.answers_to = $1 and x.day >= $2 and x.day <= $3 group by x.desk_id",
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
        let now = crate::clock::now_ms();
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
        super::audit_in_tx(
            &mut tx,
            Some(user_id),
            actor,
            "desk_dossiers",
            &format!("desk {desk_id}"),
            &format!("{day}: {handled} hồ sơ"),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Unfavourable ratings (`domain::followup`) not yet resolved, however old (a complaint never
    /// drops off the list until it is resolved), then the other comments and resolved ratings
    /// since `since_ms`, each part newest first. Excluded responses, and those held for review, are left out. The rating and the comment
    /// mark live on the response (migration 0007) under a partial index, which each desk's
    /// newest are read from, a page at most, and the commune's few desks merged here: one query
    /// over the commune would sort every item of the period first, which grows with the volume.
    pub async fn feedback_items(
        &self,
        commune_id: i64,
        since_ms: i64,
        limit: i64,
    ) -> Result<Vec<FeedbackRow>, StoreError> {
        // The `overall <= N or commented = 1` condition is the partial index's own predicate
        // (migration 0017), written out so both databases use the index.
        let items = format!(
            "select r.id as response_id, r.created_at, d.name as desk_name, \
              r.overall, cast(null as text) as comment, f.state, f.note, \
              cast(case when m.response_id is null then 0 else 1 end as bigint) as marked \
            from responses r join desks d on d.id = r.desk_id \
            left join followups f on f.response_id = r.id \
            left join complaint_marks m on m.response_id = r.id \
            where r.desk_id = $1 and r.created_at >= $2 and r.excluded = 0 and r.held = 0 \
              and (r.overall <= {FOLLOW_UP_AT_MOST} or r.commented = 1)"
        );
        const ORDER: &str = "order by r.created_at desc, r.id desc limit $3";
        let open = format!(
            "{items} and (r.overall <= {FOLLOW_UP_AT_MOST} or m.response_id is not null) \
             and (f.state is null or f.state <> 'resolved') {ORDER}"
        );
        let others = format!(
            "{items} and ((coalesce(r.overall, 9) > {FOLLOW_UP_AT_MOST} and m.response_id is null) \
             or f.state = 'resolved') {ORDER}"
        );
        let desks = self.desk_ids_of_commune(commune_id).await?;
        let mut items = Vec::new();
        for (sql, since_ms) in [(open, 0), (others, since_ms)] {
            let room = limit - items.len() as i64;
            if room <= 0 {
                break;
            }
            let mut part: Vec<FeedbackRow> = Vec::new();
            for desk_id in &desks {
                part.extend(
                    sqlx::query_as::<_, FeedbackRow>(&sql)
                        .bind(desk_id)
                        .bind(since_ms)
                        .bind(room)
                        .fetch_all(&self.pool)
                        .await?,
                );
            }
            part.sort_by_key(|f| std::cmp::Reverse((f.created_at, f.response_id)));
            part.truncate(usize::try_from(room).unwrap_or(0));
            items.extend(part);
        }
        if !items.is_empty() {
            let sql = format!(
                "select response_id, value_text from answers \
                 where question_id = 'comment' and value_text is not null and response_id in {}",
                super::value_rows(self.backend, 1, items.len())
            );
            let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
            for item in &items {
                query = query.bind(item.response_id);
            }
            let comments: std::collections::HashMap<i64, String> =
                query.fetch_all(&self.pool).await?.into_iter().collect();
            for item in &mut items {
                item.comment = comments.get(&item.response_id).cloned();
            }
        }
        Ok(items)
    }

    /// Answers that need following up (`domain::followup`) not yet resolved, however old: the
    /// day's counts of unfavourable ratings (migration 0006) less their resolved follow-ups, and
    /// the marked complaints not resolved, so the cost follows the number of days, follow-ups
    /// and marks, not of responses.
    pub async fn open_followups(&self, commune_id: i64) -> Result<i64, StoreError> {
        Ok(self
            .open_followups_by_commune(Some(commune_id))
            .await?
            .get(&commune_id)
            .copied()
            .unwrap_or(0))
    }

    /// [`Store::open_followups`] of every commune with unfavourable ratings (or of one), by
    /// commune id: the province overview's backlog column.
    pub async fn open_followups_by_commune(
        &self,
        commune_id: Option<i64>,
    ) -> Result<std::collections::BTreeMap<i64, i64>, StoreError> {
        let only = super::only("du.answers_to", 1, commune_id);
        let unfavourable_sql = format!(
            "select du.answers_to, cast(sum(g.answers) as bigint) from daily_answers g \
             join desks d on d.id = g.desk_id join admin_units du on du.id = d.commune_id \
             where g.question_id = 'overall' and g.level between 1 and {FOLLOW_UP_AT_MOST} {only} \
             group by du.answers_to"
        );
        // From the follow-ups (a few) to their responses: `cross join` keeps SQLite's planner
        // in that order, which otherwise scanned the feedback index of every response (435 ms
        // at 1M responses in the sqlite shell, 0.5 ms this way). PostgreSQL plans it freely.
        let resolved_sql = format!(
            "select du.answers_to, count(*) from followups f cross join responses r \
             cross join desks d cross join admin_units du \
             where r.id = f.response_id and d.id = r.desk_id and du.id = d.commune_id \
               and f.state = 'resolved' and r.excluded = 0 and r.held = 0 \
               and r.overall <= {FOLLOW_UP_AT_MOST} {only} \
             group by du.answers_to"
        );
        // Marked complaints whose rating alone would not need following up, from the marks (a
        // few) to their responses, as above.
        let marked_sql = format!(
            "select du.answers_to, count(*) from complaint_marks m cross join responses r \
             cross join desks d cross join admin_units du \
             left join followups f on f.response_id = r.id \
             where r.id = m.response_id and d.id = r.desk_id and du.id = d.commune_id \
               and (f.state is null or f.state <> 'resolved') and r.excluded = 0 \
               and r.held = 0 and coalesce(r.overall, 9) > {FOLLOW_UP_AT_MOST} {only} \
             group by du.answers_to"
        );
        let mut unfavourable = sqlx::query_as::<_, (i64, i64)>(&unfavourable_sql);
        let mut resolved = sqlx::query_as::<_, (i64, i64)>(&resolved_sql);
        let mut marked = sqlx::query_as::<_, (i64, i64)>(&marked_sql);
        if let Some(id) = commune_id {
            unfavourable = unfavourable.bind(id);
            resolved = resolved.bind(id);
            marked = marked.bind(id);
        }
        let unfavourable = unfavourable.fetch_all(&self.pool).await?;
        let resolved = resolved.fetch_all(&self.pool).await?;
        let marked = marked.fetch_all(&self.pool).await?;
        let mut open: std::collections::BTreeMap<i64, i64> = unfavourable.into_iter().collect();
        for (commune, n) in resolved {
            *open.entry(commune).or_default() -= n;
        }
        for (commune, n) in marked {
            *open.entry(commune).or_default() += n;
        }
        Ok(open)
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
        let now = crate::clock::now_ms();
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
        super::audit_in_tx(
            &mut tx,
            Some(user_id),
            actor,
            "followup",
            &format!("response {response_id}"),
            &detail,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The response's overall rating and whether it has a comment, if it is counted in the
    /// figures (neither excluded nor held): what deciding on a complaint mark needs.
    pub async fn markable_response(
        &self,
        response_id: i64,
    ) -> Result<Option<(Option<i64>, bool, bool)>, StoreError> {
        let row: Option<(Option<i64>, i64, i64)> = sqlx::query_as(
            "select r.overall, cast(r.commented as bigint), \
               cast(case when m.response_id is null then 0 else 1 end as bigint) \
             from responses r left join complaint_marks m on m.response_id = r.id \
             where r.id = $1 and r.excluded = 0 and r.held = 0",
        )
        .bind(response_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(overall, commented, marked)| (overall, commented == 1, marked == 1)))
    }

    /// Marks a response's comment as a complaint, audited; a second mark changes nothing.
    /// Returns whether this call marked it. The caller checks the response belongs to the
    /// user's commune and may be marked (`domain::followup::may_mark_complaint`).
    pub async fn mark_complaint(
        &self,
        response_id: i64,
        user_id: i64,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = crate::clock::now_ms();
        let marked = sqlx::query(
            "insert into complaint_marks (response_id, marked_by, created_at) \
             values ($1, $2, $3) on conflict (response_id) do nothing",
        )
        .bind(response_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if marked {
            super::audit_in_tx(
                &mut tx,
                Some(user_id),
                actor,
                "complaint_marked",
                &format!("response {response_id}"),
                "ý kiến được đánh dấu là phản ánh cần xử lý",
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// The commune's flagged responses, newest first.
    pub async fn commune_flagged(
        &self,
        commune_id: i64,
        limit: i64,
    ) -> Result<Vec<CommuneFlaggedRow>, StoreError> {
        Ok(sqlx::query_as(
            "select r.created_at, d.name as desk_name, r.flags, r.excluded, r.held \
             from responses r join desks d on d.id = r.desk_id \
             join admin_units du on du.id = d.commune_id \
             where du.answers_to = $1 and r.flags is not null \
             order by r.created_at desc, r.id desc limit $2",
        )
        .bind(commune_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
