//! Score runs and what is read from them: the runs, the ranking page and the commune's report,
//! read through the one read model of stored runs (`store::ranked`).

pub mod api;
pub mod model;
pub mod ranking;
pub mod report;
#[cfg(feature = "ssr")]
pub mod runs;
pub mod standing;
