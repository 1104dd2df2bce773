//! The commune's own page for its leaders and officers: satisfaction so far and the latest
//! comments. Issue 5 turns it into the live dashboard.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::account::{get_commune_overview, CommuneOverview};
use crate::components::{AccountBar, Refusal, ServerFailure};
use crate::i18n::Lang;
use crate::roles::Access;

#[component]
pub fn CommunePage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("commune"), get_commune_overview);
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

fn share((responses, satisfied): (i64, i64)) -> String {
    if responses == 0 {
        "—".into()
    } else {
        format!("{:.1}%", satisfied as f64 * 100.0 / responses as f64)
    }
}

#[component]
fn Overview(data: CommuneOverview) -> impl IntoView {
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
            let unfavourable = c.overall.is_some_and(|o| o <= 2);
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
    view! {
        <AccountBar me=data.me />
        <main class="page">
            <h1>{data.commune_name} " (" {data.commune_code} ")"</h1>
            <p>{data.district_name}</p>
            <table class="figures">
                <tbody>
                    <tr>
                        <th scope="row">"30 ngày qua: số phiếu"</th>
                        <td class="n-30">{data.last_30_days.0}</td>
                        <th scope="row">"tỷ lệ hài lòng"</th>
                        <td>{share(data.last_30_days)}</td>
                    </tr>
                    <tr>
                        <th scope="row">"Từ trước đến nay: số phiếu"</th>
                        <td class="n-all">{data.all_time.0}</td>
                        <th scope="row">"tỷ lệ hài lòng"</th>
                        <td>{share(data.all_time)}</td>
                    </tr>
                </tbody>
            </table>
            <h2>"Quầy tiếp nhận"</h2>
            <ul>{desks}</ul>
            <h2>"Ý kiến mới nhất"</h2>
            <ul class="comments">{comments}</ul>
        </main>
    }
}
