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
                    Ok(data) => view! { <LoginForm csrf=data.csrf lang problem /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LoginForm(csrf: String, lang: Lang, problem: Option<LoginProblem>) -> impl IntoView {
    match problem {
        None => {}
        Some(LoginProblem::Busy) => set_status(429),
        Some(LoginProblem::TooLong) => set_status(422),
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
