//! Kiosk mode on the server: enrolling a tablet to one desk, recognising it by its cookie, and
//! taking its ratings.
//!
//! - Enrolment: a province admin, or a leader or officer of the desk's commune, creates a one-time
//!   code (valid `ENROL_CODE_MINUTES`); the tablet that types it gets a random 256-bit token in a
//!   long-lived HttpOnly cookie. Only SHA-256 hashes of codes and tokens are stored. Revoking a
//!   kiosk makes its next rating fail with 403 and a message staff can act on. Commune staff may
//!   keep a few kiosks per desk (`KioskSettings::max_per_desk`), and the province may require
//!   its approval of theirs before they take ratings (`KioskApproval::Province`).
//! - Ratings come from a trusted device that many citizens share, so the citizens' per-device and
//!   per-address limits and flags (`crate::abuse`) would block a busy desk: they do not apply.
//!   Instead the kiosks of one desk share one rate limit, loose enough to flush a day's offline
//!   queue at once, and the tablet itself locks its buttons for a few seconds after each rating.
//! - The time a citizen tapped (`rated_at`, by the tablet's clock) is what a rating counts for,
//!   and what the kiosk rules judge: ratings tapped closer together at one desk than people can
//!   tap are `kiosk_rapid`; ratings dated before an offline queue plausibly holds one (too old,
//!   before the tablet was enrolled, or before ratings the tablet already sent, which it sends
//!   oldest first) are `kiosk_backdated`. Both wait for a reviewer. An honest queue sent at once
//!   arrives fast, but its tap times are spread as the citizens were.
//! - Each rating carries the idempotency key the tablet gave it when the citizen tapped, so a
//!   rating resent from the offline queue is stored once.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use rand::Rng;
use survey_definitions::{Answer, AnswerValue};

use crate::abuse::kiosk::KioskApproval;
use crate::abuse::{salted_hash, within_opening_hours};
use crate::accounts::auth::{cookie, new_token};
use crate::domain::channel::Channel;
use crate::domain::flags::{Flag, Flags};
use crate::domain::roles::{Access, Me, Role};
use crate::error::AppError;
use crate::kiosk::model::{
    kiosk_questions, KioskPageData, KioskQuestion, KioskRating, KioskRefusal, KioskScreenData,
    KioskStatus, KioskView, KiosksNotice, KiosksPageData, NewEnrolment, ENROL_CSRF_COOKIE,
    KIOSK_COOKIE,
};
use crate::kiosk::traffic;
use crate::state::AppState;
use crate::store::kiosk_traffic::KioskPart;
use crate::store::kiosks::{KioskRow, NewKiosk, TokenKiosk};
use crate::store::responses::Inserted;
use crate::writer::PendingResponse;

/// How long an enrolment code works: long enough to walk to the desk and type it.
pub const ENROL_CODE_MINUTES: i64 = 30;
/// Letters of enrolment codes: no look-alikes (0/o, 1/l/i), so a code read off a screen is typed
/// right the first time. 10 of 31 letters is about 50 bits: with the 30-minute validity and one
/// use, guessing is hopeless without a rate limit.
const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const CODE_LEN: usize = 10;
/// A queued rating older than this (or from a tablet whose clock runs ahead) is stored with the
/// time it arrived and flagged `kiosk_clock` for a reviewer: a tablet's clock reset to 2000 must
/// not move ratings into another year.
const MAX_RATING_AGE_MS: i64 = 30 * 86_400_000;
/// How far a tablet's clock may be off the server's either way before its times are doubted.
const CLOCK_SLACK_MS: i64 = 10 * 60_000;
/// How long a rating whose follow-up questions were left unfinished may wait on the tablet while
/// later ratings are sent (`DRAFT_MAX_MS` of `app/script/kiosk.js`).
const DRAFT_WAIT_MS: i64 = 10 * 60_000;
/// A year and a month: Chrome caps cookie lifetimes at 400 days.
const KIOSK_COOKIE_SECS: i64 = 395 * 86_400;

/// What a kiosk rating's tap time says: when it counts, and its flags.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TapTime {
    counts_at: i64,
    flags: Flags,
}

/// Judges the time a citizen tapped (`rated_at`, the tablet's clock) of a rating arriving `now`
/// from a kiosk enrolled at `enrolled_at` whose latest stored rating counts at `latest`.
fn judge_tap_time(
    rated_at: i64,
    now: i64,
    max_queue_age: Duration,
    enrolled_at: Option<i64>,
    latest: Option<i64>,
) -> TapTime {
    let mut flags = Flags::new();
    let max_age = i64::try_from(max_queue_age.as_millis())
        .unwrap_or(i64::MAX)
        .min(MAX_RATING_AGE_MS);
    // The screen that rates exists only once the tablet is enrolled, and the tablet sends its
    // queue oldest first (a rating with unfinished follow-ups may wait a little longer).
    let backdated = rated_at < now.saturating_sub(max_age)
        || enrolled_at.is_some_and(|at| rated_at < at - CLOCK_SLACK_MS)
        || latest.is_some_and(|at| rated_at < at - CLOCK_SLACK_MS - DRAFT_WAIT_MS);
    if backdated {
        flags.add(Flag::KioskBackdated);
    }
    let counts_at = if rated_at < now - MAX_RATING_AGE_MS || rated_at > now + CLOCK_SLACK_MS {
        flags.add(Flag::KioskClock);
        now
    } else {
        rated_at.min(now)
    };
    TapTime { counts_at, flags }
}

/// A new enrolment code, `CODE_LEN` letters.
pub fn new_enrol_code() -> String {
    let mut rng = rand::thread_rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// The code as staff read it: upper case in two groups, `ABCDE-FGHJK`.
pub fn display_code(code: &str) -> String {
    let upper = code.to_ascii_uppercase();
    let (a, b) = upper.split_at(upper.len().min(CODE_LEN / 2));
    format!("{a}-{b}")
}

/// A typed code back in its stored form: case, spaces and dashes do not matter.
pub fn normalize_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

fn code_hash(code: &str) -> String {
    salted_hash("kiosk-enrol", code)
}

fn token_hash(token: &str) -> String {
    salted_hash("kiosk", token)
}

/// Same rule as the survey's keys: what the tablet generates (32 hex characters) passes.
fn is_valid_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn cookie_value(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let value = format!(
        "{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).expect("cookie values are ASCII tokens")
}

/// `Set-Cookie` for an enrolled tablet's token.
pub fn kiosk_cookie(token: &str, secure: bool) -> HeaderValue {
    cookie_value(KIOSK_COOKIE, token, KIOSK_COOKIE_SECS, secure)
}

/// `Set-Cookie` for the enrolment form's double-submit CSRF token.
pub fn enrol_csrf_cookie(token: &str, secure: bool) -> HeaderValue {
    cookie_value(ENROL_CSRF_COOKIE, token, 3600, secure)
}

/// The kiosk whose token the request's cookie carries, revoked or not.
pub async fn current_kiosk(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<TokenKiosk>, AppError> {
    let Some(token) = cookie(headers, KIOSK_COOKIE).filter(|t| t.len() == 64) else {
        return Ok(None);
    };
    state
        .store
        .kiosk_by_token(&token_hash(token))
        .await
        .map_err(|e| AppError::internal("kiosk_by_token", e))
}

/// Uses an enrolment code; on success returns the kiosk and the `Set-Cookie` for the tablet.
pub async fn enrol(
    state: &AppState,
    typed_code: &str,
) -> Result<Option<(TokenKiosk, HeaderValue)>, AppError> {
    let Some(code) = normalize_code(typed_code) else {
        return Ok(None);
    };
    let token = new_token();
    let now = crate::clock::now_ms();
    let kiosk = state
        .store
        .enrol_kiosk(&code_hash(&code), &token_hash(&token), now)
        .await
        .map_err(|e| AppError::internal("enrol_kiosk", e))?;
    let Some(kiosk) = kiosk else {
        return Ok(None);
    };
    state
        .store
        .audit(
            None,
            &format!("kiosk {}", kiosk.id),
            "kiosk_enrolled",
            &format!("kiosk {}", kiosk.id),
            &format!("desk={} label={}", kiosk.desk_code, kiosk.label),
        )
        .await
        .map_err(|e| AppError::internal("enrol_kiosk", e))?;
    let cookie = kiosk_cookie(&token, state.settings.secure_cookies());
    Ok(Some((kiosk, cookie)))
}

/// What `/kiosk` shows this request: the screen of its kiosk, or the enrolment form (with a fresh
/// CSRF cookie set on the response).
pub async fn kiosk_page(state: &AppState, headers: &HeaderMap) -> Result<KioskPageData, AppError> {
    let kiosk = current_kiosk(state, headers).await?;
    if let Some(kiosk) = kiosk.as_ref().filter(|k| k.revoked_at.is_none()) {
        if let Some(data) = screen_data(state, kiosk).await? {
            return Ok(if awaits_approval(state, kiosk) {
                KioskPageData::AwaitingApproval(Box::new(data))
            } else {
                KioskPageData::Screen(Box::new(data))
            });
        }
    }
    let csrf = new_token();
    if let Some(options) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        options.append_header(
            axum::http::header::SET_COOKIE,
            enrol_csrf_cookie(&csrf, state.settings.secure_cookies()),
        );
    }
    Ok(KioskPageData::Enrol {
        csrf,
        revoked: kiosk.is_some_and(|k| k.revoked_at.is_some()),
    })
}

/// The screen of a kiosk; `None` when its desk has been retired (the tablet must be re-enrolled).
async fn screen_data(
    state: &AppState,
    kiosk: &TokenKiosk,
) -> Result<Option<KioskScreenData>, AppError> {
    let desk = state
        .store
        .find_desk(&kiosk.desk_code)
        .await
        .map_err(|e| AppError::internal("kiosk desk", e))?;
    let Some(desk) = desk.filter(|d| !d.is_retired()) else {
        return Ok(None);
    };
    let Some(survey) = state.definitions.latest(&desk.survey_id) else {
        return Err(AppError::internal(
            "kiosk",
            format!("no survey `{}`", desk.survey_id),
        ));
    };
    let (overall, follow_ups) = kiosk_questions(survey);
    let question = |q: &survey_definitions::Question| KioskQuestion {
        id: q.id.clone(),
        label: q.label.clone(),
        spoken: survey_definitions::Lang::offered()
            .into_iter()
            .filter_map(|lang| {
                Some((
                    lang,
                    crate::survey::submit::spoken_question(state, q, lang)?,
                ))
            })
            .collect(),
    };
    let Some(overall) = overall.map(question) else {
        return Err(AppError::internal(
            "kiosk",
            format!(
                "survey `{}` has no overall satisfaction question",
                survey.id
            ),
        ));
    };
    Ok(Some(KioskScreenData {
        kiosk_label: kiosk.label.clone(),
        desk_code: desk.public_code.clone(),
        desk_name: survey_definitions::Text {
            vi: desk.name.clone(),
            en: desk.name_en.clone(),
        },
        commune_name: desk.commune_name.clone(),
        overall,
        follow_ups: follow_ups.into_iter().map(question).collect(),
        key: crate::survey::submit::new_key(),
    }))
}

/// What happened to a kiosk rating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KioskOutcome {
    /// Durably stored, or already stored under the same key.
    Stored {
        duplicate: bool,
    },
    Refused(KioskRefusal),
}

/// Whether the province's approval rule keeps this kiosk from taking ratings yet.
pub fn awaits_approval(state: &AppState, kiosk: &TokenKiosk) -> bool {
    state.settings.kiosk.approval == KioskApproval::Province && kiosk.approved_at.is_none()
}

/// Checks and stores one rating from `kiosk` (the kiosk of the request's cookie, if any).
pub async fn submit_rating(
    state: &AppState,
    kiosk: Option<TokenKiosk>,
    rating: &KioskRating,
) -> Result<KioskOutcome, AppError> {
    let refuse = |r| Ok(KioskOutcome::Refused(r));
    let Some(kiosk) = kiosk else {
        return refuse(KioskRefusal::NotEnrolled);
    };
    if kiosk.revoked_at.is_some() {
        return refuse(KioskRefusal::Revoked);
    }
    if awaits_approval(state, &kiosk) {
        return refuse(KioskRefusal::AwaitingApproval);
    }
    if !is_valid_key(&rating.key) {
        return refuse(KioskRefusal::Invalid("mã lượt đánh giá".into()));
    }
    if rating.desk != kiosk.desk_code {
        return refuse(KioskRefusal::OtherDesk);
    }
    let store = &state.store;
    let desk = match store.find_desk(&kiosk.desk_code).await? {
        Some(desk) if !desk.is_retired() => desk,
        _ => return refuse(KioskRefusal::DeskClosed),
    };
    // A tablet resending after a lost answer must get its 2xx, whatever the limits say now.
    if store.response_by_key(&rating.key).await?.is_some() {
        return Ok(KioskOutcome::Stored { duplicate: true });
    }
    if let Err(wait) = state.kiosk_limits.check(desk.id) {
        return refuse(KioskRefusal::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let survey = state.definitions.latest(&desk.survey_id).ok_or_else(|| {
        AppError::internal("kiosk rating", format!("no survey `{}`", desk.survey_id))
    })?;
    let answers = match check_answers(survey, &rating.answers) {
        Ok(answers) => answers,
        Err(why) => return refuse(KioskRefusal::Invalid(why.into())),
    };

    let settings = &state.settings.kiosk;
    // Judging a rating against the desk's other ratings and storing it is one step per desk.
    let desk_lock = state.kiosk_limits.desk_lock(desk.id);
    let judging = desk_lock.lock().await;
    let now = crate::clock::now_ms();
    let latest = store.kiosk_latest_rating(kiosk.id).await?;
    let TapTime {
        counts_at: created_at,
        mut flags,
    } = judge_tap_time(
        rating.rated_at,
        now,
        settings.max_queue_age,
        kiosk.enrolled_at,
        latest,
    );
    let gap = i64::try_from(settings.min_gap.as_millis()).unwrap_or(i64::MAX);
    if gap > 0
        && store
            .kiosk_ratings_between(
                desk.id,
                created_at.saturating_sub(gap),
                created_at.saturating_add(gap),
            )
            .await?
            > 0
    {
        flags.add(Flag::KioskRapid);
    }
    let (weekday, minute) = crate::clock::weekday_minute(created_at);
    let within_hours = within_opening_hours(&state.settings.abuse, weekday, minute);
    let overall = overall_level(&answers, survey);
    let traffic = read_traffic(state, kiosk.id, desk.id, created_at).await?;
    let verdict = traffic::judge(created_at, overall, within_hours, &traffic, settings);
    for flag in verdict.flags.iter() {
        flags.add(flag);
    }
    // The earlier ratings of the pattern are held first: should this rating then fail to be
    // stored, the tablet sends it again and meets the same pattern.
    store
        .hold_kiosk_ratings(&verdict.earlier, state.settings.abuse.count_flagged)
        .await?;
    let inserted = state
        .writer
        .write(PendingResponse {
            key: rating.key.clone(),
            desk_id: desk.id,
            survey_id: survey.id.clone(),
            survey_version: survey.version,
            lang: rating.lang,
            channel: Channel::Kiosk,
            dossier_code: None,
            created_at,
            answers,
            // A shared tablet is not a citizen's device: kiosk ratings neither count towards nor
            // are judged by the citizens' device and address rules.
            device_hash: None,
            client_hash: None,
            flags,
            answer_digest: None,
            kiosk_id: Some(kiosk.id),
            count_flagged: state.settings.abuse.count_flagged,
            device_rule: None,
            dossier_since_ms: None,
        })
        .await;
    drop(judging);
    match inserted {
        Ok(Inserted::New(_)) => {
            store.mark_kiosk_seen(kiosk.id, now).await?;
            Ok(KioskOutcome::Stored { duplicate: false })
        }
        Ok(Inserted::Duplicate(_)) => Ok(KioskOutcome::Stored { duplicate: true }),
        Ok(Inserted::DeviceAlreadyRated) => Err(AppError::internal(
            "kiosk rating",
            "a rating without a device was refused by the device rule",
        )),
        // The tablet keeps the rating queued and sends it again later.
        Err(e) => Ok(KioskOutcome::Refused(KioskRefusal::Unavailable(
            e.to_string(),
        ))),
    }
}

/// The overall answer among a kiosk rating's answers (`check_answers` makes sure it is there).
fn overall_level(answers: &[Answer], survey: &survey_definitions::Survey) -> u8 {
    let overall = crate::figures::overall_question(survey);
    answers
        .iter()
        .find(|a| a.question_id == overall)
        .and_then(|a| a.value.value_int())
        .and_then(|v| u8::try_from(v).ok())
        .unwrap_or(0)
}

/// How far back a tablet's ratings are read for the rules that look at a row of them.
fn recent_window(settings: &crate::abuse::kiosk::KioskSettings) -> i64 {
    i64::from(settings.max_run.max(settings.cadence_taps))
}

/// The desk's other answers that a kiosk's day is compared with, read once per desk and day.
const BASELINE_DAYS: i64 = 90;

/// What the traffic rules need to judge a rating of `kiosk_id` at `desk_id` tapped at `at`.
async fn read_traffic(
    state: &AppState,
    kiosk_id: i64,
    desk_id: i64,
    at: i64,
) -> Result<traffic::Traffic, AppError> {
    let store = &state.store;
    let day = crate::clock::day_of(at);
    let day_start = crate::clock::midnight_ms(&day).unwrap_or(at);
    let earlier = store
        .kiosk_ratings_before(
            kiosk_id,
            day_start,
            at,
            recent_window(&state.settings.kiosk),
        )
        .await?
        .into_iter()
        .map(|r| traffic::EarlierRating {
            id: r.id,
            tapped_at: r.created_at,
            overall: r.overall.and_then(|v| u8::try_from(v).ok()),
            open: r.open != 0,
            same_day: r.created_at >= day_start,
        })
        .collect();
    let desk_day_ratings = store
        .desk_kiosk_ratings(desk_id, (day_start, day_start + 86_400_000))
        .await?;
    let desk_day_dossiers = store.desk_dossiers_on(desk_id, &day).await?;
    let baseline = match state.kiosk_limits.baseline(desk_id, &day) {
        Some(baseline) => baseline,
        None => {
            let since = day_start - BASELINE_DAYS * 86_400_000;
            let mut baseline =
                traffic::overall_levels(store.overall_without_kiosks(desk_id, since, false).await?);
            if baseline.rated() < traffic::BASELINE_MIN_ANSWERS {
                let since = day_start - 365 * 86_400_000;
                baseline = traffic::overall_levels(
                    store.overall_without_kiosks(desk_id, since, true).await?,
                );
            }
            state.kiosk_limits.keep_baseline(desk_id, &day, baseline);
            baseline
        }
    };
    Ok(traffic::Traffic {
        earlier,
        desk_day_ratings,
        desk_day_dossiers,
        baseline,
    })
}

/// Holds the kiosk ratings a desk got on `day` (`YYYY-MM-DD`) beyond the dossiers it handled
/// that day, now that the count is known (`kiosk_over_dossiers`): the latest ones, those the
/// count cannot cover. Returns how many were held.
pub async fn hold_beyond_dossiers(
    state: &AppState,
    desk_id: i64,
    day: &str,
    handled: i64,
) -> Result<u64, AppError> {
    let Some(start) = crate::clock::midnight_ms(day) else {
        return Ok(0);
    };
    let ratings = state
        .store
        .desk_kiosk_ratings_in_order(desk_id, (start, start + 86_400_000))
        .await?;
    let beyond: Vec<(i64, Flag)> = ratings
        .iter()
        .skip(usize::try_from(handled).unwrap_or(0))
        .filter(|(_, open)| *open)
        .map(|(id, _)| (*id, Flag::KioskOverDossiers))
        .collect();
    Ok(state
        .store
        .hold_kiosk_ratings(&beyond, state.settings.abuse.count_flagged)
        .await?)
}

/// The kiosk's answers as stored answers: the overall question is required, the other kiosk
/// questions optional, nothing else accepted. Messages name the problem in Vietnamese.
fn check_answers(
    survey: &survey_definitions::Survey,
    given: &[(String, u8)],
) -> Result<Vec<Answer>, &'static str> {
    let (overall, follow_ups) = kiosk_questions(survey);
    let overall = overall.ok_or("khảo sát không có câu hài lòng chung")?;
    if given.len() > 1 + follow_ups.len() {
        return Err("quá nhiều câu trả lời");
    }
    let mut answers: Vec<Answer> = Vec::new();
    for (question, level) in given {
        if question != &overall.id && !follow_ups.iter().any(|q| &q.id == question) {
            return Err("câu hỏi không có trên máy đánh giá");
        }
        if !(1..=5).contains(level) {
            return Err("mức hài lòng phải từ 1 đến 5");
        }
        if answers.iter().any(|a| &a.question_id == question) {
            return Err("một câu được trả lời hai lần");
        }
        answers.push(Answer {
            question_id: question.clone(),
            value: AnswerValue::Scale(*level),
        });
    }
    if !answers.iter().any(|a| a.question_id == overall.id) {
        return Err("thiếu mức hài lòng chung");
    }
    Ok(answers)
}

/// Who may enrol and revoke kiosks of a commune: the province admin, and the commune's own leaders
/// and officers (`my_unit` is the user's unit id).
pub fn may_manage(role: Role, my_unit: Option<i64>, commune_id: i64) -> bool {
    match role {
        Role::ProvinceAdmin => true,
        Role::CommuneLeader | Role::CommuneOfficer => my_unit == Some(commune_id),
        Role::DistrictReviewer | Role::ProvinceReviewer => false,
    }
}

/// The commune a user manages kiosks of: `Ok(None)` for every commune (province admin),
/// `Err(())` for users who manage none.
pub async fn managed_commune(
    state: &AppState,
    me: &Me,
) -> Result<Result<Option<i64>, ()>, AppError> {
    Ok(match me.role {
        Role::ProvinceAdmin => Ok(None),
        Role::DistrictReviewer | Role::ProvinceReviewer => Err(()),
        Role::CommuneLeader | Role::CommuneOfficer => {
            let user = state
                .store
                .user_by_id(me.id)
                .await
                .map_err(|e| AppError::internal("managed_commune", e))?;
            match user.and_then(|u| u.unit_id) {
                Some(unit) => Ok(Some(unit)),
                None => Err(()),
            }
        }
    })
}

/// The staff page's data for `me`, with what a post just did.
pub async fn kiosks_page(
    state: &AppState,
    me: Me,
    enrolment: Option<NewEnrolment>,
    notice: Option<KiosksNotice>,
) -> Result<Access<KiosksPageData>, AppError> {
    let Ok(commune) = managed_commune(state, &me).await? else {
        return Ok(Access::Forbidden);
    };
    let desks = state
        .store
        .kiosk_desks(commune)
        .await?
        .into_iter()
        .map(|d| (d.public_code, format!("{} · {}", d.commune_name, d.name)))
        .collect();
    let now = crate::clock::now_ms();
    let parts = state
        .store
        .kiosk_parts(commune, now - PART_DAYS * 86_400_000)
        .await?;
    let kiosks = state
        .store
        .list_kiosks(commune)
        .await?
        .into_iter()
        .map(|k| {
            let part = parts.get(&k.id).cloned().unwrap_or_default();
            kiosk_view(k, &part, now, state.settings.kiosk.approval)
        })
        .collect();
    Ok(Access::Granted(KiosksPageData {
        province: me.role == Role::ProvinceAdmin,
        me,
        desks,
        kiosks,
        enrolment,
        notice,
        max_per_desk: state.settings.kiosk.max_per_desk,
        approval_required: state.settings.kiosk.approval == KioskApproval::Province,
    }))
}

/// The days over which the kiosks page shows each tablet's part in its commune's figure.
const PART_DAYS: i64 = 30;

/// A tablet's part in its commune's figure, as the kiosks page writes it.
fn part_text(part: &KioskPart) -> String {
    use crate::format::{count, ratio_percent};
    let lang = survey_definitions::Lang::Vi;
    let pct = |n: i64, d: i64| {
        ratio_percent(n.max(0) as u64, d.max(0) as u64, lang).unwrap_or_else(|| "—".into())
    };
    let others = (
        part.commune_satisfied - part.satisfied,
        part.commune_counted - part.counted,
    );
    format!(
        "{} phiếu được tính trong {PART_DAYS} ngày = {} số phiếu của xã; hài lòng {} \
         (các kênh khác của xã: {})",
        count(part.counted, lang),
        pct(part.counted, part.commune_counted),
        pct(part.satisfied, part.counted),
        pct(others.0, others.1),
    )
}

/// Why a tablet's held ratings wait: each flag's label with the ratings it holds.
fn held_reasons(part: &KioskPart) -> Vec<String> {
    let mut by_flag: std::collections::BTreeMap<Flag, i64> = Default::default();
    for (stored, n) in &part.held {
        let flags = Flags::parse_stored(stored.as_deref()).unwrap_or_default();
        for flag in flags.iter().filter(|f| f.is_stuffing()) {
            *by_flag.entry(flag).or_default() += n;
        }
    }
    by_flag
        .into_iter()
        .map(|(flag, n)| {
            format!(
                "{}: {}",
                flag.label_vi(),
                crate::format::count(n, survey_definitions::Lang::Vi)
            )
        })
        .collect()
}

fn kiosk_view(k: KioskRow, part: &KioskPart, now: i64, approval: KioskApproval) -> KioskView {
    let awaiting_approval =
        approval == KioskApproval::Province && k.approved_at.is_none() && k.revoked_at.is_none();
    let status = match (k.revoked_at, k.enrolled_at, k.enrol_expires_at) {
        (Some(_), _, _) => KioskStatus::Revoked,
        (None, Some(_), _) => KioskStatus::Active,
        (None, None, Some(until)) if until > now => KioskStatus::Waiting {
            until: crate::clock::display(until),
        },
        (None, None, _) => KioskStatus::Expired,
    };
    KioskView {
        id: k.id,
        label: k.label,
        desk: k.desk_name,
        commune: k.commune_name,
        status,
        created: crate::clock::display(k.created_at),
        enrolled_by: k.enrolled_by,
        enrolled: k.enrolled_at.map(crate::clock::display),
        awaiting_approval,
        approved: k
            .approved_at
            .map(|at| format!("{} · {}", crate::clock::display(at), k.approved_by)),
        last_seen: k.last_seen_at.map(crate::clock::display),
        ratings: k.ratings,
        held: k.held,
        excluded: k.excluded,
        part: part_text(part),
        held_reasons: held_reasons(part),
    }
}

/// Creates an enrolment code for a desk; returns what the staff page shows once, or `None` when
/// the desk has as many kiosks as commune staff may keep there. The province admin's own kiosks
/// are neither limited nor wait for approval.
pub async fn create_enrolment(
    state: &AppState,
    me: &Me,
    desk_id: i64,
    desk_label: &str,
    label: &str,
) -> Result<Option<NewEnrolment>, AppError> {
    let code = new_enrol_code();
    let now = crate::clock::now_ms();
    let until = now + ENROL_CODE_MINUTES * 60_000;
    let province = me.role == Role::ProvinceAdmin;
    let created = state
        .store
        .create_kiosk(&NewKiosk {
            desk_id,
            label,
            code_hash: &code_hash(&code),
            expires_at: until,
            user_id: me.id,
            now,
            limit: (!province).then_some(state.settings.kiosk.max_per_desk),
            approved: province,
        })
        .await?;
    let Some(id) = created else {
        return Ok(None);
    };
    state
        .store
        .audit(
            Some(me.id),
            &me.username,
            "kiosk_created",
            &format!("kiosk {id}"),
            &format!("desk={desk_label} label={label}"),
        )
        .await?;
    Ok(Some(NewEnrolment {
        code: display_code(&code),
        desk: desk_label.to_string(),
        label: label.to_string(),
        until: crate::clock::display(until),
    }))
}

/// Why commune staff cannot create another code for a desk.
pub fn limit_message(max_per_desk: u32) -> String {
    format!(
        "Quầy này đã có đủ máy đánh giá đang dùng hoặc đang chờ nhập mã (tối đa {max_per_desk} máy \
         mỗi quầy). Vui lòng thu hồi một máy trước khi đăng ký máy mới."
    )
}

/// A day typed in a form (`YYYY-MM-DD`, Vietnam time): the time it starts (ms). Empty is `None`.
pub fn parse_day(typed: &str) -> Result<Option<i64>, &'static str> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let day = chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d")
        .map_err(|_| "Ngày phải có dạng năm-tháng-ngày, ví dụ 2026-12-01.")?;
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    Ok(Some(midnight.and_utc().timestamp_millis() - 7 * 3_600_000))
}

/// The times from the start of `from` to the end of `to` (both days included); either may be
/// left out.
pub fn day_range(from: &str, to: &str) -> Result<(i64, i64), &'static str> {
    let start = parse_day(from)?.unwrap_or(i64::MIN);
    let end = parse_day(to)?.map_or(i64::MAX, |t| t + 86_400_000);
    if start >= end {
        return Err("Ngày bắt đầu phải trước ngày kết thúc.");
    }
    Ok((start, end))
}

/// A kiosk's name as staff typed it: trimmed, at most 60 characters, a default when empty.
pub fn parse_label(typed: &str) -> Result<String, &'static str> {
    let label = typed.trim();
    if label.chars().count() > 60 {
        return Err("Tên máy tối đa 60 ký tự.");
    }
    Ok(if label.is_empty() {
        "Máy tính bảng".to_string()
    } else {
        label.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_survive_the_way_people_type_them() {
        let code = new_enrol_code();
        assert_eq!(normalize_code(&code).as_deref(), Some(code.as_str()));
        let shown = display_code(&code);
        assert_eq!(shown.len(), CODE_LEN + 1);
        assert_eq!(normalize_code(&shown).as_deref(), Some(code.as_str()));
        assert_eq!(
            normalize_code(&format!(" {} ", shown.to_lowercase().replace('-', " "))).as_deref(),
            Some(code.as_str())
        );
        assert_eq!(
            normalize_code("ABCDE-FGHJ0"),
            None,
            "0 is not in the alphabet"
        );
        assert_eq!(normalize_code("short"), None);
        assert_eq!(normalize_code("ạbcde-fghjk"), None);
    }

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;

    #[test]
    fn tap_times_are_judged_against_the_queue_the_tablet_and_its_clock() {
        let now = 1_800_000_000_000;
        let judge = |rated_at: i64, enrolled: i64, latest: Option<i64>| {
            judge_tap_time(
                rated_at,
                now,
                crate::abuse::kiosk::KioskSettings::default().max_queue_age,
                Some(enrolled),
                latest,
            )
        };
        let kept = |at: i64| TapTime {
            counts_at: at,
            flags: Flags::new(),
        };
        let flagged = |at: i64, flags: &[Flag]| TapTime {
            counts_at: at,
            flags: flags.iter().copied().collect(),
        };
        // An honest queue: tapped three hours ago, sent after what the tablet sent before.
        assert_eq!(
            judge(now - 3 * HOUR, now - 7 * DAY, Some(now - 4 * HOUR)),
            kept(now - 3 * HOUR)
        );
        // A rating with unfinished follow-ups waits up to ten minutes behind later ones.
        assert_eq!(
            judge(now - 70 * 60_000, now - 7 * DAY, Some(now - HOUR)),
            kept(now - 70 * 60_000)
        );
        // Older than a queue holds, older than the tablet, older than what it already sent.
        let backdated = [Flag::KioskBackdated];
        assert_eq!(
            judge(now - 3 * DAY, now - 7 * DAY, None),
            flagged(now - 3 * DAY, &backdated)
        );
        assert_eq!(
            judge(now - HOUR, now - 10 * 60_000, None),
            flagged(now - HOUR, &backdated)
        );
        assert_eq!(
            judge(now - 15 * 60_000, now - 10 * 60_000, None),
            kept(now - 15 * 60_000),
            "a clock a few minutes slow"
        );
        assert_eq!(
            judge(now - 2 * HOUR, now - 7 * DAY, Some(now - HOUR)),
            flagged(now - 2 * HOUR, &backdated)
        );
        // A clock that cannot be believed: the arrival time, and held when it claims the past.
        assert_eq!(
            judge(now - 40 * DAY, now - 7 * DAY, None),
            flagged(now, &[Flag::KioskClock, Flag::KioskBackdated])
        );
        assert_eq!(
            judge(now + HOUR, now - 7 * DAY, None),
            flagged(now, &[Flag::KioskClock])
        );
        assert_eq!(judge(now + 5 * 60_000, now - 7 * DAY, None), kept(now));
    }

    #[test]
    fn days_of_a_decision_are_whole_days_in_vietnam() {
        let day = parse_day("2026-12-01").unwrap().unwrap();
        assert_eq!(crate::clock::day_of(day), "2026-12-01");
        assert_eq!(crate::clock::day_of(day - 1), "2026-11-30");
        assert_eq!(parse_day(" ").unwrap(), None);
        assert!(parse_day("01/12/2026").is_err());
        assert_eq!(day_range("", "").unwrap(), (i64::MIN, i64::MAX));
        assert_eq!(
            day_range("2026-12-01", "2026-12-01").unwrap(),
            (day, day + DAY)
        );
        assert!(day_range("2026-12-02", "2026-12-01").is_err());
        assert_eq!(
            KioskApproval::parse("province"),
            Some(KioskApproval::Province)
        );
        assert_eq!(KioskApproval::parse("none"), Some(KioskApproval::None));
        assert_eq!(KioskApproval::parse("yes"), None);
    }

    #[test]
    fn only_the_province_admin_and_the_communes_own_staff_manage_its_kiosks() {
        assert!(may_manage(Role::ProvinceAdmin, None, 7));
        assert!(may_manage(Role::CommuneLeader, Some(7), 7));
        assert!(may_manage(Role::CommuneOfficer, Some(7), 7));
        assert!(!may_manage(Role::CommuneLeader, Some(8), 7));
        assert!(!may_manage(Role::DistrictReviewer, Some(7), 7));
    }

    #[test]
    fn a_kiosk_rating_needs_overall_and_only_kiosk_questions() {
        let definitions = survey_definitions::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../survey-definitions"),
        )
        .expect("the shipped surveys load");
        let survey = definitions
            .latest(survey_definitions::DEFAULT_SURVEY_ID)
            .expect("default survey");
        let given = |pairs: &[(&str, u8)]| -> Vec<(String, u8)> {
            pairs.iter().map(|(q, v)| (q.to_string(), *v)).collect()
        };
        assert_eq!(
            check_answers(survey, &given(&[("overall", 5)]))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            check_answers(survey, &given(&[("overall", 2), ("access", 3)]))
                .unwrap()
                .len(),
            2
        );
        for bad in [
            given(&[]),
            given(&[("access", 4)]),
            given(&[("overall", 0)]),
            given(&[("overall", 6)]),
            given(&[("overall", 5), ("comment", 1)]),
            given(&[("overall", 5), ("overall", 4)]),
        ] {
            assert!(check_answers(survey, &bad).is_err(), "{bad:?}");
        }
    }
}
