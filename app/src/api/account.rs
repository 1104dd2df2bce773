//! Server functions of the signed-in pages. Every one checks on the server who is asking and
//! returns `Access::SignInRequired` or `Access::Forbidden` instead of data when it must.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::roles::{Access, Me, Role};

#[cfg(feature = "ssr")]
use crate::state::AppState;

/// The sign-in page: the double-submit CSRF token, and who is already signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginPageData {
    pub csrf: String,
    pub me: Option<Me>,
}

/// What a commune's leaders see of their commune (issue 5 grows this into the dashboard).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommuneOverview {
    pub me: Me,
    pub commune_code: String,
    pub commune_name: String,
    pub district_name: String,
    pub desks: Vec<(String, String)>,
    pub last_30_days: (i64, i64),
    pub all_time: (i64, i64),
    pub comments: Vec<CommentView>,
    /// The units this commune was formed from (mergers, splits, renames), in import order.
    pub formerly: Vec<FormerUnit>,
}

/// A unit a commune came from: its name, and whether only part of it came (a split).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormerUnit {
    pub name: String,
    pub part: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub when: String,
    pub desk: String,
    pub overall: Option<i64>,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPageData {
    pub me: Me,
    pub users: Vec<UserView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPageData {
    pub me: Me,
    pub entries: Vec<AuditEntryView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedView {
    pub id: i64,
    pub when: String,
    pub commune: String,
    pub desk: String,
    /// Why it was flagged, as a reviewer reads it.
    pub reasons: String,
    pub excluded: bool,
    /// Waiting for this review before it counts.
    pub held: bool,
    pub overall: Option<i64>,
    pub channel: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPageData {
    pub me: Me,
    pub flagged: Vec<FlaggedView>,
}

/// Local time in Vietnam, for display.
#[cfg(feature = "ssr")]
pub fn local_time(ms: i64) -> String {
    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&vn).format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

#[cfg(feature = "ssr")]
fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::internal("account", e)
}

/// The signed-in user of this request, if any.
#[cfg(feature = "ssr")]
pub async fn request_user(state: &AppState) -> Result<Option<Me>, AppError> {
    let headers: axum::http::HeaderMap = leptos_axum::extract().await.map_err(internal)?;
    crate::auth::current_user(state, &headers).await
}

/// The commune `me` asks for (their own when `code` is absent or empty) if they may see it:
/// commune users their own, a district reviewer its district's, the province admin any. `None`
/// for an unknown commune or one that is not theirs, which pages and routes answer with 403.
#[cfg(feature = "ssr")]
pub async fn visible_commune(
    state: &AppState,
    me: &Me,
    code: Option<&str>,
) -> Result<Option<crate::store::overview::CommuneRow>, AppError> {
    let code = match (code.filter(|c| !c.is_empty()), me.role) {
        (Some(code), _) => code.to_string(),
        (None, Role::CommuneLeader | Role::CommuneOfficer) => {
            me.unit_code.clone().unwrap_or_default()
        }
        (None, _) => return Ok(None),
    };
    let store = &state.store;
    let Some(row) = store.commune_by_code(&code).await.map_err(internal)? else {
        return Ok(None);
    };
    let unit = store
        .user_by_id(me.id)
        .await
        .map_err(internal)?
        .and_then(|u| u.unit_id);
    Ok(crate::auth::can_see_commune(me.role, unit, row.id, row.district_id).then_some(row))
}

/// The user if signed in with one of `roles`, else the refusal the page should show.
#[cfg(feature = "ssr")]
async fn require(state: &AppState, roles: &[Role]) -> Result<Result<Me, Access<()>>, AppError> {
    Ok(match request_user(state).await? {
        None => Err(Access::SignInRequired),
        Some(me) if roles.contains(&me.role) => Ok(me),
        Some(_) => Err(Access::Forbidden),
    })
}

#[cfg(feature = "ssr")]
fn refuse<T>(refusal: Access<()>) -> Access<T> {
    match refusal {
        Access::SignInRequired => Access::SignInRequired,
        _ => Access::Forbidden,
    }
}

#[server]
pub async fn get_login_page() -> Result<LoginPageData, AppError> {
    let state = expect_context::<AppState>();
    let me = request_user(&state).await?;
    let csrf = crate::auth::new_token();
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.append_header(
            axum::http::header::SET_COOKIE,
            crate::auth::login_csrf_cookie(&csrf, state.settings.secure_cookies()),
        );
    }
    Ok(LoginPageData { csrf, me })
}

/// The commune page: commune users see their own commune (`commune` must be theirs or absent);
/// the province admin and the district's reviewer may open any commune they oversee.
#[server]
pub async fn get_commune_overview(
    commune: Option<String>,
) -> Result<Access<CommuneOverview>, AppError> {
    let state = expect_context::<AppState>();
    let me = match require(&state, &Role::ALL).await? {
        Ok(me) => me,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let Some(row) = visible_commune(&state, &me, commune.as_deref()).await? else {
        return Ok(Access::Forbidden);
    };
    let store = &state.store;
    let desks = store
        .list_current_desks(None)
        .await
        .map_err(internal)?
        .into_iter()
        .filter(|d| d.commune_code == row.code)
        .map(|d| (d.public_code, d.name))
        .collect();
    let now = crate::store::now_ms();
    let last_30_days = store
        .commune_satisfaction(row.id, now - 30 * 86_400_000)
        .await
        .map_err(internal)?;
    let all_time = store
        .commune_satisfaction(row.id, 0)
        .await
        .map_err(internal)?;
    let comments = store
        .latest_comments(row.id, 20)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|c| CommentView {
            when: local_time(c.created_at),
            desk: c.desk_name,
            overall: c.overall,
            text: c.text,
        })
        .collect();
    let formerly = store
        .predecessors(row.id)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|p| FormerUnit {
            part: p.kind == "split",
            name: p.name,
        })
        .collect();
    Ok(Access::Granted(CommuneOverview {
        me,
        commune_code: row.code,
        commune_name: row.name,
        district_name: row.district_name.unwrap_or_default(),
        desks,
        last_30_days,
        all_time,
        comments,
        formerly,
    }))
}

#[server]
pub async fn get_users_page() -> Result<Access<UsersPageData>, AppError> {
    let state = expect_context::<AppState>();
    let me = match require(&state, &[Role::ProvinceAdmin]).await? {
        Ok(me) => me,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let users = state
        .store
        .list_users()
        .await
        .map_err(internal)?
        .into_iter()
        .filter_map(|u| {
            Some(UserView {
                id: u.id,
                role: u.role()?,
                unit: u
                    .unit_name
                    .map(|n| format!("{n} ({})", u.unit_code.unwrap_or_default())),
                username: u.username,
                display_name: u.display_name,
            })
        })
        .collect();
    Ok(Access::Granted(UsersPageData { me, users }))
}

#[server]
pub async fn get_audit_page() -> Result<Access<AuditPageData>, AppError> {
    let state = expect_context::<AppState>();
    let me = match require(&state, &[Role::ProvinceAdmin]).await? {
        Ok(me) => me,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let entries = state
        .store
        .list_audit(200)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|e| AuditEntryView {
            when: local_time(e.created_at),
            actor: e.actor,
            action: e.action,
            target: e.target,
            detail: e.detail,
        })
        .collect();
    Ok(Access::Granted(AuditPageData { me, entries }))
}

/// Flagged responses: the district reviewer sees its district, the province admin all.
#[server]
pub async fn get_review_page() -> Result<Access<ReviewPageData>, AppError> {
    let state = expect_context::<AppState>();
    let me = match require(&state, &[Role::ProvinceAdmin, Role::DistrictReviewer]).await? {
        Ok(me) => me,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let district = match me.role {
        Role::DistrictReviewer => {
            let user = state.store.user_by_id(me.id).await.map_err(internal)?;
            match user.and_then(|u| u.unit_id) {
                Some(id) => Some(id),
                None => return Ok(Access::Forbidden),
            }
        }
        _ => None,
    };
    let flagged = state
        .store
        .flagged_responses(district, 200)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|f| {
            let flags = crate::flags::Flags::parse_stored(Some(&f.flags))
                .map_err(|e| internal(format!("response {}: {e}", f.response_id)))?;
            Ok(FlaggedView {
                id: f.response_id,
                when: local_time(f.created_at),
                commune: f.commune_name,
                desk: f.desk_name,
                reasons: flags.labels_vi(),
                excluded: f.excluded != 0,
                held: f.held != 0,
                overall: f.overall,
                channel: f.channel,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Access::Granted(ReviewPageData { me, flagged }))
}
