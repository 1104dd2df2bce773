//! What a survey is: its questions, their kinds, and which score each answer feeds.
//!
//! The rules a survey must follow live here, on the typed value, so surveys read from files and
//! surveys built in code (tests, tools) are held to the same standard.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Lang, StaticText, Text};

/// The survey every desk uses unless it is configured otherwise.
pub const DEFAULT_SURVEY_ID: &str = "one-stop-desk";

/// Upper bound for `max_chars`: long enough for a real complaint, short enough that one
/// submission cannot fill the database.
pub(crate) const MAX_CHARS_LIMIT: u32 = 5000;

/// Longest option value; values are stored in every answer row.
const MAX_OPTION_VALUE_CHARS: usize = 40;

/// Form fields the app itself sends with every submission. A question with one of these ids
/// would receive the app's value as its answer.
const RESERVED_QUESTION_IDS: [&str; 1] = ["lang"];

/// The five answers of a [`QuestionKind::Satisfaction5`] question, from worst to best: level,
/// label, and the face shown on the button.
///
/// Five levels follow the Likert scale of Vietnamese public-service forms; SIPAS-style indices
/// count levels 4 and 5 as "satisfied".
pub const SATISFACTION_LEVELS: [(u8, StaticText, &str); 5] = [
    (
        1,
        StaticText {
            vi: "Rất không hài lòng",
            en: "Very dissatisfied",
        },
        "😠",
    ),
    (
        2,
        StaticText {
            vi: "Không hài lòng",
            en: "Dissatisfied",
        },
        "🙁",
    ),
    (
        3,
        StaticText {
            vi: "Bình thường",
            en: "Neutral",
        },
        "😐",
    ),
    (
        4,
        StaticText {
            vi: "Hài lòng",
            en: "Satisfied",
        },
        "🙂",
    ),
    (
        5,
        StaticText {
            vi: "Rất hài lòng",
            en: "Very satisfied",
        },
        "😄",
    ),
];

/// The two answers of a yes/no question.
pub const YES: StaticText = StaticText {
    vi: "Có",
    en: "Yes",
};
pub const NO: StaticText = StaticText {
    vi: "Không",
    en: "No",
};

/// One version of a survey, as defined in `surveys/<id>.v<version>.toml`.
///
/// A published version never changes: stored answers point at `(id, version)` and must keep
/// their meaning. A changed survey is a new version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    /// Stable name, lowercase `[a-z0-9-]`, e.g. [`DEFAULT_SURVEY_ID`].
    pub id: String,
    /// 1, 2, …; a higher version supersedes a lower one for new answers.
    pub version: u32,
    /// Page heading.
    pub title: Text,
    /// Shown above the questions.
    pub intro: Text,
    /// Shown after a successful submission.
    pub thanks: Text,
    /// In display order.
    pub questions: Vec<Question>,
    /// The rules the survey is run under, shown in small print under the form.
    pub basis: Option<Text>,
}

impl Survey {
    /// Every text a citizen reads on this survey, in page order, for translators.
    pub fn texts(&self) -> Vec<&Text> {
        let mut texts = vec![&self.title, &self.intro];
        for question in &self.questions {
            texts.push(&question.label);
            texts.extend(&question.help);
            texts.extend(&question.not_applicable);
            if let QuestionKind::SingleChoice { options } = &question.kind {
                texts.extend(options.iter().map(|o| &o.label));
            }
        }
        texts.push(&self.thanks);
        texts.extend(&self.basis);
        texts
    }

    /// A copy that keeps only what a page in `lang` reads of each text (the English for an
    /// English page; the Vietnamese, which a supplied language looks its words up by, for the
    /// others): the citizen's page carries its survey to the browser, and the other language's
    /// texts were 0.7 KB of every phone's download (brotli, measured).
    pub fn in_one_language(&self, lang: Lang) -> Survey {
        let mut survey = self.clone();
        let mut texts = vec![&mut survey.title, &mut survey.intro, &mut survey.thanks];
        texts.extend(survey.basis.as_mut());
        for question in &mut survey.questions {
            texts.push(&mut question.label);
            texts.extend(question.help.as_mut());
            texts.extend(question.not_applicable.as_mut());
            if let QuestionKind::SingleChoice { options } = &mut question.kind {
                texts.extend(options.iter_mut().map(|o| &mut o.label));
            }
        }
        for text in texts {
            text.keep_only(lang);
        }
        survey
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The first rule this survey breaks, as a field path (`questions[2].id`) and a message.
    pub(crate) fn check(&self) -> Result<(), Problem> {
        if !is_slug(&self.id, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
        }) {
            return Err(Problem::new(
                "id",
                "survey id must be non-empty and use only a-z, 0-9 and -",
            ));
        }
        if self.version == 0 {
            return Err(Problem::new("version", "version must be 1 or higher"));
        }
        check_text(&self.title, "title")?;
        check_text(&self.intro, "intro")?;
        check_text(&self.thanks, "thanks")?;
        if let Some(basis) = &self.basis {
            check_text(basis, "basis")?;
        }
        if self.questions.is_empty() {
            return Err(Problem::new(
                "questions",
                "a survey needs at least one question",
            ));
        }
        let mut ids = BTreeMap::new();
        let mut dossier_code = None;
        let mut overall = None;
        for (i, question) in self.questions.iter().enumerate() {
            let at = format!("questions[{i}]");
            question.check(&at)?;
            if let Some(first) = ids.insert(question.id.as_str(), i) {
                return Err(Problem::new(
                    format!("{at}.id"),
                    format!(
                        "question id `{}` is already used by questions[{first}]",
                        question.id
                    ),
                ));
            }
            // One dossier code per submission: it is what links a rating to one dossier.
            if matches!(question.kind, QuestionKind::DossierCode { .. }) {
                if let Some(first) = dossier_code.replace(i) {
                    return Err(Problem::new(
                        format!("{at}.kind"),
                        format!("only one dossier_code question is allowed; the first is questions[{first}]"),
                    ));
                }
            }
            // A condition reads an answer given above: the form shows the question once that
            // answer is chosen, and the server knows it when it reaches the question.
            if let Some(when) = &question.asked_when {
                let target = self.questions[..i].iter().find(|q| q.id == when.question);
                let offered = match target.map(|q| &q.kind) {
                    Some(QuestionKind::YesNo) => ["yes", "no"].contains(&when.answer.as_str()),
                    Some(QuestionKind::SingleChoice { options }) => {
                        options.iter().any(|o| o.value == when.answer)
                    }
                    _ => {
                        return Err(Problem::new(
                            format!("{at}.asked_when.question"),
                            format!(
                                "`{}` must be a yes_no or single_choice question above this one",
                                when.question
                            ),
                        ))
                    }
                };
                if !offered {
                    return Err(Problem::new(
                        format!("{at}.asked_when.answer"),
                        format!("`{}` is not an answer of `{}`", when.answer, when.question),
                    ));
                }
            }
            // Two overall questions would be counted twice in the overall rate.
            if question.feeds == Feeds::Overall {
                if let Some(first) = overall.replace(i) {
                    return Err(Problem::new(
                        format!("{at}.feeds"),
                        format!(
                            "only one question may feed `overall`; the first is questions[{first}]"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// One question of a survey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable within the survey, `[a-z0-9_]+`, not starting with `_`; also the form field name.
    pub id: String,
    /// What kind of answer it takes.
    pub kind: QuestionKind,
    /// Whether the form is refused without an answer.
    pub required: bool,
    /// The question as shown.
    pub label: Text,
    /// A hint under the question.
    pub help: Option<Text>,
    /// Which score the answers count towards.
    pub feeds: Feeds,
    /// Satisfaction questions only: the label of a "not applicable" answer, for an element the
    /// citizen cannot judge (never made a complaint). It is stored but never counted as an
    /// answer to the element.
    pub not_applicable: Option<Text>,
    /// Asked only when an earlier question got a given answer; otherwise its answer is ignored.
    pub asked_when: Option<Condition>,
}

/// "Asked only when `question` was answered `answer`" (e.g. the result, once it was received).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// An earlier yes_no or single_choice question.
    pub question: String,
    /// `yes`/`no`, or an option value of that question.
    pub answer: String,
}

/// The value a "not applicable" answer is posted and stored as.
pub const NOT_APPLICABLE: &str = "na";

impl Question {
    /// A stored answer to this question as a person reads it (`4 — Hài lòng`, an option's
    /// label, `Có`), from the stored columns (`AnswerValue::value_int` / `value_text`).
    pub fn written_answer(
        &self,
        value_int: Option<i64>,
        value_text: Option<&str>,
        lang: Lang,
    ) -> String {
        if value_text == Some(NOT_APPLICABLE) {
            return match &self.not_applicable {
                Some(label) => label.get(lang).to_string(),
                None => NOT_APPLICABLE.to_string(),
            };
        }
        match (&self.kind, value_int, value_text) {
            (QuestionKind::Satisfaction5, Some(level), _) => SATISFACTION_LEVELS
                .iter()
                .find(|(l, _, _)| i64::from(*l) == level)
                .map_or(level.to_string(), |(l, text, _)| {
                    format!("{l} — {}", text.get(lang))
                }),
            (QuestionKind::YesNo, Some(yes), _) => {
                lang.say(if yes != 0 { YES } else { NO }).to_owned()
            }
            (QuestionKind::SingleChoice { options }, _, Some(value)) => options
                .iter()
                .find(|o| o.value == value)
                .map_or(value.to_string(), |o| o.label.get(lang).to_string()),
            (_, _, Some(text)) => text.to_string(),
            (_, Some(n), None) => n.to_string(),
            (_, None, None) => String::new(),
        }
    }

    fn check(&self, at: &str) -> Result<(), Problem> {
        if !is_slug(&self.id, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
        }) || self.id.starts_with('_')
        {
            return Err(Problem::new(
                format!("{at}.id"),
                "question id must be non-empty, use only a-z, 0-9 and _, and not start with _ \
                 (form fields starting with _ belong to the app)",
            ));
        }
        if RESERVED_QUESTION_IDS.contains(&self.id.as_str()) {
            return Err(Problem::new(
                format!("{at}.id"),
                format!(
                    "`{}` is reserved: the form already sends a field of that name",
                    self.id
                ),
            ));
        }
        check_text(&self.label, &format!("{at}.label"))?;
        if let Some(help) = &self.help {
            check_text(help, &format!("{at}.help"))?;
        }
        if let Some(na) = &self.not_applicable {
            // The overall question always applies: a rating without it is no rating.
            if self.kind != QuestionKind::Satisfaction5 || self.feeds == Feeds::Overall {
                return Err(Problem::new(
                    format!("{at}.not_applicable"),
                    "only satisfaction5 questions that do not feed `overall` may offer \
                     \"not applicable\"",
                ));
            }
            check_text(na, &format!("{at}.not_applicable"))?;
        }
        match &self.kind {
            QuestionKind::SingleChoice { options } => {
                if options.len() < 2 {
                    return Err(Problem::new(
                        format!("{at}.options"),
                        "a single_choice question needs at least 2 options",
                    ));
                }
                for (k, option) in options.iter().enumerate() {
                    let opt_at = format!("{at}.options[{k}]");
                    let value = &option.value;
                    if value.is_empty()
                        || value.trim() != value
                        || value.chars().count() > MAX_OPTION_VALUE_CHARS
                    {
                        return Err(Problem::new(
                            format!("{opt_at}.value"),
                            format!(
                                "option value must be 1 to {MAX_OPTION_VALUE_CHARS} characters \
                                 without surrounding spaces"
                            ),
                        ));
                    }
                    if let Some(first) = options[..k].iter().position(|o| o.value == *value) {
                        return Err(Problem::new(
                            format!("{opt_at}.value"),
                            format!("option value `{value}` is already used by options[{first}]"),
                        ));
                    }
                    check_text(&option.label, &format!("{opt_at}.label"))?;
                }
            }
            QuestionKind::Comment { max_chars } | QuestionKind::DossierCode { max_chars } => {
                if !(1..=MAX_CHARS_LIMIT).contains(max_chars) {
                    return Err(Problem::new(
                        format!("{at}.max_chars"),
                        format!("max_chars must be between 1 and {MAX_CHARS_LIMIT}"),
                    ));
                }
            }
            QuestionKind::Satisfaction5 | QuestionKind::YesNo => {}
        }
        self.check_feeds(at)
    }

    /// Scores are shares of satisfied answers, so only the 5-level scale can feed the overall and
    /// SIPAS rates; free text feeds nothing.
    fn check_feeds(&self, at: &str) -> Result<(), Problem> {
        let at = format!("{at}.feeds");
        match &self.feeds {
            Feeds::Overall | Feeds::Sipas(_) if self.kind != QuestionKind::Satisfaction5 => {
                Err(Problem::new(
                    at,
                    "only satisfaction5 questions can feed `overall` or `sipas.*`",
                ))
            }
            Feeds::Criterion(_)
                if matches!(
                    self.kind,
                    QuestionKind::Comment { .. } | QuestionKind::DossierCode { .. }
                ) =>
            {
                Err(Problem::new(
                    at,
                    "comment and dossier_code questions feed nothing; use \"none\"",
                ))
            }
            Feeds::Criterion(id)
                if !is_slug(id, |c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.')
                }) =>
            {
                Err(Problem::new(
                    at,
                    "criterion id must be non-empty and use only a-z, 0-9, _, - and .",
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The kind of answer a question takes, and the settings of that kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// 5-level satisfaction with faces: 1 Rất không hài lòng, 2 Không hài lòng, 3 Bình thường,
    /// 4 Hài lòng, 5 Rất hài lòng (see [`SATISFACTION_LEVELS`]).
    Satisfaction5,
    /// Exactly one of the listed options.
    SingleChoice {
        /// In display order; at least two, with distinct values.
        options: Vec<Choice>,
    },
    /// Yes or no (posted as `"yes"` / `"no"`).
    YesNo,
    /// Free text.
    Comment {
        /// Longest accepted answer, in characters (not bytes), 1..=5000.
        max_chars: u32,
    },
    /// The dossier code (mã hồ sơ) printed on the receipt, linking the rating to one dossier.
    DossierCode {
        /// Longest accepted code, in characters, 1..=5000.
        max_chars: u32,
    },
}

impl QuestionKind {
    /// The name used for this kind in survey files (`single_choice`, …).
    pub fn key(&self) -> &'static str {
        match self {
            QuestionKind::Satisfaction5 => "satisfaction5",
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::YesNo => "yes_no",
            QuestionKind::Comment { .. } => "comment",
            QuestionKind::DossierCode { .. } => "dossier_code",
        }
    }
}

/// One option of a [`QuestionKind::SingleChoice`] question.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What is posted and stored; never shown. Keep it stable across versions.
    pub value: String,
    /// What is shown.
    pub label: Text,
}

/// The 5 SIPAS elements (MoHA, QĐ 1001/QĐ-BNV): access, procedures, civil servants, results,
/// handling of feedback. Grouping desk questions by them keeps local results comparable with the
/// national index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SipasElement {
    /// Tiếp cận dịch vụ.
    Access,
    /// Thủ tục hành chính.
    Procedures,
    /// Công chức trực tiếp giải quyết công việc.
    CivilServants,
    /// Kết quả giải quyết.
    Results,
    /// Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị.
    Feedback,
}

impl SipasElement {
    /// All five, in the order MoHA lists them.
    pub const ALL: [SipasElement; 5] = [
        SipasElement::Access,
        SipasElement::Procedures,
        SipasElement::CivilServants,
        SipasElement::Results,
        SipasElement::Feedback,
    ];

    /// The name used in files and storage: `access`, `procedures`, `civil_servants`, `results`,
    /// `feedback`.
    pub fn key(self) -> &'static str {
        match self {
            SipasElement::Access => "access",
            SipasElement::Procedures => "procedures",
            SipasElement::CivilServants => "civil_servants",
            SipasElement::Results => "results",
            SipasElement::Feedback => "feedback",
        }
    }

    /// The element whose [`key`](Self::key) is `key`.
    pub fn from_key(key: &str) -> Option<SipasElement> {
        SipasElement::ALL.into_iter().find(|e| e.key() == key)
    }

    /// The element's name as MoHA words it, for reports.
    pub fn label(self) -> Text {
        let (vi, en) = match self {
            SipasElement::Access => ("Tiếp cận dịch vụ", "Access to the service"),
            SipasElement::Procedures => ("Thủ tục hành chính", "Administrative procedures"),
            SipasElement::CivilServants => ("Công chức giải quyết công việc", "Civil servants"),
            SipasElement::Results => ("Kết quả giải quyết công việc", "Results"),
            SipasElement::Feedback => (
                "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
                "Handling of feedback and complaints",
            ),
        };
        Text {
            vi: vi.to_owned(),
            en: en.to_owned(),
        }
    }
}

/// Which score a question's answers count towards.
///
/// In files it is one string: `"overall"`, `"sipas.<element key>"`, `"criterion.<id>"` or
/// `"none"`; [`Display`](fmt::Display) writes the same form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feeds {
    /// The overall satisfaction rate of the desk.
    Overall,
    /// One SIPAS element rate.
    Sipas(SipasElement),
    /// A criterion of the "Chính quyền thân thiện" scoring engine, by its id there.
    Criterion(String),
    /// Kept for context only (e.g. number of visits, comments).
    Nothing,
}

impl Feeds {
    /// Reads the file form; the error explains the accepted forms.
    pub(crate) fn parse(s: &str) -> Result<Feeds, String> {
        match s {
            "overall" => Ok(Feeds::Overall),
            "none" => Ok(Feeds::Nothing),
            _ => {
                if let Some(key) = s.strip_prefix("sipas.") {
                    SipasElement::from_key(key)
                        .map(Feeds::Sipas)
                        .ok_or_else(|| {
                            let keys: Vec<_> = SipasElement::ALL.iter().map(|e| e.key()).collect();
                            format!(
                                "unknown SIPAS element `{key}`; use one of: {}",
                                keys.join(", ")
                            )
                        })
                } else if let Some(id) = s.strip_prefix("criterion.") {
                    Ok(Feeds::Criterion(id.to_owned()))
                } else {
                    Err(format!(
                        "unknown feeds `{s}`; use \"overall\", \"sipas.<element>\", \
                         \"criterion.<id>\" or \"none\""
                    ))
                }
            }
        }
    }
}

impl fmt::Display for Feeds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Feeds::Overall => f.write_str("overall"),
            Feeds::Sipas(element) => write!(f, "sipas.{}", element.key()),
            Feeds::Criterion(id) => write!(f, "criterion.{id}"),
            Feeds::Nothing => f.write_str("none"),
        }
    }
}

/// A broken rule, located by field path.
#[derive(Debug)]
pub(crate) struct Problem {
    pub path: String,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            message: message.into(),
        }
    }
}

pub(crate) fn check_text(text: &Text, at: &str) -> Result<(), Problem> {
    for (lang, value) in [("vi", &text.vi), ("en", &text.en)] {
        if value.trim().is_empty() {
            return Err(Problem::new(
                format!("{at}.{lang}"),
                "text must not be empty: every text needs both Vietnamese (vi) and English (en)",
            ));
        }
    }
    Ok(())
}

pub(crate) fn is_slug(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(allowed)
}
