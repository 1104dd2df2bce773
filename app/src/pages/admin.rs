//! Province administration: users (create, reset password) and the audit log. Every form posts
//! to a route outside Leptos that checks the role and the CSRF token again.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::account::{get_audit_page, get_users_page, AuditPageData, UsersPageData};
use crate::components::{AccountBar, Refusal, ServerFailure};
use crate::i18n::Lang;
use crate::roles::{Access, Role};

#[component]
pub fn UsersPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_users_page());
    let query = use_query_map();
    let notice = move || query.read().get("ok");
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Users data notice=notice() /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Users(data: UsersPageData, notice: Option<String>) -> impl IntoView {
    let csrf = data.me.csrf.clone();
    let rows = data
        .users
        .into_iter()
        .map(|u| {
            let csrf = csrf.clone();
            view! {
                <tr>
                    <td>{u.username}</td>
                    <td>{u.display_name}</td>
                    <td>{u.role.label(Lang::Vi)}</td>
                    <td>{u.unit.unwrap_or_default()}</td>
                    <td>
                        <form method="post" action=format!("/admin/users/{}/password", u.id) class="inline">
                            <input type="hidden" name="_csrf" value=csrf />
                            <label class="visually-hidden" for=format!("pw-{}", u.id)>
                                "Mật khẩu mới"
                            </label>
                            <input
                                type="password"
                                id=format!("pw-{}", u.id)
                                name="password"
                                autocomplete="new-password"
                                placeholder="Mật khẩu mới"
                            />
                            <button type="submit">"Đặt lại"</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let roles = Role::ALL
        .into_iter()
        .map(|r| view! { <option value=r.key()>{r.label(Lang::Vi)}</option> })
        .collect_view();
    view! {
        <AccountBar me=data.me />
        <main class="page">
            <h1>"Người dùng"</h1>
            {notice.map(|n| view! { <p class="notice" role="status">{notice_text(&n)}</p> })}
            <table>
                <thead>
                    <tr>
                        <th>"Tên đăng nhập"</th>
                        <th>"Họ tên"</th>
                        <th>"Vai trò"</th>
                        <th>"Đơn vị"</th>
                        <th>"Mật khẩu"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <h2>"Thêm người dùng"</h2>
            <form method="post" action="/admin/users" class="stack">
                <input type="hidden" name="_csrf" value=csrf />
                <label for="new-username">"Tên đăng nhập"</label>
                <input id="new-username" name="username" required autocomplete="off" />
                <label for="new-name">"Họ tên"</label>
                <input id="new-name" name="display_name" required />
                <label for="new-role">"Vai trò"</label>
                <select id="new-role" name="role">{roles}</select>
                <label for="new-unit">"Mã đơn vị (mã xã hoặc mã huyện; để trống cho quản trị tỉnh)"</label>
                <input id="new-unit" name="unit" inputmode="numeric" />
                <label for="new-password">"Mật khẩu (ít nhất 10 ký tự)"</label>
                <input id="new-password" type="password" name="password" required autocomplete="new-password" />
                <button type="submit" class="submit">"Thêm"</button>
            </form>
        </main>
    }
}

fn notice_text(code: &str) -> &'static str {
    match code {
        "created" => "Đã thêm người dùng.",
        "password" => "Đã đặt lại mật khẩu; các phiên đăng nhập cũ của người này đã kết thúc.",
        _ => "Đã lưu.",
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_audit_page());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Audit data /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Audit(data: AuditPageData) -> impl IntoView {
    let rows = data
        .entries
        .into_iter()
        .map(|e| {
            view! {
                <tr>
                    <td>{e.when}</td>
                    <td>{e.actor}</td>
                    <td>{e.action}</td>
                    <td>{e.target}</td>
                    <td>{e.detail}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <AccountBar me=data.me />
        <main class="page">
            <h1>"Nhật ký hệ thống"</h1>
            <p>
                <a href="/admin/audit.csv">"Tải toàn bộ nhật ký (CSV)"</a>
            </p>
            <table>
                <thead>
                    <tr>
                        <th>"Thời gian"</th>
                        <th>"Người thực hiện"</th>
                        <th>"Hành động"</th>
                        <th>"Đối tượng"</th>
                        <th>"Chi tiết"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </main>
    }
}
