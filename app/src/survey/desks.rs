//! The desks a signed-in user looks after, with each desk's survey and printable QR poster:
//! where staff find what the home page no longer lists.

use leptos::prelude::*;

use crate::accounts::nav::Refusal;
use crate::components::{AccountBar, ServerFailure};
use crate::domain::roles::{Access, Role};
use crate::i18n::{ui, with_lang, Lang};
use crate::survey::desk::{list_desks, DeskInfo};

#[component]
pub fn DesksPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| list_desks(None));
    let query = leptos_router::hooks::use_query_map();
    let renamed = move || query.read().get("ok").as_deref() == Some("renamed");
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => {
                        let can_rename = matches!(
                            data.me.role,
                            Role::ProvinceAdmin | Role::CommuneLeader
                        );
                        view! {
                            <AccountBar me=data.me />
                            {renamed()
                                .then(|| {
                                    view! {
                                        <p class="notice" role="status">"Đã đổi tên quầy."</p>
                                    }
                                })}
                            <DeskDirectory desks=data.desks lang=Lang::Vi can_rename />
                        }
                            .into_any()
                    }
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn DeskDirectory(desks: Vec<DeskInfo>, lang: Lang, can_rename: bool) -> impl IntoView {
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
                                " · "
                                <a href=format!("/desks/{}/slips", d.code)>
                                    {if lang == Lang::En { "Dossier slips" } else { "Phiếu hẹn có mã QR" }}
                                </a>
                                {can_rename
                                    .then(|| {
                                        view! {
                                            " · "
                                            <a href=format!("/desks/{}/name", d.code)>"Đổi tên"</a>
                                        }
                                    })}
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            // Today's communes have no district: their desks form one list without a heading.
            let heading = (!code.is_empty())
                .then(|| {
                    view! {
                        <h3>{name}</h3>
                        <p>
                            <a href=format!(
                                "/posters?district={code}",
                            )>{t.print_all_district}</a>
                        </p>
                    }
                });
            view! {
                <section class="district">
                    {heading}
                    <table>
                        <tbody>{rows}</tbody>
                    </table>
                </section>
            }
        })
        .collect_view();
    view! {
        <main class="page">
            <h1>{t.home_desks} " — " {province}</h1>
            <p>
                <a href="/posters">{t.print_all_province}</a>
            </p>
            {sections}
        </main>
    }
}
