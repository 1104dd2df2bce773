//! Alerts: unfavourable answers reach the commune at once. The rule that makes an answer
//! unfavourable and each user's choice (`rule.rs`), the message an alert carries
//! (`message.rs`), and the page where users choose and the province admin watches the queue
//! (`page.rs`). The background tasks that scan, queue and deliver live in the server crate
//! (`server/src/alerts`); the queue itself in `store::alerts`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod message;
pub mod model;
pub mod page;
pub mod rule;
