//! Single sign-on: sign-ins begun at the province's provider, the people it signed in and their
//! accounts, the admin's claim mappings and e-mail links, and the "require single sign-on" choice.

use crate::domain::roles::Role;

use super::users::UserRow;
use super::{Store, StoreError};

/// A sign-in begun at the provider, as its callback finds it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FlowRow {
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
    pub expires_at: i64,
}

/// A claim mapping: `claim` = `claim_value` gives `role`, in the unit `unit_code` or in the unit
/// whose code the claim `unit_claim` carries.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct MappingRow {
    pub id: i64,
    pub claim: String,
    pub claim_value: String,
    pub role: String,
    pub unit_code: Option<String>,
    pub unit_claim: Option<String>,
}

/// An account the admin lets be matched once by a verified e-mail address.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct EmailLinkRow {
    pub user_id: i64,
    pub username: String,
    pub email: String,
}

/// An account as the single sign-on page lists it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SsoAccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_code: Option<String>,
    pub active: i64,
    pub break_glass: i64,
    pub claims_managed: i64,
    /// Identities at the provider that sign in to this account.
    pub identities: i64,
}

const USER_SELECT: &str =
    "select u.id, u.username, u.display_name, u.password_hash, u.role, u.unit_id, \
       un.code as unit_code, un.name as unit_name, un.parent_id as unit_parent_id, u.active \
     from users u left join admin_units un on un.id = u.unit_id";

impl Store {
    /// Records a sign-in begun at the provider, and forgets those that expired unused.
    pub async fn create_sso_flow(
        &self,
        state_hash: &str,
        flow: &FlowRow,
    ) -> Result<(), StoreError> {
        let now = crate::clock::now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "insert into sso_flows \
               (state_hash, browser_hash, nonce, pkce_verifier, next_path, expires_at, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(state_hash)
        .bind(&flow.browser_hash)
        .bind(&flow.nonce)
        .bind(&flow.pkce_verifier)
        .bind(&flow.next_path)
        .bind(flow.expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from sso_flows where expires_at < $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the sign-in begun with this state: it is deleted whatever happens next, so a state
    /// is good once.
    pub async fn take_sso_flow(&self, state_hash: &str) -> Result<Option<FlowRow>, StoreError> {
        Ok(sqlx::query_as(
            "delete from sso_flows where state_hash = $1 \
             returning browser_hash, nonce, pkce_verifier, next_path, expires_at",
        )
        .bind(state_hash)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The account a person at the provider signs in to, if any.
    pub async fn sso_identity_user(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        let sql = format!(
            "{USER_SELECT} join sso_identities i on i.user_id = u.id \
             where i.issuer = $1 and i.subject = $2"
        );
        Ok(sqlx::query_as(&sql)
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Notes that the person signed in now.
    pub async fn touch_sso_identity(&self, issuer: &str, subject: &str) -> Result<(), StoreError> {
        sqlx::query(
            "update sso_identities set last_seen_at = $1 where issuer = $2 and subject = $3",
        )
        .bind(crate::clock::now_ms())
        .bind(issuer)
        .bind(subject)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// `(break_glass, claims_managed)` of an account.
    pub async fn user_sso_flags(&self, user_id: i64) -> Result<(bool, bool), StoreError> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("select break_glass, claims_managed from users where id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map_or((false, false), |(b, c)| (b == 1, c == 1)))
    }

    /// The account waiting to be matched by this e-mail address (compared without case).
    pub async fn sso_email_link(&self, email: &str) -> Result<Option<EmailLinkRow>, StoreError> {
        Ok(sqlx::query_as(
            "select l.user_id, u.username, l.email from sso_email_links l \
             join users u on u.id = l.user_id where lower(l.email) = lower($1)",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Links a person at the provider to an existing account and uses up the account's e-mail
    /// link, in one transaction; `false` when the link was used meanwhile (nothing changed).
    pub async fn link_sso_identity_by_email(
        &self,
        issuer: &str,
        subject: &str,
        user_id: i64,
    ) -> Result<bool, StoreError> {
        let now = crate::clock::now_ms();
        let mut tx = self.pool.begin().await?;
        let used = sqlx::query("delete from sso_email_links where user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if used != 1 {
            return Ok(false);
        }
        let linked = sqlx::query(
            "insert into sso_identities (issuer, subject, user_id, last_seen_at, created_at) \
             values ($1, $2, $3, $4, $4) on conflict do nothing",
        )
        .bind(issuer)
        .bind(subject)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if linked != 1 {
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Creates an account from claims (no password: it signs in through the provider only) and
    /// its identity, in one transaction; `None` when the user name is taken.
    pub async fn create_sso_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        unit_id: Option<i64>,
        issuer: &str,
        subject: &str,
    ) -> Result<Option<i64>, StoreError> {
        let now = crate::clock::now_ms();
        let mut tx = self.pool.begin().await?;
        let row: Option<(i64,)> = sqlx::query_as(
            "insert into users \
               (username, display_name, password_hash, role, unit_id, active, claims_managed, created_at) \
             values ($1, $2, '', $3, $4, 1, 1, $5) on conflict do nothing returning id",
        )
        .bind(username)
        .bind(display_name)
        .bind(role.key())
        .bind(unit_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id,)) = row else {
            return Ok(None);
        };
        sqlx::query(
            "insert into sso_identities (issuer, subject, user_id, last_seen_at, created_at) \
             values ($1, $2, $3, $4, $4)",
        )
        .bind(issuer)
        .bind(subject)
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Gives an account the role and unit its claims map to.
    pub async fn set_user_role_unit(
        &self,
        user_id: i64,
        role: Role,
        unit_id: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query("update users set role = $1, unit_id = $2 where id = $3")
            .bind(role.key())
            .bind(unit_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The commune in force whose figures include the commune that had this code last (a
    /// merger's heir), when that commune has ended: how a claim naming a former commune lands.
    pub async fn commune_heir(&self, code: &str) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_as::<_, (i64,)>(
            "select n.id from admin_units o join admin_units n on n.id = o.answers_to \
             where o.code = $1 and o.level = 'commune' and n.level = 'commune' \
               and (n.valid_to is null or n.valid_to > $2) \
             order by o.valid_from desc limit 1",
        )
        .bind(code)
        .bind(crate::clock::today())
        .fetch_optional(&self.pool)
        .await?
        .map(|(id,)| id))
    }

    pub async fn sso_mappings(&self) -> Result<Vec<MappingRow>, StoreError> {
        Ok(sqlx::query_as(
            "select id, claim, claim_value, role, unit_code, unit_claim from sso_mappings \
             order by claim, claim_value",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Adds a mapping; `None` when the claim and value are mapped already.
    pub async fn add_sso_mapping(
        &self,
        mapping: &MappingRow,
        created_by: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "insert into sso_mappings \
               (claim, claim_value, role, unit_code, unit_claim, created_by, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning id",
        )
        .bind(&mapping.claim)
        .bind(&mapping.claim_value)
        .bind(&mapping.role)
        .bind(&mapping.unit_code)
        .bind(&mapping.unit_claim)
        .bind(created_by)
        .bind(crate::clock::now_ms())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    /// Removes a mapping; the row removed, if there was one.
    pub async fn remove_sso_mapping(&self, id: i64) -> Result<Option<MappingRow>, StoreError> {
        Ok(sqlx::query_as(
            "delete from sso_mappings where id = $1 \
             returning id, claim, claim_value, role, unit_code, unit_claim",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn sso_email_links(&self) -> Result<Vec<EmailLinkRow>, StoreError> {
        Ok(sqlx::query_as(
            "select l.user_id, u.username, l.email from sso_email_links l \
             join users u on u.id = l.user_id order by u.username",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Lets an account be matched once by `email`, replacing its earlier link; `false` when
    /// another account waits for the same address.
    pub async fn set_sso_email_link(
        &self,
        user_id: i64,
        email: &str,
        created_by: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("delete from sso_email_links where user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let taken: Option<(i64,)> =
            sqlx::query_as("select user_id from sso_email_links where lower(email) = lower($1)")
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Ok(false);
        }
        sqlx::query(
            "insert into sso_email_links (user_id, email, created_by, created_at) \
             values ($1, $2, $3, $4)",
        )
        .bind(user_id)
        .bind(email)
        .bind(created_by)
        .bind(crate::clock::now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Withdraws an account's e-mail link; whether there was one.
    pub async fn remove_sso_email_link(&self, user_id: i64) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("delete from sso_email_links where user_id = $1")
                .bind(user_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// Whether the province requires single sign-on of every account but the break-glass ones.
    pub async fn sso_required(&self) -> Result<bool, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("select require_sso from sso_settings where id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some_and(|(on,)| on == 1))
    }

    pub async fn set_sso_required(&self, on: bool, by: &str) -> Result<(), StoreError> {
        let now = crate::clock::now_ms();
        sqlx::query(
            "insert into sso_settings (id, require_sso, updated_by, updated_at, created_at) \
             values (1, $1, $2, $3, $3) \
             on conflict (id) do update set require_sso = $1, updated_by = $2, updated_at = $3",
        )
        .bind(i64::from(on))
        .bind(by)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks an account as break-glass (it signs in with its password even when single sign-on
    /// is required) or not; whether the account exists.
    pub async fn set_break_glass(&self, user_id: i64, on: bool) -> Result<bool, StoreError> {
        Ok(
            sqlx::query("update users set break_glass = $1 where id = $2")
                .bind(i64::from(on))
                .bind(user_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                == 1,
        )
    }

    /// Active province admins who may sign in with a password whatever the province requires.
    pub async fn break_glass_admins(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from users where role = 'province_admin' and active = 1 \
             and break_glass = 1 and password_hash <> ''",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Every account with what single sign-on knows of it.
    pub async fn sso_accounts(&self) -> Result<Vec<SsoAccountRow>, StoreError> {
        Ok(sqlx::query_as(
            "select u.id, u.username, u.display_name, u.role, un.code as unit_code, u.active, \
               u.break_glass, u.claims_managed, \
               (select count(*) from sso_identities i where i.user_id = u.id) as identities \
             from users u left join admin_units un on un.id = u.unit_id \
             order by u.role, un.code, u.username",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Opens a session for a sign-in through the provider: as `create_session`, with where the
    /// provider ends its own session at sign-out.
    pub async fn create_sso_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: i64,
        logout_url: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "insert into sessions \
               (token_hash, user_id, csrf_token, expires_at, created_at, sso_logout_url) \
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(expires_at)
        .bind(crate::clock::now_ms())
        .bind(logout_url)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Where the provider ends its own session, for a session opened through it.
    pub async fn sso_logout_url(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("select sso_logout_url from sessions where token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(url,)| url))
    }
}
