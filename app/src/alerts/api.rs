//! The server function of the alerts page.

use leptos::prelude::*;

use crate::alerts::model::AlertsPageData;
use crate::domain::roles::Access;
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::state::AppState;

/// The signed-in user's alert settings, and the queue for the province admin.
#[server]
pub async fn get_alerts_page() -> Result<Access<AlertsPageData>, AppError> {
    let state = expect_context::<AppState>();
    let Some(me) = crate::accounts::api::request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    Ok(Access::Granted(alerts_page(&state, me).await?))
}

#[cfg(feature = "ssr")]
async fn alerts_page(
    state: &AppState,
    me: crate::domain::roles::Me,
) -> Result<AlertsPageData, AppError> {
    use crate::alerts::model::{AlertQueueRowView, AlertQueueView};
    use crate::alerts::rule::AlertMode;
    use crate::domain::roles::Role;

    let contact = state.store.alert_contact(me.id).await?;
    let (email, mode) = contact
        .map(|c| {
            (
                c.email,
                AlertMode::parse(&c.alert_mode).unwrap_or(AlertMode::Each),
            )
        })
        .unwrap_or((None, AlertMode::Each));
    let queue = if me.role == Role::ProvinceAdmin {
        let (rows, counts) = state.store.alert_queue(200).await?;
        Some(AlertQueueView {
            counts,
            rows: rows
                .into_iter()
                .map(|r| AlertQueueRowView {
                    id: r.id,
                    when: crate::clock::display(if r.status == "queued" {
                        r.next_attempt_at
                    } else {
                        r.created_at
                    }),
                    channel: r.channel,
                    response_id: r.response_id,
                    recipient: r.recipient,
                    status: r.status,
                    attempts: r.attempts,
                    last_error: r.last_error.unwrap_or_default(),
                })
                .collect(),
        })
    } else {
        None
    };
    Ok(AlertsPageData {
        receives: matches!(
            me.role,
            Role::CommuneLeader | Role::CommuneOfficer | Role::ProvinceReviewer
        ),
        me,
        email,
        mode,
        queue,
    })
}
