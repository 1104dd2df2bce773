//! The one way a route refuses: a status and a Vietnamese message, rendered as a page with a
//! way back by [`problem_pages`] (staff pages are in Vietnamese), and server failures logged.

use app::assets::Assets;
use app::state::AppState;
use axum::body::Body;
use axum::extract::rejection::FormRejection;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The refusal of a form that could not be read: too big (413) or malformed (400).
pub(crate) fn unreadable_form(rejection: FormRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Biểu mẫu quá lớn: không có ô nào của biểu mẫu này cần dài như vậy.",
        )
    } else {
        problem(StatusCode::BAD_REQUEST, "Biểu mẫu không hợp lệ.")
    }
}

/// A refused staff form, waiting for [`problem_pages`] to render it: the page links the hashed
/// stylesheet, whose name lives in the state that the many callers of [`problem`] do not have.
#[derive(Clone, Debug)]
struct Problem(String);

/// A plain error page for staff forms (their pages are in Vietnamese).
pub(crate) fn problem(status: StatusCode, message: &str) -> Response {
    let mut response =
        (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")]).into_response();
    response
        .extensions_mut()
        .insert(Problem(message.to_string()));
    response
}

/// Writes the page of every [`problem`] response passing through.
pub async fn problem_pages(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let back = back_link(request.headers());
    let cookie = request.headers().get(header::COOKIE).cloned();
    let mut response = next.run(request).await;
    if let Some(Problem(message)) = response.extensions_mut().remove::<Problem>() {
        let mut headers = HeaderMap::new();
        if let Some(cookie) = cookie {
            headers.insert(header::COOKIE, cookie);
        }
        // The bar is a courtesy: a session that cannot be read leaves the anonymous one.
        let me = app::accounts::auth::current_user(&state, &headers)
            .await
            .ok()
            .flatten();
        *response.body_mut() = Body::from(problem_html(
            &state.assets,
            &message,
            &back,
            nav_html(me.as_ref()),
        ));
    }
    response
}

/// The navigation bar of the page, as `app::components::AccountBar` writes it for a signed-in
/// user (their pages and signing out), else the home page and signing in.
pub(crate) fn nav_html(me: Option<&app::domain::roles::Me>) -> String {
    let Some(me) = me else {
        return "<nav class=\"account-bar\"><a class=\"who\" href=\"/\">Hài Lòng</a>\
                <a href=\"/login\">Cán bộ đăng nhập</a></nav>"
            .into();
    };
    let mut who = format!(
        "{} · {}",
        me.display_name,
        me.role.label(app::i18n::Lang::Vi)
    );
    if let Some(unit) = &me.unit_name {
        who.push_str(&format!(" · {unit}"));
    }
    let links: String = app::components::role_pages(me.role)
        .iter()
        .map(|(href, label)| format!("<a href=\"{href}\">{label}</a>"))
        .collect();
    format!(
        "<nav class=\"account-bar\"><span class=\"who\">{}</span>{links}\
         <form method=\"post\" action=\"/logout\" class=\"inline\">\
         <input type=\"hidden\" name=\"_csrf\" value=\"{}\">\
         <button type=\"submit\" class=\"link-button\">Đăng xuất</button></form></nav>",
        escape(&who),
        escape(&me.csrf)
    )
}

/// Where "Quay lại" leads: the page the form was on (browsers send the Referer to this site
/// only, per our Referrer-Policy), else the home page. A plain link, since the policy lets no
/// inline script run (a `javascript:` link included).
fn back_link(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok())
        .map(|url| match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        })
        .unwrap_or_else(|| "/".into())
}

fn problem_html(assets: &Assets, message: &str, back: &str, nav: String) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Không thực hiện được — Hài Lòng</title><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body>{nav}<main class=\"page narrow\"><p class=\"form-error\" role=\"alert\">{}</p>\
         <p><a href=\"{}\">Quay lại</a> · <a href=\"/\">Về trang chủ</a></p>\
         </main></body></html>",
        assets.url("hailong.css"),
        escape(message),
        escape(back)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!("route: {e}");
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Đã có lỗi. Vui lòng thử lại.",
    )
}
