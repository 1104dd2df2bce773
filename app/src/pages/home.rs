//! The home page: what Hài Lòng is and how a citizen finds a desk's survey (by its QR code at the
//! desk). It lists no desk: a survey link belongs on the poster at its desk, where the citizen
//! who was served can scan it, not in a public directory anyone could rate from. Staff find
//! their desks and posters after signing in (`pages::desks`).

use leptos::prelude::*;

use crate::components::{DocumentLang, LangSwitch};
use crate::i18n::{ui, use_lang, Lang};

#[component]
pub fn HomePage() -> impl IntoView {
    let lang_memo = use_lang();
    move || {
        let lang = lang_memo.get();
        let t = ui(lang);
        view! {
            <DocumentLang lang=lang_memo />
            <main class="page">
                <header class="survey-head">
                    <LangSwitch path="/" lang />
                    <StaffLink lang />
                    <h1>"Hài Lòng"</h1>
                    <p class="intro">{t.home_intro}</p>
                </header>
                <section class="how-to-rate">
                    <h2>{t.home_how_title}</h2>
                    <p>{t.home_how}</p>
                </section>
                <Tour lang />
            </main>
        }
    }
}

/// Staff sign in here; a signed-in user goes to the first page of their role instead.
#[component]
fn StaffLink(lang: Lang) -> impl IntoView {
    let me = Resource::new(|| (), |_| crate::accounts::api::get_me());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => {
                        let home = crate::components::role_pages(me.role)
                            .first()
                            .map_or("/", |(href, _)| *href);
                        view! {
                            <a class="lang-switch" href=home>
                                {if lang == Lang::En { "My pages" } else { "Trang của tôi" }}
                            </a>
                        }
                            .into_any()
                    }
                    _ => {
                        view! {
                            <a class="lang-switch" href="/login">
                                {if lang == Lang::En { "Staff sign-in" } else { "Cán bộ đăng nhập" }}
                            </a>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Where to click, for each kind of user (the first screen a newcomer sees).
#[component]
fn Tour(lang: Lang) -> impl IntoView {
    let steps: [(&str, &str); 4] = match lang {
        Lang::Vi | Lang::Supplied(_) => [
            ("Người dân", "quét mã QR dán tại quầy tiếp nhận hồ sơ (hoặc in trên phiếu hẹn trả kết quả), trả lời và gửi."),
            ("Cán bộ, lãnh đạo xã", "“Cán bộ đăng nhập” → “Xã của tôi”: số phiếu, tỷ lệ hài lòng, ý kiến mới nhất; “Tự đánh giá”: cán bộ nhập điểm và minh chứng, lãnh đạo gửi thẩm định; “Kết quả chấm điểm”: từng điểm được giải thích."),
            ("Thẩm định cấp huyện", "đăng nhập → “Thẩm định”: chấm lại từng tiêu chí có lý do, trả lại hoặc hoàn thành; “Phiếu bị đánh dấu”: giữ hoặc loại các phiếu bất thường."),
            ("Quản trị cấp tỉnh", "đăng nhập → “Xếp hạng”: chấm điểm tất cả các xã và xếp hạng; “Thẩm định”: phê duyệt; “Người dùng”, “Nhật ký”; “Quầy và áp phích”: mở phiếu khảo sát của từng quầy, in áp phích QR."),
        ],
        Lang::En => [
            ("Citizens", "scan the QR code at the desk (or on the appointment slip), answer and send."),
            ("Commune staff", "“Staff sign-in” → “Xã của tôi”: responses, satisfied share, latest comments; “Tự đánh giá”: the officer enters points and evidence, the leader submits; “Kết quả chấm điểm”: every point explained."),
            ("District reviewers", "sign in → “Thẩm định”: appraise each criterion with a reason, return or approve; “Phiếu bị đánh dấu”: keep or exclude flagged responses."),
            ("Province admins", "sign in → “Xếp hạng”: score every commune and rank them; “Thẩm định”: finalise; “Người dùng”, “Nhật ký”; “Quầy và áp phích”: each desk's survey and QR poster."),
        ],
    };
    view! {
        <section class="tour">
            <h2>{if lang == Lang::En { "Where to start" } else { "Bắt đầu từ đâu" }}</h2>
            <ul>
                {steps
                    .into_iter()
                    .map(|(who, what)| view! { <li><strong>{who}</strong>": " {what}</li> })
                    .collect_view()}
            </ul>
        </section>
    }
}
