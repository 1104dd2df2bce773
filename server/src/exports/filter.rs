//! The response filters as typed in a query string or on the command line, and checked.

use app::domain::channel::Channel;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::record::ExportError;

/// The response filters as typed in a query string or on the command line, not yet checked.
/// Empty values count as absent (an HTML form sends empty fields).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ResponseQuery {
    /// First day, `YYYY-MM-DD` in Vietnam time (UTC+7), included.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` in Vietnam time, included: `to=2026-11-25` ends at midnight
    /// after the 25th.
    pub to: Option<String>,
    /// The last N days up to today, today included (instead of `from`).
    pub days: Option<String>,
    /// District code.
    pub district: Option<String>,
    /// Commune code.
    pub commune: Option<String>,
    /// `qr`, `kiosk`, `demo`…
    pub channel: Option<String>,
    /// `1`: also the responses a reviewer excluded from the scores (default `0`).
    pub excluded: Option<String>,
}

/// Checked response filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseFilter {
    pub from: Option<NaiveDate>,
    /// Last day included.
    pub to: Option<NaiveDate>,
    pub district: Option<String>,
    pub commune: Option<String>,
    pub channel: Option<String>,
    pub include_excluded: bool,
}

/// Days a `days` filter may span (ten years).
const MAX_DAYS: i64 = 3660;

pub(super) fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn parse_date(field: &str, value: &str) -> Result<NaiveDate, ExportError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| {
            ExportError::BadRequest(format!(
                "Ngày «{value}» ở tham số {field} không hợp lệ: dùng dạng năm-tháng-ngày, \
                 ví dụ 2026-11-25."
            ))
        })
}

/// A unit code: digits and letters (official codes are digits), at most 20.
pub(super) fn parse_code(field: &str, what: &str, value: &str) -> Result<String, ExportError> {
    if value.len() <= 20 && value.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(value.to_string())
    } else {
        Err(ExportError::BadRequest(format!(
            "Mã {what} «{value}» ở tham số {field} không hợp lệ: chỉ gồm chữ số, ví dụ 25195."
        )))
    }
}

impl ResponseFilter {
    /// Checks the raw filters; `today` is today's date in Vietnam (for `days`).
    pub fn parse(query: &ResponseQuery, today: NaiveDate) -> Result<ResponseFilter, ExportError> {
        let mut from = present(&query.from)
            .map(|v| parse_date("from", v))
            .transpose()?;
        let to = present(&query.to)
            .map(|v| parse_date("to", v))
            .transpose()?;
        if let Some(days) = present(&query.days) {
            if from.is_some() {
                return Err(ExportError::BadRequest(
                    "Chỉ dùng một trong hai tham số: days (số ngày gần nhất) hoặc from (từ ngày)."
                        .into(),
                ));
            }
            let days: i64 = days
                .parse()
                .ok()
                .filter(|d| (1..=MAX_DAYS).contains(d))
                .ok_or_else(|| {
                    ExportError::BadRequest(format!(
                        "Số ngày (days) «{days}» không hợp lệ: dùng một số từ 1 đến {MAX_DAYS}."
                    ))
                })?;
            from = Some(today - Duration::days(days - 1));
        }
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(ExportError::BadRequest(format!(
                    "Ngày bắt đầu (from = {f}) sau ngày kết thúc (to = {t})."
                )));
            }
        }
        let include_excluded = match present(&query.excluded) {
            None | Some("0" | "false" | "no") => false,
            Some("1" | "true" | "yes") => true,
            Some(other) => {
                return Err(ExportError::BadRequest(format!(
                    "Giá trị excluded «{other}» không hợp lệ: dùng 1 (gồm cả phiếu đã loại) \
                     hoặc 0."
                )))
            }
        };
        let channel = present(&query.channel)
            .map(|c| {
                Channel::parse(c)
                    .map(|c| c.key().to_string())
                    .ok_or_else(|| {
                        ExportError::BadRequest(format!(
                            "Kênh (channel) «{c}» không hợp lệ: qr, kiosk, demo hoặc bench."
                        ))
                    })
            })
            .transpose()?;
        Ok(ResponseFilter {
            from,
            to,
            district: present(&query.district)
                .map(|v| parse_code("district", "huyện", v))
                .transpose()?,
            commune: present(&query.commune)
                .map(|v| parse_code("commune", "xã", v))
                .transpose()?,
            channel,
            include_excluded,
        })
    }

    /// `[from, to)` in ms since the epoch: midnight in Vietnam of `from`, and of the day after
    /// `to`.
    pub fn time_range(&self) -> (i64, i64) {
        let from = self.from.map(app::clock::midnight_of).unwrap_or(i64::MIN);
        let to = self
            .to
            .and_then(|d| d.succ_opt())
            .map(app::clock::midnight_of)
            .unwrap_or(i64::MAX);
        (from, to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_last_day_is_included_in_vietnam_time() {
        let filter = ResponseFilter::parse(
            &ResponseQuery {
                from: Some("2026-11-01".into()),
                to: Some("2026-11-25".into()),
                ..Default::default()
            },
            day("2026-12-01"),
        )
        .unwrap();
        let (from, to) = filter.time_range();
        // 2026-11-01 00:00 UTC+7 is 2026-10-31 17:00 UTC.
        assert_eq!(from, 1_793_466_000_000);
        assert_eq!(to - from, 25 * 86_400_000);
    }

    #[test]
    fn days_count_back_from_today_included() {
        let filter = ResponseFilter::parse(
            &ResponseQuery {
                days: Some("30".into()),
                ..Default::default()
            },
            day("2026-11-30"),
        )
        .unwrap();
        assert_eq!(filter.from, Some(day("2026-11-01")));
        assert_eq!(filter.to, None);
    }

    #[test]
    fn bad_filters_are_refused_with_a_reason() {
        let cases = [
            (
                "from",
                ResponseQuery {
                    from: Some("25/11/2026".into()),
                    ..Default::default()
                },
            ),
            (
                "to",
                ResponseQuery {
                    to: Some("2026-02-30".into()),
                    ..Default::default()
                },
            ),
            (
                "from > to",
                ResponseQuery {
                    from: Some("2026-11-02".into()),
                    to: Some("2026-11-01".into()),
                    ..Default::default()
                },
            ),
            (
                "days",
                ResponseQuery {
                    days: Some("0".into()),
                    ..Default::default()
                },
            ),
            (
                "days and from",
                ResponseQuery {
                    days: Some("3".into()),
                    from: Some("2026-11-01".into()),
                    ..Default::default()
                },
            ),
            (
                "excluded",
                ResponseQuery {
                    excluded: Some("maybe".into()),
                    ..Default::default()
                },
            ),
            (
                "commune",
                ResponseQuery {
                    commune: Some("25195' or 1=1".into()),
                    ..Default::default()
                },
            ),
            (
                "channel",
                ResponseQuery {
                    channel: Some("QR!".into()),
                    ..Default::default()
                },
            ),
        ];
        for (case, query) in cases {
            match ResponseFilter::parse(&query, day("2026-11-30")) {
                Err(ExportError::BadRequest(message)) => assert!(!message.is_empty(), "{case}"),
                other => panic!("{case}: {other:?}"),
            }
        }
    }

    #[test]
    fn empty_fields_mean_no_filter() {
        let filter = ResponseFilter::parse(
            &ResponseQuery {
                from: Some(String::new()),
                commune: Some(" ".into()),
                excluded: Some("1".into()),
                ..Default::default()
            },
            day("2026-11-30"),
        )
        .unwrap();
        assert_eq!(
            filter,
            ResponseFilter {
                include_excluded: true,
                ..Default::default()
            }
        );
        assert_eq!(filter.time_range(), (i64::MIN, i64::MAX));
    }
}
