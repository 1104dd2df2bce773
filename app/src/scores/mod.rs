//! Score runs and what is read from them: the stored runs, the ranking and the commune's report.

pub mod ranking;
pub mod report;
#[cfg(feature = "ssr")]
pub mod runs;
