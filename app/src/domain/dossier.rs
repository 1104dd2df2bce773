//! The self-assessment workflow: dossier states, who may take which step, and how stored entries
//! become the scoring engine's input. Pure rules, shared by the pages (to show only the buttons
//! that work) and the server (which checks them again on every post).

use serde::{Deserialize, Serialize};

use crate::domain::roles::Role;
use crate::i18n::Lang;

/// Where a commune's dossier is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum State {
    /// The commune is entering points and evidence.
    Draft,
    /// The leader submitted it; the reviewer appraises.
    Submitted,
    /// The reviewer sent it back for correction; the commune edits and submits again.
    Returned,
    /// The reviewer finished the appraisal; the province finalises.
    Appraised,
    /// The province finalised it; nothing changes any more.
    Finalised,
}

impl State {
    pub const ALL: [State; 5] = [
        State::Draft,
        State::Submitted,
        State::Returned,
        State::Appraised,
        State::Finalised,
    ];

    pub fn key(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Returned => "returned",
            State::Appraised => "appraised",
            State::Finalised => "finalised",
        }
    }

    pub fn parse(key: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (State::Draft, Lang::Vi | Lang::Supplied(_)) => "Đang nhập",
            (State::Draft, Lang::En) => "Draft",
            (State::Submitted, Lang::Vi | Lang::Supplied(_)) => "Đã gửi, chờ thẩm định",
            (State::Submitted, Lang::En) => "Submitted, awaiting appraisal",
            (State::Returned, Lang::Vi | Lang::Supplied(_)) => "Bị trả lại để chỉnh sửa",
            (State::Returned, Lang::En) => "Returned for correction",
            (State::Appraised, Lang::Vi | Lang::Supplied(_)) => "Đã thẩm định, chờ tỉnh phê duyệt",
            (State::Appraised, Lang::En) => "Appraised, awaiting the province",
            (State::Finalised, Lang::Vi | Lang::Supplied(_)) => "Đã phê duyệt",
            (State::Finalised, Lang::En) => "Finalised",
        }
    }
}

/// A step of the workflow, as posted by a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    /// Save the commune's points and evidence.
    SaveEntries,
    /// Send the dossier for appraisal.
    Submit,
    /// Save the appraiser's points and reasons.
    Appraise,
    /// Send the dossier back to the commune.
    Return,
    /// Close the appraisal.
    Approve,
    /// The province's final word.
    Finalise,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::SaveEntries,
        Step::Submit,
        Step::Appraise,
        Step::Return,
        Step::Approve,
        Step::Finalise,
    ];

    /// The states the step starts from.
    pub fn from_states(self) -> &'static [State] {
        match self {
            Step::SaveEntries | Step::Submit => &[State::Draft, State::Returned],
            Step::Appraise | Step::Approve => &[State::Submitted],
            Step::Return => &[State::Submitted, State::Appraised],
            Step::Finalise => &[State::Appraised],
        }
    }

    /// The state the step leaves the dossier in.
    pub fn to_state(self, from: State) -> State {
        match self {
            Step::SaveEntries | Step::Appraise => from,
            Step::Submit => State::Submitted,
            Step::Return => State::Returned,
            Step::Approve => State::Appraised,
            Step::Finalise => State::Finalised,
        }
    }

    /// Whether `role` may take this step at all (the unit is checked separately). Officers
    /// prepare, the leader signs for the commune; the district reviewer or, where there is no
    /// district level (after the 2025 reform), the province appraises; only the province
    /// finalises or takes back an appraisal it has not finalised.
    pub fn allowed_for(self, role: Role) -> bool {
        match self {
            Step::SaveEntries => matches!(role, Role::CommuneOfficer | Role::CommuneLeader),
            Step::Submit => role == Role::CommuneLeader,
            Step::Appraise | Step::Approve | Step::Return => matches!(
                role,
                Role::DistrictReviewer | Role::ProvinceReviewer | Role::ProvinceAdmin
            ),
            Step::Finalise => role == Role::ProvinceAdmin,
        }
    }

    /// Whether `role` may take the step on a dossier in `state` (a district reviewer cannot
    /// return what it already approved: the province decides from there).
    pub fn possible(self, role: Role, state: State) -> bool {
        self.allowed_for(role)
            && self.from_states().contains(&state)
            && !(self == Step::Return && state == State::Appraised && role != Role::ProvinceAdmin)
    }
}

/// Points typed into a form or an import file, in hundredths: `None` when left empty, a
/// Vietnamese message when they are not points or exceed `max` hundredths.
pub fn parse_points(text: &str, max: u64) -> Result<Option<i64>, String> {
    use survey_definitions::criteria::{Points, PointsError};
    if text.trim().is_empty() {
        return Ok(None);
    }
    let points = Points::parse(text).map_err(|e| match e {
        PointsError::NotANumber => "Điểm phải là một số, ví dụ 3 hoặc 2,5.".to_string(),
        PointsError::TooManyDecimals => "Điểm có tối đa hai chữ số thập phân.".to_string(),
        PointsError::TooLarge => "Điểm không hợp lệ.".to_string(),
    })?;
    if points.hundredths() > max {
        return Err(format!(
            "Điểm tối đa của tiêu chí này là {}.",
            Points::from_hundredths(max)
                .unwrap_or_default()
                .format(Lang::Vi)
        ));
    }
    Ok(Some(points.hundredths() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_leader_submits_and_only_the_province_finalises() {
        for role in Role::ALL {
            assert_eq!(
                Step::Submit.possible(role, State::Draft),
                role == Role::CommuneLeader
            );
            assert_eq!(
                Step::Finalise.possible(role, State::Appraised),
                role == Role::ProvinceAdmin
            );
        }
    }

    #[test]
    fn nothing_moves_a_finalised_dossier() {
        for role in Role::ALL {
            for step in Step::ALL {
                assert!(
                    !step.possible(role, State::Finalised),
                    "{step:?} by {role:?}"
                );
            }
        }
    }

    #[test]
    fn the_commune_edits_only_drafts_and_returned_dossiers() {
        for state in State::ALL {
            assert_eq!(
                Step::SaveEntries.possible(Role::CommuneOfficer, state),
                matches!(state, State::Draft | State::Returned),
                "{state:?}"
            );
        }
        assert!(!Step::Appraise.possible(Role::CommuneLeader, State::Submitted));
    }

    #[test]
    fn a_district_reviewer_cannot_take_back_an_approved_appraisal() {
        assert!(Step::Return.possible(Role::DistrictReviewer, State::Submitted));
        assert!(!Step::Return.possible(Role::DistrictReviewer, State::Appraised));
        assert!(Step::Return.possible(Role::ProvinceAdmin, State::Appraised));
    }

    #[test]
    fn a_province_reviewer_appraises_like_a_district_reviewer_but_does_not_finalise() {
        for step in [Step::Appraise, Step::Approve, Step::Return] {
            assert!(step.allowed_for(Role::ProvinceReviewer), "{step:?}");
        }
        assert!(Step::Return.possible(Role::ProvinceReviewer, State::Submitted));
        assert!(!Step::Return.possible(Role::ProvinceReviewer, State::Appraised));
        assert!(!Step::Finalise.allowed_for(Role::ProvinceReviewer));
        assert!(!Step::Submit.allowed_for(Role::ProvinceReviewer));
    }

    #[test]
    fn states_round_trip_through_their_keys() {
        for state in State::ALL {
            assert_eq!(State::parse(state.key()), Some(state));
        }
        assert_eq!(State::parse("closed"), None);
    }

    #[test]
    fn points_are_read_as_people_type_them() {
        assert_eq!(parse_points("", 300), Ok(None));
        assert_eq!(parse_points(" 3 ", 300), Ok(Some(300)));
        assert_eq!(parse_points("2,5", 300), Ok(Some(250)));
        assert_eq!(parse_points("2.75", 300), Ok(Some(275)));
        assert_eq!(parse_points("0", 300), Ok(Some(0)));
        assert!(parse_points("3,01", 300).is_err());
        assert!(parse_points("2.755", 300).is_err());
        assert!(parse_points("-1", 300).is_err());
        assert!(parse_points("ba", 300).is_err());
        assert!(parse_points("1e2", 300).is_err());
        assert!(parse_points("99999999999999999999", 300).is_err());
    }
}
