//! Signing in with the province's own accounts (OpenID Connect, issue 35): `/login/oidc` sends
//! the browser to the provider, `/login/oidc/callback` takes it back; and the admin's forms of
//! `/admin/sso` (claim mappings, e-mail links, break-glass accounts, "require single sign-on").
//!
//! A sign-in begun here is a row (`sso_flows`) keyed by the hash of its `state`, tied to the
//! browser by the `hl_sso` cookie (HttpOnly, SameSite=Lax, sent back on the provider's top-level
//! redirect), holding the nonce, the PKCE verifier and where to land. The callback takes the row
//! away whatever happens, so a state is good once; a state that is unknown, used, expired or
//! another browser's, an `iss` of another provider, a code the provider refuses and an ID token
//! that fails a check are all refused with nothing created, and audited. Starting sign-ins is
//! limited per client address, so nobody fills the table.

use std::num::NonZeroU32;
use std::sync::Arc;

use app::abuse::client_key;
use app::accounts::auth;
use app::accounts::login::{LoginProblem, SsoProblem};
use app::accounts::sso::{self, FLOW_LIFETIME_MS, SSO_COOKIE};
use app::state::AppState;
use app::store::sso::FlowRow;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use leptos::prelude::provide_context;
use serde::Deserialize;

use super::problem::{internal, problem};
use super::signed_in::{ProvinceAdmin, StaffForm};
use crate::oidc::{Failure, Provider};
use crate::routes::survey_form::MAX_FORM_BYTES;

/// Sign-ins one client address may begin in a minute (and at once): far more than the staff
/// behind one office address start, far fewer than a script filling `sso_flows`.
const BEGUN_PER_MINUTE: u32 = 30;

/// The provider of this process (none when single sign-on is not configured) and the limit on
/// sign-ins begun.
#[derive(Clone)]
pub struct Sso {
    provider: Option<Arc<Provider>>,
    begun: Arc<DefaultKeyedRateLimiter<String>>,
}

pub fn router(state: &AppState) -> Router<AppState> {
    let provider = state.settings.oidc.clone().and_then(|settings| {
        Provider::new(settings, &state.settings.public_url)
            .inspect_err(|e| tracing::error!("single sign-on is off: {e}"))
            .ok()
            .map(Arc::new)
    });
    let per_minute = NonZeroU32::new(BEGUN_PER_MINUTE).expect("non-zero");
    let sso = Sso {
        provider,
        begun: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
    };
    Router::new()
        .route("/login/oidc", get(begin))
        .route("/login/oidc/callback", get(callback))
        .route("/admin/sso/mappings", post(add_mapping))
        .route("/admin/sso/mappings/{id}/remove", post(remove_mapping))
        .route("/admin/sso/email-links", post(set_email_link))
        .route(
            "/admin/sso/email-links/{user}/remove",
            post(remove_email_link),
        )
        .route("/admin/sso/require", post(set_required))
        .route("/admin/sso/break-glass/{user}", post(set_break_glass))
        .layer(Extension(sso))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
}

#[derive(Deserialize)]
struct BeginQuery {
    /// Where to land after signing in: a path of this site, else the role's own page.
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

/// `GET /login/oidc`: sends the browser to the provider.
async fn begin(
    State(state): State<AppState>,
    Extension(sso): Extension<Sso>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<BeginQuery>, QueryRejection>,
) -> Response {
    let query = query.map(|Query(q)| q).unwrap_or(BeginQuery {
        next: None,
        lang: None,
    });
    let en = query.lang.as_deref() == Some("en");
    let Some(provider) = &sso.provider else {
        return sign_in_page(&state, headers, en, SsoProblem::NotConfigured).await;
    };
    let client = state.client_info(Some(peer), &headers);
    if sso.begun.check_key(&client_key(client.ip)).is_err() {
        let mut response = sign_in_page(&state, headers, en, SsoProblem::Busy).await;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
        return response;
    }
    let begun = match provider.begin().await {
        Ok(begun) => begun,
        Err(failure) => return failed(&state, headers, en, &client, failure).await,
    };
    let browser = auth::new_token();
    let next = query
        .next
        .as_deref()
        .and_then(sso::local_path)
        .unwrap_or_default()
        .to_string();
    let flow = FlowRow {
        browser_hash: browser_hash(&browser),
        nonce: begun.nonce,
        pkce_verifier: begun.pkce_verifier,
        next_path: next,
        expires_at: app::clock::now_ms() + FLOW_LIFETIME_MS,
    };
    if let Err(e) = state
        .store
        .create_sso_flow(&state_hash(&begun.state), &flow)
        .await
    {
        return internal(e);
    }
    let mut response = Redirect::to(&begun.url).into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::site_cookie(
            SSO_COOKIE,
            &browser,
            FLOW_LIFETIME_MS / 1000,
            state.settings.secure_cookies(),
        ),
    );
    response
}

#[derive(Deserialize)]
struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
    /// The issuer of the answer (RFC 9207), when the provider names it: a mix-up of providers
    /// is refused.
    #[serde(default)]
    iss: Option<String>,
}

/// `GET /login/oidc/callback`: the provider's answer; signs the person in or says why not.
async fn callback(
    State(state): State<AppState>,
    Extension(sso): Extension<Sso>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    let client = state.client_info(Some(peer), &headers);
    let mut response = match sign_in_from_callback(&state, &sso, &headers, query).await {
        Ok(response) => response,
        Err(Refused {
            problem,
            person,
            why,
        }) => {
            let action = match problem {
                SsoProblem::Invalid | SsoProblem::Cancelled => "sso_failed",
                SsoProblem::Unreachable => "sso_provider_unreachable",
                _ => "sso_refused",
            };
            let kind = sso::kind_of(why.as_deref().unwrap_or(sso::reason(problem))).to_string();
            let reason = match &why {
                Some(why) => format!("{}: {why}", sso::reason(problem)),
                None => sso::reason(problem).to_string(),
            };
            tracing::warn!(%reason, "single sign-on refused");
            if let Err(e) = sso::audit_refusal(
                &state,
                action,
                person.as_deref(),
                &kind,
                &truncated(&reason),
                &client,
            )
            .await
            {
                return internal(e);
            }
            sign_in_page(&state, headers, false, problem).await
        }
    };
    // The sign-in is over either way: the cookie that tied it to this browser goes.
    response.headers_mut().append(
        header::SET_COOKIE,
        auth::site_cookie(SSO_COOKIE, "", 0, state.settings.secure_cookies()),
    );
    response
}

/// A sign-in that did not let the person in: what the page says, who it was (when the ID token
/// said), and what went wrong for the audit log.
struct Refused {
    problem: SsoProblem,
    person: Option<String>,
    why: Option<String>,
}

fn refused(problem: SsoProblem, why: impl Into<String>) -> Refused {
    Refused {
        problem,
        person: None,
        why: Some(why.into()),
    }
}

async fn sign_in_from_callback(
    state: &AppState,
    sso: &Sso,
    headers: &HeaderMap,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Result<Response, Refused> {
    let Some(provider) = &sso.provider else {
        return Err(Refused {
            problem: SsoProblem::NotConfigured,
            person: None,
            why: None,
        });
    };
    let Ok(Query(query)) = query else {
        return Err(refused(
            SsoProblem::Invalid,
            "địa chỉ trả về không đọc được",
        ));
    };
    let Some(state_param) = query.state.filter(|s| !s.is_empty() && s.len() <= 512) else {
        return Err(refused(SsoProblem::Invalid, "thiếu state"));
    };
    let flow = state
        .store
        .take_sso_flow(&state_hash(&state_param))
        .await
        .map_err(|e| refused(SsoProblem::Unreachable, format!("store: {e}")))?
        .ok_or_else(|| {
            refused(
                SsoProblem::Invalid,
                "state không do Hài Lòng cấp, đã được dùng hoặc bị giả mạo",
            )
        })?;
    let browser = auth::cookie(headers, SSO_COOKIE).unwrap_or_default();
    if browser.is_empty() || !auth::same_token(&browser_hash(browser), &flow.browser_hash) {
        return Err(refused(
            SsoProblem::Invalid,
            "state của một trình duyệt khác",
        ));
    }
    if flow.expires_at < app::clock::now_ms() {
        return Err(refused(
            SsoProblem::Invalid,
            "lượt đăng nhập bắt đầu quá 10 phút trước",
        ));
    }
    if let Some(error) = query.error {
        return Err(refused(
            SsoProblem::Cancelled,
            format!("hệ thống xác thực trả lỗi: {error}"),
        ));
    }
    if let Some(iss) = query.iss {
        if iss != provider.issuer() {
            return Err(refused(
                SsoProblem::Invalid,
                format!("phản hồi của nơi phát hành khác ({iss})"),
            ));
        }
    }
    let Some(code) = query.code.filter(|c| !c.is_empty() && c.len() <= 2048) else {
        return Err(refused(SsoProblem::Invalid, "thiếu mã (code)"));
    };
    let (person, logout) = provider
        .finish(&code, &flow.nonce, &flow.pkce_verifier)
        .await
        .map_err(|failure| match failure {
            Failure::Unreachable(why) => refused(SsoProblem::Unreachable, why),
            Failure::Invalid(why) => refused(SsoProblem::Invalid, why),
        })?;
    let who = person
        .preferred_username
        .clone()
        .or(person.email.clone())
        .unwrap_or_else(|| person.subject.clone());
    let user = match sso::admit(state, &person).await {
        Ok(Ok(user)) => user,
        Ok(Err(problem)) => {
            return Err(Refused {
                problem,
                person: Some(truncated(&who)),
                why: None,
            })
        }
        Err(e) => return Ok(internal(e)),
    };
    let (me, cookie) =
        match auth::open_session(state, &user, logout.as_deref(), "bằng tài khoản của tỉnh").await
        {
            Ok(opened) => opened,
            Err(e) => return Ok(internal(e)),
        };
    let landing = sso::local_path(&flow.next_path).unwrap_or(me.role.home());
    let mut response = Redirect::to(landing).into_response();
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// The sign-in page with what went wrong (it sets the status), the local form still there.
async fn sign_in_page(
    state: &AppState,
    headers: HeaderMap,
    en: bool,
    sso_problem: SsoProblem,
) -> Response {
    let uri = if en {
        Uri::from_static("/login?lang=en")
    } else {
        Uri::from_static("/login")
    };
    super::render_page_as_get(state.clone(), uri, headers, move || {
        provide_context(LoginProblem::Sso(sso_problem))
    })
    .await
}

/// The sign-in page for a provider that failed before any sign-in was begun, audited.
async fn failed(
    state: &AppState,
    headers: HeaderMap,
    en: bool,
    client: &app::abuse::ClientInfo,
    failure: Failure,
) -> Response {
    let (problem, action, why) = match failure {
        Failure::Unreachable(why) => (SsoProblem::Unreachable, "sso_provider_unreachable", why),
        Failure::Invalid(why) => (SsoProblem::Invalid, "sso_failed", why),
    };
    tracing::warn!(reason = %why, "single sign-on could not begin");
    let kind = sso::kind_of(&why).to_string();
    let reason = truncated(&format!("{}: {why}", sso::reason(problem)));
    if let Err(e) = sso::audit_refusal(state, action, None, &kind, &reason, client).await {
        return internal(e);
    }
    sign_in_page(state, headers, en, problem).await
}

fn state_hash(state: &str) -> String {
    app::abuse::salted_hash("sso-state", state)
}

fn browser_hash(browser: &str) -> String {
    app::abuse::salted_hash("sso-browser", browser)
}

/// At most 300 characters of what a provider or a forger wrote, for the audit log.
fn truncated(text: &str) -> String {
    text.chars().take(300).collect()
}

/// The page a sign-out through the provider ends on: this session is over, and the browser goes
/// on to the provider to end its session there. A refresh, not a redirect: the sign-out is a form
/// post, and the page's `form-action 'self'` forbids a form's redirect to another site.
pub(crate) fn provider_logout_page(state: &AppState, url: &str) -> Response {
    let url = escape(url);
    let body = format!(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"0;url={url}\">\
         <title>Đã đăng xuất — Hài Lòng</title><link rel=\"stylesheet\" href=\"{}\"></head>\
         <body><main class=\"page narrow\"><h1>Đã đăng xuất khỏi Hài Lòng</h1>\
         <p>Đang chuyển đến hệ thống xác thực của tỉnh để đăng xuất cả ở đó…</p>\
         <p><a id=\"provider-logout\" href=\"{url}\">Đăng xuất khỏi hệ thống xác thực của tỉnh</a>\
          · <a href=\"/login\">Đăng nhập lại</a></p></main></body></html>",
        state.assets.url("hailong.css"),
    );
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[derive(Deserialize)]
struct MappingForm {
    #[serde(default)]
    claim: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    unit_claim: String,
}

async fn add_mapping(
    State(state): State<AppState>,
    headers: HeaderMap,
    StaffForm { me, form, .. }: StaffForm<MappingForm, ProvinceAdmin>,
) -> Response {
    let new = sso::NewMapping {
        claim: &form.claim,
        value: &form.value,
        role: &form.role,
        unit: &form.unit,
        unit_claim: &form.unit_claim,
    };
    match sso::add_mapping(&state, (Some(me.id), &me.username), &new).await {
        Ok(Ok(_)) => Redirect::to("/admin/sso?ok=mapping").into_response(),
        Ok(Err(problems)) => {
            let mut refused = app::forms::RefusedForm::new("/admin/sso/mappings");
            for (field, value) in [
                ("claim", &form.claim),
                ("value", &form.value),
                ("role", &form.role),
                ("unit", &form.unit),
                ("unit_claim", &form.unit_claim),
            ] {
                refused = refused.keep(field, value);
            }
            for (field, message) in problems {
                refused = refused.problem(&field, message);
            }
            super::refuse_form(state, "/admin/sso", headers, refused).await
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct TokenOnly {}

async fn remove_mapping(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm { me, .. }: StaffForm<TokenOnly, ProvinceAdmin>,
) -> Response {
    match sso::remove_mapping(&state, (Some(me.id), &me.username), id).await {
        Ok(true) => Redirect::to("/admin/sso?ok=removed").into_response(),
        Ok(false) => problem(
            StatusCode::NOT_FOUND,
            "Không tìm thấy ánh xạ này: có thể nó đã được xoá.",
        ),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct EmailLinkForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
}

async fn set_email_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    StaffForm { me, form, .. }: StaffForm<EmailLinkForm, ProvinceAdmin>,
) -> Response {
    match sso::set_email_link(
        &state,
        (Some(me.id), &me.username),
        &form.username,
        &form.email,
    )
    .await
    {
        Ok(Ok(())) => Redirect::to("/admin/sso?ok=link").into_response(),
        Ok(Err(problems)) => {
            let mut refused = app::forms::RefusedForm::new("/admin/sso/email-links")
                .keep("username", &form.username)
                .keep("email", &form.email);
            for (field, message) in problems {
                refused = refused.problem(&field, message);
            }
            super::refuse_form(state, "/admin/sso", headers, refused).await
        }
        Err(e) => internal(e),
    }
}

async fn remove_email_link(
    State(state): State<AppState>,
    Path(user): Path<i64>,
    StaffForm { me, .. }: StaffForm<TokenOnly, ProvinceAdmin>,
) -> Response {
    match sso::remove_email_link(&state, (Some(me.id), &me.username), user).await {
        Ok(true) => Redirect::to("/admin/sso?ok=unlinked").into_response(),
        Ok(false) => problem(
            StatusCode::NOT_FOUND,
            "Không tìm thấy liên kết này: có thể nó đã được dùng hoặc huỷ.",
        ),
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
struct SwitchForm {
    /// `on` or `off`.
    #[serde(default)]
    set: String,
}

impl SwitchForm {
    fn on(&self) -> Option<bool> {
        match self.set.as_str() {
            "on" => Some(true),
            "off" => Some(false),
            _ => None,
        }
    }
}

async fn set_required(
    State(state): State<AppState>,
    StaffForm { me, form, .. }: StaffForm<SwitchForm, ProvinceAdmin>,
) -> Response {
    let Some(on) = form.on() else {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "Lựa chọn không hợp lệ.");
    };
    match sso::set_required(&state, (Some(me.id), &me.username), on).await {
        Ok(Ok(())) => Redirect::to("/admin/sso?ok=required").into_response(),
        Ok(Err(message)) => problem(StatusCode::CONFLICT, &message),
        Err(e) => internal(e),
    }
}

async fn set_break_glass(
    State(state): State<AppState>,
    Path(user): Path<i64>,
    StaffForm { me, form, .. }: StaffForm<SwitchForm, ProvinceAdmin>,
) -> Response {
    let Some(on) = form.on() else {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "Lựa chọn không hợp lệ.");
    };
    match sso::set_break_glass(&state, (Some(me.id), &me.username), user, on).await {
        Ok(Ok(())) => Redirect::to("/admin/sso?ok=break-glass").into_response(),
        Ok(Err(message)) => problem(StatusCode::CONFLICT, &message),
        Err(e) => internal(e),
    }
}
