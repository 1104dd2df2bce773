//! Province administration: users (create, reset password, lift sign-in limits) and the audit
//! log (filtered, a page at a time, with plain links that work without JavaScript). Every form
//! posts to a route outside Leptos that checks the role and the CSRF token again.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::accounts::api::{
    get_audit_page, get_users_page, AuditPageData, NewUserPrefill, SignInLimitView, UserRowProblem,
    UsersPageData,
};
use crate::accounts::nav::Refusal;
use crate::components::{set_status, AccountBar, ServerFailure};
use crate::domain::roles::{Access, Role};
use crate::i18n::Lang;

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
    let limits = (!data.limits.is_empty()).then(|| {
        view! { <SignInLimits limits=data.limits.clone() csrf=csrf.clone() /> }
    });
    let row_problem = use_context::<UserRowProblem>();
    if row_problem.is_some() {
        set_status(422);
    }
    let rows = data
        .users
        .into_iter()
        .map(|u| {
            let csrf = csrf.clone();
            let problem_of = |field: &str| {
                row_problem
                    .as_ref()
                    .filter(|p| p.user_id == u.id && p.field == field)
                    .cloned()
            };
            let email_problem = problem_of("email");
            let password_problem = problem_of("password").map(|p| {
                view! {
                    <p class="error" id=format!("err-pw-{}", u.id) role="alert">
                        {p.message}
                    </p>
                }
            });
            let email_value = email_problem
                .as_ref()
                .map(|p| p.value.clone())
                .unwrap_or_else(|| u.email.clone().unwrap_or_default());
            let email_problem = email_problem.map(|p| {
                view! {
                    <p class="error" id=format!("err-email-{}", u.id) role="alert">
                        {p.message}
                    </p>
                }
            });
            view! {
                <tr>
                    <td>{u.username}</td>
                    <td>{u.display_name}</td>
                    <td>{u.role.label(Lang::Vi)}</td>
                    <td>{u.unit.unwrap_or_default()}</td>
                    <td>
                        <form method="post" action=format!("/admin/users/{}/email", u.id) class="inline">
                            <input type="hidden" name="_csrf" value=csrf.clone() />
                            <label class="visually-hidden" for=format!("email-{}", u.id)>
                                "Thư điện tử"
                            </label>
                            <input
                                type="email"
                                id=format!("email-{}", u.id)
                                name="email"
                                value=email_value
                                placeholder="ten@vi-du.gov.vn"
                            />
                            <button type="submit">"Lưu"</button>
                        </form>
                        {email_problem}
                    </td>
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
                        {password_problem}
                    </td>
                </tr>
            }
        })
        .collect_view();
    // A refused form comes back filled in, each problem under its field (the page is a 422).
    let prefill = use_context::<NewUserPrefill>().unwrap_or_default();
    if !prefill.problems.is_empty() {
        set_status(422);
    }
    let value = |field: &str| prefill.values.get(field).cloned().unwrap_or_default();
    let problem = |field: &str| {
        prefill.problems.get(field).cloned().map(|message| {
            view! {
                <p class="error" id=format!("err-new-{field}") role="alert">
                    {message}
                </p>
            }
        })
    };
    let chosen_role = value("role");
    let roles = Role::ALL
        .into_iter()
        .map(|r| {
            let selected = r.key() == chosen_role;
            view! {
                <option value=r.key() selected=selected>
                    {r.label(Lang::Vi)}
                </option>
            }
        })
        .collect_view();
    let form_problem = (!prefill.problems.is_empty()).then(|| {
        view! {
            <p class="form-error" role="alert">
                "Chưa thêm được người dùng: xem các lỗi dưới từng ô."
            </p>
        }
    });
    view! {
        <AccountBar me=data.me />
        <Title text="Người dùng — Hài Lòng" />
        <main class="page">
            <h1>"Người dùng"</h1>
            {notice.map(|n| view! { <p class="notice" role="status">{notice_text(&n)}</p> })}
            <p><a href="/admin/sso">"Đăng nhập bằng tài khoản của tỉnh: ánh xạ, liên kết, tài khoản dự phòng →"</a></p>
            <table>
                <thead>
                    <tr>
                        <th>"Tên đăng nhập"</th>
                        <th>"Họ tên"</th>
                        <th>"Vai trò"</th>
                        <th>"Đơn vị"</th>
                        <th>"Thư điện tử"</th>
                        <th>"Mật khẩu"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {limits}
            <h2>"Thêm người dùng"</h2>
            <form method="post" action="/admin/users" class="stack" id="them-nguoi-dung">
                {form_problem}
                <input type="hidden" name="_csrf" value=csrf />
                <label for="new-username">"Tên đăng nhập"</label>
                <input id="new-username" name="username" required autocomplete="off" value=value("username") />
                {problem("username")}
                <label for="new-name">"Họ tên"</label>
                <input id="new-name" name="display_name" required value=value("display_name") />
                {problem("display_name")}
                <label for="new-role">"Vai trò"</label>
                <select id="new-role" name="role">{roles}</select>
                {problem("role")}
                <label for="new-unit">"Mã đơn vị (mã xã hoặc mã huyện; để trống cho quản trị tỉnh)"</label>
                <input id="new-unit" name="unit" inputmode="numeric" value=value("unit") />
                {problem("unit")}
                <label for="new-email">"Thư điện tử (để nhận thư báo phản ánh; có thể để trống)"</label>
                <input id="new-email" name="email" type="email" autocomplete="off" value=value("email") />
                {problem("email")}
                <label for="new-password">"Mật khẩu (ít nhất 10 ký tự)"</label>
                <input id="new-password" type="password" name="password" required autocomplete="new-password" />
                {problem("password")}
                <button type="submit" class="submit">"Thêm"</button>
            </form>
        </main>
    }
}

/// The sign-in limits holding attempts back, each with its lift button.
#[component]
fn SignInLimits(limits: Vec<SignInLimitView>, csrf: String) -> impl IntoView {
    let rows = limits
        .into_iter()
        .map(|limit| {
            let who = if limit.username.is_empty() {
                "(mọi tên đã sai từ địa chỉ này)".to_string()
            } else {
                limit.username.clone()
            };
            view! {
                <tr>
                    <td>{who}</td>
                    <td><code>{format!("#{}", limit.address)}</code></td>
                    <td>{limit.failures}</td>
                    <td>{limit.refused}</td>
                    <td>{limit.until}</td>
                    <td>
                        <form method="post" action="/admin/sign-in-limits/lift" class="inline">
                            <input type="hidden" name="_csrf" value=csrf.clone() />
                            <input type="hidden" name="username" value=limit.username />
                            <input type="hidden" name="client_hash" value=limit.client_hash />
                            <button type="submit">"Gỡ hạn chế"</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"Đăng nhập đang bị hạn chế"</h2>
        <p>
            "Sau 5 lần sai, mỗi lần thử tiếp của một tên đăng nhập từ cùng một địa chỉ phải chờ "
            "lâu gấp đôi (tối đa 15 phút); một địa chỉ sai 30 lần trong 15 phút chỉ được thử "
            "những tên chưa sai từ đó. Chủ tài khoản đăng nhập từ nơi khác không bị ảnh hưởng. "
            "Địa chỉ chỉ được lưu dưới dạng mã băm, đổi mỗi ngày."
        </p>
        <table>
            <thead>
                <tr>
                    <th>"Tên đăng nhập"</th>
                    <th>"Địa chỉ (mã băm)"</th>
                    <th>"Lần sai"</th>
                    <th>"Lần bị từ chối"</th>
                    <th>"Được thử lại lúc"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn notice_text(code: &str) -> &'static str {
    match code {
        "created" => "Đã thêm người dùng.",
        "password" => "Đã đặt lại mật khẩu; các phiên đăng nhập cũ của người này đã kết thúc.",
        "lifted" => "Đã gỡ hạn chế đăng nhập.",
        _ => "Đã lưu.",
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let query = query.read();
            [
                "actor", "action", "commune", "from", "to", "before", "after",
            ]
            .map(|name| query.get(name))
        },
        |[actor, action, commune, from, to, before, after]| {
            get_audit_page(actor, action, commune, from, to, before, after)
        },
    );
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
    if data.error.is_some() {
        set_status(400);
    }
    let rows = data
        .entries
        .into_iter()
        .map(|e| {
            let repeats = (e.repeats > 1).then(|| {
                let last = e
                    .last
                    .map(|t| format!(", lần cuối {t}"))
                    .unwrap_or_default();
                view! { <span class="repeats">{format!(" (×{}{last})", e.repeats)}</span> }
            });
            view! {
                <tr>
                    <td>{e.when}</td>
                    <td>{e.actor}</td>
                    <td>{crate::accounts::audit_action_vi(&e.action).to_string()}</td>
                    <td>{e.target}</td>
                    <td>{e.detail}{repeats}</td>
                </tr>
            }
        })
        .collect_view();
    let query = data.query;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let chosen = value(&query.action);
    let actions = data
        .actions
        .into_iter()
        .map(|a| {
            let selected = a == chosen;
            let label = crate::accounts::audit_action_vi(&a).to_string();
            view! { <option value=a selected=selected>{label}</option> }
        })
        .collect_view();
    let pager = (data.newer.is_some() || data.older.is_some()).then(|| {
        view! {
            <nav class="pager" aria-label="Trang">
                {data.newer.map(|href| view! { <a rel="prev" href=href>"← Mới hơn"</a> " " })}
                {data.older.map(|href| view! { <a rel="next" href=href>"Cũ hơn →"</a> })}
            </nav>
        }
    });
    view! {
        <Title text="Nhật ký — Hài Lòng" />
        <AccountBar me=data.me />
        <main class="page">
            <h1>"Nhật ký hệ thống"</h1>
            <form method="get" action="/admin/audit" class="filters">
                <label for="f-actor">"Người thực hiện"</label>
                <input id="f-actor" name="actor" value=value(&query.actor) maxlength="100" />
                <label for="f-action">"Hành động"</label>
                <select id="f-action" name="action">
                    <option value="">"(tất cả)"</option>
                    {actions}
                </select>
                <label for="f-commune">"Mã xã"</label>
                <input
                    id="f-commune"
                    name="commune"
                    value=value(&query.commune)
                    inputmode="numeric"
                    maxlength="10"
                />
                <label for="f-from">"Từ ngày"</label>
                <input id="f-from" name="from" type="date" value=value(&query.from) />
                <label for="f-to">"Đến ngày"</label>
                <input id="f-to" name="to" type="date" value=value(&query.to) />
                <button type="submit">"Lọc"</button>
                " "
                <a href="/admin/audit">"Bỏ lọc"</a>
            </form>
            {data.error.map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <p>
                <a href=data.csv>"Tải nhật ký theo bộ lọc này (CSV)"</a>
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
            {pager}
        </main>
    }
}
