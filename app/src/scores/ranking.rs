//! The province view: every commune of the latest score run with its self-assessed, appraised
//! and merged points, citizen satisfaction with its interval, grade and change since the previous
//! period; filtered and sorted with a plain GET form. Communes whose citizen sample is below the
//! minimum are listed, not ranked: a handful of answers would place them by chance.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::accounts::nav::Refusal;
use crate::assessment::page::CriteriaSwitch;
use crate::components::{AccountBar, ServerFailure};
use crate::domain::roles::Access;
use crate::i18n::Lang;
use crate::scores::api::get_ranking_page;
use crate::scores::model::{RankingFilter, RankingView};

#[component]
pub fn RankingPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("criteria"),
                RankingFilter {
                    district: q.get("district"),
                    grade: q.get("grade"),
                    sample: q.get("sample"),
                    sort: q.get("sort"),
                },
            )
        },
        |(criteria, filter)| get_ranking_page(criteria, filter),
    );
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

fn options(
    items: Vec<(String, String)>,
    selected: Option<String>,
    all: &'static str,
) -> impl IntoView {
    let selected = selected.unwrap_or_default();
    view! {
        <option value="">{all}</option>
        {items
            .into_iter()
            .map(|(value, label)| {
                let is = value == selected;
                view! {
                    <option value=value selected=is>
                        {label}
                    </option>
                }
            })
            .collect_view()}
    }
}

#[component]
fn Filters(data: RankingView) -> impl IntoView {
    let f = data.filter.clone();
    let samples = vec![
        ("sufficient".to_string(), "Đủ mẫu".to_string()),
        ("insufficient".to_string(), "Chưa đủ mẫu".to_string()),
    ];
    let sorts = vec![
        ("total".to_string(), "Tổng điểm".to_string()),
        ("satisfaction".to_string(), "Tỷ lệ hài lòng".to_string()),
        ("change".to_string(), "Thay đổi so với kỳ trước".to_string()),
        ("name".to_string(), "Tên xã".to_string()),
    ];
    view! {
        <form method="get" action="/ranking" class="filters">
            <input type="hidden" name="criteria" value=data.criteria.id.clone() />
            <label>
                "Huyện " <select name="district">{options(data.districts.clone(), f.district, "Tất cả")}</select>
            </label>
            <label>
                "Xếp loại " <select name="grade">{options(data.grades.clone(), f.grade, "Tất cả")}</select>
            </label>
            <label>
                "Mẫu khảo sát " <select name="sample">{options(samples, f.sample, "Tất cả")}</select>
            </label>
            <label>
                "Sắp xếp theo " <select name="sort">{options(sorts, f.sort, "Thứ hạng")}</select>
            </label>
            <button type="submit">"Lọc"</button>
        </form>
    }
    .into_any()
}

#[component]
fn Ranking(data: RankingView, notice: Option<String>) -> impl IntoView {
    let criteria = data.criteria.id.clone();
    let rows = data
        .rows
        .iter()
        .cloned()
        .map(|r| {
            let href = format!("/report?commune={}&criteria={criteria}", r.commune_code);
            let (before, change, up, down) = match r.previous {
                Some((before, change, delta)) => (before, change, delta > 0, delta < 0),
                None => ("—".to_string(), String::new(), false, false),
            };
            let steering = r.steering.clone();
            view! {
                <tr class:unranked=r.rank.is_none() data-commune=r.commune_code.clone()>
                    <td class="num rank">
                        {r.rank.map_or("chưa xếp hạng: chưa đủ mẫu".to_string(), |n| n.to_string())}
                    </td>
                    <td>
                        <a href=href>{r.commune_name}</a>
                        {format!(" ({})", r.commune_code)}
                    </td>
                    <td>{r.district_name}</td>
                    <td class="num self">{r.self_assessed}</td>
                    <td class="num appraised">{r.appraised}</td>
                    <td class="num total">{r.total}</td>
                    <td>{r.grade.unwrap_or_else(|| "—".into())}</td>
                    <td>{if r.passed { "Đạt" } else { "Chưa đạt" }}</td>
                    <td>{format!("{} · n = {}", r.satisfaction, r.sample)}</td>
                    <td class="num">{before}</td>
                    <td class="num delta" class:up=up class:down=down>
                        {change}
                    </td>
                    <td class="dossier">{r.dossier}</td>
                </tr>
                // A row of its own under the commune's, so the figures' cells stay as they are.
                {steering
                    .map(|s| {
                        view! {
                            <tr class="steering">
                                <td colspan="12">"Chênh lệch với khảo sát độc lập: " {s}</td>
                            </tr>
                        }
                    })}
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
    let shown = data.rows.len();
    let previous = data
        .previous
        .clone()
        .map_or("kỳ trước: chưa có".to_string(), |p| {
            format!("kỳ trước: {}", p.period)
        });
    view! {
        <AccountBar me=data.me.clone() />
        <main class="page wide">
            <h1>"Kết quả các xã, phường"</h1>
            <p>{data.criteria.name.clone()} " · " {data.criteria.period.clone()}</p>
            <CriteriaSwitch action="/ranking" current=data.criteria.clone() choices=data.choices.clone() />
            {notice.map(|n| {
                view! { <p class="notice" role="status">{format!("Đã chấm điểm xong lần số {n}.")}</p> }
            })}
            {match data.run.clone() {
                Some(run) => view! {
                    <p class="run-info">
                        {format!(
                            "Lần chấm điểm số {} lúc {} ({}): {} xã, {} được xếp hạng.",
                            run.id,
                            run.when,
                            run.by,
                            data.total_rows,
                            data.ranked,
                        )}
                    </p>
                    <details class="run-info">
                        <summary>"Mã kiểm tra của lần chấm điểm"</summary>
                        <code>{run.run_hash}</code>
                    </details>
                }
                .into_any(),
                None => view! { <p class="notice">"Chưa có lần chấm điểm nào cho kỳ này."</p> }.into_any(),
            }}
            {run_form}
            {data.run.is_some().then(|| view! { <Downloads data=data.clone() /> })}
            <Filters data=data.clone() />
            <p class="shown">{format!("Hiển thị {shown} xã · so sánh với {previous}")}</p>
            <table class="ranking">
                <thead>
                    <tr>
                        <th scope="col">"Hạng"</th>
                        <th scope="col">"Xã, phường"</th>
                        <th scope="col">"Huyện"</th>
                        <th scope="col">"Xã tự chấm"</th>
                        <th scope="col">"Thẩm định"</th>
                        <th scope="col">"Tổng điểm"</th>
                        <th scope="col">"Xếp loại"</th>
                        <th scope="col">"Kết quả"</th>
                        <th scope="col">"Người dân hài lòng (khoảng tin cậy 95%)"</th>
                        <th scope="col">"Kỳ trước"</th>
                        <th scope="col">"Thay đổi"</th>
                        <th scope="col">"Hồ sơ tự đánh giá"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </main>
    }
}

/// Links to the scores of the latest run as CSV and XLSX, with the filters of the page (the
/// export limits itself to what the user may see).
#[component]
fn Downloads(data: RankingView) -> impl IntoView {
    let f = &data.filter;
    let mut query = format!("criteria={}", data.criteria.id);
    for (key, value) in [
        ("district", &f.district),
        ("grade", &f.grade),
        ("sample", &f.sample),
    ] {
        if let Some(v) = value.as_deref().filter(|v| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-".contains(c))
        }) {
            query.push_str(&format!("&{key}={v}"));
        }
    }
    view! {
        <p class="downloads">
            "Tải xuống: " <a href=format!("/exports/scores.csv?{query}")>"CSV"</a> " · "
            <a href=format!("/exports/scores.xlsx?{query}")>"Excel (XLSX)"</a>
        </p>
    }
}
