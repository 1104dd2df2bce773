//! Who is asking: the signed-in staff member, checked against the roles a route admits and
//! the form's CSRF token, in one place for every staff route.

use app::accounts::auth;
use app::domain::roles::{Me, Role};
use app::state::AppState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::problem::{internal, problem};

/// The signed-in user if their role is one of `roles` and the form's CSRF token is theirs.
pub(crate) async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    roles: &[Role],
    csrf: Option<&str>,
) -> Result<Me, Response> {
    let me = auth::current_user(state, headers)
        .await
        .map_err(internal)?
        .ok_or_else(|| problem(StatusCode::UNAUTHORIZED, "Vui lòng đăng nhập."))?;
    if !roles.contains(&me.role) {
        return Err(problem(
            StatusCode::FORBIDDEN,
            "Tài khoản của ông/bà không được làm việc này.",
        ));
    }
    if let Some(csrf) = csrf {
        if !auth::same_token(csrf, &me.csrf) {
            return Err(problem(
                StatusCode::FORBIDDEN,
                "Biểu mẫu đã hết hạn. Vui lòng tải lại trang và thử lại.",
            ));
        }
    }
    Ok(me)
}
