//! One ranking everywhere: the ranking page, the scores export and `hailong score` read a stored
//! run the same way, so they give every commune the same place and the same headline
//! satisfaction figure, and a stored report that does not read fails them instead of shortening
//! the ranking.

use std::collections::BTreeMap;
use std::path::PathBuf;

use app::store::Backend;
use axum::http::StatusCode;
use hailong_tests::{both_backends, qr_response, workspace_root, Session, TestApp};
use survey_definitions::criteria::Source;
use survey_definitions::{Answer, AnswerValue, Lang};

both_backends!(
    page_export_and_command_line_agree_on_places_and_the_overall_figure,
    an_unreadable_stored_report_fails_the_page_the_report_and_the_export,
);

/// A copy of dong-nai-2026 whose SIPAS leaf comes before the overall leaf, so the first citizen
/// leaf is not the headline one.
const SET: &str = "rank-test-2026";
const TAN_PHU: &str = "25195"; // district 689
const TAN_BINH: &str = "25210"; // Phường Đồng Xoài, reviewed by district 689
const THAC_MO: &str = "25217"; // district 688

/// A definitions folder with the repository's surveys and units and the one criteria set above.
struct Definitions(PathBuf);

impl Definitions {
    fn create() -> Definitions {
        let source = workspace_root().join("survey-definitions");
        let n: u64 = rand::random();
        let dir = workspace_root()
            .join("target")
            .join("test-dbs")
            .join(format!("rankings-{n:016x}"));
        std::fs::create_dir_all(dir.join("criteria")).unwrap();
        for folder in ["surveys", "units"] {
            copy_dir(&source.join(folder), &dir.join(folder));
        }
        let text = std::fs::read_to_string(source.join("criteria/dong-nai-2026.toml")).unwrap();
        let overall_at = text
            .find("# [I] The overall question")
            .expect("the overall leaf");
        let sipas_at = text
            .find("# [I] The five SIPAS elements")
            .expect("the SIPAS leaf");
        let after = sipas_at
            + text[sipas_at..]
                .find("[[groups.criteria]]")
                .expect("a criterion after the SIPAS leaf");
        let swapped = format!(
            "{}{}{}{}",
            &text[..overall_at],
            &text[sipas_at..after],
            &text[overall_at..sipas_at],
            &text[after..],
        )
        .replace("id = \"dong-nai-2026\"", &format!("id = \"{SET}\""));
        std::fs::write(dir.join("criteria").join(format!("{SET}.toml")), swapped).unwrap();
        Definitions(dir)
    }
}

impl Drop for Definitions {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The app on `definitions`, scoring with the test set only.
async fn spawn(backend: Backend, definitions: &Definitions) -> TestApp {
    let dir = definitions.0.clone();
    let app = TestApp::spawn_with(backend, |config| {
        config.definitions_dir = dir;
        config.criteria = vec![SET.to_string()];
    })
    .await;
    // The shape this test is about: the first citizen leaf does not ask `overall`.
    let set = &app.state.criteria[0];
    let citizen: Vec<_> = set
        .leaves()
        .into_iter()
        .filter_map(|l| match l.source {
            Source::CitizenSurvey(c) => Some(c.questions.clone()),
            _ => None,
        })
        .collect();
    assert!(citizen.len() >= 2, "{citizen:?}");
    assert!(!citizen[0].iter().any(|q| q == "overall"), "{citizen:?}");
    assert!(citizen.iter().any(|qs| qs.iter().any(|q| q == "overall")));
    app.add_user("admin", "province_admin", "").await;
    app.add_user("reviewer688", "district_reviewer", "688")
        .await;
    app
}

/// 40 answers at each of three communes, every one satisfied with access (SIPAS 100%): overall
/// 85% at Phường Bình Phước and Phường Đồng Xoài (equal totals), 75% at Phường Phước Long.
async fn seed(app: &TestApp) {
    let desks = app.store().list_current_desks(None).await.unwrap();
    let desk = |code: &str| desks.iter().find(|d| d.commune_code == code).unwrap().id;
    let mut answer_sets = Vec::new();
    let mut places = Vec::new();
    for (commune, satisfied) in [(TAN_PHU, 34), (TAN_BINH, 34), (THAC_MO, 30)] {
        for n in 0..40u8 {
            answer_sets.push(vec![
                Answer {
                    question_id: "overall".into(),
                    value: AnswerValue::Scale(if n < satisfied { 5 } else { 2 }),
                },
                Answer {
                    question_id: "access".into(),
                    value: AnswerValue::Scale(4),
                },
            ]);
            places.push((desk(commune), format!("rank-{commune}-{n}")));
        }
    }
    // 10 March 2026, 09:00 in Vietnam, a minute apart.
    let start = 1_773_108_000_000_i64;
    let batch: Vec<_> = places
        .iter()
        .zip(&answer_sets)
        .enumerate()
        .map(|(i, ((desk, key), answers))| {
            qr_response(*desk, key, start + i as i64 * 60_000, answers)
        })
        .collect();
    app.store().insert_responses(&batch).await.unwrap();
}

/// What one reader says of a commune: its place (`None`: not ranked), the headline satisfied
/// share in ten-thousandths and n.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    rank: Option<u32>,
    share: Option<u32>,
    sample: Option<u64>,
}

/// The ranking as `hailong score --format json` prints it.
fn from_command_line(json: &serde_json::Value) -> BTreeMap<String, Seen> {
    json["ranking"]
        .as_array()
        .expect("a ranking")
        .iter()
        .map(|row| {
            (
                row["unit"].as_str().unwrap().to_string(),
                Seen {
                    rank: row["rank"].as_u64().map(|r| r as u32),
                    share: row["satisfied_share"].as_u64().map(|s| s as u32),
                    sample: row["sample"].as_u64(),
                },
            )
        })
        .collect()
}

/// The scores CSV: header and rows.
async fn export(app: &TestApp, session: &Session) -> (Vec<String>, Vec<Vec<String>>) {
    let response = app
        .get_as(
            &format!("/exports/scores.csv?criteria={SET}"),
            Some(&session.cookie),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let text = response.text();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn from_export(header: &[String], rows: &[Vec<String>], rank: &str) -> BTreeMap<String, Seen> {
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    rows.iter()
        .map(|row| {
            let percent = &row[col("satisfied_percent")];
            (
                row[col("commune_code")].clone(),
                Seen {
                    rank: row[col(rank)].parse().ok(),
                    share: (!percent.is_empty())
                        .then(|| (percent.parse::<f64>().unwrap() * 100.0).round() as u32),
                    sample: row[col("sample")].parse().ok(),
                },
            )
        })
        .collect()
}

/// Each commune's row of the ranking page, by code.
fn page_rows(html: &str) -> BTreeMap<String, String> {
    html.match_indices("data-commune=\"")
        .map(|(at, marker)| {
            let start = at + marker.len();
            let code = &html[start..start + html[start..].find('"').unwrap()];
            let row = &html[at..at + html[at..].find("</tr>").unwrap()];
            (code.to_string(), row.to_string())
        })
        .collect()
}

/// The place in a page row (`None`: not ranked).
fn page_rank(row: &str) -> Option<u32> {
    let marker = "<td class=\"num rank\">";
    let start = row.find(marker).expect("a rank cell") + marker.len();
    row[start..start + row[start..].find("</td>").unwrap()]
        .trim()
        .parse()
        .ok()
}

/// How the page writes a share: `85%`.
fn percent(ten_thousandths: u32) -> String {
    scoring::Share::from_ten_thousandths(ten_thousandths)
        .unwrap()
        .percent(Lang::Vi)
}

async fn page_export_and_command_line_agree_on_places_and_the_overall_figure(backend: Backend) {
    let definitions = Definitions::create();
    let app = spawn(backend, &definitions).await;
    seed(&app).await;
    let mut config = hailong_tests::test_config(&app.db.url, "127.0.0.1:3000".parse().unwrap());
    config.definitions_dir = definitions.0.clone();
    config.criteria = vec![SET.to_string()];

    let mut printed = Vec::new();
    server::cli::score::run_to(
        &config,
        Some(SET),
        None,
        server::cli::score::ReportFormat::Json,
        &mut printed,
    )
    .await
    .unwrap();
    let admin = app.login("admin").await;
    let (header, rows) = export(&app, &admin).await;
    let ranking = app
        .get_as(&format!("/ranking?criteria={SET}"), Some(&admin.cookie))
        .await;

    let json: serde_json::Value = serde_json::from_slice(&printed).unwrap();
    let cli = from_command_line(&json);
    let csv = from_export(&header, &rows, "rank");
    let communes = app.store().count_current_communes().await.unwrap() as usize;
    assert_eq!(cli.len(), communes);
    assert_eq!(csv, cli, "the export and the command line");
    // Equal totals share a place and the next is skipped; the headline is the overall leaf
    // (85%, 75%), not the SIPAS leaf listed first (100%).
    let expect = |rank, share| Seen {
        rank: Some(rank),
        share: Some(share),
        sample: Some(40),
    };
    assert_eq!(cli[TAN_PHU], expect(1, 8500));
    assert_eq!(cli[TAN_BINH], expect(1, 8500));
    assert_eq!(cli[THAC_MO], expect(3, 7500));
    assert_eq!(cli.values().filter(|s| s.rank.is_some()).count(), 3);
    assert_eq!(ranking.status, StatusCode::OK);
    let page = page_rows(&ranking.text());
    assert_eq!(page.len(), communes, "every commune on the page");
    for (code, seen) in &cli {
        let row = &page[code];
        assert_eq!(page_rank(row), seen.rank, "{code}: {row}");
        if let (Some(share), Some(sample)) = (seen.share, seen.sample) {
            assert!(
                row.contains(&format!("<td>{} (", percent(share))),
                "{code}: {row}"
            );
            assert!(row.contains(&format!("n = {sample}</td>")), "{code}: {row}");
        }
    }

    // No dossier was opened: the page says so, and an appraisal not started is empty, not 0.
    let row = &page[THAC_MO];
    assert!(row.contains("<td class=\"num appraised\">—</td>"), "{row}");
    assert!(row.contains("<td class=\"num self\">—</td>"), "{row}");
    assert!(
        row.contains("<td class=\"dossier\">Chưa lập hồ sơ</td>"),
        "{row}"
    );

    // A district reviewer sees the same places (of the whole province) on the page and in the
    // export, and its district's own places in the export's district column.
    let reviewer = app.login("reviewer688").await;
    let (header, rows) = export(&app, &reviewer).await;
    let district = from_export(&header, &rows, "rank");
    assert_eq!(district[THAC_MO], cli[THAC_MO]);
    assert_eq!(
        from_export(&header, &rows, "rank_in_district")[THAC_MO].rank,
        Some(1)
    );
    let html = app
        .get_as(&format!("/ranking?criteria={SET}"), Some(&reviewer.cookie))
        .await
        .text();
    let page = page_rows(&html);
    assert_eq!(page.len(), district.len());
    assert_eq!(page_rank(&page[THAC_MO]), Some(3));
}

async fn an_unreadable_stored_report_fails_the_page_the_report_and_the_export(backend: Backend) {
    let definitions = Definitions::create();
    let app = spawn(backend, &definitions).await;
    seed(&app).await;
    let set = &app.state.criteria[0];
    let run = app::scores::runs::run_all(app.store(), set, &app.state.definitions, "test")
        .await
        .unwrap();
    let thac_mo = app.store().commune_by_code(THAC_MO).await.unwrap().unwrap();
    sqlx::query("update score_results set report_json = $1 where run_id = $2 and unit_id = $3")
        .bind("{\"unit\": \"25217\", cut short")
        .bind(run.run_id)
        .bind(thac_mo.id)
        .execute(app.store().pool())
        .await
        .unwrap();
    let admin = app.login("admin").await;

    let ranking = app
        .get_as(&format!("/ranking?criteria={SET}"), Some(&admin.cookie))
        .await;
    let report = app
        .get_as(
            &format!("/report?commune={THAC_MO}&criteria={SET}"),
            Some(&admin.cookie),
        )
        .await;
    let export = app
        .get_as(
            &format!("/exports/scores.csv?criteria={SET}"),
            Some(&admin.cookie),
        )
        .await;
    let read = app::store::ranked::latest_ranked_run(app.store(), SET).await;

    assert_eq!(ranking.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page_rows(&ranking.text()).is_empty(),
        "no shorter ranking: {}",
        ranking.text()
    );
    assert_eq!(
        report.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "not a provisional report in its place"
    );
    assert_eq!(export.status, StatusCode::INTERNAL_SERVER_ERROR);
    match read {
        Err(app::store::StoreError::Inconsistent(message)) => {
            assert!(message.contains(THAC_MO), "{message}");
            assert!(
                message.contains(&format!("score run {}", run.run_id)),
                "{message}"
            );
        }
        other => panic!("an inconsistency, not {other:?}"),
    }
    // Another commune's report still reads.
    let ours = app
        .get_as(
            &format!("/report?commune={TAN_PHU}&criteria={SET}"),
            Some(&admin.cookie),
        )
        .await;
    assert_eq!(ours.status, StatusCode::OK);
}
