//! The one definition of each satisfaction figure, shared by the commune dashboard, its live
//! updates, the periodic reports and the comparison with the province's own survey. The page
//! and its live updates both take their figures from [`commune_figures`] and write them with
//! [`CommuneFigures::text`], so a figure reads the same in the headline, the tables and the
//! stream, before and after a reload.
//!
//! - A period is a range of calendar days in the province's local time (`clock.rs`), both ends
//!   included, and is labelled with its dates.
//! - Responses are the stored responses counted in the figures (neither excluded nor held for
//!   review); the satisfied share is the share of answers 4–5 ("Hài lòng", "Rất hài lòng") to
//!   the question of interest, with its 95% Wilson interval (`scoring::wilson_95`).
//! - A desk's response rate is its responses ÷ the dossiers it handled, over the days of the
//!   period that have a dossier count only; days without one are reported as missing and a
//!   rate above 100% is shown as a data problem, never capped.

use serde::{Deserialize, Serialize};

use crate::format;
use crate::i18n::Lang;

/// A range of calendar days in local time, `YYYY-MM-DD`, both ends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

impl Period {
    /// Whether `day` (`YYYY-MM-DD`) is one of the period's days.
    pub fn contains(&self, day: &str) -> bool {
        day >= self.from.as_str() && day <= self.to.as_str()
    }

    /// `03/11/2026–02/12/2026`.
    pub fn label(&self, lang: Lang) -> String {
        format::period(&self.from, &self.to, lang)
    }
}

/// Responses over a period and the answers 1–5 to one question among them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    pub responses: i64,
    /// Answers by level, 1 to 5.
    pub levels: [i64; 5],
}

impl Satisfaction {
    /// Adds one per-day count row: the response count (question `""`, level 0), or an answer
    /// of `level` to `row_question`, which counts only when it is `question`.
    pub fn add(&mut self, question: &str, row_question: &str, level: i64, answers: i64) {
        if row_question.is_empty() && level == 0 {
            self.responses += answers;
        } else if row_question == question && (1..=5).contains(&level) {
            self.levels[(level - 1) as usize] += answers;
        }
    }

    /// Answers to the question.
    pub fn rated(&self) -> i64 {
        self.levels.iter().sum()
    }

    /// Answers 4 or 5.
    pub fn satisfied(&self) -> i64 {
        self.levels[3] + self.levels[4]
    }

    /// The satisfied share's 95% Wilson interval; `None` without answers.
    pub fn interval(&self) -> Option<(f64, f64)> {
        let rated = self.rated();
        if rated <= 0 {
            return None;
        }
        scoring::wilson_95(self.satisfied() as f64 / rated as f64, rated as u64)
    }

    /// The figure as pages write it.
    pub fn text(&self, period: Option<&Period>, lang: Lang) -> FigureText {
        let rated = self.rated();
        FigureText {
            period: period.map(|p| p.label(lang)).unwrap_or_default(),
            responses: format::count(self.responses, lang),
            rated: format::count(rated, lang),
            satisfied: format::ratio_percent(
                self.satisfied().max(0) as u64,
                rated.max(0) as u64,
                lang,
            )
            .unwrap_or_else(|| "—".into()),
            interval: self
                .interval()
                .map(|(low, high)| format::interval(low, high, lang))
                .unwrap_or_default(),
            bar: self
                .share_tenths()
                .map(|t| format!("{}.{}", t / 10, t % 10))
                .unwrap_or_else(|| "0".into()),
        }
    }

    /// The satisfied share in tenths of a percent, rounded as the page writes it.
    pub fn share_tenths(&self) -> Option<u64> {
        format::percent_tenths(self.satisfied().max(0) as u64, self.rated().max(0) as u64)
    }

    /// The change from `before` to this figure, as the headline writes it: `▲ +3,2 điểm %`;
    /// `—` when either has no answers.
    pub fn change_text(&self, before: &Satisfaction, lang: Lang) -> String {
        let (Some(now), Some(then)) = (self.share_tenths(), before.share_tenths()) else {
            return "—".into();
        };
        let arrow = match now.cmp(&then) {
            std::cmp::Ordering::Greater => "▲ ",
            std::cmp::Ordering::Less => "▼ ",
            std::cmp::Ordering::Equal => "",
        };
        let unit = match lang {
            Lang::Vi | Lang::Supplied(_) => "điểm %",
            Lang::En => "points",
        };
        format!("{arrow}{} {unit}", format::change_points(now, then, lang))
    }
}

/// A desk's responses against the dossiers it handled over the days of a period that have a
/// dossier count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRate {
    /// Responses at the desk on the days with a dossier count.
    pub responses: i64,
    /// Dossiers handled on those days.
    pub handled: i64,
    /// Days of the period with a dossier count.
    pub days_counted: i64,
    /// Days in the period.
    pub days: i64,
}

impl ResponseRate {
    /// More responses than dossiers handled: the counts entered are wrong somewhere.
    pub fn is_data_problem(&self) -> bool {
        self.days_counted > 0 && self.responses > self.handled
    }

    /// Dossiers, rate and a note on the data, as the desk table writes them.
    pub fn text(&self, lang: Lang) -> (String, String, String) {
        if self.days_counted == 0 {
            let note = match lang {
                Lang::Vi | Lang::Supplied(_) => "Chưa nhập số hồ sơ".to_string(),
                Lang::En => "No dossier count entered".to_string(),
            };
            return ("—".into(), "—".into(), note);
        }
        let dossiers = format::count(self.handled, lang);
        let rate = format::ratio_percent(
            self.responses.max(0) as u64,
            self.handled.max(0) as u64,
            lang,
        )
        .unwrap_or_else(|| "—".into());
        let mut notes = Vec::new();
        let missing = self.days - self.days_counted;
        if missing > 0 {
            notes.push(match lang {
                Lang::Vi | Lang::Supplied(_) => format!(
                    "thiếu số hồ sơ {missing}/{} ngày; tỷ lệ chỉ tính các ngày đã nhập",
                    self.days
                ),
                Lang::En => format!(
                    "dossier count missing for {missing} of {} days; the rate covers the days entered",
                    self.days
                ),
            });
        }
        if self.is_data_problem() {
            notes.push(match lang {
                Lang::Vi | Lang::Supplied(_) => format!(
                    "số phiếu ({}) nhiều hơn số hồ sơ ({}): cần kiểm tra số liệu",
                    format::count(self.responses, lang),
                    dossiers
                ),
                Lang::En => format!(
                    "more responses ({}) than dossiers ({}): check the counts",
                    format::count(self.responses, lang),
                    dossiers
                ),
            });
        }
        let note = notes.join("; ");
        let mut chars = note.chars();
        let note = match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => note,
        };
        (dossiers, rate, note)
    }
}

/// A figure as the page and the live updates write it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FigureText {
    /// The days it covers: `03/11/2026–02/12/2026`; empty when there is nothing to cover.
    pub period: String,
    pub responses: String,
    /// Answers to the question.
    pub rated: String,
    /// `55,6%`, or `—` without answers.
    pub satisfied: String,
    /// `51,2–60,0%`, or empty without answers.
    pub interval: String,
    /// The satisfied share in percent with a decimal point, for a bar's width (`55.6`; `0`
    /// without answers).
    pub bar: String,
}

/// Which days a headline figure covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Window {
    Today,
    Last7Days,
    Last30Days,
    /// The scoring period so far.
    AssessmentPeriod,
    /// Every day with a response.
    AllTime,
}

impl Window {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Window::Today, Lang::Vi | Lang::Supplied(_)) => "Hôm nay",
            (Window::Today, Lang::En) => "Today",
            (Window::Last7Days, Lang::Vi | Lang::Supplied(_)) => "7 ngày qua",
            (Window::Last7Days, Lang::En) => "Last 7 days",
            (Window::Last30Days, Lang::Vi | Lang::Supplied(_)) => "30 ngày qua",
            (Window::Last30Days, Lang::En) => "Last 30 days",
            (Window::AssessmentPeriod, Lang::Vi | Lang::Supplied(_)) => "Kỳ đánh giá (từ đầu kỳ)",
            (Window::AssessmentPeriod, Lang::En) => "Assessment period so far",
            (Window::AllTime, Lang::Vi | Lang::Supplied(_)) => "Từ trước đến nay",
            (Window::AllTime, Lang::En) => "Since the beginning",
        }
    }
}

/// Where the 30-day window sits in [`CommuneFigures::windows`]: the headline reads it there.
pub const LAST_30_DAYS: usize = 2;

/// Every figure of a commune's dashboard, as numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct CommuneFigures {
    /// Today, 7 days, 30 days and, when one is running, the scoring period so far.
    pub windows: Vec<(Window, Period, Satisfaction)>,
    /// `None` before the first response.
    pub all_time: (Option<Period>, Satisfaction),
    /// The 30 days before the last 30, which the headline's change compares with.
    pub previous_30: (Period, Satisfaction),
    /// The overall question and each SIPAS element over the last 30 days.
    pub elements: Vec<(survey_definitions::Text, Satisfaction)>,
    /// Each current desk over the last 30 days.
    pub desks: Vec<DeskFigures>,
    /// Answers that need following up (`domain::followup`) not yet resolved, however old.
    pub open_items: i64,
}

/// One desk over the last 30 days.
#[derive(Clone, Debug, PartialEq)]
pub struct DeskFigures {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub satisfaction: Satisfaction,
    pub rate: ResponseRate,
}

/// A headline figure as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowText {
    pub label: String,
    pub figure: FigureText,
}

/// A desk's figures as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskText {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub figure: FigureText,
    /// Dossiers handled on the days with a count, or `—`.
    pub dossiers: String,
    /// Responses per dossier handled, `25,0%`, not capped; `—` without dossiers.
    pub rate: String,
    /// Missing dossier counts and data problems, or empty.
    pub note: String,
    pub data_problem: bool,
}

/// Every figure of the dashboard as the page shows it and the live stream sends it (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiguresText {
    pub windows: Vec<WindowText>,
    pub all_time: WindowText,
    /// The 30 days before the last 30.
    pub previous_30: WindowText,
    /// The last 30 days' satisfied share against [`FiguresText::previous_30`]'s.
    pub change_30: String,
    pub elements: Vec<WindowText>,
    pub desks: Vec<DeskText>,
    /// [`CommuneFigures::open_items`], written: a new complaint moves it live.
    pub open_items: String,
}

impl CommuneFigures {
    /// The figures written for a page in `lang`.
    pub fn text(&self, lang: Lang) -> FiguresText {
        FiguresText {
            windows: self
                .windows
                .iter()
                .map(|(window, period, s)| WindowText {
                    label: window.label(lang).to_string(),
                    figure: s.text(Some(period), lang),
                })
                .collect(),
            all_time: WindowText {
                label: Window::AllTime.label(lang).to_string(),
                figure: self.all_time.1.text(self.all_time.0.as_ref(), lang),
            },
            previous_30: WindowText {
                label: match lang {
                    Lang::Vi | Lang::Supplied(_) => "30 ngày trước đó",
                    Lang::En => "The 30 days before",
                }
                .to_string(),
                figure: self.previous_30.1.text(Some(&self.previous_30.0), lang),
            },
            change_30: self
                .windows
                .get(LAST_30_DAYS)
                .map(|(_, _, now)| now.change_text(&self.previous_30.1, lang))
                .unwrap_or_else(|| "—".into()),
            elements: self
                .elements
                .iter()
                .map(|(name, s)| WindowText {
                    label: name.get(lang).to_string(),
                    figure: s.text(self.windows.get(LAST_30_DAYS).map(|w| &w.1), lang),
                })
                .collect(),
            desks: self
                .desks
                .iter()
                .map(|d| {
                    let (dossiers, rate, note) = d.rate.text(lang);
                    DeskText {
                        id: d.id,
                        code: d.code.clone(),
                        name: d.name.clone(),
                        figure: d
                            .satisfaction
                            .text(self.windows.get(LAST_30_DAYS).map(|w| &w.1), lang),
                        dossiers,
                        rate,
                        note,
                        data_problem: d.rate.is_data_problem(),
                    }
                })
                .collect(),
            open_items: format::count(self.open_items, lang),
        }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use std::collections::{BTreeMap, BTreeSet};

    use survey_definitions::{Feeds, Survey, Text};

    use super::*;
    use crate::store::aggregates::DailyRow;
    use crate::store::{Store, StoreError};

    impl Period {
        /// The `days` calendar days ending on `today` (`YYYY-MM-DD`, local time).
        pub fn last_days(today: &str, days: i64) -> Period {
            Period {
                from: crate::clock::day_minus(today, days - 1),
                to: today.to_string(),
            }
        }

        /// The last 30 days ending on `today` and the 30 days before them: the headline's
        /// window and the one its change is measured against.
        pub fn last_30_and_before(today: &str) -> (Period, Period) {
            (
                Period::last_days(today, 30),
                Period {
                    from: crate::clock::day_minus(today, 59),
                    to: crate::clock::day_minus(today, 30),
                },
            )
        }

        /// How many days the period has (0 when its ends are not dates or in reverse).
        pub fn day_count(&self) -> i64 {
            match (
                crate::clock::parse_day(&self.from),
                crate::clock::parse_day(&self.to),
            ) {
                (Some(from), Some(to)) if from <= to => (to - from).num_days() + 1,
                _ => 0,
            }
        }
    }

    /// The overall question of the survey (the one feeding `overall`).
    pub fn overall_question(survey: &Survey) -> &str {
        survey
            .questions
            .iter()
            .find(|q| q.feeds == Feeds::Overall)
            .map_or("overall", |q| q.id.as_str())
    }

    /// The satisfaction with `question` over the rows that `keep` selects.
    pub fn satisfaction<'a>(
        rows: impl IntoIterator<Item = &'a DailyRow>,
        question: &str,
        keep: impl Fn(&DailyRow) -> bool,
    ) -> Satisfaction {
        let mut s = Satisfaction::default();
        for row in rows.into_iter().filter(|r| keep(r)) {
            s.add(question, &row.question_id, row.level, row.answers);
        }
        s
    }

    /// The overall question and each SIPAS element over `period`, in the survey's order, from
    /// the per-day `rows`, which must cover the period.
    pub fn element_figures(
        survey: &Survey,
        rows: &[DailyRow],
        period: &Period,
    ) -> Vec<(Text, Satisfaction)> {
        survey
            .questions
            .iter()
            .filter_map(|question| {
                let name = match &question.feeds {
                    Feeds::Overall => Text {
                        vi: "Hài lòng chung".into(),
                        en: "Overall satisfaction".into(),
                    },
                    Feeds::Sipas(element) => element.label(),
                    _ => return None,
                };
                let s = satisfaction(rows, &question.id, |r| period.contains(&r.day));
                Some((name, s))
            })
            .collect()
    }

    /// Each current desk of the commune over `period`: its satisfaction with `overall` and its
    /// response rate (responses ÷ dossiers handled, on the days with a dossier count only),
    /// from the per-day `rows` of the commune, which must cover the period.
    pub async fn desk_figures(
        store: &Store,
        commune_id: i64,
        rows: &[DailyRow],
        overall: &str,
        period: &Period,
    ) -> Result<Vec<DeskFigures>, StoreError> {
        let mut dossier_days: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
        for (desk, day, handled) in store
            .desk_dossier_days(commune_id, &period.from, &period.to)
            .await?
        {
            dossier_days.entry(desk).or_default().insert(day, handled);
        }
        Ok(store
            .commune_desks(commune_id)
            .await?
            .into_iter()
            .map(|(id, code, name)| {
                let figure = satisfaction(rows, overall, |r| {
                    r.desk_id == id && period.contains(&r.day)
                });
                let counted = dossier_days.remove(&id).unwrap_or_default();
                let days: BTreeSet<&str> = counted.keys().map(String::as_str).collect();
                let on_counted_days = satisfaction(rows, "", |r| {
                    r.desk_id == id && days.contains(r.day.as_str())
                });
                DeskFigures {
                    id,
                    code,
                    name,
                    satisfaction: figure,
                    rate: ResponseRate {
                        responses: on_counted_days.responses,
                        handled: counted.values().sum(),
                        days_counted: counted.len() as i64,
                        days: period.day_count(),
                    },
                }
            })
            .collect())
    }

    /// The headline figure of every commune with answers, by commune id: the last 30 days and
    /// the 30 days before, over the same per-day counts as [`commune_figures`] (summed in the
    /// database instead of day by day), so the province overview shows what each dashboard shows.
    pub async fn headline_by_commune(
        store: &Store,
        survey: &Survey,
        today: &str,
    ) -> Result<(Period, BTreeMap<i64, (Satisfaction, Satisfaction)>), StoreError> {
        let (last_30, previous_30) = Period::last_30_and_before(today);
        let overall = overall_question(survey);
        let mut figures: BTreeMap<i64, (Satisfaction, Satisfaction)> = BTreeMap::new();
        for (period, now) in [(&last_30, true), (&previous_30, false)] {
            for row in store
                .counts_by_commune(&survey.id, &period.from, &period.to)
                .await?
            {
                let (current, before) = figures.entry(row.unit_id).or_default();
                let s = if now { current } else { before };
                s.add(overall, &row.question_id, row.level, row.answers);
            }
        }
        Ok((last_30, figures))
    }

    /// Every figure of a commune's dashboard on `today`, with the per-day rows they were read
    /// from (from 60 days ago, or the start of `assessment_from` if earlier).
    pub async fn commune_figures(
        store: &Store,
        survey: &Survey,
        commune_id: i64,
        assessment_from: Option<&str>,
        today: &str,
    ) -> Result<(CommuneFigures, Vec<DailyRow>), StoreError> {
        let (last_30, previous_30) = Period::last_30_and_before(today);
        let mut windows = vec![
            (Window::Today, Period::last_days(today, 1)),
            (Window::Last7Days, Period::last_days(today, 7)),
            (Window::Last30Days, last_30.clone()),
        ];
        if let Some(from) = assessment_from.filter(|from| *from <= today) {
            windows.push((
                Window::AssessmentPeriod,
                Period {
                    from: from.to_string(),
                    to: today.to_string(),
                },
            ));
        }
        let earliest = windows
            .iter()
            .map(|(_, p)| p.from.as_str())
            .chain([previous_30.from.as_str()])
            .min()
            .unwrap_or(today)
            .to_string();
        let rows = store
            .commune_daily(commune_id, &survey.id, &earliest, today)
            .await?;
        let overall = overall_question(survey);
        let windows = windows
            .into_iter()
            .map(|(window, period)| {
                let s = satisfaction(&rows, overall, |r| period.contains(&r.day));
                (window, period, s)
            })
            .collect();
        let before = satisfaction(&rows, overall, |r| previous_30.contains(&r.day));

        let mut all_time = Satisfaction::default();
        let mut first_day: Option<String> = None;
        for row in store.commune_totals(commune_id, &survey.id, today).await? {
            all_time.add(overall, &row.question_id, row.level, row.answers);
            if first_day.as_ref().is_none_or(|d| row.first_day < *d) {
                first_day = Some(row.first_day);
            }
        }
        let all_time_period = first_day.map(|from| Period {
            from,
            to: today.to_string(),
        });

        let elements = element_figures(survey, &rows, &last_30);

        let desks = desk_figures(store, commune_id, &rows, overall, &last_30).await?;
        let open_items = store.open_followups(commune_id).await?;

        Ok((
            CommuneFigures {
                windows,
                all_time: (all_time_period, all_time),
                previous_30: (previous_30, before),
                elements,
                desks,
                open_items,
            },
            rows,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(levels: [i64; 5]) -> Satisfaction {
        Satisfaction {
            responses: levels.iter().sum(),
            levels,
        }
    }

    #[test]
    fn a_figure_is_written_once_for_each_language() {
        let period = Period {
            from: "2026-11-03".into(),
            to: "2026-12-02".into(),
        };
        let s = levels([10, 5, 9, 20, 10]);
        let vi = s.text(Some(&period), Lang::Vi);
        assert_eq!(vi.period, "03/11/2026–02/12/2026");
        assert_eq!(vi.responses, "54");
        assert_eq!(vi.satisfied, "55,6%");
        let en = s.text(Some(&period), Lang::En);
        assert_eq!(en.satisfied, "55.6%");
        assert!(vi.interval.contains(',') && en.interval.contains('.'));
        assert_eq!(Satisfaction::default().text(None, Lang::Vi).satisfied, "—");
    }

    #[test]
    fn a_response_rate_is_not_capped_and_missing_days_are_said() {
        let full = ResponseRate {
            responses: 2,
            handled: 8,
            days_counted: 30,
            days: 30,
        };
        assert_eq!(full.text(Lang::Vi), ("8".into(), "25,0%".into(), "".into()));
        let partial = ResponseRate {
            days_counted: 1,
            ..full
        };
        assert!(partial.text(Lang::Vi).2.contains("29/30 ngày"));
        let over = ResponseRate {
            responses: 11,
            ..full
        };
        assert!(over.is_data_problem());
        let (_, rate, note) = over.text(Lang::Vi);
        assert_eq!(rate, "137,5%");
        assert!(note.contains("cần kiểm tra"), "{note}");
        let none = ResponseRate {
            days_counted: 0,
            handled: 0,
            ..full
        };
        assert_eq!(none.text(Lang::Vi).1, "—");
        assert!(!none.is_data_problem());
    }
}
