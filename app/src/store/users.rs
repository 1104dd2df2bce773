//! Users, sessions and the communes a reviewer is assigned.

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
