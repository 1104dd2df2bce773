//! Printable QR posters: one per desk, or every desk of a district or of the province, one poster
//! per printed page (see the print rules in style/main.css).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::accounts::nav::Refusal;
use crate::components::{set_status, DocumentLang, ServerFailure};
use crate::domain::roles::Access;
use crate::i18n::{ui, use_lang, Lang};
use crate::survey::desk::DeskUnavailable;
use crate::survey::desk::{get_desk, list_desks, DeskInfo, DeskLookup};

/// The poster of one desk.
#[component]
pub fn PosterPage() -> impl IntoView {
    let params = use_params_map();
    let lang = use_lang();
    let desk = Resource::new(
        move || params.read().get("code").unwrap_or_default(),
        get_desk,
    );
    view! {
        <DocumentLang lang />
        <Suspense>
            {move || Suspend::new(async move {
                let lang = lang.get();
                match desk.await {
                    Ok(DeskLookup::Found(desk)) => {
                        view! {
                            <PrintButton lang />
                            <Poster desk />
                        }
                            .into_any()
                    }
                    Ok(DeskLookup::NotFound) => view! { <DeskUnavailable lang retired=false replacement=None /> }.into_any(),
                    Ok(DeskLookup::Retired(replacement)) => {
                        view! { <DeskUnavailable lang retired=true replacement /> }.into_any()
                    }
                    Err(_) => view! { <ServerFailure lang /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Every current desk of `?district=CODE`, or of the whole province without it, that the
/// signed-in user looks after.
#[component]
pub fn PostersPage() -> impl IntoView {
    let query = use_query_map();
    let lang = use_lang();
    let desks = Resource::new(move || query.read().get("district"), list_desks);
    view! {
        <DocumentLang lang />
        <Suspense>
            {move || Suspend::new(async move {
                let lang = lang.get();
                match desks.await {
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Ok(Access::Granted(data)) if data.desks.is_empty() => {
                        set_status(404);
                        view! { <DeskUnavailable lang retired=false replacement=None /> }.into_any()
                    }
                    Ok(Access::Granted(data)) => {
                        view! {
                            <PrintButton lang />
                            {data.desks.into_iter().map(|desk| view! { <Poster desk /> }).collect_view()}
                        }
                            .into_any()
                    }
                    Err(_) => view! { <ServerFailure lang /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The poster's second code, for citizens who read with difficulty: it opens the survey in large
/// type, where every question has its "Nghe đọc" button (spoken clips, see `components`). A
/// printed poster cannot speak; the phone that scans it can.
const SPOKEN_INSTRUCTION: &str =
    "Người cao tuổi, người khó đọc: quét mã nhỏ này để xem phiếu chữ lớn \
     và bấm \"Nghe đọc\" để nghe từng câu hỏi.";

/// Posters are for citizens, so they are always in Vietnamese whatever the page language.
#[component]
fn Poster(desk: DeskInfo) -> impl IntoView {
    let t = ui(Lang::Vi);
    let qr = format!("/q/{}/qr.svg", desk.code);
    let alt = format!("Mã QR: {}", desk.survey_url);
    let spoken_qr = format!("/q/{}/qr-large.svg", desk.code);
    let spoken_alt = format!("Mã QR: {}/text?size=large", desk.survey_url);
    view! {
        <section class="poster">
            // Only desks of a pre-reform commune have a district to name.
            <p class="poster-unit">
                {(!desk.district_name.is_empty()).then(|| format!("{} · ", desk.district_name))}
                {desk.province_name}
            </p>
            <h1 class="poster-commune">{desk.commune_name}</h1>
            <p class="poster-desk">{desk.name.vi}</p>
            <img class="poster-qr" src=qr alt=alt width="320" height="320" />
            <p class="poster-instruction">{t.poster_instruction}</p>
            <p class="poster-url">{t.poster_or_open} " " <span>{desk.survey_url}</span></p>
            <div class="poster-spoken">
                <img class="poster-spoken-qr" src=spoken_qr alt=spoken_alt width="160" height="160" />
                <p>{SPOKEN_INSTRUCTION}</p>
            </div>
        </section>
    }
}

#[component]
fn PrintButton(lang: Lang) -> impl IntoView {
    // A link to the print dialog needs JavaScript; without it the browser's own print command works.
    view! {
        <p class="no-print print-bar">
            <button type="button" onclick="window.print()">
                {ui(lang).print}
            </button>
        </p>
    }
}
