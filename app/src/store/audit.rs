//! The audit log: who did what to which unit, filtered and paged for the administrator.

use super::{Store, StoreError};

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

impl Store {
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
