//! What the survey's pages and its form post exchange: the form's data, a rejected
//! submission kept for the citizen, and what became of a submission.

use serde::{Deserialize, Serialize};
use survey_definitions::{FieldErrors, Lang, Survey, Text};

use super::desk::DeskInfo;

/// Form field carrying the idempotency key.
pub const KEY_FIELD: &str = "_key";
/// Form field carrying the language the citizen answered in.
pub const LANG_FIELD: &str = "lang";
/// Form field carrying the survey version the form was rendered with; a form without it was
/// rendered before forms carried it, under version 1.
pub const VERSION_FIELD: &str = "_version";
/// Query parameter of a dossier's survey link (`/q/{desk}?hs={code}`), printed on its slip.
pub const DOSSIER_PARAM: &str = "hs";

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
    /// The dossier code of a slip's link (`?hs=`), filled in and locked.
    pub dossier: Option<String>,
    /// The link's code is not in the province's format: the page says so (400) and the field
    /// stays open.
    pub dossier_refused: Option<String>,
    /// This device already rated the desk within the one-rating window: (when, `HH:MM`; until
    /// when another rating is not counted, `HH:MM`). Told on opening, before anything is typed.
    #[serde(default)]
    pub rated_before: Option<(String, String)>,
    /// The spoken clip of each question that has one, in the page's language: (question id,
    /// URL).
    #[serde(default)]
    pub spoken: Vec<(String, String)>,
    /// A supplied language's words (its whole translation, as `Translation::words`), which the
    /// browser installs before drawing the form; empty for the built-in languages. A list of
    /// pairs, a type the WASM decodes already (a `Translation` struct cost 2.7 KB, measured).
    #[serde(default)]
    pub words: Vec<(String, String)>,
    /// Every language offered, built-in and supplied: (code, its own name), for the language
    /// switch the island draws.
    #[serde(default)]
    pub langs: Vec<(String, String)>,
}

/// A rejected submission, shown again with its answers kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prefill {
    pub values: Vec<(String, String)>,
    pub errors: FieldErrors,
    pub expired: bool,
    /// Nothing was stored because the database could not write: the page says so (503).
    pub unavailable: bool,
    /// The answers were for another version of the survey than the form's (409).
    pub other_version: bool,
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
    /// The form names a survey version the desk does not have, or carries answers to questions
    /// of another version (a page mixed from two versions); nothing was stored.
    OtherVersion,
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
    /// The spoken thank-you message in each language that has one: (language, URL).
    #[serde(default)]
    pub spoken: Vec<(Lang, String)>,
}
