//! The commune dashboard's live stream (server-sent events) and its form posts: follow-up of
//! unfavourable feedback and dossiers handled per desk.

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Duration;

use app::abuse::StreamLimits;
use app::accounts::auth;
use app::dashboard::api::live_figures;
use app::domain::roles::Me;
use app::forms::RefusedForm;
use app::i18n::Lang;
use app::live::{Figures, StreamTicket, TooManyStreams};
use app::state::AppState;
use app::store::followups::FOLLOWUP_STATES;
use app::store::overview::CommuneRow;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;

use super::problem::{internal, problem};
use super::signed_in::{CommuneStaff, StaffForm};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/commune/live", get(live))
        .route("/commune/followups/{response}", post(followup))
        .route("/commune/complaints/{response}", post(mark_complaint))
        .route("/commune/dossiers", post(dossiers))
}

/// How often an open stream checks that its session still exists (sign-out on another
/// instance, expiry, password reset, deactivation); a sign-out on this instance ends it at once.
const RECHECK: Duration = Duration::from_secs(20);

#[derive(Deserialize)]
struct LiveQuery {
    #[serde(default)]
    commune: String,
    /// The language of the page the stream feeds (`en`); Vietnamese otherwise.
    #[serde(default)]
    lang: String,
}

/// The commune `me` asks for (their own by default) if they may see it.
async fn visible_commune(
    state: &AppState,
    me: &Me,
    code: &str,
) -> Result<Option<CommuneRow>, Response> {
    app::accounts::api::visible_commune(state, me, Some(code))
        .await
        .map_err(internal)
}

/// `GET /commune/live?commune=CODE[&lang=en]`: the figures now, written as the page writes them, then again within a moment of every
/// response stored at one of the commune's desks (by this instance or, with PostgreSQL, any),
/// until the client leaves or the session ends. Beyond the open streams allowed per session or
/// per user: 429, and the older streams go on.
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
    let Some(session) = auth::session_key(&headers) else {
        return problem(StatusCode::UNAUTHORIZED, "Vui lòng đăng nhập.");
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
    let limits = StreamLimits {
        per_session: state.settings.abuse.live_streams_per_session,
        per_user: state.settings.abuse.live_streams_per_user,
    };
    let ticket = match state.live.open_stream(&session, me.id, limits) {
        Ok(ticket) => ticket,
        Err(TooManyStreams::Session) => {
            return problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Phiên đăng nhập này đã mở quá nhiều bảng số liệu trực tiếp. \
                 Vui lòng đóng bớt các thẻ (tab) đang mở.",
            )
        }
        Err(TooManyStreams::User) => {
            return problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Tài khoản này đã mở quá nhiều bảng số liệu trực tiếp. \
                 Vui lòng đóng bớt các thẻ (tab) hoặc thiết bị đang mở.",
            )
        }
    };
    let desks: HashSet<i64> = match state.store.commune_desks(commune.id).await {
        Ok(desks) => desks.into_iter().map(|(id, _, _)| id).collect(),
        Err(e) => return internal(e),
    };
    let figures = state.live.figures(commune.id, desks, {
        let state = state.clone();
        let commune_id = commune.id;
        move || {
            let state = state.clone();
            async move { figures_json(&state, commune_id).await }
        }
    });
    // Only the session cookie is kept, to check the session again later.
    let mut cookie = HeaderMap::new();
    if let Some(value) = headers.get(header::COOKIE) {
        cookie.insert(header::COOKIE, value.clone());
    }
    let stream = LiveStream {
        state,
        cookie,
        lang: Lang::parse(&query.lang).unwrap_or_default(),
        figures,
        ticket,
        checked: Instant::now(),
        first: true,
        closed: false,
    };
    Sse::new(futures::stream::unfold(stream, |mut stream| async move {
        let event = stream.next_event().await?;
        Some((Ok::<_, Infallible>(event), stream))
    }))
    .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
    .into_response()
}

/// One client's stream: the commune's shared figures, while the session lasts.
struct LiveStream {
    state: AppState,
    cookie: HeaderMap,
    lang: Lang,
    figures: watch::Receiver<Figures>,
    ticket: StreamTicket,
    /// When the session was last found valid in the database.
    checked: Instant,
    first: bool,
    /// The server is shutting down and the retry hint is sent: the stream ends.
    closed: bool,
}

/// How long a browser waits before reconnecting to a stream a shutdown ended: about the time
/// systemd takes to start the server again.
const RETRY_AFTER_SHUTDOWN: Duration = Duration::from_secs(3);

/// The last event of a stream the server's shutdown ends: the browser reconnects after
/// [`RETRY_AFTER_SHUTDOWN`] (to this instance once restarted, or another).
fn shutdown_event() -> Event {
    Event::default()
        .retry(RETRY_AFTER_SHUTDOWN)
        .comment("server restarting")
}

impl LiveStream {
    /// The next figures to send, or `None` when the stream ends.
    async fn next_event(&mut self) -> Option<Event> {
        if self.closed {
            return None;
        }
        if self.state.live.is_closing() {
            self.closed = true;
            return Some(shutdown_event());
        }
        if std::mem::take(&mut self.first) {
            if let Some(figures) = self.figures.borrow_and_update().clone() {
                return Some(figures_event(figures.get(self.lang)));
            }
        }
        loop {
            let recheck_at = self.checked + RECHECK;
            tokio::select! {
                changed = self.figures.changed() => {
                    changed.ok()?;
                    // Every update passes the session checks first: the sign-out signal here,
                    // and the database once the last look is older than RECHECK.
                    if self.ticket.has_ended() || !self.session_still_valid(false).await {
                        return None;
                    }
                    let figures = self.figures.borrow_and_update().clone();
                    if let Some(figures) = figures {
                        return Some(figures_event(figures.get(self.lang)));
                    }
                }
                () = self.ticket.ended() => return None,
                () = self.state.live.closing() => {
                    self.closed = true;
                    return Some(shutdown_event());
                }
                () = tokio::time::sleep_until(recheck_at) => {
                    if !self.session_still_valid(true).await {
                        return None;
                    }
                }
            }
        }
    }

    /// Whether the session still exists, asking the database when `now` or when the last answer
    /// is older than [`RECHECK`]. A database error keeps the stream: it is not the user's doing.
    async fn session_still_valid(&mut self, now: bool) -> bool {
        if !now && self.checked.elapsed() < RECHECK {
            return true;
        }
        match auth::current_user(&self.state, &self.cookie).await {
            Ok(Some(_)) => {
                self.checked = Instant::now();
                true
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!("live stream: session check failed: {e}");
                self.checked = Instant::now();
                true
            }
        }
    }
}

fn figures_event(figures: &str) -> Event {
    Event::default().event("message").data(figures)
}

/// Every figure of a commune's dashboard, written for each language, or `None` (logged) when
/// they cannot be computed just now.
async fn figures_json(state: &AppState, commune_id: i64) -> Option<app::live::FigureTexts> {
    live_figures(state, commune_id)
        .await
        .inspect_err(|e| tracing::warn!("live figures: {e}"))
        .ok()
}

#[derive(Deserialize)]
struct FollowupForm {
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
    StaffForm { me, form, .. }: StaffForm<FollowupForm, CommuneStaff>,
) -> Response {
    let Ok(response) = response.parse::<i64>() else {
        return problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu này.");
    };
    if !FOLLOWUP_STATES.contains(&form.state.as_str()) {
        return problem(StatusCode::BAD_REQUEST, "Trạng thái xử lý không hợp lệ.");
    }
    if let Err(refused) = own_response(&state, &me, response).await {
        return refused;
    }
    let note = match app::domain::followup::parse_note(&form.note) {
        Ok(note) => note,
        Err(message) => {
            // Back to the dashboard with the note as typed and the problem under it.
            let refused = RefusedForm::new(format!("/commune/followups/{response}"))
                .keep("note", &form.note)
                .problem("note", message);
            return super::refuse_form(state, "/commune", headers, refused).await;
        }
    };
    match state
        .store
        .set_followup(response, &form.state, note, me.id, &me.username)
        .await
    {
        Ok(()) => {
            announce_response(&state, response).await;
            // Back to the item just handled, not to the top of a long page.
            Redirect::to(&format!("/commune?ok=followup#y-kien-{response}")).into_response()
        }
        Err(e) => internal(e),
    }
}

/// Whether `response` was given at a desk of a commune `me` may see; another commune's
/// response answers 404, as if it did not exist.
async fn own_response(state: &AppState, me: &Me, response: i64) -> Result<(), Response> {
    let unit = app::assessment::api::my_unit(state, me)
        .await
        .map_err(internal)?;
    match state.store.response_units(response).await {
        Ok(Some((commune, district)))
            if auth::can_see_commune(me.role, unit, commune, district) =>
        {
            Ok(())
        }
        Ok(_) => Err(problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu này.")),
        Err(e) => Err(internal(e)),
    }
}

/// Every open dashboard of the response's commune recomputes its figures (the count of open
/// complaints, or the figures a response left out or counted again changes), as after a new
/// answer at the same desk.
pub(crate) async fn announce_response(state: &AppState, response: i64) {
    match state.store.response_desk(response).await {
        Ok(Some(desk)) => state.live.announce(&state.store, &[desk]).await,
        Ok(None) => {}
        // The change is stored; only the live refresh of other dashboards is lost.
        Err(e) => tracing::warn!("change to response {response} not announced: {e}"),
    }
}

/// A commune leader or officer marks a comment of their own commune as a complaint, which puts
/// it on the follow-up list whatever its rating (`domain::followup`). Only a comment counted in
/// the figures and not already followed up by its rating can be marked; a mark is never taken
/// back, so the list cannot be shortened this way.
async fn mark_complaint(
    State(state): State<AppState>,
    _headers: HeaderMap,
    Path(response): Path<String>,
    StaffForm { me, .. }: StaffForm<MarkForm, CommuneStaff>,
) -> Response {
    let Ok(response) = response.parse::<i64>() else {
        return problem(StatusCode::NOT_FOUND, "Không tìm thấy phiếu này.");
    };
    if let Err(refused) = own_response(&state, &me, response).await {
        return refused;
    }
    match state.store.markable_response(response).await {
        Ok(Some((overall, commented, false)))
            if app::domain::followup::may_mark_complaint(overall, commented) => {}
        Ok(Some((_, _, true))) => {
            return problem(
                StatusCode::CONFLICT,
                "Ý kiến này đã được đánh dấu là phản ánh.",
            )
        }
        Ok(Some((_, false, _))) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Phiếu này không có ý kiến để đánh dấu.",
            )
        }
        Ok(Some(_)) => {
            return problem(
                StatusCode::CONFLICT,
                "Ý kiến này đã nằm trong danh sách cần xử lý theo mức đánh giá.",
            )
        }
        Ok(None) => {
            return problem(
                StatusCode::CONFLICT,
                "Phiếu này không được tính vào kết quả (bị loại hoặc đang chờ duyệt).",
            )
        }
        Err(e) => return internal(e),
    }
    match state
        .store
        .mark_complaint(response, me.id, &me.username)
        .await
    {
        Ok(_) => {
            announce_response(&state, response).await;
            Redirect::to(&format!("/commune?ok=complaint#y-kien-{response}")).into_response()
        }
        Err(e) => internal(e),
    }
}

/// The mark form carries nothing but its CSRF token.
#[derive(Deserialize)]
struct MarkForm {}

#[derive(Deserialize)]
struct DossiersForm {
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
    StaffForm { me, form, .. }: StaffForm<DossiersForm, CommuneStaff>,
) -> Response {
    let handled = form
        .handled
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=100_000).contains(n));
    let day = form.day.trim();
    let day_ok = is_recent_day(day, &app::clock::today());
    let (Some(handled), true) = (handled, day_ok) else {
        let mut refused = RefusedForm::new("/commune/dossiers")
            .keep("desk", form.desk.trim())
            .keep("day", day)
            .keep("handled", &form.handled);
        if handled.is_none() {
            refused = refused.problem("handled", "Số hồ sơ phải là số nguyên từ 0 đến 100000.");
        }
        if !day_ok {
            refused = refused.problem(
                "day",
                "Ngày phải có dạng năm-tháng-ngày và không ở tương lai.",
            );
        }
        return super::refuse_form(state, "/commune", headers, refused).await;
    };
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
    let stored = state
        .store
        .set_desk_dossiers(desk, day, handled, me.id, &me.username)
        .await;
    // A desk's tablets cannot have rated more citizens than it served: ratings beyond the count
    // wait for the province's review.
    let stored = match stored {
        Ok(()) => app::kiosk::service::hold_beyond_dossiers(&state, desk, day, handled)
            .await
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("{e}")),
        Err(e) => Err(e.into()),
    };
    match stored {
        Ok(()) => {
            // The response rates change: open dashboards recompute, and a dashboard opened
            // next starts from the new figures, not the ones its stream kept.
            state.live.announce(&state.store, &[desk]).await;
            Redirect::to("/commune?ok=dossiers").into_response()
        }
        Err(e) => internal(e),
    }
}

/// Whether `day` is a real calendar day written `YYYY-MM-DD`, from 2000-01-01 to `today`.
/// chrono alone also reads signed and zero years (`-2026-12-01`, `0000-01-01`) and unpadded
/// fields, which are no day a desk handled dossiers on.
fn is_recent_day(day: &str, today: &str) -> bool {
    let Ok(date) = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
        return false;
    };
    let first = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    date.format("%Y-%m-%d").to_string() == day
        && date >= first
        && chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d").is_ok_and(|t| date <= t)
}

#[cfg(test)]
mod tests {
    use super::is_recent_day;

    #[test]
    fn only_real_days_from_2000_to_today_are_accepted() {
        let today = "2026-12-02";
        for day in ["2000-01-01", "2024-02-29", "2026-12-02"] {
            assert!(is_recent_day(day, today), "{day}");
        }
        for day in [
            "0000-01-01",
            "-2026-12-01",
            "+2026-12-01",
            "1999-12-31",
            "2026-12-03",
            "2025-02-29",
            "2026-1-5",
            "02026-01-05",
            "2026-12-01 ",
            "",
        ] {
            assert!(!is_recent_day(day, today), "{day}");
        }
    }
}
