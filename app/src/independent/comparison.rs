//! The comparison of the desk's figure with the province's survey, as pages write it.

use serde::{Deserialize, Serialize};

/// A comparison as pages write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonText {
    pub period: String,
    pub element: String,
    pub desk_rated: String,
    pub desk_share: String,
    pub desk_interval: String,
    pub sample: String,
    pub share: String,
    pub interval: String,
    pub source: String,
    pub steering: bool,
    pub note: String,
}
