//! Which answers a commune must follow up: every overall rating that is not satisfied, 1 to 3
//! ("Rất không hài lòng", "Không hài lòng", "Bình thường"), the same line the satisfied share
//! draws at 4–5. The backlog, its count on the dashboard and the province overview, the reports
//! and the store's partial index (migration 0017) all read this one rule.

/// The highest overall rating that needs following up.
pub const FOLLOW_UP_AT_MOST: i64 = 3;

/// Whether an answer with this overall rating needs following up.
pub fn needs_follow_up(overall: Option<i64>) -> bool {
    overall.is_some_and(|o| (1..=FOLLOW_UP_AT_MOST).contains(&o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_and_worse_need_following_up() {
        assert!(needs_follow_up(Some(1)) && needs_follow_up(Some(3)));
        assert!(!needs_follow_up(Some(4)) && !needs_follow_up(None));
    }
}
