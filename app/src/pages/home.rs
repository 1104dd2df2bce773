//! The home page: what Hài Lòng is, and every desk of the province with its survey and poster.

use leptos::prelude::*;

use crate::api::desks::{list_desks, DeskInfo};
use crate::components::{DocumentLang, LangSwitch, ServerFailure};
use crate::i18n::{ui, use_lang, with_lang, Lang};

#[component]
pub fn HomePage() -> impl IntoView {
    let lang = use_lang();
    let desks = Resource::new(|| (), |_| list_desks(None));
    view! {
        <DocumentLang lang />
        <Suspense>
            {move || Suspend::new(async move {
                let lang = lang.get();
                match desks.await {
                    Ok(desks) => view! { <DeskDirectory desks lang /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeskDirectory(desks: Vec<DeskInfo>, lang: Lang) -> impl IntoView {
    let t = ui(lang);
    let province = desks
        .first()
        .map(|d| d.province_name.clone())
        .unwrap_or_default();
    // Desks arrive ordered by district, so districts are consecutive runs.
    let mut districts: Vec<(String, String, Vec<DeskInfo>)> = Vec::new();
    for desk in desks {
        match districts.last_mut() {
            Some((code, _, list)) if *code == desk.district_code => list.push(desk),
            _ => districts.push((
                desk.district_code.clone(),
                desk.district_name.clone(),
                vec![desk],
            )),
        }
    }
    let sections = districts
        .into_iter()
        .map(|(code, name, desks)| {
            let rows = desks
                .into_iter()
                .map(|d| {
                    view! {
                        <tr>
                            <td>{d.commune_name}</td>
                            <td>{d.name.get(lang).to_string()}</td>
                            <td>
                                <a href=with_lang(&format!("/q/{}", d.code), lang)>{t.survey_link}</a>
                            </td>
                            <td>
                                <a href=with_lang(
                                    &format!("/q/{}/poster", d.code),
                                    lang,
                                )>{t.poster_link}</a>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <section class="district">
                    <h3>{name}</h3>
                    <p>
                        <a href=format!(
                            "/posters?district={code}",
                        )>{t.print_all_district}</a>
                    </p>
                    <table>
                        <tbody>{rows}</tbody>
                    </table>
                </section>
            }
        })
        .collect_view();
    view! {
        <main class="page">
            <header class="survey-head">
                <LangSwitch path="/" lang />
                <a class="lang-switch" href="/login">
                    {if lang == Lang::En { "Staff sign-in" } else { "Cán bộ đăng nhập" }}
                </a>
                <h1>{t.app_name}</h1>
                <p class="intro">{t.home_intro}</p>
            </header>
            <Tour lang />
            <h2>{t.home_desks} " — " {province}</h2>
            <p>
                <a href="/posters">{t.print_all_province}</a>
            </p>
            {sections}
        </main>
    }
}

/// Where to click, for each kind of user (the first screen a newcomer sees).
#[component]
fn Tour(lang: Lang) -> impl IntoView {
    let steps: [(&str, &str); 4] = match lang {
        Lang::Vi => [
            ("Người dân", "mở “Phiếu khảo sát” của một quầy bên dưới (như khi quét mã QR), trả lời và gửi."),
            ("Cán bộ, lãnh đạo xã", "“Cán bộ đăng nhập” → “Xã của tôi”: số phiếu, tỷ lệ hài lòng, ý kiến mới nhất; “Tự đánh giá”: cán bộ nhập điểm và minh chứng, lãnh đạo gửi thẩm định; “Kết quả chấm điểm”: từng điểm được giải thích."),
            ("Thẩm định cấp huyện", "đăng nhập → “Thẩm định”: chấm lại từng tiêu chí có lý do, trả lại hoặc hoàn thành; “Phiếu bị đánh dấu”: giữ hoặc loại các phiếu bất thường."),
            ("Quản trị cấp tỉnh", "đăng nhập → “Xếp hạng”: chấm điểm tất cả các xã và xếp hạng; “Thẩm định”: phê duyệt; “Người dùng”, “Nhật ký”, “Áp phích QR”."),
        ],
        Lang::En => [
            ("Citizens", "open a desk's “Survey” below (as scanning its QR code does), answer and send."),
            ("Commune staff", "“Staff sign-in” → “Xã của tôi”: responses, satisfied share, latest comments; “Tự đánh giá”: the officer enters points and evidence, the leader submits; “Kết quả chấm điểm”: every point explained."),
            ("District reviewers", "sign in → “Thẩm định”: appraise each criterion with a reason, return or approve; “Phiếu bị đánh dấu”: keep or exclude flagged responses."),
            ("Province admins", "sign in → “Xếp hạng”: score every commune and rank them; “Thẩm định”: finalise; “Người dùng”, “Nhật ký”, QR posters."),
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
