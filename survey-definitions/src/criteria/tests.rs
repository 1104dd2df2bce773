use std::path::Path;
use std::sync::OnceLock;

use super::*;
use crate::test_support::{line_with, temp_dir};
use crate::{load_dir, DefinitionError};

/// A small valid set with one leaf of each source kind and both knock-out kinds.
const VALID: &str = r#"id = "test-2025"
version = 1
name = { vi = "Bộ tiêu chí thử", en = "Test criteria" }
period = { from = "2025-01-01", to = "2026-01-01" }
scale_max = 100
pass_threshold = 80
grades = [
  { id = "good", min = 90, label = { vi = "Tốt", en = "Good" } },
  { id = "pass", min = 80, label = { vi = "Đạt", en = "Pass" } },
]
knockouts = [
  { kind = "criterion_below", criterion = "c2", min = 35 },
  { kind = "insufficient_sample" },
]

[[groups]]
id = "c1"
name = { vi = "Tự đánh giá", en = "Self-assessed" }
max = 30

[[groups.criteria]]
id = "c1.plan"
name = { vi = "Kế hoạch", en = "Plan" }
max = 10
source = { kind = "self_assessment", evidence = "required" }

[[groups.criteria]]
id = "c1.par"
name = { vi = "Chỉ số CCHC", en = "PAR index" }
max = 20
source = { kind = "imported", import_max = 100 }

[[groups]]
id = "c2"
name = { vi = "Hài lòng", en = "Satisfaction" }
max = 70

[[groups.criteria]]
id = "c2.citizens"
name = { vi = "Người dân", en = "Citizens" }
max = 70

[[groups.criteria.sub_criteria]]
id = "c2.citizens.overall"
name = { vi = "Hài lòng chung", en = "Overall" }
max = 40
source.kind = "citizen_survey"
source.survey = "one-stop-desk"
source.questions = ["overall"]
source.metric = "satisfied_share"
source.rule = { kind = "linear", from = 0.70, to = 0.95 }
source.min_responses = 30
source.below_min = "insufficient"

[[groups.criteria.sub_criteria]]
id = "c2.citizens.sipas"
name = { vi = "Năm yếu tố SIPAS", en = "Five SIPAS elements" }
max = 30
source.kind = "citizen_survey"
source.survey = "one-stop-desk"
source.sipas = "all"
source.metric = "mean_score"
source.rule.kind = "bands"
source.rule.bands = [
  { min = 0.95, points = 30 },
  { min = 0.9, points = 25 },
  { min = 0.8, points = 12.5 },
]
source.min_responses = 30
source.below_min = "zero"

[[groups]]
id = "c3"
name = { vi = "Điểm cộng", en = "Bonus" }
max = 5

[[groups.criteria]]
id = "c3.initiatives"
name = { vi = "Sáng kiến", en = "Initiatives" }
max = 5
source = { kind = "bonus", cap = 3, evidence = "optional" }
"#;

fn definitions() -> &'static Definitions {
    static DEFINITIONS: OnceLock<Definitions> = OnceLock::new();
    DEFINITIONS.get_or_init(|| {
        load_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the shipped surveys load")
    })
}

fn valid() -> CriteriaSet {
    parse_criteria("test.toml", VALID, definitions()).expect("the fixture is valid")
}

/// The fixture with `from` (which must occur exactly once) replaced by `to`, and its error.
fn broken(from: &str, to: &str) -> (String, DefinitionError) {
    assert_eq!(VALID.matches(from).count(), 1, "`{from}` must occur once");
    let text = VALID.replacen(from, to, 1);
    let error = parse_criteria("broken.toml", &text, definitions())
        .expect_err("the broken file must be rejected");
    (text, error)
}

/// Asserts the error names `broken.toml`, `field`, the line holding `marker`, and `message`.
fn assert_error(text: &str, error: &DefinitionError, field: &str, marker: &str, message: &str) {
    assert_eq!(error.file, "broken.toml", "{error}");
    assert_eq!(error.field.as_deref(), Some(field), "{error}");
    assert_eq!(error.line, Some(line_with(text, marker)), "{error}");
    assert!(error.message.contains(message), "{error}");
}

fn citizen(set: &CriteriaSet, id: &str) -> CitizenSurvey {
    match set.leaf(id).unwrap().source {
        Source::CitizenSurvey(c) => c.clone(),
        other => panic!("{id} is {other:?}"),
    }
}

#[test]
fn a_valid_file_is_read_into_a_typed_tree() {
    let set = valid();

    assert_eq!((set.id.as_str(), set.version), ("test-2025", 1));
    assert_eq!(set.scale_max, Points::whole(100));
    assert!(set.period.contains("2025-12-31") && !set.period.contains("2026-01-01"));
    let leaves: Vec<_> = set
        .leaves()
        .iter()
        .map(|l| (l.id, l.source.key()))
        .collect();
    assert_eq!(
        leaves,
        [
            ("c1.plan", "self_assessment"),
            ("c1.par", "imported"),
            ("c2.citizens.overall", "citizen_survey"),
            ("c2.citizens.sipas", "citizen_survey"),
            ("c3.initiatives", "bonus"),
        ]
    );
    assert!(set.groups[2].is_bonus() && !set.groups[0].is_bonus());
    assert_eq!(set.node("c2.citizens").unwrap().max(), Points::whole(70));
    assert_eq!(
        set.knockouts[0],
        Knockout::CriterionBelow {
            criterion: "c2".into(),
            min: Points::whole(35)
        }
    );
}

#[test]
fn decimals_are_read_exactly() {
    let set = valid();

    let overall = citizen(&set, "c2.citizens.overall");
    assert_eq!(
        overall.rule,
        Rule::Linear {
            from: Share::from_ten_thousandths(7000).unwrap(),
            to: Share::from_ten_thousandths(9500).unwrap(),
        }
    );
    let Rule::Bands { bands } = citizen(&set, "c2.citizens.sipas").rule else {
        panic!("bands");
    };
    assert_eq!(bands[2].points, Points::from_hundredths(1250).unwrap());
}

#[test]
fn sipas_elements_become_the_questions_feeding_them() {
    let set = valid();

    let sipas = citizen(&set, "c2.citizens.sipas");

    assert_eq!(sipas.selection, Selection::SipasAll);
    assert_eq!(
        sipas.questions,
        [
            "access",
            "procedures",
            "civil_servants",
            "results",
            "feedback"
        ]
    );
    let text = VALID.replacen(
        r#"source.sipas = "all""#,
        r#"source.sipas = ["results", "access"]"#,
        1,
    );
    let picked = parse_criteria("ok.toml", &text, definitions()).unwrap();
    assert_eq!(
        citizen(&picked, "c2.citizens.sipas").questions,
        ["results", "access"]
    );
}

#[test]
fn the_shipped_criteria_sets_load_against_the_shipped_surveys() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));

    let sets = load_criteria_dir(dir, definitions()).unwrap();

    let ids: Vec<_> = sets.iter().map(|s| (s.id.as_str(), s.version)).collect();
    assert_eq!(
        ids,
        [
            ("bac-giang-2023", 1),
            ("bac-giang-2023", 2),
            ("dong-nai-2025-independent", 1),
            ("dong-nai-2025", 1),
            ("dong-nai-2025", 2),
            ("dong-nai-2026", 1),
            ("dong-nai-2026", 2),
        ]
    );
    let maxima = |set: &CriteriaSet| -> Vec<(bool, String)> {
        set.groups
            .iter()
            .map(|g| (g.is_bonus(), g.max.to_string()))
            .collect()
    };
    let bac_giang = &sets[0];
    assert_eq!(
        maxima(bac_giang),
        [
            (false, "20".into()),
            (false, "25".into()),
            (false, "20".into()),
            (false, "15".into()),
            (false, "20".into())
        ]
    );
    let dong_nai = &sets[3];
    assert_eq!(
        maxima(dong_nai),
        [
            (false, "15".into()),
            (false, "15".into()),
            (false, "20".into()),
            (false, "50".into()),
            (true, "5".into())
        ]
    );
    let stars: Vec<_> = dong_nai
        .grades
        .iter()
        .map(|g| (g.label.vi.as_str(), g.min.to_string()))
        .collect();
    assert_eq!(
        stars,
        [
            ("4 sao", "95".into()),
            ("3 sao", "90".into()),
            ("2 sao", "80".into()),
            ("1 sao", "0".into())
        ]
    );
    // The PAR index criterion is the provincial index of the commune, 0–100 scaled to 50.
    let par = dong_nai
        .leaves()
        .into_iter()
        .find(|l| matches!(l.source, Source::Imported { .. }))
        .unwrap();
    assert_eq!(par.max, Points::whole(50));
    for set in &sets {
        set.check(definitions()).unwrap();
    }
}

#[test]
fn a_set_built_in_code_is_checked_by_the_same_rules() {
    let mut set = valid();
    set.groups[0].criteria[0].max = Points::whole(11);

    let error = set.check(definitions()).unwrap_err();

    assert_eq!(error.file, "criteria set `test-2025` v1");
    assert_eq!(error.field.as_deref(), Some("groups[0].max"));
}

#[test]
fn sub_criteria_must_add_up_to_their_criterion() {
    let (text, error) = broken(
        "max = 40\nsource.kind = \"citizen_survey\"",
        "max = 45\nsource.kind = \"citizen_survey\"",
    );

    // Reported on the criterion, whose [[groups.criteria]] table holds `max = 70`.
    assert_eq!(error.field.as_deref(), Some("groups[1].criteria[0].max"));
    assert!(error.message.contains("add up to 75"), "{error}");
    assert_eq!(
        error.line,
        Some(line_with(&text, r#"id = "c2.citizens""#) + 2)
    );
}

#[test]
fn criteria_must_add_up_to_their_group() {
    let (text, error) = broken(
        "max = 20\nsource = { kind = \"imported\"",
        "max = 25\nsource = { kind = \"imported\"",
    );

    assert_eq!(error.field.as_deref(), Some("groups[0].max"), "{error}");
    assert_eq!(
        error.line,
        Some(line_with(&text, "Tự đánh giá") + 1),
        "{error}"
    );
    assert!(error.message.contains("add up to 35"), "{error}");
}

#[test]
fn groups_without_bonus_must_add_up_to_the_scale() {
    let (text, error) = broken("scale_max = 100", "scale_max = 90");

    assert_error(
        &text,
        &error,
        "scale_max",
        "scale_max = 90",
        "add up to 100",
    );
}

#[test]
fn ids_must_be_unique_across_the_tree() {
    let (text, error) = broken(r#"id = "c1.par""#, r#"id = "c1""#);

    assert_eq!(error.field.as_deref(), Some("groups[0].criteria[1].id"));
    assert_eq!(error.line, Some(line_with(&text, "Chỉ số CCHC") - 1));
    assert!(
        error.message.contains("already used by groups[0]"),
        "{error}"
    );
}

#[test]
fn ids_must_be_well_formed() {
    for bad in ["C1.Plan", "c1 plan", ".c1", ""] {
        let (text, error) = broken(r#"id = "c1.plan""#, &format!(r#"id = "{bad}""#));

        assert_eq!(
            error.field.as_deref(),
            Some("groups[0].criteria[0].id"),
            "{bad}: {error}"
        );
        assert_eq!(
            error.line,
            Some(line_with(&text, "Kế hoạch") - 1),
            "{bad}: {error}"
        );
    }
}

#[test]
fn bands_must_go_down_without_overlap() {
    let (text, error) = broken("{ min = 0.9, points = 25 }", "{ min = 0.95, points = 25 }");

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[1].source.rule.bands[1].min",
        "{ min = 0.95, points = 25 }",
        "highest min down",
    );
}

#[test]
fn a_lower_band_cannot_earn_more() {
    let (text, error) = broken("{ min = 0.8, points = 12.5 }", "{ min = 0.8, points = 26 }");

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[1].source.rule.bands[2].points",
        "points = 26",
        "lower band",
    );
}

#[test]
fn band_points_cannot_exceed_the_leaf_max() {
    let (text, error) = broken("{ min = 0.95, points = 30 }", "{ min = 0.95, points = 31 }");

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[1].source.rule.bands[0].points",
        "points = 31",
        "above the leaf's max",
    );
}

#[test]
fn grade_mins_must_strictly_decrease() {
    for (from, to) in [
        ("min = 80, label", "min = 90, label"),
        ("min = 80, label", "min = 95, label"),
    ] {
        let (text, error) = broken(from, to);

        assert_error(
            &text,
            &error,
            "grades[1].min",
            r#"id = "pass""#,
            "highest min down",
        );
    }
}

#[test]
fn a_grade_cannot_need_more_than_the_scale() {
    let (text, error) = broken("min = 90, label", "min = 101, label");

    assert_error(
        &text,
        &error,
        "grades[0].min",
        r#"id = "good""#,
        "above scale_max",
    );
}

#[test]
fn a_bonus_cap_cannot_exceed_its_max() {
    let (text, error) = broken("cap = 3", "cap = 6");

    assert_error(
        &text,
        &error,
        "groups[2].criteria[0].source.cap",
        "cap = 6",
        "at most the leaf's max (5)",
    );
}

#[test]
fn bonus_and_scale_leaves_do_not_mix_in_a_group() {
    let (text, error) = broken(
        r#"source = { kind = "imported", import_max = 100 }"#,
        r#"source = { kind = "bonus", cap = 20, evidence = "optional" }"#,
    );

    assert_error(
        &text,
        &error,
        "groups[0].criteria[0].source.kind",
        r#"kind = "self_assessment""#,
        "only bonus leaves or none",
    );
}

#[test]
fn linear_bounds_must_be_ordered_shares() {
    let (text, error) = broken("from = 0.70, to = 0.95", "from = 0.95, to = 0.95");
    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[0].source.rule.to",
        "from = 0.95, to = 0.95",
        "must be above from",
    );

    let (text, error) = broken("from = 0.70, to = 0.95", "from = 0.70, to = 1.5");
    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[0].source.rule.to",
        "to = 1.5",
        "0 to 1",
    );

    let (text, error) = broken("from = 0.70, to = 0.95", "from = -0.1, to = 0.95");
    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[0].source.rule.from",
        "from = -0.1",
        "0 to 1",
    );
}

#[test]
fn knockouts_must_name_an_existing_node() {
    let (text, error) = broken(r#"criterion = "c2""#, r#"criterion = "c9""#);

    assert_error(
        &text,
        &error,
        "knockouts[0].criterion",
        r#"criterion = "c9""#,
        "`c9`",
    );
}

#[test]
fn a_knockout_min_must_be_reachable() {
    let (text, error) = broken(
        "criterion = \"c2\", min = 35",
        "criterion = \"c2\", min = 71",
    );

    assert_error(
        &text,
        &error,
        "knockouts[0].min",
        "min = 71",
        "at most the max",
    );
}

#[test]
fn an_unknown_question_is_named() {
    let (text, error) = broken(r#"["overall"]"#, r#"["overall", "speed"]"#);

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[0].source.questions[1]",
        r#""speed""#,
        "survey `one-stop-desk` has no question `speed`",
    );
    assert!(
        error.message.contains("its questions are: overall, "),
        "{error}"
    );
}

#[test]
fn only_satisfaction_questions_can_be_scored() {
    let (text, error) = broken(r#"["overall"]"#, r#"["visits"]"#);

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[0].source.questions[0]",
        r#""visits""#,
        "single_choice",
    );
}

#[test]
fn an_unknown_survey_is_named() {
    let (text, error) = broken(
        "source.survey = \"one-stop-desk\"\nsource.questions",
        "source.survey = \"hotline\"\nsource.questions",
    );

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[0].source.survey",
        "hotline",
        "no survey `hotline` is defined; surveys: one-stop-desk",
    );
}

#[test]
fn a_citizen_leaf_needs_questions_or_sipas() {
    let (text, error) = broken("source.questions = [\"overall\"]\n", "");

    assert_eq!(
        error.field.as_deref(),
        Some("groups[1].criteria[0].sub_criteria[0].source.questions")
    );
    assert!(error.message.contains("(or `sipas`)"), "{error}");
    assert!(error
        .line
        .is_some_and(|l| l <= line_with(&text, "\"c2.citizens.overall\"") + 3));
}

#[test]
fn an_unknown_sipas_element_is_rejected() {
    let (text, error) = broken(r#"source.sipas = "all""#, r#"source.sipas = ["speed"]"#);

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[1].source.sipas[0]",
        "speed",
        "unknown SIPAS element `speed`",
    );
}

#[test]
fn min_responses_must_be_at_least_1() {
    let (text, error) = broken(
        "source.min_responses = 30\nsource.below_min = \"insufficient\"",
        "source.min_responses = 0\nsource.below_min = \"insufficient\"",
    );

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[0].source.min_responses",
        "min_responses = 0",
        "1 or more",
    );
}

#[test]
fn points_have_at_most_two_decimals() {
    let (text, error) = broken("points = 12.5 }", "points = 12.555 }");

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].sub_criteria[1].source.rule.bands[2].points",
        "12.555",
        "at most 2 decimals",
    );
}

#[test]
fn a_number_of_the_wrong_type_is_rejected() {
    let (text, error) = broken("pass_threshold = 80", "pass_threshold = \"80\"");

    assert_error(
        &text,
        &error,
        "pass_threshold",
        "pass_threshold",
        "expected a number, found a string",
    );
}

#[test]
fn a_criterion_has_either_a_source_or_sub_criteria() {
    let (text, error) = broken(
        "id = \"c2.citizens\"\nname = { vi = \"Người dân\", en = \"Citizens\" }\nmax = 70\n",
        "id = \"c2.citizens\"\nname = { vi = \"Người dân\", en = \"Citizens\" }\nmax = 70\nsource = { kind = \"self_assessment\", evidence = \"optional\" }\n",
    );

    assert_error(
        &text,
        &error,
        "groups[1].criteria[0].source",
        "kind = \"self_assessment\", evidence = \"optional\"",
        "move the source into a sub-criterion",
    );
}

#[test]
fn unknown_keys_and_kinds_are_rejected() {
    let (text, error) = broken("scale_max = 100", "scale_max = 100\nscale = 100");
    assert_error(&text, &error, "scale", "scale = 100", "unknown key `scale`");

    let (text, error) = broken(r#"kind = "imported""#, r#"kind = "imported_score""#);
    assert_error(
        &text,
        &error,
        "groups[0].criteria[1].source.kind",
        "imported_score",
        "unknown source kind",
    );
}

#[test]
fn the_period_must_be_iso_dates_in_order() {
    let (text, error) = broken(r#"to = "2026-01-01""#, r#"to = "2025-01-01""#);
    assert_error(&text, &error, "period.to", "period", "must be after from");

    let (text, error) = broken(r#"from = "2025-01-01""#, r#"from = "2025-02-30""#);
    assert_error(&text, &error, "period.from", "period", "YYYY-MM-DD");
}

#[test]
fn the_error_reads_as_file_line_field_message() {
    let (_, error) = broken("version = 1", "version = 0");

    assert_eq!(
        error.to_string(),
        "broken.toml:2: field `version`: version must be 1 or higher"
    );
}

#[test]
fn load_criteria_dir_rejects_a_duplicate_id_and_version() {
    let dir = temp_dir("criteria-duplicate");
    std::fs::create_dir(dir.join("criteria")).unwrap();
    std::fs::write(dir.join("criteria/a.toml"), VALID).unwrap();
    std::fs::write(dir.join("criteria/b.toml"), VALID).unwrap();
    std::fs::write(dir.join("criteria/.b.toml.swp"), "not toml").unwrap();

    let error = load_criteria_dir(&dir, definitions()).unwrap_err();

    assert!(error.file.ends_with("b.toml"), "{error}");
    assert!(error.message.contains("a.toml"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn load_criteria_dir_refuses_a_missing_or_empty_directory() {
    let dir = temp_dir("criteria-empty");

    assert!(load_criteria_dir(&dir, definitions()).is_err());
    std::fs::create_dir(dir.join("criteria")).unwrap();
    let error = load_criteria_dir(&dir, definitions()).unwrap_err();

    assert!(error.message.contains("no criteria files"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_set_round_trips_through_serde() {
    let set = valid();

    let json = toml::to_string(&set).unwrap();
    let back: CriteriaSet = toml::from_str(&json).unwrap();

    assert_eq!(back, set);
}

/// The fixture marked historical from `valid_until`.
fn with_historical(valid_until: &str) -> String {
    VALID.replacen(
        "scale_max = 100\n",
        &format!(
            "historical.valid_until = \"{valid_until}\"\nhistorical.reason.vi = \"Tỉnh đã \
             hợp nhất.\"\nhistorical.reason.en = \"The province merged.\"\nscale_max = 100\n"
        ),
        1,
    )
}

#[test]
fn a_historical_set_names_its_end_and_reason() {
    let set = parse_criteria("h.toml", &with_historical("2025-07-01"), definitions()).unwrap();

    assert!(set.is_historical_on("2025-07-01") && !set.is_historical_on("2025-06-30"));
    assert_eq!(set.historical.unwrap().reason.en, "The province merged.");
    assert!(!valid().is_historical_on("2099-01-01"));
    for (date, message) in [
        ("2025-13-01", "YYYY-MM-DD"),
        ("2025-01-01", "must be after period.from"),
    ] {
        let text = with_historical(date);
        let error = parse_criteria("broken.toml", &text, definitions()).unwrap_err();
        assert_error(
            &text,
            &error,
            "historical.valid_until",
            "historical.valid_until",
            message,
        );
    }
}

/// An independent-survey source, put in place of the fixture's imported one (`c1.par`).
const INDEPENDENT: &str = r#"source.kind = "independent_survey"
source.survey = "so-noi-vu"
source.rule = { kind = "linear", from = 0.60, to = 0.90 }
source.min_responses = 30
source.below_min = "insufficient""#;

fn independent_text(source: &str) -> String {
    VALID.replacen(
        r#"source = { kind = "imported", import_max = 100 }"#,
        source,
        1,
    )
}

#[test]
fn an_independent_survey_leaf_is_read_and_checked() {
    let set = parse_criteria("ok.toml", &independent_text(INDEPENDENT), definitions()).unwrap();

    let Source::IndependentSurvey(independent) = set.leaf("c1.par").unwrap().source else {
        panic!("c1.par is an independent-survey leaf");
    };
    assert_eq!(
        (independent.survey.as_str(), independent.min_responses),
        ("so-noi-vu", 30)
    );
    assert_eq!(independent.below_min, BelowMin::Insufficient);
    for (from, to, field, message) in [
        (
            "source.min_responses = 30",
            "source.min_responses = 0",
            "groups[0].criteria[1].source.min_responses",
            "1 or more",
        ),
        (
            r#"source.survey = "so-noi-vu""#,
            r#"source.survey = "Sở Nội vụ""#,
            "groups[0].criteria[1].source.survey",
            "a-z, 0-9 and -",
        ),
        (
            "to = 0.90",
            "to = 0.50",
            "groups[0].criteria[1].source.rule.to",
            "must be above from",
        ),
        (
            "source.below_min",
            "source.import_max = 100\nsource.below_min",
            "groups[0].criteria[1].source.import_max",
            "unknown key `import_max`",
        ),
    ] {
        let text = independent_text(&INDEPENDENT.replacen(from, to, 1));
        let error = parse_criteria("broken.toml", &text, definitions()).unwrap_err();
        assert_error(&text, &error, field, to.lines().next().unwrap(), message);
    }
}

#[test]
fn a_broken_copy_of_the_shipped_sets_is_named_by_file_and_line() {
    let dir = temp_dir("criteria-broken-copy");
    std::fs::create_dir(dir.join("criteria")).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("criteria");
    for entry in std::fs::read_dir(shipped).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("criteria").join(entry.file_name())).unwrap();
    }
    let file = dir.join("criteria/bac-giang-2023.v2.toml");
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "historical.valid_until = \"2025-07-01\"",
        "historical.valid_until = \"2022-07-01\"",
        1,
    );
    std::fs::write(&file, &text).unwrap();

    let error = load_criteria_dir(&dir, definitions()).unwrap_err();

    let line = line_with(&text, "historical.valid_until");
    assert!(
        error.to_string().ends_with(&format!(
            "bac-giang-2023.v2.toml:{line}: field `historical.valid_until`: valid_until \
             (2022-07-01) must be after period.from (2023-01-01)"
        )),
        "{error}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
