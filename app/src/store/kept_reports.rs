//! Reports kept as they were made (migration 0019): the monthly reports of the province and of
//! each commune made on schedule, and the reports province users chose to keep, each with the
//! data it was made from.

use super::{Store, StoreError};

/// A kept report, without its file.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct KeptReport {
    pub id: i64,
    /// `province`, or a commune's code.
    pub scope: String,
    /// `2026-11`, `2026-Q4`, `2026-H2` or `2026`.
    pub period: String,
    /// Who made it; `None`: the schedule.
    pub made_by: Option<String>,
    /// The answers its figures count.
    pub responses: i64,
    /// The newest response stored when it was begun: later answers are not in it.
    pub last_response_id: i64,
    pub score_run_id: Option<i64>,
    pub score_check: Option<String>,
    pub sha256: String,
    pub size: i64,
    pub created_at: i64,
}

/// A report to keep.
pub struct NewKeptReport<'a> {
    pub scope: &'a str,
    pub period: &'a str,
    pub made_by: Option<i64>,
    pub responses: i64,
    pub last_response_id: i64,
    pub score_run: Option<(i64, &'a str)>,
    pub sha256: &'a str,
    pub pdf: &'a [u8],
}

/// The scope written for the province's reports.
pub const PROVINCE_SCOPE: &str = "province";

impl Store {
    /// The newest response id (0 before the first): where a report's data ends.
    pub async fn last_response_id(&self) -> Result<i64, StoreError> {
        let (id,): (Option<i64>,) = sqlx::query_as("select max(id) from responses")
            .fetch_one(&self.pool)
            .await?;
        Ok(id.unwrap_or(0))
    }

    /// Keeps a report; `None` when the schedule already kept this scope and period (another
    /// instance, or an earlier tick, made it first).
    pub async fn keep_report(&self, report: &NewKeptReport<'_>) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "insert into kept_reports (scope, period, made_by, responses, last_response_id, \
               score_run_id, score_check, sha256, pdf, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             on conflict (scope, period) where made_by is null do nothing returning id",
        )
        .bind(report.scope)
        .bind(report.period)
        .bind(report.made_by)
        .bind(report.responses)
        .bind(report.last_response_id)
        .bind(report.score_run.map(|(id, _)| id))
        .bind(report.score_run.map(|(_, check)| check.to_string()))
        .bind(report.sha256)
        .bind(report.pdf.to_vec())
        .bind(crate::clock::now_ms())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id,)| id))
    }

    /// How many reports `user` made and kept on request since `since_ms`.
    pub async fn kept_by_user_since(&self, user: i64, since_ms: i64) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from kept_reports where made_by = $1 and created_at >= $2",
        )
        .bind(user)
        .bind(since_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Whether the schedule has kept this scope and period.
    pub async fn scheduled_report_kept(
        &self,
        scope: &str,
        period: &str,
    ) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "select id from kept_reports where scope = $1 and period = $2 and made_by is null",
        )
        .bind(scope)
        .bind(period)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// The kept reports of `scope` (`province` or a commune's code), or every one, newest
    /// first, without the files.
    pub async fn kept_reports(&self, scope: Option<&str>) -> Result<Vec<KeptReport>, StoreError> {
        Ok(sqlx::query_as(
            "select k.id, k.scope, k.period, u.username as made_by, k.responses, \
               k.last_response_id, k.score_run_id, k.score_check, k.sha256, \
               cast(length(k.pdf) as bigint) as size, k.created_at \
             from kept_reports k left join users u on u.id = k.made_by \
             where $1 is null or k.scope = $1 \
             order by k.created_at desc, k.id desc",
        )
        .bind(scope)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A kept report's file, with its scope and period.
    pub async fn kept_report_file(
        &self,
        id: i64,
    ) -> Result<Option<(String, String, Vec<u8>)>, StoreError> {
        Ok(
            sqlx::query_as("select scope, period, pdf from kept_reports where id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
