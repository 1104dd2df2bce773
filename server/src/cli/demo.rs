//! Simulated responses for every desk, so a newcomer (and the later dashboards) has data to look
//! at. They are stored with channel `demo`, so they can always be told apart from real answers.
//!
//! The simulation is deterministic for a seed, and each response's idempotency key is derived
//! from (seed, desk, day, index): running the command twice adds nothing the second time.

use app::domain::channel::Channel;
use app::store::desks::DeskRow;
use app::store::responses::NewResponse;
use app::store::Store;

use crate::config::Config;
use anyhow::Context;
use chrono::{Datelike, Duration, NaiveTime, Timelike, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use survey_definitions::{Answer, AnswerValue, Lang, SipasElement};

/// A demo account, with its password in clear: printed once for the newcomer.
pub struct DemoAccount {
    pub username: &'static str,
    pub role: &'static str,
    pub password: String,
    pub what: &'static str,
}

/// Creates one user of every role (the reviewer of the former Đồng Xoài district 689, the
/// leader and officer of Phường Bình Phước 25195) with random passwords, unless they exist.
/// Returns the accounts created.
pub async fn demo_users(state: &app::state::AppState) -> anyhow::Result<Vec<DemoAccount>> {
    let plan = [
        (
            "admin",
            "province_admin",
            "",
            "Quản trị tỉnh: người dùng, nhật ký, phiếu bị đánh dấu",
        ),
        (
            "thamdinh.dongxoai",
            "district_reviewer",
            "689",
            "Thẩm định TP Đồng Xoài",
        ),
        (
            "lanhdao.binhphuoc",
            "commune_leader",
            "25195",
            "Lãnh đạo Phường Bình Phước",
        ),
        (
            "canbo.binhphuoc",
            "commune_officer",
            "25195",
            "Cán bộ Phường Bình Phước",
        ),
    ];
    let mut created = Vec::new();
    for (username, role, unit, what) in plan {
        if state.store.user_by_username(username).await?.is_some() {
            continue;
        }
        let password = app::accounts::auth::new_token()[..16].to_string();
        app::accounts::users::add_user(state, username, what, role, unit, &password)
            .await
            .map_err(anyhow::Error::msg)?;
        created.push(DemoAccount {
            username,
            role,
            password,
            what,
        });
    }
    Ok(created)
}

/// The day the two-tier reform took effect: the demo's pre-reform desks answer until the day
/// before, today's communes from it.
pub const REFORM_DAY: &str = "2025-07-01";
/// The first day of the demo's history, six months before the reform.
pub const HISTORY_FROM: &str = "2025-01-01";
/// The first day the demo's desks answer version 2 of the survey (`one-stop-desk.v2`, the 2026
/// survey): before it they answer version 1, so the figures, reports and exports of the demo
/// show both versions adding up per element, and the reports name both.
pub const SURVEY_V2_FROM: &str = "2026-10-01";

pub struct DemoOptions {
    pub days: u32,
    pub per_day: f64,
    pub seed: u64,
}

const COMMENTS_GOOD: &[&str] = &[
    "Cán bộ hướng dẫn tận tình, chu đáo.",
    "Thủ tục nhanh gọn, đúng hẹn.",
    "Nơi tiếp dân sạch sẽ, có chỗ ngồi chờ.",
    "Rất hài lòng với thái độ phục vụ.",
];
const COMMENTS_BAD: &[&str] = &[
    "Phải chờ lâu, ít quầy làm việc.",
    "Hồ sơ bị trả lại nhiều lần, hướng dẫn chưa rõ.",
    "Trễ hẹn trả kết quả.",
    "Cán bộ chưa niềm nở.",
];

/// Stores the simulated responses; returns how many were new.
/// Today's desks answer from the reform on, the pre-reform communes' desks (made here, once)
/// from `HISTORY_FROM` until the reform; both within the last `days` days.
pub async fn seed(store: &Store, options: &DemoOptions) -> anyhow::Result<usize> {
    store.ensure_history_desks(HISTORY_FROM, REFORM_DAY).await?;
    let reform = app::clock::parse_day(REFORM_DAY).context("REFORM_DAY is a day")?;
    let history_from = app::clock::parse_day(HISTORY_FROM).context("HISTORY_FROM is a day")?;
    let v2_from = app::clock::parse_day(SURVEY_V2_FROM).context("SURVEY_V2_FROM is a day")?;
    let today = app::clock::today_date();
    let mut desks: Vec<(DeskRow, chrono::NaiveDate, chrono::NaiveDate)> = Vec::new();
    for desk in store.list_current_desks(None).await? {
        desks.push((desk, reform, today));
    }
    for desk in store.list_desks_closed_by(REFORM_DAY).await? {
        desks.push((desk, history_from, reform - Duration::days(1)));
    }
    let mut stored = 0;
    for (desk, first, last) in &desks {
        // Each desk gets its own stream, so adding desks does not change the others' data.
        let (mut rng, quality) = desk_stream(options.seed, &desk.public_code);
        let mut keys = Vec::new();
        let mut drafts = Vec::new();
        for day_back in 0..options.days {
            let date = today - Duration::days(i64::from(day_back));
            if date < *first || date > *last {
                continue;
            }
            let max = match date.weekday() {
                Weekday::Sun => 0.0,
                Weekday::Sat => options.per_day,
                _ => options.per_day * 2.0,
            };
            let count = if max > 0.0 {
                rng.gen_range(0.0..=max).round() as u32
            } else {
                0
            };
            for i in 0..count {
                let minute = rng.gen_range(7 * 60 + 30..17 * 60);
                let time = NaiveTime::from_hms_opt(minute / 60, minute % 60, rng.gen_range(0..60))
                    .expect("valid time");
                let at_ms = app::clock::midnight_of(date)
                    + i64::from(time.num_seconds_from_midnight()) * 1000;
                if at_ms > app::clock::now_ms() {
                    continue;
                }
                keys.push(format!(
                    "demo-{}-{}-{}-{i}",
                    options.seed, desk.public_code, day_back
                ));
                let version = if date >= v2_from { 2 } else { 1 };
                drafts.push((
                    at_ms,
                    version,
                    simulate(&mut rng, quality, &desk.commune_code, version),
                ));
            }
        }
        let batch: Vec<NewResponse<'_>> = drafts
            .iter()
            .zip(&keys)
            .map(
                |((at, version, (lang, dossier, answers)), key)| NewResponse {
                    key,
                    desk_id: desk.id,
                    survey_id: survey_definitions::DEFAULT_SURVEY_ID,
                    survey_version: *version,
                    lang: *lang,
                    channel: Channel::Demo,
                    dossier_code: dossier.as_deref(),
                    created_at: *at,
                    answers,
                    device_hash: None,
                    client_hash: None,
                    flags: Default::default(),
                    answer_digest: None,
                    kiosk_id: None,
                    count_flagged: Default::default(),
                    device_rule: None,
                    dossier_since_ms: None,
                },
            )
            .collect();
        // A few thousand per transaction keeps memory and lock time bounded for large runs.
        for part in batch.chunks(5000) {
            stored += store.bulk_insert_responses(part).await?;
        }
    }
    Ok(stored)
}

/// A desk's own random stream and how good its service is (0.55–0.95): the same for its QR
/// answers and its demo tablet, so both tell one story.
pub(super) fn desk_stream(seed: u64, public_code: &str) -> (StdRng, f64) {
    let mut rng = StdRng::seed_from_u64(seed ^ hash(public_code));
    let quality: f64 = rng.gen_range(0.55..0.95);
    (rng, quality)
}

fn hash(s: &str) -> u64 {
    // FNV-1a: stable across Rust versions, unlike the std hasher.
    s.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

/// One citizen's answers to `version` of the default survey. A desk of higher `quality` gets
/// more satisfied citizens; element ratings stay close to the overall rating, as real answers
/// do. Version 2 adds the field, harassment and unofficial payments (rarer at a good desk),
/// waiting time, whether the result was received (the result is rated only then), "not
/// applicable" for feedback, the respondent type and whether staff helped.
fn simulate(
    rng: &mut StdRng,
    quality: f64,
    commune_code: &str,
    version: u32,
) -> (Lang, Option<String>, Vec<Answer>) {
    let v2 = version >= 2;
    let overall = level(rng, quality);
    let mut answers = vec![scale("overall", overall)];
    if v2 && rng.gen_bool(0.8) {
        answers.push(choice("field", FIELDS[rng.gen_range(0..FIELDS.len())]));
    }
    let near = |rng: &mut StdRng| {
        let drift: i16 = rng.gen_range(-1..=1);
        (i16::from(overall) + drift).clamp(1, 5) as u8
    };
    let received = v2 && rng.gen_bool(0.6);
    for element in SipasElement::ALL {
        match element {
            SipasElement::Results if v2 && !received => continue,
            SipasElement::Feedback if v2 => {
                // Most people never made a suggestion or complaint, and say so.
                if rng.gen_bool(0.5) {
                    answers.push(Answer {
                        question_id: element.key().into(),
                        value: AnswerValue::NotApplicable,
                    });
                } else if rng.gen_bool(0.6) {
                    let value = near(rng);
                    answers.push(scale(element.key(), value));
                }
                continue;
            }
            SipasElement::Feedback if !rng.gen_bool(0.4) => continue,
            _ => {}
        }
        let value = near(rng);
        answers.push(scale(element.key(), value));
    }
    if v2 {
        let poor = 1.0 - quality;
        answers.push(yes_no("harassment", rng.gen_bool(0.01 + poor * 0.08)));
        answers.push(yes_no(
            "unofficial_payment",
            rng.gen_bool(0.005 + poor * 0.04),
        ));
        let waiting = match rng.gen::<f64>() * 0.6 + poor {
            x if x < 0.35 => "lt15",
            x if x < 0.6 => "15-30",
            x if x < 0.8 => "30-60",
            _ => "gt60",
        };
        answers.push(choice("waiting", waiting));
        answers.push(yes_no("result_received", received));
    }
    let visits = if rng.gen_bool(quality) {
        "1"
    } else if rng.gen_bool(0.7) {
        "2"
    } else {
        "3+"
    };
    answers.push(choice("visits", visits));
    if v2 {
        let respondent = if rng.gen_bool(0.15) {
            "organisation"
        } else {
            "person"
        };
        answers.push(choice("respondent", respondent));
        answers.push(yes_no("staff_helped", rng.gen_bool(0.1)));
    }
    let dossier = rng.gen_bool(0.3).then(|| {
        format!(
            "H70.{}-{:06}-{:04}",
            commune_code,
            rng.gen_range(240101..251231),
            rng.gen_range(1..2000)
        )
    });
    if let Some(code) = &dossier {
        answers.push(Answer {
            question_id: "dossier_code".into(),
            value: AnswerValue::Text(code.clone()),
        });
    }
    if rng.gen_bool(0.12) {
        let pool = if overall >= 4 {
            COMMENTS_GOOD
        } else {
            COMMENTS_BAD
        };
        answers.push(Answer {
            question_id: "comment".into(),
            value: AnswerValue::Text(pool[rng.gen_range(0..pool.len())].into()),
        });
    }
    let lang = if rng.gen_bool(0.03) {
        Lang::En
    } else {
        Lang::Vi
    };
    (lang, dossier, answers)
}

/// The fields of procedure version 2 asks about, as stored; civil status and certification,
/// the most frequent at a commune desk, are listed twice to be drawn twice as often.
const FIELDS: &[&str] = &[
    "ho_tich",
    "ho_tich",
    "chung_thuc",
    "chung_thuc",
    "dat_dai",
    "xay_dung",
    "kinh_doanh",
    "xa_hoi",
    "khac",
];

fn choice(id: &str, value: &str) -> Answer {
    Answer {
        question_id: id.into(),
        value: AnswerValue::Choice(value.into()),
    }
}

fn yes_no(id: &str, yes: bool) -> Answer {
    Answer {
        question_id: id.into(),
        value: AnswerValue::YesNo(yes),
    }
}

fn scale(id: &str, level: u8) -> Answer {
    Answer {
        question_id: id.into(),
        value: AnswerValue::Scale(level),
    }
}

/// A satisfaction level 1–5: mostly 4–5 at a good desk, spread lower at a weak one.
pub(super) fn level(rng: &mut StdRng, quality: f64) -> u8 {
    let x: f64 = rng.gen::<f64>() * 0.5 + quality * 0.6 + rng.gen::<f64>() * 0.2;
    match x {
        x if x > 0.95 => 5,
        x if x > 0.72 => 4,
        x if x > 0.55 => 3,
        x if x > 0.45 => 2,
        _ => 1,
    }
}

/// What the demo's scoring data gave: dossiers by state, imported scores, the run.
pub struct DemoScoring {
    pub criteria: String,
    pub dossiers: Vec<(String, usize)>,
    pub imported: usize,
    pub run: Option<app::scores::runs::RunSummary>,
}

/// Self-assessments at every stage of the workflow, simulated PAR-index scores and one score
/// run, under the criteria set in force today, so every staff page has something to show.
/// Nothing is added twice: communes with a dossier keep it, and a run is made only when the set
/// has none. The demo commune (Phường Bình Phước) is left as a draft in progress for its officer.
pub async fn seed_scoring(state: &app::state::AppState, seed: u64) -> anyhow::Result<DemoScoring> {
    use app::domain::dossier::{State, Step};
    use app::store::assessments::{Actor, AppraisalEntry, ImportedRow, SelfEntry};
    use survey_definitions::criteria::Source;

    let today = app::clock::today();
    let Some(set) = state
        .criteria
        .iter()
        .find(|s| s.period.contains(&today))
        .or_else(|| state.criteria.last())
    else {
        anyhow::bail!("no criteria set in force (HAILONG_CRITERIA)");
    };
    let store = &state.store;
    let actor = Actor {
        user_id: None,
        name: "demo",
    };
    let communes = store
        .communes_on(&app::scores::runs::roster_date(set))
        .await?;

    let mut imported = Vec::new();
    for (unit_id, code) in &communes {
        for leaf in set.leaves() {
            if let Source::Imported { import_max } = leaf.source {
                let mut rng = StdRng::seed_from_u64(seed ^ hash(code) ^ hash(leaf.id));
                let share = rng.gen_range(0.70..0.97);
                let score = (import_max.hundredths() as f64 * share).round() as i64;
                imported.push(ImportedRow {
                    unit_id: *unit_id,
                    leaf_id: leaf.id.to_string(),
                    score,
                    source: "Số liệu minh họa (demo), không phải Chỉ số CCHC thật".into(),
                });
            }
        }
    }
    let imported = store.set_imported_scores(&set.id, &imported, actor).await?;

    let mut counts: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for (unit_id, code) in &communes {
        if store.assessment(*unit_id, &set.id).await?.is_some() {
            continue;
        }
        let mut rng = StdRng::seed_from_u64(seed ^ hash(code) ^ 0x5e1f);
        // Where each commune stands: a few untouched, most somewhere along the way.
        let target = if code == "25195" {
            State::Draft
        } else {
            match rng.gen_range(0..10) {
                0 => continue,
                1 | 2 => State::Draft,
                3..=5 => State::Submitted,
                6 => State::Returned,
                7 | 8 => State::Appraised,
                _ => State::Finalised,
            }
        };
        let dossier = store
            .ensure_assessment(*unit_id, &set.id, set.version)
            .await?;
        let leaves = app::assessment::input::commune_leaves(set);
        // A draft in progress has only its first criteria entered.
        let entered = if target == State::Draft {
            leaves.len() / 2
        } else {
            leaves.len()
        };
        let entries: Vec<SelfEntry> = leaves
            .iter()
            .take(entered)
            .map(|leaf| {
                let max = leaf.max.hundredths() as i64;
                let points = if leaf.source.is_bonus() {
                    if rng.gen_bool(0.3) {
                        max / 2
                    } else {
                        0
                    }
                } else if rng.gen_bool(0.7) {
                    max
                } else {
                    (max * rng.gen_range(5..10) / 10) / 25 * 25
                };
                SelfEntry {
                    leaf_id: leaf.id.to_string(),
                    points: Some(points),
                    note: format!("Văn bản minh chứng (demo) cho tiêu chí {}", leaf.id),
                    link: format!("https://vanban.example.vn/demo/{code}/{}", leaf.id),
                }
            })
            .collect();
        let _ = store.save_self_entries(&dossier, &entries, actor).await?;
        if target == State::Draft {
            *counts.entry(target.key()).or_default() += 1;
            continue;
        }
        let step = |step, reason| advance(store, *unit_id, &set.id, step, reason, actor);
        step(Step::Submit, None).await?;
        if target == State::Returned {
            step(Step::Return, Some("Bổ sung minh chứng tiêu chí 2 (demo)")).await?;
        }
        if matches!(target, State::Appraised | State::Finalised) {
            let submitted = store
                .assessment(*unit_id, &set.id)
                .await?
                .expect("just made");
            let cut = entries.iter().find(|e| e.points.unwrap_or(0) >= 200);
            let appraisals: Vec<AppraisalEntry> = cut
                .map(|e| AppraisalEntry {
                    leaf_id: e.leaf_id.clone(),
                    points: e.points.map(|p| p - 100),
                    reason: "Minh chứng chưa đầy đủ (demo)".into(),
                })
                .into_iter()
                .collect();
            let _ = store
                .save_appraisals(&submitted, &appraisals, actor)
                .await?;
            step(Step::Approve, None).await?;
            if target == State::Finalised {
                step(Step::Finalise, None).await?;
            }
        }
        *counts.entry(target.key()).or_default() += 1;
    }
    let run = match store.latest_score_run(&set.id).await? {
        Some(_) => None,
        None => Some(app::scores::runs::run_all(store, set, &state.definitions, "demo").await?),
    };
    Ok(DemoScoring {
        criteria: set.id.clone(),
        dossiers: counts
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        imported,
        run,
    })
}

/// Takes one workflow step on a commune's dossier, as the demo's imaginary users would.
async fn advance(
    store: &Store,
    unit_id: i64,
    criteria_id: &str,
    step: app::domain::dossier::Step,
    reason: Option<&str>,
    actor: app::store::assessments::Actor<'_>,
) -> anyhow::Result<()> {
    let row = store
        .assessment(unit_id, criteria_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo dossier of unit {unit_id} vanished"))?;
    store
        .transition(
            &row,
            step.from_states(),
            step.to_state(row.state()?),
            reason,
            actor,
        )
        .await??;
    Ok(())
}

/// Runs `hailong demo …`: demo accounts, simulated answers (or millions of synthetic ones
/// generated in the database), self-assessments and a score run.
pub async fn command(
    config: &Config,
    days: Option<u32>,
    per_day: f64,
    responses: Option<u64>,
    seed: u64,
    if_empty: bool,
) -> anyhow::Result<()> {
    // By default the history goes back to before the reform, so a newcomer sees answers given
    // at the pre-reform communes counted for today's.
    let since_history = (app::clock::today_date()
        - app::clock::parse_day(HISTORY_FROM).context("HISTORY_FROM is a day")?)
    .num_days() as u32
        + 1;
    let days = days.unwrap_or(if responses.is_some() {
        365
    } else {
        since_history
    });
    let state = crate::startup::build_state(config).await?;
    let store = &state.store;
    if if_empty && store.count_responses().await? > 0 {
        eprintln!("demo: responses already stored, nothing added");
        return Ok(());
    }
    let accounts = demo_users(&state).await?;
    if !accounts.is_empty() {
        print_demo_accounts(config, &accounts)?;
    }
    let started = std::time::Instant::now();
    let stored = match responses {
        // Millions of rows: generated inside the database (see generate_responses).
        Some(n) => {
            let total = store.generate_responses(n, days).await?;
            eprintln!(
                "demo: generated {n} synthetic responses in {:.1} s ({total} stored in all)",
                started.elapsed().as_secs_f64()
            );
            n as usize
        }
        None => {
            self::seed(
                store,
                &DemoOptions {
                    days,
                    per_day,
                    seed,
                },
            )
            .await?
        }
    };
    eprintln!("demo: stored {stored} simulated responses over {days} days");
    if responses.is_none() {
        let tablets = super::demo_kiosks::seed(&state, days, seed).await?;
        eprintln!(
            "demo: {} desk tablets, {} honest kiosk ratings",
            tablets.kiosks, tablets.ratings
        );
    }
    let scoring = seed_scoring(&state, seed).await?;
    let dossiers: Vec<String> = scoring
        .dossiers
        .iter()
        .map(|(state, n)| format!("{n} {state}"))
        .collect();
    eprintln!(
        "demo: {}: self-assessments {}; {} imported scores",
        scoring.criteria,
        dossiers.join(", "),
        scoring.imported
    );
    if let Some(run) = scoring.run {
        eprintln!(
            "demo: score run {}: {} communes, {} passed, {} below the minimum sample",
            run.run_id, run.communes, run.passed, run.insufficient
        );
    }
    Ok(())
}

/// Prints the demo accounts once and keeps a copy in data/demo-accounts.txt (the folder is not
/// committed), so a newcomer can sign in as every role.
fn print_demo_accounts(config: &Config, accounts: &[DemoAccount]) -> anyhow::Result<()> {
    let mut text = format!("Demo accounts (sign in at {}/login):\n", config.public_url);
    for a in accounts {
        text.push_str(&format!(
            "  {:<18} {:<22} password: {}   ({})\n",
            a.username, a.role, a.password, a.what
        ));
    }
    eprintln!("\n{text}");
    if std::fs::create_dir_all("data").is_ok() {
        let _ = std::fs::write("data/demo-accounts.txt", &text);
        eprintln!("(also written to data/demo-accounts.txt)\n");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers as the survey form posts them.
    fn as_form(answers: &[Answer]) -> Vec<(String, String)> {
        answers
            .iter()
            .map(|a| {
                let value = match &a.value {
                    AnswerValue::Scale(n) => n.to_string(),
                    AnswerValue::Choice(v) | AnswerValue::Text(v) => v.clone(),
                    AnswerValue::YesNo(yes) => if *yes { "yes" } else { "no" }.to_string(),
                    AnswerValue::NotApplicable => survey_definitions::NOT_APPLICABLE.to_string(),
                };
                (a.question_id.clone(), value)
            })
            .collect()
    }

    #[test]
    fn simulated_answers_are_valid_answers_to_their_survey_version() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../survey-definitions");
        let definitions = survey_definitions::load_dir(&dir).unwrap();
        let mut rng = StdRng::seed_from_u64(5);
        for version in [1, 2] {
            let survey = definitions
                .survey(survey_definitions::DEFAULT_SURVEY_ID, version)
                .unwrap();
            let mut not_applicable = 0;
            for _ in 0..500 {
                let quality = rng.gen_range(0.55..0.95);
                let (_, _, answers) = simulate(&mut rng, quality, "25195", version);
                let mut valid = survey
                    .validate(&as_form(&answers))
                    .unwrap_or_else(|e| panic!("v{version}: {answers:?}: {e:?}"));
                let mut given = answers.clone();
                let key = |a: &Answer| a.question_id.clone();
                valid.sort_by_key(key);
                given.sort_by_key(key);
                assert_eq!(valid, given, "v{version}: every answer is kept as given");
                not_applicable += answers
                    .iter()
                    .filter(|a| a.value == AnswerValue::NotApplicable)
                    .count();
                let received = answers.iter().any(|a| {
                    a.question_id == "result_received" && a.value == AnswerValue::YesNo(true)
                });
                let rated = answers.iter().any(|a| a.question_id == "results");
                if version == 2 {
                    assert!(!rated || received, "the result is rated only once received");
                }
            }
            assert_eq!(not_applicable > 0, version == 2, "v{version}");
        }
    }
}
