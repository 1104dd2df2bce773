//! From citizen answers to points: the measure on the answers, the rule, and the interval that
//! says how far the measure can be trusted.
//!
//! Measures are kept as exact fractions of answer counts and compared with thresholds in whole
//! numbers, so a share exactly at a threshold is at the threshold on every machine. Floats are
//! used only for the Wilson interval, which is shown, never scored on.

use survey_definitions::criteria::{Band, Metric, Points, Rule, Share};

use crate::input::SurveyTally;

/// z for a two-sided 95% interval, to the two decimals used in the usual tables so readers can
/// reproduce the numbers.
const Z_95: f64 = 1.96;

/// The answers behind one citizen-survey leaf.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Measure {
    /// Answers 1–5 to the leaf's questions, pooled.
    pub valid: u128,
    /// Of those, answers 4 or 5.
    pub satisfied: u128,
    /// Sum of the levels of the valid answers (for the mean).
    pub level_sum: u128,
    /// Answers to the most-answered question: the number of people, near enough.
    pub sample: u64,
    /// The metric as an exact fraction; `None` without valid answers.
    pub value: Option<Fraction>,
}

/// `num / den`, with `den > 0` and `num ≤ den`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fraction {
    pub num: u128,
    pub den: u128,
}

impl Fraction {
    /// Whether the fraction is at least `share`.
    pub fn reaches(self, share: Share) -> bool {
        self.num * u128::from(Share::SCALE) >= u128::from(share.ten_thousandths()) * self.den
    }

    /// Whether the fraction is strictly above `share`.
    pub fn exceeds(self, share: Share) -> bool {
        self.num * u128::from(Share::SCALE) > u128::from(share.ten_thousandths()) * self.den
    }

    /// Rounded half up to the ten-thousandth, for display.
    pub fn share(self) -> Share {
        let scale = u128::from(Share::SCALE);
        let n = (self.num * scale * 2 + self.den) / (self.den * 2);
        Share::from_ten_thousandths(n.min(scale) as u32).unwrap_or(Share::ONE)
    }
}

/// Counts the answers of `questions` in `tally` and computes `metric` on them.
pub(crate) fn measure(
    tally: Option<&SurveyTally>,
    questions: &[String],
    metric: Metric,
) -> Measure {
    let mut m = Measure {
        valid: 0,
        satisfied: 0,
        level_sum: 0,
        sample: 0,
        value: None,
    };
    for question in questions {
        let Some(counts) = tally.and_then(|t| t.answers.get(question)) else {
            continue;
        };
        let answered: u128 = counts.iter().map(|&c| u128::from(c)).sum();
        m.valid += answered;
        m.satisfied += u128::from(counts[3]) + u128::from(counts[4]);
        m.level_sum += counts
            .iter()
            .zip(1u128..)
            .map(|(&c, level)| u128::from(c) * level)
            .sum::<u128>();
        m.sample = m.sample.max(u64::try_from(answered).unwrap_or(u64::MAX));
    }
    if m.valid > 0 {
        m.value = Some(match metric {
            Metric::SatisfiedShare => Fraction {
                num: m.satisfied,
                den: m.valid,
            },
            // (mean − 1) / 4 = (level_sum − valid) / (4 × valid).
            Metric::MeanScore => Fraction {
                num: m.level_sum - m.valid,
                den: 4 * m.valid,
            },
        });
    }
    m
}

/// Which part of a rule decided the points, for the explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applied {
    /// Linear rule, at or below `from`: 0.
    AtOrBelowFrom,
    /// Linear rule, at or above `to`: the max.
    AtOrAboveTo,
    /// Linear rule, in between.
    Between,
    /// Bands: this band (index in the rule).
    Band(usize),
    /// Bands: below the lowest.
    BelowBands,
}

/// Points for `value` under `rule` on a leaf of `max` points.
///
/// Linear: max × (value − from) / (to − from), rounded half up to 0.01 point; 0 at or below
/// `from`, max at or above `to`. Bands: the points of the band with the highest `min` that the
/// value reaches (the order in the file does not matter here), 0 below all; never above `max`.
pub(crate) fn apply(rule: &Rule, value: Fraction, max: Points) -> (Points, Applied) {
    match rule {
        Rule::Linear { from, to } => {
            if value.reaches(*to) {
                return (max, Applied::AtOrAboveTo);
            }
            if !value.exceeds(*from) {
                return (Points::ZERO, Applied::AtOrBelowFrom);
            }
            let scale = u128::from(Share::SCALE);
            let from = u128::from(from.ten_thousandths());
            let to = u128::from(to.ten_thousandths());
            // value − from and to − from, both over the common denominator scale × den.
            let above = value.num * scale - from * value.den;
            let span = (to - from) * value.den;
            let hundredths = (u128::from(max.hundredths()) * above * 2 + span) / (span * 2);
            let points = Points::from_hundredths(hundredths as u64).unwrap_or(max);
            (points.min(max), Applied::Between)
        }
        Rule::Bands { bands } => {
            let best = bands
                .iter()
                .enumerate()
                .filter(|(_, band)| value.reaches(band.min))
                .max_by_key(|(_, band)| band.min);
            match best {
                Some((i, Band { points, .. })) => ((*points).min(max), Applied::Band(i)),
                None => (Points::ZERO, Applied::BelowBands),
            }
        }
    }
}

/// The 95% Wilson score interval for a share `p` (0 to 1) observed on `n` people, as
/// `(low, high)`; `None` when `n` is 0.
///
/// With z = 1.96: centre = (p + z²/2n) / (1 + z²/n) and
/// half-width = z·√(p(1 − p)/n + z²/4n²) / (1 + z²/n). Unlike p ± z·√(p(1 − p)/n), it stays
/// within 0–1 and does not shrink to nothing at 0% or 100%, which matters for the small samples
/// of a commune desk. Example: 8 satisfied of 10 gives 0.490 to 0.943.
pub fn wilson_95(p: f64, n: u64) -> Option<(f64, f64)> {
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return None;
    }
    let n = n as f64;
    let z2 = Z_95 * Z_95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(x: f64) -> Share {
        Share::from_decimal(x).unwrap()
    }

    fn points(x: f64) -> Points {
        Points::from_decimal(x).unwrap()
    }

    fn fraction(num: u128, den: u128) -> Fraction {
        Fraction { num, den }
    }

    const LINEAR: Rule = Rule::Linear {
        from: match Share::from_ten_thousandths(7000) {
            Some(s) => s,
            None => Share::ZERO,
        },
        to: match Share::from_ten_thousandths(9500) {
            Some(s) => s,
            None => Share::ONE,
        },
    };

    #[test]
    fn linear_gives_nothing_at_from_and_everything_at_to() {
        let max = points(10.0);

        assert_eq!(
            apply(&LINEAR, fraction(7, 10), max),
            (Points::ZERO, Applied::AtOrBelowFrom)
        );
        assert_eq!(
            apply(&LINEAR, fraction(0, 10), max),
            (Points::ZERO, Applied::AtOrBelowFrom)
        );
        assert_eq!(
            apply(&LINEAR, fraction(57, 60), max),
            (max, Applied::AtOrAboveTo)
        );
        assert_eq!(
            apply(&LINEAR, fraction(1, 1), max),
            (max, Applied::AtOrAboveTo)
        );
    }

    #[test]
    fn linear_interpolates_and_rounds_half_up() {
        // 82.5% is half-way: 10 × 12.5 / 25 = 5.
        assert_eq!(
            apply(&LINEAR, fraction(33, 40), points(10.0)).0,
            points(5.0)
        );
        // 100/118 = 84.7457…%: 6 × 14.7457 / 25 = 3.5390 → 3.54.
        assert_eq!(
            apply(&LINEAR, fraction(100, 118), points(6.0)).0,
            points(3.54)
        );
        // 0.70025 exactly: 1 × 0.00025 / 0.25 = 0.001 → 0.00; 0.70125 → 0.005 → 0.01.
        assert_eq!(
            apply(&LINEAR, fraction(70025, 100000), points(1.0)).0,
            Points::ZERO
        );
        assert_eq!(
            apply(&LINEAR, fraction(70125, 100000), points(1.0)).0,
            points(0.01)
        );
    }

    #[test]
    fn bands_pick_the_highest_band_reached() {
        let rule = Rule::Bands {
            bands: vec![
                Band {
                    min: share(0.95),
                    points: points(6.0),
                },
                Band {
                    min: share(0.9),
                    points: points(5.0),
                },
                Band {
                    min: share(0.8),
                    points: points(2.0),
                },
            ],
        };

        assert_eq!(
            apply(&rule, fraction(19, 20), points(6.0)),
            (points(6.0), Applied::Band(0))
        );
        assert_eq!(
            apply(&rule, fraction(9, 10), points(6.0)),
            (points(5.0), Applied::Band(1))
        );
        assert_eq!(
            apply(&rule, fraction(8999, 10000), points(6.0)),
            (points(2.0), Applied::Band(2))
        );
        assert_eq!(
            apply(&rule, fraction(79, 100), points(6.0)),
            (Points::ZERO, Applied::BelowBands)
        );
    }

    #[test]
    fn the_mean_score_is_rescaled_from_1_to_5_onto_0_to_1() {
        let tally = SurveyTally {
            responses: 4,
            answers: [("q".to_owned(), [1, 0, 0, 0, 3])].into(),
        };

        let m = measure(Some(&tally), &["q".to_owned()], Metric::MeanScore);

        // Mean (1 + 15) / 4 = 4 → (4 − 1) / 4 = 0.75.
        assert_eq!(m.value.unwrap().share(), share(0.75));
        assert_eq!((m.valid, m.satisfied, m.sample), (4, 3, 4));
    }

    #[test]
    fn pooled_questions_count_people_by_the_most_answered_question() {
        let tally = SurveyTally {
            responses: 10,
            answers: [
                ("a".to_owned(), [0, 0, 2, 4, 4]),
                ("b".to_owned(), [0, 1, 0, 1, 1]),
            ]
            .into(),
        };
        let questions = ["a".to_owned(), "b".to_owned(), "missing".to_owned()];

        let m = measure(Some(&tally), &questions, Metric::SatisfiedShare);

        assert_eq!((m.valid, m.satisfied, m.sample), (13, 10, 10));
        assert_eq!(m.value, Some(fraction(10, 13)));
    }

    #[test]
    fn no_answers_measure_nothing() {
        let m = measure(None, &["q".to_owned()], Metric::SatisfiedShare);

        assert_eq!((m.valid, m.sample, m.value), (0, 0, None));
    }

    #[test]
    fn wilson_matches_known_values() {
        let (low, high) = wilson_95(0.8, 10).unwrap();
        assert!(
            (low - 0.490).abs() < 5e-4 && (high - 0.943).abs() < 5e-4,
            "{low} {high}"
        );

        let (low, high) = wilson_95(0.0, 10).unwrap();
        assert!(
            low.abs() < 1e-12 && (high - 0.2775).abs() < 5e-4,
            "{low} {high}"
        );

        let (low, high) = wilson_95(1.0, 30).unwrap();
        assert!(
            (low - 0.8865).abs() < 5e-4 && (high - 1.0).abs() < 1e-12,
            "{low} {high}"
        );

        assert_eq!(wilson_95(0.5, 0), None);
    }
}
