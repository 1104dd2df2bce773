//! The corrected criteria sets of issue 17, each scored by hand on the shipped what-if examples
//! (or a small input written here), and the independent-survey source.

use std::sync::OnceLock;

use scoring::{
    score, Basis, CriteriaSet, IndependentFigure, Points, ScoringError, ScoringInput, Share,
    SourceKind,
};
use survey_definitions::load_criteria_dir;

use crate::support::*;

/// A shipped criteria set by id and version (`shipped` gives the first version only).
fn set(id: &str, version: u32) -> CriteriaSet {
    static SETS: OnceLock<Vec<CriteriaSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        load_criteria_dir(&definitions_dir(), definitions())
            .expect("the shipped criteria sets load")
    })
    .iter()
    .find(|s| s.id == id && s.version == version)
    .cloned()
    .unwrap_or_else(|| panic!("no shipped criteria set `{id}` v{version}"))
}

fn independent() -> CriteriaSet {
    set("dong-nai-2025-independent", 1)
}

/// `input` with Sở Nội vụ's figure for the commune: n and the satisfied share.
fn with_figure(input: ScoringInput, sample: u64, share: f64) -> ScoringInput {
    let figure = IndependentFigure {
        sample,
        satisfied_share: Share::from_decimal(share).unwrap(),
        from: Some("KH 037/KH-SNV".to_owned()),
    };
    ScoringInput {
        independent: [("so-noi-vu".to_owned(), figure)].into(),
        ..input
    }
}

#[test]
fn dong_nai_2025_v2_scores_the_example_as_computed_by_hand() {
    let report = score(&set("dong-nai-2025", 2), &example("dong-nai-commune.json")).unwrap();

    // c1: 3 + 4 (appraised) + 4 + 3 = 14.
    // c2: 3 + 3 + 5 + 0 (c2.desk has no evidence, which it requires) = 11.
    // c3: overall 120 of 142 = 84.51%: 6 × (84.51% − 70%) / 25% = 3.4817 → 3.48;
    //     SIPAS 504 of 598 answers = 84.28%: band ≥ 80% → 2; businesses 3.5; cadres 4 → 12.98.
    // c4: 84.62 / 100 × 50 = 42.31.
    // Base 14 + 11 + 12.98 + 42.31 = 80.29; bonus 2.5 (appraised) → 82.79: 2 stars.
    assert_eq!(node(&report, "c1").points, points(14.0));
    assert_eq!(node(&report, "c2").points, points(11.0));
    assert_eq!(node(&report, "c3").points, points(12.98));
    assert_eq!(node(&report, "c4").points, points(42.31));
    assert_eq!(report.base_points, points(80.29));
    assert_eq!(report.total, points(82.79));
    assert_eq!(report.grade.as_ref().unwrap().id, "2-stars");
    assert!(report.passed);
}

/// Exactly 75 points on Đồng Nai 2025: the PAR index at 100 (50), criterion 1 in full (15),
/// criterion 2 at 10, nothing else (no citizen answers yet).
fn seventy_five() -> ScoringInput {
    ScoringInput {
        self_assessed: [
            ("c1.plan".to_owned(), own(3.0, true)),
            ("c1.activities".to_owned(), own(5.0, true)),
            ("c1.portal".to_owned(), own(4.0, true)),
            ("c1.desk_posting".to_owned(), own(3.0, true)),
            ("c2.rules".to_owned(), own(3.0, true)),
            ("c2.dress_badge".to_owned(), own(3.0, false)),
            ("c2.conduct".to_owned(), own(4.0, true)),
        ]
        .into(),
        imported: [("c4.par_index".to_owned(), imported(100.0))].into(),
        ..unit()
    }
}

#[test]
fn a_commune_at_75_points_gets_one_star_not_a_failure() {
    let input = seventy_five();

    let report = score(&set("dong-nai-2025", 2), &input).unwrap();

    // 100 / 100 × 50 + (3 + 5 + 4 + 3) + (3 + 3 + 4) = 50 + 15 + 10 = 75. The two desk-survey
    // leaves have no answers; c2.desk, c3.businesses, c3.cadres and c5.initiatives no entry.
    assert_eq!(report.total, points(75.0));
    assert!(report.passed, "below 80 is 1 star, not a failure");
    assert!(report.knockouts.is_empty());
    let grade = report.grade.as_ref().unwrap();
    assert_eq!(
        (grade.id.as_str(), grade.label.vi.as_str()),
        ("1-star", "1 sao")
    );
    assert_eq!(
        report.summary.en,
        "Total 75/100. Passed: the set has no pass mark; every total is graded. Grade: 1 star. \
         2 criteria with insufficient survey data. 4 criteria with nothing entered."
    );
    // Version 1 stays as it was, so its reports reproduce: it failed the same commune.
    let v1 = score(&set("dong-nai-2025", 1), &input).unwrap();
    assert_eq!(v1.total, points(75.0));
    assert!(!v1.passed);
}

#[test]
fn dong_nai_2026_v2_is_named_for_the_city_and_scores_like_2025() {
    let set = set("dong-nai-2026", 2);

    let report = score(&set, &example("dong-nai-commune.json")).unwrap();

    assert!(
        set.name.vi.contains("Thành phố Đồng Nai"),
        "{}",
        set.name.vi
    );
    assert_eq!(set.period.from, "2026-01-01");
    // The same criteria and input as the 2025 test above: 82.79, 2 stars.
    assert_eq!(report.total, points(82.79));
    assert_eq!(report.grade.as_ref().unwrap().id, "2-stars");
    let at_75 = score(&set, &seventy_five()).unwrap();
    assert!(at_75.passed);
    assert_eq!(at_75.grade.as_ref().unwrap().id, "1-star");
}

#[test]
fn the_independent_leaf_scores_n_30_at_70_percent_as_computed_by_hand() {
    let input = with_figure(example("dong-nai-commune.json"), 30, 0.70);

    let report = score(&independent(), &input).unwrap();

    // c3.citizens: 12 × (70% − 60%) / (90% − 60%) = 12 × 0.10 / 0.30 = 4.
    let citizens = leaf(&report, "c3.citizens");
    assert_eq!(node(&report, "c3.citizens").points, points(4.0));
    assert_eq!(citizens.source, SourceKind::IndependentSurvey);
    assert_eq!(citizens.basis, Basis::CitizenSurvey);
    assert_eq!(citizens.computed, Some(points(4.0)));
    assert!(
        citizens
            .explanation
            .en
            .contains("n = 30, 70% satisfied or very satisfied."),
        "{}",
        citizens.explanation.en
    );
    assert!(citizens
        .explanation
        .vi
        .contains("12 × (70% − 60%) / (90% − 60%) = 4 điểm."));
    let figure = citizens.independent.clone().unwrap();
    assert_eq!(figure.figure.unwrap().sample, 30);
    assert!(figure.wilson_95.is_some());
    // c3 = 4 + 3.5 + 4 = 11.5; base 14 + 11 + 11.5 + 42.31 = 78.81; + 2.5 bonus = 81.31.
    assert_eq!(report.base_points, points(78.81));
    assert_eq!(report.total, points(81.31));
    assert_eq!(report.grade.as_ref().unwrap().id, "2-stars");
    assert!(report.citizen_sample_sufficient());
}

#[test]
fn a_missing_independent_figure_is_explained_as_not_scorable() {
    let report = score(&independent(), &example("dong-nai-commune.json")).unwrap();

    let citizens = leaf(&report, "c3.citizens");
    assert_eq!(citizens.basis, Basis::InsufficientData);
    assert_eq!(citizens.computed, None);
    assert_eq!(node(&report, "c3.citizens").points, Points::ZERO);
    assert!(
        citizens.explanation.en.contains(
            "no figure for this commune and period; insufficient data, no points computed"
        ),
        "{}",
        citizens.explanation.en
    );
    assert!(citizens
        .explanation
        .vi
        .contains("chưa có số liệu của xã trong kỳ"));
    let flagged = &report.insufficient_data[0];
    assert_eq!((flagged.leaf.as_str(), flagged.sample), ("c3.citizens", 0));
    // Like a desk survey without answers: not ranked.
    assert!(!report.citizen_sample_sufficient());
    // 14 + 11 + (0 + 3.5 + 4) + 42.31 + 2.5 = 77.31: still a star (1 star).
    assert_eq!(report.total, points(77.31));
    assert_eq!(report.grade.as_ref().unwrap().id, "1-star");
}

#[test]
fn an_independent_sample_below_the_minimum_is_left_to_the_appraiser() {
    let input = with_figure(example("dong-nai-commune.json"), 29, 0.95);

    let report = score(&independent(), &input).unwrap();

    let citizens = leaf(&report, "c3.citizens");
    assert_eq!(citizens.basis, Basis::InsufficientData);
    assert!(citizens
        .explanation
        .en
        .contains("n = 29 is below the minimum of 30: insufficient data"));

    let appraised = ScoringInput {
        appraised: [("c3.citizens".to_owned(), appraisal(10.0, "Phiếu bổ sung"))].into(),
        ..input
    };
    let report = score(&independent(), &appraised).unwrap();
    assert_eq!(node(&report, "c3.citizens").points, points(10.0));
    assert_eq!(leaf(&report, "c3.citizens").basis, Basis::Appraised);
}

#[test]
fn a_figure_that_no_leaf_reads_is_refused() {
    let input = with_figure(example("dong-nai-commune.json"), 30, 0.7);

    let error = score(&set("dong-nai-2025", 2), &input).unwrap_err();

    assert_eq!(
        error,
        ScoringError::UnknownIndependentSurvey {
            survey: "so-noi-vu".into(),
            set: "dong-nai-2025".into(),
        }
    );
    assert!(
        error.to_string().starts_with("independent.so-noi-vu:"),
        "{error}"
    );
}

#[test]
fn bac_giang_2023_v2_scores_the_example_as_computed_by_hand() {
    let bac_giang = set("bac-giang-2023", 2);

    let report = score(&bac_giang, &example("bac-giang-commune.json")).unwrap();

    // g1: 7 + 6 + 0 (communication not entered) = 13.
    // g2: 5 + 96.4 / 100 × 10 = 9.64 + 4 + 5 = 23.64.
    // g3: 5 + 9 + 5 = 19.
    // g4: 7 + 6 (appraised) = 13.
    // g5: cadres 0 and organisations 0 (not entered);
    //     one-stop: 237 of 274 SIPAS answers = 86.50%: 6 × (86.50% − 60%) / 30% = 5.2993 → 5.30;
    //     overall: 56 of 64 = 87.5%: band ≥ 85% → 5; g5 = 10.30.
    // Total 13 + 23.64 + 19 + 13 + 10.30 = 78.94.
    assert_eq!(node(&report, "g2").points, points(23.64));
    assert_eq!(node(&report, "g5.citizens.one_stop").points, points(5.3));
    assert_eq!(node(&report, "g5.citizens.overall").points, points(5.0));
    assert_eq!(node(&report, "g5").points, points(10.3));
    assert_eq!(report.total, points(78.94));
    // The source has only 100 points and approved/rejected: no grade, no knock-out.
    assert!(bac_giang.grades.is_empty() && bac_giang.knockouts.is_empty());
    assert_eq!(report.grade, None);
    assert!(report.knockouts.is_empty());
    assert!(
        !report.passed,
        "78.94 is below the 80 that stands in for approval"
    );
    // Criterion 5 asks cadres, citizens, organisations and businesses (PKS01–07).
    let asked: Vec<_> = bac_giang.groups[4]
        .criteria
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(asked, ["g5.cadres", "g5.citizens", "g5.organisations"]);
    assert_eq!(
        bac_giang.groups[4].name.vi,
        "Mức độ hài lòng của cán bộ, công chức, người dân, tổ chức và doanh nghiệp"
    );
    // Historical from the merger into Bắc Ninh.
    assert!(bac_giang.is_historical_on("2025-07-01") && !bac_giang.is_historical_on("2025-06-30"));
    assert!(!set("dong-nai-2025", 2).is_historical_on("2026-12-31"));
}
