//! Wire types of the alerts page.

use serde::{Deserialize, Serialize};

use crate::alerts::rule::AlertMode;
use crate::domain::roles::Me;

/// The alerts page: the signed-in user's own address and choice, and for the province admin
/// the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsPageData {
    pub me: Me,
    pub email: Option<String>,
    pub mode: AlertMode,
    /// Whether this user's role receives alerts: commune leaders and officers about their
    /// commune, province reviewers about complaints left unresolved in theirs.
    pub receives: bool,
    pub queue: Option<AlertQueueView>,
}

/// The queue as the province admin sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertQueueView {
    /// (status, how many) of every message ever queued.
    pub counts: Vec<(String, i64)>,
    /// Messages waiting or failed, newest first.
    pub rows: Vec<AlertQueueRowView>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertQueueRowView {
    pub id: i64,
    pub channel: String,
    pub response_id: i64,
    pub recipient: String,
    pub status: String,
    pub attempts: i64,
    /// When it is tried next (queued) or was queued (failed), `dd/mm/yyyy HH:MM`.
    pub when: String,
    pub last_error: String,
}
