//! The navigation of pages that are not a role's own: refusals and "not found". They ask who is
//! signed in (`api::get_me`), so they live with the accounts, above the shared components.

use leptos::prelude::*;

use crate::components::{set_status, AccountBar};

/// The bar of pages that are not a role's own (refusals, "not found"): the signed-in user's
/// [`AccountBar`], or the way to the home page and to signing in for everyone else. Signed-in
/// users are never offered to sign in.
#[component]
pub fn SiteNav() -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::accounts::api::get_me());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => view! { <AccountBar me /> }.into_any(),
                    _ => {
                        view! {
                            <nav class="account-bar">
                                <a class="who" href="/">
                                    "Hài Lòng"
                                </a>
                                <a href="/login">"Cán bộ đăng nhập"</a>
                            </nav>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// What a protected page shows instead of its data: sign in (401) or not allowed (403), under
/// the navigation bar, with a plain link back.
#[component]
pub fn Refusal(sign_in: bool) -> impl IntoView {
    set_status(if sign_in { 401 } else { 403 });
    view! {
        <SiteNav />
        <main class="page narrow">
            {if sign_in {
                view! {
                    <h1>"Vui lòng đăng nhập"</h1>
                    <p>"Trang này dành cho cán bộ đã đăng nhập."</p>
                    <p>
                        <a href="/login">"Đăng nhập"</a>
                        " · "
                        <a href="/">"Về trang chủ"</a>
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <h1>"Không có quyền truy cập"</h1>
                    <p>"Tài khoản của ông/bà không được xem trang này."</p>
                    <p>
                        <a href="/">"Về trang chủ"</a>
                    </p>
                }
                    .into_any()
            }}
        </main>
    }
}
