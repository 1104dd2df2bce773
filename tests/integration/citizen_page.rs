//! Details of the citizen's pages: a second rating from the same device is told when the page
//! opens, before anything is typed; the thank-you page draws the survey's own faces; and only
//! the page with an island (the survey form) loads the WASM; large type, once asked for, holds
//! across the desk's pages without JavaScript; every question and the thanks can be heard.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{as_pairs, both_backends, device, key, valid_answers, TestApp};

both_backends!(
    a_second_rating_is_told_when_the_page_opens,
    only_the_survey_page_loads_the_wasm,
    large_type_holds_from_the_survey_through_an_error_to_the_thanks,
    every_question_and_the_thanks_can_be_heard_in_the_pages_language,
);

const NOTICE: &str = "Thiết bị này đã gửi một phiếu đánh giá cho quầy này lúc";

async fn a_second_rating_is_told_when_the_page_opens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let path = format!("/q/{code}");
    let mine = format!("hl_dev={}", device(7));
    let before = app.get_as(&path, Some(&mine)).await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(!before.text().contains(NOTICE), "nothing rated yet");

    let mut fields = valid_answers(&key(7));
    fields.retain(|(k, _)| *k != "dossier_code");
    let sent = app
        .post_form_as(&path, &as_pairs(&fields), "10.0.0.7", Some(&device(7)))
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);

    // The same phone opens the survey again: told at once, with the time the window ends
    // (10 minutes by default), and the form is still there to read.
    let again = app.get_as(&path, Some(&mine)).await.text();
    let at = again.find(NOTICE).expect("the notice");
    let notice = &again[at..at + again[at..].find("</p>").unwrap()];
    let stored: (i64,) = sqlx::query_as("select max(created_at) from responses")
        .fetch_one(app.store().pool())
        .await
        .unwrap();
    let until = app::clock::display_time(stored.0 + 10 * 60 * 1000);
    assert!(
        notice.contains(&app::clock::display_time(stored.0)) && notice.contains(&until),
        "{notice}"
    );
    assert!(
        again.contains("name=\"overall\""),
        "the form is still shown"
    );
    // Another phone is not told anything.
    let other = app
        .get_as(&path, Some(&format!("hl_dev={}", device(8))))
        .await
        .text();
    assert!(!other.contains(NOTICE));

    // What it says holds: a second answer now is not counted.
    let mut fields = valid_answers(&key(8));
    fields.retain(|(k, _)| *k != "dossier_code");
    let second = app
        .post_form_as(&path, &as_pairs(&fields), "10.0.0.7", Some(&device(7)))
        .await;
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert_eq!(app.store().count_responses().await.unwrap(), 1);
}

async fn only_the_survey_page_loads_the_wasm(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let survey = app.get(&format!("/q/{code}")).await.text();
    assert!(survey.contains(".wasm"), "the survey form is an island");
    app.add_user("leader-wasm", "commune_leader", "25195").await;
    let leader = app.login("leader-wasm").await;
    for (path, cookie) in [
        (format!("/q/{code}/thanks"), None),
        (format!("/q/{code}/poster"), None),
        ("/".to_string(), None),
        ("/no-such-page".to_string(), None),
        ("/commune".to_string(), Some(leader.cookie.as_str())),
    ] {
        let html = app.get_as(&path, cookie).await.text();
        assert!(!html.contains(".wasm"), "{path} preloads no WASM");
        assert!(!html.contains("hydrate"), "{path} hydrates nothing");
    }
    // The thank-you page draws the survey's face, not an emoji a cheap phone may lack.
    let thanks = app.get(&format!("/q/{code}/thanks")).await.text();
    assert!(thanks.contains("<use href=\"#face-5\""), "{thanks:.2000}");
    assert!(!thanks.contains('😊'));
}

async fn large_type_holds_from_the_survey_through_an_error_to_the_thanks(backend: Backend) {
    use axum::http::header;
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let path = format!("/q/{code}");
    let page = app.get(&path).await.text();
    assert!(
        page.contains(&format!("href=\"/q/{code}/text?size=large\"")),
        "the survey offers larger text"
    );
    assert!(!page.contains("class=\"large-type\""));

    let asked = app.get(&format!("/q/{code}/text?size=large&lang=en")).await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER);
    assert_eq!(
        asked.location(),
        Some(format!("/q/{code}?lang=en").as_str())
    );
    let cookie = asked.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("hl_text=large;") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let large = app.get_as(&path, Some("hl_text=large")).await.text();
    assert!(
        large.contains("class=\"large-type\""),
        "the page is in large type"
    );
    assert!(
        large.contains(&format!("href=\"/q/{code}/text?size=normal\"")),
        "and offers the way back"
    );

    // Posted without JavaScript with a mistake, and again right: large type all the way.
    let device_and_size = format!("{}; hl_text=large", device(8));
    let mut fields = valid_answers(&key(8));
    fields.retain(|(k, _)| *k != "dossier_code");
    let mut wrong = fields.clone();
    for (k, v) in wrong.iter_mut() {
        if *k == "overall" {
            *v = "9".into();
        }
    }
    let refused = app
        .post_form_as(&path, &as_pairs(&wrong), "10.0.0.8", Some(&device_and_size))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("class=\"large-type\""));
    let sent = app
        .post_form_as(
            &path,
            &as_pairs(&fields),
            "10.0.0.8",
            Some(&device_and_size),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let thanks = app
        .get_as(sent.location().unwrap(), Some("hl_text=large"))
        .await;
    assert!(thanks.text().contains("class=\"large-type\""));

    // Turning it off clears the cookie; nothing else goes into the redirect.
    let off = app.get(&format!("/q/{code}/text?size=normal")).await;
    assert!(off.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        app.get(&format!("/q/{code}/text?size=huge")).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/q/evil.example%2F/text?size=large").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The `src` of every spoken clip on a page, in order.
fn clip_urls(html: &str) -> Vec<String> {
    html.match_indices("<details class=\"speak\">")
        .map(|(at, _)| {
            let rest = &html[at..];
            let src = &rest[rest.find("src=\"").expect("the clip's source") + 5..];
            src[..src.find('"').unwrap()].to_string()
        })
        .collect()
}

async fn every_question_and_the_thanks_can_be_heard_in_the_pages_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let code = app.any_desk_code().await;
    let desk = app.store().find_desk(&code).await.unwrap().unwrap();
    let survey = app
        .state
        .definitions
        .latest(&desk.survey_id)
        .unwrap()
        .clone();
    let vi = clip_urls(&app.get(&format!("/q/{code}")).await.text());
    if vi.is_empty() {
        assert!(
            !hailong_tests::in_ci(),
            "the site was built without spoken questions: scripts/setup.sh installs espeak-ng and lame"
        );
        return;
    }
    // One clip per question, named after the words of this language, before the English ones.
    assert_eq!(vi.len(), survey.questions.len());
    for (question, url) in survey.questions.iter().zip(&vi) {
        let words =
            survey_definitions::speech::question_words(question, survey_definitions::Lang::Vi);
        let file = survey_definitions::speech::clip_file(survey_definitions::Lang::Vi, &words);
        assert_eq!(url, &format!("/pkg/{file}"), "{}", question.id);
    }
    let en = clip_urls(&app.get(&format!("/q/{code}?lang=en")).await.text());
    assert_eq!(en.len(), vi.len());
    assert!(
        en.iter().all(|url| !vi.contains(url)),
        "English clips of their own"
    );

    // A clip is an MP3 a phone plays, kept by browsers for a year like the other hashed files.
    let clip = app.get(&vi[0]).await;
    assert_eq!(clip.status, StatusCode::OK);
    assert_eq!(clip.headers["content-type"], "audio/mpeg");
    assert!(clip.headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(
        clip.body.starts_with(b"ID3") || clip.body.starts_with(&[0xff]),
        "an MP3 stream"
    );
    assert!(
        clip.body.len() > 4_000,
        "seconds of speech: {} bytes",
        clip.body.len()
    );

    let thanks = clip_urls(&app.get(&format!("/q/{code}/thanks")).await.text());
    let words = survey
        .thanks
        .get(survey_definitions::Lang::Vi)
        .trim()
        .to_string();
    assert_eq!(
        thanks,
        [format!(
            "/pkg/{}",
            survey_definitions::speech::clip_file(survey_definitions::Lang::Vi, &words)
        )]
    );
}
