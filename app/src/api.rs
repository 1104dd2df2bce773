//! Server functions, one module per feature. Bodies stay short: read the state, parse, call the
//! store or a plain function, map the result.

pub mod account;
pub mod assessment;
pub mod dashboard;
pub mod desks;
pub mod kiosk;
pub mod survey;
