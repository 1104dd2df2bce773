//! Flagged survey responses, for the district reviewer (own district) and the province admin.
//! Flagged responses count in scores until a reviewer excludes them here.

use leptos::prelude::*;

use crate::api::account::{get_review_page, ReviewPageData};
use crate::components::{AccountBar, Refusal, ServerFailure};
use crate::i18n::Lang;
use crate::roles::Access;

#[component]
pub fn ReviewPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_review_page());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Review data /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn flag_label(flag: &str) -> &str {
    match flag {
        "honeypot" => "gửi tự động (ô ẩn bị điền)",
        "device_burst" => "nhiều phiếu từ một thiết bị",
        "client_burst" => "nhiều phiếu từ một địa chỉ mạng",
        "identical_answers" => "nhiều phiếu giống hệt nhau",
        "outside_hours" => "ngoài giờ làm việc",
        "kiosk_clock" => "đồng hồ máy đánh giá sai, tính theo giờ nhận",
        other => other,
    }
}

#[component]
fn Review(data: ReviewPageData) -> impl IntoView {
    let csrf = data.me.csrf.clone();
    let rows = data
        .flagged
        .into_iter()
        .map(|f| {
            let reasons = f.flags.split(',').map(flag_label).collect::<Vec<_>>().join("; ");
            let (next, label) = if f.excluded {
                ("include", "Tính lại vào kết quả")
            } else {
                ("exclude", "Loại khỏi kết quả")
            };
            view! {
                <tr class:excluded=f.excluded>
                    <td>{f.when}</td>
                    <td>{f.commune}</td>
                    <td>
                        {f.desk}
                        {(f.channel == "kiosk").then_some(" (máy đánh giá tại quầy)")}
                    </td>
                    <td>{f.overall.map(|o| format!("{o}/5")).unwrap_or_default()}</td>
                    <td>{reasons}</td>
                    <td>{if f.excluded { "Đã loại" } else { "Đang tính" }}</td>
                    <td>
                        <form method="post" action=format!("/review/responses/{}", f.id) class="inline">
                            <input type="hidden" name="_csrf" value=csrf.clone() />
                            <input type="hidden" name="decision" value=next />
                            <button type="submit">{label}</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <AccountBar me=data.me />
        <main class="page">
            <h1>"Phiếu bị đánh dấu"</h1>
            <p>
                "Các phiếu dưới đây có dấu hiệu bất thường. Phiếu vẫn được tính cho đến khi người thẩm định quyết định loại."
            </p>
            <table>
                <thead>
                    <tr>
                        <th>"Thời gian"</th>
                        <th>"Xã"</th>
                        <th>"Quầy"</th>
                        <th>"Hài lòng chung"</th>
                        <th>"Lý do"</th>
                        <th>"Trạng thái"</th>
                        <th>"Quyết định"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </main>
    }
}
