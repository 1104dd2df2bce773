//! The demo's desk tablets: a few of today's desks have an honest tablet whose ratings follow
//! the desk's real traffic, so the kiosk pages have something to show and the kiosk traffic
//! rules (`app::kiosk::traffic`) have honest days to be measured against
//! (`hailong kiosks rules`, README "Kiosk traffic rules").
//!
//! An honest day: citizens are served through the opening hours (7:30–11:30 and 13:30–17:00),
//! each leaving at a time of their own; about a third tap a rating on the way out, answering as
//! the desk's phone answers do (the same quality, `demo::level`); the tablet ignores taps for
//! 5 seconds after each rating. The desk's dossiers of the day are entered as well (every
//! citizen served brought one).

use anyhow::Context;
use app::domain::channel::Channel;
use app::state::AppState;
use app::store::desks::DeskRow;
use app::store::kiosks::NewKiosk;
use app::store::responses::NewResponse;
use chrono::{Datelike, Duration, Weekday};
use rand::rngs::StdRng;
use rand::Rng;
use survey_definitions::{Answer, AnswerValue, Lang};

use super::demo::{desk_stream, level};

/// The demo commune's desk has a tablet, and every `EVERY`th other desk of today.
const EVERY: usize = 12;
/// The demo tablets' name, by which a second run finds them.
pub const LABEL: &str = "Máy đánh giá tại quầy (mô phỏng)";
/// The demo commune, whose leader sees its tablet.
const DEMO_COMMUNE: &str = "25195";

/// What the demo's tablets stored.
pub struct DemoTablets {
    pub kiosks: usize,
    pub ratings: usize,
}

/// One honest day at a desk whose service is of `quality`, on `date`: the dossiers it handled
/// and its tablet's ratings (tap time in ms, overall answer), in the order tapped.
pub fn honest_day(
    rng: &mut StdRng,
    date: chrono::NaiveDate,
    quality: f64,
) -> (i64, Vec<(i64, u8)>) {
    let served = match date.weekday() {
        Weekday::Sun => 0,
        Weekday::Sat => rng.gen_range(5..=15),
        _ => rng.gen_range(12..=36),
    };
    let midnight = app::clock::midnight_of(date);
    let mut taps: Vec<(i64, u8)> = Vec::new();
    for _ in 0..served {
        // Seconds into the day a citizen leaves: a morning and an afternoon session.
        let second: i64 = rng.gen_range(0..(240 + 210) * 60);
        let second = if second < 240 * 60 {
            7 * 3600 + 30 * 60 + second
        } else {
            13 * 3600 + 30 * 60 + second - 240 * 60
        };
        let rates = rng.gen_bool(0.3);
        let overall = level(rng, quality);
        if rates {
            taps.push((midnight + second * 1000, overall));
        }
    }
    taps.sort_unstable();
    // The tablet locks its buttons for 5 seconds after each rating.
    for i in 1..taps.len() {
        if taps[i].0 < taps[i - 1].0 + 5_000 {
            taps[i].0 = taps[i - 1].0 + 5_000;
        }
    }
    (served, taps)
}

/// Gives the demo's desks their tablets (once) and each tablet its honest days over the last
/// `days` days since the reform; a second run adds nothing.
pub async fn seed(state: &AppState, days: u32, seed: u64) -> anyhow::Result<DemoTablets> {
    let store = &state.store;
    let admin = store
        .user_by_username("admin")
        .await?
        .context("the demo's admin account exists")?;
    let mut desks: Vec<DeskRow> = store.list_current_desks(None).await?;
    desks.sort_by(|a, b| a.commune_code.cmp(&b.commune_code));
    let chosen: Vec<&DeskRow> = desks
        .iter()
        .enumerate()
        .filter(|(i, d)| d.commune_code == DEMO_COMMUNE || i % EVERY == 0)
        .map(|(_, d)| d)
        .collect();
    let reform = app::clock::parse_day(super::demo::REFORM_DAY).context("a day")?;
    let today = app::clock::today_date();
    let now = app::clock::now_ms();
    let mut result = DemoTablets {
        kiosks: 0,
        ratings: 0,
    };
    let existing = store.list_kiosks(None).await?;
    for desk in chosen {
        let kiosk_id = match existing
            .iter()
            .find(|k| k.desk_id == desk.id && k.label == LABEL)
        {
            Some(k) => k.id,
            None => {
                let code = app::accounts::auth::new_token();
                let id = store
                    .create_kiosk(&NewKiosk {
                        desk_id: desk.id,
                        label: LABEL,
                        code_hash: &code,
                        expires_at: now + 60_000,
                        user_id: admin.id,
                        now,
                        limit: None,
                        approved: true,
                    })
                    .await?
                    .context("a demo tablet without a limit is created")?;
                store
                    .enrol_kiosk(&code, &app::accounts::auth::new_token(), now)
                    .await?;
                // The tablet has stood on the desk since the reform.
                store
                    .set_kiosk_enrolled_at(id, app::clock::midnight_of(reform))
                    .await?;
                id
            }
        };
        result.kiosks += 1;
        let (_, quality) = desk_stream(seed, &desk.public_code);
        // The tablet's own stream: the desk's QR answers keep theirs unchanged.
        let (mut rng, _) = desk_stream(seed ^ 0x006b_696f_736b, &desk.public_code);
        let mut keys = Vec::new();
        let mut drafts: Vec<(i64, Vec<Answer>)> = Vec::new();
        for day_back in 0..i64::from(days) {
            let date = today - Duration::days(day_back);
            if date < reform {
                break;
            }
            let (served, taps) = honest_day(&mut rng, date, quality);
            if served > 0 && date < today {
                let day = app::clock::day_of(app::clock::midnight_of(date));
                if store.desk_dossiers_on(desk.id, &day).await?.is_none() {
                    store
                        .set_desk_dossiers(desk.id, &day, served, admin.id, "admin")
                        .await?;
                }
            }
            for (i, (at, overall)) in taps.into_iter().enumerate() {
                if at > now {
                    continue;
                }
                keys.push(format!(
                    "demo-kiosk-{seed}-{}-{day_back}-{i}",
                    desk.public_code
                ));
                drafts.push((
                    at,
                    vec![Answer {
                        question_id: "overall".into(),
                        value: AnswerValue::Scale(overall),
                    }],
                ));
            }
        }
        let batch: Vec<NewResponse<'_>> = drafts
            .iter()
            .zip(&keys)
            .map(|((at, answers), key)| NewResponse {
                key,
                desk_id: desk.id,
                survey_id: survey_definitions::DEFAULT_SURVEY_ID,
                survey_version: if *at >= demo_v2_from() { 2 } else { 1 },
                lang: Lang::Vi,
                channel: Channel::Demo,
                dossier_code: None,
                created_at: *at,
                answers,
                device_hash: None,
                client_hash: None,
                flags: Default::default(),
                answer_digest: None,
                kiosk_id: Some(kiosk_id),
                count_flagged: Default::default(),
                device_rule: None,
                dossier_since_ms: None,
            })
            .collect();
        for part in batch.chunks(5000) {
            result.ratings += store.bulk_insert_responses(part).await?;
        }
    }
    Ok(result)
}

/// When the demo's desks start answering survey version 2.
fn demo_v2_from() -> i64 {
    app::clock::midnight_ms(super::demo::SURVEY_V2_FROM).unwrap_or(i64::MAX)
}
