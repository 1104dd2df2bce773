//! A language a province supplies as data (`translations/<code>.toml`): the translator's template
//! comes from `hailong translation-template`, the filled file is loaded at start-up, and the
//! citizen's survey, its errors, the thank-you page and the stored answer are in that language.
//!
//! The translation here is a pseudo-translation ("¤ " before each Vietnamese text, placeholders
//! kept), the translators' standard check that every text a page shows goes through the
//! translation: a Vietnamese text without its mark is a text the template does not list.

use app::components::escape_text;
use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{
    as_pairs, both_backends, definitions_copy, device, filled_template, key, TestApp,
    PSEUDO_MARK as MARK,
};

both_backends!(
    a_supplied_language_is_offered_through_the_whole_survey,
    a_partial_translation_shows_vietnamese_where_it_has_no_words,
);

/// The page's HTML without the island's props, which carry the survey's texts in every language
/// as data, not as anything shown.
fn shown(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find("data-props=\"") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "data-props=\"".len()..];
        rest = &after[after.find('"').map_or(after.len(), |e| e + 1)..];
    }
    out.push_str(rest);
    out
}

/// No text of `texts` is shown untranslated (as a whole text or attribute value), and at least
/// `at_least` of them are shown translated.
fn assert_translated(html: &str, texts: &[(&str, &str)], at_least: usize) {
    let page = shown(html);
    let mut found = 0;
    for (vi, _) in texts {
        let vi = escape_text(vi);
        let as_shown = |text: &str| {
            page.contains(&format!(">{text}<")) || page.contains(&format!("=\"{text}\""))
        };
        assert!(!as_shown(&vi), "shown untranslated: {vi:?}");
        if as_shown(&format!("{MARK}{vi}")) {
            found += 1;
        }
    }
    assert!(found >= at_least, "only {found} of the texts shown");
}

async fn a_supplied_language_is_offered_through_the_whole_survey(backend: Backend) {
    let code_name = match backend {
        Backend::Sqlite => ("xp", "Xp-ngữ"),
        Backend::Postgres => ("xr", "Xr-ngữ"),
    };
    let (lang, name) = code_name;
    let dir = definitions_copy(&format!("languages-{lang}"));
    let file = filled_template(&dir, lang, name, &[]);
    std::fs::create_dir_all(dir.join("translations")).unwrap();
    std::fs::write(dir.join(format!("translations/{lang}.toml")), &file).unwrap();
    let app = TestApp::spawn_with(backend, |c| c.definitions_dir = dir.clone()).await;
    let texts = app::i18n::citizen_texts(&app.state.definitions);
    let desk = app.any_desk_code().await;

    // The Vietnamese page offers the language by its own name.
    let vi = app.get(&format!("/q/{desk}")).await.text();
    let link = format!(
        "<a href=\"/q/{desk}?lang={lang}\" hreflang=\"{lang}\" lang=\"{lang}\" \
         class=\"lang-switch\">{name}</a>"
    );
    assert!(vi.contains(&link), "the language switch offers {name}");

    // The survey in the language: every text it shows is translated.
    let page = app.get(&format!("/q/{desk}?lang={lang}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(&format!("<html lang=\"{lang}\"")),
        "document language"
    );
    assert!(html.contains(&format!("{MARK}Gửi đánh giá")), "the button");
    assert!(html.contains(&format!("{MARK}Rất hài lòng")), "a level");
    assert_translated(&html, &texts, 20);
    assert!(
        html.contains(&format!("name=\"lang\" value=\"{lang}\"")),
        "posted back"
    );
    let action = format!("/q/{desk}?lang={lang}");
    assert!(
        html.contains(&format!("action=\"{action}\"")),
        "the form posts to {action}"
    );
    assert!(html.contains(">Tiếng Việt</a>") && html.contains(">English</a>"));

    // An answer that breaks the rules comes back in the language, placeholders filled.
    let long = "x".repeat(1001);
    let mut fields: Vec<(&str, String)> = vec![
        ("_key", key(41)),
        ("lang", lang.to_owned()),
        ("_version", "2".to_owned()),
        ("comment", long),
    ];
    let refused = app
        .post_form_as(
            &action,
            &as_pairs(&fields),
            "198.51.100.41",
            Some(&device(41)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let refused = refused.text();
    assert!(refused.contains(&format!("{MARK}Vui lòng trả lời câu hỏi này.")));
    assert!(refused.contains(&format!("{MARK}Vui lòng viết ngắn hơn, tối đa 1000 ký tự.")));
    assert!(refused.contains(&format!(
        "{MARK}Vui lòng xem lại các câu được đánh dấu bên dưới."
    )));
    assert_translated(&refused, &texts, 20);

    // A good answer is stored with its language, and thanked in it.
    fields.retain(|(k, _)| *k != "comment");
    fields.push(("overall", "4".to_owned()));
    let stored = app
        .post_form_as(
            &action,
            &as_pairs(&fields),
            "198.51.100.42",
            Some(&device(42)),
        )
        .await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER);
    let thanks_url = stored.location().unwrap().to_owned();
    assert_eq!(thanks_url, format!("/q/{desk}/thanks?lang={lang}"));
    let (stored_lang,): (String,) = sqlx::query_as("select lang from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    assert_eq!(stored_lang, lang);
    let thanks = app.get(&thanks_url).await.text();
    assert!(
        thanks.contains(&format!("{MARK}Cảm ơn ông/bà!")),
        "thanks title"
    );
    assert_translated(&thanks, &texts, 3);

    // A language no file supplies is not offered: the page is Vietnamese.
    let unknown = app.get(&format!("/q/{desk}?lang=zz")).await.text();
    assert!(unknown.contains("<html lang=\"vi\"") && unknown.contains(">Gửi đánh giá<"));
    let _ = std::fs::remove_dir_all(&dir);
}

async fn a_partial_translation_shows_vietnamese_where_it_has_no_words(backend: Backend) {
    let lang = match backend {
        Backend::Sqlite => "xs",
        Backend::Postgres => "xu",
    };
    let dir = definitions_copy(&format!("languages-{lang}"));
    // The translator has not reached the button yet.
    let file = filled_template(&dir, lang, "Xs", &["Gửi đánh giá"]);
    assert!(
        file.contains("# \"Gửi đánh giá\" = \"\""),
        "left commented out"
    );
    std::fs::create_dir_all(dir.join("translations")).unwrap();
    std::fs::write(dir.join(format!("translations/{lang}.toml")), &file).unwrap();
    let app = TestApp::spawn_with(backend, |c| c.definitions_dir = dir.clone()).await;
    let desk = app.any_desk_code().await;

    let html = app.get(&format!("/q/{desk}?lang={lang}")).await.text();

    assert!(html.contains(">Gửi đánh giá<"), "the button in Vietnamese");
    assert!(
        html.contains(&format!("{MARK}Rất hài lòng")),
        "the rest translated"
    );
    // The template written again by the command keeps what was translated and lists what is
    // left; `hailong check` counts it.
    let Some(binary) = hailong_tests::process::hailong_binary() else {
        assert!(
            std::env::var("CI").is_err(),
            "target/debug/hailong is missing: scripts/test.sh builds it before the tests"
        );
        return;
    };
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&binary)
            .args(args)
            .env("DATABASE_URL", "sqlite::memory:")
            .env("HAILONG_DEFINITIONS", &dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let again = run(&["translation-template", "--lang", lang]);
    assert!(again.contains(&format!("\"Rất hài lòng\" = \"{MARK}Rất hài lòng\"")));
    assert!(again.contains("# \"Gửi đánh giá\" = \"\""));
    let total = app::i18n::citizen_texts(&app.state.definitions).len();
    assert!(
        again.contains(&format!("{} texts translated, 1 to go.", total - 1)),
        "{again}"
    );
    let checked = run(&["check"]);
    assert!(
        checked.contains(&format!(
            "ok  language {lang} Xs: {} of {total} texts translated",
            total - 1
        )),
        "{checked}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
