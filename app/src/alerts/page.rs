//! `/alerts`: each signed-in user's e-mail address and alert choice (at once, a daily digest,
//! or none), and for the province admin the queue of messages with their failures. The forms
//! post to `/alerts/settings`, a route that checks the session and CSRF token again.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::accounts::nav::Refusal;
use crate::alerts::api::get_alerts_page;
use crate::alerts::model::{AlertQueueView, AlertsPageData};
use crate::alerts::rule::AlertMode;
use crate::components::{AccountBar, ServerFailure};
use crate::domain::roles::Access;
use crate::forms::{error_under, kept_value, RefusedForm};
use crate::i18n::Lang;

#[component]
pub fn AlertsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_alerts_page());
    let query = use_query_map();
    let saved = move || query.read().get("ok").is_some();
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Alerts data saved=saved() /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Alerts(data: AlertsPageData, saved: bool) -> impl IntoView {
    let refused = RefusedForm::of("/alerts/settings");
    let chosen = kept_value(&refused, "mode", data.mode.key().to_owned());
    let email = kept_value(&refused, "email", data.email.clone().unwrap_or_default());
    let email_error = error_under(&refused, "email", "err-alert-email");
    let mode_error = error_under(&refused, "mode", "err-alert-mode");
    let modes = AlertMode::ALL
        .into_iter()
        .map(|m| {
            let id = format!("mode-{}", m.key());
            let label_for = id.clone();
            let checked = m.key() == chosen;
            view! {
                <label for=label_for>
                    <input type="radio" id=id name="mode" value=m.key() checked=checked />
                    {m.label()}
                </label>
            }
        })
        .collect_view();
    let queue = data.queue.map(|queue| view! { <Queue queue /> });
    view! {
        <AccountBar me=data.me.clone() />
        <main class="page">
            <h1>"Thư báo phản ánh"</h1>
            {saved.then(|| view! { <p class="notice" role="status">"Đã lưu."</p> })}
            <p>
                {if data.receives {
                    "Khi người dân đánh giá chưa hài lòng tại xã của ông/bà (hoặc, với thẩm định viên của tỉnh, khi phản ánh ở xã được giao chưa được giải quyết đúng hạn), hệ thống gửi thư đến địa chỉ dưới đây."
                } else {
                    "Thư báo phản ánh được gửi đến lãnh đạo và cán bộ của xã."
                }}
            </p>
            <form method="post" action="/alerts/settings" class="stack">
                <input type="hidden" name="_csrf" value=data.me.csrf.clone() />
                <label for="alert-email">"Địa chỉ thư điện tử"</label>
                <input
                    id="alert-email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    value=email
                    aria-describedby="err-alert-email"
                />
                {email_error}
                <fieldset aria-describedby="err-alert-mode">
                    <legend>"Cách nhận thư"</legend>
                    {modes}
                    {mode_error}
                </fieldset>
                <button type="submit" class="submit">"Lưu"</button>
            </form>
            {queue}
        </main>
    }
}

/// The province admin's view of the queue: counts by status, and what waits or failed.
#[component]
fn Queue(queue: AlertQueueView) -> impl IntoView {
    let counts = queue
        .counts
        .into_iter()
        .map(|(status, n)| format!("{}: {n}", status_label(&status)))
        .collect::<Vec<_>>()
        .join(" · ");
    let rows = queue
        .rows
        .into_iter()
        .map(|r| {
            view! {
                <tr data-status=r.status.clone()>
                    <td>{r.id}</td>
                    <td>{channel_label(&r.channel)}</td>
                    <td>{r.response_id}</td>
                    <td>{r.recipient}</td>
                    <td>{status_label(&r.status)}</td>
                    <td>{r.attempts}</td>
                    <td>{r.when}</td>
                    <td>{r.last_error}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section id="alert-queue">
            <h2>"Hàng đợi thư báo"</h2>
            <p>{if counts.is_empty() { "Chưa có thư nào.".to_string() } else { counts }}</p>
            <table>
                <thead>
                    <tr>
                        <th>"Số"</th>
                        <th>"Kênh"</th>
                        <th>"Phiếu"</th>
                        <th>"Người nhận"</th>
                        <th>"Trạng thái"</th>
                        <th>"Số lần gửi"</th>
                        <th>"Thời điểm"</th>
                        <th>"Lỗi gần nhất"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

fn status_label(status: &str) -> &'static str {
    match status {
        "queued" => "Đang chờ gửi",
        "sent" => "Đã gửi",
        "failed" => "Gửi không được",
        _ => "Khác",
    }
}

fn channel_label(channel: &str) -> &'static str {
    match channel {
        "mail" => "Thư",
        "digest" => "Thư tổng hợp",
        "webhook" => "Webhook",
        _ => "Khác",
    }
}
