//! The list of kept reports (`/reports`): the province's monthly report, made on schedule, and
//! every report a province user chose to keep, each with when, by whom and from what data it
//! was made, and a form to make and keep one now. The files are served as kept, never made again
//! (`server::reports::kept`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::accounts::nav::Refusal;
use crate::components::{AccountBar, ServerFailure};
use crate::domain::roles::{Access, Me};
use crate::error::AppError;
use crate::i18n::Lang;

/// Which kept reports a user may read: the province admin every one, a province reviewer the
/// province's and those of the communes assigned to it, a commune's staff their own commune's,
/// nobody else any. The page, the server function and the download all ask this.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeptAccess {
    Every,
    /// The codes of a province reviewer's assigned communes (and the province's own reports).
    Assigned(Vec<String>),
    Commune(String),
    None,
}

impl KeptAccess {
    /// What `me` may read; a province reviewer's assignments (unit ids) are read as the codes
    /// of the communes in force today.
    #[cfg(feature = "ssr")]
    pub async fn of(
        store: &crate::store::Store,
        me: &Me,
    ) -> Result<KeptAccess, crate::store::StoreError> {
        use crate::domain::roles::Role;
        Ok(match (me.role, &me.unit_code) {
            (Role::ProvinceAdmin, _) => KeptAccess::Every,
            (Role::ProvinceReviewer, _) => KeptAccess::Assigned(
                store
                    .communes_in_force(&crate::clock::today())
                    .await?
                    .into_iter()
                    .filter(|c| me.assigned.contains(&c.id))
                    .map(|c| c.code)
                    .collect(),
            ),
            (Role::CommuneLeader | Role::CommuneOfficer, Some(code)) => {
                KeptAccess::Commune(code.clone())
            }
            _ => KeptAccess::None,
        })
    }

    /// Whether a report of `scope` (`province` or a commune's code) may be read.
    #[cfg(feature = "ssr")]
    pub fn may_read(&self, scope: &str) -> bool {
        match self {
            KeptAccess::Every => true,
            KeptAccess::Assigned(codes) => {
                scope == crate::store::kept_reports::PROVINCE_SCOPE
                    || codes.iter().any(|c| c == scope)
            }
            KeptAccess::Commune(code) => code == scope,
            KeptAccess::None => false,
        }
    }

    /// Whether the user reads the province's reports and may make one on request.
    pub fn reads_province(&self) -> bool {
        matches!(self, KeptAccess::Every | KeptAccess::Assigned(_))
    }
}

/// One kept report as the page writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptRow {
    pub id: i64,
    /// `Toàn tỉnh`, or the commune's code and name.
    pub scope: String,
    /// `tháng 11 năm 2026 (2026-11)`.
    pub period: String,
    /// `03/12/2026 08:00`.
    pub made_at: String,
    /// `Tự động theo lịch hằng tháng`, or the user.
    pub made_by: String,
    /// What it was made from: the answers counted, the newest response, the score run.
    pub data: String,
    /// `412 KB · SHA-256 1a2b…` (the first 12 characters).
    pub file: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptView {
    pub me: Me,
    /// The province's readers choose a scope and make reports on request; a commune's staff
    /// read their commune's monthly reports.
    pub province: bool,
    /// The scope listed: `province`, or a commune's code.
    pub scope: String,
    /// The scopes a province reader may list: (`province` or a commune's code, its name).
    pub scopes: Vec<(String, String)>,
    pub rows: Vec<KeptRow>,
    /// The periods offered to make and keep now: (query value, title).
    pub periods: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
async fn kept_view(
    state: &crate::state::AppState,
    me: Me,
    access: KeptAccess,
    asked: Option<String>,
) -> Result<Access<KeptView>, AppError> {
    use crate::reports::ReportPeriod;
    use crate::store::kept_reports::PROVINCE_SCOPE;
    let internal = |e: crate::store::StoreError| AppError::internal("kept reports", e);
    let communes: Vec<(String, String)> = state
        .store
        .communes_in_force(&crate::clock::today())
        .await
        .map_err(internal)?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect();
    let names: std::collections::HashMap<&str, &str> = communes
        .iter()
        .map(|(code, name)| (code.as_str(), name.as_str()))
        .collect();
    let scope = match &access {
        KeptAccess::Commune(code) => code.clone(),
        // A scope that is neither the province nor a commune of it lists the province's; a
        // commune the reader may not read is refused.
        _ => match asked.filter(|a| names.contains_key(a.as_str())) {
            Some(code) if access.may_read(&code) => code,
            Some(_) => return Ok(Access::Forbidden),
            None => PROVINCE_SCOPE.to_string(),
        },
    };
    let count = |n: i64| crate::format::count(n, Lang::Vi);
    let rows = state
        .store
        .kept_reports(Some(&scope))
        .await
        .map_err(internal)?
        .into_iter()
        .map(|k| {
            let period = match k.period.parse::<ReportPeriod>() {
                Ok(p) => format!("{} ({})", p.title_vi(), k.period),
                Err(_) => k.period.clone(),
            };
            let scope = if k.scope == PROVINCE_SCOPE {
                "Toàn tỉnh".to_string()
            } else {
                match names.get(k.scope.as_str()) {
                    Some(name) => format!("{name} ({})", k.scope),
                    None => k.scope.clone(),
                }
            };
            let run = match (k.score_run_id, &k.score_check) {
                (Some(id), Some(check)) => {
                    format!("; điểm theo lần chấm số {id}, mã kiểm tra {check}")
                }
                _ => "; không có điểm".to_string(),
            };
            KeptRow {
                id: k.id,
                scope,
                period,
                made_at: crate::clock::display(k.created_at),
                made_by: k
                    .made_by
                    .unwrap_or_else(|| "Tự động theo lịch hằng tháng".to_string()),
                data: format!(
                    "{} phiếu được tính; phiếu mới nhất lúc lập: số {}{run}",
                    count(k.responses),
                    k.last_response_id
                ),
                file: format!(
                    "{} KB · SHA-256 {}",
                    count((k.size + 1023) / 1024),
                    &k.sha256[..k.sha256.len().min(12)]
                ),
            }
        })
        .collect();
    Ok(Access::Granted(KeptView {
        me,
        province: access.reads_province(),
        scope,
        scopes: if access.reads_province() {
            std::iter::once((PROVINCE_SCOPE.to_string(), "Toàn tỉnh".to_string()))
                .chain(
                    communes
                        .iter()
                        .filter(|(code, _)| access.may_read(code))
                        .map(|(code, name)| (code.clone(), format!("{name} ({code})"))),
                )
                .collect()
        } else {
            Vec::new()
        },
        rows,
        periods: ReportPeriod::offered(&crate::clock::today()),
    }))
}

/// The kept reports of `scope` (the province's by default) for the province admin and province
/// reviewers, and a commune's own for its staff.
#[server]
pub async fn get_kept_reports(scope: Option<String>) -> Result<Access<KeptView>, AppError> {
    let state = expect_context::<crate::state::AppState>();
    let Some(me) = crate::accounts::api::request_user(&state).await? else {
        return Ok(Access::SignInRequired);
    };
    let access = KeptAccess::of(&state.store, &me).await?;
    if access == KeptAccess::None {
        return Ok(Access::Forbidden);
    }
    kept_view(&state, me, access, scope).await
}

#[component]
pub fn KeptReportsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || query.read().get("scope"), get_kept_reports);
    let notice = move || query.read().get("ok");
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => {
                        view! { <KeptReports data notice=notice() /> }.into_any()
                    }
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn KeptReports(data: KeptView, notice: Option<String>) -> impl IntoView {
    let options = data
        .periods
        .iter()
        .cloned()
        .map(|(value, title)| view! { <option value=value>{title}</option> })
        .collect_view();
    let rows = data
        .rows
        .iter()
        .cloned()
        .map(|r| {
            view! {
                <tr id=format!("bao-cao-{}", r.id)>
                    <td data-label="Phạm vi">{r.scope}</td>
                    <td data-label="Kỳ báo cáo">{r.period}</td>
                    <td data-label="Lập lúc">{r.made_at}</td>
                    <td data-label="Người lập">{r.made_by}</td>
                    <td data-label="Dữ liệu">{r.data}</td>
                    <td data-label="Tệp">
                        <a href=format!("/reports/kept/{}.pdf", r.id)>"Tải PDF"</a>
                        " · "
                        {r.file}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let empty = data.rows.is_empty();
    let province = data.province;
    let scopes = data
        .scopes
        .iter()
        .cloned()
        .map(|(value, label)| {
            let selected = value == data.scope;
            view! { <option value=value selected=selected>{label}</option> }
        })
        .collect_view();
    let heading = if province {
        "Báo cáo đã lưu"
    } else {
        "Báo cáo hằng tháng của xã"
    };
    view! {
        <AccountBar me=data.me.clone() />
        <Title text=format!("{heading} — Hài Lòng") />
        <main class="page wide kept-reports">
            <h1>{heading}</h1>
            {notice
                .filter(|n| n == "kept")
                .map(|_| view! { <p class="notice">"Đã lập và lưu báo cáo."</p> })}
            <p class="hint">
                "Báo cáo của toàn tỉnh và của từng xã cho mỗi tháng được lập tự động sau khi tháng kết thúc và lưu lại nguyên trạng: tải lại lúc nào cũng là đúng tệp đã lập, kể cả khi sau đó có thêm phiếu hoặc lần chấm điểm mới."
            </p>
            {province
                .then(|| {
                    view! {
                        <form method="get" action="/reports" class="inline-form no-print">
                            <label for="kept-scope">"Xem báo cáo của"</label>
                            <select id="kept-scope" name="scope">{scopes}</select>
                            <button type="submit">"Xem"</button>
                        </form>
                        <form method="post" action="/reports/kept" class="inline-form no-print">
                            <input type="hidden" name="_csrf" value=data.me.csrf.clone() />
                            <label for="kept-period">"Lập và lưu báo cáo toàn tỉnh cho"</label>
                            <select id="kept-period" name="period">{options}</select>
                            <button type="submit">"Lập và lưu"</button>
                        </form>
                    }
                })}
            {if empty {
                view! { <p class="notice">"Chưa có báo cáo nào được lưu."</p> }.into_any()
            } else {
                view! {
                    <table class="kept-table">
                        <thead>
                            <tr>
                                <th scope="col">"Phạm vi"</th>
                                <th scope="col">"Kỳ báo cáo"</th>
                                <th scope="col">"Lập lúc"</th>
                                <th scope="col">"Người lập"</th>
                                <th scope="col">"Dữ liệu"</th>
                                <th scope="col">"Tệp"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
                    .into_any()
            }}
        </main>
    }
}
