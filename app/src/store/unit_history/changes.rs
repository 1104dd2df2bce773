//! The writes of an import whose file was checked: new communes, closed old ones, their links,
//! the review districts and desks they inherit, each change reported for the audit log.

use std::collections::{BTreeMap, HashMap};

use survey_definitions::DEFAULT_SURVEY_ID;

use super::{DeskRow, NewUnit, OldUnit, Tx, UnitChange, UnitLink};
use crate::store::desks::new_public_code;
use crate::store::StoreError;

/// Inserts the new communes that do not exist yet; returns the id of every new commune by code.
pub(super) async fn create_units<'a>(
    tx: &mut Tx<'_>,
    news: &BTreeMap<&'a str, NewUnit<'_>>,
    changes: &mut Vec<UnitChange>,
) -> Result<HashMap<&'a str, i64>, StoreError> {
    let mut ids = HashMap::new();
    for (code, new) in news {
        let link = new.link;
        let id = match new.existing {
            Some(id) => id,
            None => {
                let (id,): (i64,) = sqlx::query_as(
                    "insert into admin_units \
                       (code, level, kind, name, parent_id, valid_from, valid_to, created_at) \
                     values ($1, 'commune', $2, $3, $4, $5, null, $6) returning id",
                )
                .bind(*code)
                .bind(&link.new_kind)
                .bind(&link.new_name)
                .bind(new.parent_id)
                .bind(&link.effective_date)
                .bind(crate::clock::now_ms())
                .fetch_one(&mut **tx)
                .await?;
                // Its own answers count for it until a later link passes them on.
                sqlx::query("update admin_units set answers_to = id where id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                let place = if link.district_code.is_empty() {
                    "without a district".to_owned()
                } else {
                    format!("in district {}", link.district_code)
                };
                changes.push(UnitChange {
                    action: "unit_created",
                    target: format!("commune {code} {}", link.new_name),
                    detail: format!("{place} from {}", link.effective_date),
                });
                id
            }
        };
        ids.insert(*code, id);
    }
    Ok(ids)
}

/// Gives each new commune without a reviewing district the one of its predecessors, by the rule
/// of the shipped reform data: the predecessor with the same code, else the lowest code. A
/// district reviewer then keeps working on the communes its district's communes became, however
/// many reforms later.
pub(super) async fn inherit_review_districts(
    tx: &mut Tx<'_>,
    new_ids: &HashMap<&str, i64>,
) -> Result<(), StoreError> {
    for (code, id) in new_ids {
        sqlx::query(
            "update admin_units set review_district_id = ( \
               select coalesce(p.review_district_id, \
                 (select di.id from admin_units di where di.id = p.parent_id \
                  and di.level = 'district')) \
               from unit_history h join admin_units p on p.id = h.predecessor_id \
               where h.successor_id = $1 \
                 and coalesce(p.review_district_id, \
                   (select di.id from admin_units di where di.id = p.parent_id \
                    and di.level = 'district')) is not null \
               order by case when p.code = $2 then 0 else 1 end, p.code \
               limit 1) \
             where id = $1 and review_district_id is null",
        )
        .bind(id)
        .bind(*code)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Closes each old commune on its effective date.
pub(super) async fn retire_units(
    tx: &mut Tx<'_>,
    olds: &BTreeMap<&str, OldUnit<'_>>,
    changes: &mut Vec<UnitChange>,
) -> Result<(), StoreError> {
    for (code, old) in olds {
        let date = &old.link.effective_date;
        if old.row.valid_to.as_deref() == Some(date.as_str()) {
            continue;
        }
        sqlx::query("update admin_units set valid_to = $1 where id = $2")
            .bind(date)
            .bind(old.row.id)
            .execute(&mut **tx)
            .await?;
        changes.push(UnitChange {
            action: "unit_retired",
            target: format!("commune {code} {}", old.row.name),
            detail: format!(
                "in force {} to {date} (valid_to was {})",
                old.row.valid_from,
                old.row.valid_to.as_deref().unwrap_or("open")
            ),
        });
    }
    Ok(())
}

/// Records each old → new link that is not recorded yet. The successor that takes an old
/// commune's desks also takes its answers: for a merger or rename the only successor, for a split
/// the one marked in `nhan_quay`.
pub(super) async fn link_units(
    tx: &mut Tx<'_>,
    links: &[UnitLink],
    olds: &BTreeMap<&str, OldUnit<'_>>,
    new_ids: &HashMap<&str, i64>,
    changes: &mut Vec<UnitChange>,
) -> Result<(), StoreError> {
    for link in links {
        let (Some(old), Some(&new_id)) = (
            olds.get(link.old_code.as_str()),
            new_ids.get(link.new_code.as_str()),
        ) else {
            continue;
        };
        let inserted = sqlx::query(
            "insert into unit_history \
               (predecessor_id, successor_id, kind, effective_date, takes_answers, created_at) \
             values ($1, $2, $3, $4, $5, $6) on conflict (predecessor_id, successor_id) do nothing",
        )
        .bind(old.row.id)
        .bind(new_id)
        .bind(link.kind.key())
        .bind(&link.effective_date)
        .bind(i64::from(link.takes_desks))
        .bind(crate::clock::now_ms())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            changes.push(UnitChange {
                action: "unit_linked",
                target: format!("commune {} {}", link.old_code, old.row.name),
                detail: format!(
                    "{} into {} {} from {}",
                    link.kind.key(),
                    link.new_code,
                    link.new_name,
                    link.effective_date
                ),
            });
        }
    }
    Ok(())
}

/// Gives every new commune a desk, then retires the old communes' desks that are still open on
/// the effective date, each pointing to the desk of the successor that takes them over, so a
/// citizen scanning an old QR code is sent to the new desk.
pub(super) async fn replace_desks(
    tx: &mut Tx<'_>,
    links: &[UnitLink],
    olds: &BTreeMap<&str, OldUnit<'_>>,
    news: &BTreeMap<&str, NewUnit<'_>>,
    new_ids: &HashMap<&str, i64>,
    changes: &mut Vec<UnitChange>,
) -> Result<(), StoreError> {
    let mut desk_of: HashMap<&str, DeskRow> = HashMap::new();
    for (code, new) in news {
        let Some(&unit_id) = new_ids.get(code) else {
            continue;
        };
        let date = &new.link.effective_date;
        let current: Option<DeskRow> = sqlx::query_as(
            "select id, public_code, name from desks where commune_id = $1 \
             and (valid_to is null or valid_to > $2) order by id limit 1",
        )
        .bind(unit_id)
        .bind(date)
        .fetch_optional(&mut **tx)
        .await?;
        let desk = match current {
            Some(desk) => desk,
            None => {
                let public_code = new_public_code();
                // Named like the desks start-up gives every commune in force.
                let (name_vi, name_en) =
                    crate::units::plan::service_centre_name(&new.link.new_name);
                let (id,): (i64,) = sqlx::query_as(
                    "insert into desks \
                       (public_code, commune_id, name, name_en, survey_id, valid_from, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7) returning id",
                )
                .bind(&public_code)
                .bind(unit_id)
                .bind(&name_vi)
                .bind(&name_en)
                .bind(DEFAULT_SURVEY_ID)
                .bind(date)
                .bind(crate::clock::now_ms())
                .fetch_one(&mut **tx)
                .await?;
                changes.push(UnitChange {
                    action: "desk_created",
                    target: format!("desk {public_code}"),
                    detail: format!("{name_vi}, {code} {}", new.link.new_name),
                });
                DeskRow {
                    id,
                    public_code,
                    name: name_vi,
                }
            }
        };
        desk_of.insert(*code, desk);
    }

    for link in links.iter().filter(|l| l.takes_desks) {
        let (Some(old), Some(target)) = (
            olds.get(link.old_code.as_str()),
            desk_of.get(link.new_code.as_str()),
        ) else {
            continue;
        };
        let date = &link.effective_date;
        // Desks closed before the merger keep their own story; one closed on the same day
        // without a successor (e.g. by hand) still gets one.
        let open: Vec<DeskRow> = sqlx::query_as(
            "select id, public_code, name from desks where commune_id = $1 \
             and (valid_to is null or valid_to > $2 or (valid_to = $2 and replaced_by is null)) \
             order by id",
        )
        .bind(old.row.id)
        .bind(date)
        .fetch_all(&mut **tx)
        .await?;
        for desk in open {
            sqlx::query("update desks set valid_to = $1, replaced_by = $2 where id = $3")
                .bind(date)
                .bind(target.id)
                .bind(desk.id)
                .execute(&mut **tx)
                .await?;
            changes.push(UnitChange {
                action: "desk_retired",
                target: format!("desk {}", desk.public_code),
                detail: format!(
                    "{}, {} {}: closed on {date}, replaced by desk {} ({}, {} {})",
                    desk.name,
                    link.old_code,
                    old.row.name,
                    target.public_code,
                    target.name,
                    link.new_code,
                    link.new_name
                ),
            });
        }
    }
    Ok(())
}

pub(super) async fn audit(
    tx: &mut Tx<'_>,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    at: i64,
) -> Result<(), StoreError> {
    crate::store::audit_in_tx(tx, None, actor, action, target, detail, at).await
}
