//! The province's own survey figures per commune, period and element
//! (migration 0016, loaded by `hailong independent import`).

use super::{Store, StoreError};

/// One imported figure.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct IndependentRow {
    pub survey: String,
    pub unit_id: i64,
    /// First and last day, `YYYY-MM-DD`, both included.
    pub period_from: String,
    pub period_to: String,
    /// `overall` or a SIPAS element's key.
    pub element: String,
    pub sample: i64,
    /// Hundredths of a percent, 0–10 000.
    pub satisfied_bp: i64,
    pub source: String,
}

impl Store {
    /// Records `rows` (replacing the figure of the same survey, commune, period and element),
    /// in one transaction with one audit row per change; returns how many changed.
    pub async fn set_independent_figures(
        &self,
        rows: &[IndependentRow],
        actor: &str,
    ) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        let now = crate::clock::now_ms();
        let mut changed = 0;
        for row in rows {
            let old: Option<(i64, i64, String)> = sqlx::query_as(
                "select sample, satisfied_bp, source from independent_figures \
                 where survey = $1 and unit_id = $2 and period_from = $3 and period_to = $4 \
                   and element = $5",
            )
            .bind(&row.survey)
            .bind(row.unit_id)
            .bind(&row.period_from)
            .bind(&row.period_to)
            .bind(&row.element)
            .fetch_optional(&mut *tx)
            .await?;
            if old.as_ref() == Some(&(row.sample, row.satisfied_bp, row.source.clone())) {
                continue;
            }
            sqlx::query(
                "insert into independent_figures (survey, unit_id, period_from, period_to, \
                   element, sample, satisfied_bp, source, imported_by, created_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 on conflict (survey, unit_id, period_from, period_to, element) do update \
                 set sample = excluded.sample, satisfied_bp = excluded.satisfied_bp, \
                   source = excluded.source, imported_by = excluded.imported_by, \
                   created_at = excluded.created_at",
            )
            .bind(&row.survey)
            .bind(row.unit_id)
            .bind(&row.period_from)
            .bind(&row.period_to)
            .bind(&row.element)
            .bind(row.sample)
            .bind(row.satisfied_bp)
            .bind(&row.source)
            .bind(actor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            super::audit_in_tx(
                &mut tx,
                None,
                actor,
                "independent_imported",
                &format!("{} unit {}", row.survey, row.unit_id),
                &format!(
                    "{} {}–{}: n {}, {} bp ({})",
                    row.element,
                    row.period_from,
                    row.period_to,
                    row.sample,
                    row.satisfied_bp,
                    row.source
                ),
                now,
            )
            .await?;
            changed += 1;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// The figures of one commune, or of all, oldest period first.
    pub async fn independent_figures(
        &self,
        unit_id: Option<i64>,
    ) -> Result<Vec<IndependentRow>, StoreError> {
        Ok(sqlx::query_as(
            "select survey, unit_id, period_from, period_to, element, sample, satisfied_bp, \
               source from independent_figures where ($1 = 0 or unit_id = $2) \
             order by unit_id, period_from, period_to, survey, element",
        )
        .bind(i64::from(unit_id.is_some()))
        .bind(unit_id.unwrap_or(0))
        .fetch_all(&self.pool)
        .await?)
    }
}
