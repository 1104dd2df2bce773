//! Edge cases of every rule, one behaviour per test.

use scoring::{rank, score, Basis, Points, RankStatus, Report, ScoringError, ScoringInput, Share};
use survey_definitions::criteria::{BelowMin, Knockout, Metric, Source};

use crate::support::*;

fn scored(input: &ScoringInput) -> Report {
    score(&fixture(), input).expect("the input fits the fixture")
}

fn with_answers(answers: &[(&str, [u64; 5])], responses: u64) -> ScoringInput {
    ScoringInput {
        surveys: desk(responses, answers),
        ..unit()
    }
}

// --- citizen survey: linear rule ------------------------------------------------------------

#[test]
fn a_share_exactly_at_from_scores_zero() {
    // 21 of 30 satisfied is exactly 70%.
    let report = scored(&with_answers(&[("overall", [0, 9, 0, 21, 0])], 30));

    let overall = node(&report, "citizens.overall");
    assert_eq!(overall.points, Points::ZERO);
    assert_eq!(
        leaf(&report, "citizens.overall").basis,
        Basis::CitizenSurvey
    );
    assert!(
        overall
            .leaf
            .as_ref()
            .unwrap()
            .explanation
            .en
            .contains("70% ≤ 70%: 0 points"),
        "{}",
        overall.leaf.as_ref().unwrap().explanation.en
    );
}

#[test]
fn a_share_exactly_at_to_scores_the_max() {
    // 57 of 60 is exactly 95%.
    let report = scored(&with_answers(&[("overall", [1, 1, 1, 30, 27])], 60));

    assert_eq!(node(&report, "citizens.overall").points, points(40.0));
}

#[test]
fn a_share_between_from_and_to_is_interpolated_and_explained() {
    // 100 of 120 = 83.33…%: 40 × 13.333… / 25 = 21.333… → 21.33.
    let report = scored(&with_answers(&[("overall", [5, 5, 10, 60, 40])], 120));

    let overall = leaf(&report, "citizens.overall");
    assert_eq!(node(&report, "citizens.overall").points, points(21.33));
    assert_eq!(overall.computed, Some(points(21.33)));
    assert_eq!(
        overall.explanation.vi,
        "Khảo sát «one-stop-desk», câu hỏi: overall. 120 phiếu; 120 câu trả lời hợp lệ, trong \
         đó 100 hài lòng hoặc rất hài lòng (83,33%). Khoảng tin cậy 95% (Wilson, n = 120): \
         75,65% – 88,95%. Quy tắc tuyến tính: 0 điểm khi ≤ 70%, tối đa khi ≥ 95%; 40 × \
         (83,33% − 70%) / (95% − 70%) = 21,33 điểm."
    );
    assert!(overall
        .explanation
        .en
        .contains("40 × (83.33% − 70%) / (95% − 70%) = 21.33 points."));
}

#[test]
fn all_satisfied_scores_every_citizen_point() {
    let report = scored(&ScoringInput {
        surveys: all_questions(40, 40),
        ..unit()
    });

    assert_eq!(node(&report, "citizens").points, points(70.0));
    let citizen = leaf(&report, "citizens.sipas").citizen.clone().unwrap();
    assert_eq!(citizen.satisfied_share, Some(Share::ONE));
    assert_eq!(citizen.sample, 40);
}

// --- citizen survey: bands ------------------------------------------------------------------

#[test]
fn a_share_exactly_at_a_band_min_earns_that_band() {
    // 36 of 40 on every question is exactly 90%.
    let report = scored(&ScoringInput {
        surveys: all_questions(40, 36),
        ..unit()
    });

    assert_eq!(node(&report, "citizens.sipas").points, points(25.0));
    assert!(leaf(&report, "citizens.sipas")
        .explanation
        .en
        .contains("90% is in the band ≥ 90%: 25 points."));
}

#[test]
fn a_share_just_below_a_band_falls_to_the_next() {
    // 449 of 500 = 89.8%.
    let report = scored(&ScoringInput {
        surveys: all_questions(500, 449),
        ..unit()
    });

    assert_eq!(node(&report, "citizens.sipas").points, points(15.0));
}

#[test]
fn a_share_below_every_band_scores_zero() {
    let report = scored(&ScoringInput {
        surveys: all_questions(40, 31),
        ..unit()
    });

    assert_eq!(node(&report, "citizens.sipas").points, Points::ZERO);
    assert!(leaf(&report, "citizens.sipas")
        .explanation
        .en
        .contains("below every band: 0 points"));
}

#[test]
fn sipas_questions_are_pooled_and_n_counts_people() {
    // 40 people; the optional feedback question answered by 10 of them.
    let report = scored(&with_answers(
        &[
            ("access", [0, 0, 4, 16, 20]),
            ("procedures", [0, 0, 4, 16, 20]),
            ("civil_servants", [0, 0, 4, 16, 20]),
            ("results", [0, 0, 4, 16, 20]),
            ("feedback", [0, 0, 0, 5, 5]),
        ],
        40,
    ));

    let citizen = leaf(&report, "citizens.sipas").citizen.clone().unwrap();
    assert_eq!(
        (
            citizen.valid_answers,
            citizen.satisfied_answers,
            citizen.sample
        ),
        (170, 154, 40)
    );
    // 154 / 170 = 90.59%: band ≥ 90%.
    assert_eq!(node(&report, "citizens.sipas").points, points(25.0));
}

#[test]
fn the_mean_score_metric_rescales_the_mean_answer() {
    let mut set = fixture();
    let Source::CitizenSurvey(citizen) = set.groups[1].criteria[0].content_source_mut() else {
        unreachable!()
    };
    citizen.metric = Metric::MeanScore;
    // Mean (30 × 4 + 10 × 5) / 40 = 4.25 → (4.25 − 1) / 4 = 81.25%: 40 × 11.25 / 25 = 18.
    let input = with_answers(&[("overall", [0, 0, 0, 30, 10])], 40);

    let report = score(&set, &input).unwrap();

    assert_eq!(node(&report, "citizens.overall").points, points(18.0));
    assert!(leaf(&report, "citizens.overall")
        .explanation
        .en
        .contains("Mean answer 4.25 out of 5, rescaled (mean − 1) / 4 = 81.25%."));
}

/// Mutable access to a criterion's source in tests.
trait SourceMut {
    fn content_source_mut(&mut self) -> &mut Source;
}

impl SourceMut for survey_definitions::criteria::Criterion {
    fn content_source_mut(&mut self) -> &mut Source {
        match &mut self.content {
            survey_definitions::criteria::Content::Source(source) => source,
            _ => panic!("not a leaf"),
        }
    }
}

// --- citizen survey: small samples -----------------------------------------------------------

#[test]
fn zero_responses_are_insufficient_or_zero_as_the_set_says() {
    let report = scored(&unit());

    let overall = leaf(&report, "citizens.overall");
    assert_eq!(overall.basis, Basis::InsufficientData);
    assert_eq!(overall.computed, None);
    let citizen = overall.citizen.clone().unwrap();
    assert_eq!(
        (citizen.sample, citizen.satisfied_share, citizen.wilson_95),
        (0, None, None)
    );
    assert!(overall.explanation.en.contains("no valid answers"));
    let sipas = leaf(&report, "citizens.sipas");
    assert_eq!(sipas.basis, Basis::BelowMinimum);
    assert_eq!(sipas.computed, Some(Points::ZERO));
    let flagged: Vec<_> = report
        .insufficient_data
        .iter()
        .map(|i| (i.leaf.as_str(), i.below_min))
        .collect();
    assert_eq!(
        flagged,
        [
            ("citizens.overall", BelowMin::Insufficient),
            ("citizens.sipas", BelowMin::Zero)
        ]
    );
}

#[test]
fn a_good_share_on_too_few_answers_earns_nothing_but_shows_its_interval() {
    // 8 of 10 satisfied: well above 70%, but 10 < 30.
    let report = scored(&with_answers(&[("overall", [0, 1, 1, 4, 4])], 10));

    let overall = leaf(&report, "citizens.overall");
    assert_eq!(node(&report, "citizens.overall").points, Points::ZERO);
    assert_eq!(overall.basis, Basis::InsufficientData);
    let interval = overall.citizen.clone().unwrap().wilson_95.unwrap();
    // 0.4902 to 0.9433, printed outwards.
    assert_eq!(
        (
            interval.low.ten_thousandths(),
            interval.high.ten_thousandths()
        ),
        (4901, 9434)
    );
    assert!(overall
        .explanation
        .en
        .contains("n = 10 is below the minimum of 30: insufficient data, no points computed"));
}

#[test]
fn exactly_the_minimum_number_of_answers_is_enough() {
    let report = scored(&with_answers(&[("overall", [0, 0, 0, 0, 30])], 30));

    assert_eq!(
        leaf(&report, "citizens.overall").basis,
        Basis::CitizenSurvey
    );
    assert_eq!(node(&report, "citizens.overall").points, points(40.0));
    assert!(report
        .insufficient_data
        .iter()
        .all(|i| i.leaf != "citizens.overall"));
}

#[test]
fn an_appraiser_can_score_a_leaf_with_insufficient_data() {
    let input = ScoringInput {
        appraised: [(
            "citizens.overall".to_owned(),
            appraisal(30.0, "Khảo sát trực tiếp 50 người dân"),
        )]
        .into(),
        ..with_answers(&[("overall", [0, 1, 1, 4, 4])], 10)
    };

    let report = scored(&input);

    let overall = leaf(&report, "citizens.overall");
    assert_eq!(node(&report, "citizens.overall").points, points(30.0));
    assert_eq!(overall.basis, Basis::Appraised);
    assert_eq!(overall.computed, None);
    let flagged = &report.insufficient_data[0];
    assert_eq!(
        (flagged.leaf.as_str(), flagged.appraised),
        ("citizens.overall", true)
    );
}

// --- self-assessment and evidence ------------------------------------------------------------

#[test]
fn a_missing_self_assessment_scores_zero_and_is_listed() {
    let report = scored(&unit());

    assert_eq!(node(&report, "self.plan").points, Points::ZERO);
    assert_eq!(leaf(&report, "self.plan").basis, Basis::NotEntered);
    assert_eq!(
        leaf(&report, "self.plan").explanation.vi,
        "Xã chưa tự chấm: 0/10 điểm."
    );
    assert_eq!(
        report.not_entered,
        ["self.plan", "self.desk", "self.par", "bonus.initiatives"]
    );
}

#[test]
fn a_self_assessment_counts_until_appraised() {
    let input = ScoringInput {
        self_assessed: [("self.plan".to_owned(), own(7.5, true))].into(),
        ..unit()
    };

    let report = scored(&input);

    assert_eq!(node(&report, "self.plan").points, points(7.5));
    assert_eq!(leaf(&report, "self.plan").basis, Basis::SelfAssessed);
    assert_eq!(
        leaf(&report, "self.plan").explanation.en,
        "Self-assessed 7.5/10 points, with evidence. Not appraised yet."
    );
}

#[test]
fn required_evidence_that_is_missing_holds_the_points_back() {
    let input = ScoringInput {
        self_assessed: [
            ("self.plan".to_owned(), own(8.0, false)),
            ("self.desk".to_owned(), own(4.0, false)),
        ]
        .into(),
        ..unit()
    };

    let report = scored(&input);

    assert_eq!(node(&report, "self.plan").points, Points::ZERO);
    assert_eq!(leaf(&report, "self.plan").basis, Basis::MissingEvidence);
    assert_eq!(report.missing_evidence, ["self.plan"]);
    // Evidence is optional for the desk.
    assert_eq!(node(&report, "self.desk").points, points(4.0));
}

#[test]
fn the_appraised_points_win_and_both_values_are_shown() {
    let input = ScoringInput {
        self_assessed: [("self.plan".to_owned(), own(10.0, true))].into(),
        appraised: [(
            "self.plan".to_owned(),
            appraisal(6.0, "Thiếu kế hoạch quý IV"),
        )]
        .into(),
        ..unit()
    };

    let report = scored(&input);

    let plan = leaf(&report, "self.plan");
    assert_eq!(node(&report, "self.plan").points, points(6.0));
    assert_eq!(plan.basis, Basis::Appraised);
    assert_eq!(plan.self_assessed.as_ref().unwrap().points, points(10.0));
    assert_eq!(plan.appraised.as_ref().unwrap().points, points(6.0));
    assert_eq!(
        plan.explanation.vi,
        "Xã tự chấm 10/10 điểm, có minh chứng. Thẩm định: 6/10 điểm (lý do: Thiếu kế hoạch quý \
         IV); tính điểm thẩm định."
    );
}

#[test]
fn an_appraisal_also_settles_missing_evidence() {
    let input = ScoringInput {
        self_assessed: [("self.plan".to_owned(), own(8.0, false))].into(),
        appraised: [("self.plan".to_owned(), appraisal(8.0, "Đã xem bản giấy"))].into(),
        ..unit()
    };

    let report = scored(&input);

    assert_eq!(node(&report, "self.plan").points, points(8.0));
    assert!(report.missing_evidence.is_empty());
}

#[test]
fn a_self_assessment_above_the_max_is_rejected() {
    let input = ScoringInput {
        self_assessed: [("self.plan".to_owned(), own(10.5, true))].into(),
        ..unit()
    };

    let error = score(&fixture(), &input).unwrap_err();

    assert_eq!(
        error,
        ScoringError::AboveMax {
            section: "self_assessed",
            id: "self.plan".into(),
            points: points(10.5),
            max: points(10.0),
        }
    );
    assert_eq!(
        error.to_string(),
        "self_assessed.self.plan: 10.5 points are above the leaf's maximum of 10"
    );
}

#[test]
fn inputs_that_do_not_fit_the_set_are_rejected() {
    let cases: Vec<(&str, ScoringInput, &str)> = vec![
        (
            "appraisal above max",
            ScoringInput {
                appraised: [("self.desk".to_owned(), appraisal(6.0, "x"))].into(),
                ..unit()
            },
            "appraised.self.desk: 6 points are above",
        ),
        (
            "unknown leaf",
            ScoringInput {
                self_assessed: [("self.plans".to_owned(), own(1.0, true))].into(),
                ..unit()
            },
            "self_assessed.self.plans: criteria set `fixture` has no leaf `self.plans`",
        ),
        (
            "inner node",
            ScoringInput {
                appraised: [("self".to_owned(), appraisal(1.0, "x"))].into(),
                ..unit()
            },
            "has no leaf `self`",
        ),
        (
            "self-assessing a survey leaf",
            ScoringInput {
                self_assessed: [("citizens.overall".to_owned(), own(40.0, true))].into(),
                ..unit()
            },
            "come from citizen_survey, not from the commune",
        ),
        (
            "importing into a self-assessed leaf",
            ScoringInput {
                imported: [("self.plan".to_owned(), imported(50.0))].into(),
                ..unit()
            },
            "imported.self.plan: `self.plan` is not an imported leaf",
        ),
        (
            "imported above its scale",
            ScoringInput {
                imported: [("self.par".to_owned(), imported(100.01))].into(),
                ..unit()
            },
            "score 100.01 is above the other system's maximum of 100",
        ),
        (
            "appraisal without reason",
            ScoringInput {
                appraised: [("self.plan".to_owned(), appraisal(1.0, "  "))].into(),
                ..unit()
            },
            "appraised.self.plan.reason",
        ),
        (
            "more answers than responses",
            with_answers(&[("overall", [0, 0, 0, 0, 31])], 30),
            "surveys.one-stop-desk.answers.overall: 31 answers but only 30 responses",
        ),
        (
            "no commune",
            ScoringInput {
                unit: " ".into(),
                ..unit()
            },
            "unit:",
        ),
    ];

    for (case, input, expected) in cases {
        let error = score(&fixture(), &input).expect_err(case);

        assert!(error.to_string().contains(expected), "{case}: {error}");
    }
}

// --- imported scores -------------------------------------------------------------------------

#[test]
fn an_imported_score_is_scaled_to_the_leaf_and_rounded_half_up() {
    // 87.5 / 100 × 15 = 13.125 → 13.13.
    let input = ScoringInput {
        imported: [("self.par".to_owned(), imported(87.5))].into(),
        ..unit()
    };

    let report = scored(&input);

    assert_eq!(node(&report, "self.par").points, points(13.13));
    assert_eq!(leaf(&report, "self.par").basis, Basis::Imported);
    assert!(leaf(&report, "self.par")
        .explanation
        .en
        .contains("87.5 out of 100, scaled 87.5 / 100 × 15 = 13.13 points."));
}

#[test]
fn a_full_imported_score_gives_exactly_the_max() {
    let input = ScoringInput {
        imported: [("self.par".to_owned(), imported(100.0))].into(),
        ..unit()
    };

    assert_eq!(node(&scored(&input), "self.par").points, points(15.0));
}

// --- bonus -----------------------------------------------------------------------------------

#[test]
fn a_bonus_above_its_cap_counts_only_the_cap() {
    let input = ScoringInput {
        self_assessed: [("bonus.initiatives".to_owned(), own(5.0, true))].into(),
        ..unit()
    };

    let report = scored(&input);

    assert_eq!(node(&report, "bonus.initiatives").points, points(3.0));
    assert_eq!(report.bonus_points, points(3.0));
    assert_eq!(report.total, report.base_points.saturating_add(points(3.0)));
    assert!(leaf(&report, "bonus.initiatives")
        .explanation
        .en
        .contains("5 points exceed the bonus cap: 3 points count."));
}

#[test]
fn a_bonus_can_lift_the_total_over_the_scale() {
    let input = ScoringInput {
        surveys: all_questions(40, 40),
        self_assessed: [
            ("self.plan".to_owned(), own(10.0, true)),
            ("self.desk".to_owned(), own(5.0, true)),
            ("bonus.initiatives".to_owned(), own(2.0, true)),
        ]
        .into(),
        imported: [("self.par".to_owned(), imported(100.0))].into(),
        ..unit()
    };

    let report = scored(&input);

    assert_eq!(report.base_points, points(100.0));
    assert_eq!(report.total, points(102.0));
    assert_eq!(report.grade.as_ref().unwrap().id, "a");
}

// --- pass, grades, knock-outs ----------------------------------------------------------------

/// Input worth exactly `total` (85 to 95): 70 citizen points, 15 imported, and the rest
/// self-assessed on `self.plan`.
fn total_of(total: f64) -> ScoringInput {
    ScoringInput {
        surveys: all_questions(40, 40),
        self_assessed: [("self.plan".to_owned(), own(total - 85.0, true))].into(),
        imported: [("self.par".to_owned(), imported(100.0))].into(),
        ..unit()
    }
}

#[test]
fn a_total_exactly_at_the_threshold_passes() {
    let at = scored(&total_of(95.0));
    let below = scored(&total_of(94.99));

    assert!(at.passed && below.passed);
    assert_eq!(at.grade.as_ref().unwrap().id, "a");
    assert_eq!(below.grade.as_ref().unwrap().id, "b");

    let mut set = fixture();
    set.pass_threshold = points(95.0);
    assert!(score(&set, &total_of(95.0)).unwrap().passed);
    assert!(!score(&set, &total_of(94.99)).unwrap().passed);
}

#[test]
fn criterion_below_fires_below_its_min_only() {
    let mut set = fixture();
    set.knockouts = vec![Knockout::CriterionBelow {
        criterion: "self.plan".into(),
        min: points(5.0),
    }];

    let at_min = score(&set, &total_of(90.0)).unwrap();
    let below = score(&set, &total_of(89.99)).unwrap();

    assert!(at_min.knockouts.is_empty() && at_min.passed);
    assert_eq!(below.knockouts.len(), 1);
    assert!(!below.passed);
    assert_eq!(below.grade, None);
    assert_eq!(
        below.knockouts[0].explanation.en,
        "Plan (self.plan) scored 4.99 points, below the minimum of 5."
    );
    assert!(below.summary.vi.contains("Không đạt: 1 điều kiện loại trừ"));
}

#[test]
fn insufficient_sample_fires_even_when_an_appraiser_filled_the_gap() {
    let mut set = fixture();
    set.knockouts = vec![Knockout::InsufficientSample];
    let input = ScoringInput {
        appraised: [("citizens.overall".to_owned(), appraisal(40.0, "x"))].into(),
        ..total_of(95.0)
    };
    let thin = ScoringInput {
        surveys: all_questions(29, 29),
        ..input.clone()
    };

    let enough = score(&set, &input).unwrap();
    let too_few = score(&set, &thin).unwrap();

    assert!(enough.knockouts.is_empty() && enough.passed);
    assert_eq!(too_few.knockouts.len(), 1);
    assert!(!too_few.passed);
    assert_eq!(
        too_few.knockouts[0].explanation.en,
        "Too few citizen survey answers: citizens.overall (n = 29/30), citizens.sipas (n = \
         29/30)."
    );
}

// --- reproducibility -------------------------------------------------------------------------

#[test]
fn the_same_input_gives_the_same_report_and_hashes() {
    let input = total_of(91.5);

    let first = scored(&input);
    let second = scored(&input.clone());

    assert_eq!(first, second);
    assert_eq!(first.input_hash.len(), 64);
    assert!(first.output_hash.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(first.input_hash, first.output_hash);
}

#[test]
fn any_change_of_input_or_criteria_changes_the_hashes() {
    let base = scored(&total_of(91.5));
    let other_input = scored(&total_of(91.49));
    let mut set = fixture();
    set.version = 2;
    let other_set = score(&set, &total_of(91.5)).unwrap();

    assert_ne!(base.input_hash, other_input.input_hash);
    assert_ne!(base.output_hash, other_input.output_hash);
    assert_ne!(base.input_hash, other_set.input_hash);
}

#[test]
fn the_output_hash_covers_the_report_without_itself() {
    let report = scored(&total_of(91.5));

    let mut blank = report.clone();
    blank.output_hash = String::new();

    assert_eq!(
        report.output_hash,
        scoring::sha256_hex(scoring::canonical_json(&blank).as_bytes())
    );
}

// --- JSON what-if files ----------------------------------------------------------------------

#[test]
fn a_what_if_file_reads_with_defaults_for_missing_sections() {
    let input: ScoringInput = serde_json::from_str(
        r#"{ "unit": "25216", "self_assessed": { "self.plan": { "points": 7.25 } } }"#,
    )
    .unwrap();

    assert_eq!(input.self_assessed["self.plan"].points, points(7.25));
    assert!(!input.self_assessed["self.plan"].evidence);
    assert!(input.surveys.is_empty() && input.imported.is_empty());
}

#[test]
fn a_what_if_file_with_a_typo_or_bad_points_is_refused() {
    for (bad, hint) in [
        (
            r#"{ "unit": "1", "self_assesed": {} }"#,
            "unknown field `self_assesed`",
        ),
        (
            r#"{ "unit": "1", "self_assessed": { "a": { "points": 1.234 } } }"#,
            "at most 2 decimals",
        ),
        (
            r#"{ "unit": "1", "self_assessed": { "a": { "points": -1 } } }"#,
            "at most 2 decimals",
        ),
    ] {
        let error = serde_json::from_str::<ScoringInput>(bad).unwrap_err();

        assert!(error.to_string().contains(hint), "{bad}: {error}");
    }
}

// --- ranking ---------------------------------------------------------------------------------

fn report_for(code: &str, total: f64, answers: u64) -> Report {
    let input = ScoringInput {
        unit: code.to_owned(),
        surveys: all_questions(answers, answers),
        ..total_of(total)
    };
    scored(&input)
}

#[test]
fn ties_share_a_rank_and_thin_samples_are_not_ranked() {
    let reports = vec![
        report_for("003", 90.0, 40),
        report_for("001", 95.0, 40),
        report_for("004", 94.0, 12),
        report_for("002", 90.0, 40),
        report_for("005", 85.0, 40),
    ];

    let ranking = rank(&reports);

    let rows: Vec<_> = ranking
        .iter()
        .map(|e| (e.unit.as_str(), e.rank, e.status))
        .collect();
    assert_eq!(
        rows,
        [
            ("001", Some(1), RankStatus::Ranked),
            ("002", Some(2), RankStatus::Ranked),
            ("003", Some(2), RankStatus::Ranked),
            ("005", Some(4), RankStatus::Ranked),
            ("004", None, RankStatus::InsufficientSample),
        ]
    );
}

#[test]
fn ranking_nothing_gives_nothing() {
    assert!(rank(&[]).is_empty());
}
