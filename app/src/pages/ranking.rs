//! The province's ranking from the latest score run. Communes whose citizen sample is below the
//! minimum are listed apart, not ranked: a handful of answers would place them by chance.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::assessment::{get_ranking_page, RankingView};
use crate::components::{AccountBar, Refusal, ServerFailure};
use crate::i18n::Lang;
use crate::pages::assessment::CriteriaSwitch;
use crate::roles::Access;

#[component]
pub fn RankingPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("criteria"), get_ranking_page);
    let notice = move || query.read().get("ok");
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Ranking data notice=notice() /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Ranking(data: RankingView, notice: Option<String>) -> impl IntoView {
    let criteria = data.criteria.id.clone();
    let ranked = data.rows.iter().filter(|r| r.rank.is_some()).count();
    let rows = data
        .rows
        .into_iter()
        .map(|r| {
            let href = format!("/report?commune={}&criteria={criteria}", r.commune_code);
            view! {
                <tr class:unranked=r.rank.is_none() data-commune=r.commune_code.clone()>
                    <td class="num rank">
                        {r.rank.map_or("chưa xếp hạng: chưa đủ mẫu".to_string(), |n| n.to_string())}
                    </td>
                    <td>
                        <a href=href>{r.commune_name}</a>
                        " (" {r.commune_code.clone()} ")"
                    </td>
                    <td>{r.district_name}</td>
                    <td class="num total">{r.total}</td>
                    <td>{r.grade.unwrap_or_else(|| "—".into())}</td>
                    <td>{if r.passed { "Đạt" } else { "Chưa đạt" }}</td>
                    <td>{format!("{} · n = {}", r.satisfaction, r.sample)}</td>
                </tr>
            }
        })
        .collect_view();
    let csrf = data.me.csrf.clone();
    let run_form = data.can_run.then(|| {
        view! {
            <form method="post" action="/scores/run" class="inline">
                <input type="hidden" name="_csrf" value=csrf />
                <input type="hidden" name="criteria" value=data.criteria.id.clone() />
                <button type="submit" class="submit">"Chấm điểm tất cả các xã"</button>
            </form>
        }
    });
    view! {
        <AccountBar me=data.me />
        <main class="page wide">
            <h1>"Xếp hạng các xã, phường"</h1>
            <p>{data.criteria.name.clone()} " · " {data.criteria.period.clone()}</p>
            <CriteriaSwitch action="/ranking" current=data.criteria choices=data.choices />
            {notice.map(|n| {
                view! { <p class="notice" role="status">{format!("Đã chấm điểm xong lần số {n}.")}</p> }
            })}
            {match data.run {
                Some(run) => view! {
                    <p class="run-info">
                        {format!(
                            "Lần chấm điểm số {} lúc {} ({}): {} xã, {ranked} được xếp hạng. Mã kiểm tra: ",
                            run.id,
                            run.when,
                            run.by,
                            run.communes,
                        )}
                        <code>{run.run_hash}</code>
                    </p>
                }
                .into_any(),
                None => view! { <p class="notice">"Chưa có lần chấm điểm nào cho kỳ này."</p> }.into_any(),
            }}
            {run_form}
            <table class="ranking">
                <thead>
                    <tr>
                        <th scope="col">"Hạng"</th>
                        <th scope="col">"Xã, phường"</th>
                        <th scope="col">"Huyện"</th>
                        <th scope="col">"Tổng điểm"</th>
                        <th scope="col">"Xếp loại"</th>
                        <th scope="col">"Kết quả"</th>
                        <th scope="col">"Người dân hài lòng (khoảng tin cậy 95%)"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </main>
    }
}
