//! What a failed delivery says, shared by the mail and webhook channels and the sender that
//! decides on a retry.

/// Why a delivery failed, and whether trying again can help.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    pub permanent: bool,
}
