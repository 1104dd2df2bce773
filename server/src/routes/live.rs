//! The commune dashboard's live stream (server-sent events) and its form posts: follow-up of
//! unfavourable feedback and dossiers handled per desk.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use app::api::dashboard::window_figures;
use app::auth;
use app::roles::{Me, Role};
use app::state::AppState;
use app::store::followups::FOLLOWUP_STATES;
use app::store::overview::CommuneRow;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use futures::Stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::account::{authorize, internal, problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/commune/live", get(live))
        .route("/commune/followups/{response}", post(followup))
        .route("/commune/dossiers", post(dossiers))
}

/// Updates are sent at most this often; a burst of submissions becomes one refresh.
const SETTLE: Duration = Duration::from_millis(200);

#[derive(Deserialize)]
struct LiveQuery {
    #[serde(default)]
    commune: String,
}

/// The commune `me` asks for (their own by default) if they may see it.
async fn visible_commune(
    state: &AppState,
    me: &Me,
    code: &str,
) -> Result<Option<CommuneRow>, Response> {
    app::api::account::visible_commune(state, me, Some(code))
        .await
        .map_err(internal)
}

/// `GET /commune/live?commune=CODE`: the figures now, then again within a moment of every
/// response stored at one of the commune's desks (by this instance or, with PostgreSQL, any).
async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LiveQuery>,
) -> Response {
    let me = match auth::current_user(&state, &headers).await {
        Ok(Some(me)) => me,
        Ok(None) => return problem(StatusCode::UNAUTHORIZED, "Vui lòng đăng nhập."),
        Err(e) => return internal(e),
    };
    let commune = match visible_commune(&state, &me, &query.commune).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            return problem(
                StatusCode::FORBIDDEN,
                "Tài khoản của ông/bà không được xem xã này.",
            )
        }
        Err(refusal) => return refusal,
    };
    let desks: HashSet<i64> = match state.store.commune_desks(commune.id).await {
        Ok(desks) => desks.into_iter().map(|(id, _, _)| id).collect(),
        Err(e) => return internal(e),
    };
    // Subscribe before the first figures are read, so nothing stored in between is missed.
    let events = state.live.subscribe();
    Sse::new(figure_stream(state, commune.id, desks, events))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

fn figure_stream(
    state: AppState,
    commune_id: i64,
    desks: HashSet<i64>,
    events: tokio::sync::broadcast::Receiver<i64>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    futures::stream::unfold((state, events, true), move |(state, mut events, first)| {
        let desks = desks.clone();
        async move {
            if !first {
                // Wait for a response at one of our desks (or a lag: refresh anyway).
                loop {
                    match events.recv().await {
                        Ok(desk) if desks.contains(&desk) => break,
                        Ok(_) => continue,
                        Err(RecvError::Lagged(_)) => break,
                        Err(RecvError::Closed) => return None,
                    }
                }
                tokio::time::sleep(SETTLE).await;
                while events.try_recv().is_ok() {}
            }
            let event = figures_event(&state, commune_id).await;
            Some((Ok(event), (state, events, false)))
        }
    })
}

async fn figures_event(state: &AppState, commune_id: i64) -> Event {
    let Some(survey) = state
        .definitions
        .latest(survey_definitions::DEFAULT_SURVEY_ID)
    else {
        return Event::default().comment("no survey");
    };
    let today = app::store::today_vn();
    let period = app::api::assessment::pick_criteria(state, None)
        .map(|s| s.period.from.clone())
        .filter(|from| from.as_str() <= today.as_str());
    match window_figures(&state.store, survey, commune_id, period.as_deref()).await {
        Ok((figures, _)) => Event::default()
            .event("message")
            .data(serde_json::to_string(&figures).unwrap_or_default()),
        Err(e) => {
            tracing::warn!("live figures: {e}");
            Event::default().comment("figures unavailable")
        }
    }
}

#[derive(Deserialize)]
struct FollowupForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    note: String,
}

/// A commune leader or officer marks feedback of their own commune as being handled or resolved.
async fn followup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(response): Path<String>,
    Form(form): Form<FollowupForm>,
) -> Response {
    let me = match authorize(
        &state,
        &headers,
        &[Role::CommuneLeader, Role::CommuneOfficer],
        Some(&form.csrf),
    )
    .await
    {
        Ok(me) => me,
        Err(refusal) => return refusal,
    };
    let Ok(response) = response.parse::<i64>() else {
        return problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu này.");
    };
    if !FOLLOWUP_STATES.contains(&form.state.as_str()) {
        return problem(StatusCode::BAD_REQUEST, "Trạng thái xử lý không hợp lệ.");
    }
    let note = form.note.trim();
    if note.chars().count() > 1000 {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Ghi chú dài quá 1000 ký tự.",
        );
    }
    // Another commune's response answers 404, as if it did not exist.
    let unit = match app::api::assessment::my_unit(&state, &me).await {
        Ok(unit) => unit,
        Err(e) => return internal(e),
    };
    match state.store.response_units(response).await {
        Ok(Some((commune, district)))
            if auth::can_see_commune(me.role, unit, commune, district) => {}
        Ok(_) => return problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu này."),
        Err(e) => return internal(e),
    }
    match state
        .store
        .set_followup(response, &form.state, note, me.id, &me.username)
        .await
    {
        Ok(()) => Redirect::to("/commune?ok=followup").into_response(),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct DossiersForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    desk: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    handled: String,
}

/// Dossiers a desk of the user's commune handled on a day, for its response rate.
async fn dossiers(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<DossiersForm>,
) -> Response {
    let me = match authorize(
        &state,
        &headers,
        &[Role::CommuneLeader, Role::CommuneOfficer],
        Some(&form.csrf),
    )
    .await
    {
        Ok(me) => me,
        Err(refusal) => return refusal,
    };
    let Some(handled) = form
        .handled
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=100_000).contains(n))
    else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Số hồ sơ phải là số nguyên từ 0 đến 100000.",
        );
    };
    let day = form.day.trim();
    let valid_day = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .is_ok_and(|d| d.format("%Y-%m-%d").to_string() <= app::store::today_vn());
    if !valid_day {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Ngày phải có dạng năm-tháng-ngày và không ở tương lai.",
        );
    }
    let own = match visible_commune(&state, &me, "").await {
        Ok(Some(row)) => row,
        Ok(None) => return problem(StatusCode::FORBIDDEN, "Tài khoản chưa gắn với xã."),
        Err(refusal) => return refusal,
    };
    let desk = form.desk.trim().parse::<i64>().ok();
    let desks = match state.store.commune_desks(own.id).await {
        Ok(desks) => desks,
        Err(e) => return internal(e),
    };
    let Some(desk) = desk.filter(|d| desks.iter().any(|(id, _, _)| id == d)) else {
        return problem(StatusCode::NOT_FOUND, "Không tìm thấy quầy này của xã.");
    };
    match state
        .store
        .set_desk_dossiers(desk, day, handled, me.id, &me.username)
        .await
    {
        Ok(()) => Redirect::to("/commune?ok=dossiers").into_response(),
        Err(e) => internal(e),
    }
}
