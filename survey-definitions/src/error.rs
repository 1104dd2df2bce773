//! The one error type for definition files, shaped for people fixing a file by hand.

/// A definition file (survey, units manifest, units CSV) that cannot be used, and where to fix it.
///
/// Displays as `file:line: field `path`: message`, the shape editors and CI logs link to.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {}{message}", line.map(|l| format!(":{l}")).unwrap_or_default(), field.as_ref().map(|f| format!("field `{f}`: ")).unwrap_or_default())]
pub struct DefinitionError {
    /// The file as given to the loader (a path for files read from disk).
    pub file: String,
    /// 1-based line, when the problem can be pinned to one.
    pub line: Option<usize>,
    /// Path of the offending field, e.g. `questions[3].label.en` (list indices count from 0).
    pub field: Option<String>,
    /// What is wrong, in English, for the reviewer of the file.
    pub message: String,
}

impl DefinitionError {
    /// An error about a whole file or an outside condition (unreadable file, duplicate survey).
    pub(crate) fn whole_file(
        file: impl Into<String>,
        message: impl Into<String>,
    ) -> DefinitionError {
        DefinitionError {
            file: file.into(),
            line: None,
            field: None,
            message: message.into(),
        }
    }
}
