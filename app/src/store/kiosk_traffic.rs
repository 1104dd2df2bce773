//! What the kiosk traffic rules read (`crate::kiosk::traffic`): a tablet's earlier ratings, its
//! desk's kiosk ratings and dossiers of the day, the desk's other answers; and the holding of
//! earlier ratings a pattern reaches, with the per-day counts, in one transaction.

use super::aggregates::{Changes, Place, Standing};
use super::{value_rows, Store, StoreError};
use crate::domain::flags::{CountFlagged, Flag, Flags};

/// One of a tablet's stored ratings, as the rules read it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KioskRatingRow {
    pub id: i64,
    pub created_at: i64,
    pub overall: Option<i64>,
    /// 1 when neither excluded nor decided on by a reviewer.
    pub open: i64,
}

/// A rating a pattern reaches, before it is held.
#[derive(sqlx::FromRow)]
struct Reached {
    id: i64,
    desk_id: i64,
    created_at: i64,
    survey_id: String,
    flags: Option<String>,
    held: i64,
    excluded: i64,
    reviewed: i64,
}

/// A stored kiosk rating, for replaying the rules over all of them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredKioskRating {
    pub id: i64,
    pub kiosk_id: i64,
    pub desk_id: i64,
    pub created_at: i64,
    pub overall: Option<i64>,
}

/// A tablet's part in its commune's figure over a period, and what of it waits for review.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KioskPart {
    /// Its ratings counted in the period, and how many of them were satisfied (4 or 5).
    pub counted: i64,
    pub satisfied: i64,
    /// Responses counted for its commune in the period (every channel), and satisfied ones.
    pub commune_counted: i64,
    pub commune_satisfied: i64,
    /// Its ratings waiting for a reviewer (any time), by stored flags.
    pub held: Vec<(Option<String>, i64)>,
}

impl Store {
    /// Each tablet's part (by kiosk id) in its commune's counted responses from `since` (ms),
    /// for the tablets of one commune or of the province.
    pub async fn kiosk_parts(
        &self,
        commune_id: Option<i64>,
        since: i64,
    ) -> Result<std::collections::HashMap<i64, KioskPart>, StoreError> {
        let commune = super::only("c.id", 2, commune_id);
        let sql = format!(
            "select k.id, c.id, \
               cast(coalesce(sum(case when r.excluded = 0 and r.held = 0 then 1 else 0 end), 0) as bigint), \
               cast(coalesce(sum(case when r.excluded = 0 and r.held = 0 and r.overall >= 4 \
                 then 1 else 0 end), 0) as bigint) \
             from kiosks k join desks d on d.id = k.desk_id \
             join admin_units c on c.id = coalesce((select u.answers_to from admin_units u \
               where u.id = d.commune_id), d.commune_id) \
             left join responses r on r.kiosk_id = k.id and r.created_at >= $1 \
             where 1 = 1 {commune} group by k.id, c.id"
        );
        let mut query = sqlx::query_as::<_, (i64, i64, i64, i64)>(&sql).bind(since);
        if let Some(id) = commune_id {
            query = query.bind(id);
        }
        let own = query.fetch_all(&self.pool).await?;
        let held: Vec<(i64, Option<String>, i64)> = sqlx::query_as(
            "select kiosk_id, flags, count(*) from responses \
             where kiosk_id is not null and held = 1 and excluded = 0 group by kiosk_id, flags",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut communes: std::collections::HashMap<i64, (i64, i64)> = Default::default();
        let mut parts = std::collections::HashMap::new();
        for (kiosk, commune, counted, satisfied) in own {
            if let std::collections::hash_map::Entry::Vacant(e) = communes.entry(commune) {
                e.insert(self.commune_satisfaction(commune, since).await?);
            }
            let (commune_counted, commune_satisfied) = communes[&commune];
            parts.insert(
                kiosk,
                KioskPart {
                    counted,
                    satisfied,
                    commune_counted,
                    commune_satisfied,
                    held: held
                        .iter()
                        .filter(|(k, _, _)| *k == kiosk)
                        .map(|(_, flags, n)| (flags.clone(), *n))
                        .collect(),
                },
            );
        }
        Ok(parts)
    }

    /// Every kiosk rating not left out of the figures, tablet by tablet in the order tapped.
    pub async fn all_kiosk_ratings(&self) -> Result<Vec<StoredKioskRating>, StoreError> {
        Ok(sqlx::query_as(
            "select id, kiosk_id, desk_id, created_at, overall from responses              where kiosk_id is not null and excluded = 0 order by kiosk_id, created_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// A tablet's ratings tapped at or before `until` (ms), newest first: the latest `recent`,
    /// and every one from `day_start` on (at most a few thousand: no honest tablet rates more
    /// in a day).
    pub async fn kiosk_ratings_before(
        &self,
        kiosk_id: i64,
        day_start: i64,
        until: i64,
        recent: i64,
    ) -> Result<Vec<KioskRatingRow>, StoreError> {
        const SELECT: &str = "select id, created_at, overall, \
             cast(case when excluded = 0 and reviewed_by is null then 1 else 0 end as bigint) as open \
             from responses where kiosk_id = $1 and created_at <= $2";
        let latest: Vec<KioskRatingRow> = sqlx::query_as(&format!(
            "{SELECT} order by created_at desc, id desc limit $3"
        ))
        .bind(kiosk_id)
        .bind(until)
        .bind(recent)
        .fetch_all(&self.pool)
        .await?;
        let mut day: Vec<KioskRatingRow> = sqlx::query_as(&format!(
            "{SELECT} and created_at >= $3 order by created_at desc, id desc limit 5000"
        ))
        .bind(kiosk_id)
        .bind(until)
        .bind(day_start)
        .fetch_all(&self.pool)
        .await?;
        day.extend(latest.into_iter().filter(|r| r.created_at < day_start));
        Ok(day)
    }

    /// Ratings at a desk's kiosks counted from `from` (included) to `to` (excluded), not left
    /// out of the figures.
    pub async fn desk_kiosk_ratings(
        &self,
        desk_id: i64,
        (from, to): (i64, i64),
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "select count(*) from responses where desk_id = $1 and kiosk_id is not null \
             and excluded = 0 and created_at >= $2 and created_at < $3",
        )
        .bind(desk_id)
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// The kiosk ratings at a desk counted from `from` (included) to `to` (excluded), not left
    /// out of the figures, in the order tapped: (id, still open to a rule).
    pub async fn desk_kiosk_ratings_in_order(
        &self,
        desk_id: i64,
        (from, to): (i64, i64),
    ) -> Result<Vec<(i64, bool)>, StoreError> {
        let rows: Vec<(i64, i64)> = sqlx::query_as(
            "select id, cast(case when reviewed_by is null then 1 else 0 end as bigint) \
             from responses where desk_id = $1 and kiosk_id is not null and excluded = 0 \
             and created_at >= $2 and created_at < $3 order by created_at, id",
        )
        .bind(desk_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, open)| (id, open != 0)).collect())
    }

    /// The dossiers a desk handled on `day` (`YYYY-MM-DD`), where they were entered.
    pub async fn desk_dossiers_on(
        &self,
        desk_id: i64,
        day: &str,
    ) -> Result<Option<i64>, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "select cast(handled as bigint) from desk_dossiers where desk_id = $1 and day = $2",
        )
        .bind(desk_id)
        .bind(day)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(n,)| n))
    }

    /// Counted overall answers (level, answers) given without a kiosk from `since` (ms): at the
    /// desk, or (`whole_commune`) at every desk whose answers count for the desk's commune.
    pub async fn overall_without_kiosks(
        &self,
        desk_id: i64,
        since: i64,
        whole_commune: bool,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let desks = if whole_commune {
            "r.desk_id in (select d.id from desks d join admin_units c on c.id = d.commune_id \
               where coalesce(c.answers_to, c.id) = (select coalesce(c2.answers_to, c2.id) \
                 from desks d2 join admin_units c2 on c2.id = d2.commune_id where d2.id = $1))"
        } else {
            "r.desk_id = $1"
        };
        Ok(sqlx::query_as(&format!(
            "select r.overall, count(*) from responses r where {desks} and r.kiosk_id is null \
             and r.excluded = 0 and r.held = 0 and r.created_at >= $2 and r.overall is not null \
             group by r.overall"
        ))
        .bind(desk_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Gives each rating its flag and holds it back for a reviewer as a new rating with that flag
    /// would be (`policy`), with the per-day counts, in one transaction. Ratings excluded or
    /// decided on by a reviewer, and those that have the flag already, are left as they are.
    /// Returns how many changed.
    pub async fn hold_kiosk_ratings(
        &self,
        reached: &[(i64, Flag)],
        policy: CountFlagged,
    ) -> Result<u64, StoreError> {
        if reached.is_empty() {
            return Ok(0);
        }
        let mut conn = self.pool.acquire().await?;
        let mut tx = super::responses::begin_write(&mut conn, self.backend).await?;
        let mut changes = Changes::default();
        let mut changed = 0;
        for part in reached.chunks(500) {
            let sql = format!(
                "select id, desk_id, created_at, survey_id, flags, held, excluded, \
                   cast(case when reviewed_by is null then 0 else 1 end as bigint) as reviewed \
                 from responses where id in {}",
                value_rows(self.backend, 1, part.len())
            );
            let mut query = sqlx::query_as::<_, Reached>(&sql);
            for (id, _) in part {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *tx).await? {
                if row.excluded != 0 || row.reviewed != 0 {
                    continue;
                }
                let mut flags = Flags::parse_stored(row.flags.as_deref())
                    .map_err(|e| StoreError::Inconsistent(format!("response {}: {e}", row.id)))?;
                let before = Standing::of(false, row.held != 0, !flags.is_empty());
                let added: Vec<Flag> = part
                    .iter()
                    .filter(|(id, flag)| *id == row.id && !flags.contains(*flag))
                    .map(|(_, flag)| *flag)
                    .collect();
                if added.is_empty() {
                    continue;
                }
                for flag in added {
                    flags.add(flag);
                }
                let held = row.held != 0 || policy.holds(&flags);
                sqlx::query("update responses set flags = $1, held = $2 where id = $3")
                    .bind(flags.stored())
                    .bind(i64::from(held))
                    .bind(row.id)
                    .execute(&mut *tx)
                    .await?;
                let answers: Vec<(String, Option<i64>)> = sqlx::query_as(
                    "select question_id, value_int from answers where response_id = $1",
                )
                .bind(row.id)
                .fetch_all(&mut *tx)
                .await?;
                let day = crate::clock::day_of(row.created_at);
                changes.restate(
                    Place {
                        desk_id: row.desk_id,
                        day: &day,
                        survey_id: &row.survey_id,
                    },
                    answers,
                    Some(before),
                    Standing::of(false, held, true),
                );
                changed += 1;
            }
        }
        changes.apply(&mut tx, self.backend).await?;
        tx.commit().await?;
        Ok(changed)
    }
}
