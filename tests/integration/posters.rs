//! Printable posters and the province's desks.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{both_backends, TestApp, PUBLIC_URL};

both_backends!(
    start_up_loads_the_province_and_gives_every_commune_a_desk,
    a_desk_poster_shows_commune_desk_qr_and_instruction,
    the_district_batch_has_one_poster_per_desk,
    the_province_batch_has_every_desk,
    the_desks_page_lists_every_desk_for_the_province,
    an_extra_desk_gets_its_own_code,
    a_poster_prints_on_one_a5_page_with_both_codes,
);

async fn start_up_loads_the_province_and_gives_every_commune_a_desk(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    assert_eq!(app.store().count_current_communes().await.unwrap(), 95);
    let desks = app.store().list_current_desks(None).await.unwrap();
    assert_eq!(desks.len(), 95);
    // Two tiers since 1/7/2025: no desk of today's communes sits in a district.
    assert!(desks.iter().all(|d| d.district_code.is_empty()));
    assert!(desks
        .iter()
        .all(|d| d.province_name == "Thành phố Đồng Nai"));
    let loc_ninh = desks.iter().find(|d| d.commune_code == "25270").unwrap();
    assert_eq!(loc_ninh.commune_name, "Phường Lộc Ninh");
    assert_eq!(
        loc_ninh.name,
        "Trung tâm Phục vụ hành chính công phường Lộc Ninh"
    );
    // Loading the same map again (a restart) changes nothing.
    server::startup::open_store(&hailong_tests::test_config(
        &app.db.url,
        "127.0.0.1:3000".parse().unwrap(),
    ))
    .await
    .unwrap();
    assert_eq!(
        app.store().list_current_desks(None).await.unwrap().len(),
        95
    );
}

async fn a_desk_poster_shows_commune_desk_qr_and_instruction(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desk = app.any_desk().await;

    let page = app.get(&format!("/q/{}/poster", desk.public_code)).await;

    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(&desk.commune_name));
    assert!(html.contains("Trung tâm Phục vụ hành chính công"));
    assert!(html.contains(&format!("src=\"/q/{}/qr.svg\"", desk.public_code)));
    assert!(html.contains("Quét mã QR để đánh giá"));
    assert!(html.contains(&format!("{PUBLIC_URL}/q/{}", desk.public_code)));
}

async fn a_poster_prints_on_one_a5_page_with_both_codes(backend: Backend) {
    if !hailong_tests::browser::browser_available() {
        return;
    }
    let app = TestApp::spawn(backend).await;
    let desk = app.any_desk().await;
    let server = hailong_tests::process::Listening::serve(app.router.clone()).await;
    let pdf = hailong_tests::scratch("poster");

    // Printed as a desk's staff print it: Chromium's print to PDF, the page's own @page size.
    let printed = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!(
            "http://127.0.0.1:{}/q/{}/poster",
            server.port, desk.public_code
        ))
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");

    let info = std::process::Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(
        info.contains("Pages:           1"),
        "one page per poster: {info}"
    );
    assert!(info.contains("(A5)"), "{info}");
    let text = hailong_tests::pdf_text(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Quét mã QR để đánh giá"), "{text}");
    assert!(
        text.contains("quét mã nhỏ này để xem phiếu chữ lớn"),
        "{text}"
    );
    // Today's communes have no district: the unit line is the province alone.
    assert!(text.starts_with(&desk.province_name), "{text}");
    let _ = std::fs::remove_file(&pdf);
}

async fn the_district_batch_has_one_poster_per_desk(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    // The former Thành phố Đồng Xoài (689) reviews today's Phường Đồng Xoài and Phường Bình
    // Phước, formed from its communes.
    let page = app.get_as_admin("/posters?district=689").await;

    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.text().matches("class=\"poster\"").count(), 2);
    assert_eq!(
        app.get_as_admin("/posters?district=000").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn the_province_batch_has_every_desk(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let page = app.get_as_admin("/posters").await;

    assert_eq!(page.text().matches("class=\"poster\"").count(), 95);
}

async fn the_desks_page_lists_every_desk_for_the_province(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let page = app.get_as_admin("/desks").await;

    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert_eq!(html.matches("/poster\"").count(), 95);
    assert!(html.contains("Phường Bình Phước"));
    assert!(!html.contains("Huyện "), "no district headings today");
    assert!(
        app.get("/").await.text().contains("Bắt đầu từ đâu"),
        "the tour for newcomers"
    );
}

async fn an_extra_desk_gets_its_own_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;

    let code = app
        .store()
        .add_desk("25195", "Quầy số 2", "Desk 2")
        .await
        .unwrap()
        .expect("commune 25195 exists");

    let page = app.get(&format!("/q/{code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Quầy số 2"));
    assert_eq!(
        app.store().list_current_desks(None).await.unwrap().len(),
        96
    );
    assert!(app
        .store()
        .add_desk("99999", "x", "x")
        .await
        .unwrap()
        .is_none());
}
