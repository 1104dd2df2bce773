//! The periods a report covers: `2026-11` (a month), `2026-Q4`, `2026-H2`, `2026` (a year).

use chrono::NaiveDate;

use crate::figures::Period;

/// A calendar month, quarter, half-year or year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportPeriod {
    Month(i32, u32),
    Quarter(i32, u32),
    Half(i32, u32),
    Year(i32),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the period `{0}` is not a month (2026-11), a quarter (2026-Q4), a half-year (2026-H2) or a year (2026)"
)]
pub struct PeriodError(pub String);

impl std::str::FromStr for ReportPeriod {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, PeriodError> {
        let bad = || PeriodError(s.to_string());
        let (year, rest) = match s.split_once('-') {
            Some((year, rest)) => (year, Some(rest)),
            None => (s, None),
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let year: i32 = year.parse().map_err(|_| bad())?;
        if year < 2000 {
            return Err(bad());
        }
        let number = |digits: &str, max: u32| -> Result<u32, PeriodError> {
            let n: u32 = digits
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| digits.parse().ok())
                .flatten()
                .ok_or_else(bad)?;
            if (1..=max).contains(&n) {
                Ok(n)
            } else {
                Err(bad())
            }
        };
        match rest {
            None => Ok(ReportPeriod::Year(year)),
            Some(rest) => {
                if let Some(q) = rest.strip_prefix(['Q', 'q']) {
                    Ok(ReportPeriod::Quarter(year, number(q, 4)?))
                } else if let Some(h) = rest.strip_prefix(['H', 'h']) {
                    Ok(ReportPeriod::Half(year, number(h, 2)?))
                } else if rest.len() == 2 {
                    Ok(ReportPeriod::Month(year, number(rest, 12)?))
                } else {
                    Err(bad())
                }
            }
        }
    }
}

impl std::fmt::Display for ReportPeriod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReportPeriod::Month(y, m) => write!(f, "{y}-{m:02}"),
            ReportPeriod::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            ReportPeriod::Half(y, h) => write!(f, "{y}-H{h}"),
            ReportPeriod::Year(y) => write!(f, "{y}"),
        }
    }
}

fn first_day(year: i32, month: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, 1).expect("months are 1–12")
}

impl ReportPeriod {
    /// The year and the first and last month (1–12) it covers.
    fn months(&self) -> (i32, u32, u32) {
        match *self {
            ReportPeriod::Month(y, m) => (y, m, m),
            ReportPeriod::Quarter(y, q) => (y, 3 * q - 2, 3 * q),
            ReportPeriod::Half(y, h) => (y, 6 * h - 5, 6 * h),
            ReportPeriod::Year(y) => (y, 1, 12),
        }
    }

    /// Its days, both ends included.
    pub fn days(&self) -> Period {
        let (year, first, last) = self.months();
        let next = if last == 12 {
            first_day(year + 1, 1)
        } else {
            first_day(year, last + 1)
        };
        Period {
            from: first_day(year, first).format("%Y-%m-%d").to_string(),
            to: next
                .pred_opt()
                .expect("a day before")
                .format("%Y-%m-%d")
                .to_string(),
        }
    }

    /// The month before the one `today` (`YYYY-MM-DD`) is in: the last whole month.
    pub fn last_whole_month(today: &str) -> Option<ReportPeriod> {
        use chrono::Datelike;
        let day = crate::clock::parse_day(today)?;
        Some(ReportPeriod::Month(day.year(), day.month()).previous())
    }

    /// The periods a page offers as report buttons on `today` (`YYYY-MM-DD`): the last whole
    /// month, this quarter and this year (so far), as (query value, title).
    pub fn offered(today: &str) -> Vec<(String, String)> {
        use chrono::Datelike;
        let (Some(day), Some(last_month)) = (
            crate::clock::parse_day(today),
            ReportPeriod::last_whole_month(today),
        ) else {
            return Vec::new();
        };
        let (year, month) = (day.year(), day.month());
        [
            last_month,
            ReportPeriod::Quarter(year, (month - 1) / 3 + 1),
            ReportPeriod::Year(year),
        ]
        .iter()
        .map(|p| (p.to_string(), p.title_vi()))
        .collect()
    }

    /// The period of the same length just before: October for November, Q3 for Q4.
    pub fn previous(&self) -> ReportPeriod {
        match *self {
            ReportPeriod::Month(y, 1) => ReportPeriod::Month(y - 1, 12),
            ReportPeriod::Month(y, m) => ReportPeriod::Month(y, m - 1),
            ReportPeriod::Quarter(y, 1) => ReportPeriod::Quarter(y - 1, 4),
            ReportPeriod::Quarter(y, q) => ReportPeriod::Quarter(y, q - 1),
            ReportPeriod::Half(y, 1) => ReportPeriod::Half(y - 1, 2),
            ReportPeriod::Half(y, h) => ReportPeriod::Half(y, h - 1),
            ReportPeriod::Year(y) => ReportPeriod::Year(y - 1),
        }
    }

    /// As an official title names it: `tháng 11 năm 2026`, `quý IV năm 2026`, `6 tháng cuối
    /// năm 2026`, `năm 2026`.
    pub fn title_vi(&self) -> String {
        match *self {
            ReportPeriod::Month(y, m) => format!("tháng {m} năm {y}"),
            ReportPeriod::Quarter(y, q) => {
                let roman = ["I", "II", "III", "IV"][(q - 1) as usize];
                format!("quý {roman} năm {y}")
            }
            ReportPeriod::Half(y, 1) => format!("6 tháng đầu năm {y}"),
            ReportPeriod::Half(y, _) => format!("6 tháng cuối năm {y}"),
            ReportPeriod::Year(y) => format!("năm {y}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(s: &str) -> (String, String) {
        let p = s.parse::<ReportPeriod>().unwrap().days();
        (p.from, p.to)
    }

    #[test]
    fn each_kind_of_period_covers_its_calendar_days() {
        assert_eq!(days("2026-11"), ("2026-11-01".into(), "2026-11-30".into()));
        assert_eq!(days("2028-02"), ("2028-02-01".into(), "2028-02-29".into()));
        assert_eq!(days("2026-Q4"), ("2026-10-01".into(), "2026-12-31".into()));
        assert_eq!(days("2026-H1"), ("2026-01-01".into(), "2026-06-30".into()));
        assert_eq!(days("2026"), ("2026-01-01".into(), "2026-12-31".into()));
        let q1: ReportPeriod = "2026-Q1".parse().unwrap();
        assert_eq!(q1.previous().to_string(), "2025-Q4");
        assert_eq!(q1.title_vi(), "quý I năm 2026");
        let jan: ReportPeriod = "2026-01".parse().unwrap();
        assert_eq!(jan.previous().to_string(), "2025-12");
    }

    #[test]
    fn a_period_that_does_not_parse_is_refused() {
        for bad in [
            "2026-13", "2026-Q5", "2026-H3", "2026-00", "26-11", "2026-1", "", "2026-Q", "abcd",
        ] {
            let err = bad.parse::<ReportPeriod>().unwrap_err();
            assert!(err.to_string().contains("2026-Q4"), "{bad}: {err}");
        }
    }
}
