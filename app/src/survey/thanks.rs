//! The thank-you page a citizen sees once the answer is stored.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::{spoken_clip, DocumentLang, Preload, ServerFailure};
use crate::i18n::{ui, use_lang};
use crate::survey::api::get_thanks_page;
use crate::survey::desk::DeskLookup;
use crate::survey::desk::DeskUnavailable;
use crate::survey::page::FaceSymbols;

#[component]
pub fn ThanksPage() -> impl IntoView {
    let params = use_params_map();
    let lang = use_lang();
    let query = use_query_map();
    let already = move || query.read().get("already").is_some();
    let page = Resource::new(
        move || params.read().get("code").unwrap_or_default(),
        get_thanks_page,
    );
    view! {
        <DocumentLang lang />
        <Suspense>
            {move || Suspend::new(async move {
                let lang = lang.get();
                let t = ui(lang);
                match page.await {
                    Ok(DeskLookup::Found(data)) => {
                        view! {
                            <main class="page narrow thanks">
                                <FaceSymbols />
                                <svg class="thanks-face" aria-hidden="true" viewBox="0 0 40 40">
                                    <use href="#face-5" />
                                </svg>
                                <h1>{t.thanks_title}</h1>
                                <p class="lead">
                                    {if already() { t.already_rated } else { t.thanks_again }}
                                </p>
                                <p>{data.thanks.get(lang).to_string()}</p>
                                {data
                                    .spoken
                                    .iter()
                                    .find(|(l, _)| *l == lang)
                                    .map(|(_, url)| spoken_clip(url.clone(), lang, Preload::None))}
                                <p class="desk-line">
                                    {data.desk.name.get(lang).to_string()} " · "
                                    {data.desk.commune_name}
                                </p>
                            </main>
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
