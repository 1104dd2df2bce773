//! Administrative units: one province's versions from the national map (`units::plan`), the
//! links between them, and whose figures each unit's answers count in.

use std::collections::HashMap;

use super::{Store, StoreError};
use crate::units::plan::{ProvincePlan, UnitVersion, VersionKey};

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// What writing a plan changed: zero everywhere when the database already held it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub units_added: usize,
    pub units_changed: usize,
    pub links_added: usize,
    pub links_changed: usize,
    /// Units whose answers now count for another unit than before.
    pub answers_moved: usize,
}

impl SyncReport {
    pub fn is_empty(&self) -> bool {
        *self == SyncReport::default()
    }
}

#[derive(sqlx::FromRow)]
struct StoredUnit {
    id: i64,
    level: String,
    kind: String,
    name: String,
    parent_id: Option<i64>,
    valid_to: Option<String>,
    review_district_id: Option<i64>,
}

impl Store {
    /// Writes a province's plan in one transaction: each version keyed by (code, first day), so
    /// writing the same plan again changes nothing and a later map adds versions instead of
    /// rewriting history. A unit that `hailong units import` retired (it has a successor) keeps
    /// its end date. Then every unit's `answers_to` is settled.
    pub async fn sync_province(&self, plan: &ProvincePlan) -> Result<SyncReport, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut report = SyncReport::default();
        let mut ids: HashMap<VersionKey, i64> = HashMap::new();
        for unit in &plan.units {
            let parent_id = resolve(&ids, unit.parent.as_ref(), unit)?;
            let review_id = resolve(&ids, unit.review_district.as_ref(), unit)?;
            let id = upsert_unit(&mut tx, unit, parent_id, review_id, &mut report).await?;
            ids.insert(unit.key(), id);
        }
        for link in &plan.links {
            let (Some(&old), Some(&new)) = (ids.get(&link.old), ids.get(&link.new)) else {
                return Err(StoreError::Inconsistent(format!(
                    "link {:?} → {:?} names a unit outside the plan",
                    link.old, link.new
                )));
            };
            let existing: Option<(String, String, i64)> = sqlx::query_as(
                "select kind, effective_date, takes_answers from unit_history \
                 where predecessor_id = $1 and successor_id = $2",
            )
            .bind(old)
            .bind(new)
            .fetch_optional(&mut *tx)
            .await?;
            let wanted = (
                link.kind.to_owned(),
                link.effective.clone(),
                i64::from(link.takes_answers),
            );
            match existing {
                Some(row) if row == wanted => {}
                Some(_) => {
                    sqlx::query(
                        "update unit_history set kind = $1, effective_date = $2, takes_answers = $3 \
                         where predecessor_id = $4 and successor_id = $5",
                    )
                    .bind(link.kind)
                    .bind(&link.effective)
                    .bind(i64::from(link.takes_answers))
                    .bind(old)
                    .bind(new)
                    .execute(&mut *tx)
                    .await?;
                    report.links_changed += 1;
                }
                None => {
                    sqlx::query(
                        "insert into unit_history (predecessor_id, successor_id, kind, effective_date, \
                         takes_answers, created_at) values ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(old)
                    .bind(new)
                    .bind(link.kind)
                    .bind(&link.effective)
                    .bind(i64::from(link.takes_answers))
                    .bind(crate::clock::now_ms())
                    .execute(&mut *tx)
                    .await?;
                    report.links_added += 1;
                }
            }
        }
        report.answers_moved = settle_answers(&mut tx).await?;
        tx.commit().await?;
        // Desk lookups carry their commune's and province's names.
        self.forget_desks();
        Ok(report)
    }

    /// Number of communes in force today.
    pub async fn count_current_communes(&self) -> Result<i64, StoreError> {
        let today = crate::clock::today();
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from admin_units where level = 'commune' \
             and valid_from <= $1 and (valid_to is null or valid_to > $1)",
        )
        .bind(today)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }
}

fn resolve(
    ids: &HashMap<VersionKey, i64>,
    key: Option<&VersionKey>,
    unit: &UnitVersion,
) -> Result<Option<i64>, StoreError> {
    key.map(|k| {
        ids.get(k).copied().ok_or_else(|| {
            StoreError::Inconsistent(format!(
                "unit {} names {k:?}, which is not planned before it",
                unit.code
            ))
        })
    })
    .transpose()
}

async fn upsert_unit(
    tx: &mut Tx<'_>,
    unit: &UnitVersion,
    parent_id: Option<i64>,
    review_id: Option<i64>,
    report: &mut SyncReport,
) -> Result<i64, StoreError> {
    let stored: Option<StoredUnit> = sqlx::query_as(
        "select id, level, kind, name, parent_id, valid_to, review_district_id from admin_units \
         where code = $1 and valid_from = $2",
    )
    .bind(&unit.code)
    .bind(&unit.valid_from)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(stored) = stored else {
        let (id,): (i64,) = sqlx::query_as(
            "insert into admin_units (code, level, kind, name, parent_id, valid_from, valid_to, \
             review_district_id, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        )
        .bind(&unit.code)
        .bind(unit.level)
        .bind(&unit.kind)
        .bind(&unit.name)
        .bind(parent_id)
        .bind(&unit.valid_from)
        .bind(unit.valid_to.as_deref())
        .bind(review_id)
        .bind(crate::clock::now_ms())
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query("update admin_units set answers_to = id where id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
        report.units_added += 1;
        return Ok(id);
    };
    let retired_by_import = unit.valid_to.is_none() && stored.valid_to.is_some() && {
        let (n,): (i64,) =
            sqlx::query_as("select count(*) from unit_history where predecessor_id = $1")
                .bind(stored.id)
                .fetch_one(&mut **tx)
                .await?;
        n > 0
    };
    let valid_to = if retired_by_import {
        stored.valid_to.clone()
    } else {
        unit.valid_to.clone()
    };
    let same = stored.level == unit.level
        && stored.kind == unit.kind
        && stored.name == unit.name
        && stored.parent_id == parent_id
        && stored.valid_to == valid_to
        && stored.review_district_id == review_id;
    if !same {
        sqlx::query(
            "update admin_units set level = $1, kind = $2, name = $3, parent_id = $4, \
             valid_to = $5, review_district_id = $6 where id = $7",
        )
        .bind(unit.level)
        .bind(&unit.kind)
        .bind(&unit.name)
        .bind(parent_id)
        .bind(valid_to.as_deref())
        .bind(review_id)
        .bind(stored.id)
        .execute(&mut **tx)
        .await?;
        report.units_changed += 1;
    }
    Ok(stored.id)
}

/// Recomputes every unit's `answers_to` from the links that pass answers on; returns how many
/// changed. Links form no cycle (the map and the import refuse one), and a chain is followed
/// at most as many steps as there are units, so a stored cycle is reported, not looped over.
pub(super) async fn settle_answers(tx: &mut Tx<'_>) -> Result<usize, StoreError> {
    let units: Vec<(i64, Option<i64>)> = sqlx::query_as("select id, answers_to from admin_units")
        .fetch_all(&mut **tx)
        .await?;
    let links: Vec<(i64, i64)> = sqlx::query_as(
        "select predecessor_id, successor_id from unit_history where takes_answers = 1 \
         order by predecessor_id, successor_id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut heir: HashMap<i64, i64> = HashMap::new();
    for (old, new) in links {
        heir.entry(old).or_insert(new);
    }
    let mut changed = 0;
    for (id, stored) in &units {
        let mut at = *id;
        let mut steps = 0;
        while let Some(&next) = heir.get(&at) {
            at = next;
            steps += 1;
            if steps > units.len() {
                return Err(StoreError::Inconsistent(format!(
                    "the links from unit {id} form a cycle"
                )));
            }
        }
        if *stored != Some(at) {
            sqlx::query("update admin_units set answers_to = $1 where id = $2")
                .bind(at)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            changed += 1;
        }
    }
    Ok(changed)
}
