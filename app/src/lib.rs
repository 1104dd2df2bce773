//! Hài Lòng's user interface: Leptos pages rendered on the server and hydrated in the browser,
//! the server functions they call, and (with the `ssr` feature) the storage layer behind them.
//!
//! Every page renders completely without JavaScript: citizens open the survey on cheap phones where
//! the WASM may never load, so forms post plainly and the WASM only enhances them.

#[cfg(feature = "ssr")]
pub mod abuse;
pub mod accounts;
pub mod alerts;
pub mod assessment;
pub mod assets;
#[cfg(feature = "ssr")]
pub mod clock;
pub mod components;
#[cfg(feature = "ssr")]
pub mod criteria;
pub mod dashboard;
pub mod domain;
pub mod error;
pub mod figures;
pub mod format;
pub mod forms;
pub mod i18n;
pub mod independent;
pub mod kiosk;
#[cfg(feature = "ssr")]
pub mod live;
pub mod overview;
pub mod pages;
pub mod reports;
pub mod scores;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;
pub mod survey;
#[cfg(feature = "ssr")]
pub mod units;
#[cfg(feature = "ssr")]
pub mod writer;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// The Content-Security-Policy of every response. Scripts come from this origin only, plus the
/// inline scripts of a Leptos page that carry its `nonce` (the hydration bootstrap and the
/// serialised resources); WASM needs 'wasm-unsafe-eval'. Everything else comes from this origin
/// only, and no other site may frame the pages.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce
        .map(|nonce| format!(" 'nonce-{nonce}'"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Gives the page's response the policy that admits the inline scripts Leptos marks with this
/// render's nonce (leptos_axum makes a fresh one for every response).
#[cfg(feature = "ssr")]
fn allow_this_pages_scripts() {
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce();
    if let Ok(policy) = http::HeaderValue::from_str(&content_security_policy(nonce.as_deref())) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, policy);
    }
}

/// Whether the page being rendered holds an island: the survey form at `/q/{code}` is the only
/// one. Outside a request (route listing) it is assumed to, which changes nothing served.
fn page_has_island() -> bool {
    #[cfg(feature = "ssr")]
    if let Some(parts) = use_context::<http::request::Parts>() {
        let path = parts.uri.path().trim_end_matches('/');
        return path
            .strip_prefix("/q/")
            .is_some_and(|code| !code.is_empty() && !code.contains('/'));
    }
    true
}

/// The HTML document around every page. Leptos islands: only the interactive parts (the survey
/// form) are hydrated, so phones download just their code; every page is complete HTML first,
/// and the forms work before (and without) hydration.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    allow_this_pages_scripts();
    // Only the survey page has an island; every other page would download the WASM for nothing.
    // Without the scripts the page must still be rendered as in islands mode, where resources
    // are not written into the page a second time for a hydration that never comes (what
    // `HydrationScripts` does when `islands` is set).
    let hydration = if page_has_island() {
        Some(view! { <HydrationScripts options=options.clone() islands=true /> })
    } else {
        if let Some(context) = Owner::current_shared_context() {
            context.set_is_hydrating(false);
        }
        None
    };
    view! {
        <!DOCTYPE html>
        <html lang="vi">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="data:," />
                <AutoReload options=options.clone() />
                {hydration}
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The route table. Pages that load data use `SsrMode::Async` so the first response is complete
/// HTML with the right status code (404 for an unknown desk, 422 for a rejected form).
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="main-css" href=components::asset_url("hailong.css") />
        <Title text="Hài Lòng" />
        <Router>
            <Routes fallback=pages::not_found::NotFoundPage>
                <Route path=path!("/") view=pages::home::HomePage ssr=SsrMode::Async />
                <Route path=path!("/q/:code") view=survey::page::SurveyPage ssr=SsrMode::Async />
                <Route
                    path=path!("/q/:code/thanks")
                    view=survey::thanks::ThanksPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/q/:code/poster")
                    view=survey::poster::PosterPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/posters") view=survey::poster::PostersPage ssr=SsrMode::Async />
                <Route path=path!("/desks") view=survey::desks::DesksPage ssr=SsrMode::Async />
                <Route path=path!("/login") view=accounts::login::LoginPage ssr=SsrMode::Async />
                <Route path=path!("/commune") view=dashboard::page::CommunePage ssr=SsrMode::Async />
                <Route path=path!("/reports") view=reports::kept::KeptReportsPage ssr=SsrMode::Async />
                <Route path=path!("/admin/users") view=accounts::admin::UsersPage ssr=SsrMode::Async />
                <Route path=path!("/admin/audit") view=accounts::admin::AuditPage ssr=SsrMode::Async />
                <Route path=path!("/admin/sso") view=accounts::sso_admin::SsoPage ssr=SsrMode::Async />
                <Route path=path!("/alerts") view=alerts::page::AlertsPage ssr=SsrMode::Async />
                <Route path=path!("/review") view=survey::review::ReviewPage ssr=SsrMode::Async />
                <Route path=path!("/kiosk") view=kiosk::page::KioskPage ssr=SsrMode::Async />
                <Route path=path!("/kiosks") view=kiosk::page::KiosksPage ssr=SsrMode::Async />
                <Route
                    path=path!("/assessment")
                    view=assessment::page::DossierPage
                    ssr=SsrMode::Async
                />
                <Route
                    path=path!("/assessments")
                    view=assessment::page::DossierListPage
                    ssr=SsrMode::Async
                />
                <Route path=path!("/report") view=scores::report::ReportPage ssr=SsrMode::Async />
                <Route path=path!("/ranking") view=scores::ranking::RankingPage ssr=SsrMode::Async />
                <Route path=path!("/overview") view=overview::page::OverviewPage ssr=SsrMode::Async />
            </Routes>
        </Router>
    }
}

/// Entry point of the WASM bundle: hydrates the islands found in the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console are for developers; the release WASM leaves the hook (and
    // the formatting it pulls in) out of every citizen's download.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
