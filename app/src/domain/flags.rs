//! Why a response looks suspicious: the flags the anti-abuse rules give a response, how they are
//! stored (`responses.flags`, comma-separated keys) and named, and which of them hold a response
//! back from the figures until a reviewer accepts it.
//!
//! Two kinds of rule flag a response:
//! - **stuffing rules** catch what a script or a commune's own staff does to move a score (a post
//!   without the survey page's cookie, more answers at a desk than it can serve, a filled
//!   honeypot, the same dossier rated twice, a kiosk rated faster than people can tap). By default
//!   the response they flag waits for a reviewer and counts only once accepted
//!   (`CountFlagged::AfterReview`; a province may count them at once instead);
//! - **crowd rules** mark what honest citizens also do (answering after opening hours, many
//!   phones behind one carrier address, many identical "very satisfied" answers): the response
//!   counts at once and a reviewer may still exclude it.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One reason a response was flagged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Flag {
    /// The hidden honeypot field was filled in: people never see it.
    Honeypot,
    /// The post carried no device cookie, which the survey page sets on every phone that opens it.
    NoDeviceCookie,
    /// One device sent several answers in a short time (to several desks).
    DeviceBurst,
    /// Many answers at one desk from one network address in a short time.
    ClientBurst,
    /// Many identical answers at one desk in a short time.
    IdenticalAnswers,
    /// More answers at one desk per minute, from every source together, than a desk can serve.
    DeskRate,
    /// A dossier code already rated at the same desk recently.
    DossierRepeat,
    /// Answered outside the desk's opening hours.
    OutsideHours,
    /// A kiosk's clock was implausible: the rating was stored with the time it arrived.
    KioskClock,
    /// Ratings at a desk's kiosks faster than citizens can give them.
    KioskRapid,
    /// A kiosk rating dated further back than an offline queue plausibly holds one.
    KioskBackdated,
    /// A kiosk rating tapped while the desk was closed.
    KioskOffHours,
    /// More kiosk ratings at a desk in a day than it handled dossiers that day.
    KioskOverDossiers,
    /// One of a long run of identical overall answers at one kiosk.
    KioskRun,
    /// One of a kiosk's taps spaced so evenly that no queue of citizens made them.
    KioskCadence,
    /// A kiosk's day satisfied far above the desk's other answers and the commune's history.
    KioskShare,
}

impl Flag {
    pub const ALL: [Flag; 16] = [
        Flag::Honeypot,
        Flag::NoDeviceCookie,
        Flag::DeviceBurst,
        Flag::ClientBurst,
        Flag::IdenticalAnswers,
        Flag::DeskRate,
        Flag::DossierRepeat,
        Flag::OutsideHours,
        Flag::KioskClock,
        Flag::KioskRapid,
        Flag::KioskBackdated,
        Flag::KioskOffHours,
        Flag::KioskOverDossiers,
        Flag::KioskRun,
        Flag::KioskCadence,
        Flag::KioskShare,
    ];

    /// The key stored in `responses.flags` and written in exports.
    pub fn key(self) -> &'static str {
        match self {
            Flag::Honeypot => "honeypot",
            Flag::NoDeviceCookie => "no_device_cookie",
            Flag::DeviceBurst => "device_burst",
            Flag::ClientBurst => "client_burst",
            Flag::IdenticalAnswers => "identical_answers",
            Flag::DeskRate => "desk_rate",
            Flag::DossierRepeat => "dossier_repeat",
            Flag::OutsideHours => "outside_hours",
            Flag::KioskClock => "kiosk_clock",
            Flag::KioskRapid => "kiosk_rapid",
            Flag::KioskBackdated => "kiosk_backdated",
            Flag::KioskOffHours => "kiosk_off_hours",
            Flag::KioskOverDossiers => "kiosk_over_dossiers",
            Flag::KioskRun => "kiosk_run",
            Flag::KioskCadence => "kiosk_cadence",
            Flag::KioskShare => "kiosk_share",
        }
    }

    pub fn parse(key: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.key() == key)
    }

    /// What a reviewer reads, in Vietnamese.
    pub fn label_vi(self) -> &'static str {
        match self {
            Flag::Honeypot => "gửi tự động (ô ẩn bị điền)",
            Flag::NoDeviceCookie => "gửi không qua trang khảo sát (thiếu mã thiết bị)",
            Flag::DeviceBurst => "nhiều phiếu từ một thiết bị",
            Flag::ClientBurst => "nhiều phiếu từ một địa chỉ mạng",
            Flag::IdenticalAnswers => "nhiều phiếu giống hệt nhau",
            Flag::DeskRate => "quầy nhận quá nhiều phiếu trong một phút",
            Flag::DossierRepeat => "hồ sơ đã được đánh giá trước đó",
            Flag::OutsideHours => "ngoài giờ làm việc",
            Flag::KioskClock => "đồng hồ máy đánh giá sai, tính theo giờ nhận",
            Flag::KioskRapid => "máy đánh giá nhận phiếu nhanh hơn người bấm được",
            Flag::KioskBackdated => "phiếu của máy đánh giá ghi ngày quá xa",
            Flag::KioskOffHours => "máy đánh giá nhận phiếu ngoài giờ làm việc",
            Flag::KioskOverDossiers => {
                "máy đánh giá nhận nhiều phiếu hơn số hồ sơ quầy giải quyết trong ngày"
            }
            Flag::KioskRun => "máy đánh giá nhận một dãy dài phiếu giống hệt nhau",
            Flag::KioskCadence => "máy đánh giá nhận phiếu đều đặn như máy bấm",
            Flag::KioskShare => {
                "tỷ lệ hài lòng trong ngày của máy đánh giá cao bất thường so với quầy"
            }
        }
    }

    /// What a reviewer reads, in English.
    pub fn label_en(self) -> &'static str {
        match self {
            Flag::Honeypot => "sent by a robot (hidden field filled in)",
            Flag::NoDeviceCookie => "not sent from the survey page (no device cookie)",
            Flag::DeviceBurst => "many answers from one device",
            Flag::ClientBurst => "many answers from one network address",
            Flag::IdenticalAnswers => "many identical answers",
            Flag::DeskRate => "more answers a minute than the desk can serve",
            Flag::DossierRepeat => "dossier already rated",
            Flag::OutsideHours => "outside opening hours",
            Flag::KioskClock => "kiosk clock wrong, arrival time used",
            Flag::KioskRapid => "kiosk ratings faster than people can tap",
            Flag::KioskBackdated => "kiosk rating dated too far back",
            Flag::KioskOffHours => "kiosk rating while the desk was closed",
            Flag::KioskOverDossiers => "more kiosk ratings than dossiers handled that day",
            Flag::KioskRun => "a long run of identical kiosk ratings",
            Flag::KioskCadence => "kiosk ratings at a machine-like steady pace",
            Flag::KioskShare => "a kiosk's day far more satisfied than its desk",
        }
    }

    /// Whether this is a stuffing rule: see the module documentation.
    pub fn is_stuffing(self) -> bool {
        match self {
            Flag::Honeypot
            | Flag::NoDeviceCookie
            | Flag::DeviceBurst
            | Flag::DeskRate
            | Flag::DossierRepeat
            | Flag::KioskRapid
            | Flag::KioskBackdated
            | Flag::KioskOffHours
            | Flag::KioskOverDossiers
            | Flag::KioskRun
            | Flag::KioskCadence
            | Flag::KioskShare => true,
            Flag::ClientBurst | Flag::IdenticalAnswers | Flag::OutsideHours | Flag::KioskClock => {
                false
            }
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The flags of one response, without repeats, in a fixed order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags(Vec<Flag>);

/// A stored flag this version does not know: stored data is never silently dropped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown flag `{0}`")]
pub struct UnknownFlag(pub String);

impl Flags {
    pub fn new() -> Flags {
        Flags::default()
    }

    pub fn add(&mut self, flag: Flag) {
        if let Err(at) = self.0.binary_search(&flag) {
            self.0.insert(at, flag);
        }
    }

    pub fn contains(&self, flag: Flag) -> bool {
        self.0.binary_search(&flag).is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Flag> + '_ {
        self.0.iter().copied()
    }

    /// Whether a stuffing rule flagged the response.
    pub fn any_stuffing(&self) -> bool {
        self.0.iter().any(|f| f.is_stuffing())
    }

    /// The stored form: keys joined by commas, or `None` for no flag.
    pub fn stored(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.iter().map(|f| f.key()).collect::<Vec<_>>().join(","))
    }

    /// Reads the stored form back; an unknown key is an error naming it.
    pub fn parse_stored(stored: Option<&str>) -> Result<Flags, UnknownFlag> {
        let mut flags = Flags::new();
        for key in stored.unwrap_or_default().split(',').map(str::trim) {
            if key.is_empty() {
                continue;
            }
            flags.add(Flag::parse(key).ok_or_else(|| UnknownFlag(key.to_string()))?);
        }
        Ok(flags)
    }

    /// Reviewers' reasons in Vietnamese, separated by semicolons.
    pub fn labels_vi(&self) -> String {
        self.0
            .iter()
            .map(|f| f.label_vi())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl FromIterator<Flag> for Flags {
    fn from_iter<I: IntoIterator<Item = Flag>>(iter: I) -> Flags {
        let mut flags = Flags::new();
        for flag in iter {
            flags.add(flag);
        }
        flags
    }
}

/// Whether answers flagged by a stuffing rule count before a reviewer has looked at them
/// (`HAILONG_COUNT_FLAGGED`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CountFlagged {
    /// They wait for a reviewer: a script cannot move a commune's figures on its own.
    #[default]
    AfterReview,
    /// They count at once, like every other answer, until a reviewer excludes them.
    AtOnce,
}

impl CountFlagged {
    pub fn parse(value: &str) -> Option<CountFlagged> {
        match value {
            "after_review" => Some(CountFlagged::AfterReview),
            "at_once" => Some(CountFlagged::AtOnce),
            _ => None,
        }
    }

    /// Whether a response with these flags waits for a reviewer before it counts.
    pub fn holds(self, flags: &Flags) -> bool {
        self == CountFlagged::AfterReview && flags.any_stuffing()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_round_trips_through_its_key() {
        for flag in Flag::ALL {
            assert_eq!(Flag::parse(flag.key()), Some(flag), "{flag}");
        }
        let all: Flags = Flag::ALL.into_iter().rev().collect();
        assert_eq!(
            Flags::parse_stored(all.stored().as_deref()),
            Ok(all.clone())
        );
    }

    #[test]
    fn stored_flags_are_sorted_without_repeats() {
        let flags: Flags = [Flag::OutsideHours, Flag::Honeypot, Flag::OutsideHours]
            .into_iter()
            .collect();
        assert_eq!(flags.stored().as_deref(), Some("honeypot,outside_hours"));
        assert_eq!(Flags::new().stored(), None);
        assert_eq!(Flags::parse_stored(None), Ok(Flags::new()));
    }

    #[test]
    fn an_unknown_stored_flag_is_an_error_not_a_silent_drop() {
        assert_eq!(
            Flags::parse_stored(Some("honeypot,martian")),
            Err(UnknownFlag("martian".into()))
        );
    }

    #[test]
    fn only_stuffing_flags_hold_a_response_and_only_after_review() {
        let crowd: Flags = [
            Flag::OutsideHours,
            Flag::IdenticalAnswers,
            Flag::ClientBurst,
        ]
        .into_iter()
        .collect();
        let stuffing: Flags = [Flag::OutsideHours, Flag::NoDeviceCookie]
            .into_iter()
            .collect();
        assert!(!CountFlagged::AfterReview.holds(&crowd));
        assert!(CountFlagged::AfterReview.holds(&stuffing));
        assert!(!CountFlagged::AtOnce.holds(&stuffing));
    }
}
