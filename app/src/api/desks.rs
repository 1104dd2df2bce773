//! Looking up desks (the one-stop desks that carry a QR code) for pages and posters.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use survey_definitions::Text;

use crate::error::AppError;

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

/// Current desks, optionally of one district (by its official code), ordered for printing.
#[server]
pub async fn list_desks(district: Option<String>) -> Result<Vec<DeskInfo>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    state
        .store
        .list_current_desks(district.as_deref())
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|d| {
                    let url = state.survey_url(&d.public_code);
                    d.info(url)
                })
                .collect()
        })
        .map_err(|e| AppError::internal("list_desks", e))
}
