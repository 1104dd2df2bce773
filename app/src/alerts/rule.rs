//! What makes an answer unfavourable, the e-mail addresses staff give, and when a daily digest
//! goes out.

use serde::{Deserialize, Serialize};

/// Which answers send alerts: an overall rating of at most `max_overall`, or a comment with an
/// overall rating of at most `comment_max_overall`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertRule {
    pub max_overall: i64,
    pub comment_max_overall: i64,
}

impl Default for AlertRule {
    /// 1 or 2 stars; a comment with 3 stars or fewer.
    fn default() -> Self {
        AlertRule {
            max_overall: 2,
            comment_max_overall: 3,
        }
    }
}

impl AlertRule {
    /// Whether an answer with this overall rating and comment sends alerts.
    pub fn is_unfavourable(&self, overall: Option<i64>, commented: bool) -> bool {
        overall
            .is_some_and(|o| o <= self.max_overall || (commented && o <= self.comment_max_overall))
    }
}

/// How a user wants alerts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertMode {
    /// One mail per unfavourable answer, at once (the default).
    Each,
    /// One mail a day listing them.
    Digest,
    /// None.
    Off,
}

impl AlertMode {
    pub const ALL: [AlertMode; 3] = [AlertMode::Each, AlertMode::Digest, AlertMode::Off];

    /// The word stored in `users.alert_mode` and posted by the form.
    pub fn key(self) -> &'static str {
        match self {
            AlertMode::Each => "each",
            AlertMode::Digest => "digest",
            AlertMode::Off => "off",
        }
    }

    pub fn parse(key: &str) -> Option<AlertMode> {
        AlertMode::ALL.into_iter().find(|m| m.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            AlertMode::Each => "Gửi thư ngay khi có phản ánh",
            AlertMode::Digest => "Gửi một thư tổng hợp mỗi ngày",
            AlertMode::Off => "Không gửi thư",
        }
    }
}

/// When digest entries queued at `now_ms` go out: the next `hour`:00 of the province's day.
#[cfg(feature = "ssr")]
pub fn next_digest_at(now_ms: i64, hour: u32) -> i64 {
    let midnight = crate::clock::midnight_ms(&crate::clock::day_of(now_ms)).unwrap_or(now_ms);
    let at = midnight + i64::from(hour.min(23)) * 3_600_000;
    if at > now_ms {
        at
    } else {
        at + 86_400_000
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn low_ratings_and_commented_middling_ones_are_unfavourable() {
        let rule = AlertRule::default();
        assert!(rule.is_unfavourable(Some(1), false));
        assert!(rule.is_unfavourable(Some(2), false));
        assert!(!rule.is_unfavourable(Some(3), false));
        assert!(rule.is_unfavourable(Some(3), true));
        assert!(!rule.is_unfavourable(Some(4), true));
        assert!(!rule.is_unfavourable(None, true));
    }

    #[test]
    fn the_digest_goes_out_at_the_next_hour() {
        let midnight = crate::clock::midnight_ms("2026-12-03").unwrap();
        assert_eq!(
            next_digest_at(midnight + 3_600_000, 7),
            midnight + 7 * 3_600_000
        );
        assert_eq!(
            next_digest_at(midnight + 8 * 3_600_000, 7),
            midnight + 31 * 3_600_000
        );
    }
}
