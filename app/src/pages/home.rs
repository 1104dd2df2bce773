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
            <h2>{t.home_desks} " — " {province}</h2>
            <p>
                <a href="/posters">{t.print_all_province}</a>
            </p>
            {sections}
        </main>
    }
}
