//! The province overview: every commune in the reader's scope on one compact page, with the
//! figures a province officer scans before opening a commune's dashboard: answers and satisfied
//! share over the last 30 days with its interval and change, the complaints still open, the
//! flagged answers and the self-assessment dossier's state. It is also the commune picker: a
//! search by name or code, each name a link to that commune's dashboard.
//!
//! Every figure comes from the definition the dashboard uses (`figures::headline_by_commune`,
//! `Store::open_followups_by_commune`, `Store::flag_counts`), so a commune's row reads what its
//! dashboard's first screen reads.

pub mod page;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::roles::{Access, Me};
use crate::error::AppError;
use crate::i18n::Lang;

/// What the reader asked for in the page's GET form and column links.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewFilter {
    /// Part of a commune's name (accents optional) or code.
    pub q: Option<String>,
    /// A dossier state key, or `none` for communes without a dossier.
    pub state: Option<String>,
    /// `open`: only communes with complaints still open.
    pub backlog: Option<String>,
    /// A column key of [`SORTS`]; the communes' codes when absent.
    pub sort: Option<String>,
}

/// The columns the table sorts by, with their headings; the order in which each sorts is the
/// one a reader scans for trouble: lowest share, largest fall, largest backlog first.
pub const SORTS: [(&str, &str); 8] = [
    ("code", "Mã"),
    ("name", "Xã, phường"),
    ("answers", "Số phiếu"),
    ("share", "Tỷ lệ hài lòng"),
    ("change", "Thay đổi"),
    ("open", "Ý kiến chưa xử lý"),
    ("flagged", "Phiếu bị đánh dấu"),
    ("dossier", "Hồ sơ tự đánh giá"),
];

/// One commune as the overview writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewRow {
    pub code: String,
    pub name: String,
    /// Responses over the last 30 days.
    pub responses: String,
    /// `75,0%`, or `—` without answers.
    pub share: String,
    /// `(52,1–88,6%)`, empty without answers.
    pub interval: String,
    /// `▲ +3,2 điểm %` against the 30 days before, or `—`.
    pub change: String,
    /// Unfavourable answers not yet resolved, however old.
    pub open: i64,
    /// Flagged answers over the last 30 days that count in the figures.
    pub flagged: i64,
    /// Flagged answers over the last 30 days held for a reviewer (not counted yet).
    pub held: i64,
    /// The dossier's state under the criteria set in force, or that there is none.
    pub dossier: String,
}

/// The page's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewView {
    pub me: Me,
    /// `03/11/2026–02/12/2026`: the 30 days the figures cover.
    pub period: String,
    /// The criteria set whose dossiers the last column shows.
    pub criteria: Option<String>,
    /// Communes in the reader's scope before the filter.
    pub in_scope: usize,
    pub rows: Vec<OverviewRow>,
    pub filter: OverviewFilter,
    /// The dossier states to filter by: (key, label).
    pub states: Vec<(String, String)>,
    /// Each column's sort link: (key, heading, href, whether the table is sorted by it).
    pub sorts: Vec<(String, String, String, bool)>,
    /// The province's periodic reports offered as buttons, (period, title); empty for readers
    /// the province report is not for (district reviewers).
    pub reports: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
pub use ssr::{fold_for_search, overview};

#[cfg(feature = "ssr")]
mod ssr {
    use std::cmp::Reverse;
    use std::collections::HashMap;

    use unicode_normalization::UnicodeNormalization;

    use super::{OverviewFilter, OverviewRow, OverviewView, SORTS};
    use crate::domain::dossier::State;
    use crate::domain::roles::{Me, Role};
    use crate::error::AppError;
    use crate::figures::Satisfaction;
    use crate::i18n::Lang;
    use crate::state::AppState;

    fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::internal("overview", e)
    }

    /// Lower case without diacritics (`Lộc Ninh` → `loc ninh`), so a search typed on a
    /// keyboard without Vietnamese input still finds the commune.
    pub fn fold_for_search(text: &str) -> String {
        text.nfd()
            .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
            .map(|c| match c {
                'đ' | 'Đ' => 'd',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect()
    }

    /// A row with the numbers it sorts by.
    struct Sortable {
        row: OverviewRow,
        responses: i64,
        share: Option<u64>,
        change: Option<i64>,
        dossier_rank: usize,
    }

    fn href(filter: &OverviewFilter, sort: &str) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("q", &filter.q),
            ("state", &filter.state),
            ("backlog", &filter.backlog),
        ] {
            if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                query.append_pair(key, v);
            }
        }
        query.append_pair("sort", sort);
        format!("/overview?{}", query.finish())
    }

    /// The overview for `me` (a province admin or reviewer: the caller checks the role), on
    /// the figures of the 30 days ending today.
    pub async fn overview(
        state: &AppState,
        me: Me,
        filter: OverviewFilter,
        lang: Lang,
    ) -> Result<OverviewView, AppError> {
        let today = crate::clock::today();
        let store = &state.store;
        let my_unit = crate::assessment::api::my_unit(state, &me).await?;
        let communes: Vec<_> = store
            .communes_in_force(&today)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|c| crate::accounts::auth::may_see_commune(&me, my_unit, c.id, c.district_id))
            .collect();
        let survey = state
            .definitions
            .latest(survey_definitions::DEFAULT_SURVEY_ID)
            .ok_or_else(|| internal("no survey definition is loaded"))?;
        let (period, figures) = crate::figures::headline_by_commune(store, survey, &today)
            .await
            .map_err(internal)?;
        let open = store
            .open_followups_by_commune(None)
            .await
            .map_err(internal)?;
        let flags = store
            .flag_counts(None, &period.from, &period.to)
            .await
            .map_err(internal)?;
        let set = crate::assessment::api::pick_criteria(state, None);
        let mut dossiers: HashMap<i64, State> = HashMap::new();
        if let Some(set) = set {
            for row in store.assessments_of(&set.id).await.map_err(internal)? {
                dossiers.insert(row.unit_id, row.state().map_err(internal)?);
            }
        }
        let no_dossier = match lang {
            Lang::Vi | Lang::Supplied(_) => "Chưa lập hồ sơ",
            Lang::En => "No dossier",
        };

        let in_scope = communes.len();
        let wanted = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        let query = wanted(&filter.q).map(|q| fold_for_search(q.trim()));
        let state_key = wanted(&filter.state);
        let only_open = wanted(&filter.backlog).as_deref() == Some("open");
        let mut rows: Vec<Sortable> = communes
            .into_iter()
            .filter(|c| {
                query.as_ref().is_none_or(|q| {
                    fold_for_search(&c.name).contains(q.as_str()) || c.code.contains(q.as_str())
                })
            })
            .filter(|c| match state_key.as_deref() {
                None => true,
                Some("none") => !dossiers.contains_key(&c.id),
                Some(key) => dossiers.get(&c.id).is_some_and(|s| s.key() == key),
            })
            .filter(|c| !only_open || open.get(&c.id).copied().unwrap_or(0) > 0)
            .map(|c| {
                let (now, before) = figures.get(&c.id).copied().unwrap_or_default();
                let text = now.text(Some(&period), lang);
                let flag = flags.get(&c.id).copied().unwrap_or_default();
                let dossier = dossiers.get(&c.id).copied();
                Sortable {
                    responses: now.responses,
                    share: now.share_tenths(),
                    change: change_tenths(&now, &before),
                    dossier_rank: dossier.map_or(0, |s| {
                        State::ALL.iter().position(|x| *x == s).unwrap_or(0) + 1
                    }),
                    row: OverviewRow {
                        code: c.code,
                        name: c.name,
                        responses: text.responses,
                        share: text.satisfied,
                        interval: if text.interval.is_empty() {
                            String::new()
                        } else {
                            format!("({})", text.interval)
                        },
                        change: now.change_text(&before, lang),
                        open: open.get(&c.id).copied().unwrap_or(0),
                        flagged: flag.counted,
                        held: flag.held,
                        dossier: dossier.map_or(no_dossier, |s| s.label(lang)).to_string(),
                    },
                }
            })
            .collect();
        let sort = wanted(&filter.sort)
            .filter(|s| SORTS.iter().any(|(key, _)| key == s))
            .unwrap_or_else(|| "code".into());
        match sort.as_str() {
            "name" => rows.sort_by_key(|r| fold_for_search(&r.row.name)),
            "answers" => rows.sort_by_key(|r| Reverse(r.responses)),
            // Lowest share first; communes without answers last.
            "share" => rows.sort_by_key(|r| (r.share.is_none(), r.share)),
            // Largest fall first; communes without a change last.
            "change" => rows.sort_by_key(|r| (r.change.is_none(), r.change)),
            "open" => rows.sort_by_key(|r| Reverse(r.row.open)),
            "flagged" => rows.sort_by_key(|r| Reverse(r.row.flagged + r.row.held)),
            "dossier" => rows.sort_by_key(|r| r.dossier_rank),
            _ => {}
        }
        let sorts = SORTS
            .iter()
            .map(|(key, heading)| {
                (
                    key.to_string(),
                    heading.to_string(),
                    href(&filter, key),
                    *key == sort,
                )
            })
            .collect();
        let mut states: Vec<(String, String)> = State::ALL
            .iter()
            .map(|s| (s.key().to_string(), s.label(lang).to_string()))
            .collect();
        states.push(("none".into(), no_dossier.into()));
        let reports = if matches!(me.role, Role::ProvinceAdmin | Role::ProvinceReviewer) {
            crate::reports::ReportPeriod::offered(&today)
        } else {
            Vec::new()
        };
        Ok(OverviewView {
            reports,
            me,
            period: period.label(lang),
            criteria: set.map(|s| s.name.get(lang).to_string()),
            in_scope,
            rows: rows.into_iter().map(|r| r.row).collect(),
            filter,
            states,
            sorts,
        })
    }

    /// The change in tenths of a percentage point, as [`Satisfaction::change_text`] writes it.
    fn change_tenths(now: &Satisfaction, before: &Satisfaction) -> Option<i64> {
        Some(now.share_tenths()? as i64 - before.share_tenths()? as i64)
    }

    #[cfg(test)]
    mod tests {
        use super::fold_for_search;

        #[test]
        fn a_search_without_accents_finds_the_commune() {
            assert_eq!(fold_for_search("Phường Lộc Ninh"), "phuong loc ninh");
            assert_eq!(fold_for_search("Xã Đồng Phú"), "xa dong phu");
            assert!(fold_for_search("Xã Tân Khai").contains(&fold_for_search("tân khai")));
        }
    }
}

/// The province overview for province staff; commune users get `Forbidden` (their own
/// dashboard is their overview).
#[server]
pub async fn get_overview(
    filter: OverviewFilter,
    lang: Lang,
) -> Result<Access<OverviewView>, AppError> {
    use crate::domain::roles::Role;
    let state = expect_context::<crate::state::AppState>();
    let Some(me) = crate::accounts::api::request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    if !matches!(
        me.role,
        Role::ProvinceAdmin | Role::DistrictReviewer | Role::ProvinceReviewer
    ) {
        return Ok(Access::Forbidden);
    }
    Ok(Access::Granted(overview(&state, me, filter, lang).await?))
}
