//! Sign-in page. The form posts to `/login` (handled outside Leptos, so it works without
//! JavaScript and can set the session cookie); a failed attempt renders this page again with 401.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::accounts::api::get_login_page;
use crate::components::{set_status, DocumentLang, LangSwitch, ServerFailure};
use crate::i18n::{use_lang, Lang};

/// Why the previous attempt failed, provided by the POST handler when it renders the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginProblem {
    Invalid,
    /// Too many failures; the next attempt is possible after this many seconds.
    Locked {
        retry_after_secs: u64,
    },
    /// The server is checking too many passwords at once.
    Busy,
    /// A user name or password longer than anyone's.
    TooLong,
    Expired,
    /// The password is right, but the province requires its own accounts of this one.
    SsoRequired,
    /// A sign-in through the province's identity service that did not succeed.
    Sso(SsoProblem),
}

/// Why a sign-in through the province's identity service did not let the person in
/// (`accounts::sso`, `server/src/routes/oidc.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SsoProblem {
    /// No account is linked to the person and no mapping gives their claims a role.
    NothingMaps,
    /// Mappings give the claims different roles or units.
    Ambiguous,
    /// The mapped unit is not in force.
    UnitUnknown,
    /// The account is switched off.
    Inactive,
    /// The account waits for the person's e-mail address, which the provider has not verified.
    UnverifiedEmail,
    /// The account was made from claims that no longer map.
    NoLongerMapped,
    /// The provider could not be reached, or answered with an error.
    Unreachable,
    /// The callback or the ID token failed a check (state, nonce, signature, audience, issuer,
    /// expiry): a forgery, a replay, or a sign-in that took too long.
    Invalid,
    /// The provider signed nobody in (the person cancelled, or it refused).
    Cancelled,
    /// No provider is configured.
    NotConfigured,
    /// Too many sign-ins begun from this address.
    Busy,
}

impl SsoProblem {
    /// The HTTP status of the sign-in page showing it.
    pub fn status(self) -> u16 {
        match self {
            SsoProblem::Unreachable => 503,
            SsoProblem::Invalid => 400,
            SsoProblem::Cancelled => 401,
            SsoProblem::NotConfigured => 404,
            SsoProblem::Busy => 429,
            _ => 403,
        }
    }

    /// What the sign-in page says.
    pub fn message(self, en: bool) -> &'static str {
        match (self, en) {
            (SsoProblem::NothingMaps, false) => "Tài khoản của tỉnh của ông/bà chưa được cấp quyền trong Hài Lòng. Vui lòng liên hệ quản trị cấp tỉnh để được cấp vai trò và đơn vị.",
            (SsoProblem::NothingMaps, true) => "Your province account has no role in Hài Lòng yet. Please ask the province administrator for a role and a unit.",
            (SsoProblem::Ambiguous, false) => "Tài khoản của tỉnh của ông/bà ứng với nhiều vai trò hoặc đơn vị khác nhau, nên chưa đăng nhập được. Vui lòng báo quản trị cấp tỉnh kiểm tra ánh xạ.",
            (SsoProblem::Ambiguous, true) => "Your province account matches several different roles or units, so you cannot sign in yet. Please ask the province administrator to check the mappings.",
            (SsoProblem::UnitUnknown, false) => "Đơn vị ghi trong tài khoản của tỉnh của ông/bà không phải là đơn vị đang hoạt động. Vui lòng báo quản trị cấp tỉnh.",
            (SsoProblem::UnitUnknown, true) => "The unit in your province account is not a unit in force. Please tell the province administrator.",
            (SsoProblem::Inactive, false) => "Tài khoản Hài Lòng của ông/bà đã bị khoá.",
            (SsoProblem::Inactive, true) => "Your Hài Lòng account is disabled.",
            (SsoProblem::UnverifiedEmail, false) => "Địa chỉ thư điện tử của ông/bà chưa được hệ thống xác thực của tỉnh xác minh, nên chưa liên kết được với tài khoản Hài Lòng. Vui lòng xác minh địa chỉ rồi thử lại.",
            (SsoProblem::UnverifiedEmail, true) => "The province's identity service has not verified your e-mail address, so it cannot be linked to your Hài Lòng account. Please verify the address and try again.",
            (SsoProblem::NoLongerMapped, false) => "Tài khoản của tỉnh của ông/bà không còn được cấp vai trò nào trong Hài Lòng. Vui lòng liên hệ quản trị cấp tỉnh.",
            (SsoProblem::NoLongerMapped, true) => "Your province account no longer has a role in Hài Lòng. Please ask the province administrator.",
            (SsoProblem::Unreachable, false) => "Hiện không kết nối được hệ thống xác thực của tỉnh. Vui lòng thử lại sau ít phút; tài khoản Hài Lòng (tên đăng nhập và mật khẩu) vẫn đăng nhập được.",
            (SsoProblem::Unreachable, true) => "The province's identity service cannot be reached now. Please try again in a few minutes; Hài Lòng accounts (user name and password) still work.",
            (SsoProblem::Invalid, false) => "Phản hồi từ hệ thống xác thực của tỉnh không hợp lệ, đã được dùng hoặc đã quá hạn, nên ông/bà chưa được đăng nhập. Vui lòng bấm “Đăng nhập bằng tài khoản của tỉnh” để thử lại.",
            (SsoProblem::Invalid, true) => "The answer of the province's identity service was invalid, already used or too late, so you are not signed in. Please use “Sign in with your province account” again.",
            (SsoProblem::Cancelled, false) => "Hệ thống xác thực của tỉnh chưa đăng nhập cho ông/bà (đã huỷ hoặc bị từ chối). Vui lòng thử lại.",
            (SsoProblem::Cancelled, true) => "The province's identity service did not sign you in (cancelled or refused). Please try again.",
            (SsoProblem::NotConfigured, false) => "Hài Lòng chưa được kết nối với hệ thống xác thực của tỉnh. Vui lòng đăng nhập bằng tài khoản Hài Lòng.",
            (SsoProblem::NotConfigured, true) => "Hài Lòng is not connected to the province's identity service. Please sign in with your Hài Lòng account.",
            (SsoProblem::Busy, false) => "Có quá nhiều lượt đăng nhập từ mạng này. Vui lòng thử lại sau ít phút.",
            (SsoProblem::Busy, true) => "Too many sign-ins from this network. Please try again in a few minutes.",
        }
    }
}

/// "in 40 seconds" / "in 3 minutes", rounded up to the unit shown.
fn wait_text(secs: u64, en: bool) -> String {
    match (secs, en) {
        (0..=90, false) => format!("{secs} giây"),
        (0..=90, true) => format!("{secs} seconds"),
        (_, false) => format!("{} phút", secs.div_ceil(60)),
        (_, true) => format!("{} minutes", secs.div_ceil(60)),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let problem = use_context::<LoginProblem>();
    let page = Resource::new(|| (), |_| get_login_page());
    view! {
        <DocumentLang lang />
        <Suspense>
            {move || Suspend::new(async move {
                let lang = lang.get();
                match page.await {
                    Ok(data) => {
                        view! { <LoginForm csrf=data.csrf sso=data.sso lang problem /> }.into_any()
                    }
                    Err(_) => view! { <ServerFailure lang /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LoginForm(csrf: String, sso: bool, lang: Lang, problem: Option<LoginProblem>) -> impl IntoView {
    match problem {
        None => {}
        Some(LoginProblem::Busy) => set_status(429),
        Some(LoginProblem::TooLong) => set_status(422),
        Some(LoginProblem::SsoRequired) => set_status(403),
        Some(LoginProblem::Sso(sso)) => set_status(sso.status()),
        Some(_) => set_status(401),
    }
    let en = lang == Lang::En;
    let message = problem.map(|p| match (p, en) {
        (LoginProblem::Invalid, false) => "Tên đăng nhập hoặc mật khẩu không đúng.".to_string(),
        (LoginProblem::Invalid, true) => "Wrong user name or password.".to_string(),
        (LoginProblem::Locked { retry_after_secs }, false) => format!(
            "Đăng nhập sai quá nhiều lần từ mạng này. Vui lòng thử lại sau {}.",
            wait_text(retry_after_secs, false)
        ),
        (LoginProblem::Locked { retry_after_secs }, true) => format!(
            "Too many failed attempts from this network. Please try again in {}.",
            wait_text(retry_after_secs, true)
        ),
        (LoginProblem::Busy, false) => {
            "Máy chủ đang bận kiểm tra nhiều lượt đăng nhập. Vui lòng thử lại sau ít giây."
                .to_string()
        }
        (LoginProblem::Busy, true) => {
            "The server is busy checking many sign-ins. Please try again in a few seconds."
                .to_string()
        }
        (LoginProblem::TooLong, false) => {
            "Tên đăng nhập (tối đa 40 ký tự) hoặc mật khẩu (tối đa 1000 byte) quá dài.".to_string()
        }
        (LoginProblem::TooLong, true) => {
            "The user name (at most 40 characters) or password (at most 1000 bytes) is too long."
                .to_string()
        }
        (LoginProblem::Expired, false) => {
            "Phiên đăng nhập đã hết hạn. Vui lòng thử lại.".to_string()
        }
        (LoginProblem::Expired, true) => "The form expired. Please try again.".to_string(),
        (LoginProblem::SsoRequired, false) => {
            "Tỉnh yêu cầu cán bộ đăng nhập bằng tài khoản của tỉnh. Vui lòng bấm “Đăng nhập bằng tài khoản của tỉnh”."
                .to_string()
        }
        (LoginProblem::SsoRequired, true) => {
            "The province requires staff to sign in with their province account. Please use “Sign in with your province account”."
                .to_string()
        }
        (LoginProblem::Sso(sso), en) => sso.message(en).to_string(),
    });
    // The province's own accounts, beside the form (issue 35): a plain link, which the
    // server answers by sending the browser to the province's identity service.
    let sso_link = sso.then(|| {
        view! {
            <p class="sso-link">
                <a
                    class="button"
                    id="sso-sign-in"
                    href=if en { "/login/oidc?lang=en" } else { "/login/oidc" }
                >
                    {if en {
                        "Sign in with your province account"
                    } else {
                        "Đăng nhập bằng tài khoản của tỉnh"
                    }}
                </a>
            </p>
            <p class="sso-or">{if en { "or with a Hài Lòng account:" } else { "hoặc bằng tài khoản Hài Lòng:" }}</p>
        }
    });
    view! {
        <main class="page narrow">
            <header class="survey-head">
                <LangSwitch path="/login" lang />
                <h1>{if en { "Sign in" } else { "Đăng nhập" }}</h1>
                <p class="intro">
                    {if en {
                        "For commune, district and province staff. Citizens do not need an account."
                    } else {
                        "Dành cho cán bộ xã, huyện và tỉnh. Người dân không cần tài khoản."
                    }}
                </p>
            </header>
            {message.map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            {sso_link}
            <form method="post" action=if en { "/login?lang=en" } else { "/login" } class="stack">
                <input type="hidden" name="_csrf" value=csrf />
                <label for="username">{if en { "User name" } else { "Tên đăng nhập" }}</label>
                <input
                    type="text"
                    id="username"
                    name="username"
                    autocomplete="username"
                    maxlength="40"
                    required
                />
                <label for="password">{if en { "Password" } else { "Mật khẩu" }}</label>
                <input
                    type="password"
                    id="password"
                    name="password"
                    autocomplete="current-password"
                    maxlength="1000"
                    required
                />
                <button type="submit" class="submit">
                    {if en { "Sign in" } else { "Đăng nhập" }}
                </button>
            </form>
        </main>
    }
}
