//! Kiosk mode's pages: the tablet's rating screen (`/kiosk`, or its enrolment form when the tablet
//! is not enrolled, or a notice while the province has not approved it) and the staff page that
//! enrols and revokes tablets (`/kiosks`), where the province admin also sees every commune's
//! tablets, approves them and leaves all of a tablet's ratings out of the figures.
//!
//! The rating screen is rendered here in full: the faces (a plain form posting the overall rating,
//! for browsers without JavaScript), the follow-up questions and the thanks, hidden until shown.
//! `app/script/kiosk.js`, loaded by this page alone, switches between them and keeps the offline
//! queue; it is not an island because every island is part of the WASM that every page loads.

use leptos::prelude::*;
use leptos_meta::{Meta, Stylesheet};
use leptos_router::hooks::use_query_map;
use survey_definitions::{Lang, SATISFACTION_LEVELS};

use crate::accounts::nav::Refusal;
use crate::components::asset_url;
use crate::components::{
    set_status, spoken_clip, AccountBar, DocumentLang, LangSwitch, Preload, ServerFailure,
};
use crate::domain::roles::Access;
use crate::forms::{error_under, kept_value, RefusedForm};
use crate::i18n::{use_lang, with_lang};
use crate::kiosk::api::{get_kiosk_page, get_kiosks_page};
use crate::kiosk::model::{
    EnrolProblem, KioskPageData, KioskRefusal, KioskScreenData, KioskStatus, KiosksPageData,
    NewEnrolment,
};
use crate::survey::page::FaceSymbols;

/// The kiosk's fixed words.
struct KioskUi {
    title: &'static str,
    enrol_intro: &'static str,
    code_label: &'static str,
    enrol_button: &'static str,
    invalid_code: &'static str,
    expired_form: &'static str,
    revoked: &'static str,
    more: &'static str,
    skip: &'static str,
    done: &'static str,
    thanks: &'static str,
    thanks_next: &'static str,
    waiting: &'static str,
    awaiting_approval: &'static str,
}

const VI: KioskUi = KioskUi {
    title: "Máy đánh giá sự hài lòng",
    enrol_intro: "Máy tính bảng này chưa được đăng ký cho quầy nào. Cán bộ xã tạo mã đăng ký ở trang “Máy đánh giá” (sau khi đăng nhập), rồi nhập mã vào đây.",
    code_label: "Mã đăng ký",
    enrol_button: "Đăng ký máy",
    invalid_code: "Mã đăng ký không đúng, đã dùng hoặc đã hết hạn. Vui lòng tạo mã mới.",
    expired_form: "Biểu mẫu đã hết hạn. Vui lòng nhập lại mã.",
    revoked: "Máy đánh giá này đã bị thu hồi. Muốn dùng lại, vui lòng đăng ký bằng mã mới.",
    more: "Câu hỏi thêm (không bắt buộc)",
    skip: "Bỏ qua",
    done: "Xong",
    thanks: "Cảm ơn ông/bà đã đánh giá!",
    thanks_next: "Đánh giá của ông/bà đã được ghi nhận.",
    waiting: "lượt đánh giá đang chờ gửi",
    awaiting_approval: "Máy đã được đăng ký cho quầy này nhưng chưa nhận đánh giá: tỉnh phê duyệt các máy do xã đăng ký. Cán bộ quản trị của tỉnh duyệt máy ở trang “Máy đánh giá”. Trang này tự tải lại mỗi phút.",
};

const EN: KioskUi = KioskUi {
    title: "Satisfaction kiosk",
    enrol_intro: "This tablet is not enrolled for a desk. Commune staff create an enrolment code on the “Kiosks” page (after signing in) and type it here.",
    code_label: "Enrolment code",
    enrol_button: "Enrol this tablet",
    invalid_code: "This code is wrong, used or expired. Please create a new one.",
    expired_form: "The form expired. Please type the code again.",
    revoked: "This kiosk has been revoked. To use it again, enrol it with a new code.",
    more: "More questions (optional)",
    skip: "Skip",
    done: "Done",
    thanks: "Thank you for your rating!",
    thanks_next: "Your rating has been recorded.",
    waiting: "ratings waiting to be sent",
    awaiting_approval: "This tablet is enrolled for this desk but takes no ratings yet: the province approves the kiosks communes enrol. A province administrator approves it on the “Kiosks” page. This page reloads itself every minute.",
};

fn kiosk_ui(lang: Lang) -> &'static KioskUi {
    match lang {
        Lang::Vi | Lang::Supplied(_) => &VI,
        Lang::En => &EN,
    }
}

/// `/kiosk`: the rating screen of an enrolled tablet, else its enrolment form.
#[component]
pub fn KioskPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let problem = use_context::<EnrolProblem>();
    let page = Resource::new(|| (), |_| get_kiosk_page());
    view! {
        <DocumentLang lang />
        <Stylesheet id="kiosk-css" href=asset_url("kiosk.css") />
        <Suspense>
            {move || Suspend::new(async move {
                let lang = lang.get();
                let done = query.read().get("done").is_some();
                match page.await {
                    Ok(KioskPageData::Screen(data)) => {
                        view! { <KioskScreen data=*data lang done /> }.into_any()
                    }
                    Ok(KioskPageData::AwaitingApproval(data)) => {
                        view! { <AwaitingApproval data=*data lang /> }.into_any()
                    }
                    Ok(KioskPageData::Enrol { csrf, revoked }) => {
                        view! { <EnrolForm csrf revoked lang problem /> }.into_any()
                    }
                    Err(_) => view! { <ServerFailure lang /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn EnrolForm(
    csrf: String,
    revoked: bool,
    lang: Lang,
    problem: Option<EnrolProblem>,
) -> impl IntoView {
    let t = kiosk_ui(lang);
    let message = match problem {
        Some(EnrolProblem::InvalidCode) => {
            set_status(422);
            Some(t.invalid_code)
        }
        Some(EnrolProblem::Expired) => {
            set_status(403);
            Some(t.expired_form)
        }
        None => revoked.then_some(t.revoked),
    };
    view! {
        <main class="page narrow">
            <header class="survey-head">
                <LangSwitch path="/kiosk" lang />
                <h1>{t.title}</h1>
                <p class="intro">{t.enrol_intro}</p>
            </header>
            {message.map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
            <form method="post" action=with_lang("/kiosk/enrol", lang) class="stack">
                <input type="hidden" name="_csrf" value=csrf />
                <label for="kiosk-code">{t.code_label}</label>
                <input
                    type="text"
                    id="kiosk-code"
                    name="code"
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    placeholder="ABCDE-FGHJK"
                    required
                />
                <button type="submit" class="submit">{t.enrol_button}</button>
            </form>
        </main>
    }
}

/// An enrolled tablet the province has not approved: what staff must do, and no faces for
/// citizens to tap into nothing. The page reloads itself, so the faces appear once approved.
#[component]
fn AwaitingApproval(data: KioskScreenData, lang: Lang) -> impl IntoView {
    let t = kiosk_ui(lang);
    view! {
        <Meta http_equiv="refresh" content="60" />
        <main class="page narrow">
            <header class="survey-head">
                <LangSwitch path="/kiosk" lang />
                <h1>{t.title}</h1>
                <p class="desk-line">
                    {data.kiosk_label.clone()} " · " {data.desk_name.get(lang).to_string()} " · "
                    {data.commune_name.clone()}
                </p>
            </header>
            <p class="form-error kiosk-awaiting" role="alert">
                {KioskRefusal::AwaitingApproval.message(lang)}
            </p>
            <p>{t.awaiting_approval}</p>
        </main>
    }
}

/// The tablet's rating screen: every step, the later ones hidden, and what `kiosk.js` needs to
/// know in `data-` attributes of `.kiosk-screen`.
#[component]
fn KioskScreen(data: KioskScreenData, lang: Lang, done: bool) -> impl IntoView {
    let t = kiosk_ui(lang);
    let faces = move |kind: &'static str, submit: bool| {
        SATISFACTION_LEVELS
            .iter()
            .map(|(level, text, _)| {
                let level = level.to_string();
                view! {
                    <button
                        type=if submit { "submit" } else { "button" }
                        name=submit.then_some("level")
                        value=level.clone()
                        class="kiosk-face"
                        class:small=!submit
                        data-kind=kind
                    >
                        <svg class="face" aria-hidden="true" viewBox="0 0 40 40">
                            <use href=format!("#face-{level}") />
                        </svg>
                        <span>{text.get(lang)}</span>
                    </button>
                }
            })
            .collect_view()
    };
    let spoken = move |clips: &[(Lang, String)]| {
        clips
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, url)| spoken_clip(url.clone(), lang, Preload::Whole))
    };
    let count = data.follow_ups.len();
    let follow_up_ids = data
        .follow_ups
        .iter()
        .map(|q| q.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let follow_ups = data
        .follow_ups
        .iter()
        .enumerate()
        .map(|(n, q)| {
            view! {
                <section class="kiosk-step" data-step=format!("follow-{n}") hidden=true>
                    <p class="kiosk-progress">{format!("{} · {}/{count}", t.more, n + 1)}</p>
                    <h1 class="kiosk-question">{q.label.get(lang).to_string()}</h1>
                    {spoken(&q.spoken)}
                    <div class="kiosk-faces">{faces("answer", false)}</div>
                    <div class="kiosk-actions">
                        <button type="button" class="kiosk-skip" data-kind="skip">
                            {t.skip}
                        </button>
                        <button type="button" class="kiosk-done" data-kind="done">
                            {t.done}
                        </button>
                    </div>
                </section>
            }
        })
        .collect_view();
    view! {
        <main class="kiosk">
            <FaceSymbols />
            <header class="kiosk-head">
                <LangSwitch path="/kiosk" lang />
                <p class="desk-line">
                    {data.desk_name.get(lang).to_string()} " · " {data.commune_name.clone()}
                </p>
            </header>
            <div
                class="kiosk-screen"
                data-desk=data.desk_code.clone()
                data-overall=data.overall.id.clone()
                data-follow-ups=follow_up_ids
                data-lang=lang.code().to_owned()
            >
                <form
                    method="post"
                    action=with_lang("/kiosk/rate", lang)
                    class="kiosk-step"
                    data-step="rate"
                >
                    <input type="hidden" name="_key" value=data.key.clone() />
                    <input type="hidden" name="desk" value=data.desk_code.clone() />
                    <input type="hidden" name="lang" value=lang.code().to_owned() />
                    <input type="hidden" name="question" value=data.overall.id.clone() />
                    {done
                        .then(|| {
                            view! {
                                <p class="notice kiosk-plain-thanks" role="status">
                                    {t.thanks_next}
                                </p>
                            }
                        })}
                    <h1 class="kiosk-question">{data.overall.label.get(lang).to_string()}</h1>
                    {spoken(&data.overall.spoken)}
                    <div class="kiosk-faces">{faces("rate", true)}</div>
                </form>
                {follow_ups}
                <section class="kiosk-step kiosk-thanks" data-step="thanks" role="status" hidden=true>
                    <svg class="face kiosk-thanks-face" aria-hidden="true" viewBox="0 0 40 40">
                        <use href="#face-5" />
                    </svg>
                    <h1>{t.thanks}</h1>
                    <p class="lead">{t.thanks_next}</p>
                </section>
                <p class="form-error kiosk-notice" role="alert" data-status="401" hidden=true>
                    {KioskRefusal::NotEnrolled.message(lang)}
                </p>
                <p class="form-error kiosk-notice" role="alert" data-status="403" hidden=true>
                    {KioskRefusal::Revoked.message(lang)}
                </p>
                <p class="kiosk-queue" data-pending="0" data-waiting=t.waiting></p>
            </div>
            <script src=asset_url("kiosk.js") defer></script>
        </main>
    }
}

/// `/kiosks`: staff enrol a tablet for one of their desks and revoke tablets.
#[component]
pub fn KiosksPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_kiosks_page());
    view! {
        <Stylesheet id="kiosk-css" href=asset_url("kiosk.css") />
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Kiosks data /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Kiosks(data: KiosksPageData) -> impl IntoView {
    let csrf = data.me.csrf.clone();
    let province = data.province;
    let rows = data
        .kiosks
        .into_iter()
        .map(|k| {
            let active = matches!(k.status, KioskStatus::Active | KioskStatus::Waiting { .. });
            let status = match &k.status {
                KioskStatus::Waiting { until } => format!("Chờ nhập mã (đến {until})"),
                KioskStatus::Expired => "Mã đã hết hạn".to_string(),
                KioskStatus::Active => "Đang hoạt động".to_string(),
                KioskStatus::Revoked => "Đã thu hồi".to_string(),
            };
            let approval = if k.awaiting_approval {
                "Chờ tỉnh duyệt".to_string()
            } else {
                k.approved
                    .as_ref()
                    .map(|a| format!("Tỉnh duyệt {a}"))
                    .unwrap_or_default()
            };
            let id = k.id;
            let path = |action: &str| format!("/kiosks/{id}/{action}");
            let revoke = active.then(|| button_form(path("revoke"), csrf.clone(), None, "Thu hồi"));
            let approve = (province && k.awaiting_approval)
                .then(|| button_form(path("approve"), csrf.clone(), None, "Duyệt"));
            let include = (province && k.excluded > 0).then(|| {
                button_form(
                    path("ratings"),
                    csrf.clone(),
                    Some("include"),
                    "Tính lại các phiếu đã loại theo máy",
                )
            });
            let exclude = (province && k.ratings > k.excluded).then(|| {
                let refused = RefusedForm::of(&path("ratings"));
                let from = kept_value(&refused, "from", String::new());
                let to = kept_value(&refused, "to", String::new());
                let error_id = format!("err-days-{id}");
                let error = error_under(&refused, "days", &error_id);
                view! {
                    <form method="post" action=path("ratings") class="inline kiosk-exclude">
                        <input type="hidden" name="_csrf" value=csrf.clone() />
                        <input type="hidden" name="decision" value="exclude" />
                        <label>
                            "Từ ngày "
                            <input
                                type="date"
                                name="from"
                                value=from
                                aria-describedby=error_id.clone()
                            />
                        </label>
                        <label>
                            " đến ngày "
                            <input type="date" name="to" value=to aria-describedby=error_id />
                        </label>
                        <button type="submit">"Loại mọi phiếu của máy khỏi kết quả"</button>
                        {error}
                    </form>
                }
            });
            view! {
                <tr class="kiosk-row" data-kiosk=id.to_string()>
                    <td>{k.label}</td>
                    <td>{k.commune} " · " {k.desk}</td>
                    <td class="kiosk-status">
                        {status}
                        {(!approval.is_empty()).then(|| view! { <br /> {approval} })}
                    </td>
                    <td>{k.ratings}</td>
                    <td class="kiosk-part">{k.part}</td>
                    <td>
                        {k.held}
                        {(!k.held_reasons.is_empty())
                            .then(|| {
                                view! {
                                    <ul class="kiosk-held-reasons">
                                        {k
                                            .held_reasons
                                            .into_iter()
                                            .map(|r| view! { <li>{r}</li> })
                                            .collect_view()}
                                    </ul>
                                }
                            })}
                    </td>
                    <td>{k.excluded}</td>
                    <td>{k.last_seen.unwrap_or_else(|| "—".into())}</td>
                    <td>{k.created} " · " {k.enrolled_by}</td>
                    <td>{k.enrolled.unwrap_or_else(|| "—".into())}</td>
                    <td>{revoke} {approve} {exclude} {include}</td>
                </tr>
            }
        })
        .collect_view();
    let refused = RefusedForm::of("/kiosks");
    let chosen_desk = kept_value(&refused, "desk", String::new());
    let typed_label = kept_value(&refused, "label", String::new());
    let desk_error = error_under(&refused, "desk", "err-kiosk-desk");
    let label_error = error_under(&refused, "label", "err-kiosk-label");
    let desks = data
        .desks
        .into_iter()
        .map(|(code, label)| {
            let selected = code == chosen_desk;
            view! { <option value=code selected=selected>{label}</option> }
        })
        .collect_view();
    let rules = format!(
        "Mỗi quầy có tối đa {} máy do cán bộ xã đăng ký (kể cả máy đang chờ nhập mã).{}",
        data.max_per_desk,
        if data.approval_required {
            " Máy do xã đăng ký chỉ nhận đánh giá sau khi tỉnh duyệt."
        } else {
            ""
        }
    );
    view! {
        <AccountBar me=data.me />
        <main class="page">
            <h1>"Máy đánh giá tại quầy"</h1>
            <p>
                "Máy tính bảng đặt tại quầy để người dân bấm mặt cười đánh giá, thay cho quét mã QR. \
                 Mỗi máy gắn với một quầy. Trên máy tính bảng, mở trang "
                <code>"/kiosk"</code> " rồi nhập mã đăng ký tạo ở đây (dùng một lần, hiệu lực 30 phút)."
            </p>
            <p>{rules}</p>
            {data
                .notice
                .map(|n| view! { <p class="notice kiosk-notice-done" role="status">{n.0}</p> })}
            {data.enrolment.map(new_enrolment)}
            <h2>"Đăng ký máy mới"</h2>
            <form method="post" action="/kiosks" class="stack">
                <input type="hidden" name="_csrf" value=csrf />
                <label for="kiosk-desk">"Quầy tiếp nhận"</label>
                <select id="kiosk-desk" name="desk" aria-describedby="err-kiosk-desk">
                    {desks}
                </select>
                {desk_error}
                <label for="kiosk-label">"Tên máy (ví dụ: Máy cửa số 1)"</label>
                <input
                    id="kiosk-label"
                    name="label"
                    maxlength="60"
                    value=typed_label
                    aria-describedby="err-kiosk-label"
                />
                {label_error}
                <button type="submit" class="submit">"Tạo mã đăng ký"</button>
            </form>
            <h2>"Các máy đã đăng ký"</h2>
            <table>
                <thead>
                    <tr>
                        <th>"Tên máy"</th>
                        <th>"Quầy"</th>
                        <th>"Trạng thái"</th>
                        <th>"Số lượt đánh giá"</th>
                        <th>"Phần trong kết quả của xã"</th>
                        <th>"Chờ duyệt (chưa tính)"</th>
                        <th>"Đã loại"</th>
                        <th>"Lần cuối gửi"</th>
                        <th>"Tạo mã lúc · bởi"</th>
                        <th>"Đăng ký lúc"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </main>
    }
}

/// One button posting to `path` with the CSRF token, and a `decision` when given.
fn button_form(
    path: String,
    csrf: String,
    decision: Option<&'static str>,
    label: &'static str,
) -> impl IntoView {
    view! {
        <form method="post" action=path class="inline">
            <input type="hidden" name="_csrf" value=csrf />
            {decision.map(|d| view! { <input type="hidden" name="decision" value=d /> })}
            <button type="submit">{label}</button>
        </form>
    }
}

fn new_enrolment(e: NewEnrolment) -> impl IntoView {
    view! {
        <section class="notice kiosk-enrolment" role="status">
            <p>"Mã đăng ký cho “" {e.label} "” tại " {e.desk} ":"</p>
            <p class="kiosk-code">{e.code}</p>
            <p>
                "Nhập mã này trên máy tính bảng tại trang /kiosk trước " {e.until}
                ". Mã chỉ hiện một lần và chỉ dùng được một lần."
            </p>
        </section>
    }
}
