//! Alerts: staff e-mail addresses and alert choices, the scanner's cursor over `responses`, the
//! queue of messages to deliver and the log of every delivery attempt (see `crate::alerts`).

use super::{Store, StoreError};

/// A staff member's e-mail address and alert choice (`each`, `digest` or `off`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertContactRow {
    pub user_id: i64,
    pub email: Option<String>,
    pub alert_mode: String,
}

/// An unfavourable response the scanner has to queue alerts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct UnfavourableRow {
    pub response_id: i64,
}

/// A queued message that is due.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct DueAlertRow {
    pub id: i64,
    pub channel: String,
    pub response_id: i64,
    pub user_id: Option<i64>,
    pub recipient: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

/// What an alert tells of a response: where and when it was given, and its answers. Nothing
/// about who gave it (no device or address hash, no dossier code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertResponse {
    pub response_id: i64,
    pub created_at: i64,
    pub desk_name: String,
    pub commune_code: String,
    pub commune_name: String,
    pub survey_id: String,
    pub survey_version: i64,
    /// (question id, number, text) in question order of the table.
    pub answers: Vec<(String, Option<i64>, Option<String>)>,
    /// The follow-up state a commune set (`handling`, `resolved`), if any.
    pub followup: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AlertResponseHead {
    response_id: i64,
    created_at: i64,
    desk_name: String,
    commune_code: String,
    commune_name: String,
    survey_id: String,
    survey_version: i64,
    followup: Option<String>,
}

/// A row of the queue as the province admin sees it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertQueueRow {
    pub id: i64,
    pub channel: String,
    pub response_id: i64,
    pub recipient: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// The cursor's name in `alert_cursor`.
const RESPONSES_CURSOR: &str = "responses";

impl Store {
    /// Sets (or, with `None`, removes) a user's e-mail address; whether the user exists. Mails
    /// still waiting for the user go to the new address, or nowhere.
    pub async fn set_user_email(
        &self,
        user_id: i64,
        email: Option<&str>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query("update users set email = $1 where id = $2")
            .bind(email)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        match email {
            Some(email) => {
                sqlx::query(
                    "update alerts set recipient = $1 where user_id = $2 and status = 'queued'",
                )
                .bind(email)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("delete from alerts where user_id = $1 and status = 'queued'")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(updated == 1)
    }

    /// Sets a user's alert choice (`each`, `digest` or `off`; the caller checks the word). With
    /// `off`, mails still waiting for the user (a digest's, say) are dropped: nothing more is sent.
    pub async fn set_alert_mode(&self, user_id: i64, mode: &str) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query("update users set alert_mode = $1 where id = $2")
            .bind(mode)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if mode == "off" {
            sqlx::query("delete from alerts where user_id = $1 and status = 'queued'")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(updated == 1)
    }

    /// Every user's address and alert choice.
    pub async fn alert_contacts(&self) -> Result<Vec<AlertContactRow>, StoreError> {
        Ok(
            sqlx::query_as("select id as user_id, email, alert_mode from users order by id")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// One user's address and alert choice.
    pub async fn alert_contact(&self, user_id: i64) -> Result<Option<AlertContactRow>, StoreError> {
        Ok(
            sqlx::query_as("select id as user_id, email, alert_mode from users where id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Every response id up to this one has been looked at by the scanner.
    pub async fn alert_cursor(&self) -> Result<i64, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("select response_id from alert_cursor where name = $1")
                .bind(RESPONSES_CURSOR)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map_or(0, |(id,)| id))
    }

    /// Moves the cursor forward to `response_id` (never back: another process may be ahead).
    pub async fn advance_alert_cursor(&self, response_id: i64) -> Result<(), StoreError> {
        sqlx::query(
            "insert into alert_cursor (name, response_id, created_at) values ($1, $2, $3) \
             on conflict (name) do update set response_id = $2 \
             where alert_cursor.response_id < $2",
        )
        .bind(RESPONSES_CURSOR)
        .bind(response_id)
        .bind(crate::clock::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest response id stored (0 when none).
    pub async fn newest_response_id(&self) -> Result<i64, StoreError> {
        let (id,): (i64,) = sqlx::query_as("select coalesce(max(id), 0) from responses")
            .fetch_one(&self.pool)
            .await?;
        Ok(id)
    }

    /// Counted responses after `after_id`, given since `given_since`, whose overall rating is at most `max_overall`, or at
    /// most `comment_max_overall` with a comment, that have no alerts queued yet; oldest first.
    /// Held and excluded answers wait for their review and send nothing.
    pub async fn unfavourable_without_alerts(
        &self,
        after_id: i64,
        given_since: i64,
        max_overall: i64,
        comment_max_overall: i64,
        limit: i64,
    ) -> Result<Vec<UnfavourableRow>, StoreError> {
        Ok(sqlx::query_as(
            "select r.id as response_id from responses r \
             where r.id > $1 and r.created_at >= $5 and r.held = 0 and r.excluded = 0 \
             and (r.overall <= $2 or (r.commented = 1 and r.overall <= $3)) \
             and not exists (select 1 from alert_sources s where s.response_id = r.id) \
             order by r.id limit $4",
        )
        .bind(after_id)
        .bind(max_overall)
        .bind(comment_max_overall)
        .bind(limit)
        .bind(given_since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Queues the alerts of one response, once however often it is called: when `mail`, a mail
    /// (or a digest entry due at `digest_at`) to each active leader and officer of the commune
    /// the desk answers to who has an address and has not turned alerts off, and one webhook
    /// call when `webhook` is set. How many messages were queued (0 when they already were).
    pub async fn queue_alerts(
        &self,
        response_id: i64,
        now: i64,
        digest_at: i64,
        mail: bool,
        webhook: Option<&str>,
    ) -> Result<u64, StoreError> {
        // The first statement writes, so SQLite takes its write lock at once (DEVELOPERS.md).
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(
            "insert into alert_sources (response_id, created_at) values ($1, $2) \
             on conflict do nothing",
        )
        .bind(response_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            tx.rollback().await?;
            return Ok(0);
        }
        let mut queued = sqlx::query(
            "insert into alerts (channel, response_id, user_id, recipient, status, attempts, \
               next_attempt_at, created_at) \
             select case when u.alert_mode = 'digest' then 'digest' else 'mail' end, $1, u.id, \
               u.email, 'queued', 0, \
               case when u.alert_mode = 'digest' then $3 else $2 end, $2 \
             from users u where u.active = 1 and u.email is not null and u.alert_mode <> 'off' \
             and u.role in ('commune_leader', 'commune_officer') \
             and u.unit_id = (select du.answers_to from responses r \
               join desks d on d.id = r.desk_id join admin_units du on du.id = d.commune_id \
               where r.id = $1) and $4 = 1",
        )
        .bind(response_id)
        .bind(now)
        .bind(digest_at)
        .bind(i64::from(mail))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if let Some(url) = webhook {
            queued += sqlx::query(
                "insert into alerts (channel, response_id, user_id, recipient, status, attempts, \
                   next_attempt_at, created_at) values ('webhook', $1, null, $2, 'queued', 0, $3, $3)",
            )
            .bind(response_id)
            .bind(url)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Queues a mail to each province reviewer (assigned the commune, with an address, alerts
    /// not off) about every unfavourable answer given between `since` and `before` whose
    /// follow-up is not `resolved`; once per answer and reviewer. How many were queued.
    pub async fn queue_escalations(
        &self,
        since: i64,
        before: i64,
        now: i64,
    ) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "insert into alerts (channel, response_id, user_id, recipient, status, attempts,                next_attempt_at, created_at)              select 'escalation', r.id, u.id, u.email, 'queued', 0, $3, $3              from alert_sources s join responses r on r.id = s.response_id              join desks d on d.id = r.desk_id join admin_units du on du.id = d.commune_id              join reviewer_communes rc on rc.unit_id = du.answers_to              join users u on u.id = rc.user_id              left join followups f on f.response_id = r.id              where s.created_at >= $1 and r.created_at < $2 and r.excluded = 0              and (f.state is null or f.state <> 'resolved')              and u.role = 'province_reviewer' and u.active = 1 and u.email is not null              and u.alert_mode <> 'off'              on conflict do nothing",
        )
        .bind(since)
        .bind(before)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Queued messages due at `now`, oldest first.
    pub async fn due_alerts(&self, now: i64, limit: i64) -> Result<Vec<DueAlertRow>, StoreError> {
        Ok(sqlx::query_as(
            "select id, channel, response_id, user_id, recipient, attempts, next_attempt_at \
             from alerts where status = 'queued' and next_attempt_at <= $1 \
             order by next_attempt_at, id limit $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Takes a due message for this process until `until`: false when another process took it
    /// first (its `next_attempt_at` is no longer the one read).
    pub async fn claim_alert(&self, alert: &DueAlertRow, until: i64) -> Result<bool, StoreError> {
        Ok(sqlx::query(
            "update alerts set next_attempt_at = $1 \
             where id = $2 and status = 'queued' and next_attempt_at = $3",
        )
        .bind(until)
        .bind(alert.id)
        .bind(alert.next_attempt_at)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1)
    }

    /// Records a delivery attempt of message `id`: `next_at` queues it again at that time
    /// (`retry`), otherwise it ends `sent` (no `error`) or `failed` (with the reason).
    pub async fn record_alert_attempt(
        &self,
        id: i64,
        attempt: i64,
        error: Option<&str>,
        next_at: Option<i64>,
    ) -> Result<(), StoreError> {
        let now = crate::clock::now_ms();
        let (status, outcome) = match (error, next_at) {
            (None, _) => ("sent", "sent"),
            (Some(_), Some(_)) => ("queued", "retry"),
            (Some(_), None) => ("failed", "failed"),
        };
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "update alerts set status = $1, attempts = $2, last_error = $3, \
             next_attempt_at = coalesce($4, next_attempt_at), \
             sent_at = case when $1 = 'sent' then $5 else sent_at end where id = $6",
        )
        .bind(status)
        .bind(attempt)
        .bind(error)
        .bind(next_at)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "insert into alert_deliveries (alert_id, attempt, outcome, detail, created_at) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(attempt)
        .bind(outcome)
        .bind(error.unwrap_or(""))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What an alert says about a response; `None` if it is gone.
    pub async fn alert_response(
        &self,
        response_id: i64,
    ) -> Result<Option<AlertResponse>, StoreError> {
        let head: Option<AlertResponseHead> = sqlx::query_as(
            "select r.id as response_id, r.created_at, d.name as desk_name, \
               c.code as commune_code, c.name as commune_name, r.survey_id, r.survey_version, \
               f.state as followup \
             from responses r join desks d on d.id = r.desk_id \
             join admin_units du on du.id = d.commune_id \
             join admin_units c on c.id = du.answers_to \
             left join followups f on f.response_id = r.id \
             where r.id = $1",
        )
        .bind(response_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(head) = head else {
            return Ok(None);
        };
        let answers: Vec<(String, Option<i64>, Option<String>)> = sqlx::query_as(
            "select question_id, value_int, value_text from answers where response_id = $1",
        )
        .bind(response_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(AlertResponse {
            response_id: head.response_id,
            created_at: head.created_at,
            desk_name: head.desk_name,
            commune_code: head.commune_code,
            commune_name: head.commune_name,
            survey_id: head.survey_id,
            survey_version: head.survey_version,
            answers,
            followup: head.followup,
        }))
    }

    /// Messages waiting or failed, newest first, and how many there are of each status.
    pub async fn alert_queue(
        &self,
        limit: i64,
    ) -> Result<(Vec<AlertQueueRow>, Vec<(String, i64)>), StoreError> {
        let rows = sqlx::query_as(
            "select id, channel, response_id, recipient, status, attempts, next_attempt_at, \
               last_error, created_at from alerts where status <> 'sent' \
             order by id desc limit $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let counts =
            sqlx::query_as("select status, count(*) from alerts group by status order by status")
                .fetch_all(&self.pool)
                .await?;
        Ok((rows, counts))
    }

    /// The delivery log of one message, oldest first: (attempt, outcome, detail, time).
    pub async fn alert_deliveries(
        &self,
        alert_id: i64,
    ) -> Result<Vec<(i64, String, String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "select attempt, outcome, detail, created_at from alert_deliveries \
             where alert_id = $1 order by id",
        )
        .bind(alert_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
