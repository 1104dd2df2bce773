//! Looking up desks (the one-stop desks that carry a QR code) for pages and posters.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use survey_definitions::Text;

use crate::components::set_status;
use crate::error::AppError;
use crate::i18n::{ui, with_lang, Lang};

/// A desk and the administrative units around it, as pages show them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskInfo {
    pub code: String,
    pub name: Text,
    pub commune_code: String,
    pub commune_name: String,
    pub district_code: String,
    pub district_name: String,
    pub province_name: String,
    /// The full public URL of the desk's survey, as its QR code encodes it.
    pub survey_url: String,
}

/// Outcome of looking a desk up by its public code. A retired desk is kept apart from an unknown
/// one: the citizen holding an old poster deserves to know the desk moved, not that the code is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeskLookup<T> {
    Found(T),
    NotFound,
    /// The desk no longer takes ratings; the desk that replaced it, if one did.
    Retired(Option<Replacement>),
}

/// The desk that took over from a retired one, so an old poster can send the citizen on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    pub code: String,
    pub name: Text,
    pub commune_name: String,
}

/// One desk by its public (QR) code.
#[server]
pub async fn get_desk(code: String) -> Result<DeskLookup<DeskInfo>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    state
        .store
        .find_desk(&code)
        .await
        .map(|found| {
            found.map_or(DeskLookup::NotFound, |d| {
                let url = state.survey_url(&d.public_code);
                d.lookup(url)
            })
        })
        .map_err(|e| AppError::internal("get_desk", e))
}

/// The longest desk name, in characters: it must fit a poster's heading and a kiosk's title.
pub const DESK_NAME_MAX: usize = 120;

/// A desk's name as staff type it, trimmed: 1 to [`DESK_NAME_MAX`] characters without control
/// characters; otherwise the Vietnamese message the form shows.
pub fn desk_name(text: &str) -> Result<String, &'static str> {
    let name = text.trim();
    if name.is_empty() {
        return Err("Tên quầy không được để trống.");
    }
    if name.chars().count() > DESK_NAME_MAX {
        return Err("Tên quầy dài quá 120 ký tự.");
    }
    if name.chars().any(char::is_control) {
        return Err("Tên quầy có ký tự không hợp lệ.");
    }
    Ok(name.to_string())
}

/// Current desks a signed-in user may print posters for, optionally of one district (by its
/// official code), ordered for printing: every desk for the province, the district's for its
/// reviewer, the commune's for its staff. The list is not public: a desk's survey link belongs
/// on the poster at that desk, not in a directory anyone could rate from.
#[server]
pub async fn list_desks(
    district: Option<String>,
) -> Result<crate::domain::roles::Access<DesksPageData>, AppError> {
    use crate::domain::roles::{Access, Role};
    let state = expect_context::<crate::state::AppState>();
    let Some(me) = crate::accounts::api::request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    let rows = state
        .store
        .list_current_desks(district.as_deref())
        .await
        .map_err(|e| AppError::internal("list_desks", e))?;
    let mine = |d: &crate::store::desks::DeskRow| match me.role {
        Role::ProvinceAdmin => true,
        Role::DistrictReviewer => me.unit_code.as_deref() == Some(&d.review_district_code),
        Role::ProvinceReviewer => me.assigned.contains(&d.answers_to),
        Role::CommuneLeader | Role::CommuneOfficer => {
            me.unit_code.as_deref() == Some(&d.commune_code)
        }
    };
    let desks = rows
        .into_iter()
        .filter(|d| mine(d))
        .map(|d| {
            let url = state.survey_url(&d.public_code);
            d.info(url)
        })
        .collect();
    Ok(Access::Granted(DesksPageData { me, desks }))
}

/// The desks a user looks after, and who they are (for the page's account bar).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DesksPageData {
    pub me: crate::domain::roles::Me,
    pub desks: Vec<DeskInfo>,
}

/// The friendly page for an unknown or retired desk code. Both are 404: an old poster is not an
/// error of the citizen, and the page says what to do instead.
#[component]
pub fn DeskUnavailable(
    lang: Lang,
    retired: bool,
    replacement: Option<Replacement>,
) -> impl IntoView {
    set_status(404);
    let t = ui(lang);
    let next = replacement.map(|r| {
        view! {
            <p class="lead">
                {t.replaced_by}
                <a href=with_lang(&format!("/q/{}", r.code), lang)>
                    {r.name.get(lang).to_string()} " · " {r.commune_name}
                </a>
            </p>
        }
    });
    view! {
        <main class="page narrow">
            <h1>{t.desk_not_found_title}</h1>
            <p>{if retired { t.desk_retired_body } else { t.desk_not_found_body }}</p>
            {next}
        </main>
    }
}

/// The store's desk row as pages see it.
#[cfg(feature = "ssr")]
impl crate::store::desks::DeskRow {
    /// The desk that replaced this one, if any.
    pub fn replacement(&self) -> Option<Replacement> {
        Some(Replacement {
            code: self.replacement_code.clone()?,
            name: Text {
                vi: self.replacement_name.clone().unwrap_or_default(),
                en: self.replacement_name_en.clone().unwrap_or_default(),
            },
            commune_name: self.replacement_commune.clone().unwrap_or_default(),
        })
    }

    pub fn info(self, survey_url: String) -> DeskInfo {
        DeskInfo {
            code: self.public_code,
            name: Text {
                vi: self.name,
                en: self.name_en,
            },
            commune_code: self.commune_code,
            commune_name: self.commune_name,
            district_code: self.district_code,
            district_name: self.district_name,
            province_name: self.province_name,
            survey_url,
        }
    }

    pub fn lookup(self, survey_url: String) -> DeskLookup<DeskInfo> {
        if self.is_retired() {
            DeskLookup::Retired(self.replacement())
        } else {
            DeskLookup::Found(self.info(survey_url))
        }
    }
}
