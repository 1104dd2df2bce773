//! Reading one criteria file (`criteria/<id>.toml`) into a [`CriteriaSet`].
//!
//! Structure (types, missing and unknown keys) is checked while reading, through the same
//! located TOML tree as survey files; the set's rules are then checked on the typed value and
//! mapped back to a line through the spans recorded on the way.

use crate::toml_tree::{self, Fail, Field, Spans, Table};
use crate::{DefinitionError, Definitions, SipasElement, Text};

use super::{
    sipas_questions, Band, BelowMin, CitizenSurvey, Content, CriteriaSet, Criterion, Evidence,
    Grade, Group, Historical, IndependentSurvey, Knockout, Metric, Period, Points, Rule, Selection,
    Share, Source, SubCriterion,
};

const SET_KEYS: [&str; 10] = [
    "id",
    "version",
    "name",
    "period",
    "historical",
    "scale_max",
    "pass_threshold",
    "grades",
    "knockouts",
    "groups",
];
const SOURCE_KINDS: [&str; 5] = [
    "self_assessment",
    "citizen_survey",
    "independent_survey",
    "imported",
    "bonus",
];

/// Parses one criteria file and checks it, including that every citizen-survey leaf names
/// questions of a survey in `definitions`; `file` is only used in error messages.
pub fn parse_criteria(
    file: &str,
    text: &str,
    definitions: &Definitions,
) -> Result<CriteriaSet, DefinitionError> {
    let doc = toml_tree::parse_document(file, text)?;
    // The located tree keeps no decimal values (survey files have none), so decimals are read
    // from a plain parse of the same text, by field path.
    let plain: toml::Value = toml::from_str(text)
        .map_err(|e| DefinitionError::whole_file(file, e.message().trim_end()))?;
    let mut reader = Reader {
        plain: &plain,
        definitions,
        spans: Spans::default(),
    };
    let set = reader
        .set(&doc)
        .map_err(|fail| fail.into_error(file, text))?;
    set.problems(definitions).map_err(|problem| {
        let span = reader.spans.find(&problem.path);
        Fail::new(&problem.path, span, problem.message).into_error(file, text)
    })?;
    Ok(set)
}

struct Reader<'a> {
    plain: &'a toml::Value,
    definitions: &'a Definitions,
    spans: Spans,
}

impl Reader<'_> {
    fn set(&mut self, doc: &toml_tree::Node) -> Result<CriteriaSet, Fail> {
        let table = toml_tree::root(doc)?;
        table.allow(&SET_KEYS)?;
        let id = self.string(&table, "id")?;
        let version_field = table.required("version", &mut self.spans)?;
        let version = u32::try_from(version_field.integer()?)
            .map_err(|_| version_field.fail("version must be 1 or higher"))?;
        let name = self.text(&table, "name")?;
        let period_field = table.required("period", &mut self.spans)?;
        let period = self.period(&period_field)?;
        let historical = match table.optional("historical", &mut self.spans) {
            Some(field) => {
                let historical = field.table()?;
                historical.allow(&["valid_until", "reason"])?;
                Some(Historical {
                    valid_until: self.string(&historical, "valid_until")?,
                    reason: self.text(&historical, "reason")?,
                })
            }
            None => None,
        };
        let scale_max = self.points_at(&table, "scale_max")?;
        let pass_threshold = self.points_at(&table, "pass_threshold")?;
        let grades = table
            .required("grades", &mut self.spans)?
            .array(&mut self.spans)?
            .iter()
            .map(|field| self.grade(field))
            .collect::<Result<_, _>>()?;
        let knockouts = table
            .required("knockouts", &mut self.spans)?
            .array(&mut self.spans)?
            .iter()
            .map(|field| self.knockout(field))
            .collect::<Result<_, _>>()?;
        let groups = table
            .required("groups", &mut self.spans)?
            .array(&mut self.spans)?
            .iter()
            .map(|field| self.group(field))
            .collect::<Result<_, _>>()?;
        Ok(CriteriaSet {
            id,
            version,
            name,
            period,
            historical,
            scale_max,
            pass_threshold,
            grades,
            knockouts,
            groups,
        })
    }

    fn period(&mut self, field: &Field) -> Result<Period, Fail> {
        let table = field.table()?;
        table.allow(&["from", "to"])?;
        Ok(Period {
            from: self.string(&table, "from")?,
            to: self.string(&table, "to")?,
        })
    }

    fn grade(&mut self, field: &Field) -> Result<Grade, Fail> {
        let table = field.table()?;
        table.allow(&["id", "min", "label"])?;
        Ok(Grade {
            id: self.string(&table, "id")?,
            min: self.points_at(&table, "min")?,
            label: self.text(&table, "label")?,
        })
    }

    fn knockout(&mut self, field: &Field) -> Result<Knockout, Fail> {
        let table = field.table()?;
        let kind_field = table.required("kind", &mut self.spans)?;
        match kind_field.str()? {
            "criterion_below" => {
                table.allow(&["kind", "criterion", "min"])?;
                Ok(Knockout::CriterionBelow {
                    criterion: self.string(&table, "criterion")?,
                    min: self.points_at(&table, "min")?,
                })
            }
            "insufficient_sample" => {
                table.allow(&["kind"])?;
                Ok(Knockout::InsufficientSample)
            }
            other => Err(kind_field.fail(format!(
                "unknown knock-out kind `{other}`; use criterion_below or insufficient_sample"
            ))),
        }
    }

    fn group(&mut self, field: &Field) -> Result<Group, Fail> {
        let table = field.table()?;
        table.allow(&["id", "name", "max", "criteria"])?;
        Ok(Group {
            id: self.string(&table, "id")?,
            name: self.text(&table, "name")?,
            max: self.points_at(&table, "max")?,
            criteria: table
                .required("criteria", &mut self.spans)?
                .array(&mut self.spans)?
                .iter()
                .map(|field| self.criterion(field))
                .collect::<Result<_, _>>()?,
        })
    }

    fn criterion(&mut self, field: &Field) -> Result<Criterion, Fail> {
        let table = field.table()?;
        table.allow(&["id", "name", "max", "source", "sub_criteria"])?;
        let id = self.string(&table, "id")?;
        let name = self.text(&table, "name")?;
        let max = self.points_at(&table, "max")?;
        let content = match table.optional("sub_criteria", &mut self.spans) {
            Some(subs) => {
                table.forbid(
                    "source",
                    "a criterion with sub_criteria is scored through them; move the source into \
                     a sub-criterion",
                )?;
                Content::SubCriteria(
                    subs.array(&mut self.spans)?
                        .iter()
                        .map(|field| self.sub_criterion(field))
                        .collect::<Result<_, _>>()?,
                )
            }
            None => {
                let field = table.required("source", &mut self.spans)?;
                Content::Source(self.source(&field)?)
            }
        };
        Ok(Criterion {
            id,
            name,
            max,
            content,
        })
    }

    fn sub_criterion(&mut self, field: &Field) -> Result<SubCriterion, Fail> {
        let table = field.table()?;
        table.allow(&["id", "name", "max", "source"])?;
        Ok(SubCriterion {
            id: self.string(&table, "id")?,
            name: self.text(&table, "name")?,
            max: self.points_at(&table, "max")?,
            source: {
                let field = table.required("source", &mut self.spans)?;
                self.source(&field)?
            },
        })
    }

    fn source(&mut self, field: &Field) -> Result<Source, Fail> {
        let table = field.table()?;
        let kind_field = table.required("kind", &mut self.spans)?;
        match kind_field.str()? {
            "self_assessment" => {
                table.allow(&["kind", "evidence"])?;
                Ok(Source::SelfAssessment {
                    evidence: self.evidence(&table)?,
                })
            }
            "bonus" => {
                table.allow(&["kind", "cap", "evidence"])?;
                Ok(Source::Bonus {
                    cap: self.points_at(&table, "cap")?,
                    evidence: self.evidence(&table)?,
                })
            }
            "imported" => {
                table.allow(&["kind", "import_max"])?;
                Ok(Source::Imported {
                    import_max: self.points_at(&table, "import_max")?,
                })
            }
            "citizen_survey" => self.citizen(&table).map(Source::CitizenSurvey),
            "independent_survey" => {
                table.allow(&["kind", "survey", "rule", "min_responses", "below_min"])?;
                let survey = self.string(&table, "survey")?;
                let rule_field = table.required("rule", &mut self.spans)?;
                let rule = self.rule(&rule_field)?;
                let (min_responses, below_min) = self.minimum(&table)?;
                Ok(Source::IndependentSurvey(IndependentSurvey {
                    survey,
                    rule,
                    min_responses,
                    below_min,
                }))
            }
            other => Err(kind_field.fail(format!(
                "unknown source kind `{other}`; use one of: {}",
                SOURCE_KINDS.join(", ")
            ))),
        }
    }

    fn evidence(&mut self, table: &Table) -> Result<Evidence, Fail> {
        let field = table.required("evidence", &mut self.spans)?;
        match field.str()? {
            "required" => Ok(Evidence::Required),
            "optional" => Ok(Evidence::Optional),
            other => Err(field.fail(format!(
                "unknown evidence `{other}`; use \"required\" or \"optional\""
            ))),
        }
    }

    fn citizen(&mut self, table: &Table) -> Result<CitizenSurvey, Fail> {
        table.allow(&[
            "kind",
            "survey",
            "questions",
            "sipas",
            "metric",
            "rule",
            "min_responses",
            "below_min",
        ])?;
        let survey = self.string(table, "survey")?;
        let (selection, questions) = match table.optional("questions", &mut self.spans) {
            Some(field) => {
                table.forbid("sipas", "give either questions or sipas, not both")?;
                let ids: Vec<String> = field
                    .array(&mut self.spans)?
                    .iter()
                    .map(|item| item.str().map(str::to_owned))
                    .collect::<Result<_, _>>()?;
                (Selection::Questions(ids.clone()), ids)
            }
            None => match table.optional("sipas", &mut self.spans) {
                Some(field) => self.sipas(&field, &survey)?,
                None => return Err(self.missing(table, "questions", "(or `sipas`)")),
            },
        };
        let metric_field = table.required("metric", &mut self.spans)?;
        let metric = match metric_field.str()? {
            "satisfied_share" => Metric::SatisfiedShare,
            "mean_score" => Metric::MeanScore,
            other => {
                return Err(metric_field.fail(format!(
                    "unknown metric `{other}`; use \"satisfied_share\" or \"mean_score\""
                )))
            }
        };
        let rule_field = table.required("rule", &mut self.spans)?;
        let rule = self.rule(&rule_field)?;
        let (min_responses, below_min) = self.minimum(table)?;
        Ok(CitizenSurvey {
            survey,
            selection,
            questions,
            metric,
            rule,
            min_responses,
            below_min,
        })
    }

    /// `min_responses` and `below_min` of a survey-fed leaf.
    fn minimum(&mut self, table: &Table) -> Result<(u64, BelowMin), Fail> {
        let min_field = table.required("min_responses", &mut self.spans)?;
        let min_responses = u64::try_from(min_field.integer()?)
            .map_err(|_| min_field.fail("min_responses must be 1 or more"))?;
        let below_field = table.required("below_min", &mut self.spans)?;
        let below_min = match below_field.str()? {
            "zero" => BelowMin::Zero,
            "insufficient" => BelowMin::Insufficient,
            other => {
                return Err(below_field.fail(format!(
                    "unknown below_min `{other}`; use \"zero\" or \"insufficient\""
                )))
            }
        };
        Ok((min_responses, below_min))
    }

    /// `sipas = "all"` or a list of element keys, turned into the questions feeding them.
    fn sipas(&mut self, field: &Field, survey: &str) -> Result<(Selection, Vec<String>), Fail> {
        let (selection, elements) = match field.str() {
            Ok("all") => (Selection::SipasAll, SipasElement::ALL.to_vec()),
            Ok(other) => {
                return Err(field.fail(format!(
                    "sipas is \"all\" or a list of elements, not `{other}`"
                )))
            }
            Err(_) => {
                let mut elements = Vec::new();
                for item in field.array(&mut self.spans)? {
                    let key = item.str()?;
                    let element = SipasElement::from_key(key).ok_or_else(|| {
                        let keys: Vec<_> = SipasElement::ALL.iter().map(|e| e.key()).collect();
                        item.fail(format!(
                            "unknown SIPAS element `{key}`; use one of: {}",
                            keys.join(", ")
                        ))
                    })?;
                    if elements.contains(&element) {
                        return Err(item.fail(format!("SIPAS element `{key}` is listed twice")));
                    }
                    elements.push(element);
                }
                (Selection::Sipas(elements.clone()), elements)
            }
        };
        let mut questions = Vec::new();
        let survey_known = self.definitions.surveys().any(|s| s.id == survey);
        for element in elements {
            let feeding = sipas_questions(self.definitions, survey, element);
            // An unknown survey is reported by the set check, which names the known ones.
            if feeding.is_empty() && survey_known {
                return Err(field.fail(format!(
                    "no question of survey `{survey}` feeds sipas.{}",
                    element.key()
                )));
            }
            questions.extend(feeding);
        }
        Ok((selection, questions))
    }

    fn rule(&mut self, field: &Field) -> Result<Rule, Fail> {
        let table = field.table()?;
        let kind_field = table.required("kind", &mut self.spans)?;
        match kind_field.str()? {
            "linear" => {
                table.allow(&["kind", "from", "to"])?;
                Ok(Rule::Linear {
                    from: self.share_at(&table, "from")?,
                    to: self.share_at(&table, "to")?,
                })
            }
            "bands" => {
                table.allow(&["kind", "bands"])?;
                let bands = table
                    .required("bands", &mut self.spans)?
                    .array(&mut self.spans)?
                    .iter()
                    .map(|band| {
                        let band = band.table()?;
                        band.allow(&["min", "points"])?;
                        Ok(Band {
                            min: self.share_at(&band, "min")?,
                            points: self.points_at(&band, "points")?,
                        })
                    })
                    .collect::<Result<_, Fail>>()?;
                Ok(Rule::Bands { bands })
            }
            other => Err(kind_field.fail(format!(
                "unknown rule kind `{other}`; use \"linear\" or \"bands\""
            ))),
        }
    }

    /// The "missing key" complaint for `key`, with a hint about its alternatives.
    fn missing(&mut self, table: &Table, key: &str, hint: &str) -> Fail {
        match table.required(key, &mut self.spans) {
            Err(mut fail) => {
                fail.message = format!("{} {hint}", fail.message);
                fail
            }
            // Not reached: callers ask only about keys they found absent.
            Ok(field) => field.fail(hint),
        }
    }

    fn string(&mut self, table: &Table, key: &str) -> Result<String, Fail> {
        Ok(table.required(key, &mut self.spans)?.str()?.to_owned())
    }

    fn text(&mut self, table: &Table, key: &str) -> Result<Text, Fail> {
        let field = table.required(key, &mut self.spans)?;
        let text = field.table()?;
        text.allow(&["vi", "en"])?;
        Ok(Text {
            vi: self.string(&text, "vi")?,
            en: self.string(&text, "en")?,
        })
    }

    fn number(&self, field: &Field) -> Result<f64, Fail> {
        match field.integer() {
            Ok(i) => Ok(i as f64),
            Err(mut fail) => match lookup(self.plain, &field.path) {
                Some(toml::Value::Float(f)) => Ok(*f),
                _ => {
                    fail.message = fail.message.replacen("an integer", "a number", 1);
                    Err(fail)
                }
            },
        }
    }

    fn points_at(&mut self, table: &Table, key: &str) -> Result<Points, Fail> {
        let field = table.required(key, &mut self.spans)?;
        self.points(&field)
    }

    fn share_at(&mut self, table: &Table, key: &str) -> Result<Share, Fail> {
        let field = table.required(key, &mut self.spans)?;
        self.share(&field)
    }

    fn points(&self, field: &Field) -> Result<Points, Fail> {
        let value = self.number(field)?;
        Points::from_decimal(value).ok_or_else(|| {
            field.fail(format!(
                "{value} is not a number of points: use 0 to 10000000 with at most 2 decimals"
            ))
        })
    }

    fn share(&self, field: &Field) -> Result<Share, Fail> {
        let value = self.number(field)?;
        Share::from_decimal(value).ok_or_else(|| {
            field.fail(format!(
                "{value} is not a share: use 0 to 1 with at most 4 decimals (0.95 is 95%)"
            ))
        })
    }
}

/// The value at a field path such as `groups[2].criteria[0].source.rule.from`. Keys in criteria
/// files never contain `.` or `[` (unknown keys are rejected before values are read), so the
/// path splits unambiguously.
fn lookup<'v>(root: &'v toml::Value, path: &str) -> Option<&'v toml::Value> {
    let mut value = root;
    for segment in path.split('.') {
        let (key, indices) = segment.split_at(segment.find('[').unwrap_or(segment.len()));
        value = value.get(key)?;
        for index in indices.split(['[', ']']).filter(|s| !s.is_empty()) {
            value = value.get(index.parse::<usize>().ok()?)?;
        }
    }
    Some(value)
}
