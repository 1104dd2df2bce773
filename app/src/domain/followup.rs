//! Which answers a commune must follow up: every overall rating that is not satisfied, 1 to 3
//! ("Rất không hài lòng", "Không hài lòng", "Bình thường"), the same line the satisfied share
//! draws at 4–5, and every comment the commune's staff mark as a complaint (migration 0018),
//! whatever rating came with it. The backlog, its count on the dashboard and the province
//! overview, the reports and the store's partial index (migration 0017) all read this one rule.

/// The highest overall rating that needs following up.
pub const FOLLOW_UP_AT_MOST: i64 = 3;

/// Whether an answer with this overall rating, marked as a complaint or not, needs following up.
pub fn needs_follow_up(overall: Option<i64>, marked: bool) -> bool {
    marked || overall.is_some_and(|o| (1..=FOLLOW_UP_AT_MOST).contains(&o))
}

/// The longest follow-up note, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// A follow-up note as staff typed it, trimmed, or why it is refused.
pub fn parse_note(typed: &str) -> Result<&str, String> {
    let note = typed.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(format!(
            "Ghi chú dài quá {MAX_NOTE_CHARS} ký tự (đang có {}).",
            note.chars().count()
        ));
    }
    Ok(note)
}

/// Whether the staff may mark this answer as a complaint: it has a comment and does not already
/// need following up by its rating.
pub fn may_mark_complaint(overall: Option<i64>, has_comment: bool) -> bool {
    has_comment && !needs_follow_up(overall, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_of_the_longest_length_is_kept_and_one_more_is_refused() {
        let longest = "ồ".repeat(MAX_NOTE_CHARS);
        assert_eq!(parse_note(&format!("  {longest} ")), Ok(longest.as_str()));
        let refused = parse_note(&format!("{longest}a")).unwrap_err();
        assert!(refused.contains("1001"), "{refused}");
    }

    #[test]
    fn neutral_and_worse_need_following_up() {
        assert!(needs_follow_up(Some(1), false) && needs_follow_up(Some(3), false));
        assert!(!needs_follow_up(Some(4), false) && !needs_follow_up(None, false));
    }

    #[test]
    fn a_marked_comment_needs_following_up_whatever_its_rating() {
        assert!(needs_follow_up(Some(5), true) && needs_follow_up(None, true));
        assert!(may_mark_complaint(Some(5), true) && may_mark_complaint(None, true));
        assert!(
            !may_mark_complaint(Some(2), true),
            "already followed up by its rating"
        );
        assert!(
            !may_mark_complaint(Some(5), false),
            "nothing to mark without a comment"
        );
    }
}
