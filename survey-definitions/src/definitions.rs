//! The set of surveys the app serves, loaded once at start-up from `<dir>/surveys/`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{parse_survey, DefinitionError, Feeds, Survey};

/// Every definition file that was loaded, validated.
///
/// Old versions stay loaded next to new ones: answers stored under an old version still need
/// its questions to be read back.
#[derive(Clone, Debug, Default)]
pub struct Definitions {
    /// By id, then version; remembers where each survey came from for duplicate reports.
    surveys: BTreeMap<String, BTreeMap<u32, (Survey, String)>>,
}

impl Definitions {
    /// Validates surveys built in code by the same rules as files; rejects a duplicate
    /// `(id, version)`.
    pub fn from_surveys(surveys: Vec<Survey>) -> Result<Definitions, DefinitionError> {
        let mut definitions = Definitions::default();
        for survey in surveys {
            let origin = format!("survey `{}` v{}", survey.id, survey.version);
            survey.check().map_err(|problem| DefinitionError {
                file: origin.clone(),
                line: None,
                field: Some(problem.path),
                message: problem.message,
            })?;
            definitions.insert(survey, origin)?;
        }
        Ok(definitions)
    }

    fn insert(&mut self, survey: Survey, origin: String) -> Result<(), DefinitionError> {
        let versions = self.surveys.entry(survey.id.clone()).or_default();
        if let Some((_, first)) = versions.get(&survey.version) {
            return Err(DefinitionError {
                file: origin,
                line: None,
                field: Some("version".to_owned()),
                message: format!(
                    "survey `{}` version {} is already defined by {first}; \
                     a changed survey needs a higher version",
                    survey.id, survey.version
                ),
            });
        }
        // Figures add answers up by question id across versions (the per-day counts do not
        // know versions), so an id keeps what it feeds, and an element keeps its question id:
        // then answers given under any version count towards the same SIPAS element.
        for (other, other_origin) in versions.values() {
            for question in &survey.questions {
                let scored = |f: &Feeds| matches!(f, Feeds::Overall | Feeds::Sipas(_));
                let clash = other.questions.iter().find(|o| {
                    (o.id == question.id && o.feeds != question.feeds)
                        || (o.id != question.id && scored(&o.feeds) && o.feeds == question.feeds)
                });
                if let Some(o) = clash {
                    return Err(DefinitionError {
                        file: origin,
                        line: None,
                        field: Some(format!("questions.{}", question.id)),
                        message: format!(
                            "question `{}` feeds `{}` but {other_origin} has `{}` feeding `{}`; \
                             keep one question id per score across versions so their answers \
                             are counted together",
                            question.id, question.feeds, o.id, o.feeds
                        ),
                    });
                }
            }
        }
        versions.insert(survey.version, (survey, origin));
        Ok(())
    }

    /// The version a posted form was rendered with: the one it names (`_version`), or version 1
    /// (the oldest) when it names none, as forms rendered before they carried it did. `None`
    /// for a version the survey does not have.
    pub fn for_form(&self, id: &str, posted: Option<&str>) -> Option<&Survey> {
        let versions = self.surveys.get(id)?;
        match posted.map(str::trim).filter(|v| !v.is_empty()) {
            None => versions.values().next().map(|(s, _)| s),
            Some(v) => versions.get(&v.parse::<u32>().ok()?).map(|(s, _)| s),
        }
    }

    /// One exact version, e.g. to read back stored answers.
    pub fn survey(&self, id: &str, version: u32) -> Option<&Survey> {
        self.surveys.get(id)?.get(&version).map(|(s, _)| s)
    }

    /// The highest version of a survey: the one new answers are collected with.
    pub fn latest(&self, id: &str) -> Option<&Survey> {
        self.surveys.get(id)?.values().next_back().map(|(s, _)| s)
    }

    /// Every survey, ordered by id then version.
    pub fn surveys(&self) -> impl Iterator<Item = &Survey> {
        self.surveys
            .values()
            .flat_map(|v| v.values().map(|(s, _)| s))
    }
}

/// Reads `<dir>/surveys/*.toml` (sorted by name, every file), parses and validates each.
///
/// Stops at the first broken file: the app must not start with a survey missing. Names
/// starting with `.` (editor swap and lock files) are skipped; an empty directory is an error.
pub fn load_dir(dir: &Path) -> Result<Definitions, DefinitionError> {
    let paths = toml_files(&dir.join("surveys"), "survey")?;
    let mut definitions = Definitions::default();
    for path in paths {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| DefinitionError::whole_file(file.clone(), e.to_string()))?;
        let survey = parse_survey(&file, &text)?;
        definitions.insert(survey, file)?;
    }
    Ok(definitions)
}

/// The `*.toml` files of a folder, sorted by name. Names starting with `.` (editor swap and lock
/// files) are skipped; an empty folder is an error, since the app must not start without them.
pub(crate) fn toml_files(
    folder: &Path,
    what: &str,
) -> Result<Vec<std::path::PathBuf>, DefinitionError> {
    let unreadable = |e: std::io::Error| {
        DefinitionError::whole_file(folder.display().to_string(), e.to_string())
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".toml") && !name.starts_with('.') && path.is_file() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(DefinitionError::whole_file(
            folder.display().to_string(),
            format!("no {what} files (*.toml) found"),
        ));
    }
    paths.sort();
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{temp_dir, valid_survey, VALID};
    use crate::{AnswerValue, QuestionKind, SipasElement, DEFAULT_SURVEY_ID};

    fn shipped() -> Definitions {
        load_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the shipped surveys load")
    }

    #[test]
    fn the_shipped_default_survey_has_the_agreed_questions() {
        let definitions = shipped();
        let survey = definitions.survey(DEFAULT_SURVEY_ID, 1).unwrap();

        let ids: Vec<_> = survey.questions.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "overall",
                "access",
                "procedures",
                "civil_servants",
                "results",
                "feedback",
                "visits",
                "dossier_code",
                "comment"
            ]
        );
        let required: Vec<_> = survey.questions.iter().map(|q| q.required).collect();
        assert_eq!(
            required,
            [true, true, true, true, true, false, true, false, false]
        );
        assert_eq!(survey.questions[0].feeds, Feeds::Overall);
        let sipas: Vec<_> = survey.questions[1..6].iter().map(|q| &q.feeds).collect();
        let expected: Vec<_> = SipasElement::ALL.into_iter().map(Feeds::Sipas).collect();
        assert_eq!(sipas, expected.iter().collect::<Vec<_>>());
        assert!(survey.questions[..6]
            .iter()
            .all(|q| q.kind == QuestionKind::Satisfaction5));
        let QuestionKind::SingleChoice { options } = &survey.questions[6].kind else {
            panic!("visits is a single choice");
        };
        let values: Vec<_> = options.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(values, ["1", "2", "3+"]);
        assert_eq!(
            survey.questions[7].kind,
            QuestionKind::DossierCode { max_chars: 40 }
        );
        assert!(survey.questions[7]
            .help
            .as_ref()
            .unwrap()
            .vi
            .contains("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"));
        assert_eq!(
            survey.questions[8].kind,
            QuestionKind::Comment { max_chars: 1000 }
        );
    }

    #[test]
    fn version_2_is_the_latest_and_keeps_the_element_ids_of_version_1() {
        let definitions = shipped();
        let v1 = definitions.survey(DEFAULT_SURVEY_ID, 1).unwrap();
        let v2 = definitions.latest(DEFAULT_SURVEY_ID).unwrap();

        assert_eq!(v2.version, 2);
        let scored = |s: &Survey| -> Vec<(String, String)> {
            let mut ids: Vec<_> = s
                .questions
                .iter()
                .filter(|q| matches!(q.feeds, Feeds::Overall | Feeds::Sipas(_)))
                .map(|q| (q.id.clone(), q.feeds.to_string()))
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(scored(v1), scored(v2));
        assert_eq!(v2.questions.iter().filter(|q| q.required).count(), 1);
        assert!(v2.basis.as_ref().unwrap().vi.contains("118/2025/NĐ-CP"));
    }

    #[test]
    fn version_2_ignores_the_result_until_it_is_received_and_takes_not_applicable() {
        let definitions = shipped();
        let v2 = definitions.latest(DEFAULT_SURVEY_ID).unwrap();
        let post = |pairs: &[(&str, &str)]| {
            let fields: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            v2.validate(&fields)
        };

        let not_received = post(&[
            ("overall", "4"),
            ("result_received", "no"),
            ("results", "1"),
            ("feedback", "na"),
        ])
        .unwrap();
        let received = post(&[
            ("overall", "4"),
            ("result_received", "yes"),
            ("results", "2"),
        ])
        .unwrap();
        let refused = post(&[("overall", "na")]).unwrap_err();

        assert!(not_received.iter().all(|a| a.question_id != "results"));
        let feedback = not_received.iter().find(|a| a.question_id == "feedback");
        assert_eq!(feedback.unwrap().value, AnswerValue::NotApplicable);
        assert_eq!(feedback.unwrap().value.value_int(), None);
        assert!(received
            .iter()
            .any(|a| a.question_id == "results" && a.value == AnswerValue::Scale(2)));
        assert_eq!(
            refused.get("overall"),
            Some(&crate::AnswerError::AlwaysApplies)
        );
        let v1 = definitions.survey(DEFAULT_SURVEY_ID, 1).unwrap();
        assert_eq!(definitions.for_form(DEFAULT_SURVEY_ID, None), Some(v1));
        assert_eq!(definitions.for_form(DEFAULT_SURVEY_ID, Some("2")), Some(v2));
        assert_eq!(definitions.for_form(DEFAULT_SURVEY_ID, Some("9")), None);
    }

    #[test]
    fn a_version_that_moves_an_element_to_another_question_id_is_refused() {
        let mut v2 = valid_survey();
        v2.version = 2;
        v2.questions[0].id = "overall_2".into();

        let error = Definitions::from_surveys(vec![valid_survey(), v2]).unwrap_err();

        assert!(error.message.contains("`overall`"), "{error}");
    }

    #[test]
    fn the_shipped_survey_accepts_a_typical_submission() {
        let definitions = shipped();
        let survey = definitions.latest(DEFAULT_SURVEY_ID).unwrap();
        let mut fields: Vec<(String, String)> = [
            "overall",
            "access",
            "procedures",
            "civil_servants",
            "results",
        ]
        .iter()
        .map(|id| (id.to_string(), "4".to_string()))
        .collect();
        fields.push(("visits".into(), "1".into()));
        fields.push(("_key".into(), "desk-key".into()));

        let answers = survey.validate(&fields).unwrap();

        assert_eq!(answers.len(), 6);
    }

    #[test]
    fn surveys_are_found_by_version_and_latest() {
        let mut v2 = valid_survey();
        v2.version = 2;
        let definitions = Definitions::from_surveys(vec![v2, valid_survey()]).unwrap();

        assert_eq!(definitions.latest("test").unwrap().version, 2);
        assert_eq!(definitions.survey("test", 1).unwrap().version, 1);
        assert!(definitions.survey("test", 3).is_none());
        assert!(definitions.latest("other").is_none());
        let versions: Vec<_> = definitions.surveys().map(|s| s.version).collect();
        assert_eq!(versions, [1, 2]);
    }

    #[test]
    fn a_duplicate_id_and_version_is_rejected() {
        let error = Definitions::from_surveys(vec![valid_survey(), valid_survey()]).unwrap_err();

        assert_eq!(error.field.as_deref(), Some("version"));
        assert!(error.message.contains("already defined"), "{error}");
    }

    #[test]
    fn surveys_built_in_code_follow_the_file_rules() {
        let mut survey = valid_survey();
        survey.questions[1].label.en = String::new();

        let error = Definitions::from_surveys(vec![survey]).unwrap_err();

        assert_eq!(error.field.as_deref(), Some("questions[1].label.en"));
    }

    #[test]
    fn load_dir_names_the_second_file_of_a_duplicate() {
        let dir = temp_dir("duplicate");
        std::fs::create_dir(dir.join("surveys")).unwrap();
        std::fs::write(dir.join("surveys/a.toml"), VALID).unwrap();
        std::fs::write(dir.join("surveys/b.toml"), VALID).unwrap();
        std::fs::write(dir.join("surveys/notes.txt"), "not a survey").unwrap();

        let error = load_dir(&dir).unwrap_err();

        assert!(error.file.ends_with("b.toml"), "{error}");
        assert!(error.message.contains("a.toml"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn load_dir_reports_a_broken_file_with_its_path() {
        let dir = temp_dir("broken");
        std::fs::create_dir(dir.join("surveys")).unwrap();
        std::fs::write(dir.join("surveys/a.toml"), "id = \n").unwrap();

        let error = load_dir(&dir).unwrap_err();

        assert!(error.file.ends_with("a.toml"), "{error}");
        assert_eq!(error.line, Some(1));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn load_dir_refuses_a_directory_without_surveys() {
        let dir = temp_dir("empty");
        std::fs::create_dir(dir.join("surveys")).unwrap();

        let error = load_dir(&dir).unwrap_err();

        assert!(error.message.contains("no survey files"), "{error}");
        assert!(load_dir(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
