//! Users, sessions, sign-in limits and the audit log.

use crate::domain::roles::Role;

use super::{Store, StoreError};

/// A user row with its unit.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    pub unit_parent_id: Option<i64>,
    pub active: i64,
}

impl UserRow {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }
}

/// A session joined with its user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub csrf_token: String,
}

/// An audit log entry.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub created_at: i64,
    /// How many times a grouped event happened (1 for other entries), the latest at `last_at`.
    pub repeats: i64,
    pub last_at: Option<i64>,
}

const USER_SELECT: &str =
    "select u.id, u.username, u.display_name, u.password_hash, u.role, u.unit_id, \
       un.code as unit_code, un.name as unit_name, un.parent_id as unit_parent_id, u.active \
     from users u left join admin_units un on un.id = u.unit_id";

impl Store {
    /// Creates a user; `None` when the user name is taken.
    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        password_hash: &str,
        role: Role,
        unit_id: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "insert into users (username, display_name, password_hash, role, unit_id, active, created_at) \
             values ($1, $2, $3, $4, $5, 1, $6) on conflict do nothing returning id",
        )
        .bind(username)
        .bind(display_name)
        .bind(password_hash)
        .bind(role.key())
        .bind(unit_id)
        .bind(crate::clock::now_ms())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("{USER_SELECT} where u.username = $1");
        Ok(sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("{USER_SELECT} where u.id = $1");
        Ok(sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>, StoreError> {
        let sql = format!("{USER_SELECT} order by u.role, un.code, u.username");
        Ok(sqlx::query_as(&sql).fetch_all(&self.pool).await?)
    }

    /// Replaces a user's password and ends all of that user's sessions.
    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query("update users set password_hash = $1 where id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("delete from sessions where user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(updated == 1)
    }

    /// The id of the unit in force with this official code at this level. A district, abolished
    /// on 1/7/2025, counts while it still reviews a commune in force (`review_district_id`).
    pub async fn unit_id(&self, code: &str, level: &str) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_as::<_, (i64,)>(
            "select u.id from admin_units u where u.code = $1 and u.level = $2 \
             and ((u.valid_to is null or u.valid_to > $3) or ($2 = 'district' and exists \
               (select 1 from admin_units c where c.review_district_id = u.id \
                and (c.valid_to is null or c.valid_to > $3)))) \
             order by u.valid_from desc limit 1",
        )
        .bind(code)
        .bind(level)
        .bind(crate::clock::today())
        .fetch_optional(&self.pool)
        .await?
        .map(|(id,)| id))
    }

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "insert into sessions (token_hash, user_id, csrf_token, expires_at, created_at) \
             values ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(expires_at)
        .bind(crate::clock::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The active user of an unexpired session.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let sql = "select u.id, u.username, u.display_name, u.password_hash, u.role, u.unit_id, \
               un.code as unit_code, un.name as unit_name, un.parent_id as unit_parent_id, u.active, \
               s.csrf_token \
             from sessions s join users u on u.id = s.user_id \
             left join admin_units un on un.id = u.unit_id \
             where s.token_hash = $1 and s.expires_at > $2 and u.active = 1";
        Ok(sqlx::query_as(sql)
            .bind(token_hash)
            .bind(crate::clock::now_ms())
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("delete from sessions where token_hash = $1 or expires_at < $2")
            .bind(token_hash)
            .bind(crate::clock::now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Counts an attempt to sign in as `username` from `client_hash` before its password is
    /// checked. In one transaction it locks the row of the (name, address) pair and the row of
    /// the address (user name `''`, whose count restarts when its window began before
    /// `window_since`) and asks `decide` whether the password may be checked: `Some(next_at)`
    /// counts a failure on both rows now, to be taken back by [`Store::clear_sign_in`] or
    /// [`Store::refund_sign_in`], and keeps the pair waiting until `next_at`; `None` changes
    /// nothing (see [`Store::count_refused`]). Concurrent attempts on the same rows wait for
    /// the lock (a row lock on PostgreSQL, the write lock on SQLite, taken by the first
    /// statement), so each one decides on the counts of all those before it.
    pub async fn reserve_sign_in(
        &self,
        username: &str,
        client_hash: &str,
        now: i64,
        window_since: i64,
        decide: impl FnOnce(&LimitCounters, &LimitCounters) -> Option<i64>,
    ) -> Result<Reservation, StoreError> {
        let mut tx = self.pool.begin().await?;
        let pair: LimitCounters = sqlx::query_as(
            "insert into login_failures \
               (username, client_hash, failures, refused, next_at, window_start, last_at, created_at) \
             values ($1, $2, 0, 0, 0, $3, $3, $3) \
             on conflict (username, client_hash) do update set last_at = $3 \
             returning failures, next_at, window_start",
        )
        .bind(username)
        .bind(client_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let address: LimitCounters = sqlx::query_as(
            "insert into login_failures \
               (username, client_hash, failures, refused, next_at, window_start, last_at, created_at) \
             values ('', $1, 0, 0, 0, $2, $2, $2) \
             on conflict (username, client_hash) do update set \
               failures = case when login_failures.window_start <= $3 then 0 \
                          else login_failures.failures end, \
               window_start = case when login_failures.window_start <= $3 then $2 \
                              else login_failures.window_start end, \
               last_at = $2 \
             returning failures, next_at, window_start",
        )
        .bind(client_hash)
        .bind(now)
        .bind(window_since)
        .fetch_one(&mut *tx)
        .await?;
        let next_at = decide(&pair, &address);
        match next_at {
            Some(next_at) => {
                sqlx::query(
                    "update login_failures set failures = failures + 1, next_at = $3 \
                     where username = $1 and client_hash = $2",
                )
                .bind(username)
                .bind(client_hash)
                .bind(next_at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "update login_failures set failures = failures + 1 \
                     where username = '' and client_hash = $1",
                )
                .bind(client_hash)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            // Nothing is kept of an attempt that is not checked: made-up names leave no rows.
            None => tx.rollback().await?,
        }
        Ok(Reservation {
            pair,
            address,
            checked: next_at.is_some(),
        })
    }

    /// Counts an attempt refused without checking on the row of the pair (or of the address,
    /// when `username` is empty), if it exists.
    pub async fn count_refused(&self, username: &str, client_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "update login_failures set refused = refused + 1 \
             where username = $1 and client_hash = $2",
        )
        .bind(username)
        .bind(client_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// After a successful sign-in: forgets the pair's failures and takes the attempt back from
    /// the address's count.
    pub async fn clear_sign_in(&self, username: &str, client_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from login_failures where username = $1 and client_hash = $2")
            .bind(username)
            .bind(client_hash)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "update login_failures set failures = failures - 1 \
             where username = '' and client_hash = $1 and failures > 0",
        )
        .bind(client_hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes back an attempt counted by [`Store::reserve_sign_in`] whose password was never
    /// checked (the server was too busy).
    pub async fn refund_sign_in(
        &self,
        username: &str,
        client_hash: &str,
    ) -> Result<(), StoreError> {
        // The pair's row first, then the address's, as `reserve_sign_in` locks them.
        let mut tx = self.pool.begin().await?;
        for name in [username, ""] {
            sqlx::query(
                "update login_failures set failures = failures - 1 \
                 where username = $1 and client_hash = $2 and failures > 0",
            )
            .bind(name)
            .bind(client_hash)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Rows that hold sign-ins back now: pairs with at least `pair_failures` failures, and
    /// addresses with at least `address_failures` in a window that began after `window_since`.
    pub async fn sign_in_limits(
        &self,
        pair_failures: i64,
        address_failures: i64,
        window_since: i64,
    ) -> Result<Vec<SignInLimitRow>, StoreError> {
        Ok(sqlx::query_as(
            "select username, client_hash, failures, refused, next_at, window_start, last_at \
             from login_failures \
             where (username <> '' and failures >= $1) \
                or (username = '' and failures >= $2 and window_start > $3) \
             order by last_at desc limit 500",
        )
        .bind(pair_failures)
        .bind(address_failures)
        .bind(window_since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Deletes one row of sign-in counts (a pair, or an address when `username` is empty);
    /// the row as it was, if there was one.
    pub async fn lift_sign_in_limit(
        &self,
        username: &str,
        client_hash: &str,
    ) -> Result<Option<SignInLimitRow>, StoreError> {
        Ok(sqlx::query_as(
            "delete from login_failures where username = $1 and client_hash = $2 \
             returning username, client_hash, failures, refused, next_at, window_start, last_at",
        )
        .bind(username)
        .bind(client_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Deletes sign-in counts created before `before_ms`; how many.
    pub async fn delete_sign_in_counts_before(&self, before_ms: i64) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("delete from login_failures where created_at < $1")
                .bind(before_ms)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    /// The communes (unit ids) assigned to a province reviewer.
    pub async fn assigned_communes(&self, user_id: i64) -> Result<Vec<i64>, StoreError> {
        Ok(sqlx::query_as::<_, (i64,)>(
            "select unit_id from reviewer_communes where user_id = $1 order by unit_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect())
    }

    /// Assigns communes to a reviewer; the ids that were not assigned yet.
    pub async fn assign_communes(
        &self,
        user_id: i64,
        unit_ids: &[i64],
        assigned_by: &str,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut added = Vec::new();
        for &unit_id in unit_ids {
            let done = sqlx::query(
                "insert into reviewer_communes (user_id, unit_id, assigned_by, created_at) \
                 values ($1, $2, $3, $4) on conflict do nothing",
            )
            .bind(user_id)
            .bind(unit_id)
            .bind(assigned_by)
            .bind(crate::clock::now_ms())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                added.push(unit_id);
            }
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Flagged responses of the communes assigned to a reviewer, newest first (as
    /// `Store::flagged_responses` for a district): a desk of a former unit counts for the
    /// commune its answers go to.
    pub async fn assigned_flagged_responses(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<super::overview::FlaggedRow>, StoreError> {
        Ok(sqlx::query_as(
            "select r.id as response_id, r.created_at, c.name as commune_name, d.name as desk_name, \
               r.flags, r.excluded, r.held, o.value_int as overall, r.channel, r.survey_id, r.survey_version \
             from responses r join desks d on d.id = r.desk_id \
             join admin_units c on c.id = d.commune_id \
             left join answers o on o.response_id = r.id and o.question_id = 'overall' \
             where r.flags is not null and c.answers_to in \
               (select unit_id from reviewer_communes where user_id = $1) \
             order by r.held desc, r.created_at desc, r.id desc limit $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Moves every active commune user whose unit is no longer in force to the unit its answers
    /// count for (`answers_to`), when that unit is in force, and carries reviewers' assignments
    /// of ended communes over the same way; audited per user as `actor`. A user whose unit has
    /// no heir stays on it (`to` is `None`) and is audited once as `user_unit_orphaned`.
    pub async fn move_users_of_ended_units(
        &self,
        actor: &str,
    ) -> Result<Vec<UserUnitMove>, StoreError> {
        let today = crate::clock::today();
        let mut tx = self.pool.begin().await?;
        let rows: Vec<EndedUnitUser> = sqlx::query_as(
            "select u.id as user_id, u.username, o.code || ' ' || o.name as from_unit, \
               n.id as to_id, n.code || ' ' || n.name as to_unit \
             from users u join admin_units o on o.id = u.unit_id \
             left join admin_units n on n.id = o.answers_to and n.id <> o.id \
               and n.level = 'commune' and (n.valid_to is null or n.valid_to > $1) \
             where u.active = 1 and u.role in ('commune_leader', 'commune_officer') \
               and o.valid_to is not null and o.valid_to <= $1 \
             order by u.id",
        )
        .bind(&today)
        .fetch_all(&mut *tx)
        .await?;
        let now = crate::clock::now_ms();
        let mut moves = Vec::new();
        for row in rows {
            let EndedUnitUser {
                user_id,
                username,
                from_unit: from,
                to_id,
                to_unit: to,
            } = row;
            let (action, detail) = match (to_id, &to) {
                (Some(to_id), Some(to)) => {
                    sqlx::query("update users set unit_id = $1 where id = $2")
                        .bind(to_id)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                    ("user_unit_moved", format!("{from} → {to}"))
                }
                _ => (
                    "user_unit_orphaned",
                    format!("{from}: không còn hiệu lực, không có đơn vị kế thừa"),
                ),
            };
            // An orphan is audited once, not at every start-up.
            sqlx::query(
                "insert into audit_log (actor, action, target, detail, created_at) \
                 select $1, $2, $3, $4, $5 where $2 = 'user_unit_moved' or not exists \
                   (select 1 from audit_log where action = $2 and target = $3 and detail = $4)",
            )
            .bind(actor)
            .bind(action)
            .bind(&username)
            .bind(&detail)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            moves.push(UserUnitMove { username, from, to });
        }
        // Assignments of ended communes go to their heirs; a reviewer assigned both keeps one.
        sqlx::query(
            "insert into reviewer_communes (user_id, unit_id, assigned_by, created_at) \
             select rc.user_id, n.id, rc.assigned_by, rc.created_at from reviewer_communes rc \
             join admin_units o on o.id = rc.unit_id join admin_units n on n.id = o.answers_to \
             where n.id <> o.id and o.valid_to is not null and o.valid_to <= $1 \
               and (n.valid_to is null or n.valid_to > $1) \
             on conflict do nothing",
        )
        .bind(&today)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "delete from reviewer_communes where unit_id in (select o.id from admin_units o \
               join admin_units n on n.id = o.answers_to where n.id <> o.id \
               and o.valid_to is not null and o.valid_to <= $1 \
               and (n.valid_to is null or n.valid_to > $1))",
        )
        .bind(&today)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(moves)
    }

    /// The detail of the latest audit entry of `action`, if any.
    pub async fn last_audit_detail(&self, action: &str) -> Result<Option<String>, StoreError> {
        let last: Option<(String,)> = sqlx::query_as(
            "select detail from audit_log where action = $1 order by id desc limit 1",
        )
        .bind(action)
        .fetch_optional(&self.pool)
        .await?;
        Ok(last.map(|(detail,)| detail))
    }

    /// Appends to the audit log. `actor_user_id` is `None` for the command line and anonymous
    /// attempts; `actor` names who it was either way.
    pub async fn audit(
        &self,
        actor_user_id: Option<i64>,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "insert into audit_log (actor_user_id, actor, action, target, detail, created_at) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(actor_user_id)
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(crate::clock::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends an anonymous event that may repeat: the first with `repeat_key` in the log makes
    /// a row, the next ones count on it (`repeats`, `last_at`).
    pub async fn audit_repeated(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        repeat_key: &str,
    ) -> Result<(), StoreError> {
        let now = crate::clock::now_ms();
        sqlx::query(
            "insert into audit_log \
               (actor_user_id, actor, action, target, detail, created_at, repeats, last_at, repeat_key) \
             values (null, $1, $2, $3, $4, $5, 1, $5, $6) \
             on conflict (repeat_key) where repeat_key is not null \
             do update set repeats = audit_log.repeats + 1, last_at = $5",
        )
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(now)
        .bind(repeat_key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest audit entries first.
    pub async fn list_audit(&self, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        self.list_audit_filtered(&AuditFilter::default(), limit)
            .await
    }

    /// The newest audit entries that pass `filter` first.
    pub async fn list_audit_filtered(
        &self,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let mut binds = Vec::new();
        let condition = filter.condition(&mut binds);
        binds.push(Bind::Int(limit));
        let sql = format!(
            "{AUDIT_SELECT} where {condition} order by a.id desc limit ${}",
            binds.len()
        );
        Ok(bind_all(sqlx::query_as(&sql), binds)
            .fetch_all(&self.pool)
            .await?)
    }

    /// One page of the audit log that passes `filter`, newest first: the `limit` entries
    /// newest of all, older than an id, or newer than an id, and whether more lie either side.
    pub async fn audit_page(
        &self,
        filter: &AuditFilter,
        cursor: AuditCursor,
        limit: i64,
    ) -> Result<AuditPage, StoreError> {
        let mut binds = Vec::new();
        let condition = filter.condition(&mut binds);
        let (bound, order) = match cursor {
            AuditCursor::Newest => (String::new(), "desc"),
            AuditCursor::Before(id) => {
                binds.push(Bind::Int(id));
                (format!(" and a.id < ${}", binds.len()), "desc")
            }
            AuditCursor::After(id) => {
                binds.push(Bind::Int(id));
                (format!(" and a.id > ${}", binds.len()), "asc")
            }
        };
        binds.push(Bind::Int(limit + 1));
        let sql = format!(
            "{AUDIT_SELECT} where {condition}{bound} order by a.id {order} limit ${}",
            binds.len()
        );
        let mut rows: Vec<AuditRow> = bind_all(sqlx::query_as(&sql), binds)
            .fetch_all(&self.pool)
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        if matches!(cursor, AuditCursor::After(_)) {
            rows.reverse();
        }
        // The ids just outside the page: newest shown + 1 and oldest shown - 1, or the cursor
        // itself when the page is empty.
        let (newest, oldest) = match (rows.first(), rows.last(), cursor) {
            (Some(first), Some(last), _) => (Some(first.id), Some(last.id)),
            (_, _, AuditCursor::Before(id)) => (Some(id - 1), Some(id)),
            (_, _, AuditCursor::After(id)) => (Some(id), Some(id + 1)),
            _ => (None, None),
        };
        let has_newer = match (cursor, newest) {
            (AuditCursor::After(_), _) => more,
            (_, Some(id)) => self.audit_exists(filter, ">", id).await?,
            _ => false,
        };
        let has_older = match (cursor, oldest) {
            (AuditCursor::Newest | AuditCursor::Before(_), _) => more,
            (_, Some(id)) => self.audit_exists(filter, "<", id).await?,
            _ => false,
        };
        Ok(AuditPage {
            rows,
            has_newer,
            has_older,
        })
    }

    async fn audit_exists(
        &self,
        filter: &AuditFilter,
        op: &str,
        id: i64,
    ) -> Result<bool, StoreError> {
        let mut binds = Vec::new();
        let condition = filter.condition(&mut binds);
        binds.push(Bind::Int(id));
        let sql = format!(
            "select count(*) from (select 1 from audit_log a where {condition} and a.id {op} ${} limit 1) x",
            binds.len()
        );
        let (n,): (i64,) = bind_all(sqlx::query_as(&sql), binds)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }

    /// The actions that occur in the audit log, for the page's filter.
    pub async fn audit_actions(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_as::<_, (String,)>("select distinct action from audit_log order by action")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|(a,)| a)
                .collect(),
        )
    }
}

const AUDIT_SELECT: &str = "select a.id, a.actor, a.action, a.target, a.detail, a.created_at, \
     a.repeats, a.last_at from audit_log a";

/// Which audit entries to show; `None` fields do not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Exactly this actor (a user name, `command line`, `start-up`…).
    pub actor: Option<String>,
    /// Exactly this action.
    pub action: Option<String>,
    /// Entries about the commune with this code: the commune itself, its desks, kiosks, users,
    /// self-assessment and imported scores (targets `{criteria}:{unit id}`) and its responses.
    pub commune: Option<String>,
    /// Times in milliseconds: `from_ms` included, `until_ms` excluded.
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

impl AuditFilter {
    /// The SQL condition on `audit_log a`, with its values appended to `binds` (numbered on).
    fn condition(&self, binds: &mut Vec<Bind>) -> String {
        fn push(binds: &mut Vec<Bind>, bind: Bind) -> String {
            binds.push(bind);
            format!("${}", binds.len())
        }
        let mut parts = vec!["1 = 1".to_string()];
        if let Some(actor) = &self.actor {
            let p = push(binds, Bind::Text(actor.clone()));
            parts.push(format!("a.actor = {p}"));
        }
        if let Some(action) = &self.action {
            let p = push(binds, Bind::Text(action.clone()));
            parts.push(format!("a.action = {p}"));
        }
        if let Some(from) = self.from_ms {
            let p = push(binds, Bind::Int(from));
            parts.push(format!("a.created_at >= {p}"));
        }
        if let Some(until) = self.until_ms {
            let p = push(binds, Bind::Int(until));
            parts.push(format!("a.created_at < {p}"));
        }
        if let Some(code) = &self.commune {
            let c = push(binds, Bind::Text(code.clone()));
            let unit = format!("join admin_units u on u.id = d.commune_id where u.code = {c} and u.level = 'commune'");
            // Each target form the code writes that names a commune, directly or through
            // something of it. Response ids are looked up one by one: listing a commune's
            // responses could mean millions.
            parts.push(format!(
                "(a.target = 'commune ' || {c} \
                  or a.target in (select us.username from users us \
                     join admin_units u on u.id = us.unit_id where u.code = {c} and u.level = 'commune') \
                  or a.target in (select 'desk ' || d.id from desks d {unit}) \
                  or a.target in (select 'kiosk ' || k.id from kiosks k join desks d on d.id = k.desk_id {unit}) \
                  or exists (select 1 from admin_units u where u.code = {c} and u.level = 'commune' \
                     and a.target like ('%:' || u.id)) \
                  or (case when a.target like 'response %' then exists (select 1 from responses r \
                     join desks d on d.id = r.desk_id {unit} \
                     and r.id = cast(substr(a.target, 10) as bigint)) else false end))"
            ));
        }
        parts.join(" and ")
    }
}

/// Where a page of the audit log starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditCursor {
    Newest,
    /// Entries older than this id.
    Before(i64),
    /// Entries newer than this id.
    After(i64),
}

/// A page of the audit log, newest first.
#[derive(Clone, Debug)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub has_newer: bool,
    pub has_older: bool,
}

/// A value bound to a dynamically built statement.
enum Bind {
    Text(String),
    Int(i64),
}

fn bind_all<'q, O>(
    mut query: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    binds: Vec<Bind>,
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    for bind in binds {
        query = match bind {
            Bind::Text(text) => query.bind(text),
            Bind::Int(n) => query.bind(n),
        };
    }
    query
}

/// An active commune user of a unit that ended, with the heir in force its answers go to.
#[derive(sqlx::FromRow)]
struct EndedUnitUser {
    user_id: i64,
    username: String,
    from_unit: String,
    to_id: Option<i64>,
    to_unit: Option<String>,
}

/// A commune user whose unit ended: `from` and `to` as "code name"; `to` is `None` when the
/// unit has no heir in force and the user stayed on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserUnitMove {
    pub username: String,
    pub from: String,
    pub to: Option<String>,
}

/// The counters of a row of `login_failures`, as [`Store::reserve_sign_in`] found them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct LimitCounters {
    pub failures: i64,
    pub next_at: i64,
    pub window_start: i64,
}

/// What [`Store::reserve_sign_in`] found and decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// The (name, address) pair's counters before this attempt.
    pub pair: LimitCounters,
    /// The address's counters before this attempt (its window restarted if it had passed).
    pub address: LimitCounters,
    /// Whether the password may be checked.
    pub checked: bool,
}

/// A row of sign-in counts, for the administrator.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SignInLimitRow {
    /// Empty for the row of the address itself.
    pub username: String,
    pub client_hash: String,
    pub failures: i64,
    pub refused: i64,
    pub next_at: i64,
    pub window_start: i64,
    pub last_at: i64,
}
