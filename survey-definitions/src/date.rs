//! Calendar dates as written in every definition file: `YYYY-MM-DD`.
//!
//! One parser for the crate, so a date the unit manifest accepts is a date the criteria and the
//! map accept too. Dates carry no time zone: they are the legal effective days of Vietnamese
//! resolutions and decisions.

use std::fmt;
use std::str::FromStr;

/// A real calendar day, ordered in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order is the ordering: year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// Parses `YYYY-MM-DD` (exactly that shape, zero-padded) and checks the day exists.
    pub fn parse(text: &str) -> Result<Date, String> {
        let invalid = || format!("`{text}` is not a date in the form YYYY-MM-DD");
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        if b.len() != 10
            || b[4] != b'-'
            || b[7] != b'-'
            || !digits(0..4)
            || !digits(5..7)
            || !digits(8..10)
        {
            return Err(invalid());
        }
        let number = |r: std::ops::Range<usize>| text[r].parse::<u16>().unwrap_or(0);
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(invalid()),
        };
        if !(1..=days).contains(&day) {
            return Err(invalid());
        }
        Ok(Date {
            year,
            // Both are at most 31 here.
            month: month as u8,
            day: day as u8,
        })
    }

    /// The day before, for messages like "in force on 2025-06-30".
    pub fn previous_day(self) -> Date {
        if self.day > 1 {
            return Date {
                day: self.day - 1,
                ..self
            };
        }
        let (year, month) = if self.month > 1 {
            (self.year, self.month - 1)
        } else {
            (self.year - 1, 12)
        };
        // The last day of the previous month is the largest day that parses.
        (28..=31)
            .rev()
            .find_map(|day| Date::parse(&format!("{year:04}-{month:02}-{day:02}")).ok())
            .expect("every month has 28 days")
    }
}

/// Whether `text` is a real calendar date written `YYYY-MM-DD`.
pub(crate) fn is_iso_date(text: &str) -> bool {
    Date::parse(text).is_ok()
}

impl FromStr for Date {
    type Err = String;

    fn from_str(text: &str) -> Result<Date, String> {
        Date::parse(text)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_days_in_iso_form_parse() {
        for good in ["2024-02-29", "2025-07-01", "2000-02-29", "2026-12-31"] {
            assert_eq!(Date::parse(good).unwrap().to_string(), good);
        }
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "1/7/2025",
            "2025-7-1",
            "2025-07-01 ",
        ] {
            assert!(Date::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_order_in_time_and_step_back_across_months_and_years() {
        let d = |s: &str| Date::parse(s).unwrap();

        assert!(d("2025-06-30") < d("2025-07-01"));
        assert!(d("2024-12-31") < d("2025-01-01"));
        assert_eq!(d("2025-07-01").previous_day(), d("2025-06-30"));
        assert_eq!(d("2024-03-01").previous_day(), d("2024-02-29"));
        assert_eq!(d("2026-01-01").previous_day(), d("2025-12-31"));
    }
}
