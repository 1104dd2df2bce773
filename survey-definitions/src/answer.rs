//! Turning the fields of a submitted form into typed answers, with messages a citizen can act on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{fill, Lang, Question, QuestionKind, StaticText, Survey};

/// One accepted answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The [`Question::id`] it answers.
    pub question_id: String,
    /// The value, already checked against the question.
    pub value: AnswerValue,
}

/// A checked answer value; which variant depends on the question's kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerValue {
    /// A satisfaction level, 1..=5.
    Scale(u8),
    /// The value of the chosen option.
    Choice(String),
    /// A yes/no answer.
    YesNo(bool),
    /// Trimmed free text or dossier code.
    Text(String),
    /// "Not applicable" to a satisfaction question that offers it: kept, never counted as an
    /// answer to the element.
    NotApplicable,
}

impl AnswerValue {
    /// How a value is stored: one row per answer with an integer column and a text column.
    /// This is the integer: the level for `Scale`, 1/0 for `YesNo`, nothing otherwise.
    pub fn value_int(&self) -> Option<i64> {
        match self {
            AnswerValue::Scale(level) => Some(i64::from(*level)),
            AnswerValue::YesNo(yes) => Some(i64::from(*yes)),
            AnswerValue::Choice(_) | AnswerValue::Text(_) | AnswerValue::NotApplicable => None,
        }
    }

    /// The text column: the option value for `Choice`, the text for `Text`, `na` for
    /// `NotApplicable`, nothing otherwise.
    pub fn value_text(&self) -> Option<&str> {
        match self {
            AnswerValue::Choice(s) | AnswerValue::Text(s) => Some(s),
            AnswerValue::NotApplicable => Some(crate::NOT_APPLICABLE),
            AnswerValue::Scale(_) | AnswerValue::YesNo(_) => None,
        }
    }
}

/// Why answers were refused, by question id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(
    /// The refused answers' errors, by question id.
    pub BTreeMap<String, AnswerError>,
);

impl FieldErrors {
    /// The error for this question, if its answer was refused.
    pub fn get(&self, question_id: &str) -> Option<&AnswerError> {
        self.0.get(question_id)
    }

    /// Whether every answer was accepted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Why one answer was refused. The `Display` text is for logs; show citizens
/// [`message`](Self::message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AnswerError {
    /// A required question was left empty.
    #[error("an answer is required")]
    Required,
    /// The value is not one the question offers (also garbage sent for a scale or yes/no).
    #[error("not one of the offered answers")]
    NotAChoice,
    /// The text is longer than the question allows.
    #[error("longer than {max_chars} characters")]
    TooLong {
        /// The limit, in characters.
        max_chars: u32,
    },
    /// The dossier code has characters a code cannot contain, or is too long to be one.
    #[error("not a valid dossier code")]
    InvalidDossierCode,
    /// The dossier code is not in the province's format (`example` is one that is).
    #[error("dossier code not in the province's format")]
    DossierFormat {
        /// A code in the right format, shown to the citizen.
        example: String,
    },
    /// "Not applicable" posted for a question that always applies (the overall question).
    #[error("this question has no \"not applicable\" answer")]
    AlwaysApplies,
}

const ERROR_REQUIRED: StaticText = StaticText {
    vi: "Vui lòng trả lời câu hỏi này.",
    en: "Please answer this question.",
};
const ERROR_NOT_A_CHOICE: StaticText = StaticText {
    vi: "Vui lòng chọn một trong các câu trả lời có sẵn.",
    en: "Please choose one of the answers offered.",
};
const ERROR_TOO_LONG: StaticText = StaticText {
    vi: "Vui lòng viết ngắn hơn, tối đa {max_chars} ký tự.",
    en: "Please keep it to {max_chars} characters or fewer.",
};
const ERROR_DOSSIER_CHARACTERS: StaticText = StaticText {
    vi: "Mã hồ sơ chỉ gồm chữ cái không dấu, chữ số và các dấu . - / _ \
         (ví dụ: H12.22-230515-0001). Vui lòng kiểm tra lại.",
    en: "A dossier code has only letters, digits and . - / _ \
         (e.g. H12.22-230515-0001). Please check it.",
};
const ERROR_DOSSIER_FORMAT: StaticText = StaticText {
    vi: "Mã hồ sơ không đúng định dạng. Mã hồ sơ in trên Giấy tiếp nhận hồ sơ và hẹn trả \
         kết quả, ví dụ: {example}. Vui lòng kiểm tra lại.",
    en: "This is not a dossier code. The code is printed on your receipt, \
         e.g. {example}. Please check it.",
};
const ERROR_ALWAYS_APPLIES: StaticText = StaticText {
    vi: "Câu hỏi này không có lựa chọn «Không áp dụng»: vui lòng chọn một mức đánh giá.",
    en: "This question has no “not applicable” answer: please choose a rating.",
};

/// The messages a citizen may see for an answer, for translators (`hailong translation-template`).
pub const ANSWER_MESSAGES: [StaticText; 6] = [
    ERROR_REQUIRED,
    ERROR_NOT_A_CHOICE,
    ERROR_TOO_LONG,
    ERROR_DOSSIER_CHARACTERS,
    ERROR_DOSSIER_FORMAT,
    ERROR_ALWAYS_APPLIES,
];

impl AnswerError {
    /// A short, polite message for a citizen in the given language (Vietnamese with full
    /// diacritics).
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AnswerError::Required => lang.say(ERROR_REQUIRED).to_owned(),
            AnswerError::NotAChoice => lang.say(ERROR_NOT_A_CHOICE).to_owned(),
            AnswerError::TooLong { max_chars } => fill(
                lang.say(ERROR_TOO_LONG),
                &[("max_chars", &max_chars.to_string())],
            ),
            AnswerError::InvalidDossierCode => lang.say(ERROR_DOSSIER_CHARACTERS).to_owned(),
            AnswerError::DossierFormat { example } => {
                fill(lang.say(ERROR_DOSSIER_FORMAT), &[("example", example)])
            }
            AnswerError::AlwaysApplies => lang.say(ERROR_ALWAYS_APPLIES).to_owned(),
        }
    }
}

impl Survey {
    /// Validates raw form fields (name, value) as posted by an HTML form. Field names are
    /// question ids; fields that are not question ids are ignored (the form also carries e.g.
    /// "_key", "lang", a honeypot). Empty strings count as "not answered". Text is trimmed.
    /// Returns all errors at once, keyed by question id.
    ///
    /// Answers come back in question order. If a field is posted twice, the first non-empty
    /// value counts: a real form never does that, and the rule keeps the outcome predictable.
    ///
    /// A question asked only when an earlier one got a given answer (`asked_when`) is ignored,
    /// whatever was posted for it, when that earlier question got another answer: a form without
    /// JavaScript shows both, and a result rated before it was received is no rating of it.
    pub fn validate(&self, fields: &[(String, String)]) -> Result<Vec<Answer>, FieldErrors> {
        let mut answers: Vec<Answer> = Vec::new();
        let mut errors = BTreeMap::new();
        for question in &self.questions {
            if let Some(when) = &question.asked_when {
                let given = answers.iter().find(|a| a.question_id == when.question);
                let matches = |a: &Answer| match &a.value {
                    AnswerValue::YesNo(yes) => (when.answer == "yes") == *yes,
                    AnswerValue::Choice(value) => *value == when.answer,
                    _ => false,
                };
                if given.is_some_and(|a| !matches(a)) {
                    continue;
                }
            }
            let raw = fields
                .iter()
                .filter(|(name, _)| *name == question.id)
                .map(|(_, value)| value.as_str())
                .find(|value| !value.trim().is_empty())
                .unwrap_or_default();
            match question.check_answer(raw) {
                Ok(Some(value)) => answers.push(Answer {
                    question_id: question.id.clone(),
                    value,
                }),
                Ok(None) => {}
                Err(error) => {
                    errors.insert(question.id.clone(), error);
                }
            }
        }
        if errors.is_empty() {
            Ok(answers)
        } else {
            Err(FieldErrors(errors))
        }
    }
}

/// Free text as it is stored: control characters removed (a NUL byte, which PostgreSQL cannot
/// store in text and SQLite cuts text at, and the other C0/C1 controls that no keyboard types),
/// line breaks kept as `\n` and tabs as spaces, then trimmed. Every channel and both databases
/// then keep the same text.
pub fn clean_text(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                // CRLF and a lone CR are both one line break.
                chars.next_if_eq(&'\n');
                text.push('\n');
            }
            '\n' => text.push('\n'),
            '\t' => text.push(' '),
            c if c.is_control() => {}
            c => text.push(c),
        }
    }
    text.trim().to_owned()
}

impl Question {
    /// Checks one raw answer, e.g. as the citizen types, before the whole form is sent.
    /// `Ok(None)` means "not answered" and is only possible for optional questions.
    pub fn check_answer(&self, raw: &str) -> Result<Option<AnswerValue>, AnswerError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return if self.required {
                Err(AnswerError::Required)
            } else {
                Ok(None)
            };
        }
        let value = match &self.kind {
            QuestionKind::Satisfaction5 if raw == crate::NOT_APPLICABLE => {
                if self.not_applicable.is_some() {
                    AnswerValue::NotApplicable
                } else if self.feeds == crate::Feeds::Overall {
                    return Err(AnswerError::AlwaysApplies);
                } else {
                    return Err(AnswerError::NotAChoice);
                }
            }
            QuestionKind::Satisfaction5 => match raw {
                "1" => AnswerValue::Scale(1),
                "2" => AnswerValue::Scale(2),
                "3" => AnswerValue::Scale(3),
                "4" => AnswerValue::Scale(4),
                "5" => AnswerValue::Scale(5),
                _ => return Err(AnswerError::NotAChoice),
            },
            QuestionKind::SingleChoice { options } => match options.iter().find(|o| o.value == raw)
            {
                Some(option) => AnswerValue::Choice(option.value.clone()),
                None => return Err(AnswerError::NotAChoice),
            },
            QuestionKind::YesNo => match raw {
                "yes" => AnswerValue::YesNo(true),
                "no" => AnswerValue::YesNo(false),
                _ => return Err(AnswerError::NotAChoice),
            },
            QuestionKind::Comment { max_chars } => {
                let text = clean_text(raw);
                // Counted in characters: "hài lòng" is 8 to a citizen, 11 bytes to UTF-8.
                if text.chars().count() > *max_chars as usize {
                    return Err(AnswerError::TooLong {
                        max_chars: *max_chars,
                    });
                }
                if text.is_empty() {
                    return if self.required {
                        Err(AnswerError::Required)
                    } else {
                        Ok(None)
                    };
                }
                AnswerValue::Text(text)
            }
            QuestionKind::DossierCode { max_chars } => {
                // Codes are ASCII (agency id, date, sequence: H12.22-230515-0001); anything else
                // is a typo or not a code, and would not match the one-stop system later.
                let allowed =
                    |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '/' | '_');
                if raw.chars().count() > *max_chars as usize || !raw.chars().all(allowed) {
                    return Err(AnswerError::InvalidDossierCode);
                }
                AnswerValue::Text(raw.to_owned())
            }
        };
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::valid_survey;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn errors_of(pairs: &[(&str, &str)]) -> FieldErrors {
        valid_survey()
            .validate(&fields(pairs))
            .expect_err("the answers must be refused")
    }

    #[test]
    fn complete_answers_are_accepted_in_question_order() {
        let answers = valid_survey()
            .validate(&fields(&[
                ("comment", "  Nhanh gọn  "),
                ("overall", "4"),
                ("visits", "3+"),
                ("code", "H12.22-230515-0001"),
                ("guided", "yes"),
            ]))
            .unwrap();

        let values: Vec<_> = answers
            .iter()
            .map(|a| (a.question_id.as_str(), a.value.clone()))
            .collect();
        assert_eq!(
            values,
            [
                ("overall", AnswerValue::Scale(4)),
                ("visits", AnswerValue::Choice("3+".into())),
                ("code", AnswerValue::Text("H12.22-230515-0001".into())),
                ("comment", AnswerValue::Text("Nhanh gọn".into())),
                ("guided", AnswerValue::YesNo(true)),
            ]
        );
    }

    #[test]
    fn control_characters_are_removed_from_comments_and_line_breaks_kept() {
        assert_eq!(clean_text("a\u{0}b"), "ab");
        assert_eq!(
            clean_text(" x\r\ny\rz\u{7}\u{1b}[31m\u{85}\tw "),
            "x\ny\nz[31m w"
        );
        assert_eq!(clean_text("Hài lòng 😀"), "Hài lòng 😀");
        let answers = valid_survey()
            .validate(&fields(&[
                ("overall", "4"),
                ("visits", "1"),
                ("comment", "a\u{0}b"),
            ]))
            .unwrap();
        assert_eq!(
            answers.last().map(|a| a.value.clone()),
            Some(AnswerValue::Text("ab".into()))
        );
    }

    #[test]
    fn a_comment_of_control_characters_only_is_not_an_answer() {
        let answers = valid_survey()
            .validate(&fields(&[
                ("overall", "4"),
                ("visits", "1"),
                ("comment", "\u{0}\u{0}"),
            ]))
            .unwrap();
        assert!(answers.iter().all(|a| a.question_id != "comment"));
    }

    #[test]
    fn empty_optional_answers_are_skipped() {
        let answers = valid_survey()
            .validate(&fields(&[
                ("overall", "1"),
                ("visits", "1"),
                ("code", ""),
                ("comment", "   "),
            ]))
            .unwrap();

        let ids: Vec<_> = answers.iter().map(|a| a.question_id.as_str()).collect();
        assert_eq!(ids, ["overall", "visits"]);
    }

    #[test]
    fn fields_that_are_not_questions_are_ignored() {
        let answers = valid_survey().validate(&fields(&[
            ("_key", "abc"),
            ("lang", "en"),
            ("website", "spam"),
            ("overall", "5"),
            ("visits", "2"),
        ]));

        // "2" is not an option of the fixture; only that error comes back.
        let errors = answers.unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.get("visits"), Some(&AnswerError::NotAChoice));
    }

    #[test]
    fn a_missing_required_answer_is_reported() {
        let errors = errors_of(&[("visits", "1")]);

        assert_eq!(errors.get("overall"), Some(&AnswerError::Required));
        assert_eq!(errors.0.len(), 1);
    }

    #[test]
    fn an_empty_required_answer_counts_as_missing() {
        let errors = errors_of(&[("overall", " "), ("visits", "1")]);

        assert_eq!(errors.get("overall"), Some(&AnswerError::Required));
    }

    #[test]
    fn out_of_range_and_garbage_answers_are_not_a_choice() {
        for bad in ["0", "6", "4.5", "01", "five", "-1"] {
            let errors = errors_of(&[("overall", bad), ("visits", "1")]);

            assert_eq!(
                errors.get("overall"),
                Some(&AnswerError::NotAChoice),
                "{bad}"
            );
        }
        for bad in ["true", "Yes", "1"] {
            let errors = errors_of(&[("overall", "3"), ("visits", "1"), ("guided", bad)]);

            assert_eq!(
                errors.get("guided"),
                Some(&AnswerError::NotAChoice),
                "{bad}"
            );
        }
        let errors = errors_of(&[("overall", "3"), ("visits", "Một lần")]);
        assert_eq!(errors.get("visits"), Some(&AnswerError::NotAChoice));
    }

    #[test]
    fn comment_length_is_counted_in_characters_not_bytes() {
        // 10 characters but 14 bytes: exactly at the fixture's limit.
        let at_limit = "Rất hài lò";
        assert_eq!((at_limit.chars().count(), at_limit.len()), (10, 14));
        let ok = valid_survey().validate(&fields(&[
            ("overall", "3"),
            ("visits", "1"),
            ("comment", at_limit),
        ]));
        assert!(ok.is_ok());

        let errors = errors_of(&[
            ("overall", "3"),
            ("visits", "1"),
            ("comment", "Rất hài lòn"),
        ]);

        assert_eq!(
            errors.get("comment"),
            Some(&AnswerError::TooLong { max_chars: 10 })
        );
    }

    #[test]
    fn a_bad_dossier_code_is_rejected() {
        for bad in [
            "H12 22",
            "mã-hồ-sơ",
            "H12<script>",
            "H12.22-230515-0001-999999",
        ] {
            let errors = errors_of(&[("overall", "3"), ("visits", "1"), ("code", bad)]);

            assert_eq!(
                errors.get("code"),
                Some(&AnswerError::InvalidDossierCode),
                "{bad}"
            );
        }
        for good in ["000.00.12.H12-0001", "HS/2024_15", "abc"] {
            let q = valid_survey().question("code").unwrap().clone();
            assert!(q.check_answer(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn all_errors_are_reported_at_once() {
        let errors = errors_of(&[
            ("overall", "9"),
            ("code", "??"),
            ("comment", "quá dài quá dài"),
            ("guided", "maybe"),
        ]);

        assert_eq!(
            errors.0,
            BTreeMap::from([
                ("overall".to_owned(), AnswerError::NotAChoice),
                ("visits".to_owned(), AnswerError::Required),
                ("code".to_owned(), AnswerError::InvalidDossierCode),
                ("comment".to_owned(), AnswerError::TooLong { max_chars: 10 }),
                ("guided".to_owned(), AnswerError::NotAChoice),
            ])
        );
    }

    #[test]
    fn the_first_non_empty_value_of_a_repeated_field_counts() {
        let answers = valid_survey()
            .validate(&fields(&[
                ("overall", ""),
                ("overall", "2"),
                ("overall", "5"),
                ("visits", "1"),
            ]))
            .unwrap();

        assert_eq!(answers[0].value, AnswerValue::Scale(2));
    }

    #[test]
    fn values_map_to_an_integer_or_a_text_column() {
        let cases = [
            (AnswerValue::Scale(4), Some(4), None),
            (AnswerValue::YesNo(true), Some(1), None),
            (AnswerValue::YesNo(false), Some(0), None),
            (AnswerValue::Choice("3+".into()), None, Some("3+")),
            (AnswerValue::Text("mã".into()), None, Some("mã")),
        ];
        for (value, int, text) in cases {
            assert_eq!(value.value_int(), int, "{value:?}");
            assert_eq!(value.value_text(), text, "{value:?}");
        }
    }

    #[test]
    fn every_error_has_a_message_in_both_languages() {
        let all = [
            AnswerError::Required,
            AnswerError::NotAChoice,
            AnswerError::TooLong { max_chars: 1000 },
            AnswerError::InvalidDossierCode,
        ];
        for error in all {
            let (vi, en) = (error.message(Lang::Vi), error.message(Lang::En));

            assert!(!vi.is_empty() && !en.is_empty(), "{error:?}");
            assert_ne!(vi, en, "{error:?}");
            assert!(vi.contains("Vui lòng"), "Vietnamese, politely: {vi}");
            assert!(en.contains("Please"), "English, politely: {en}");
        }
        assert!(AnswerError::TooLong { max_chars: 1000 }
            .message(Lang::Vi)
            .contains("1000 ký tự"));
    }
}
