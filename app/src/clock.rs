//! The province's local time. Every day boundary, date label and opening-hours check reads the
//! clock here, so that a "day" means the same calendar day in the dashboard, the reports, the
//! exports and the SQL that groups answers by day.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Timelike, Utc};

/// Vietnam's offset from UTC (UTC+7, no daylight saving): every province the app serves keeps it.
pub const OFFSET_SECONDS: i32 = 7 * 3600;

fn offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_SECONDS).expect("UTC+7 is a valid offset")
}

/// Milliseconds since the Unix epoch: how times are stored (see migrations/README.md).
pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Now, in local time.
pub fn now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&offset())
}

/// Today's local date.
pub fn today_date() -> NaiveDate {
    now().date_naive()
}

/// Today's local date, `YYYY-MM-DD`.
pub fn today() -> String {
    today_date().format("%Y-%m-%d").to_string()
}

/// The local calendar day of a stored time, `YYYY-MM-DD`.
pub fn day_of(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&offset()).format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The day `days` before `day` (`YYYY-MM-DD`); a day that is not a date comes back as given.
pub fn day_minus(day: &str, days: i64) -> String {
    parse_day(day)
        .map(|d| (d - Duration::days(days)).format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| day.to_string())
}

/// Milliseconds at local midnight starting `date` (`YYYY-MM-DD`).
pub fn midnight_ms(date: &str) -> Option<i64> {
    let day = parse_day(date)?;
    Some(midnight_of(day))
}

/// Milliseconds at local midnight starting `day`.
pub fn midnight_of(day: NaiveDate) -> i64 {
    day.and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
        .timestamp_millis()
        - i64::from(OFFSET_SECONDS) * 1000
}

/// Local weekday (0 = Monday) and minute of the day of a stored time.
pub fn weekday_minute(ms: i64) -> (u32, u32) {
    let time = DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&offset());
    (
        time.weekday().num_days_from_monday(),
        time.hour() * 60 + time.minute(),
    )
}

/// A stored time as Vietnamese pages show it: `dd/mm/yyyy HH:MM`, local time.
pub fn display(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&offset())
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// A stored time of day as pages show it: `HH:MM`, local time.
pub fn display_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&offset()).format("%H:%M").to_string())
        .unwrap_or_default()
}

/// A real calendar date written exactly `YYYY-MM-DD` (no sign, no missing zero).
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_day_starts_at_seventeen_hours_utc_the_day_before() {
        let ms = midnight_ms("2026-07-01").unwrap();
        assert_eq!(
            DateTime::from_timestamp_millis(ms).unwrap().to_rfc3339(),
            "2026-06-30T17:00:00+00:00"
        );
        assert_eq!(day_of(ms), "2026-07-01");
        assert_eq!(day_of(ms - 1), "2026-06-30");
    }

    #[test]
    fn only_exact_iso_dates_parse() {
        assert!(parse_day("2026-12-01").is_some());
        for bad in [
            "0000-01-01x",
            "-2026-12-01",
            "2026-2-01",
            "2026-02-30",
            "20261201",
        ] {
            assert!(parse_day(bad).is_none(), "{bad}");
        }
        assert_eq!(day_minus("2026-03-01", 1), "2026-02-28");
    }

    #[test]
    fn times_show_in_local_time() {
        let ms = midnight_ms("2026-12-02").unwrap() + (8 * 60 + 5) * 60_000;
        assert_eq!(display(ms), "02/12/2026 08:05");
        assert_eq!(weekday_minute(ms), (2, 8 * 60 + 5));
    }
}
