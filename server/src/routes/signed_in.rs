//! Who is asking: the signed-in staff member, checked against the roles a route admits and
//! the form's CSRF token, in one place for every staff route.
//!
//! A handler says whom it admits in its signature: `StaffForm<F, ProvinceAdmin>` reads the
//! form `F`, then checks the session, the role and the form's `_csrf` field, and hands over both;
//! `Staff<CommuneStaff>` does the same for a request without a form (a download). A refusal is
//! the extractor's rejection, so the handler body starts with a checked user.

use std::marker::PhantomData;

use app::accounts::auth;
use app::domain::roles::{Me, Role};
use app::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::de::DeserializeOwned;

use super::problem::{internal, problem, unreadable_form};

/// The roles a staff route admits, as a type, so the handler's signature says it.
pub(crate) trait Admits {
    const ROLES: &'static [Role];
}

/// Every signed-in role.
pub(crate) struct AnyStaff;
impl Admits for AnyStaff {
    const ROLES: &'static [Role] = &Role::ALL;
}

/// The province's administrator only.
pub(crate) struct ProvinceAdmin;
impl Admits for ProvinceAdmin {
    const ROLES: &'static [Role] = &[Role::ProvinceAdmin];
}

/// Those who decide on flagged answers: the province admin and a district's reviewer.
pub(crate) struct Reviewers;
impl Admits for Reviewers {
    const ROLES: &'static [Role] = &[
        Role::ProvinceAdmin,
        Role::DistrictReviewer,
        Role::ProvinceReviewer,
    ];
}

/// Those who read the province's reports: the province admin and the province reviewer.
pub(crate) struct ProvinceReaders;
impl Admits for ProvinceReaders {
    const ROLES: &'static [Role] = &[Role::ProvinceAdmin, Role::ProvinceReviewer];
}

/// A commune's own staff: its leader and officers.
pub(crate) struct CommuneStaff;
impl Admits for CommuneStaff {
    const ROLES: &'static [Role] = &[Role::CommuneLeader, Role::CommuneOfficer];
}

/// Those who manage a commune's kiosks: its leader and officers, and the province admin.
pub(crate) struct KioskManagers;
impl Admits for KioskManagers {
    const ROLES: &'static [Role] = &[
        Role::CommuneLeader,
        Role::CommuneOfficer,
        Role::ProvinceAdmin,
    ];
}

/// A staff member's form post: the form as read, sent by `me`, whose role `R` admits and whose
/// session issued the form's CSRF token.
pub(crate) struct StaffForm<F, R> {
    pub me: Me,
    pub form: F,
    roles: PhantomData<R>,
}

impl<F, R> FromRequest<AppState> for StaffForm<F, R>
where
    F: DeserializeOwned + Send,
    R: Admits,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let headers = parts.headers.clone();
        // The body is read once (within the route's size limit) and parsed twice: as the
        // handler's form, and for the token every staff form carries.
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(too_large_or_unreadable)?;
        let csrf = form_urlencoded::parse(&bytes)
            .find(|(name, _)| name == "_csrf")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        let Form(form) =
            Form::<F>::from_request(Request::from_parts(parts, Body::from(bytes)), state)
                .await
                .map_err(unreadable_form)?;
        let me = authorize(state, &headers, R::ROLES, Some(&csrf)).await?;
        Ok(StaffForm {
            me,
            form,
            roles: PhantomData,
        })
    }
}

/// A signed-in staff member whose role `R` admits, for a request without a form.
pub(crate) struct Staff<R> {
    pub me: Me,
    roles: PhantomData<R>,
}

impl<R: Admits> FromRequestParts<AppState> for Staff<R> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let me = authorize(state, &parts.headers, R::ROLES, None).await?;
        Ok(Staff {
            me,
            roles: PhantomData,
        })
    }
}

fn too_large_or_unreadable(rejection: BytesRejection) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Biểu mẫu quá lớn: không có ô nào của biểu mẫu này cần dài như vậy.",
        )
    } else {
        problem(StatusCode::BAD_REQUEST, "Biểu mẫu không hợp lệ.")
    }
}

/// The signed-in user if their role is one of `roles` and, when given, the form's CSRF token is
/// theirs.
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
