//! The commune's self-assessment dossier and the province's appraisal of it: its states and
//! steps, the form pages, and the scoring input drawn from it.

pub mod api;
#[cfg(feature = "ssr")]
pub mod input;
pub mod page;
#[cfg(feature = "ssr")]
pub mod post;
