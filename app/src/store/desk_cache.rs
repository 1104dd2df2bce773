//! A desk as the store reads it, and the cache of desks looked up by public code that the
//! `Store` holds. Apart from `desks.rs` so that the `Store` can hold the cache without importing
//! the file that imports it.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// A desk row joined with its commune, district and province.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeskRow {
    pub id: i64,
    pub public_code: String,
    pub name: String,
    pub name_en: String,
    pub survey_id: String,
    pub valid_to: Option<String>,
    pub commune_code: String,
    pub commune_name: String,
    pub district_code: String,
    pub district_name: String,
    /// The pre-reform district whose reviewers look after the desk's commune ('' if none).
    pub review_district_code: String,
    pub province_name: String,
    pub replacement_code: Option<String>,
    pub replacement_name: Option<String>,
    pub replacement_name_en: Option<String>,
    pub replacement_commune: Option<String>,
    /// The unit its answers count for today (its commune, or the commune's successor).
    pub answers_to: i64,
}

impl DeskRow {
    /// Whether the desk has stopped taking ratings as of today.
    pub fn is_retired(&self) -> bool {
        self.valid_to
            .as_deref()
            .is_some_and(|to| to <= crate::clock::today().as_str())
    }
}

/// How long a looked-up desk is reused. Every survey page and submission looks up its desk, and
/// desks change a few times a year (a merger, a rename); this process forgets them at once when
/// it makes such a change (`Store::forget_desks`), another instance's change shows within this.
const DESK_CACHE_FOR: Duration = Duration::from_secs(10);
/// Beyond this many desks the cache starts again; a province has a few hundred.
const DESK_CACHE_MAX: usize = 10_000;

/// Desks recently looked up by public code. Only desks that exist are kept, so codes made up by
/// a scanner cannot fill it.
#[derive(Debug, Default)]
pub struct DeskCache {
    entries: RwLock<HashMap<String, (Instant, DeskRow)>>,
}

impl DeskCache {
    pub(super) fn get(&self, code: &str) -> Option<DeskRow> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(code)
            .filter(|(at, _)| at.elapsed() < DESK_CACHE_FOR)
            .map(|(_, row)| row.clone())
    }

    /// The desk as last looked up, however long ago: while the database cannot answer, a page
    /// that tells the citizen so still names the desk they were at.
    pub(super) fn get_stale(&self, code: &str) -> Option<DeskRow> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.get(code).map(|(_, row)| row.clone())
    }

    pub(super) fn put(&self, row: &DeskRow) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= DESK_CACHE_MAX {
            entries.clear();
        }
        entries.insert(row.public_code.clone(), (Instant::now(), row.clone()));
    }

    pub(super) fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
