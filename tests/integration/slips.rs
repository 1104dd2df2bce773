//! Slips (phiếu hẹn trả kết quả) with a QR per dossier: printed by commune staff from a pasted
//! list or CSV, or by `hailong slips`; each QR decodes to the survey link that fills the code in.

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{both_backends, TestApp, PUBLIC_URL};

both_backends!(
    staff_print_a_slip_per_dossier_whose_qr_opens_the_survey_with_the_code,
    a_list_with_a_malformed_code_is_refused_naming_its_line,
    only_the_desks_own_staff_print_its_slips,
    hailong_slips_writes_the_same_slips_to_a_file,
);

const COMMUNE: &str = "25195";
const CODES: [&str; 2] = ["000.00.14.H20-200703-0002", "000.00.14.H20-200703-0003"];

async fn desk_code(app: &TestApp, commune: &str) -> String {
    app.desk_of(commune).await.public_code
}

/// The QR codes of a page of slips, each drawn from its inline SVG and decoded.
fn decoded_qr_codes(html: &str) -> Vec<String> {
    html.split("<svg")
        .skip(1)
        .map(|svg| {
            let attr = |name: &str| -> u32 {
                let at = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                svg[at..].split('"').next().unwrap().parse().unwrap()
            };
            let (width, height) = (attr("width"), attr("height"));
            let path = svg
                .split(" d=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            // Scaled ×2: each dark module is a rectangle `M{left} {top}h{w}v{h}H{left}V{top}`.
            let mut image = image::GrayImage::from_pixel(width * 2, height * 2, image::Luma([255]));
            for rect in path.split('M').filter(|r| !r.is_empty()) {
                let n: Vec<u32> = rect
                    .split(|c: char| !c.is_ascii_digit())
                    .filter(|s| !s.is_empty())
                    .map(|s| s.parse().unwrap())
                    .collect();
                let (left, top, w, h) = (n[0], n[1], n[2], n[3]);
                for x in left * 2..(left + w) * 2 {
                    for y in top * 2..(top + h) * 2 {
                        image.put_pixel(x, y, image::Luma([0]));
                    }
                }
            }
            let mut prepared = rqrr::PreparedImage::prepare(image);
            let grids = prepared.detect_grids();
            assert_eq!(grids.len(), 1, "one QR code per slip");
            grids[0].decode().expect("the QR code decodes").1
        })
        .collect()
}

async fn staff_print_a_slip_per_dossier_whose_qr_opens_the_survey_with_the_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("officer25195", "commune_officer", COMMUNE)
        .await;
    let officer = app.login("officer25195").await;
    let desk = desk_code(&app, COMMUNE).await;
    let path = format!("/desks/{desk}/slips");

    let form = app.get_as(&path, Some(&officer.cookie)).await;
    let csv = format!(
        "ma_ho_so,ngay_hen\n{},2026-12-10\n{}\n",
        CODES[0],
        CODES[1].to_lowercase()
    );
    let printed = app
        .post_as(
            &path,
            &[("_csrf", officer.csrf.as_str()), ("codes", csv.as_str())],
            Some(&officer.cookie),
        )
        .await;

    assert_eq!(form.status, StatusCode::OK);
    assert!(form
        .text()
        .contains("In phiếu hẹn trả kết quả có mã QR đánh giá"));
    assert_eq!(printed.status, StatusCode::OK, "{}", printed.text());
    let html = printed.text();
    assert_eq!(html.matches("<section class=\"slip\">").count(), 2);
    assert!(html.contains("href=\"/slips.css\""));
    assert!(
        html.contains(&format!("Mã hồ sơ: {}", CODES[1])),
        "codes in upper case"
    );
    assert!(html.contains("quét mã QR"));
    let urls = decoded_qr_codes(&html);
    let expected: Vec<String> = CODES
        .iter()
        .map(|c| format!("{PUBLIC_URL}/q/{desk}?hs={c}"))
        .collect();
    assert_eq!(urls, expected);
    // The citizen who scans it gets the survey with the code filled in and locked.
    let survey = app.get(&urls[0][PUBLIC_URL.len()..]).await.text();
    let field = survey
        .split("<input")
        .find(|tag| tag.contains("name=\"dossier_code\""))
        .unwrap();
    assert!(field.contains(&format!("value=\"{}\"", CODES[0])) && field.contains("readonly"));
    let css = app.get("/slips.css").await;
    assert!(css.text().contains("size:A6"));
}

async fn a_list_with_a_malformed_code_is_refused_naming_its_line(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("officer25195", "commune_officer", COMMUNE)
        .await;
    let officer = app.login("officer25195").await;
    let desk = desk_code(&app, COMMUNE).await;
    let csv = format!("ma_ho_so\n{}\nHS-12\n", CODES[0]);

    let refused = app
        .post_as(
            &format!("/desks/{desk}/slips"),
            &[("_csrf", officer.csrf.as_str()), ("codes", csv.as_str())],
            Some(&officer.cookie),
        )
        .await;
    let empty = app
        .post_as(
            &format!("/desks/{desk}/slips"),
            &[("_csrf", officer.csrf.as_str()), ("codes", "  \n")],
            Some(&officer.cookie),
        )
        .await;

    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .contains("Dòng 3: «HS-12» không phải mã hồ sơ"),
        "{}",
        refused.text()
    );
    // The form again, the list as pasted, the problem under it, the bar on top.
    let html = refused.text();
    assert!(html.contains("id=\"err-codes\""), "{html}");
    assert!(
        html.contains(&format!("{}\nHS-12\n</textarea>", CODES[0])),
        "{html}"
    );
    assert!(html.contains("class=\"account-bar\"") && html.contains("Đăng xuất"));
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.text().contains("Chưa có mã hồ sơ nào"));
}

async fn only_the_desks_own_staff_print_its_slips(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.add_user("officer25217", "commune_officer", "25217")
        .await;
    let other = app.login("officer25217").await;
    let desk = desk_code(&app, COMMUNE).await;
    let path = format!("/desks/{desk}/slips");

    let anonymous = app.get(&path).await;
    let elsewhere = app.get_as(&path, Some(&other.cookie)).await;
    let forged = app
        .post_as(
            &path,
            &[("_csrf", "forged"), ("codes", CODES[0])],
            Some(&other.cookie),
        )
        .await;

    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(elsewhere.status, StatusCode::FORBIDDEN);
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

async fn hailong_slips_writes_the_same_slips_to_a_file(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desk = desk_code(&app, COMMUNE).await;
    let dir = std::env::temp_dir().join(format!("hailong-slips-{}", key_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let codes = dir.join("codes.csv");
    std::fs::write(&codes, format!("{}\n{}\n", CODES[0], CODES[1])).unwrap();
    let output = dir.join("slips.html");
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());

    server::cli::slips::command(&config, &desk, &codes, &output)
        .await
        .unwrap();
    let wrong_output =
        server::cli::slips::command(&config, &desk, &codes, &dir.join("s.pdf")).await;

    let html = std::fs::read_to_string(&output).unwrap();
    assert!(
        html.contains("<style>@page{size:A6"),
        "a file carries its own style"
    );
    assert_eq!(
        decoded_qr_codes(&html),
        CODES
            .iter()
            .map(|c| format!("{PUBLIC_URL}/q/{desk}?hs={c}"))
            .collect::<Vec<_>>()
    );
    assert!(wrong_output.is_err());
    std::fs::remove_dir_all(dir).unwrap();
}

fn key_suffix() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}
