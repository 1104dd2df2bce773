//! The commune's own page for its leaders and officers: satisfaction so far and the latest
//! comments. The first screen answers the chairman: the 30-day share and its change, the
//! standing against the criteria set, and the complaints still open.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::accounts::api::{get_commune_overview, CommuneOverview, FormerUnit};
use crate::accounts::nav::Refusal;
use crate::components::{AccountBar, ReportLinks, ServerFailure};
use crate::dashboard::api::get_dashboard;
use crate::dashboard::view::{AnswerSourcesView, ChairmanPanel, DashboardView, Headline};
use crate::domain::roles::{Access, Role};
use crate::i18n::{use_lang, Lang};

#[component]
pub fn CommunePage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("commune"), get_commune_overview);
    let lang = use_lang();
    let dashboard = Resource::new(
        move || (query.read().get("commune"), lang.get()),
        |(commune, lang)| get_dashboard(commune, lang),
    );
    let notice = move || query.read().get("ok");
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => {
                        let dashboard = match dashboard.await {
                            Ok(Access::Granted(d)) => Some(d),
                            _ => None,
                        };
                        view! { <Overview data dashboard notice=notice() /> }.into_any()
                    }
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "(trước đây là Xã A và một phần Xã B)" / "(formerly Xã A and part of Xã B)", one string so it
/// renders as one text node; `None` for a commune without predecessors.
fn formerly_text(units: &[FormerUnit], lang: Lang) -> Option<String> {
    let (lead, part, and) = match lang {
        Lang::Vi | Lang::Supplied(_) => ("trước đây là", "một phần ", "và"),
        Lang::En => ("formerly", "part of ", "and"),
    };
    let names: Vec<String> = units
        .iter()
        .map(|u| format!("{}{}", if u.part { part } else { "" }, u.name))
        .collect();
    let (last, rest) = names.split_last()?;
    let list = if rest.is_empty() {
        last.clone()
    } else {
        format!("{} {and} {last}", rest.join(", "))
    };
    Some(format!("({lead} {list})"))
}

#[component]
fn Overview(
    data: CommuneOverview,
    dashboard: Option<crate::dashboard::api::Dashboard>,
    notice: Option<String>,
) -> impl IntoView {
    let formerly = formerly_text(&data.formerly, use_lang().get_untracked())
        .map(|text| view! { <p class="formerly">{text}</p> });
    let downloads = {
        let code = data.commune_code.clone();
        let link = |ext: &str, days: &str| format!("/exports/responses.{ext}?commune={code}{days}");
        view! {
            <p class="downloads">
                "Tải xuống phiếu khảo sát: 30 ngày qua " <a href=link("csv", "&days=30")>"CSV"</a>
                " · " <a href=link("xlsx", "&days=30")>"Excel"</a> "; tất cả "
                <a href=link("csv", "")>"CSV"</a> " · " <a href=link("xlsx", "")>"Excel"</a>
            </p>
        }
    };
    let reports = dashboard.as_ref().map(|d| {
        view! {
            <ReportLinks
                label="Báo cáo định kỳ (PDF): "
                url=format!("/reports/commune.pdf?commune={}&period=", data.commune_code)
                reports=d.reports.clone()
            />
        }
    });
    let desks = data
        .desks
        .into_iter()
        .map(|(code, name)| {
            view! {
                <li>
                    {name} " — " <a href=format!("/q/{code}")>"Phiếu khảo sát"</a> " · "
                    <a href=format!("/q/{code}/poster")>"Áp phích QR"</a>
                </li>
            }
        })
        .collect_view();
    let comments = data
        .comments
        .into_iter()
        .map(|c| {
            let unfavourable = crate::domain::followup::needs_follow_up(c.overall, c.marked);
            view! {
                <li class="comment" class:unfavourable=unfavourable>
                    <p class="comment-meta">
                        {c.when} " · " {c.desk}
                        {c.overall.map(|o| format!(" · hài lòng chung: {o}/5"))}
                    </p>
                    <p class="comment-text">{c.text}</p>
                </li>
            }
        })
        .collect_view();
    // Province staff reach a commune from the overview and go back to it from here.
    let back = matches!(
        data.me.role,
        Role::ProvinceAdmin | Role::DistrictReviewer | Role::ProvinceReviewer
    )
    .then(|| {
        view! {
            <p class="no-print back">
                <a href="/overview">"← Tổng quan các xã, phường"</a>
            </p>
        }
    });
    view! {
        <AccountBar me=data.me />
        <Title text=format!("Bảng điều khiển — {} — Hài Lòng", data.commune_name) />
        <main class="page wide">
            {back}
            <h1>{data.commune_name} " (" {data.commune_code} ")"</h1>
            {formerly}
            <p>{data.district_name}</p>
            {dashboard
                .as_ref()
                .map(|d| {
                    view! {
                        <ChairmanPanel
                            figures=d.figures.clone()
                            standing=d.standing.clone()
                            steering=d
                                .independent
                                .iter()
                                .find(|c| c.steering)
                                .map(|c| format!("{} ({})", c.note, c.period))
                        />
                    }
                })}
            {dashboard.as_ref().map(|d| view! { <Headline figures=d.figures.clone() /> })}
            {dashboard
                .as_ref()
                .and_then(|d| d.answer_sources.clone())
                .map(|sources| view! { <AnswerSourcesView sources /> })}
            {dashboard.map(|data| view! { <DashboardView data notice /> }.into_any())}
            <h2>"Ý kiến mới nhất"</h2>
            <ul class="comments">{comments}</ul>
            <h2>"Quầy tiếp nhận"</h2>
            <ul>{desks}</ul>
            {downloads}
            {reports}
        </main>
    }
}
