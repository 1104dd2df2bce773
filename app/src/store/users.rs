//! Users, sessions, failed sign-ins and the audit log.

use crate::roles::Role;

use super::{now_ms, Store, StoreError};

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
        .bind(now_ms())
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

    /// The id of the unit in force with this official code at this level.
    pub async fn unit_id(&self, code: &str, level: &str) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_as::<_, (i64,)>(
            "select id from admin_units where code = $1 and level = $2 \
             and (valid_to is null or valid_to > $3) order by valid_from desc limit 1",
        )
        .bind(code)
        .bind(level)
        .bind(super::today_vn())
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
        .bind(now_ms())
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
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("delete from sessions where token_hash = $1 or expires_at < $2")
            .bind(token_hash)
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn record_login_failure(
        &self,
        username: &str,
        client_hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "insert into login_failures (username, client_hash, created_at) values ($1, $2, $3)",
        )
        .bind(username)
        .bind(client_hash)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Failed sign-ins for this user name, or from this client, since `since_ms`.
    pub async fn count_login_failures_since(
        &self,
        username: &str,
        client_hash: &str,
        since_ms: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from login_failures where (username = $1 or client_hash = $2) and created_at >= $3",
        )
        .bind(username)
        .bind(client_hash)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    pub async fn clear_login_failures(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query("delete from login_failures where username = $1")
            .bind(username)
            .execute(&self.pool)
            .await?;
        Ok(())
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
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The newest audit entries first.
    pub async fn list_audit(&self, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        Ok(sqlx::query_as(
            "select id, actor, action, target, detail, created_at from audit_log order by id desc limit $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
