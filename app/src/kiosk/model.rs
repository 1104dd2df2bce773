//! Kiosk mode: a tablet standing on the desk, which citizens rate with large face buttons.
//!
//! The types here cross the network: the rating a kiosk queues and sends (to the axum route
//! `POST /kiosk/ratings`, authenticated by the kiosk's cookie), the refusals it can get back, and
//! the data of the two kiosk pages: the tablet's screen (`/kiosk`) and the staff page that enrols
//! and revokes tablets (`/kiosks`), where the province admin also approves them and leaves all of
//! one tablet's ratings out of the figures.

use serde::{Deserialize, Serialize};
use survey_definitions::{Feeds, Lang, Question, QuestionKind, Survey, Text};

use crate::domain::roles::Me;

/// Cookie holding an enrolled tablet's token (HttpOnly; the database keeps only its hash).
pub const KIOSK_COOKIE: &str = "hl_kiosk";
/// Double-submit CSRF cookie of the enrolment form, which the tablet posts before it has a token.
pub const ENROL_CSRF_COOKIE: &str = "hl_kiosk_csrf";

/// The questions a kiosk asks, taken from the desk's survey: the overall satisfaction question
/// first, then the satisfaction questions that feed a SIPAS element, each optional on the kiosk.
/// Free text, choices and dossier codes are left to the phone survey: a shared tablet should not
/// ask a queue of citizens to type.
pub fn kiosk_questions(survey: &Survey) -> (Option<&Question>, Vec<&Question>) {
    let scale = |q: &&Question| matches!(q.kind, QuestionKind::Satisfaction5);
    let overall = survey
        .questions
        .iter()
        .filter(scale)
        .find(|q| q.feeds == Feeds::Overall);
    let follow_ups = survey
        .questions
        .iter()
        .filter(scale)
        .filter(|q| matches!(q.feeds, Feeds::Sipas(_)))
        .collect();
    (overall, follow_ups)
}

/// One rating as the kiosk queues it and sends it, with the idempotency key it was given when
/// the citizen tapped: resending after a lost answer stores it once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskRating {
    pub key: String,
    /// Public code of the desk the kiosk showed when the citizen rated.
    pub desk: String,
    /// When the citizen rated, by the tablet's clock (ms since the Unix epoch): a rating sent
    /// hours later from the offline queue still counts for the hour it was given.
    pub rated_at: i64,
    #[serde(default)]
    pub lang: Lang,
    /// Question id and level 1–5; the overall question is required, the others optional.
    pub answers: Vec<(String, u8)>,
}

/// Why the server did not take a kiosk rating. Each maps to one HTTP status, which is what the
/// kiosk acts on: keep the rating and retry, or drop it because it can never be stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KioskRefusal {
    /// No kiosk cookie, or one the server does not know (401): keep the queue.
    NotEnrolled,
    /// The kiosk was revoked by staff (403): keep the queue for whoever re-enrols it.
    Revoked,
    /// The province approves kiosks commune staff enrol, and has not approved this one yet (403):
    /// keep the queue until it does.
    AwaitingApproval,
    /// The rating names another desk than the kiosk's (409): never storable.
    OtherDesk,
    /// The desk no longer takes ratings (410): never storable.
    DeskClosed,
    /// Malformed rating (422): never storable.
    Invalid(String),
    /// Too many ratings from this desk's kiosks lately (429): retry after this many seconds.
    RateLimited { retry_after_secs: u64 },
    /// The database cannot store ratings now (503): keep the queue and send it again later.
    Unavailable(String),
}

impl KioskRefusal {
    pub fn status(&self) -> u16 {
        match self {
            KioskRefusal::NotEnrolled => 401,
            KioskRefusal::Revoked | KioskRefusal::AwaitingApproval => 403,
            KioskRefusal::OtherDesk => 409,
            KioskRefusal::DeskClosed => 410,
            KioskRefusal::Invalid(_) => 422,
            KioskRefusal::RateLimited { .. } => 429,
            KioskRefusal::Unavailable(_) => 503,
        }
    }

    /// What the kiosk shows staff; Vietnamese first.
    pub fn message(&self, lang: Lang) -> String {
        let en = lang == Lang::En;
        match self {
            KioskRefusal::NotEnrolled if en => {
                "This tablet is not enrolled as a kiosk. Please ask staff to enrol it.".into()
            }
            KioskRefusal::NotEnrolled => {
                "Máy tính bảng này chưa được đăng ký làm máy đánh giá. Vui lòng báo cán bộ để đăng ký."
                    .into()
            }
            KioskRefusal::Revoked if en => {
                "This kiosk has been revoked and no longer takes ratings. Please tell staff.".into()
            }
            KioskRefusal::Revoked => {
                "Máy đánh giá này đã bị thu hồi, không nhận đánh giá nữa. Vui lòng báo cán bộ.".into()
            }
            KioskRefusal::AwaitingApproval if en => {
                "This kiosk takes no ratings until the province approves it. Please tell staff."
                    .into()
            }
            KioskRefusal::AwaitingApproval => {
                "Máy đánh giá này chưa được tỉnh phê duyệt nên chưa nhận đánh giá. Vui lòng báo cán bộ."
                    .into()
            }
            KioskRefusal::OtherDesk if en => "This rating belongs to another desk.".into(),
            KioskRefusal::OtherDesk => "Đánh giá này thuộc quầy khác với quầy của máy.".into(),
            KioskRefusal::DeskClosed if en => "This desk no longer takes ratings.".into(),
            KioskRefusal::DeskClosed => "Quầy này không còn nhận đánh giá.".into(),
            KioskRefusal::Invalid(why) if en => format!("Invalid rating: {why}"),
            KioskRefusal::Invalid(why) => format!("Đánh giá không hợp lệ: {why}"),
            KioskRefusal::RateLimited { retry_after_secs } if en => format!(
                "Too many ratings from this desk's kiosks. Retrying in {retry_after_secs} s."
            ),
            KioskRefusal::RateLimited { retry_after_secs } => format!(
                "Các máy của quầy gửi quá nhiều đánh giá trong thời gian ngắn. Sẽ gửi lại sau {retry_after_secs} giây."
            ),
            KioskRefusal::Unavailable(_) if en => {
                "The rating could not be saved just now; the kiosk keeps it and sends it again."
                    .into()
            }
            KioskRefusal::Unavailable(_) => {
                "Hệ thống tạm thời chưa lưu được đánh giá; máy giữ lại và sẽ gửi lại sau.".into()
            }
        }
    }
}

/// A question as the kiosk shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskQuestion {
    pub id: String,
    pub label: Text,
    /// The question's spoken clip in each language that has one: (language, URL).
    pub spoken: Vec<(survey_definitions::Lang, String)>,
}

/// What the tablet's screen needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskScreenData {
    pub kiosk_label: String,
    pub desk_code: String,
    pub desk_name: Text,
    pub commune_name: String,
    pub overall: KioskQuestion,
    pub follow_ups: Vec<KioskQuestion>,
    /// Idempotency key of the plain form (without JavaScript); the script makes its own per rating.
    pub key: String,
}

/// What `/kiosk` shows: the rating screen of an enrolled tablet, a notice while the province has
/// not approved it, or the enrolment form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KioskPageData {
    Screen(Box<KioskScreenData>),
    /// Enrolled, but waiting for the province's approval: no faces for citizens to tap.
    AwaitingApproval(Box<KioskScreenData>),
    Enrol {
        csrf: String,
        /// The tablet holds the cookie of a revoked kiosk.
        revoked: bool,
    },
}

/// Why the enrolment form is shown again, provided by the POST handler when it renders the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EnrolProblem {
    /// Unknown, used, revoked or expired code (never saying which).
    InvalidCode,
    /// The form's CSRF token did not match its cookie.
    Expired,
}

/// A kiosk as the staff page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskView {
    pub id: i64,
    pub label: String,
    pub desk: String,
    pub commune: String,
    pub status: KioskStatus,
    /// When its enrolment code was created, and by whom (name and user name).
    pub created: String,
    pub enrolled_by: String,
    /// When its tablet typed the code.
    pub enrolled: Option<String>,
    /// The province requires its approval and has not given it.
    pub awaiting_approval: bool,
    /// When and by whom it was approved.
    pub approved: Option<String>,
    pub last_seen: Option<String>,
    /// Ratings stored from it; of those, waiting for a reviewer, and left out of the figures.
    pub ratings: i64,
    pub held: i64,
    pub excluded: i64,
    /// Its part in its commune's figure over the last 30 days, as the province reads it:
    /// `124 phiếu được tính = 18,3% phiếu của xã; hài lòng 92,0% (các kênh khác: 71,5%)`.
    pub part: String,
    /// Why its held ratings wait, with how many each: `đều đặn như máy bấm: 12`.
    pub held_reasons: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KioskStatus {
    /// The enrolment code has not been used yet; it works until this local time.
    Waiting {
        until: String,
    },
    /// The code was never used in time.
    Expired,
    Active,
    Revoked,
}

/// The code staff type on the tablet; shown once, right after it was created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEnrolment {
    pub code: String,
    pub desk: String,
    pub label: String,
    pub until: String,
}

/// What a province admin's decision on a kiosk did, shown once on the page it returns to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KiosksNotice(pub String);

/// The staff page: the desks the user may enrol a kiosk for, and their kiosks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KiosksPageData {
    pub me: Me,
    /// The province admin: every commune's kiosks, with approval and exclusion of ratings.
    pub province: bool,
    /// Public code and "commune · desk" of each desk the user may manage.
    pub desks: Vec<(String, String)>,
    pub kiosks: Vec<KioskView>,
    pub enrolment: Option<NewEnrolment>,
    pub notice: Option<KiosksNotice>,
    /// Kiosks commune staff may keep per desk.
    pub max_per_desk: u32,
    /// Kiosks commune staff enrol wait for the province's approval.
    pub approval_required: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kiosk_asks_overall_then_the_sipas_scales_of_the_survey() {
        let definitions = survey_definitions::load_dir(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../survey-definitions"),
        )
        .expect("the shipped surveys load");
        let survey = definitions
            .latest(survey_definitions::DEFAULT_SURVEY_ID)
            .expect("default survey");
        let (overall, follow_ups) = kiosk_questions(survey);
        assert_eq!(overall.map(|q| q.id.as_str()), Some("overall"));
        let ids: Vec<_> = follow_ups.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "access",
                "procedures",
                "civil_servants",
                "results",
                "feedback"
            ]
        );
    }

    #[test]
    fn every_refusal_has_a_client_error_status_and_a_vietnamese_message() {
        for refusal in [
            KioskRefusal::NotEnrolled,
            KioskRefusal::Revoked,
            KioskRefusal::AwaitingApproval,
            KioskRefusal::OtherDesk,
            KioskRefusal::DeskClosed,
            KioskRefusal::Invalid("x".into()),
            KioskRefusal::RateLimited {
                retry_after_secs: 3,
            },
        ] {
            assert!((400..500).contains(&refusal.status()), "{refusal:?}");
            assert_ne!(refusal.message(Lang::Vi), refusal.message(Lang::En));
        }
    }
}
