//! Sign-in page. The form posts to `/login` (handled outside Leptos, so it works without
//! JavaScript and can set the session cookie); a failed attempt renders this page again with 401.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::account::get_login_page;
use crate::components::{set_status, DocumentLang, LangSwitch, ServerFailure};
use crate::i18n::{use_lang, Lang};

/// Why the previous attempt failed, provided by the POST handler when it renders the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginProblem {
    Invalid,
    Locked,
    Expired,
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
    if problem.is_some() {
        set_status(401);
    }
    let en = lang == Lang::En;
    let message = problem.map(|p| match (p, en) {
        (LoginProblem::Invalid, false) => "Tên đăng nhập hoặc mật khẩu không đúng.",
        (LoginProblem::Invalid, true) => "Wrong user name or password.",
        (LoginProblem::Locked, false) => {
            "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút."
        }
        (LoginProblem::Locked, true) => "Too many failed attempts. Please try again in 15 minutes.",
        (LoginProblem::Expired, false) => "Phiên đăng nhập đã hết hạn. Vui lòng thử lại.",
        (LoginProblem::Expired, true) => "The form expired. Please try again.",
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
                <input type="text" id="username" name="username" autocomplete="username" required />
                <label for="password">{if en { "Password" } else { "Mật khẩu" }}</label>
                <input
                    type="password"
                    id="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                <button type="submit" class="submit">
                    {if en { "Sign in" } else { "Đăng nhập" }}
                </button>
            </form>
        </main>
    }
}
