//! The kiosk's server functions: the tablet's page and the staff's list of kiosks.

use leptos::prelude::*;

use super::model::{KioskPageData, KiosksPageData};
#[cfg(feature = "ssr")]
use super::model::{KiosksNotice, NewEnrolment};
use crate::domain::roles::Access;
use crate::error::AppError;

/// The tablet's page.
#[server]
pub async fn get_kiosk_page() -> Result<KioskPageData, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let headers: axum::http::HeaderMap = leptos_axum::extract()
        .await
        .map_err(|e| AppError::internal("get_kiosk_page", e))?;
    crate::kiosk::service::kiosk_page(&state, &headers).await
}

/// Kiosks of the user's commune (commune leaders and officers) or of the province (province
/// admin). District reviewers do not manage desks' equipment.
#[server]
pub async fn get_kiosks_page() -> Result<Access<KiosksPageData>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let me = match crate::accounts::api::request_user(&state).await? {
        None => return Ok(Access::SignInRequired),
        Some(me) => me,
    };
    // Set by the POST handlers that render this page: the new code, or what a decision did.
    let enrolment = use_context::<NewEnrolment>();
    let notice = use_context::<KiosksNotice>();
    crate::kiosk::service::kiosks_page(&state, me, enrolment, notice).await
}
