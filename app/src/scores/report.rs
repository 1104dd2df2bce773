//! A commune's explained score: every group, criterion and leaf with its points and the
//! sentence that explains them, from the latest stored score run (or computed now, marked
//! provisional, before the province has run one).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use scoring::NodeResult;

use crate::accounts::nav::Refusal;
use crate::assessment::page::CriteriaSwitch;
use crate::components::{AccountBar, ServerFailure};
use crate::domain::roles::Access;
use crate::i18n::Lang;
use crate::scores::api::get_report_page;
use crate::scores::model::ReportView;

#[component]
pub fn ReportPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("commune"), q.get("criteria"))
        },
        |(commune, criteria)| get_report_page(commune, criteria),
    );
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Report data /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn node_rows(node: &NodeResult, depth: usize) -> Vec<AnyView> {
    let class = match depth {
        0 => "node-group",
        1 => "node-criterion",
        _ => "node-leaf",
    };
    let explanation = node.leaf.as_ref().map(|l| l.explanation.vi.clone());
    let mut rows = vec![view! {
        <tr class=class data-node=node.id.clone()>
            <td>
                {node.name.vi.clone()}
                {node.bonus.then_some(" (điểm cộng)")}
                {explanation.map(|e| view! { <p class="explanation">{e}</p> })}
            </td>
            <td class="num points">{node.points.format(Lang::Vi)}</td>
            <td class="num">{node.max.format(Lang::Vi)}</td>
        </tr>
    }
    .into_any()];
    for child in &node.children {
        rows.extend(node_rows(child, depth + 1));
    }
    rows
}

#[component]
fn Report(data: ReportView) -> impl IntoView {
    let report = data.report;
    let rows: Vec<AnyView> = report.groups.iter().flat_map(|g| node_rows(g, 0)).collect();
    let outcome = if report.passed {
        "Đạt"
    } else {
        "Chưa đạt"
    };
    let grade = report
        .grade
        .as_ref()
        .map_or("—".to_string(), |g| g.label.vi.clone());
    let knockouts = report
        .knockouts
        .iter()
        .map(|k| view! { <li>{k.explanation.vi.clone()}</li> })
        .collect_view();
    let source = match &data.run {
        Some(run) => view! {
            <p class="run-info">
                {format!(
                    "Kết quả lần chấm điểm số {} lúc {} ({}), bộ tiêu chí phiên bản {}, phiếu khảo sát {}.",
                    run.id,
                    run.when,
                    run.by,
                    run.criteria_version,
                    run.survey_versions,
                )}
            </p>
        }
        .into_any(),
        None => view! {
            <p class="notice provisional">
                "Kết quả tạm tính theo dữ liệu hiện tại: tỉnh chưa chấm điểm chính thức kỳ này."
            </p>
        }
        .into_any(),
    };
    view! {
        <AccountBar me=data.me />
        <main class="page wide">
            <h1>"Kết quả chấm điểm: " {data.commune_name} " (" {report.unit.clone()} ")"</h1>
            <p>{data.district_name} " · " {data.criteria.name.clone()} " · " {data.criteria.period.clone()}</p>
            <CriteriaSwitch
                action="/report"
                current=data.criteria.clone()
                choices=data.choices
                commune=report.unit.clone()
            />
            {data.state.map(|s| view! { <p>"Hồ sơ tự đánh giá: " {s.label(Lang::Vi)}</p> })}
            {source}
            {data.steering.map(|s| view! { <p class="steering" role="alert">{s}</p> })}
            <table class="figures totals">
                <tbody>
                    <tr>
                        <th scope="row">"Tổng điểm"</th>
                        <td class="total">
                            {format!("{} / {}", report.total.format(Lang::Vi), report.scale_max.format(Lang::Vi))}
                        </td>
                    </tr>
                    <tr>
                        <th scope="row">"Điểm cộng"</th>
                        <td>{report.bonus_points.format(Lang::Vi)}</td>
                    </tr>
                    <tr>
                        <th scope="row">"Kết quả"</th>
                        <td class="outcome">{outcome} " (ngưỡng đạt " {report.pass_threshold.format(Lang::Vi)} ")"</td>
                    </tr>
                    <tr>
                        <th scope="row">"Xếp loại"</th>
                        <td class="grade">{grade}</td>
                    </tr>
                </tbody>
            </table>
            <p class="summary">{report.summary.vi.clone()}</p>
            {(!report.knockouts.is_empty()).then(|| view! {
                <h2>"Điều kiện loại trừ"</h2>
                <ul class="knockouts">{knockouts}</ul>
            })}
            <table class="report">
                <thead>
                    <tr>
                        <th scope="col">"Tiêu chí và cách tính"</th>
                        <th scope="col">"Điểm"</th>
                        <th scope="col">"Tối đa"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            // The codes are for someone re-checking a result, not for every reader.
            <details class="hashes">
                <summary>"Mã kiểm tra (để đối chiếu kết quả)"</summary>
                "Mã kiểm tra dữ liệu đầu vào: " <code>{report.input_hash.clone()}</code><br />
                "Mã kiểm tra kết quả: " <code>{report.output_hash.clone()}</code>
            </details>
        </main>
    }
}
