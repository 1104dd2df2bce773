//! Score runs and what is read from them: the stored runs, the one read model over them, the
//! ranking and the commune's report.

pub mod api;
pub mod model;
pub mod ranking;
#[cfg(feature = "ssr")]
pub mod read;
pub mod report;
#[cfg(feature = "ssr")]
pub mod runs;
pub mod standing;
