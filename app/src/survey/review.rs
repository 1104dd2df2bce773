//! Flagged survey responses, for the district reviewer (own district) and the province admin:
//! those a stuffing rule flagged wait here before they count; the others count until a reviewer
//! excludes them (`crate::domain::flags`).

use leptos::prelude::*;

use crate::accounts::api::{get_review_page, ReviewPageData};
use crate::accounts::nav::Refusal;
use crate::components::{AccountBar, ServerFailure};
use crate::domain::channel::Channel;
use crate::domain::roles::Access;
use crate::i18n::Lang;

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

#[component]
fn Review(data: ReviewPageData) -> impl IntoView {
    let csrf = data.me.csrf.clone();
    let rows = data
        .flagged
        .into_iter()
        .map(|f| {
            let reasons = f.reasons.clone();
            let status = if f.excluded {
                "Đã loại"
            } else if f.held {
                "Chờ duyệt (chưa tính)"
            } else {
                "Đang tính"
            };
            // A held response gets both decisions; the others the one that changes them.
            let decisions: Vec<(&str, &str)> = if f.held {
                vec![("include", "Chấp nhận, tính vào kết quả"), ("exclude", "Loại khỏi kết quả")]
            } else if f.excluded {
                vec![("include", "Tính lại vào kết quả")]
            } else {
                vec![("exclude", "Loại khỏi kết quả")]
            };
            let forms = decisions
                .into_iter()
                .map(|(next, label)| {
                    view! {
                        <form method="post" action=format!("/review/responses/{}", f.id) class="decision">
                            <input type="hidden" name="_csrf" value=csrf.clone() />
                            <input type="hidden" name="decision" value=next />
                            <label>
                                <input type="checkbox" name="confirm" value="yes" required />
                                " Tôi đã xem phiếu và xác nhận"
                            </label>
                            <button type="submit">{label}</button>
                        </form>
                    }
                })
                .collect_view();
            let answers = f
                .answers
                .iter()
                .cloned()
                .map(|(question, answer)| {
                    view! {
                        <dt>{question}</dt>
                        <dd>{answer}</dd>
                    }
                })
                .collect_view();
            view! {
                <tr class:excluded=f.excluded class:held=f.held data-response=f.id>
                    <td>{f.when}</td>
                    <td>{f.commune}</td>
                    <td>
                        {f.desk}
                        {(f.channel == Channel::Kiosk.key()).then_some(" (máy đánh giá tại quầy)")}
                    </td>
                    <td>{f.overall.map(|o| format!("{o}/5")).unwrap_or_default()}</td>
                    <td>{reasons}</td>
                    <td>
                        <details>
                            <summary>"Xem phiếu"</summary>
                            <dl class="answers">{answers}</dl>
                        </details>
                    </td>
                    <td>{status}</td>
                    <td>{forms}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <AccountBar me=data.me />
        <main class="page">
            <h1>"Phiếu bị đánh dấu"</h1>
            <p>
                "Các phiếu dưới đây có dấu hiệu bất thường. Phiếu bị đánh dấu theo quy tắc chống gian lận chờ duyệt và chưa được tính; các phiếu khác vẫn được tính cho đến khi người thẩm định quyết định loại. Hãy mở \"Xem phiếu\" để đọc câu trả lời và ý kiến, rồi đánh dấu ô xác nhận trước khi quyết định."
            </p>
            <table>
                <thead>
                    <tr>
                        <th>"Thời gian"</th>
                        <th>"Xã"</th>
                        <th>"Quầy"</th>
                        <th>"Hài lòng chung"</th>
                        <th>"Lý do"</th>
                        <th>"Phiếu"</th>
                        <th>"Trạng thái"</th>
                        <th>"Quyết định"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </main>
    }
}
