//! Plain types and rules that every layer shares, storage included: who a staff member is and
//! what they may see (roles), why an answer is held or counted (flags), and the steps of a
//! commune's dossier, the pattern of a one-stop system's dossier codes. No I/O here.

pub mod channel;
pub mod dossier;
#[cfg(feature = "ssr")]
pub mod dossier_code;
pub mod flags;
pub mod followup;
pub mod roles;
