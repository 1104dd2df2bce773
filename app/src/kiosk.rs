//! Kiosk mode on the server: enrolling a tablet to one desk, recognising it by its cookie, and
//! taking its ratings.
//!
//! - Enrolment: a province admin, or a leader or officer of the desk's commune, creates a one-time
//!   code (valid `ENROL_CODE_MINUTES`); the tablet that types it gets a random 256-bit token in a
//!   long-lived HttpOnly cookie. Only SHA-256 hashes of codes and tokens are stored. Revoking a
//!   kiosk makes its next rating fail with 403 and a message staff can act on.
//! - Ratings come from a trusted device that many citizens share, so the citizens' per-device and
//!   per-address limits and flags (`crate::abuse`) would block a busy desk: they do not apply.
//!   Instead each kiosk has its own rate limit, loose enough to flush a day's offline queue in a few
//!   minutes, and the tablet itself locks its buttons for a few seconds after each rating.
//! - Each rating carries the idempotency key the tablet gave it when the citizen tapped, so a
//!   rating resent from the offline queue is stored once.

use std::num::NonZeroU32;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::Rng;
use survey_definitions::{Answer, AnswerValue};

use crate::abuse::{salted_hash, within_opening_hours};
use crate::api::kiosk::{
    kiosk_questions, KioskPageData, KioskQuestion, KioskRating, KioskRefusal, KioskScreenData,
    KioskStatus, KioskView, KiosksPageData, NewEnrolment, ENROL_CSRF_COOKIE, KIOSK_COOKIE,
};
use crate::auth::{cookie, new_token};
use crate::error::AppError;
use crate::flags::{Flag, Flags};
use crate::roles::{Access, Me, Role};
use crate::state::AppState;
use crate::store::kiosks::{KioskRow, TokenKiosk};
use crate::store::now_ms;
use crate::store::responses::Inserted;
use crate::writer::PendingResponse;

/// How long an enrolment code works: long enough to walk to the desk and type it.
pub const ENROL_CODE_MINUTES: i64 = 30;
/// Letters of enrolment codes: no look-alikes (0/o, 1/l/i), so a code read off a screen is typed
/// right the first time. 10 of 31 letters is about 50 bits: with the 30-minute validity and one
/// use, guessing is hopeless without a rate limit.
const CODE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const CODE_LEN: usize = 10;
/// Ratings a kiosk may send: a citizen every 5 seconds is already more than a desk serves, and
/// the burst lets a tablet that was offline all morning send its queue at once; past it the
/// tablet waits for Retry-After and keeps the ratings queued.
const KIOSK_PER_MINUTE: u32 = 30;
const KIOSK_BURST: u32 = 300;
/// A queued rating older than this (or from a tablet whose clock runs ahead) is stored with the
/// time it arrived and flagged `kiosk_clock` for a reviewer: a tablet's clock reset to 2000 must
/// not move ratings into another year.
const MAX_RATING_AGE_MS: i64 = 30 * 86_400_000;
const MAX_CLOCK_AHEAD_MS: i64 = 10 * 60_000;
/// A year and a month: Chrome caps cookie lifetimes at 400 days.
const KIOSK_COOKIE_SECS: i64 = 395 * 86_400;

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
    let now = now_ms();
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
            return Ok(KioskPageData::Screen(Box::new(data)));
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
        key: crate::submission::new_key(),
    }))
}

/// Per-kiosk rate limits of one router (tests each build their own, so they do not share one).
pub struct KioskLimiter(DefaultKeyedRateLimiter<i64>);

impl Default for KioskLimiter {
    fn default() -> Self {
        let per_minute = NonZeroU32::new(KIOSK_PER_MINUTE).expect("non-zero");
        let burst = NonZeroU32::new(KIOSK_BURST).expect("non-zero");
        KioskLimiter(RateLimiter::keyed(
            Quota::per_minute(per_minute).allow_burst(burst),
        ))
    }
}

impl KioskLimiter {
    fn check(&self, kiosk_id: i64) -> Result<(), Duration> {
        self.0
            .check_key(&kiosk_id)
            .map_err(|not_until| not_until.wait_time_from(self.0.clock().now()))
    }
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

/// Checks and stores one rating from `kiosk` (the kiosk of the request's cookie, if any).
pub async fn submit_rating(
    state: &AppState,
    limiter: &KioskLimiter,
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
    if !is_valid_key(&rating.key) {
        return refuse(KioskRefusal::Invalid("mã lượt đánh giá".into()));
    }
    if rating.desk != kiosk.desk_code {
        return refuse(KioskRefusal::OtherDesk);
    }
    let store = &state.store;
    let internal = |e: crate::store::StoreError| AppError::internal("kiosk rating", e);
    let desk = match store.find_desk(&kiosk.desk_code).await.map_err(internal)? {
        Some(desk) if !desk.is_retired() => desk,
        _ => return refuse(KioskRefusal::DeskClosed),
    };
    // A tablet resending after a lost answer must get its 2xx, whatever the limits say now.
    if store
        .response_by_key(&rating.key)
        .await
        .map_err(internal)?
        .is_some()
    {
        return Ok(KioskOutcome::Stored { duplicate: true });
    }
    if let Err(wait) = limiter.check(kiosk.id) {
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

    let now = now_ms();
    let mut flags = Flags::new();
    let created_at = if rating.rated_at < now - MAX_RATING_AGE_MS
        || rating.rated_at > now + MAX_CLOCK_AHEAD_MS
    {
        flags.add(Flag::KioskClock);
        now
    } else {
        rating.rated_at.min(now)
    };
    let (weekday, minute) = local_weekday_minute(created_at);
    if !within_opening_hours(&state.settings.abuse, weekday, minute) {
        flags.add(Flag::OutsideHours);
    }
    let inserted = state
        .writer
        .write(PendingResponse {
            key: rating.key.clone(),
            desk_id: desk.id,
            survey_id: survey.id.clone(),
            survey_version: survey.version,
            lang: rating.lang,
            channel: "kiosk".into(),
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
    match inserted {
        Ok(Inserted::New(_)) => {
            store
                .mark_kiosk_seen(kiosk.id, now)
                .await
                .map_err(internal)?;
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

/// Weekday (0 = Monday) and minute of the day of a time in Vietnam (UTC+7).
fn local_weekday_minute(ms: i64) -> (u32, u32) {
    use chrono::{Datelike, Timelike};
    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
    let time = chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&vn);
    (
        time.weekday().num_days_from_monday(),
        time.hour() * 60 + time.minute(),
    )
}

/// Who may enrol and revoke kiosks of a commune: the province admin, and the commune's own leaders
/// and officers (`my_unit` is the user's unit id).
pub fn may_manage(role: Role, my_unit: Option<i64>, commune_id: i64) -> bool {
    match role {
        Role::ProvinceAdmin => true,
        Role::CommuneLeader | Role::CommuneOfficer => my_unit == Some(commune_id),
        Role::DistrictReviewer => false,
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
        Role::DistrictReviewer => Err(()),
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

/// The staff page's data for `me`.
pub async fn kiosks_page(
    state: &AppState,
    me: Me,
    enrolment: Option<NewEnrolment>,
) -> Result<Access<KiosksPageData>, AppError> {
    let Ok(commune) = managed_commune(state, &me).await? else {
        return Ok(Access::Forbidden);
    };
    let internal = |e: crate::store::StoreError| AppError::internal("kiosks_page", e);
    let desks = state
        .store
        .kiosk_desks(commune)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|d| (d.public_code, format!("{} · {}", d.commune_name, d.name)))
        .collect();
    let now = now_ms();
    let kiosks = state
        .store
        .list_kiosks(commune)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|k| kiosk_view(k, now))
        .collect();
    Ok(Access::Granted(KiosksPageData {
        me,
        desks,
        kiosks,
        enrolment,
    }))
}

fn kiosk_view(k: KioskRow, now: i64) -> KioskView {
    use crate::api::account::local_time;
    let status = match (k.revoked_at, k.enrolled_at, k.enrol_expires_at) {
        (Some(_), _, _) => KioskStatus::Revoked,
        (None, Some(_), _) => KioskStatus::Active,
        (None, None, Some(until)) if until > now => KioskStatus::Waiting {
            until: local_time(until),
        },
        (None, None, _) => KioskStatus::Expired,
    };
    KioskView {
        id: k.id,
        label: k.label,
        desk: k.desk_name,
        commune: k.commune_name,
        status,
        created: local_time(k.created_at),
        enrolled_by: k.enrolled_by,
        last_seen: k.last_seen_at.map(local_time),
        ratings: k.ratings,
    }
}

/// Creates an enrolment code for a desk; returns what the staff page shows once.
pub async fn create_enrolment(
    state: &AppState,
    me: &Me,
    desk_id: i64,
    desk_label: &str,
    label: &str,
) -> Result<NewEnrolment, AppError> {
    let code = new_enrol_code();
    let now = now_ms();
    let until = now + ENROL_CODE_MINUTES * 60_000;
    let internal = |e: crate::store::StoreError| AppError::internal("create_enrolment", e);
    let id = state
        .store
        .create_kiosk(desk_id, label, &code_hash(&code), until, me.id, now)
        .await
        .map_err(internal)?;
    state
        .store
        .audit(
            Some(me.id),
            &me.username,
            "kiosk_created",
            &format!("kiosk {id}"),
            &format!("desk={desk_label} label={label}"),
        )
        .await
        .map_err(internal)?;
    Ok(NewEnrolment {
        code: display_code(&code),
        desk: desk_label.to_string(),
        label: label.to_string(),
        until: crate::api::account::local_time(until),
    })
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
