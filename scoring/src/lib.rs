//! The "Chính quyền thân thiện" scoring engine: a criteria set, the citizen survey tally and the
//! commune's self-assessment in; an explained, reproducible report out.
//!
//! Pure on purpose: no I/O, no async, no web or database types, and dependencies limited to
//! `survey-definitions`, `serde` and `thiserror`. The app gathers the inputs, calls [`score`]
//! and stores or shows the [`Report`]; what-if simulations feed the same function from a JSON
//! file (format: this crate's README).
//!
//! # Numbers
//!
//! Points are [`Points`]: whole hundredths of a point, so sums are exact. Every computed leaf
//! value is rounded **half up to 0.01 point** once, at the leaf; subtotals and totals are exact
//! sums of those. Every computed value is at most its leaf's max before rounding, and the max is
//! itself a whole number of hundredths, so rounding never takes a leaf above its max. Shares
//! compared with thresholds are exact fractions (57 of 60 answers is exactly 95%).
//!
//! # Determinism
//!
//! The same criteria set and input give the same report, byte for byte, and the same
//! [`Report::input_hash`] and [`Report::output_hash`] (SHA-256 over a canonical JSON form; see
//! [`canonical_json`]). All maps in the input are `BTreeMap`s, so the order entries were given
//! in never matters.

mod citizen;
mod engine;
mod error;
mod explain;
mod hash;
mod input;
mod rank;
mod report;

pub use citizen::wilson_95;
pub use engine::score;
pub use error::ScoringError;
pub use hash::{canonical_json, sha256_hex};
pub use input::{
    Appraised, ImportedScore, IndependentFigure, ScoringInput, SelfAssessed, SurveyTally,
};
pub use rank::{rank, RankEntry, RankStatus};
pub use report::{
    Basis, CitizenResult, GradeResult, IndependentResult, InsufficientData, Interval,
    KnockoutResult, LeafResult, NodeResult, Report, SourceKind,
};
pub use survey_definitions::criteria::{CriteriaSet, Points, Share};
