//! How an answer reached the app: stored with it, filtered on in exports, shown to reviewers.

use serde::{Deserialize, Serialize};

/// The way an answer arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Channel {
    /// A citizen's phone, from the desk's QR code.
    Qr,
    /// The tablet on the desk.
    Kiosk,
    /// Simulated by `hailong demo`.
    Demo,
    /// Written by `hailong bench`.
    Bench,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Qr, Channel::Kiosk, Channel::Demo, Channel::Bench];

    /// The stored value.
    pub fn key(self) -> &'static str {
        match self {
            Channel::Qr => "qr",
            Channel::Kiosk => "kiosk",
            Channel::Demo => "demo",
            Channel::Bench => "bench",
        }
    }

    pub fn parse(key: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_reads_back_from_its_key() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.key()), Some(channel));
        }
        assert_eq!(Channel::parse("QR"), None);
    }
}
