//! The province overview page: a GET form (search, dossier state, backlog) and one table whose
//! headings are sort links, so it works the same without JavaScript. It prints on one A4
//! landscape sheet per page (`@page overview` in the style sheet).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{get_overview, OverviewFilter, OverviewView};
use crate::accounts::nav::Refusal;
use crate::components::{AccountBar, ReportLinks, ServerFailure};
use crate::domain::roles::Access;
use crate::i18n::{use_lang, Lang};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let query = use_query_map();
    let lang = use_lang();
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                OverviewFilter {
                    q: q.get("q"),
                    state: q.get("state"),
                    backlog: q.get("backlog"),
                    sort: q.get("sort"),
                },
                lang.get(),
            )
        },
        |(filter, lang)| get_overview(filter, lang),
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Overview data /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Filters(data: OverviewView) -> impl IntoView {
    let f = data.filter.clone();
    let chosen = f.state.clone().unwrap_or_default();
    let states = data
        .states
        .iter()
        .cloned()
        .map(|(key, label)| {
            let selected = key == chosen;
            view! {
                <option value=key selected=selected>
                    {label}
                </option>
            }
        })
        .collect_view();
    let only_open = f.backlog.as_deref() == Some("open");
    view! {
        <form method="get" action="/overview" class="filters no-print" role="search">
            <label>
                "Tìm xã, phường (tên hoặc mã) "
                <input type="search" name="q" value=f.q.clone().unwrap_or_default() />
            </label>
            <label>
                "Hồ sơ tự đánh giá " <select name="state">
                    <option value="">"Tất cả"</option>
                    {states}
                </select>
            </label>
            <label>
                <input type="checkbox" name="backlog" value="open" checked=only_open />
                " Chỉ xã còn ý kiến chưa xử lý"
            </label>
            <input type="hidden" name="sort" value=f.sort.clone().unwrap_or_default() />
            <button type="submit">"Lọc"</button>
            " "
            <a href="/overview">"Bỏ lọc"</a>
        </form>
    }
}

#[component]
fn Overview(data: OverviewView) -> impl IntoView {
    let headings = data
        .sorts
        .iter()
        .cloned()
        .map(|(key, heading, href, active)| {
            let order = match key.as_str() {
                "answers" | "open" | "flagged" => "descending",
                _ => "ascending",
            };
            let sort = if active { order } else { "none" };
            view! {
                <th scope="col" class=format!("col-{key}") aria-sort=sort>
                    <a href=href class:active=active>
                        {heading}
                    </a>
                </th>
            }
        })
        .collect_view();
    let rows = data
        .rows
        .iter()
        .cloned()
        .map(|r| {
            let href = format!("/commune?commune={}", r.code);
            let worse = r.change.starts_with('▼');
            let attention = r.open > 0;
            view! {
                <tr data-commune=r.code.clone()>
                    <td class="code">{r.code.clone()}</td>
                    <td class="name">
                        <a href=href>{r.name}</a>
                    </td>
                    <td class="num responses">{r.responses}</td>
                    <td class="num share">
                        <span class="figure">{r.share}</span>
                        " "
                        <small class="interval">{r.interval}</small>
                    </td>
                    <td class="num change" class:down=worse>
                        {r.change}
                    </td>
                    <td class="num open" class:attention=attention>
                        {r.open}
                    </td>
                    <td class="num flagged">{format!("{} · chờ xét {}", r.flagged, r.held)}</td>
                    <td class="dossier">{r.dossier}</td>
                </tr>
            }
        })
        .collect_view();
    let shown = data.rows.len();
    let summary = if shown == data.in_scope {
        format!("{} xã, phường", data.in_scope)
    } else {
        format!("{shown} trong {} xã, phường", data.in_scope)
    };
    view! {
        <AccountBar me=data.me.clone() />
        <Title text="Tổng quan các xã, phường — Hài Lòng" />
        <main class="page wide overview">
            <h1>"Tổng quan các xã, phường"</h1>
            <p class="overview-period">
                {format!("30 ngày qua: {} · {summary}", data.period)}
                {data.criteria.clone().map(|c| format!(" · hồ sơ theo {c}"))}
            </p>
            <Filters data=data.clone() />
            {(!data.reports.is_empty())
                .then(|| {
                    view! {
                        <ReportLinks
                            label="Báo cáo của tỉnh (PDF): "
                            url="/reports/province.pdf?period=".to_string()
                            reports=data.reports.clone()
                        />
                    }
                })}
            <p class="no-print hint">
                "Bấm tên cột để sắp xếp; bấm tên xã để mở bảng điều khiển của xã. Ý kiến chưa xử lý: phiếu hài lòng chung từ 1 đến 3 (chưa hài lòng) và ý kiến được cán bộ đánh dấu là phản ánh, chưa được đánh dấu đã giải quyết, kể cả phiếu cũ hơn 30 ngày."
            </p>
            <table class="overview-table">
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {(shown == 0).then(|| view! { <p class="notice">"Không có xã, phường nào khớp với bộ lọc."</p> })}
        </main>
    }
}
