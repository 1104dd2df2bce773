//! The self-assessment dossier of a commune (tự đánh giá) and its appraisal (thẩm định): one page
//! whose inputs and buttons follow the user's role and the dossier's state. Every button posts the
//! whole form to `/assessment/{commune}/{criteria}`, which checks the role, the commune, the state
//! and the CSRF token again and either redirects back (303) or renders this page with the problems
//! beside the leaves (422), keeping what was typed.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::accounts::nav::Refusal;
use crate::assessment::api::{
    get_dossier_list, get_dossier_page, CriteriaChoice, DossierListView, DossierView, LeafKind,
    LeafView,
};
use crate::components::escape_text;
use crate::components::{set_status, AccountBar, ServerFailure};
use crate::domain::dossier::{State, Step};
use crate::domain::roles::Access;
use crate::i18n::Lang;

#[component]
pub fn DossierPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (q.get("commune"), q.get("criteria"))
        },
        |(commune, criteria)| get_dossier_page(commune, criteria),
    );
    let notice = move || query.read().get("ok");
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => {
                        view! { <Dossier data notice=notice() /> }.into_any()
                    }
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn notice_text(code: &str) -> &'static str {
    match code {
        "saved" => "Đã lưu.",
        "submitted" => "Đã gửi hồ sơ tự đánh giá để thẩm định.",
        "appraised" => "Đã lưu kết quả thẩm định.",
        "approved" => "Đã hoàn thành thẩm định; chờ tỉnh phê duyệt.",
        "returned" => "Đã trả lại hồ sơ cho xã để chỉnh sửa.",
        "finalised" => "Đã phê duyệt kết quả.",
        "imported" => "Đã lưu điểm nhập từ hệ thống khác.",
        _ => "Đã lưu.",
    }
}

/// The period switcher: a plain GET form, so it works without JavaScript.
#[component]
pub fn CriteriaSwitch(
    action: &'static str,
    current: CriteriaChoice,
    choices: Vec<CriteriaChoice>,
    #[prop(optional)] commune: Option<String>,
) -> impl IntoView {
    if choices.len() < 2 {
        return ().into_any();
    }
    let options = choices
        .into_iter()
        .map(|c| {
            let selected = c.id == current.id;
            let label = format!("{} · {}", c.period, c.id);
            view! {
                <option value=c.id selected=selected>
                    {label}
                </option>
            }
        })
        .collect_view();
    view! {
        <form method="get" action=action class="inline criteria-switch">
            {commune.map(|c| view! { <input type="hidden" name="commune" value=c /> })}
            <label for="criteria">"Kỳ đánh giá: "</label>
            <select id="criteria" name="criteria">{options}</select>
            <button type="submit">"Xem"</button>
        </form>
    }
    .into_any()
}

#[component]
fn Dossier(data: DossierView, notice: Option<String>) -> impl IntoView {
    if !data.problems.is_empty() {
        set_status(422);
    }
    let can_edit = data.steps.contains(&Step::SaveEntries);
    let can_appraise = data.steps.contains(&Step::Appraise);
    let action = format!("/assessment/{}/{}", data.commune_code, data.criteria.id);
    let form_problem = data.problems.get("").cloned();
    let leaf_count = data.leaves.len();
    let rows = data
        .leaves
        .iter()
        .cloned()
        .map(|leaf| {
            let problem = data.problems.get(&leaf.id).cloned();
            view! { <LeafRow leaf problem can_edit can_appraise /> }
        })
        .collect_view();
    let buttons = data
        .steps
        .iter()
        .filter(|s| !matches!(s, Step::Return))
        .map(|step| {
            let (value, label) = match step {
                Step::SaveEntries => ("save", "Lưu nháp"),
                Step::Submit => ("submit", "Gửi thẩm định"),
                Step::Appraise => ("appraise", "Lưu thẩm định"),
                Step::Approve => ("approve", "Hoàn thành thẩm định"),
                Step::Finalise => ("finalise", "Phê duyệt kết quả"),
                Step::Return => ("return", "Trả lại"),
            };
            view! {
                <button type="submit" name="step" value=value class="submit">
                    {label}
                </button>
            }
        })
        .collect_view();
    let can_return = data.steps.contains(&Step::Return);
    let imported: Vec<LeafView> = data
        .leaves
        .iter()
        .filter(|l| l.kind == LeafKind::Imported)
        .cloned()
        .collect();
    let csrf = data.me.csrf.clone();
    let report_href = format!(
        "/report?commune={}&criteria={}",
        data.commune_code, data.criteria.id
    );
    view! {
        <AccountBar me=data.me.clone() />
        <main class="page wide">
            <h1>"Hồ sơ tự đánh giá: " {data.commune_name.clone()} " (" {data.commune_code.clone()} ")"</h1>
            <p>{data.district_name.clone()}</p>
            <p>{data.criteria.name.clone()} " · " {data.criteria.period.clone()}</p>
            <CriteriaSwitch
                action="/assessment"
                current=data.criteria.clone()
                choices=data.choices.clone()
                commune=data.commune_code.clone()
            />
            <p class="dossier-state">
                "Trạng thái: " <strong data-state=data.state.key()>{data.state.label(Lang::Vi)}</strong>
                " · " <a href=report_href>"Xem kết quả chấm điểm"</a>
            </p>
            {data
                .return_reason
                .clone()
                .filter(|_| data.state == State::Returned)
                .map(|r| {
                    view! { <p class="form-error" role="alert">{format!("Lý do trả lại: {r}")}</p> }
                })}
            {notice.map(|n| view! { <p class="notice" role="status">{notice_text(&n)}</p> })}
            {form_problem.map(|p| view! { <p class="form-error" role="alert">{p}</p> })}
            <form method="post" action=action.clone() class="dossier">
                <input type="hidden" name="_csrf" value=csrf.clone() />
                <table class="leaves">
                    <thead>
                        <tr>
                            <th scope="col">"Tiêu chí (" {leaf_count} ")"</th>
                            <th scope="col">"Tối đa"</th>
                            <th scope="col">"Xã tự chấm và minh chứng"</th>
                            <th scope="col">"Thẩm định"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                {can_return
                    .then(|| {
                        view! {
                            <fieldset class="return">
                                <legend>"Trả lại hồ sơ cho xã"</legend>
                                <label for="return_reason">"Lý do trả lại (bắt buộc)"</label>
                                <textarea id="return_reason" name="return_reason" rows="2"></textarea>
                                <button type="submit" name="step" value="return">
                                    "Trả lại để chỉnh sửa"
                                </button>
                            </fieldset>
                        }
                    })}
                <p class="buttons">{buttons}</p>
            </form>
            {(data.can_import && !imported.is_empty())
                .then(|| view! { <ImportedForm action csrf leaves=imported /> })}
        </main>
    }
}

#[component]
fn ImportedForm(action: String, csrf: String, leaves: Vec<LeafView>) -> impl IntoView {
    let rows = leaves
        .into_iter()
        .map(|leaf| {
            let id = leaf.id.clone();
            view! {
                <p>
                    <label for=format!("imported.{id}")>
                        {leaf.name.clone()} " (thang 0–" {leaf.import_max.clone()} ", tối đa "
                        {leaf.max.clone()} " điểm)"
                    </label>
                    <input
                        id=format!("imported.{id}")
                        name=format!("imported.{id}")
                        inputmode="decimal"
                        value=leaf.imported.clone()
                    />
                    <label for=format!("source.{id}")>"Nguồn (văn bản, ngày công bố)"</label>
                    <input
                        id=format!("source.{id}")
                        name=format!("source.{id}")
                        value=leaf.imported_source.clone()
                    />
                </p>
            }
        })
        .collect_view();
    view! {
        <h2>"Điểm nhập từ hệ thống khác"</h2>
        <form method="post" action=action class="stack">
            <input type="hidden" name="_csrf" value=csrf />
            {rows}
            <button type="submit" name="step" value="import" class="submit">
                "Lưu điểm nhập"
            </button>
        </form>
    }
}

#[component]
fn LeafRow(
    leaf: LeafView,
    problem: Option<String>,
    can_edit: bool,
    can_appraise: bool,
) -> impl IntoView {
    let id = leaf.id.clone();
    let commune_enters = matches!(leaf.kind, LeafKind::SelfAssessment | LeafKind::Bonus);
    let own = if commune_enters && can_edit {
        view! {
            <label class="visually-hidden" for=format!("points.{id}")>"Điểm tự chấm"</label>
            <input
                id=format!("points.{id}")
                name=format!("points.{id}")
                class="points"
                inputmode="decimal"
                placeholder="điểm"
                value=leaf.points.clone()
            />
            <label for=format!("note.{id}")>
                {if leaf.evidence_required { "Minh chứng (bắt buộc)" } else { "Ghi chú" }}
            </label>
            <textarea id=format!("note.{id}") name=format!("note.{id}") rows="2">
                {escape_text(&leaf.note)}
            </textarea>
            <label for=format!("link.{id}")>"Đường dẫn văn bản minh chứng"</label>
            <input
                id=format!("link.{id}")
                name=format!("link.{id}")
                type="url"
                placeholder="https://…"
                value=leaf.link.clone()
            />
        }
        .into_any()
    } else if commune_enters {
        let link = leaf.link.clone();
        view! {
            <p class="entered">
                <strong>{if leaf.points.is_empty() { "chưa nhập".to_string() } else { leaf.points.clone() }}</strong>
            </p>
            <p>{leaf.note.clone()}</p>
            {(!link.is_empty()).then(|| view! { <p><a href=link.clone() rel="noopener noreferrer">{link.clone()}</a></p> })}
        }
            .into_any()
    } else if leaf.kind == LeafKind::CitizenSurvey {
        view! {
            <p class="source-note">"Tính tự động từ phiếu khảo sát của người dân"</p>
            <p class="computed">{format!("Điểm tính được hôm nay: {}", leaf.computed)}</p>
        }
        .into_any()
    } else {
        view! {
            <p class="source-note">
                "Điểm nhập từ hệ thống khác: "
                {if leaf.imported.is_empty() { "chưa có".to_string() } else { format!("{} / {}", leaf.imported, leaf.import_max) }}
            </p>
            <p class="computed">{format!("Điểm tính được hôm nay: {}", leaf.computed)}</p>
        }
            .into_any()
    };
    // On a computed leaf the appraisal replaces the computed points: the placeholder says so.
    let replaces = (!leaf.computed.is_empty()).then(|| {
        view! { <p class="replaces">"Điểm thẩm định (nếu nhập) thay cho điểm tính được."</p> }
    });
    let appraisal = if can_appraise {
        view! {
            {replaces}
            <label class="visually-hidden" for=format!("appraised.{id}")>"Điểm thẩm định"</label>
            <input
                id=format!("appraised.{id}")
                name=format!("appraised.{id}")
                class="points"
                inputmode="decimal"
                placeholder="điểm"
                value=leaf.appraised.clone()
            />
            <label for=format!("reason.{id}")>"Lý do"</label>
            <input id=format!("reason.{id}") name=format!("reason.{id}") value=leaf.reason.clone() />
        }
            .into_any()
    } else if leaf.appraised.is_empty() {
        view! { <p>"—"</p> }.into_any()
    } else {
        view! {
            <p>
                <strong>{leaf.appraised.clone()}</strong>
            </p>
            <p>{leaf.reason.clone()}</p>
        }
        .into_any()
    };
    let invalid = problem.is_some();
    view! {
        <tr class:invalid=invalid id=format!("leaf-{id}")>
            <td>
                <span class="leaf-group">{leaf.group.clone()}</span>
                {(!leaf.criterion.is_empty()).then(|| view! { <span class="leaf-criterion">{leaf.criterion.clone()}</span> })}
                <span class="leaf-name">{leaf.name.clone()}</span>
                <span class="leaf-id">{leaf.id.clone()}</span>
                {problem.map(|p| view! { <span class="error" role="alert">{p}</span> })}
            </td>
            <td class="num">{leaf.max.clone()}</td>
            <td>{own}</td>
            <td>{appraisal}</td>
        </tr>
    }
}

/// The reviewer's list of dossiers.
#[component]
pub fn DossierListPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("criteria"), get_dossier_list);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <DossierList data /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DossierList(data: DossierListView) -> impl IntoView {
    let criteria = data.criteria.id.clone();
    let waiting = data
        .rows
        .iter()
        .filter(|r| r.state == Some(State::Submitted))
        .count();
    let rows = data
        .rows
        .into_iter()
        .map(|r| {
            let href = format!("/assessment?commune={}&criteria={criteria}", r.commune_code);
            view! {
                <tr>
                    <td>
                        <a href=href>{r.commune_name}</a>
                        " (" {r.commune_code.clone()} ")"
                    </td>
                    <td>{r.district_name}</td>
                    <td>{r.state.map_or("Chưa bắt đầu", |s| s.label(Lang::Vi))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <AccountBar me=data.me />
        <main class="page">
            <h1>"Hồ sơ tự đánh giá"</h1>
            <p>{data.criteria.name.clone()} " · " {data.criteria.period.clone()}</p>
            <CriteriaSwitch action="/assessments" current=data.criteria choices=data.choices />
            <p class="notice">{format!("{waiting} hồ sơ chờ thẩm định.")}</p>
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Xã, phường"</th>
                        <th scope="col">"Huyện"</th>
                        <th scope="col">"Trạng thái"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </main>
    }
}
