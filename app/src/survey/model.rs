//! What the survey's pages and its form post exchange: the form's data, a rejected
//! submission kept for the citizen, and what became of a submission.

use serde::{Deserialize, Serialize};
use survey_definitions::{FieldErrors, Survey, Text};

use super::desk::DeskInfo;

/// Form field carrying the idempotency key.
pub const KEY_FIELD: &str = "_key";
/// Form field carrying the language the citizen answered in.
pub const LANG_FIELD: &str = "lang";

/// Everything the survey page needs to render a desk's form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyPageData {
    pub desk: DeskInfo,
    pub survey: Survey,
    /// Idempotency key carried by the form, so a retried submission is stored once.
    pub key: String,
    /// Answers and errors of a rejected submission (set when the form was posted without
    /// JavaScript and the server renders the page again).
    pub prefill: Option<Prefill>,
}

/// A rejected submission, shown again with its answers kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    pub values: Vec<(String, String)>,
    pub errors: FieldErrors,
    pub expired: bool,
    /// Nothing was stored because the database could not write: the page says so (503).
    pub unavailable: bool,
}

impl Prefill {
    /// The value previously entered for a field, if any.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What happened to a submission. Only the server's own failures are errors; everything the
/// citizen can act on is an outcome the page explains.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubmitOutcome {
    /// Durably stored (or already stored under the same idempotency key).
    Stored {
        duplicate: bool,
    },
    /// Some answers were rejected; nothing was stored.
    Invalid {
        errors: FieldErrors,
    },
    /// The form's idempotency key is missing or malformed (a tampered or truncated form).
    FormExpired,
    DeskNotFound,
    DeskRetired,
    /// This device rated this desk moments ago; nothing was stored.
    AlreadyRated,
    /// Too many submissions from this client or device; try again after this many seconds.
    RateLimited {
        retry_after_secs: u64,
    },
    /// The database cannot store answers now: nothing was stored, and the form keeps the
    /// answers to send again.
    Unavailable,
}

/// What the thank-you page shows after a submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThanksPageData {
    pub desk: DeskInfo,
    pub thanks: Text,
}
