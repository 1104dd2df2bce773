//! Views shared by several pages.

use leptos::prelude::*;
use leptos_meta::Html;

use crate::i18n::{ui, with_lang, Lang};

/// Sets the document language (`<html lang>`) so screen readers pronounce the page correctly.
#[component]
pub fn DocumentLang(lang: Memo<Lang>) -> impl IntoView {
    let class = large_type().then_some(LARGE_TYPE_CLASS);
    view! { <Html {..} lang=move || lang.get().code().to_owned() class=class /> }
}

/// The cookie that asks for large type on the citizen pages (`/q/{code}/text?size=large`).
pub const LARGE_TYPE_COOKIE: &str = "hl_text";
/// The class of `<html>` in large-type mode: every size in the style sheet is in `rem`, so one
/// root size scales the whole page.
pub const LARGE_TYPE_CLASS: &str = "large-type";

/// Whether the request being rendered asked for large type. A cookie rather than a query
/// parameter: it holds across the form post, the page shown again with its errors and the
/// thank-you page, without JavaScript and without touching the island.
pub fn large_type() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .any(|c| c.trim() == format!("{LARGE_TYPE_COOKIE}=large"))
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        false
    }
}

/// The link that switches large type on or off for the desk's citizen pages.
#[component]
pub fn TextSizeSwitch(code: String, lang: Lang) -> impl IntoView {
    let large = large_type();
    let t = ui(lang);
    let (size, label) = if large {
        ("normal", t.normal_text)
    } else {
        ("large", t.larger_text)
    };
    let lang_part = match lang {
        Lang::Vi => String::new(),
        _ => format!("&lang={}", lang.code()),
    };
    view! {
        <p class="text-size no-print">
            <a href=format!("/q/{code}/text?size={size}{lang_part}")>{label}</a>
        </p>
    }
}

/// Links to the same page in the other languages, each named in its own language: the built-in
/// ones, or those of `offered` (code, own name), which the server lists for the survey's island
/// (the browser does not know the supplied languages, and an island must draw what the server
/// drew).
#[component]
pub fn LangSwitch(
    #[prop(into)] path: String,
    lang: Lang,
    #[prop(optional)] offered: Vec<(String, String)>,
) -> impl IntoView {
    let others: Vec<(Lang, String)> = if offered.is_empty() {
        Lang::BUILT_IN
            .into_iter()
            .map(|l| (l, l.name().to_owned()))
            .collect()
    } else {
        offered
            .into_iter()
            .filter_map(|(code, name)| Some((Lang::exact(&code)?, name)))
            .collect()
    };
    let links = others
        .into_iter()
        .filter(|(other, _)| *other != lang)
        .map(|(other, name)| {
            let code = other.code().to_owned();
            view! {
                <a class="lang-switch" href=with_lang(&path, other) hreflang=code.clone() lang=code>
                    {name}
                </a>
            }
        })
        .collect_view();
    // One float holding the links keeps them in reading order (floated one by one, the first
    // would sit rightmost).
    view! { <span class="langs">{links}</span> }
}

/// Sets the HTTP status of the server-rendered response (no effect in the browser).
pub fn set_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(status) {
            options.set_status(status);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// A spoken clip, played on tap in place: a native player behind a "listen" disclosure, so it
/// works without JavaScript and stays one line high on a phone while closed. On a phone it costs
/// nothing until opened (`Preload::None`); a kiosk fetches its clips with the page
/// (`Preload::Whole`), so they are in its cache when the desk's Wi-Fi drops. Written as markup rather than a view: nothing in it reacts, and
/// inside the survey's island the view's element code cost 3.1 KB of the phone's WASM download
/// (brotli, measured), the markup almost none.
pub fn spoken_clip(url: String, lang: Lang, preload: Preload) -> impl IntoView {
    let listen = escape_text(ui(lang).listen);
    let html = format!(
        "<details class=\"speak\"><summary>{listen}</summary>\
         <audio controls preload=\"{}\" src=\"{}\"></audio></details>",
        match preload {
            Preload::None => "none",
            Preload::Whole => "auto",
        },
        escape_text(&url)
    );
    view! { <div class="speak-clip" inner_html=html></div> }
}

/// When a [`spoken_clip`] is fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preload {
    None,
    Whole,
}

/// Shown when the server failed; the details are in the server log.
#[component]
pub fn ServerFailure(lang: Lang) -> impl IntoView {
    set_status(500);
    view! {
        <main class="page narrow">
            <p class="form-error" role="alert">{ui(lang).submit_failed}</p>
        </main>
    }
}

/// The pages of each role, in the order the bar lists them.
pub fn role_pages(role: crate::domain::roles::Role) -> &'static [(&'static str, &'static str)] {
    use crate::domain::roles::Role;
    match role {
        Role::ProvinceAdmin => &[
            ("/overview", "Tổng quan"),
            ("/admin/users", "Người dùng"),
            ("/admin/audit", "Nhật ký"),
            ("/review", "Phiếu bị đánh dấu"),
            ("/assessments", "Thẩm định"),
            ("/ranking", "Xếp hạng"),
            ("/reports", "Báo cáo đã lưu"),
            ("/desks", "Quầy và áp phích"),
            ("/kiosks", "Máy đánh giá"),
            ("/alerts", "Thư báo"),
        ],
        Role::DistrictReviewer => &[
            ("/overview", "Tổng quan"),
            ("/review", "Phiếu bị đánh dấu"),
            ("/assessments", "Thẩm định"),
            ("/ranking", "Xếp hạng"),
            ("/desks", "Quầy và áp phích"),
        ],
        Role::ProvinceReviewer => &[
            ("/overview", "Tổng quan"),
            ("/review", "Phiếu bị đánh dấu"),
            ("/assessments", "Thẩm định"),
            ("/ranking", "Xếp hạng"),
            ("/reports", "Báo cáo đã lưu"),
            ("/desks", "Quầy và áp phích"),
            ("/alerts", "Thư báo"),
        ],
        Role::CommuneLeader | Role::CommuneOfficer => &[
            ("/commune", "Xã của tôi"),
            ("/assessment", "Tự đánh giá"),
            ("/report", "Kết quả chấm điểm"),
            ("/reports", "Báo cáo hằng tháng"),
            ("/desks", "Quầy và áp phích"),
            ("/kiosks", "Máy đánh giá"),
            ("/alerts", "Thư báo"),
        ],
    }
}

/// The bar on signed-in pages: who is signed in, the pages of the role, and signing out
/// (a POST form with the session's CSRF token).
#[component]
pub fn AccountBar(me: crate::domain::roles::Me) -> impl IntoView {
    view! {
        <nav class="account-bar">
            <span class="who">
                {me.display_name.clone()} " · " {me.role.label(Lang::Vi)}
                {me.unit_name.clone().map(|u| format!(" · {u}"))}
            </span>
            {role_pages(me.role)
                .iter()
                .map(|(href, label)| view! { <a href=*href>{*label}</a> })
                .collect_view()}
            <form method="post" action="/logout" class="inline">
                <input type="hidden" name="_csrf" value=me.csrf.clone() />
                <button type="submit" class="link-button">"Đăng xuất"</button>
            </form>
        </nav>
    }
}

/// The periodic reports a page offers, one PDF link per (period, title): `{url}{period}`, each
/// followed by the editable Word version of the same report.
#[component]
pub fn ReportLinks(
    label: &'static str,
    /// Everything before the period value, e.g. `/reports/province.pdf?period=`.
    url: String,
    reports: Vec<(String, String)>,
) -> impl IntoView {
    let word = url.replacen(".pdf?", ".docx?", 1);
    let links = reports
        .into_iter()
        .enumerate()
        .map(|(i, (period, title))| {
            view! {
                {(i > 0).then_some(" · ")}
                <a href=format!("{url}{period}")>{title}</a>
                " ("
                <a href=format!("{word}{period}") title="Bản Word để chỉnh sửa">
                    "bản Word"
                </a>
                ")"
            }
        })
        .collect_view();
    view! { <p class="downloads reports no-print">{label} {links}</p> }
}

/// The URL of `pkg/{name}` for a page: from the `AppState` the server provides while rendering;
/// plain when there is none (route listing at start-up, or the browser, which never renders the
/// server-only pages that ask).
pub fn asset_url(name: &str) -> String {
    #[cfg(feature = "ssr")]
    if let Some(url) =
        leptos::prelude::with_context(|state: &crate::state::AppState| state.assets.url(name))
    {
        return url;
    }
    format!("{}/{name}", crate::assets::PKG_URL)
}

/// HTML-escapes text for the raw-text children of `<textarea>` (Leptos writes those unescaped,
/// DEVELOPERS.md, so text a person typed must be escaped here) and for quoted attribute values
/// of markup written by hand.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn textarea_text_cannot_close_the_element() {
        assert_eq!(
            super::escape_text("</textarea><script>x & y</script>"),
            "&lt;/textarea&gt;&lt;script&gt;x &amp; y&lt;/script&gt;"
        );
    }
}
