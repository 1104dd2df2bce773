//! What became of administrative units: predecessor → successor links, and the import that
//! records a reform of today's units (the 2025 reform comes from the national map, see
//! `store::units`).
//!
//! An import never deletes or moves anything. Old units and their desks are closed with
//! `valid_to`, each old desk points to the desk that replaced it (`replaced_by`), and responses stay
//! with the desk, and so the unit, they were given at; the links decide whose figures include
//! them (`answers_to`). The checks and the changes run in one transaction, every change is written
//! to `audit_log`, and a change already made is not made again, so importing the same file twice
//! changes nothing.

use std::collections::{BTreeMap, HashMap};

use super::{Store, StoreError};

mod changes;

use changes::{
    audit, create_units, inherit_review_districts, link_units, replace_desks, retire_units,
};

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// How an old unit relates to a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// The new unit has several predecessors.
    Merge,
    /// The old unit has several successors.
    Split,
    /// One old unit became one new unit (new name, code or parent).
    Rename,
}

impl LinkKind {
    /// The name used in storage: `merge`, `split`, `rename`.
    pub fn key(self) -> &'static str {
        match self {
            LinkKind::Merge => "merge",
            LinkKind::Split => "split",
            LinkKind::Rename => "rename",
        }
    }

    pub fn parse(key: &str) -> Option<LinkKind> {
        match key {
            "merge" => Some(LinkKind::Merge),
            "split" => Some(LinkKind::Split),
            "rename" => Some(LinkKind::Rename),
            _ => None,
        }
    }
}

/// One old commune → new commune line of an import file, already checked for shape by the caller
/// (digit codes, real dates, a new name that starts with its kind, one consistent description
/// of each code, exactly one `takes_desks` successor per old commune).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitLink {
    /// Line of the file, for error messages.
    pub line: usize,
    /// First day of the new commune and first day the old one is no longer in force.
    pub effective_date: String,
    pub old_code: String,
    /// As stored: a guard against a mistyped code retiring the wrong commune.
    pub old_name: String,
    pub new_code: String,
    pub new_name: String,
    /// "Phường", "Xã" or "Thị trấn".
    pub new_kind: String,
    /// Official code of the new commune's district (its parent unit); empty for a commune
    /// without a district, whose parent is then the province of its old communes.
    pub district_code: String,
    /// Whether the old commune's desks are pointed to this new commune's desk; the same
    /// successor takes the old commune's answers into its figures.
    pub takes_desks: bool,
    pub kind: LinkKind,
}

/// Why a file cannot be applied to this database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    pub line: usize,
    pub message: String,
}

/// One change an import made (or would make), as written to the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitChange {
    pub action: &'static str,
    pub target: String,
    pub detail: String,
}

impl std::fmt::Display for UnitChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:<14} {}: {}", self.action, self.target, self.detail)
    }
}

/// The result of `Store::import_unit_links`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The file does not fit the database; nothing was changed.
    Refused(Vec<ImportProblem>),
    /// The changes made, or with `dry_run` the changes that would be made (and were rolled
    /// back). Empty when everything in the file was imported before.
    Done { changes: Vec<UnitChange> },
}

/// A unit's predecessor, for "formerly X and Y".
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PredecessorRow {
    pub code: String,
    pub name: String,
    pub kind: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct UnitRow {
    id: i64,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    valid_from: String,
    valid_to: Option<String>,
}

/// A link from an earlier import, with the unit at its other end.
#[derive(Clone, Debug, sqlx::FromRow)]
struct LinkRow {
    other_id: i64,
    other_code: String,
    other_name: String,
    kind: String,
    effective_date: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
struct DeskRow {
    id: i64,
    public_code: String,
    name: String,
}

/// A new commune of the file, resolved against the database.
struct NewUnit<'a> {
    link: &'a UnitLink,
    parent_id: Option<i64>,
    existing: Option<i64>,
}

/// An old commune of the file, resolved against the database.
struct OldUnit<'a> {
    link: &'a UnitLink,
    row: UnitRow,
}

impl Store {
    /// The units `unit_id` came from, in the order they were imported.
    pub async fn predecessors(&self, unit_id: i64) -> Result<Vec<PredecessorRow>, StoreError> {
        Ok(sqlx::query_as(
            "select p.code, p.name, h.kind from unit_history h \
             join admin_units p on p.id = h.predecessor_id \
             where h.successor_id = $1 order by h.id",
        )
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records `links` in one transaction: creates the new communes (and a default desk for
    /// each that has none), closes the old ones on the effective date, links them, retires
    /// the old communes' desks in favour of the successor's desk, and settles every unit's
    /// `answers_to` again, so the new communes' figures include their predecessors' answers.
    /// Every problem with the file is
    /// reported before anything changes; changes already made by an earlier import are skipped.
    /// With `dry_run` everything is rolled back and the changes are only reported.
    pub async fn import_unit_links(
        &self,
        links: &[UnitLink],
        source: &str,
        actor: &str,
        dry_run: bool,
    ) -> Result<ImportOutcome, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Write first, so SQLite takes its write lock now rather than failing with "database is
        // locked" when this transaction later upgrades from reading (see DEVELOPERS.md).
        sqlx::query("update admin_units set valid_to = valid_to where id = -1")
            .execute(&mut *tx)
            .await?;
        let mut problems = Vec::new();
        let (olds, news) = resolve(&mut tx, links, &mut problems).await?;
        check_existing_links(&mut tx, links, &olds, &news, &mut problems).await?;
        if !problems.is_empty() {
            tx.rollback().await?;
            problems.sort_by_key(|p| p.line);
            return Ok(ImportOutcome::Refused(problems));
        }

        let mut changes = Vec::new();
        let new_ids = create_units(&mut tx, &news, &mut changes).await?;
        retire_units(&mut tx, &olds, &mut changes).await?;
        link_units(&mut tx, links, &olds, &new_ids, &mut changes).await?;
        inherit_review_districts(&mut tx, &new_ids).await?;
        replace_desks(&mut tx, links, &olds, &news, &new_ids, &mut changes).await?;
        let moved = super::units::settle_answers(&mut tx).await?;
        if moved > 0 {
            changes.push(UnitChange {
                action: "answers_moved",
                target: "admin units".to_owned(),
                detail: format!("{moved} units' answers now count for another unit"),
            });
        }

        if changes.is_empty() || dry_run {
            tx.rollback().await?;
            return Ok(ImportOutcome::Done { changes });
        }
        let now = crate::clock::now_ms();
        for change in &changes {
            audit(
                &mut tx,
                actor,
                change.action,
                &change.target,
                &change.detail,
                now,
            )
            .await?;
        }
        let summary = format!("{} changes", changes.len());
        audit(&mut tx, actor, "units_imported", source, &summary, now).await?;
        tx.commit().await?;
        self.forget_desks();
        Ok(ImportOutcome::Done { changes })
    }
}

/// Finds each old commune (in force the day before the effective date, under the name the file
/// gives) and each new commune's district and existing row.
async fn resolve<'a>(
    tx: &mut Tx<'_>,
    links: &'a [UnitLink],
    problems: &mut Vec<ImportProblem>,
) -> Result<
    (
        BTreeMap<&'a str, OldUnit<'a>>,
        BTreeMap<&'a str, NewUnit<'a>>,
    ),
    StoreError,
> {
    let mut olds: BTreeMap<&str, OldUnit> = BTreeMap::new();
    let mut news: BTreeMap<&str, NewUnit> = BTreeMap::new();
    let mut problem = |line: usize, message: String| problems.push(ImportProblem { line, message });

    for link in links {
        if olds.contains_key(link.old_code.as_str()) {
            continue;
        }
        let date = &link.effective_date;
        let row: Option<UnitRow> = sqlx::query_as(
            "select id, name, kind, parent_id, valid_from, valid_to from admin_units \
             where code = $1 and level = 'commune' and valid_from < $2 \
             order by valid_from desc limit 1",
        )
        .bind(&link.old_code)
        .bind(date)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            let later: Option<(String,)> = sqlx::query_as(
                "select valid_from from admin_units where code = $1 and level = 'commune' \
                 order by valid_from limit 1",
            )
            .bind(&link.old_code)
            .fetch_optional(&mut **tx)
            .await?;
            problem(
                link.line,
                match later {
                    Some((from,)) => format!(
                        "commune {} starts on {from}, so it cannot be retired on {date}",
                        link.old_code
                    ),
                    None => format!("unknown commune code {}", link.old_code),
                },
            );
            continue;
        };
        if row.valid_to.as_deref().is_some_and(|to| to < date.as_str()) {
            problem(
                link.line,
                format!(
                    "commune {} {} was already retired on {}, before {date}",
                    link.old_code,
                    row.name,
                    row.valid_to.as_deref().unwrap_or_default()
                ),
            );
            continue;
        }
        if row.name != link.old_name {
            problem(
                link.line,
                format!(
                    "commune {} is `{}` in the database, not `{}`: check the code",
                    link.old_code, row.name, link.old_name
                ),
            );
            continue;
        }
        olds.insert(&link.old_code, OldUnit { link, row });
    }

    for link in links {
        if news.contains_key(link.new_code.as_str()) {
            continue;
        }
        let date = &link.effective_date;
        let parent_id = if link.district_code.is_empty() {
            match olds.get(link.old_code.as_str()) {
                Some(old) => {
                    let province = province_of(tx, &old.row, date).await?;
                    if province.is_none() {
                        problem(
                            link.line,
                            format!(
                                "new commune {} has no district and old commune {} {} no \
                                 province in force on {date}: give `ma_huyen_moi`",
                                link.new_code, link.old_code, old.row.name
                            ),
                        );
                    }
                    province
                }
                // The old commune's own problem is reported already.
                None => None,
            }
        } else {
            let district: Option<(i64,)> = sqlx::query_as(
                "select id from admin_units where code = $1 and level = 'district' \
                 and valid_from <= $2 and (valid_to is null or valid_to > $2) \
                 order by valid_from desc limit 1",
            )
            .bind(&link.district_code)
            .bind(date)
            .fetch_optional(&mut **tx)
            .await?;
            if district.is_none() {
                problem(
                    link.line,
                    format!(
                        "new commune {} needs a parent district: no district {} is in force on \
                         {date} (leave `ma_huyen_moi` empty for a commune without a district)",
                        link.new_code, link.district_code
                    ),
                );
            }
            district.map(|(id,)| id)
        };
        let existing: Option<(i64, String, String, String, Option<i64>)> = sqlx::query_as(
            "select id, level, name, kind, parent_id from admin_units \
             where code = $1 and valid_from = $2",
        )
        .bind(&link.new_code)
        .bind(date)
        .fetch_optional(&mut **tx)
        .await?;
        let existing = match existing {
            Some((id, level, name, kind, parent))
                if level == "commune"
                    && name == link.new_name
                    && kind == link.new_kind
                    && (parent_id.is_none() || parent == parent_id) =>
            {
                Some(id)
            }
            Some((_, level, name, ..)) => {
                problem(
                    link.line,
                    format!(
                        "a {level} {} `{name}` starting on {date} already exists with another \
                         name, kind or district than `{}`",
                        link.new_code, link.new_name
                    ),
                );
                continue;
            }
            None => None,
        };
        // Two communes with one code in force on the same day would make the code ambiguous
        // (sign-in, desks, the commune page), unless the file retires the older one.
        let clashing: Vec<(String,)> = sqlx::query_as(
            "select name from admin_units where code = $1 and level = 'commune' \
             and valid_from < $2 and (valid_to is null or valid_to > $2)",
        )
        .bind(&link.new_code)
        .bind(date)
        .fetch_all(&mut **tx)
        .await?;
        if let Some((name,)) = clashing.first() {
            let retired_here = links.iter().any(|l| l.old_code == link.new_code);
            if !retired_here {
                problem(
                    link.line,
                    format!(
                        "code {} is still in force on {date} as `{name}`: retire that commune in \
                         this file or give the new commune another code",
                        link.new_code
                    ),
                );
            }
        }
        news.insert(
            &link.new_code,
            NewUnit {
                link,
                parent_id,
                existing,
            },
        );
    }

    // A line that changes nothing is more likely a mistake than an intention.
    for link in links {
        if let (Some(old), Some(new)) = (
            olds.get(link.old_code.as_str()),
            news.get(link.new_code.as_str()),
        ) {
            if link.old_code == link.new_code
                && old.row.name == link.new_name
                && old.row.kind == link.new_kind
                && old.row.parent_id == new.parent_id
            {
                problem(
                    link.line,
                    format!(
                        "commune {} {} stays as it is (same code, name, kind and district): \
                         leave it out of the file",
                        link.old_code, link.new_name
                    ),
                );
            }
        }
    }
    Ok((olds, news))
}

/// The province an old commune belongs to, in its version in force on `date` (a province may have
/// been renamed since the commune was formed): the commune's parent if it is a province, else its
/// district's parent.
async fn province_of(
    tx: &mut Tx<'_>,
    old: &UnitRow,
    date: &str,
) -> Result<Option<i64>, StoreError> {
    let Some(parent_id) = old.parent_id else {
        return Ok(None);
    };
    let code: Option<(String,)> = sqlx::query_as(
        "select coalesce(g.code, p.code) from admin_units p \
         left join admin_units g on g.id = p.parent_id and p.level <> 'province' \
         where p.id = $1 and (p.level = 'province' or g.level = 'province')",
    )
    .bind(parent_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((code,)) = code else {
        return Ok(None);
    };
    let in_force: Option<(i64,)> = sqlx::query_as(
        "select id from admin_units where code = $1 and level = 'province' \
         and valid_from <= $2 and (valid_to is null or valid_to > $2) \
         order by valid_from desc limit 1",
    )
    .bind(&code)
    .bind(date)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(in_force.map(|(id,)| id))
}

/// Links from an earlier import must be lines of this file too: a file may repeat or extend an
/// import, but not contradict it.
async fn check_existing_links(
    tx: &mut Tx<'_>,
    links: &[UnitLink],
    olds: &BTreeMap<&str, OldUnit<'_>>,
    news: &BTreeMap<&str, NewUnit<'_>>,
    problems: &mut Vec<ImportProblem>,
) -> Result<(), StoreError> {
    let new_code_of: HashMap<i64, &str> = news
        .iter()
        .filter_map(|(code, n)| n.existing.map(|id| (id, *code)))
        .collect();
    let old_code_of: HashMap<i64, &str> = olds.iter().map(|(code, o)| (o.row.id, *code)).collect();
    let in_file = |old: &str, new: &str| {
        links
            .iter()
            .find(|l| l.old_code == old && l.new_code == new)
    };
    for (code, old) in olds {
        let earlier: Vec<LinkRow> = sqlx::query_as(
            "select u.id as other_id, u.code as other_code, u.name as other_name, h.kind, \
               h.effective_date \
             from unit_history h join admin_units u on u.id = h.successor_id \
             where h.predecessor_id = $1",
        )
        .bind(old.row.id)
        .fetch_all(&mut **tx)
        .await?;
        for e in earlier {
            let same = new_code_of
                .get(&e.other_id)
                .and_then(|new| in_file(code, new))
                .filter(|l| l.effective_date == e.effective_date && l.kind.key() == e.kind);
            if same.is_none() {
                problems.push(ImportProblem {
                    line: old.link.line,
                    message: format!(
                        "an earlier import recorded commune {code} {} as a {} into {} {} from {}, \
                         which this file does not repeat; an import cannot be changed by \
                         another file",
                        old.row.name, e.kind, e.other_code, e.other_name, e.effective_date
                    ),
                });
            }
        }
    }
    for (code, new) in news {
        let Some(id) = new.existing else { continue };
        let earlier: Vec<LinkRow> = sqlx::query_as(
            "select u.id as other_id, u.code as other_code, u.name as other_name, h.kind, \
               h.effective_date \
             from unit_history h join admin_units u on u.id = h.predecessor_id \
             where h.successor_id = $1",
        )
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
        for e in earlier {
            let listed = old_code_of
                .get(&e.other_id)
                .and_then(|old| in_file(old, code))
                .is_some();
            if !listed {
                problems.push(ImportProblem {
                    line: new.link.line,
                    message: format!(
                        "an earlier import recorded {} {} as a predecessor of commune {code} {} \
                         ({} from {}), which this file does not list",
                        e.other_code, e.other_name, new.link.new_name, e.kind, e.effective_date
                    ),
                });
            }
        }
    }
    Ok(())
}
