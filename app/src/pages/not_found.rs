//! The fallback for unknown paths: a real 404 with a way back.

use leptos::prelude::*;

use crate::accounts::nav::SiteNav;
use crate::components::{set_status, DocumentLang};
use crate::i18n::{ui, use_lang};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    set_status(404);
    let lang = use_lang();
    let t = ui(lang.get_untracked());
    view! {
        <DocumentLang lang />
        <SiteNav />
        <main class="page narrow">
            <h1>{t.page_not_found_title}</h1>
            <p>{t.page_not_found_body}</p>
            <p>
                <a href="/">{t.back_home}</a>
            </p>
        </main>
    }
}
