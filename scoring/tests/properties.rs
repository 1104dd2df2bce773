//! Invariants under random inputs, on the fixture and on both shipped criteria sets.

use std::collections::BTreeMap;

use proptest::prelude::*;
use scoring::{rank, score, CriteriaSet, NodeResult, Points, Report, ScoringInput, SurveyTally};
use survey_definitions::criteria::Source;

use crate::support::*;

/// The satisfaction questions of the default survey.
const QUESTIONS: [&str; 6] = [
    "overall",
    "access",
    "procedures",
    "civil_servants",
    "results",
    "feedback",
];

/// Random material for one leaf: (entered?, share of max in 1/10000, evidence?, appraised?,
/// appraised share of max in 1/10000).
type LeafDraw = (bool, u16, bool, bool, u16);

fn leaf_draws() -> impl Strategy<Value = Vec<LeafDraw>> {
    prop::collection::vec(
        (
            any::<bool>(),
            0..=10_000u16,
            any::<bool>(),
            any::<bool>(),
            0..=10_000u16,
        ),
        40,
    )
}

fn answer_draws() -> impl Strategy<Value = Vec<[u64; 5]>> {
    prop::collection::vec(prop::array::uniform5(0..40u64), QUESTIONS.len())
}

fn scaled(max: Points, share: u16) -> Points {
    Points::from_hundredths(max.hundredths() * u64::from(share) / 10_000).unwrap()
}

/// An input that fits `set`, drawn from random material.
fn build_input(
    set: &CriteriaSet,
    leaves: &[LeafDraw],
    answers: &[[u64; 5]],
    extra: u64,
) -> ScoringInput {
    let mut input = unit();
    let responses = answers
        .iter()
        .map(|c| c.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        + extra;
    input.surveys.insert(
        "one-stop-desk".to_owned(),
        SurveyTally {
            responses,
            answers: QUESTIONS
                .iter()
                .zip(answers)
                .map(|(q, c)| ((*q).to_owned(), *c))
                .collect(),
        },
    );
    for (leaf, &(entered, share, evidence, appraised, appraised_share)) in
        set.leaves().iter().zip(leaves)
    {
        let id = leaf.id.to_owned();
        if entered {
            match leaf.source {
                Source::SelfAssessment { .. } | Source::Bonus { .. } => {
                    let mut own = own(0.0, evidence);
                    own.points = scaled(leaf.max, share);
                    input.self_assessed.insert(id.clone(), own);
                }
                Source::Imported { import_max } => {
                    let mut score = imported(0.0);
                    score.score = scaled(*import_max, share);
                    input.imported.insert(id.clone(), score);
                }
                Source::CitizenSurvey(_) | Source::IndependentSurvey(_) => {}
            }
        }
        if appraised {
            let mut appraisal = appraisal(0.0, "random");
            appraisal.points = scaled(leaf.max, appraised_share);
            input.appraised.insert(id, appraisal);
        }
    }
    input
}

fn sets() -> Vec<CriteriaSet> {
    vec![
        fixture(),
        shipped("dong-nai-2025"),
        shipped("bac-giang-2023"),
    ]
}

fn assert_within_maxima(set: &CriteriaSet, report: &Report) {
    fn walk(node: &NodeResult) {
        assert!(
            node.points <= node.max,
            "{} {} > {}",
            node.id,
            node.points,
            node.max
        );
        if let Some(leaf) = &node.leaf {
            if let Some(cap) = leaf.bonus_cap {
                assert!(node.points <= cap, "{} above cap", node.id);
            }
        } else {
            let sum: Points = node.children.iter().map(|c| c.points).sum();
            assert_eq!(sum, node.points, "{} is the sum of its children", node.id);
        }
        node.children.iter().for_each(walk);
    }
    report.groups.iter().for_each(walk);
    assert!(report.base_points <= set.scale_max);
    let caps: Points = set
        .leaves()
        .iter()
        .filter_map(|l| match l.source {
            Source::Bonus { cap, .. } => Some(*cap),
            _ => None,
        })
        .sum();
    assert!(report.bonus_points <= caps);
    assert_eq!(
        report.total,
        report.base_points.saturating_add(report.bonus_points)
    );
}

/// Points of every citizen-survey leaf, by id.
fn citizen_points(report: &Report) -> BTreeMap<String, Points> {
    fn walk(node: &NodeResult, out: &mut BTreeMap<String, Points>) {
        if node.leaf.as_ref().is_some_and(|l| l.citizen.is_some()) {
            out.insert(node.id.clone(), node.points);
        }
        node.children.iter().for_each(|c| walk(c, out));
    }
    let mut out = BTreeMap::new();
    report.groups.iter().for_each(|g| walk(g, &mut out));
    out
}

/// JSON of `map` with its entries in `order` (indices into the sorted entries).
fn object_in_order<V: serde::Serialize>(map: &BTreeMap<String, V>, order: &[usize]) -> String {
    let entries: Vec<_> = map.iter().collect();
    let parts: Vec<String> = order
        .iter()
        .filter(|&&i| i < entries.len())
        .map(|&i| {
            let (key, value) = entries[i];
            format!(
                "{}:{}",
                serde_json::to_string(key).unwrap(),
                serde_json::to_string(value).unwrap()
            )
        })
        .collect();
    format!("{{{}}}", parts.join(","))
}

proptest! {
    #[test]
    fn points_never_exceed_their_maxima(
        leaves in leaf_draws(),
        answers in answer_draws(),
        extra in 0..5u64,
    ) {
        for set in sets() {
            let input = build_input(&set, &leaves, &answers, extra);

            let report = score(&set, &input).unwrap();

            assert_within_maxima(&set, &report);
        }
    }

    #[test]
    fn a_higher_satisfied_share_never_lowers_points(
        leaves in leaf_draws(),
        answers in answer_draws(),
        question in 0..QUESTIONS.len(),
        from_level in 0..3usize,
        to_level in 3..5usize,
    ) {
        let mut better = answers.clone();
        prop_assume!(better[question][from_level] > 0);
        better[question][from_level] -= 1;
        better[question][to_level] += 1;
        for set in sets() {
            let before = score(&set, &build_input(&set, &leaves, &answers, 0)).unwrap();
            let after = score(&set, &build_input(&set, &leaves, &better, 0)).unwrap();

            for ((id, old), (_, new)) in citizen_points(&before).iter().zip(citizen_points(&after)) {
                prop_assert!(new >= *old, "{} {}: {} → {}", set.id, id, old, new);
            }
            prop_assert!(after.total >= before.total);
        }
    }

    #[test]
    fn the_order_of_inputs_never_matters(
        leaves in leaf_draws(),
        answers in answer_draws(),
        order in Just((0..40usize).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let set = shipped("dong-nai-2025");
        let input = build_input(&set, &leaves, &answers, 0);
        let survey = &input.surveys["one-stop-desk"];
        let shuffled = format!(
            r#"{{"imported":{},"appraised":{},"unit":"{}","self_assessed":{},"surveys":{{"one-stop-desk":{{"answers":{},"responses":{}}}}}}}"#,
            object_in_order(&input.imported, &order),
            object_in_order(&input.appraised, &order),
            input.unit,
            object_in_order(&input.self_assessed, &order),
            object_in_order(&survey.answers, &order),
            survey.responses,
        );
        let reread: ScoringInput = serde_json::from_str(&shuffled).unwrap();

        let report = score(&set, &input).unwrap();
        let again = score(&set, &reread).unwrap();

        prop_assert_eq!(&report, &again);
        prop_assert_eq!(report.input_hash, again.input_hash);
    }

    #[test]
    fn the_order_of_reports_never_changes_a_ranking(
        totals in prop::collection::vec((85u16..=95, any::<bool>()), 1..12),
        order in Just((0..12usize).collect::<Vec<_>>()).prop_shuffle(),
    ) {
        let set = fixture();
        let reports: Vec<Report> = totals
            .iter()
            .enumerate()
            .map(|(i, &(total, enough))| {
                let answers = if enough { 40 } else { 10 };
                let input = ScoringInput {
                    unit: format!("{:05}", i % 7),
                    surveys: all_questions(answers, answers),
                    self_assessed: [("self.plan".to_owned(), own(f64::from(total) - 85.0, true))]
                        .into(),
                    imported: [("self.par".to_owned(), imported(100.0))].into(),
                    ..unit()
                };
                score(&set, &input).unwrap()
            })
            .collect();
        let shuffled: Vec<Report> = order
            .iter()
            .filter(|&&i| i < reports.len())
            .map(|&i| reports[i].clone())
            .collect();

        prop_assert_eq!(rank(&reports), rank(&shuffled));
    }
}
