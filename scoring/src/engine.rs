//! [`score`]: one commune, one period, one criteria set.
//!
//! Order of work: refuse inputs that do not fit the set, score every leaf (the appraiser's
//! points win over everything, the commune's and the computed ones are kept beside them), add
//! up the tree, then apply pass threshold, knock-outs and grades, and fingerprint it all.

use serde::Serialize;
use survey_definitions::criteria::{
    BelowMin, CitizenSurvey, Content, CriteriaSet, Evidence, Group, IndependentSurvey, Knockout,
    Leaf, Metric, Points, Rule, Selection, Share, Source,
};
use survey_definitions::{Lang, SipasElement, Text};

use crate::citizen::{apply, measure, wilson_95, Applied, Fraction};
use crate::explain::{list, Localized, Mean, Words};
use crate::hash::{canonical_json, sha256_hex};
use crate::input::{Appraised, ScoringInput};
use crate::report::{
    Basis, CitizenResult, GradeResult, IndependentResult, InsufficientData, Interval,
    KnockoutResult, LeafResult, NodeResult, Report, SourceKind,
};
use crate::ScoringError;

/// Scores one commune's `input` under `set`.
///
/// Per leaf: the appraised points if any; otherwise the self-assessed points (0 without
/// required evidence), the citizen-survey rule applied to the answers (see
/// [`CitizenResult`]), or the imported score scaled as score / import_max × max, rounded half
/// up to 0.01 point. Bonus leaves count at most their cap. Totals are exact sums of the leaves.
///
/// Fails when the input does not fit the set: an unknown leaf id, self-assessed points on a
/// leaf scored otherwise, points above a max, an imported score above its scale, an appraisal
/// without a reason, or a question with more answers than the survey has responses.
pub fn score(set: &CriteriaSet, input: &ScoringInput) -> Result<Report, ScoringError> {
    check_input(set, input)?;
    let mut notes = Notes::default();
    let groups: Vec<NodeResult> = set
        .groups
        .iter()
        .map(|group| group_result(group, input, &mut notes))
        .collect();
    let base_points: Points = groups.iter().filter(|g| !g.bonus).map(|g| g.points).sum();
    let bonus_points: Points = groups.iter().filter(|g| g.bonus).map(|g| g.points).sum();
    let total = base_points.saturating_add(bonus_points);

    let knockouts = fired_knockouts(set, &groups, &notes.insufficient);
    let passed = total >= set.pass_threshold && knockouts.is_empty();
    // Picked by the highest min reached, so the result does not depend on the list's order.
    let grade = knockouts
        .is_empty()
        .then(|| {
            set.grades
                .iter()
                .filter(|g| total >= g.min)
                .max_by_key(|g| g.min)
        })
        .flatten()
        .map(|g| GradeResult {
            id: g.id.clone(),
            label: g.label.clone(),
            min: g.min,
        });

    let mut report = Report {
        criteria_id: set.id.clone(),
        criteria_version: set.version,
        period: set.period.clone(),
        unit: input.unit.clone(),
        scale_max: set.scale_max,
        groups,
        base_points,
        bonus_points,
        total,
        pass_threshold: set.pass_threshold,
        passed,
        grade,
        knockouts,
        insufficient_data: notes.insufficient,
        not_entered: notes.not_entered,
        missing_evidence: notes.missing_evidence,
        summary: Text {
            vi: String::new(),
            en: String::new(),
        },
        input_hash: input_hash(set, input),
        output_hash: String::new(),
    };
    report.summary = summary(&report);
    report.output_hash = sha256_hex(canonical_json(&report).as_bytes());
    Ok(report)
}

/// SHA-256 of the canonical JSON of `{"criteria": set, "input": input}`.
fn input_hash(set: &CriteriaSet, input: &ScoringInput) -> String {
    #[derive(Serialize)]
    struct Hashed<'a> {
        criteria: &'a CriteriaSet,
        input: &'a ScoringInput,
    }
    sha256_hex(
        canonical_json(&Hashed {
            criteria: set,
            input,
        })
        .as_bytes(),
    )
}

fn check_input(set: &CriteriaSet, input: &ScoringInput) -> Result<(), ScoringError> {
    if input.unit.trim().is_empty() {
        return Err(ScoringError::MissingUnit);
    }
    let leaves = set.leaves();
    let find = |section: &'static str, id: &str| -> Result<Leaf<'_>, ScoringError> {
        leaves
            .iter()
            .find(|leaf| leaf.id == id)
            .copied()
            .ok_or_else(|| ScoringError::UnknownLeaf {
                section,
                id: id.to_owned(),
                set: set.id.clone(),
            })
    };
    for (id, entry) in &input.self_assessed {
        let leaf = find("self_assessed", id)?;
        if !matches!(
            leaf.source,
            Source::SelfAssessment { .. } | Source::Bonus { .. }
        ) {
            return Err(ScoringError::NotSelfAssessed {
                id: id.clone(),
                kind: leaf.source.key(),
            });
        }
        check_max("self_assessed", id, entry.points, leaf.max)?;
    }
    for (id, entry) in &input.appraised {
        let leaf = find("appraised", id)?;
        check_max("appraised", id, entry.points, leaf.max)?;
        if entry.reason.trim().is_empty() {
            return Err(ScoringError::MissingReason { id: id.clone() });
        }
    }
    for (id, entry) in &input.imported {
        let leaf = find("imported", id)?;
        let Source::Imported { import_max } = leaf.source else {
            return Err(ScoringError::NotImported {
                id: id.clone(),
                kind: leaf.source.key(),
            });
        };
        if entry.score > *import_max {
            return Err(ScoringError::ImportedAboveScale {
                id: id.clone(),
                score: entry.score,
                import_max: *import_max,
            });
        }
    }
    for survey in input.independent.keys() {
        let read = leaves
            .iter()
            .any(|leaf| matches!(leaf.source, Source::IndependentSurvey(s) if &s.survey == survey));
        if !read {
            return Err(ScoringError::UnknownIndependentSurvey {
                survey: survey.clone(),
                set: set.id.clone(),
            });
        }
    }
    for (survey, tally) in &input.surveys {
        for (question, counts) in &tally.answers {
            let answered: u128 = counts.iter().map(|&c| u128::from(c)).sum();
            if answered > u128::from(tally.responses) {
                return Err(ScoringError::InconsistentTally {
                    survey: survey.clone(),
                    question: question.clone(),
                    answered: u64::try_from(answered).unwrap_or(u64::MAX),
                    responses: tally.responses,
                });
            }
        }
    }
    Ok(())
}

fn check_max(
    section: &'static str,
    id: &str,
    points: Points,
    max: Points,
) -> Result<(), ScoringError> {
    if points > max {
        return Err(ScoringError::AboveMax {
            section,
            id: id.to_owned(),
            points,
            max,
        });
    }
    Ok(())
}

/// The lists gathered while scoring leaves.
#[derive(Default)]
struct Notes {
    insufficient: Vec<InsufficientData>,
    not_entered: Vec<String>,
    missing_evidence: Vec<String>,
}

fn group_result(group: &Group, input: &ScoringInput, notes: &mut Notes) -> NodeResult {
    let bonus = group.is_bonus();
    let children: Vec<NodeResult> = group
        .criteria
        .iter()
        .map(|criterion| match &criterion.content {
            Content::Source(source) => leaf_node(
                &criterion.id,
                &criterion.name,
                criterion.max,
                source,
                bonus,
                input,
                notes,
            ),
            Content::SubCriteria(subs) => {
                let children: Vec<NodeResult> = subs
                    .iter()
                    .map(|sub| {
                        leaf_node(
                            &sub.id,
                            &sub.name,
                            sub.max,
                            &sub.source,
                            bonus,
                            input,
                            notes,
                        )
                    })
                    .collect();
                inner_node(
                    &criterion.id,
                    &criterion.name,
                    criterion.max,
                    bonus,
                    children,
                )
            }
        })
        .collect();
    inner_node(&group.id, &group.name, group.max, bonus, children)
}

fn inner_node(
    id: &str,
    name: &Text,
    max: Points,
    bonus: bool,
    children: Vec<NodeResult>,
) -> NodeResult {
    NodeResult {
        id: id.to_owned(),
        name: name.clone(),
        max,
        points: children.iter().map(|c| c.points).sum(),
        bonus,
        children,
        leaf: None,
    }
}

fn leaf_node(
    id: &str,
    name: &Text,
    max: Points,
    source: &Source,
    bonus: bool,
    input: &ScoringInput,
    notes: &mut Notes,
) -> NodeResult {
    let (points, leaf) = match source {
        Source::SelfAssessment { evidence } => entered_leaf(
            id,
            max,
            *evidence,
            None,
            SourceKind::SelfAssessment,
            input,
            notes,
        ),
        Source::Bonus { cap, evidence } => entered_leaf(
            id,
            max,
            *evidence,
            Some(*cap),
            SourceKind::Bonus,
            input,
            notes,
        ),
        Source::CitizenSurvey(citizen) => citizen_leaf(id, max, citizen, input, notes),
        Source::IndependentSurvey(independent) => {
            independent_leaf(id, max, independent, input, notes)
        }
        Source::Imported { import_max } => imported_leaf(id, max, *import_max, input, notes),
    };
    NodeResult {
        id: id.to_owned(),
        name: name.clone(),
        max,
        points,
        bonus,
        children: Vec::new(),
        leaf: Some(leaf),
    }
}

/// The appraiser's sentence, shared by every source.
/// The points of a leaf computed from a survey (the desk's or the province's own): an appraised
/// point wins; a computed one counts only on a sufficient sample; without either the leaf is
/// insufficient data, never a silent figure.
fn survey_points(
    words: &mut Words,
    appraised: Option<&Appraised>,
    computed: Option<Points>,
    sufficient: bool,
    max: Points,
) -> (Points, Basis) {
    match (appraised, computed) {
        (Some(appraised), _) => {
            say_appraised(words, appraised, max);
            (appraised.points, Basis::Appraised)
        }
        (None, Some(points)) if sufficient => (points, Basis::CitizenSurvey),
        (None, Some(_)) => (Points::ZERO, Basis::BelowMinimum),
        (None, None) => (Points::ZERO, Basis::InsufficientData),
    }
}

/// The 95% Wilson interval of a survey figure, in both languages.
fn say_interval(words: &mut Words, sample: u64, interval: Interval) {
    words.say(
        format!(
            "Khoảng tin cậy 95% (Wilson, n = {sample}): {} – {}.",
            interval.low.vi(),
            interval.high.vi()
        ),
        format!(
            "95% confidence interval (Wilson, n = {sample}): {} – {}.",
            interval.low.en(),
            interval.high.en()
        ),
    );
}

fn say_appraised(words: &mut Words, appraised: &Appraised, max: Points) {
    words.say(
        format!(
            "Thẩm định: {}/{} điểm (lý do: {}); tính điểm thẩm định.",
            appraised.points.vi(),
            max.vi(),
            appraised.reason.trim()
        ),
        format!(
            "Appraised: {}/{} points (reason: {}); the appraised points count.",
            appraised.points.en(),
            max.en(),
            appraised.reason.trim()
        ),
    );
}

/// Self-assessment and bonus leaves: the commune enters, the appraiser decides.
fn entered_leaf(
    id: &str,
    max: Points,
    evidence: Evidence,
    cap: Option<Points>,
    source: SourceKind,
    input: &ScoringInput,
    notes: &mut Notes,
) -> (Points, LeafResult) {
    let own = input.self_assessed.get(id);
    let appraised = input.appraised.get(id);
    let mut words = Words::default();
    if let Some(cap) = cap {
        words.say(
            format!("Điểm cộng ngoài thang điểm, tính tối đa {} điểm.", cap.vi()),
            format!(
                "Bonus on top of the scale; at most {} points count.",
                cap.en()
            ),
        );
    }
    if let Some(own) = own {
        let (with_vi, with_en) = match (own.evidence, evidence) {
            (true, _) => ("có minh chứng", "with evidence"),
            (false, Evidence::Optional) => (
                "không kèm minh chứng (không bắt buộc)",
                "without evidence (optional here)",
            ),
            (false, Evidence::Required) => (
                "chưa có minh chứng bắt buộc",
                "without the required evidence",
            ),
        };
        words.say(
            format!(
                "Xã tự chấm {}/{} điểm, {with_vi}.",
                own.points.vi(),
                max.vi()
            ),
            format!(
                "Self-assessed {}/{} points, {with_en}.",
                own.points.en(),
                max.en()
            ),
        );
    }
    let (entered, basis) = match (appraised, own) {
        (Some(appraised), _) => {
            if own.is_none() {
                words.say("Xã chưa tự chấm.", "Not self-assessed.");
            }
            say_appraised(&mut words, appraised, max);
            (appraised.points, Basis::Appraised)
        }
        (None, Some(own)) if evidence == Evidence::Required && !own.evidence => {
            notes.missing_evidence.push(id.to_owned());
            words.say(
                "Tính 0 điểm cho đến khi bổ sung minh chứng hoặc được thẩm định.",
                "0 points until the evidence is attached or the entry is appraised.",
            );
            (Points::ZERO, Basis::MissingEvidence)
        }
        (None, Some(own)) => {
            words.say("Chưa thẩm định.", "Not appraised yet.");
            (own.points, Basis::SelfAssessed)
        }
        (None, None) => {
            notes.not_entered.push(id.to_owned());
            words.say(
                format!("Xã chưa tự chấm: 0/{} điểm.", max.vi()),
                format!("Not self-assessed: 0/{} points.", max.en()),
            );
            (Points::ZERO, Basis::NotEntered)
        }
    };
    let points = match cap {
        Some(cap) if entered > cap => {
            words.say(
                format!(
                    "{} điểm vượt mức điểm cộng tối đa: chỉ tính {} điểm.",
                    entered.vi(),
                    cap.vi()
                ),
                format!(
                    "{} points exceed the bonus cap: {} points count.",
                    entered.en(),
                    cap.en()
                ),
            );
            cap
        }
        _ => entered,
    };
    let leaf = LeafResult {
        source,
        basis,
        self_assessed: own.cloned(),
        appraised: appraised.cloned(),
        computed: None,
        imported: None,
        bonus_cap: cap,
        citizen: None,
        independent: None,
        explanation: words.done(),
    };
    (points, leaf)
}

fn citizen_leaf(
    id: &str,
    max: Points,
    citizen: &CitizenSurvey,
    input: &ScoringInput,
    notes: &mut Notes,
) -> (Points, LeafResult) {
    let tally = input.surveys.get(&citizen.survey);
    let responses = tally.map_or(0, |t| t.responses);
    let m = measure(tally, &citizen.questions, citizen.metric);
    let satisfied = (m.valid > 0).then_some(Fraction {
        num: m.satisfied,
        den: m.valid,
    });
    let wilson = satisfied
        .and_then(|s| wilson_95(s.num as f64 / s.den as f64, m.sample))
        .map(|(low, high)| Interval {
            low: share_rounded(low, f64::floor),
            high: share_rounded(high, f64::ceil),
        });
    let appraised = input.appraised.get(id);
    let sufficient = m.sample >= citizen.min_responses;

    let mut words = Words::default();
    let (questions_vi, questions_en) = selection_words(citizen);
    match satisfied {
        None => words.say(
            format!(
                "Khảo sát «{}», {questions_vi}. {responses} phiếu; chưa có câu trả lời hợp lệ.",
                citizen.survey
            ),
            format!(
                "Survey “{}”, {questions_en}. {responses} responses; no valid answers.",
                citizen.survey
            ),
        ),
        Some(share) => {
            words.say(
                format!(
                    "Khảo sát «{}», {questions_vi}. {responses} phiếu; {} câu trả lời hợp lệ, \
                     trong đó {} hài lòng hoặc rất hài lòng ({}).",
                    citizen.survey,
                    m.valid,
                    m.satisfied,
                    share.share().vi()
                ),
                format!(
                    "Survey “{}”, {questions_en}. {responses} responses; {} valid answers, {} \
                     of them satisfied or very satisfied ({}).",
                    citizen.survey,
                    m.valid,
                    m.satisfied,
                    share.share().en()
                ),
            );
            if let Some(interval) = wilson {
                say_interval(&mut words, m.sample, interval);
            }
        }
    }
    if let (Metric::MeanScore, Some(value)) = (citizen.metric, m.value) {
        let mean = Mean(((m.level_sum * 200 + m.valid) / (m.valid * 2)) as u64);
        words.say(
            format!(
                "Điểm trung bình {}/5, quy đổi ({} − 1) / 4 = {}.",
                mean.vi(),
                mean.vi(),
                value.share().vi()
            ),
            format!(
                "Mean answer {} out of 5, rescaled (mean − 1) / 4 = {}.",
                mean.en(),
                value.share().en()
            ),
        );
    }

    let computed = match (sufficient, m.value) {
        (true, Some(value)) => {
            let (points, applied) = apply(&citizen.rule, value, max);
            say_rule(
                &mut words,
                &citizen.rule,
                applied,
                value.share(),
                points,
                max,
            );
            Some(points)
        }
        _ => {
            notes.insufficient.push(InsufficientData {
                leaf: id.to_owned(),
                sample: m.sample,
                min_responses: citizen.min_responses,
                below_min: citizen.below_min,
                appraised: appraised.is_some(),
            });
            match citizen.below_min {
                BelowMin::Zero => {
                    words.say(
                        format!(
                            "n = {} ít hơn mức tối thiểu {}: tính 0 điểm.",
                            m.sample, citizen.min_responses
                        ),
                        format!(
                            "n = {} is below the minimum of {}: 0 points.",
                            m.sample, citizen.min_responses
                        ),
                    );
                    Some(Points::ZERO)
                }
                BelowMin::Insufficient => {
                    words.say(
                        format!(
                            "n = {} ít hơn mức tối thiểu {}: chưa đủ dữ liệu, không tính điểm \
                             tự động; chờ thẩm định.",
                            m.sample, citizen.min_responses
                        ),
                        format!(
                            "n = {} is below the minimum of {}: insufficient data, no points \
                             computed; left to the appraiser.",
                            m.sample, citizen.min_responses
                        ),
                    );
                    None
                }
            }
        }
    };
    let (points, basis) = survey_points(&mut words, appraised, computed, sufficient, max);
    let leaf = LeafResult {
        source: SourceKind::CitizenSurvey,
        basis,
        self_assessed: None,
        appraised: appraised.cloned(),
        computed,
        imported: None,
        bonus_cap: None,
        citizen: Some(CitizenResult {
            survey: citizen.survey.clone(),
            questions: citizen.questions.clone(),
            metric: citizen.metric,
            responses,
            valid_answers: u64::try_from(m.valid).unwrap_or(u64::MAX),
            satisfied_answers: u64::try_from(m.satisfied).unwrap_or(u64::MAX),
            sample: m.sample,
            min_responses: citizen.min_responses,
            below_min: citizen.below_min,
            satisfied_share: satisfied.map(Fraction::share),
            wilson_95: wilson,
            metric_value: m.value.map(Fraction::share),
            rule: citizen.rule.clone(),
        }),
        independent: None,
        explanation: words.done(),
    };
    (points, leaf)
}

/// Which answers count, as a reader knows them: SIPAS elements by their MoHA names (some
/// contain commas, hence the semicolons), other questions by id.
fn selection_words(citizen: &CitizenSurvey) -> (String, String) {
    let elements = match &citizen.selection {
        Selection::Questions(_) => {
            let ids = list(&citizen.questions);
            return (format!("câu hỏi: {ids}"), format!("questions: {ids}"));
        }
        Selection::Sipas(elements) => elements.clone(),
        Selection::SipasAll => SipasElement::ALL.to_vec(),
    };
    let labels: Vec<_> = elements.iter().map(|e| e.label()).collect();
    let join = |lang: Lang| {
        labels
            .iter()
            .map(|l| l.get(lang).to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    };
    (
        format!("yếu tố SIPAS: {}", join(Lang::Vi)),
        format!("SIPAS elements: {}", join(Lang::En)),
    )
}

/// A float share rounded to the ten-thousandth by `round` (floor for a lower bound, ceil for
/// an upper one).
fn share_rounded(value: f64, round: fn(f64) -> f64) -> Share {
    let n = round(value * f64::from(Share::SCALE)).clamp(0.0, f64::from(Share::SCALE));
    Share::from_ten_thousandths(n as u32).unwrap_or(Share::ONE)
}

fn say_rule(
    words: &mut Words,
    rule: &Rule,
    applied: Applied,
    value: Share,
    points: Points,
    max: Points,
) {
    match rule {
        Rule::Linear { from, to } => {
            let (vi, en) = match applied {
                Applied::AtOrAboveTo => (
                    format!(
                        "{} ≥ {}: đạt tối đa {} điểm.",
                        value.vi(),
                        to.vi(),
                        max.vi()
                    ),
                    format!(
                        "{} ≥ {}: the full {} points.",
                        value.en(),
                        to.en(),
                        max.en()
                    ),
                ),
                Applied::AtOrBelowFrom => (
                    format!("{} ≤ {}: 0 điểm.", value.vi(), from.vi()),
                    format!("{} ≤ {}: 0 points.", value.en(), from.en()),
                ),
                _ => (
                    format!(
                        "{} × ({} − {}) / ({} − {}) = {} điểm.",
                        max.vi(),
                        value.vi(),
                        from.vi(),
                        to.vi(),
                        from.vi(),
                        points.vi()
                    ),
                    format!(
                        "{} × ({} − {}) / ({} − {}) = {} points.",
                        max.en(),
                        value.en(),
                        from.en(),
                        to.en(),
                        from.en(),
                        points.en()
                    ),
                ),
            };
            words.say(
                format!(
                    "Quy tắc tuyến tính: 0 điểm khi ≤ {}, tối đa khi ≥ {}; {vi}",
                    from.vi(),
                    to.vi()
                ),
                format!(
                    "Linear rule: 0 points at or below {}, full points at or above {}; {en}",
                    from.en(),
                    to.en()
                ),
            );
        }
        Rule::Bands { bands } => {
            let table = |lang: fn(&dyn Localized) -> String, below: &str| {
                let mut parts: Vec<String> = bands
                    .iter()
                    .map(|b| format!("≥ {} → {}", lang(&b.min), lang(&b.points)))
                    .collect();
                parts.push(format!("{below} → 0"));
                parts.join("; ")
            };
            let (vi, en) = match applied {
                Applied::Band(i) => (
                    format!(
                        "{} thuộc bậc ≥ {}: {} điểm.",
                        value.vi(),
                        bands[i].min.vi(),
                        points.vi()
                    ),
                    format!(
                        "{} is in the band ≥ {}: {} points.",
                        value.en(),
                        bands[i].min.en(),
                        points.en()
                    ),
                ),
                _ => (
                    format!("{} thấp hơn mọi bậc: 0 điểm.", value.vi()),
                    format!("{} is below every band: 0 points.", value.en()),
                ),
            };
            words.say(
                format!("Quy tắc theo bậc: {}. {vi}", table(|x| x.vi(), "thấp hơn")),
                format!("Bands: {}. {en}", table(|x| x.en(), "below")),
            );
        }
    }
}

fn imported_leaf(
    id: &str,
    max: Points,
    import_max: Points,
    input: &ScoringInput,
    notes: &mut Notes,
) -> (Points, LeafResult) {
    let imported = input.imported.get(id);
    let appraised = input.appraised.get(id);
    let mut words = Words::default();
    let computed = imported.map(|imported| {
        // score / import_max × max in hundredths, rounded half up; score ≤ import_max was
        // checked, so the result is at most max.
        let numerator = u128::from(imported.score.hundredths()) * u128::from(max.hundredths());
        let denominator = u128::from(import_max.hundredths());
        let hundredths = (numerator * 2 + denominator) / (denominator * 2);
        let points = Points::from_hundredths(hundredths as u64)
            .unwrap_or(max)
            .min(max);
        let (from_vi, from_en) = match &imported.from {
            Some(from) => (format!(" (nguồn: {from})"), format!(" (from: {from})")),
            None => (String::new(), String::new()),
        };
        words.say(
            format!(
                "Điểm từ hệ thống khác{from_vi}: {}/{}, quy đổi {} / {} × {} = {} điểm.",
                imported.score.vi(),
                import_max.vi(),
                imported.score.vi(),
                import_max.vi(),
                max.vi(),
                points.vi()
            ),
            format!(
                "Score from another system{from_en}: {} out of {}, scaled {} / {} × {} = {} \
                 points.",
                imported.score.en(),
                import_max.en(),
                imported.score.en(),
                import_max.en(),
                max.en(),
                points.en()
            ),
        );
        points
    });
    let (points, basis) = match (appraised, computed) {
        (Some(appraised), _) => {
            if computed.is_none() {
                words.say("Chưa có điểm từ hệ thống khác.", "No imported score.");
            }
            say_appraised(&mut words, appraised, max);
            (appraised.points, Basis::Appraised)
        }
        (None, Some(points)) => (points, Basis::Imported),
        (None, None) => {
            notes.not_entered.push(id.to_owned());
            words.say(
                format!("Chưa có điểm từ hệ thống khác: 0/{} điểm.", max.vi()),
                format!("No imported score yet: 0/{} points.", max.en()),
            );
            (Points::ZERO, Basis::NotEntered)
        }
    };
    let leaf = LeafResult {
        source: SourceKind::Imported,
        basis,
        self_assessed: None,
        appraised: appraised.cloned(),
        computed,
        imported: imported.cloned(),
        bonus_cap: None,
        citizen: None,
        independent: None,
        explanation: words.done(),
    };
    (points, leaf)
}

/// A leaf scored from the province's own survey: its figure (n and satisfied share) for the
/// commune, the leaf's rule on the share, and the same minimum-n handling as desk answers. A
/// missing figure is never scored automatically: it is flagged like too few answers (n = 0)
/// and left to the figure's arrival or the appraiser.
fn independent_leaf(
    id: &str,
    max: Points,
    source: &IndependentSurvey,
    input: &ScoringInput,
    notes: &mut Notes,
) -> (Points, LeafResult) {
    let figure = input.independent.get(&source.survey);
    let appraised = input.appraised.get(id);
    let wilson = figure
        .and_then(|f| wilson_95(f.satisfied_share.as_f64(), f.sample))
        .map(|(low, high)| Interval {
            low: share_rounded(low, f64::floor),
            high: share_rounded(high, f64::ceil),
        });
    let mut words = Words::default();
    let computed = match figure {
        None => {
            notes.insufficient.push(InsufficientData {
                leaf: id.to_owned(),
                sample: 0,
                min_responses: source.min_responses,
                below_min: BelowMin::Insufficient,
                appraised: appraised.is_some(),
            });
            words.say(
                format!(
                    "Khảo sát độc lập «{}»: chưa có số liệu của xã trong kỳ; chưa đủ dữ liệu, \
                     không tính điểm tự động; chờ số liệu hoặc thẩm định.",
                    source.survey
                ),
                format!(
                    "Independent survey “{}”: no figure for this commune and period; \
                     insufficient data, no points computed; waiting for the figure or the \
                     appraiser.",
                    source.survey
                ),
            );
            None
        }
        Some(figure) => {
            let (from_vi, from_en) = match &figure.from {
                Some(from) => (format!(" (nguồn: {from})"), format!(" (from: {from})")),
                None => (String::new(), String::new()),
            };
            words.say(
                format!(
                    "Khảo sát độc lập «{}»{from_vi}: n = {}, tỷ lệ hài lòng hoặc rất hài lòng {}.",
                    source.survey,
                    figure.sample,
                    figure.satisfied_share.vi()
                ),
                format!(
                    "Independent survey “{}”{from_en}: n = {}, {} satisfied or very satisfied.",
                    source.survey,
                    figure.sample,
                    figure.satisfied_share.en()
                ),
            );
            if let Some(interval) = wilson {
                say_interval(&mut words, figure.sample, interval);
            }
            if figure.sample >= source.min_responses {
                let value = Fraction {
                    num: u128::from(figure.satisfied_share.ten_thousandths()),
                    den: u128::from(Share::SCALE),
                };
                let (points, applied) = apply(&source.rule, value, max);
                say_rule(
                    &mut words,
                    &source.rule,
                    applied,
                    figure.satisfied_share,
                    points,
                    max,
                );
                Some(points)
            } else {
                notes.insufficient.push(InsufficientData {
                    leaf: id.to_owned(),
                    sample: figure.sample,
                    min_responses: source.min_responses,
                    below_min: source.below_min,
                    appraised: appraised.is_some(),
                });
                match source.below_min {
                    BelowMin::Zero => {
                        words.say(
                            format!(
                                "n = {} ít hơn mức tối thiểu {}: tính 0 điểm.",
                                figure.sample, source.min_responses
                            ),
                            format!(
                                "n = {} is below the minimum of {}: 0 points.",
                                figure.sample, source.min_responses
                            ),
                        );
                        Some(Points::ZERO)
                    }
                    BelowMin::Insufficient => {
                        words.say(
                            format!(
                                "n = {} ít hơn mức tối thiểu {}: chưa đủ dữ liệu, không tính \
                                 điểm tự động; chờ thẩm định.",
                                figure.sample, source.min_responses
                            ),
                            format!(
                                "n = {} is below the minimum of {}: insufficient data, no \
                                 points computed; left to the appraiser.",
                                figure.sample, source.min_responses
                            ),
                        );
                        None
                    }
                }
            }
        }
    };
    let sufficient = figure.is_some_and(|f| f.sample >= source.min_responses);
    let (points, basis) = survey_points(&mut words, appraised, computed, sufficient, max);
    let leaf = LeafResult {
        source: SourceKind::IndependentSurvey,
        basis,
        self_assessed: None,
        appraised: appraised.cloned(),
        computed,
        imported: None,
        bonus_cap: None,
        citizen: None,
        independent: Some(IndependentResult {
            survey: source.survey.clone(),
            figure: figure.cloned(),
            min_responses: source.min_responses,
            below_min: source.below_min,
            wilson_95: wilson,
            rule: source.rule.clone(),
        }),
        explanation: words.done(),
    };
    (points, leaf)
}

fn find_node<'a>(nodes: &'a [NodeResult], id: &str) -> Option<&'a NodeResult> {
    nodes.iter().find_map(|node| {
        if node.id == id {
            Some(node)
        } else {
            find_node(&node.children, id)
        }
    })
}

fn fired_knockouts(
    set: &CriteriaSet,
    groups: &[NodeResult],
    insufficient: &[InsufficientData],
) -> Vec<KnockoutResult> {
    let mut fired = Vec::new();
    for knockout in &set.knockouts {
        match knockout {
            Knockout::CriterionBelow { criterion, min } => {
                // A set that passed its check names only existing nodes; one built in code
                // without the check cannot fail a commune through a typo.
                let Some(node) = find_node(groups, criterion) else {
                    continue;
                };
                if node.points < *min {
                    fired.push(KnockoutResult {
                        knockout: knockout.clone(),
                        explanation: Text {
                            vi: format!(
                                "{} ({}) đạt {} điểm, dưới mức tối thiểu {} điểm.",
                                node.name.vi,
                                node.id,
                                node.points.vi(),
                                min.vi()
                            ),
                            en: format!(
                                "{} ({}) scored {} points, below the minimum of {}.",
                                node.name.en,
                                node.id,
                                node.points.en(),
                                min.en()
                            ),
                        },
                    });
                }
            }
            Knockout::InsufficientSample => {
                if insufficient.is_empty() {
                    continue;
                }
                let leaves: Vec<String> = insufficient
                    .iter()
                    .map(|i| format!("{} (n = {}/{})", i.leaf, i.sample, i.min_responses))
                    .collect();
                fired.push(KnockoutResult {
                    knockout: knockout.clone(),
                    explanation: Text {
                        vi: format!(
                            "Không đủ câu trả lời khảo sát người dân: {}.",
                            leaves.join(", ")
                        ),
                        en: format!("Too few citizen survey answers: {}.", leaves.join(", ")),
                    },
                });
            }
        }
    }
    fired
}

fn summary(report: &Report) -> Text {
    let mut words = Words::default();
    let bonus = report.bonus_points > Points::ZERO;
    words.say(
        format!(
            "Tổng điểm {}/{}{}.",
            report.total.vi(),
            report.scale_max.vi(),
            if bonus {
                format!(" (gồm {} điểm cộng)", report.bonus_points.vi())
            } else {
                String::new()
            }
        ),
        format!(
            "Total {}/{}{}.",
            report.total.en(),
            report.scale_max.en(),
            if bonus {
                format!(" (including {} bonus points)", report.bonus_points.en())
            } else {
                String::new()
            }
        ),
    );
    let threshold = report.pass_threshold;
    if !report.knockouts.is_empty() {
        words.say(
            format!(
                "Không đạt: {} điều kiện loại trừ (điểm liệt).",
                report.knockouts.len()
            ),
            format!(
                "Not passed: {} knock-out condition(s) fired.",
                report.knockouts.len()
            ),
        );
    } else if threshold == Points::ZERO {
        // A set without a pass mark (Đồng Nai: every commune gets a star) grades every total.
        words.say(
            "Đạt: bộ tiêu chí không có ngưỡng điểm tối thiểu, mọi tổng điểm đều được xếp loại.",
            "Passed: the set has no pass mark; every total is graded.",
        );
    } else if report.passed {
        words.say(
            format!("Đạt (ngưỡng {} điểm).", threshold.vi()),
            format!("Passed (threshold {} points).", threshold.en()),
        );
    } else {
        words.say(
            format!("Chưa đạt (ngưỡng {} điểm).", threshold.vi()),
            format!("Not passed (threshold {} points).", threshold.en()),
        );
    }
    match &report.grade {
        Some(grade) => words.say(
            format!("Xếp loại: {}.", grade.label.vi),
            format!("Grade: {}.", grade.label.en),
        ),
        None => words.say("Không xếp loại.", "No grade."),
    }
    let counted = [
        (
            report.insufficient_data.len(),
            "tiêu chí chưa đủ dữ liệu khảo sát",
            "with insufficient survey data",
        ),
        (
            report.not_entered.len(),
            "tiêu chí chưa có điểm",
            "with nothing entered",
        ),
        (
            report.missing_evidence.len(),
            "tiêu chí thiếu minh chứng bắt buộc",
            "missing required evidence",
        ),
    ];
    for (n, vi, en) in counted {
        let noun = if n == 1 { "criterion" } else { "criteria" };
        if n > 0 {
            words.say(format!("{n} {vi}."), format!("{n} {noun} {en}."));
        }
    }
    words.done()
}
