//! The survey form posted without JavaScript: `POST /q/{code}`; and the citizen's choice of
//! large type for the desk's pages: `GET /q/{code}/text?size=large|normal[&lang=en]`.
//!
//! Success answers 303 → the thank-you page (so reloading it does not post again). A rejected
//! form renders the survey page again with status 422, each error beside its question and every
//! answer kept; it goes through the same Leptos page as a GET, so both look the same.

use app::components::escape_text;
use app::i18n::{fill, ui, with_lang, Lang};
use app::state::AppState;
use app::survey::model::{Prefill, SubmitOutcome, LANG_FIELD};
use app::survey::submit;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Form, OriginalUri, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::provide_context;

/// A survey of ten questions with a 1000-character comment is far below this; anything bigger is
/// not a citizen's answer.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/q/{code}",
            post(post_survey).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/q/{code}/text", get(text_size))
}

#[derive(serde::Deserialize)]
struct TextSize {
    #[serde(default)]
    size: String,
    #[serde(default)]
    lang: String,
}

/// Sets or clears large type (a cookie the citizen pages read, `components::large_type`) and
/// goes back to the desk's survey. The desk code only ever goes back into the path when it is
/// letters, digits and dashes, so the redirect cannot be pointed elsewhere.
async fn text_size(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<TextSize>,
) -> Response {
    use app::components::LARGE_TYPE_COOKIE;
    let plain = !code.is_empty()
        && code.len() <= 64
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let large = match q.size.as_str() {
        "large" => true,
        "normal" => false,
        _ => return (StatusCode::BAD_REQUEST, "size=large hoặc size=normal").into_response(),
    };
    if !plain {
        return (StatusCode::NOT_FOUND, "Không tìm thấy quầy này.").into_response();
    }
    let secure = if state.settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = if large {
        format!("{LARGE_TYPE_COOKIE}=large; Path=/; Max-Age=31536000; SameSite=Lax{secure}")
    } else {
        format!("{LARGE_TYPE_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax{secure}")
    };
    let lang = Lang::parse(&q.lang).unwrap_or_default();
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&with_lang(&format!("/q/{code}"), lang)),
    )
        .into_response()
}

async fn post_survey(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(code): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let lang = fields
        .iter()
        .find(|(name, _)| name == LANG_FIELD)
        .and_then(|(_, v)| Lang::parse(v))
        .unwrap_or_default();
    let client = state.client_info(Some(peer), &headers);
    let prefill = match submit::submit(&state, &code, &fields, &client).await {
        Ok(SubmitOutcome::Stored { .. }) => {
            return Redirect::to(&with_lang(&format!("/q/{code}/thanks"), lang)).into_response()
        }
        // Not an error: the citizen already answered; thank them and say so.
        Ok(SubmitOutcome::AlreadyRated) => {
            let url = with_lang(&format!("/q/{code}/thanks"), lang);
            let sep = if url.contains('?') { '&' } else { '?' };
            return Redirect::to(&format!("{url}{sep}already=1")).into_response();
        }
        Ok(SubmitOutcome::RateLimited { retry_after_secs }) => {
            return too_many_requests(lang, retry_after_secs)
        }
        Ok(SubmitOutcome::Invalid { errors }) => Prefill {
            values: fields,
            errors,
            ..Prefill::default()
        },
        // Answers meant for another version of the survey: shown again on the current form (409).
        Ok(SubmitOutcome::OtherVersion) => Prefill {
            values: fields,
            other_version: true,
            ..Prefill::default()
        },
        Ok(SubmitOutcome::FormExpired) => Prefill {
            values: fields,
            expired: true,
            ..Prefill::default()
        },
        // Nothing was stored: the page says so with status 503 and keeps every answer, so the
        // citizen can send the same form again (its key makes a later success count once).
        // Drawing the survey needs its desk, which this process may never have read while the
        // database is away: then a plain page keeps the answers instead.
        Ok(SubmitOutcome::Unavailable) | Err(_) if state.store.cached_desk(&code).is_none() => {
            return not_stored_page(lang, &uri, &fields)
        }
        Ok(SubmitOutcome::Unavailable) | Err(_) => Prefill {
            values: fields,
            unavailable: true,
            ..Prefill::default()
        },
        // The page itself explains an unknown or retired desk, with the right status.
        Ok(SubmitOutcome::DeskNotFound | SubmitOutcome::DeskRetired) => Prefill::default(),
    };
    let mut response = super::render_page_as_get(state, uri, headers, move || {
        provide_context(prefill.clone())
    })
    .await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from(RETRY_AFTER_SECS),
        );
    }
    response
}

/// When a refused answer may be sent again: a PostgreSQL restart takes a few seconds.
const RETRY_AFTER_SECS: u64 = 10;

/// 503 for an answer not stored at a desk this process cannot draw without the database: the
/// message in the citizen's language and every posted field kept in a form that sends them
/// again, as they were, to the same address.
fn not_stored_page(lang: Lang, uri: &axum::http::Uri, fields: &[(String, String)]) -> Response {
    let t = ui(lang);
    let action = escape_text(&uri.to_string());
    let kept: String = fields
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape_text(name),
                escape_text(value)
            )
        })
        .collect();
    let html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Hài Lòng</title></head><body><main><p role=\"alert\">{}</p>\
         <form method=\"post\" action=\"{action}\">{kept}<button type=\"submit\">{}</button>\
         </form></main></body></html>",
        lang.code(),
        escape_text(t.not_stored),
        escape_text(t.submit),
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::RETRY_AFTER, RETRY_AFTER_SECS.to_string()),
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
        ],
        html,
    )
        .into_response()
}

/// 429 with Retry-After and a short page in the citizen's language.
fn too_many_requests(lang: Lang, retry_after_secs: u64) -> Response {
    let text = escape_text(&fill(
        ui(lang).rate_limited_wait,
        &[("seconds", &retry_after_secs.to_string())],
    ));
    let html = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Hài Lòng</title></head><body><main><p>{text}</p></main></body></html>",
        lang.code()
    );
    (
        StatusCode::TOO_MANY_REQUESTS,
        [
            (
                axum::http::header::RETRY_AFTER,
                retry_after_secs.to_string(),
            ),
            (
                axum::http::header::CONTENT_TYPE,
                "text/html; charset=utf-8".to_string(),
            ),
        ],
        html,
    )
        .into_response()
}
