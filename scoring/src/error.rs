//! Inputs the engine refuses to score. Each message starts with the JSON path of the offending
//! entry, so a what-if file or an API caller can find it.

use survey_definitions::criteria::Points;

/// An input that does not fit the criteria set. Nothing is scored: a report built on a wrong
/// input would look authoritative.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoringError {
    /// The commune code is empty.
    #[error("unit: the commune code must not be empty")]
    MissingUnit,
    /// An entry names an id that is not a leaf of the set.
    #[error("{section}.{id}: criteria set `{set}` has no leaf `{id}`")]
    UnknownLeaf {
        /// `self_assessed`, `appraised` or `imported`.
        section: &'static str,
        /// The id given.
        id: String,
        /// The criteria set's id.
        set: String,
    },
    /// Self-assessed points for a leaf whose points come from elsewhere.
    #[error(
        "self_assessed.{id}: the points of `{id}` come from {kind}, not from the commune; an \
         appraiser may enter points under `appraised`"
    )]
    NotSelfAssessed {
        /// The leaf.
        id: String,
        /// Its source kind (`citizen_survey`, `imported`).
        kind: &'static str,
    },
    /// An imported score for a leaf that is not imported.
    #[error("imported.{id}: `{id}` is not an imported leaf; its points come from {kind}")]
    NotImported {
        /// The leaf.
        id: String,
        /// Its source kind.
        kind: &'static str,
    },
    /// Points above the leaf's max.
    #[error("{section}.{id}: {points} points are above the leaf's maximum of {max}")]
    AboveMax {
        /// `self_assessed` or `appraised`.
        section: &'static str,
        /// The leaf.
        id: String,
        /// The points given.
        points: Points,
        /// The leaf's max.
        max: Points,
    },
    /// An imported score above the other system's scale.
    #[error("imported.{id}: score {score} is above the other system's maximum of {import_max}")]
    ImportedAboveScale {
        /// The leaf.
        id: String,
        /// The score given.
        score: Points,
        /// The leaf's `import_max`.
        import_max: Points,
    },
    /// An appraisal without a reason.
    #[error("appraised.{id}.reason: an appraisal needs a reason the commune can read")]
    MissingReason {
        /// The leaf.
        id: String,
    },
    /// A figure for an independent survey that no leaf of the set reads.
    #[error(
        "independent.{survey}: no independent_survey leaf of criteria set `{set}` reads `{survey}`"
    )]
    UnknownIndependentSurvey {
        /// The survey name given.
        survey: String,
        /// The criteria set's id.
        set: String,
    },
    /// A question with more answers than the survey has responses.
    #[error(
        "surveys.{survey}.answers.{question}: {answered} answers but only {responses} responses"
    )]
    InconsistentTally {
        /// The survey.
        survey: String,
        /// The question.
        question: String,
        /// Its answers, all levels.
        answered: u64,
        /// The survey's responses.
        responses: u64,
    },
}
