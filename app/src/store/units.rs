//! Administrative units, loaded from the reviewed CSV lists under survey-definitions/units.

use std::collections::HashMap;

use survey_definitions::{Unit, UnitList};

use super::{Store, StoreError};

impl Store {
    /// Upserts a unit list (province, then districts, then communes, so parents exist first) in one
    /// transaction. Keyed by (official code, valid_from): loading the same list again changes nothing,
    /// and a later list with other dates adds new rows instead of rewriting history. A unit retired
    /// by `hailong units import` (it has a successor in `unit_history`) keeps its `valid_to`: the
    /// list predates the import and must not reopen it.
    pub async fn sync_units(&self, list: &UnitList) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut ids: HashMap<&str, i64> = HashMap::new();
        let mut count = 0;
        for unit in std::iter::once(&list.province)
            .chain(&list.districts)
            .chain(&list.communes)
        {
            let parent_id = match &unit.parent_code {
                Some(code) => Some(*ids.get(code.as_str()).ok_or_else(|| {
                    StoreError::Inconsistent(format!(
                        "unit {} names parent {code}, which is not in the list",
                        unit.code
                    ))
                })?),
                None => None,
            };
            let id = upsert_unit(&mut tx, unit, parent_id, list).await?;
            ids.insert(unit.code.as_str(), id);
            count += 1;
        }
        tx.commit().await?;
        // Desk lookups carry their commune's and district's names.
        self.forget_desks();
        Ok(count)
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

async fn upsert_unit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    unit: &Unit,
    parent_id: Option<i64>,
    list: &UnitList,
) -> Result<i64, StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, valid_to, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8) \
         on conflict (code, valid_from) do update set \
           level = excluded.level, kind = excluded.kind, name = excluded.name, \
           parent_id = excluded.parent_id, \
           valid_to = case when exists \
             (select 1 from unit_history h where h.predecessor_id = admin_units.id) \
             then admin_units.valid_to else excluded.valid_to end \
         returning id",
    )
    .bind(&unit.code)
    .bind(unit.level.key())
    .bind(&unit.kind)
    .bind(&unit.name)
    .bind(parent_id)
    .bind(&list.valid_from)
    .bind(list.valid_to.as_deref())
    .bind(crate::clock::now_ms())
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}
