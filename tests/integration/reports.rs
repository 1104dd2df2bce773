//! Periodic reports as PDF: the official frame, the commune's name with its diacritics, and the
//! figures the dashboard's definitions give for the same days, read back with `pdftotext`
//! (Debian's poppler-utils, installed by `scripts/setup.sh --test`).

use std::path::Path;
use std::process::Command;

use app::figures::Satisfaction;
use app::i18n::Lang;
use app::reports::ReportPeriod;
use app::store::responses::NewResponse;
use app::store::Backend;
use hailong_tests::{both_backends, downloaded_text, pdf_text, qr_response, scratch, TestApp};
use server::reports::{report_file, Format, Issuer, Scope};
use survey_definitions::{Answer, AnswerValue};

both_backends!(
    a_commune_report_carries_the_official_frame_and_the_dashboard_figures,
    the_province_report_has_a_row_for_every_commune,
    the_command_writes_the_report_and_refuses_a_period_that_does_not_parse,
    staff_download_the_reports_they_may_see,
    a_commune_report_sets_the_desk_beside_the_province_survey,
    the_monthly_report_is_kept_once_and_downloads_unchanged,
    one_user_keeps_at_most_the_days_allowance_of_reports,
    a_served_instance_keeps_the_last_month_report_on_its_own,
    a_word_report_opens_in_libreoffice_with_the_figures_of_the_pdf,
);

const COMMUNE: &str = "25195";

/// The official frame of a commune's report issued on 2026-12-03 (see `render_as`).
const COMMUNE_FRAME: [&str; 9] = [
    "UBND PHƯỜNG BÌNH PHƯỚC",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "/BC-UBND",
    "Đồng Nai, ngày 03 tháng 12 năm 2026",
    "BÁO CÁO",
    "Nơi nhận:",
    "TM. ỦY BAN NHÂN DÂN",
    "CHỦ TỊCH",
];

async fn desk_of(app: &TestApp, commune: &str) -> i64 {
    app.desk_of(commune).await.id
}

fn scale(id: &str, level: u8) -> Answer {
    Answer {
        question_id: id.into(),
        value: AnswerValue::Scale(level),
    }
}

/// The month before this one: every day of it is past, so the report covers all it will.
fn last_month() -> ReportPeriod {
    let today = app::clock::today();
    let month: ReportPeriod = today[..7].parse().unwrap();
    month.previous()
}

/// Responses with the given overall ratings at 10:00 local time on the second day of `period`.
async fn store_responses(app: &TestApp, desk_id: i64, period: ReportPeriod, overall: &[u8]) {
    let from = period.days().from;
    let day = format!("{}02", &from[..8]);
    let at = app::clock::midnight_ms(&day).unwrap() + 10 * 3_600_000;
    let answers: Vec<Vec<Answer>> = overall
        .iter()
        .map(|o| vec![scale("overall", *o), scale("access", 5)])
        .collect();
    let keys: Vec<String> = (0..overall.len())
        .map(|i| format!("report-{desk_id}-{period}-{i}"))
        .collect();
    let batch: Vec<NewResponse<'_>> = answers
        .iter()
        .zip(&keys)
        .enumerate()
        .map(|(i, (answers, key))| qr_response(desk_id, key, at + i as i64 * 60_000, answers))
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
}

async fn render(app: &TestApp, scope: Scope, period: ReportPeriod) -> String {
    let pdf = render_as(app, scope, period, Format::Pdf).await;
    assert!(pdf.starts_with(b"%PDF-"));
    let path = scratch("report");
    std::fs::write(&path, pdf).unwrap();
    let text = pdf_text(&path);
    std::fs::remove_file(&path).unwrap();
    text
}

async fn render_as(app: &TestApp, scope: Scope, period: ReportPeriod, format: Format) -> Vec<u8> {
    let survey = app
        .state
        .definitions
        .latest(survey_definitions::DEFAULT_SURVEY_ID)
        .unwrap();
    let issuer = Issuer {
        province_name: "Thành phố Đồng Nai".into(),
        date: "2026-12-03".into(),
    };
    report_file(
        app.store(),
        survey,
        &app.state.criteria,
        &issuer,
        scope,
        period,
        format,
    )
    .await
    .unwrap()
}

/// The words of a text on one line: two programs break lines in different places.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The figures written with a decimal comma (`75,0%`, `-25,0`), in order of appearance.
fn figures(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "();:".contains(c))
        .filter(|w| w.contains(',') && w.chars().any(|c| c.is_ascii_digit()))
        .map(|w| w.trim_end_matches([',', '.']).to_string())
        .filter(|w| w.contains(','))
        .collect()
}

async fn a_word_report_opens_in_libreoffice_with_the_figures_of_the_pdf(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desk = desk_of(&app, COMMUNE).await;
    let period = last_month();
    store_responses(&app, desk, period, &[5, 4, 4, 2]).await;
    store_responses(&app, desk, period.previous(), &[5]).await;

    let scope = || Scope::Commune(COMMUNE.into());
    let docx = render_as(&app, scope(), period, Format::Docx).await;
    assert!(docx.starts_with(b"PK"), "a Word document is a zip package");
    let path = scratch("word").with_extension("docx");
    std::fs::write(&path, &docx).unwrap();
    // Opened by the program a clerk edits it with, and printed to PDF by it.
    let Some(printed) = hailong_tests::soffice_convert(&path, "pdf", None) else {
        return;
    };
    let word = words(&pdf_text(&printed));
    let png = printed.with_extension("");
    let shown = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&printed)
        .arg(&png)
        .status()
        .unwrap();
    assert!(shown.success(), "its first page renders");
    let _ = std::fs::copy(
        png.with_extension("png"),
        hailong_tests::workspace_root().join(format!("target/report-docx-{backend:?}.png")),
    );
    let pdf = words(&render(&app, scope(), period).await);

    for frame in COMMUNE_FRAME.into_iter().chain([
        "nhận được 4 phiếu khảo sát",
        "có 1 phiếu đánh giá chưa hài lòng (mức 1–3)",
        "phiên bản 1 (4 phiếu)",
        "Tiếp cận dịch vụ",
    ]) {
        assert!(
            word.contains(frame),
            "missing «{frame}» in the Word report:\n{word}"
        );
        assert!(pdf.contains(frame), "missing «{frame}» in the PDF:\n{pdf}");
    }
    assert!(word.contains(&period.title_vi()), "{word}");
    let in_word = figures(&word);
    assert!(in_word.contains(&"75,0%".to_string()), "{in_word:?}");
    assert!(in_word.contains(&"-25,0".to_string()), "{in_word:?}");
    assert_eq!(
        in_word,
        figures(&pdf),
        "the Word report writes the PDF's figures, in the same order"
    );
    for p in [&path, &printed, &png.with_extension("png")] {
        let _ = std::fs::remove_file(p);
    }
}

/// The figure the dashboard's definitions give for these overall ratings.
fn expected(overall: &[u8]) -> Satisfaction {
    let mut s = Satisfaction::default();
    for o in overall {
        s.add("overall", "", 0, 1);
        s.add("overall", "overall", i64::from(*o), 1);
    }
    s
}

async fn a_commune_report_carries_the_official_frame_and_the_dashboard_figures(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desk = desk_of(&app, COMMUNE).await;
    let period = last_month();
    let now = [5, 4, 4, 2];
    let before = [5];
    store_responses(&app, desk, period, &now).await;
    store_responses(&app, desk, period.previous(), &before).await;
    // Another commune's answers stay out of this commune's report.
    store_responses(&app, desk_of(&app, "25217").await, period, &[1, 1]).await;

    let text = render(&app, Scope::Commune(COMMUNE.into()), period).await;

    for frame in COMMUNE_FRAME {
        assert!(text.contains(frame), "missing «{frame}»:\n{text}");
    }
    assert!(text.contains(&period.title_vi()), "{text}");
    assert!(text.contains("Phường Bình Phước"), "{text}");

    let figure = expected(&now);
    let written = figure.text(None, Lang::Vi);
    assert_eq!(written.satisfied, "75,0%", "3 of 4 satisfied");
    assert!(text.contains("75,0%"), "{text}");
    assert!(
        text.contains(&written.interval),
        "{}: {text}",
        written.interval
    );
    let change = figure.change_text(&expected(&before), Lang::Vi);
    assert_eq!(change, "▼ -25,0 điểm %");
    assert!(text.contains(&change), "{text}");
    assert!(
        text.contains("nhận được 4 phiếu khảo"),
        "four responses in the period, none of the other commune's:\n{text}"
    );
    assert!(
        text.contains("có 1 phiếu đánh giá chưa hài lòng (mức 1–3)"),
        "the one rating of 2:\n{text}"
    );
    assert!(text.contains("phiên bản 1 (4 phiếu)"), "{text}");
    assert!(
        text.contains("Diễn biến tỷ lệ hài lòng chung trong kỳ"),
        "the trend chart's caption: {text}"
    );
    for element in ["Hài lòng chung", "Tiếp cận dịch vụ"] {
        assert!(text.contains(element), "{element}: {text}");
    }
}

async fn the_province_report_has_a_row_for_every_commune(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let period = last_month();
    store_responses(&app, desk_of(&app, COMMUNE).await, period, &[5, 4, 4, 2]).await;
    store_responses(&app, desk_of(&app, "25217").await, period, &[1, 5]).await;

    let text = render(&app, Scope::Province, period).await;

    for frame in [
        "UBND THÀNH PHỐ ĐỒNG NAI",
        "SỞ NỘI VỤ",
        "/BC-SNV",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "GIÁM ĐỐC",
    ] {
        assert!(text.contains(frame), "missing «{frame}»:\n{text}");
    }
    let communes = app
        .store()
        .communes_named_on(&period.days().to)
        .await
        .unwrap();
    assert_eq!(communes.len(), 95);
    for (_, code, _) in &communes {
        assert!(text.contains(&format!(" {code} ")), "{code} has a row");
    }
    let row = |code: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {code} ")))
            .unwrap()
            .to_string()
    };
    assert!(row(COMMUNE).contains("Phường Bình Phước"));
    assert!(row(COMMUNE).contains("75,0%"), "{}", row(COMMUNE));
    assert!(row("25217").contains("50,0%"), "{}", row("25217"));
    // 6 responses in the province, 4 of them satisfied.
    assert!(
        text.contains(&expected(&[5, 4, 4, 2, 1, 5]).text(None, Lang::Vi).satisfied),
        "{text}"
    );
}

async fn the_command_writes_the_report_and_refuses_a_period_that_does_not_parse(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Some(binary) = hailong_tests::process::hailong_binary() else {
        return;
    };
    let period = last_month();
    store_responses(&app, desk_of(&app, COMMUNE).await, period, &[5, 4, 4, 2]).await;
    let run_as = |period: &str, format: &str, output: &Path| {
        Command::new(&binary)
            .args([
                "report", "--unit", COMMUNE, "--period", period, "--format", format,
            ])
            .arg("--output")
            .arg(output)
            .env("DATABASE_URL", &app.db.url)
            .env(
                "HAILONG_DEFINITIONS",
                hailong_tests::workspace_root().join("survey-definitions"),
            )
            .output()
            .unwrap()
    };
    let run = |period: &str, output: &Path| run_as(period, "pdf", output);

    let word = scratch("command").with_extension("docx");
    let done = run_as(&period.to_string(), "docx", &word);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let bytes = std::fs::read(&word).unwrap();
    assert!(
        bytes.starts_with(b"PK"),
        "--format docx writes a Word package"
    );
    let document = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .unwrap()
        .by_name("word/document.xml")
        .map(|mut part| {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut part, &mut xml).unwrap();
            xml
        })
        .unwrap();
    assert!(document.contains("UBND PHƯỜNG BÌNH PHƯỚC"), "{document}");
    std::fs::remove_file(&word).unwrap();

    let output = scratch("command");
    let done = run(&period.to_string(), &output);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let text = pdf_text(&output);
    assert!(text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(
        text.contains("Phường Bình Phước") && text.contains("75,0%"),
        "{text}"
    );
    // A filed report is never overwritten.
    let again = run(&period.to_string(), &output);
    assert!(!again.status.success());
    std::fs::remove_file(&output).unwrap();

    for bad in ["2026-13", "2026-Q5"] {
        let output = scratch("bad");
        let refused = run(bad, &output);
        assert!(!refused.status.success(), "{bad} is refused");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(&format!("`{bad}`")) && stderr.contains("2026-Q4"),
            "{bad}: {stderr}"
        );
        assert!(!output.exists(), "nothing is written for {bad}");
    }
}

async fn staff_download_the_reports_they_may_see(backend: Backend) {
    use axum::http::{header, StatusCode};
    let app = TestApp::spawn(backend).await;
    let period = last_month();
    store_responses(&app, desk_of(&app, COMMUNE).await, period, &[5, 4, 4, 2]).await;
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    let leader = app.login("leader25195").await;
    let own = format!("/reports/commune.pdf?period={period}");

    let pdf = app.get_as(&own, Some(&leader.cookie)).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    let text = downloaded_text(&pdf.body);
    assert!(
        text.contains("UBND PHƯỜNG BÌNH PHƯỚC") && text.contains("75,0%"),
        "{text}"
    );

    let other = format!("/reports/commune.pdf?commune=25217&period={period}");
    let province = format!("/reports/province.pdf?period={period}");
    // The Word versions are guarded exactly as the PDFs.
    for format in ["pdf", "docx"] {
        let at = |path: &str| path.replacen(".pdf?", &format!(".{format}?"), 1);
        assert_eq!(
            app.get_as(&at(&other), Some(&leader.cookie)).await.status,
            StatusCode::FORBIDDEN,
            "another commune's report as {format}"
        );
        assert_eq!(
            app.get_as(&at(&province), Some(&leader.cookie))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "the province's report is for the province ({format})"
        );
        assert_ne!(
            app.get_as(&at(&own), None).await.status,
            StatusCode::OK,
            "signed out ({format})"
        );
    }
    let word = app
        .get_as(&own.replacen(".pdf?", ".docx?", 1), Some(&leader.cookie))
        .await;
    assert_eq!(word.status, StatusCode::OK, "the leader's own, as Word");
    assert!(word.body.starts_with(b"PK"));
    assert!(
        word.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(&format!("bao-cao-{COMMUNE}-{period}.docx")),
        "named as a Word file"
    );
    assert_ne!(
        app.get_as(&own, None).await.status,
        StatusCode::OK,
        "signed out"
    );
    let bad = app
        .get_as("/reports/commune.pdf?period=2026-13", Some(&leader.cookie))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let pdf = app.get_as_admin(&province).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    let text = downloaded_text(&pdf.body);
    assert!(
        text.contains("SỞ NỘI VỤ") && text.contains("Phường Bình Phước"),
        "{text}"
    );
    let pdf = app.get_as_admin(&other).await;
    assert_eq!(pdf.status, StatusCode::OK, "the admin sees every commune");
}

async fn a_commune_report_sets_the_desk_beside_the_province_survey(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let desk = desk_of(&app, COMMUNE).await;
    let period = last_month();
    store_responses(&app, desk, period, &[5, 5, 5, 4]).await;
    let days = period.days();
    // The province's own survey of the commune for the same days: 70% of 30.
    let file = std::env::temp_dir().join(format!(
        "hailong-report-independent-{}.csv",
        rand::random::<u64>()
    ));
    std::fs::write(
        &file,
        format!(
            "ma_xa,tu_ngay,den_ngay,yeu_to,so_phieu,ty_le_hai_long,nguon\n\
             {COMMUNE},{},{},overall,30,70,Sở Nội vụ: khảo sát tháng\n",
            days.from, days.to
        ),
    )
    .unwrap();
    let config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    let mut out = Vec::new();
    server::cli::independent::run_to(
        &config,
        server::cli::independent::IndependentAction::Import {
            survey: "so-noi-vu".into(),
            dry_run: false,
            file: file.clone(),
        },
        &mut out,
    )
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);

    let text = render(&app, Scope::Commune(COMMUNE.into()), period).await;
    // pdftotext breaks lines where the PDF does: read the words as one line.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for part in [
        "Đối chiếu với khảo sát độc lập của tỉnh (Sở Nội vụ: khảo sát tháng",
        "tại quầy 100,0% (n = 4",
        "khảo sát của tỉnh 70,0% (n = 30",
    ] {
        assert!(flat.contains(part), "«{part}»: {flat}");
    }
}

async fn the_monthly_report_is_kept_once_and_downloads_unchanged(backend: Backend) {
    use axum::http::StatusCode;
    use sha2::{Digest, Sha256};
    let app = TestApp::spawn(backend).await;
    let period = last_month();
    let desk = desk_of(&app, COMMUNE).await;
    store_responses(&app, desk, period, &[5, 4, 4, 2]).await;
    let today = app::clock::today();

    // The schedule's tick keeps the last whole month's report of the province and of each
    // commune, once.
    let made = server::reports::kept::monthly_due(&app.state, &today)
        .await
        .unwrap();
    let communes = app.store().communes_in_force(&today).await.unwrap();
    assert_eq!(
        made.len(),
        1 + communes.len(),
        "the province's and each commune's"
    );
    assert_eq!(
        server::reports::kept::monthly_due(&app.state, &today)
            .await
            .unwrap(),
        Vec::<i64>::new(),
        "a second tick keeps nothing"
    );
    let all = app.store().kept_reports(None).await.unwrap();
    let kept_of = |scope: &str| {
        all.iter()
            .find(|k| k.scope == scope)
            .unwrap_or_else(|| panic!("{scope} kept"))
            .id
    };
    let kept = kept_of("province");
    let own = kept_of(COMMUNE);
    let other = kept_of("25217");

    let list = app.get_as_admin("/reports").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let html = list.text();
    let row = &html[html
        .find(&format!("id=\"bao-cao-{kept}\""))
        .expect("listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("Toàn tỉnh"), "{row}");
    assert!(row.contains(&format!("({period})")), "{row}");
    assert!(row.contains("Tự động theo lịch hằng tháng"), "{row}");
    assert!(
        row.contains("4 phiếu được tính"),
        "the answers it counted: {row}"
    );

    let first = app.get_as_admin(&format!("/reports/kept/{kept}.pdf")).await;
    assert_eq!(first.status, StatusCode::OK);
    let text = downloaded_text(&first.body);
    assert!(
        text.contains("SỞ NỘI VỤ") && text.contains("75,0%"),
        "{text}"
    );
    let sha: String = Sha256::digest(&first.body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(
        row.contains(&sha[..12]),
        "the page shows the file's hash: {row}"
    );

    // A later answer in that month (at another commune's desk) changes a report made now, not
    // the kept one.
    store_responses(&app, desk_of(&app, "25217").await, period, &[1]).await;
    let again = app.get_as_admin(&format!("/reports/kept/{kept}.pdf")).await;
    assert_eq!(again.body, first.body, "kept byte for byte");
    let made_now = app
        .get_as_admin(&format!("/reports/province.pdf?period={period}"))
        .await;
    assert!(downloaded_text(&made_now.body).contains("60,0%"));

    // A province reviewer makes and keeps one on request; it is listed with its maker.
    app.add_user("reviewer.tinh", "province_reviewer", "").await;
    let reviewer = app.login("reviewer.tinh").await;
    let made = app
        .post_as(
            "/reports/kept",
            &[("_csrf", &reviewer.csrf), ("period", &period.to_string())],
            Some(&reviewer.cookie),
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    let location = made.location().unwrap().to_string();
    assert!(
        location.starts_with("/reports?ok=kept#bao-cao-"),
        "{location}"
    );
    let html = app.get_as(&location, Some(&reviewer.cookie)).await.text();
    assert!(html.contains("Đã lập và lưu báo cáo."));
    assert!(html.contains("reviewer.tinh") && html.contains("5 phiếu được tính"));

    // The province lists one commune's monthly reports on asking.
    let listed = app
        .get_as_admin(&format!("/reports?scope={COMMUNE}"))
        .await
        .text();
    assert!(
        listed.contains(&format!("id=\"bao-cao-{own}\"")),
        "{listed:.3000}"
    );
    assert!(!listed.contains(&format!("id=\"bao-cao-{kept}\"")));

    // A commune's staff read their own commune's monthly report, kept as made, and no other.
    app.add_user("leader25195", "commune_leader", COMMUNE).await;
    let leader = app.login("leader25195").await;
    let mine = app
        .get_as("/reports?scope=province", Some(&leader.cookie))
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
    let html = mine.text();
    assert!(html.contains("<h1>Báo cáo hằng tháng của xã</h1>"));
    let row = &html[html
        .find(&format!("id=\"bao-cao-{own}\""))
        .expect("the commune's own report")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("Tự động theo lịch hằng tháng") && row.contains("4 phiếu được tính"),
        "{row}"
    );
    for hidden in [kept, other] {
        assert!(
            !html.contains(&format!("id=\"bao-cao-{hidden}\"")),
            "{hidden} listed"
        );
    }
    assert!(
        !html.contains("action=\"/reports/kept\""),
        "no making on request"
    );
    let pdf = app
        .get_as(&format!("/reports/kept/{own}.pdf"), Some(&leader.cookie))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(downloaded_text(&pdf.body).contains("75,0%"));
    for hidden in [kept, other] {
        assert_eq!(
            app.get_as(&format!("/reports/kept/{hidden}.pdf"), Some(&leader.cookie))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "report {hidden} is unknown to the commune"
        );
    }
    let refused = app
        .post_as(
            "/reports/kept",
            &[("_csrf", &leader.csrf), ("period", "2026-11")],
            Some(&leader.cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = app
        .post_as(
            "/reports/kept",
            &[("_csrf", &reviewer.csrf), ("period", "2026-13")],
            Some(&reviewer.cookie),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let forged = app
        .post_as(
            "/reports/kept",
            &[("_csrf", "x"), ("period", "2026-11")],
            Some(&reviewer.cookie),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get_as_admin("/reports/kept/999999.pdf").await.status,
        StatusCode::NOT_FOUND
    );
}

async fn a_served_instance_keeps_the_last_month_report_on_its_own(backend: Backend) {
    use hailong_tests::process::{hailong_binary, Server};
    let Some(binary) = hailong_binary() else {
        assert!(
            std::env::var("CI").is_err(),
            "target/debug/hailong is missing: scripts/test.sh builds it before the tests"
        );
        return;
    };
    let db = hailong_tests::TestDb::create(backend).await;
    let _server = Server::start(&binary, &db.url, &[("HAILONG_MONTHLY_REPORT", "on")]).await;
    let store = app::store::Store::connect(&db.url).await.unwrap();
    let period = last_month().to_string();
    let communes = store
        .communes_in_force(&app::clock::today())
        .await
        .unwrap()
        .len();
    let mut kept = Vec::new();
    for _ in 0..300 {
        kept = store.kept_reports(None).await.unwrap();
        if kept.len() > communes {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    store.close().await;
    assert_eq!(
        kept.len(),
        1 + communes,
        "the schedule's first tick keeps the province's report and each commune's"
    );
    assert!(kept
        .iter()
        .all(|k| k.period == period && k.made_by.is_none()));
    assert!(kept.iter().any(|k| k.scope == "province"));
}

/// Making a report on request costs seconds of CPU and stays stored: one user may keep at most
/// `HAILONG_KEPT_REPORTS_PER_DAY` in 24 hours (2 here); the next is a 429 that keeps nothing,
/// and another user still has their own allowance.
async fn one_user_keeps_at_most_the_days_allowance_of_reports(backend: Backend) {
    use axum::http::StatusCode;
    let app = TestApp::spawn_with(backend, |c| c.kept_reports_per_day = 2).await;
    app.add_user("reviewer.tinh", "province_reviewer", "").await;
    let reviewer = app.login("reviewer.tinh").await;
    let period = last_month().to_string();
    let keep = |session: &hailong_tests::Session| {
        let (app, csrf, cookie, period) = (
            &app,
            session.csrf.clone(),
            session.cookie.clone(),
            period.clone(),
        );
        async move {
            app.post_as(
                "/reports/kept",
                &[("_csrf", &csrf), ("period", &period)],
                Some(&cookie),
            )
            .await
            .status
        }
    };
    assert_eq!(keep(&reviewer).await, StatusCode::SEE_OTHER);
    assert_eq!(keep(&reviewer).await, StatusCode::SEE_OTHER);
    let third = app
        .post_as(
            "/reports/kept",
            &[("_csrf", &reviewer.csrf), ("period", &period)],
            Some(&reviewer.cookie),
        )
        .await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        third.text().contains("tối đa 2 báo cáo trong 24 giờ"),
        "{}",
        third.text()
    );
    assert_eq!(
        app.store().kept_reports(None).await.unwrap().len(),
        2,
        "nothing more kept"
    );
    app.add_user("admin.tinh", "province_admin", "").await;
    let admin = app.login("admin.tinh").await;
    assert_eq!(
        keep(&admin).await,
        StatusCode::SEE_OTHER,
        "the admin's own allowance"
    );
}
