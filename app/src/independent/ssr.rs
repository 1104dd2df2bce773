//! Reading and storing the province's figures, and setting them beside the desk's.

use std::collections::BTreeMap;

use survey_definitions::criteria::{Period as SetPeriod, Share};
use survey_definitions::{Feeds, Survey};

use super::comparison::ComparisonText;
use crate::figures::{overall_question, satisfaction, Period, Satisfaction};
use crate::format;
use crate::i18n::Lang;
use crate::store::independent::IndependentRow;
use crate::store::{Store, StoreError};

/// The header of an import file.
pub const HEADER: [&str; 7] = [
    "ma_xa",
    "tu_ngay",
    "den_ngay",
    "yeu_to",
    "so_phieu",
    "ty_le_hai_long",
    "nguon",
];

/// The element of a whole-service question.
pub const OVERALL: &str = "overall";

/// One line of an import file, checked; the commune is still a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportLine {
    pub line: usize,
    pub code: String,
    pub period: Period,
    /// `overall` or a SIPAS element's key.
    pub element: String,
    pub sample: i64,
    /// Hundredths of a percent.
    pub satisfied_bp: i64,
    pub source: String,
}

/// A percentage as provinces write it (`70`, `70,5`, `70.25`, `70%`), in hundredths of a
/// percent; `None` unless it is 0–100 with at most two decimals.
pub fn percent_bp(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('%').trim();
    let (whole, fraction) = match text.split_once([',', '.']) {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty()
        || whole.len() > 3
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    let bp = whole * 100 + fraction;
    (0..=10_000).contains(&bp).then_some(bp)
}

/// Every line of an import file, or every problem, each with its line number.
pub fn parse_lines(text: &str) -> Result<Vec<ImportLine>, Vec<String>> {
    let records = survey_definitions::csv_file::read_records(text)
        .map_err(|(line, message)| vec![format!("line {line}: {message}")])?;
    let mut records = records.into_iter();
    let header_ok = records
        .next()
        .is_some_and(|r| r.fields.iter().map(String::as_str).eq(HEADER));
    if !header_ok {
        return Err(vec![format!(
            "line 1: the header must be {}",
            HEADER.join(",")
        )]);
    }
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for record in records {
        let n = record.line;
        if record.fields.len() != HEADER.len() {
            problems.push(format!("line {n}: expected {} fields", HEADER.len()));
            continue;
        }
        let [code, from, to, element, sample, share, source] =
            [0, 1, 2, 3, 4, 5, 6].map(|i| record.get(i).to_string());
        let mut problem = |message: String| problems.push(format!("line {n}: {message}"));
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
            problem(format!("`{code}` is not a commune code"));
            continue;
        }
        let (Some(first), Some(last)) =
            (crate::clock::parse_day(&from), crate::clock::parse_day(&to))
        else {
            problem(format!("`{from}`–`{to}`: the days are written YYYY-MM-DD"));
            continue;
        };
        if first > last {
            problem(format!("the period ends ({to}) before it starts ({from})"));
            continue;
        }
        if element != OVERALL && survey_definitions::SipasElement::from_key(&element).is_none() {
            problem(format!(
                "`{element}` is not an element: overall, access, procedures, civil_servants, \
                 results or feedback"
            ));
            continue;
        }
        let Some(sample) = sample.parse::<i64>().ok().filter(|s| *s > 0) else {
            problem(format!("`{sample}` is not a number of people (1 or more)"));
            continue;
        };
        let Some(satisfied_bp) = percent_bp(&share) else {
            problem(format!(
                "`{share}` is not a percentage from 0 to 100 with at most two decimals"
            ));
            continue;
        };
        if source.is_empty() {
            problem("say where the figure was published (nguon)".into());
            continue;
        }
        if !seen.insert((code.clone(), from.clone(), to.clone(), element.clone())) {
            problem(format!("{code} {element} {from}–{to} appears twice"));
            continue;
        }
        lines.push(ImportLine {
            line: n,
            code,
            period: Period { from, to },
            element,
            sample,
            satisfied_bp,
            source,
        });
    }
    if problems.is_empty() {
        Ok(lines)
    } else {
        Err(problems)
    }
}

/// The desk's figure and the province's for the same commune, days and element.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub period: Period,
    pub element: String,
    pub desk: Satisfaction,
    pub sample: i64,
    pub satisfied_bp: i64,
    pub source: String,
}

impl Comparison {
    /// The province's share, 0–1.
    fn share(&self) -> f64 {
        self.satisfied_bp as f64 / 10_000.0
    }

    /// The province's 95% interval.
    pub fn interval(&self) -> Option<(f64, f64)> {
        scoring::wilson_95(self.share(), u64::try_from(self.sample).unwrap_or(0))
    }

    /// The desk's share is far above the province's, beyond what sampling explains: the
    /// desk's 95% interval lies wholly above the province's. Chance alone puts two honest
    /// figures that far apart far less often than one time in twenty.
    pub fn steering(&self) -> bool {
        match (self.desk.interval(), self.interval()) {
            (Some((desk_low, _)), Some((_, province_high))) => desk_low > province_high,
            _ => false,
        }
    }

    /// As pages write it.
    pub fn text(&self, lang: Lang) -> ComparisonText {
        let desk = self.desk.text(Some(&self.period), lang);
        let element = match survey_definitions::SipasElement::from_key(&self.element) {
            Some(e) => e.label().get(lang).to_string(),
            None => match lang {
                Lang::Vi | Lang::Supplied(_) => "Hài lòng chung".into(),
                Lang::En => "Overall satisfaction".into(),
            },
        };
        let steering = self.steering();
        let note = match (steering, lang) {
            (true, Lang::Vi | Lang::Supplied(_)) => {
                "Tỷ lệ tại quầy cao hơn hẳn khảo sát của tỉnh, vượt quá sai số \
                                 chọn mẫu: cần xem lại cách mời người dân đánh giá tại quầy."
                    .to_string()
            }
            (true, Lang::En) => "The desk's share is far above the province's survey, beyond \
                                 sampling error: check how citizens are asked to rate at the desk."
                .to_string(),
            (false, _) => String::new(),
        };
        ComparisonText {
            period: desk.period.clone(),
            element,
            desk_rated: desk.rated,
            desk_share: desk.satisfied,
            desk_interval: desk.interval,
            sample: format::count(self.sample, lang),
            share: format::ratio_percent(
                u64::try_from(self.satisfied_bp).unwrap_or(0),
                10_000,
                lang,
            )
            .unwrap_or_else(|| "—".into()),
            interval: self
                .interval()
                .map(|(low, high)| format::interval(low, high, lang))
                .unwrap_or_default(),
            source: self.source.clone(),
            steering,
            note,
        }
    }
}

/// The survey name an import is stored under: lowercase `a-z`, `0-9`, `-`, as criteria sets
/// name it in their `independent_survey` leaves.
pub fn valid_survey_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The question of `survey` that measures `element`.
fn question_for<'a>(survey: &'a Survey, element: &str) -> Option<&'a str> {
    if element == OVERALL {
        return Some(overall_question(survey));
    }
    survey
        .questions
        .iter()
        .find(|q| matches!(&q.feeds, Feeds::Sipas(e) if e.key() == element))
        .map(|q| q.id.as_str())
}

/// Stores the lines of an import under `survey`, each commune named by its code today; returns
/// how many figures changed, or every line whose commune is unknown (nothing stored then).
pub async fn import(
    store: &Store,
    survey: &str,
    lines: &[ImportLine],
    actor: &str,
) -> Result<Result<usize, Vec<String>>, StoreError> {
    let mut rows = Vec::with_capacity(lines.len());
    let mut problems = Vec::new();
    for line in lines {
        let Some(unit) = store.commune_by_code(&line.code).await? else {
            problems.push(format!(
                "line {}: no commune in force with code {}",
                line.line, line.code
            ));
            continue;
        };
        rows.push(IndependentRow {
            survey: survey.to_string(),
            unit_id: unit.id,
            period_from: line.period.from.clone(),
            period_to: line.period.to.clone(),
            element: line.element.clone(),
            sample: line.sample,
            satisfied_bp: line.satisfied_bp,
            source: line.source.clone(),
        });
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    store.set_independent_figures(&rows, actor).await.map(Ok)
}

/// Each of the commune's imported figures beside the desk's figure for the same days and
/// element (the dashboard's per-day counts, so the desk side is the dashboard's own figure).
pub async fn comparisons(
    store: &Store,
    survey: &Survey,
    unit_id: i64,
) -> Result<Vec<Comparison>, StoreError> {
    let mut out = Vec::new();
    let mut days: BTreeMap<(String, String), Vec<_>> = BTreeMap::new();
    for row in store.independent_figures(Some(unit_id)).await? {
        let Some(question) = question_for(survey, &row.element) else {
            continue;
        };
        let key = (row.period_from.clone(), row.period_to.clone());
        if !days.contains_key(&key) {
            let rows = store
                .commune_daily(unit_id, &survey.id, &key.0, &key.1)
                .await?;
            days.insert(key.clone(), rows);
        }
        let desk = satisfaction(&days[&key], question, |_| true);
        out.push(Comparison {
            period: Period {
                from: row.period_from,
                to: row.period_to,
            },
            element: row.element,
            desk,
            sample: row.sample,
            satisfied_bp: row.satisfied_bp,
            source: format!("{} ({})", row.source, row.survey),
        });
    }
    Ok(out)
}

/// The figure an `independent_survey` leaf reading `survey` takes for a scoring period: the
/// commune's `overall` figure of that survey whose days lie within the period, the latest
/// ending one when there are several; `None` (the leaf stays unscored) without one.
pub fn scoring_figure(
    rows: &[IndependentRow],
    survey: &str,
    period: &SetPeriod,
) -> Option<scoring::IndependentFigure> {
    rows.iter()
        .filter(|r| r.survey == survey && r.element == OVERALL)
        .filter(|r| period.contains(&r.period_from) && period.contains(&r.period_to))
        .max_by(|a, b| (&a.period_to, &a.period_from).cmp(&(&b.period_to, &b.period_from)))
        .and_then(|r| {
            Some(scoring::IndependentFigure {
                sample: u64::try_from(r.sample).ok()?,
                satisfied_share: Share::from_ten_thousandths(u32::try_from(r.satisfied_bp).ok()?)?,
                from: Some(format!("{} ({}–{})", r.source, r.period_from, r.period_to)),
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_read_as_provinces_write_them() {
        assert_eq!(percent_bp("70"), Some(7000));
        assert_eq!(percent_bp("70,5"), Some(7050));
        assert_eq!(percent_bp("98.25%"), Some(9825));
        assert_eq!(percent_bp("100"), Some(10_000));
        for bad in ["100,01", "-3", "7O", "", "70,123", "1e2"] {
            assert_eq!(percent_bp(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_file_is_refused_whole_naming_each_line() {
        let text = "ma_xa,tu_ngay,den_ngay,yeu_to,so_phieu,ty_le_hai_long,nguon\n\
                    25195,2026-01-01,2026-12-31,overall,30,70,Sở Nội vụ\n\
                    25195,2026-12-31,2026-01-01,overall,30,70,Sở Nội vụ\n\
                    25217,2026-01-01,2026-12-31,speed,30,70,Sở Nội vụ\n\
                    25217,2026-01-01,2026-12-31,overall,0,70,Sở Nội vụ\n\
                    25217,2026-01-01,2026-12-31,access,30,170,Sở Nội vụ\n\
                    25195,2026-01-01,2026-12-31,overall,31,71,Sở Nội vụ\n";
        let problems = parse_lines(text).unwrap_err();
        let lines: Vec<&str> = problems.iter().map(|p| &p[..7]).collect();
        assert_eq!(
            lines,
            ["line 3:", "line 4:", "line 5:", "line 6:", "line 7:"]
        );
        assert!(problems[4].contains("twice"));
        let good = "ma_xa,tu_ngay,den_ngay,yeu_to,so_phieu,ty_le_hai_long,nguon\n\
                    25195,2026-01-01,2026-12-31,overall,30,\"70,5\",Sở Nội vụ\n";
        let lines = parse_lines(good).unwrap();
        assert_eq!((lines[0].sample, lines[0].satisfied_bp), (30, 7050));
    }

    #[test]
    fn a_desk_far_above_the_province_is_flagged_and_a_close_one_is_not() {
        let desk = |satisfied: i64, n: i64| Satisfaction {
            responses: n,
            levels: [n - satisfied, 0, 0, satisfied, 0],
        };
        let compare = |desk| Comparison {
            period: Period {
                from: "2026-01-01".into(),
                to: "2026-12-31".into(),
            },
            element: OVERALL.into(),
            desk,
            sample: 30,
            satisfied_bp: 7000,
            source: "Sở Nội vụ".into(),
        };
        // 98% of 200 at the desk against 70% of 30: intervals 94,9–99,3% and 52,1–83,4%.
        let far = compare(desk(196, 200));
        assert!(far.steering());
        let text = far.text(Lang::Vi);
        assert_eq!(
            (text.desk_share.as_str(), text.share.as_str()),
            ("98,0%", "70,0%")
        );
        assert!(text.note.contains("cao hơn hẳn"));
        // 80% of 200: its interval (73,9–85,0%) overlaps the province's.
        assert!(!compare(desk(160, 200)).steering());
        assert!(
            !compare(Satisfaction::default()).steering(),
            "no answers, no flag"
        );
    }
}
