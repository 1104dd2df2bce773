//! The citizen survey of one desk, opened by scanning its QR code.
//!
//! The form posts plainly to `/q/{code}` so it works on phones where the WASM never loads; the
//! server then answers 303 → thank-you page, or 422 with this page rendered again, errors next to
//! their questions and answers kept. Once hydrated, the submit handler sends the same fields to the
//! `submit_response` server action instead and shows the outcome without a page load.

use leptos::prelude::*;
use leptos::web_sys::{FormData, HtmlFormElement, SubmitEvent};
use std::collections::BTreeMap;

use leptos_router::hooks::{use_params_map, use_query_map};
use survey_definitions::{
    FieldErrors, Lang, Question, QuestionKind, NOT_APPLICABLE, SATISFACTION_LEVELS,
};
use wasm_bindgen::JsCast;

use crate::components::{
    escape_text, set_status, spoken_clip, DocumentLang, LangSwitch, Preload, ServerFailure,
    TextSizeSwitch,
};
use crate::i18n::{fill, ui, use_lang, with_lang};
use crate::survey::api::{get_survey_page, SubmitResponse};
use crate::survey::desk::DeskLookup;
use crate::survey::desk::DeskUnavailable;
use crate::survey::model::{
    Prefill, SubmitOutcome, SurveyPageData, DOSSIER_PARAM, KEY_FIELD, LANG_FIELD, VERSION_FIELD,
};

#[component]
pub fn SurveyPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let lang = use_lang();
    let page = Resource::new(
        move || {
            (
                params.read().get("code").unwrap_or_default(),
                query.read().get(DOSSIER_PARAM),
                lang.get(),
            )
        },
        |(code, dossier, lang)| get_survey_page(code, dossier, lang),
    );
    let code = params.read_untracked().get("code").unwrap_or_default();
    view! {
        <DocumentLang lang />
        <TextSizeSwitch code lang=lang.get_untracked() />
        <Suspense>
            {move || Suspend::new(async move {
                let lang = lang.get();
                match page.await {
                    Ok(DeskLookup::Found(data)) => view! { <SurveyForm data lang /> }.into_any(),
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

/// The form: an island, the only part of a citizen page that the browser hydrates.
#[island]
fn SurveyForm(data: SurveyPageData, lang: Lang) -> impl IntoView {
    // A supplied language's words come with the page: the browser has no translation files
    // (the server installed them at start-up).
    #[cfg(feature = "hydrate")]
    if !data.words.is_empty() {
        survey_definitions::translation::install(survey_definitions::Translation::from_page(
            lang,
            data.words.clone(),
        ));
    }
    let t = ui(lang);
    let SurveyPageData {
        desk,
        survey,
        key,
        prefill,
        dossier,
        dossier_refused,
        rated_before,
        spoken,
        words: _,
        langs,
    } = data;
    let rated_before =
        rated_before.map(|(at, until)| fill(t.rated_before, &[("at", &at), ("until", &until)]));
    let prefill = prefill.unwrap_or_default();
    let other_version = t.other_version;
    let refused_code =
        dossier_refused.map(|example| fill(t.dossier_refused, &[("example", &example)]));
    if prefill.unavailable {
        set_status(503);
    } else if prefill.other_version {
        set_status(409);
    } else if !prefill.errors.is_empty() || prefill.expired {
        set_status(422);
    } else if refused_code.is_some() {
        set_status(400);
    }
    let first_message = if prefill.unavailable {
        Some(t.not_stored.to_string())
    } else if prefill.other_version {
        Some(other_version.to_string())
    } else if prefill.expired {
        Some(t.expired_form.to_string())
    } else if !prefill.errors.is_empty() {
        Some(t.fix_errors.to_string())
    } else {
        refused_code
    };
    let errors = RwSignal::new(prefill.errors.clone());
    // A page the server rendered again (no JavaScript) opens at the top, where its message
    // stands; the enhanced form's outcome is shown next to the button just pressed, where the
    // citizen is looking.
    let form_message = RwSignal::new(None::<&'static str>);

    let submit = ServerAction::<SubmitResponse>::new();
    let thanks_url = with_lang(&format!("/q/{}/thanks", desk.code), lang);
    // Islands have no client-side router: go to the thank-you page as a link would.
    let navigate = |url: &str, _: ()| {
        let _ = window().location().set_href(url);
    };
    // Effects run only in the browser, after hydration: the mark tells browser tests (and anyone
    // debugging a phone) that the WASM loaded and took over.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    Effect::new(move |_| {
        let Some(result) = submit.value().get() else {
            return;
        };
        match result {
            Ok(SubmitOutcome::Stored { .. }) => navigate(&thanks_url, ()),
            Ok(SubmitOutcome::AlreadyRated) => {
                let sep = if thanks_url.contains('?') { '&' } else { '?' };
                navigate(&format!("{thanks_url}{sep}already=1"), ())
            }
            Ok(SubmitOutcome::RateLimited { .. }) => form_message.set(Some(t.rate_limited)),
            Ok(SubmitOutcome::Unavailable) => form_message.set(Some(t.not_stored)),
            Ok(SubmitOutcome::Invalid { errors: rejected }) => {
                errors.set(rejected);
                form_message.set(Some(t.fix_errors));
                // Once the messages are drawn, the first question they name takes the focus,
                // so a screen reader or a thumb lands where the fix is.
                request_animation_frame(focus_first_error);
            }
            Ok(SubmitOutcome::FormExpired) => form_message.set(Some(t.expired_form)),
            Ok(SubmitOutcome::OtherVersion) => form_message.set(Some(other_version)),
            Ok(SubmitOutcome::DeskNotFound | SubmitOutcome::DeskRetired) => {
                form_message.set(Some(t.desk_not_found_body))
            }
            Err(_) => form_message.set(Some(t.submit_failed)),
        }
    });

    let names: Vec<String> = survey
        .questions
        .iter()
        .map(|q| q.id.clone())
        .chain([
            KEY_FIELD.to_string(),
            LANG_FIELD.to_string(),
            VERSION_FIELD.to_string(),
            "website".to_string(),
        ])
        .collect();
    let code = desk.code.clone();
    let on_submit = move |ev: SubmitEvent| {
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let Ok(data) = FormData::new_with_form(&form) else {
            return;
        };
        ev.prevent_default();
        let fields = names
            .iter()
            .filter_map(|name| data.get(name).as_string().map(|v| (name.clone(), v)))
            .collect();
        form_message.set(None);
        submit.dispatch(SubmitResponse {
            code: code.clone(),
            fields,
        });
    };

    let path = format!("/q/{}", desk.code);
    // A slip's form posts back to its own link, so a page rendered again keeps the code locked.
    let action = match &dossier {
        Some(code) => {
            let url = with_lang(&path, lang);
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}{DOSSIER_PARAM}={code}")
        }
        None => with_lang(&path, lang),
    };
    // Answers chosen so far, for the questions asked only after a given answer. Until the WASM
    // has taken over every question shows (the server ignores what does not apply).
    let chosen = RwSignal::new(
        prefill
            .values
            .iter()
            .cloned()
            .collect::<BTreeMap<String, String>>(),
    );
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let context = FormContext {
        lang,
        errors,
        chosen,
        hydrated,
        dossier: dossier.clone(),
        spoken,
    };
    let questions = survey
        .questions
        .iter()
        .map(|q| question_view(q, &prefill, &context))
        .collect_view();
    let basis = survey.basis.as_ref().map(|b| {
        view! { <p class="survey-basis">{b.get(lang).to_string()}</p> }
    });
    view! {
        <main class="page survey">
            <header class="survey-head">
                <LangSwitch path=path.clone() lang offered=langs />
                <p class="desk-line">
                    {desk.name.get(lang).to_string()} " · " {desk.commune_name.clone()}
                    // Only desks of a pre-reform commune have a district to name.
                    {(!desk.district_name.is_empty())
                        .then(|| format!(" · {}", desk.district_name))}
                </p>
                <h1>{survey.title.get(lang).to_string()}</h1>
                <p class="intro">{survey.intro.get(lang).to_string()}</p>
            </header>
            <FaceSymbols />
            <form method="post" action=action novalidate=true on:submit=on_submit>
                <input type="hidden" name=KEY_FIELD value=key />
                <input type="hidden" name=LANG_FIELD value=lang.code().to_owned() />
                <input type="hidden" name=VERSION_FIELD value=survey.version.to_string() />
                // Invisible to people (and skipped by screen readers); robots that fill every
                // field give themselves away. Their answers are stored flagged, not dropped.
                <div class="hp" aria-hidden="true">
                    <label for="hp-website">"Website"</label>
                    <input id="hp-website" type="text" name="website" tabindex="-1" autocomplete="off" />
                </div>
                {rated_before
                    .map(|m| {
                        view! {
                            <p class="notice rated-before" role="status">
                                {m}
                            </p>
                        }
                    })}
                {first_message
                    .map(|m| {
                        view! {
                            <p class="form-error" role="alert">
                                {m}
                            </p>
                        }
                    })}
                {questions}
                {move || {
                    form_message
                        .get()
                        .map(|m| {
                            view! {
                                <p class="form-error" role="alert">
                                    {m}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="submit" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { t.submitting } else { t.submit }}
                </button>
            </form>
            {basis}
        </main>
    }
}

/// The five faces, drawn once per page and reused by every scale question: SVG instead of emoji
/// because cheap phones often lack an emoji font (they show empty boxes).
#[component]
pub(crate) fn FaceSymbols() -> impl IntoView {
    // Mouth control point from frown (1) to broad smile (5); red to green.
    const FACES: [(u8, u8, &str); 5] = [
        (1, 20, "#e0625c"),
        (2, 24, "#f0a35e"),
        (3, 28, "#f3d45a"),
        (4, 33, "#a5d46a"),
        (5, 38, "#4fb866"),
    ];
    view! {
        <svg class="face-symbols" aria-hidden="true" width="0" height="0">
            {FACES
                .iter()
                .map(|(level, mouth, color)| {
                    view! {
                        <symbol id=format!("face-{level}") viewBox="0 0 40 40">
                            <circle cx="20" cy="20" r="18" fill=*color stroke="#333" stroke-width="2" />
                            <circle cx="14" cy="16" r="2.4" fill="#333" />
                            <circle cx="26" cy="16" r="2.4" fill="#333" />
                            <path
                                d=format!("M12 28 Q20 {mouth} 28 28")
                                fill="none"
                                stroke="#333"
                                stroke-width="2.5"
                                stroke-linecap="round"
                            />
                        </symbol>
                    }
                })
                .collect_view()}
        </svg>
    }
}

/// Focuses the first answer of the first question showing an error.
fn focus_first_error() {
    let first = document()
        .query_selector(
            "fieldset:has(p.error) input:not([type=hidden]), fieldset:has(p.error) textarea",
        )
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok());
    if let Some(first) = first {
        let _ = first.focus();
    }
}

/// Error message of one question, reactive so the enhanced form can update it in place.
fn error_view(id: String, lang: Lang, errors: RwSignal<FieldErrors>) -> impl IntoView {
    let error_id = format!("err-{id}");
    move || {
        errors.with(|e| {
            e.get(&id).map(|err| {
                view! {
                    <p class="error" id=error_id.clone()>
                        {err.message(lang)}
                    </p>
                }
            })
        })
    }
}

/// What every question of one form shares.
struct FormContext {
    lang: Lang,
    errors: RwSignal<FieldErrors>,
    /// The answer chosen so far to each radio question, by question id.
    chosen: RwSignal<BTreeMap<String, String>>,
    /// Set once the WASM runs: only then are conditional questions hidden.
    hydrated: RwSignal<bool>,
    /// The slip's dossier code, locked into the dossier question.
    dossier: Option<String>,
    /// The spoken clip of each question that has one: (question id, URL).
    spoken: Vec<(String, String)>,
}

fn question_view(q: &Question, prefill: &Prefill, context: &FormContext) -> AnyView {
    let FormContext {
        lang,
        errors,
        chosen,
        hydrated,
        ..
    } = *context;
    let t = ui(lang);
    let id = q.id.clone();
    let label = q.label.get(lang).to_string();
    let marker = if q.required {
        t.required_mark
    } else {
        t.optional
    };
    let help = q.help.as_ref().map(|h| {
        view! {
            <p class="help" id=format!("help-{id}")>
                {h.get(lang).to_string()}
            </p>
        }
    });
    let previous = prefill.value(&q.id).map(str::to_owned);
    let when = q.asked_when.clone();
    let not_asked = move || {
        hydrated.get()
            && when.as_ref().is_some_and(|w| {
                chosen.with(|c| c.get(&w.question).map(String::as_str) != Some(w.answer.as_str()))
            })
    };
    let described_by = format!("help-{id} err-{id}");
    let spoken = context
        .spoken
        .iter()
        .find(|(question, _)| *question == q.id)
        .map(|(_, url)| spoken_clip(url.clone(), lang, Preload::None));
    let has_error = move || errors.with(|e| e.get(&id).is_some());
    let error = error_view(q.id.clone(), lang, errors);

    // Radio-button questions share one markup; only their options differ.
    let options: Option<Vec<(String, String, Option<u8>)>> = match &q.kind {
        QuestionKind::Satisfaction5 => Some(
            SATISFACTION_LEVELS
                .iter()
                .map(|(level, text, _)| {
                    (level.to_string(), text.get(lang).to_string(), Some(*level))
                })
                .chain(
                    q.not_applicable
                        .as_ref()
                        .map(|na| (NOT_APPLICABLE.to_string(), na.get(lang).to_string(), None)),
                )
                .collect(),
        ),
        QuestionKind::YesNo => Some(vec![
            ("yes".into(), t.yes.into(), None),
            ("no".into(), t.no.into(), None),
        ]),
        QuestionKind::SingleChoice { options } => Some(
            options
                .iter()
                .map(|c| (c.value.clone(), c.label.get(lang).to_string(), None))
                .collect(),
        ),
        QuestionKind::Comment { .. } | QuestionKind::DossierCode { .. } => None,
    };
    let is_scale = matches!(q.kind, QuestionKind::Satisfaction5);

    if let Some(options) = options {
        let name = q.id.clone();
        let radios = options
            .into_iter()
            .map(|(value, text, face)| {
                let input_id = format!("q-{name}-{value}");
                let checked = previous.as_deref() == Some(value.as_str());
                let is_na = value == NOT_APPLICABLE;
                let (question, choice) = (name.clone(), value.clone());
                let on_change = move |_| {
                    chosen.update(|c| {
                        c.insert(question.clone(), choice.clone());
                    })
                };
                view! {
                    <input
                        type="radio"
                        id=input_id.clone()
                        name=name.clone()
                        value=value
                        checked=checked
                        on:change=on_change
                    />
                    <label for=input_id class:na=is_na>
                        {face
                            .map(|level| {
                                view! {
                                    <svg class="face" aria-hidden="true" viewBox="0 0 40 40">
                                        <use href=format!("#face-{level}") />
                                    </svg>
                                }
                            })}
                        <span class="choice-text">{text}</span>
                    </label>
                }
            })
            .collect_view();
        view! {
            <fieldset
                class="q"
                class:invalid=has_error
                class:not-asked=not_asked
                role="radiogroup"
                aria-required=if q.required { "true" } else { "false" }
                aria-describedby=described_by
            >
                <legend>{label} " " <span class="marker">{marker}</span></legend>
                {spoken}
                {help}
                <div class=if is_scale { "choices faces" } else { "choices" }>{radios}</div>
                {error}
            </fieldset>
        }
        .into_any()
    } else {
        let input_id = format!("q-{}", q.id);
        let field = match &q.kind {
            QuestionKind::Comment { max_chars } => view! {
                <textarea
                    id=input_id.clone()
                    name=q.id.clone()
                    rows="4"
                    maxlength=max_chars.to_string()
                    aria-describedby=described_by
                >
                    // Leptos writes <textarea> children without escaping them (it treats the element
                    // like <script>), so a comment containing "</textarea>" could break out of it:
                    // escape here. Only server-rendered prefills ever fill it.
                    {escape_text(&previous.clone().unwrap_or_default())}
                </textarea>
            }
            .into_any(),
            QuestionKind::DossierCode { max_chars } => view! {
                <input
                    type="text"
                    id=input_id.clone()
                    name=q.id.clone()
                    value=context.dossier.clone().or(previous.clone()).unwrap_or_default()
                    readonly=context.dossier.is_some()
                    class:locked=context.dossier.is_some()
                    maxlength=max_chars.to_string()
                    autocomplete="off"
                    autocapitalize="characters"
                    spellcheck="false"
                    aria-describedby=described_by
                />
            }
            .into_any(),
            _ => ().into_any(),
        };
        let limit = match &q.kind {
            QuestionKind::Comment { max_chars } => Some(format!("{max_chars} {}", t.chars_max)),
            _ => None,
        };
        view! {
            <div class="q" class:invalid=has_error>
                <label for=input_id class="q-label">
                    {label} " " <span class="marker">{marker}</span>
                </label>
                {spoken}
                {help}
                {field}
                {limit.map(|l| view! { <p class="limit">{l}</p> })}
                {error}
            </div>
        }
        .into_any()
    }
}
