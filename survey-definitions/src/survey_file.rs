//! Reading one survey file (`surveys/<id>.v<version>.toml`) into a [`Survey`].
//!
//! Structure (types, missing and unknown keys) is checked while reading; the survey rules are
//! then checked on the typed value by `Survey::check`, and mapped back to a line through the
//! spans recorded on the way.

use crate::survey::Condition;
use crate::survey::MAX_CHARS_LIMIT;
use crate::toml_tree::{self, Fail, Field, Spans};
use crate::{Choice, DefinitionError, Feeds, Question, QuestionKind, Survey, Text};

const SURVEY_KEYS: [&str; 7] = [
    "id",
    "version",
    "title",
    "intro",
    "thanks",
    "questions",
    "basis",
];
const QUESTION_KEYS: [&str; 10] = [
    "not_applicable",
    "asked_when",
    "id",
    "kind",
    "required",
    "label",
    "help",
    "feeds",
    "options",
    "max_chars",
];
const KINDS: [&str; 5] = [
    "satisfaction5",
    "single_choice",
    "yes_no",
    "comment",
    "dossier_code",
];

/// Parses one survey file; `file` is only used in error messages.
pub fn parse_survey(file: &str, text: &str) -> Result<Survey, DefinitionError> {
    let doc = toml_tree::parse_document(file, text)?;
    let mut spans = Spans::default();
    let survey = read_survey(&doc, &mut spans).map_err(|fail| fail.into_error(file, text))?;
    survey.check().map_err(|problem| {
        let span = spans.find(&problem.path);
        Fail::new(&problem.path, span, problem.message).into_error(file, text)
    })?;
    Ok(survey)
}

fn read_survey(doc: &toml_tree::Node, spans: &mut Spans) -> Result<Survey, Fail> {
    let table = toml_tree::root(doc)?;
    table.allow(&SURVEY_KEYS)?;
    let id = table.required("id", spans)?.str()?.to_owned();
    let version_field = table.required("version", spans)?;
    let version = u32::try_from(version_field.integer()?)
        .map_err(|_| version_field.fail("version must be 1 or higher"))?;
    let title = read_text(&table.required("title", spans)?, spans)?;
    let intro = read_text(&table.required("intro", spans)?, spans)?;
    let thanks = read_text(&table.required("thanks", spans)?, spans)?;
    let questions = table
        .required("questions", spans)?
        .array(spans)?
        .iter()
        .map(|field| read_question(field, spans))
        .collect::<Result<_, _>>()?;
    let basis = match table.optional("basis", spans) {
        Some(basis) => Some(read_text(&basis, spans)?),
        None => None,
    };
    Ok(Survey {
        id,
        version,
        title,
        intro,
        thanks,
        questions,
        basis,
    })
}

fn read_question(field: &Field, spans: &mut Spans) -> Result<Question, Fail> {
    let table = field.table()?;
    table.allow(&QUESTION_KEYS)?;
    let id = table.required("id", spans)?.str()?.to_owned();
    let kind_field = table.required("kind", spans)?;
    let kind_name = kind_field.str()?;
    let required = table.required("required", spans)?.boolean()?;
    let label = read_text(&table.required("label", spans)?, spans)?;
    let help = match table.optional("help", spans) {
        Some(help) => Some(read_text(&help, spans)?),
        None => None,
    };
    let feeds_field = table.required("feeds", spans)?;
    let feeds = Feeds::parse(feeds_field.str()?).map_err(|message| feeds_field.fail(message))?;

    let only_for = |kinds: &str| format!("only questions of kind {kinds} have this key");
    let kind = match kind_name {
        "satisfaction5" | "yes_no" => {
            table.forbid("options", &only_for("single_choice"))?;
            table.forbid("max_chars", &only_for("comment and dossier_code"))?;
            if kind_name == "yes_no" {
                QuestionKind::YesNo
            } else {
                QuestionKind::Satisfaction5
            }
        }
        "single_choice" => {
            table.forbid("max_chars", &only_for("comment and dossier_code"))?;
            let options = table
                .required("options", spans)?
                .array(spans)?
                .iter()
                .map(|option| read_choice(option, spans))
                .collect::<Result<_, _>>()?;
            QuestionKind::SingleChoice { options }
        }
        "comment" | "dossier_code" => {
            table.forbid("options", &only_for("single_choice"))?;
            let max_field = table.required("max_chars", spans)?;
            let max_chars = u32::try_from(max_field.integer()?).map_err(|_| {
                max_field.fail(format!("max_chars must be between 1 and {MAX_CHARS_LIMIT}"))
            })?;
            if kind_name == "comment" {
                QuestionKind::Comment { max_chars }
            } else {
                QuestionKind::DossierCode { max_chars }
            }
        }
        other => {
            return Err(kind_field.fail(format!(
                "unknown kind `{other}`; use one of: {}",
                KINDS.join(", ")
            )))
        }
    };
    let not_applicable = match table.optional("not_applicable", spans) {
        Some(na) => Some(read_text(&na, spans)?),
        None => None,
    };
    let asked_when = match table.optional("asked_when", spans) {
        Some(when) => {
            let when = when.table()?;
            when.allow(&["question", "answer"])?;
            Some(Condition {
                question: when.required("question", spans)?.str()?.to_owned(),
                answer: when.required("answer", spans)?.str()?.to_owned(),
            })
        }
        None => None,
    };
    Ok(Question {
        id,
        kind,
        required,
        label,
        help,
        feeds,
        not_applicable,
        asked_when,
    })
}

fn read_choice(field: &Field, spans: &mut Spans) -> Result<Choice, Fail> {
    let table = field.table()?;
    table.allow(&["value", "label"])?;
    Ok(Choice {
        value: table.required("value", spans)?.str()?.to_owned(),
        label: read_text(&table.required("label", spans)?, spans)?,
    })
}

fn read_text(field: &Field, spans: &mut Spans) -> Result<Text, Fail> {
    let table = field.table()?;
    table.allow(&["vi", "en"])?;
    Ok(Text {
        vi: table.required("vi", spans)?.str()?.to_owned(),
        en: table.required("en", spans)?.str()?.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use crate::test_support::{broken, line_with, valid_survey, VALID};
    use crate::{parse_survey, Feeds, QuestionKind, SipasElement};

    /// Asserts the error names `broken.toml`, `field`, and the line holding `marker`.
    fn assert_points_at(text: &str, error: &crate::DefinitionError, field: &str, marker: &str) {
        assert_eq!(error.file, "broken.toml", "{error}");
        assert_eq!(error.field.as_deref(), Some(field), "{error}");
        assert_eq!(error.line, Some(line_with(text, marker)), "{error}");
    }

    #[test]
    fn a_survey_in_one_language_keeps_only_what_its_page_reads() {
        let survey = valid_survey();
        let count = survey.texts().len();

        let vi = survey.in_one_language(crate::Lang::Vi);
        let en = survey.in_one_language(crate::Lang::En);

        assert!(count > 5);
        assert_eq!(vi.texts().len(), count);
        for (whole, (vi, en)) in survey.texts().iter().zip(vi.texts().iter().zip(en.texts())) {
            assert_eq!((vi.vi.as_str(), vi.en.as_str()), (whole.vi.as_str(), ""));
            assert_eq!((en.vi.as_str(), en.en.as_str()), ("", whole.en.as_str()));
        }
        assert_eq!(vi.questions.len(), survey.questions.len());
    }

    #[test]
    fn a_valid_file_is_read_into_typed_questions() {
        let survey = valid_survey();

        assert_eq!((survey.id.as_str(), survey.version), ("test", 1));
        assert_eq!(survey.title.vi, "Tiêu đề");
        let kinds: Vec<_> = survey.questions.iter().map(|q| q.kind.key()).collect();
        assert_eq!(
            kinds,
            [
                "satisfaction5",
                "single_choice",
                "dossier_code",
                "comment",
                "yes_no"
            ]
        );
        assert_eq!(
            survey.question("code").unwrap().kind,
            QuestionKind::DossierCode { max_chars: 20 }
        );
        assert_eq!(
            survey.question("guided").unwrap().feeds,
            Feeds::Criterion("c3.guidance".into())
        );
        assert!(survey.question("nope").is_none());
    }

    #[test]
    fn dotted_keys_and_sub_tables_are_read_like_inline_tables() {
        let text = VALID
            .replacen(
                r#"title = { vi = "Tiêu đề", en = "Title" }"#,
                "title.vi = \"Tiêu đề\"\ntitle.en = \"Title\"",
                1,
            )
            .replacen(
                r#"label = { vi = "Hài lòng không?", en = "Satisfied?" }"#,
                "[questions.label]\nvi = \"Hài lòng không?\"\nen = \"Satisfied?\"",
                1,
            );

        let survey = parse_survey("dotted.toml", &text).unwrap();

        assert_eq!(survey, valid_survey());
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let (text, error) = broken("version = 1", "version = = 1");

        assert_eq!(error.file, "broken.toml");
        assert_eq!(error.field, None);
        assert_eq!(error.line, Some(line_with(&text, "version = = 1")));
    }

    #[test]
    fn an_unknown_key_is_rejected_with_its_path() {
        let (text, error) = broken(
            "feeds = \"overall\"\n",
            "feeds = \"overall\"\ncolour = \"red\"\n",
        );

        assert_points_at(&text, &error, "questions[0].colour", "colour");
        assert!(error.message.contains("unknown key `colour`"), "{error}");
    }

    #[test]
    fn a_typo_is_reported_as_unknown_rather_than_as_a_missing_key() {
        let (text, error) = broken(r#"title = {"#, r#"titel = {"#);

        assert_points_at(&text, &error, "titel", "titel");
    }

    #[test]
    fn a_missing_english_text_names_the_field() {
        let (text, error) = broken(
            r#"label = { vi = "Mấy lần?", en = "How many times?" }"#,
            r#"label = { vi = "Mấy lần?" }"#,
        );

        assert_points_at(&text, &error, "questions[1].label.en", "Mấy lần?");
        assert!(error.message.contains("missing key `en`"), "{error}");
    }

    #[test]
    fn an_empty_vietnamese_text_names_the_field() {
        let (text, error) = broken(r#"{ vi = "Góp ý","#, r#"{ vi = "  ","#);

        assert_points_at(&text, &error, "questions[3].label.vi", r#"vi = "  ""#);
    }

    #[test]
    fn a_missing_key_points_at_its_table() {
        let (text, error) = broken(
            "required = true\nfeeds = \"overall\"",
            "feeds = \"overall\"",
        );

        assert_eq!(error.field.as_deref(), Some("questions[0].required"));
        // The [[questions]] header of the first question.
        assert_eq!(error.line, Some(line_with(&text, "id = \"overall\"") - 1));
    }

    #[test]
    fn a_value_of_the_wrong_type_is_rejected() {
        let (text, error) = broken(
            "required = true\nfeeds = \"overall\"",
            "required = \"yes\"\nfeeds = \"overall\"",
        );

        assert_points_at(&text, &error, "questions[0].required", "\"yes\"");
        assert!(error.message.contains("found a string"), "{error}");
    }

    #[test]
    fn a_duplicate_question_id_is_rejected() {
        let (text, error) = broken(r#"id = "comment""#, r#"id = "visits""#);

        assert_eq!(error.field.as_deref(), Some("questions[3].id"));
        assert_eq!(error.line, Some(line_with(&text, "kind = \"comment\"") - 1));
        assert!(error.message.contains("questions[1]"), "{error}");
    }

    #[test]
    fn question_ids_must_be_lowercase_and_not_start_with_an_underscore() {
        for bad in ["Overall", "_key", "over all", "", "lang"] {
            let (text, error) = broken(r#"id = "overall""#, &format!(r#"id = "{bad}""#));

            assert_points_at(
                &text,
                &error,
                "questions[0].id",
                &format!(r#"id = "{bad}""#),
            );
        }
    }

    #[test]
    fn an_unknown_kind_is_rejected() {
        let (text, error) = broken(r#"kind = "satisfaction5""#, r#"kind = "stars""#);

        assert_points_at(&text, &error, "questions[0].kind", "stars");
        assert!(error.message.contains("satisfaction5"), "{error}");
    }

    #[test]
    fn bad_feeds_are_rejected() {
        for (bad, hint) in [
            ("sipas.speed", "unknown SIPAS element `speed`"),
            ("everything", "criterion.<id>"),
            ("criterion.", "criterion id"),
            ("criterion.Bad Id", "criterion id"),
        ] {
            let (text, error) = broken(r#"feeds = "overall""#, &format!(r#"feeds = "{bad}""#));

            assert_points_at(&text, &error, "questions[0].feeds", &format!("\"{bad}\""));
            assert!(error.message.contains(hint), "{bad}: {error}");
        }
    }

    #[test]
    fn every_sipas_element_can_be_fed() {
        for element in SipasElement::ALL {
            let feeds = format!("sipas.{}", element.key());
            let text = VALID.replacen(r#"feeds = "overall""#, &format!("feeds = \"{feeds}\""), 1);

            let survey = parse_survey("ok.toml", &text).unwrap();

            assert_eq!(survey.questions[0].feeds, Feeds::Sipas(element));
            assert_eq!(survey.questions[0].feeds.to_string(), feeds);
        }
    }

    #[test]
    fn only_the_satisfaction_scale_feeds_overall_and_sipas() {
        let (text, error) = broken(
            r#"feeds = "criterion.c3.guidance""#,
            r#"feeds = "sipas.access""#,
        );

        assert_points_at(&text, &error, "questions[4].feeds", "sipas.access");
    }

    #[test]
    fn free_text_feeds_nothing() {
        let (text, error) = broken(
            "feeds = \"none\"\nmax_chars = 10",
            "feeds = \"criterion.c5\"\nmax_chars = 10",
        );

        assert_points_at(&text, &error, "questions[3].feeds", "criterion.c5");
    }

    #[test]
    fn only_one_question_feeds_overall() {
        let (text, error) = broken(
            r#"kind = "satisfaction5"
required = true
feeds = "overall"
label = { vi = "Hài lòng không?", en = "Satisfied?" }"#,
            r#"kind = "satisfaction5"
required = true
feeds = "overall"
label = { vi = "Hài lòng không?", en = "Satisfied?" }

[[questions]]
id = "overall_again"
kind = "satisfaction5"
required = true
feeds = "overall"
label = { vi = "Lại hài lòng?", en = "Again?" }"#,
        );

        assert_eq!(error.field.as_deref(), Some("questions[1].feeds"));
        assert_eq!(error.line, Some(line_with(&text, "overall_again") + 3));
    }

    #[test]
    fn a_single_choice_needs_two_options() {
        let (text, error) = broken(
            "  { value = \"3+\", label = { vi = \"Ba lần trở lên\", en = \"Three or more\" } },\n",
            "",
        );

        assert_points_at(&text, &error, "questions[1].options", "options = [");
    }

    #[test]
    fn option_values_must_be_unique() {
        let (text, error) = broken(r#"value = "3+""#, r#"value = "1""#);

        assert_points_at(&text, &error, "questions[1].options[1].value", "Ba lần");
    }

    #[test]
    fn max_chars_must_be_between_1_and_5000() {
        for bad in ["0", "5001", "-1"] {
            let (text, error) = broken("max_chars = 20", &format!("max_chars = {bad}"));

            assert_points_at(&text, &error, "questions[2].max_chars", &format!("= {bad}"));
        }
    }

    #[test]
    fn options_and_max_chars_belong_to_their_kinds() {
        let (text, error) = broken(
            "feeds = \"overall\"\n",
            "feeds = \"overall\"\nmax_chars = 5\n",
        );

        assert_points_at(&text, &error, "questions[0].max_chars", "max_chars = 5");
    }

    #[test]
    fn only_one_dossier_code_question_is_allowed() {
        let (text, error) = broken(r#"kind = "comment""#, r#"kind = "dossier_code""#);

        assert_eq!(error.field.as_deref(), Some("questions[3].kind"));
        assert_eq!(error.line, Some(line_with(&text, r#"id = "comment""#) + 1));
        assert!(error.message.contains("questions[2]"), "{error}");
    }

    #[test]
    fn a_bad_survey_id_is_rejected() {
        for bad in ["One-Stop", "one_stop", ""] {
            let (text, error) = broken(r#"id = "test""#, &format!(r#"id = "{bad}""#));

            assert_points_at(&text, &error, "id", &format!(r#"id = "{bad}""#));
        }
    }

    #[test]
    fn version_must_be_at_least_1() {
        let (text, error) = broken("version = 1", "version = 0");

        assert_points_at(&text, &error, "version", "version = 0");
    }

    #[test]
    fn a_survey_needs_a_question() {
        let head = &VALID[..VALID.find("[[questions]]").unwrap()];
        let text = format!("{head}questions = []\n");

        let error = parse_survey("empty.toml", &text).unwrap_err();

        assert_eq!(error.field.as_deref(), Some("questions"));
        assert_eq!(error.line, Some(line_with(&text, "questions = []")));
    }

    #[test]
    fn the_error_reads_as_file_line_field_message() {
        let (_, error) = broken("version = 1", "version = 0");

        assert_eq!(
            error.to_string(),
            "broken.toml:2: field `version`: version must be 1 or higher"
        );
    }
}
