//! Survey definitions and administrative units: reviewed data files and their typed loader.
//!
//! Surveys live in `surveys/<id>.v<version>.toml` and units in `units/`; both formats are
//! described in this crate's README. Everything here is pure (no async, no I/O besides the explicit
//! `load_*` functions), so the same types and answer validation run on the server and,
//! compiled to WebAssembly, in the citizen's browser.

mod answer;
pub mod criteria;
pub mod csv_file;
mod date;
mod definitions;
mod error;
mod lang;
pub mod map;
pub mod speech;
mod survey;
mod survey_file;
#[cfg(test)]
mod test_support;
mod toml_tree;
pub mod translation;

pub use answer::{clean_text, Answer, AnswerError, AnswerValue, FieldErrors, ANSWER_MESSAGES};
pub use criteria::{load_criteria_dir, parse_criteria, CriteriaSet};
pub use date::Date;
pub use definitions::{load_dir, Definitions};
pub use error::DefinitionError;
pub use lang::{fill, Lang, LangCode, StaticText, Text, Translation};
pub use map::{
    load_map, CommuneKind, CommuneOn, Link, Linked, Map, MapError, ProvinceKind, ProvinceLink,
    ProvinceOn, MAP_DIR,
};
pub use survey::{
    Choice, Condition, Feeds, Question, QuestionKind, SipasElement, Survey, DEFAULT_SURVEY_ID, NO,
    NOT_APPLICABLE, SATISFACTION_LEVELS, YES,
};
pub use survey_file::parse_survey;
pub use translation::load_translations;
