//! Protecting the public survey without turning honest citizens away.
//!
//! - Rate limits (governor, in memory per process): per client address — loose, because a whole
//!   village can sit behind one carrier-grade NAT address — and per device (a random cookie id),
//!   tight. Over a limit the citizen gets 429 with Retry-After; other clients are unaffected.
//! - One response per device per desk within a window (default 10 minutes): a friendly page.
//! - Suspicious patterns are *flagged*, never dropped: the response is stored with its reasons and
//!   counts until a reviewer excludes it. Many answers from one address, or many identical
//!   answers, at one desk are counted in memory per process, like the rate limits
//!   (`RecentAtDesk`); a device's answers are looked up in the database, since they also refuse.
//! - Only salted hashes of addresses and device ids are stored; the salt changes daily and old
//!   salts are deleted, so the hashes cannot be linked back to an address later.

pub mod kiosk;

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::domain::flags::CountFlagged;

/// Name of the device cookie: a random id, set on the first survey visit.
pub const DEVICE_COOKIE: &str = "hl_dev";
/// Name of the hidden honeypot field: people never see it, form-filling robots fill it in.
pub const HONEYPOT_FIELD: &str = "website";

/// Tunable limits, from the environment (see README) with these defaults.
#[derive(Clone, Debug)]
pub struct AbuseSettings {
    /// A device may rate the same desk once within this window.
    pub device_window: Duration,
    /// Submissions per minute and burst allowed from one client address (IPv6: its /64).
    pub client_per_minute: u32,
    pub client_burst: u32,
    /// Submissions per minute and burst allowed from one device.
    pub device_per_minute: u32,
    pub device_burst: u32,
    /// Opening hours in local time (UTC+7), minutes since midnight [open, close), and open days
    /// (0 = Monday … 6 = Sunday). Answers outside are flagged, not refused.
    pub open_minute: u32,
    pub close_minute: u32,
    pub open_days: Vec<u32>,
    /// Thresholds of the burst and identical-answers flags, within `flag_window`.
    pub flag_window: Duration,
    pub device_burst_flag: i64,
    pub client_burst_flag: i64,
    pub identical_flag: i64,
    /// Answers a desk may receive in a minute, from every source together, before the next ones
    /// are flagged `desk_rate`: a desk serves a few hundred citizens a day at most.
    pub desk_per_minute_flag: i64,
    /// A dossier code rated again at the same desk within this many days is a repeat.
    pub dossier_window_days: u32,
    /// Whether answers flagged by a stuffing rule count before review.
    pub count_flagged: CountFlagged,
    /// Live dashboard streams (`/commune/live`) one sign-in and one user may hold open at once;
    /// one more is refused with 429.
    pub live_streams_per_session: usize,
    pub live_streams_per_user: usize,
}

impl Default for AbuseSettings {
    fn default() -> Self {
        AbuseSettings {
            device_window: Duration::from_secs(600),
            client_per_minute: 600,
            // 500 phones behind one carrier NAT address answering at once must all get through.
            client_burst: 1000,
            device_per_minute: 6,
            device_burst: 5,
            open_minute: 7 * 60,
            close_minute: 17 * 60 + 30,
            open_days: vec![0, 1, 2, 3, 4, 5],
            flag_window: Duration::from_secs(600),
            device_burst_flag: 3,
            client_burst_flag: 30,
            identical_flag: 5,
            desk_per_minute_flag: 15,
            dossier_window_days: 90,
            count_flagged: CountFlagged::default(),
            live_streams_per_session: StreamLimits::default().per_session,
            live_streams_per_user: StreamLimits::default().per_user,
        }
    }
}

/// How many live streams one sign-in and one user may hold open at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamLimits {
    pub per_session: usize,
    pub per_user: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        // A leader with a few tabs and a second device is well inside; a runaway script is not.
        StreamLimits {
            per_session: 4,
            per_user: 10,
        }
    }
}

/// The rate limiters of this process.
pub struct Limiters {
    by_client: DefaultKeyedRateLimiter<String>,
    by_device: DefaultKeyedRateLimiter<String>,
}

fn quota(per_minute: u32, burst: u32) -> Quota {
    let per_minute = NonZeroU32::new(per_minute.max(1)).expect("non-zero");
    let burst = NonZeroU32::new(burst.max(1)).expect("non-zero");
    Quota::per_minute(per_minute).allow_burst(burst)
}

impl Limiters {
    pub fn new(settings: &AbuseSettings) -> Arc<Limiters> {
        Arc::new(Limiters {
            by_client: RateLimiter::keyed(quota(settings.client_per_minute, settings.client_burst)),
            by_device: RateLimiter::keyed(quota(settings.device_per_minute, settings.device_burst)),
        })
    }

    /// Takes one submission from the client's and the device's allowances; `Err(wait)` when
    /// either is exhausted.
    pub fn check(&self, client_key: &str, device: Option<&str>) -> Result<(), Duration> {
        // The limiter's own clock: a new default clock calibrates itself, which cost more
        // than the rest of the check when it was made on every submission.
        if let Err(not_until) = self.by_client.check_key(&client_key.to_string()) {
            return Err(not_until.wait_time_from(self.by_client.clock().now()));
        }
        if let Some(device) = device {
            if let Err(not_until) = self.by_device.check_key(&device.to_string()) {
                return Err(not_until.wait_time_from(self.by_device.clock().now()));
            }
        }
        Ok(())
    }

    /// Forgets keys whose allowance is full again, so memory does not grow with every visitor.
    pub fn forget_idle(&self) {
        self.by_client.retain_recent();
        self.by_device.retain_recent();
    }
}

/// Times of the responses this process stored recently at each desk: by client address (its
/// salted hash), by answers (their digest), and all of them, for the `client_burst`,
/// `identical_answers` and `desk_rate` flags. These flags only mark a response, so a count per
/// process, like the rate limits', is enough, and it keeps two indexes with random keys off
/// every commit. A restart or a second process starts its own count.
#[derive(Default)]
pub struct RecentAtDesk {
    by_client: TimesByKey,
    by_answers: TimesByKey,
    all: TimesByKey,
}

/// What `RecentAtDesk::counts` found: earlier responses at the desk, each count stopping at its
/// flag threshold: from the client and identical ones within the flag window, any within the
/// last minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeskCounts {
    pub from_client: i64,
    pub identical: i64,
    pub last_minute: i64,
}

/// One response at a desk, as `RecentAtDesk` counts it.
pub struct AtDesk<'a> {
    pub desk_id: i64,
    pub client_hash: &'a str,
    pub answer_digest: &'a str,
}

impl RecentAtDesk {
    /// Responses stored since `since_ms` at the desk from the same client and with the same
    /// answers as `at`.
    pub fn counts(&self, at: &AtDesk<'_>, since_ms: i64, now_ms: i64) -> DeskCounts {
        DeskCounts {
            from_client: count_since(&self.by_client, (at.desk_id, at.client_hash), since_ms),
            identical: count_since(&self.by_answers, (at.desk_id, at.answer_digest), since_ms),
            last_minute: count_since(&self.all, (at.desk_id, ""), now_ms - 60_000),
        }
    }

    /// Remembers a response stored at `at_ms`. Only the newest times up to each threshold are
    /// kept: past it, the exact number does not change the flag.
    pub fn record(&self, at: &AtDesk<'_>, at_ms: i64, settings: &AbuseSettings) {
        remember(
            &self.by_client,
            (at.desk_id, at.client_hash),
            at_ms,
            settings.client_burst_flag,
        );
        remember(
            &self.by_answers,
            (at.desk_id, at.answer_digest),
            at_ms,
            settings.identical_flag,
        );
        remember(
            &self.all,
            (at.desk_id, ""),
            at_ms,
            settings.desk_per_minute_flag,
        );
    }

    /// Forgets what happened before `since_ms`, so memory follows the window, not the traffic.
    pub fn forget_before(&self, since_ms: i64) {
        for map in [&self.by_client, &self.by_answers, &self.all] {
            map.lock()
                .expect("recent answers")
                .retain(|_, times| times.back().is_some_and(|&t| t >= since_ms));
        }
    }
}

/// (desk, key) → times in milliseconds, oldest first.
type TimesByKey = Mutex<HashMap<(i64, String), VecDeque<i64>>>;

fn count_since(map: &TimesByKey, (desk, key): (i64, &str), since_ms: i64) -> i64 {
    map.lock()
        .expect("recent answers")
        .get(&(desk, key.to_string()))
        .map_or(0, |times| {
            times.iter().filter(|&&t| t >= since_ms).count() as i64
        })
}

fn remember(map: &TimesByKey, (desk, key): (i64, &str), at_ms: i64, keep: i64) {
    let mut map = map.lock().expect("recent answers");
    let times = map.entry((desk, key.to_string())).or_default();
    times.push_back(at_ms);
    while times.len() as i64 > keep.max(1) {
        times.pop_front();
    }
}

/// The key a client address is limited and hashed by: the address itself for IPv4, the /64
/// network for IPv6 (one subscriber usually holds a whole /64 and can pick any address in it).
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// A device id as the cookie carries it: 32 hex characters; anything else is ignored.
pub fn parse_device_id(raw: &str) -> Option<&str> {
    (raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_hexdigit())).then_some(raw)
}

/// The device id in a `Cookie` header, if any.
pub fn device_from_cookie_header(header: &str) -> Option<String> {
    header
        .split(';')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(name, _)| *name == DEVICE_COOKIE)
        .and_then(|(_, value)| parse_device_id(value))
        .map(str::to_owned)
}

/// `Set-Cookie` value for a new device id. A year long, readable only by the server.
pub fn device_cookie(id: &str, secure: bool) -> String {
    format!(
        "{DEVICE_COOKIE}={id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Salted SHA-256, hex: how device ids and client keys are stored.
pub fn salted_hash(salt: &str, value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0]);
    hasher.update(value.as_bytes());
    hex(&hasher.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a local (UTC+7) weekday and minute fall inside the opening hours.
pub fn within_opening_hours(settings: &AbuseSettings, weekday: u32, minute: u32) -> bool {
    settings.open_days.contains(&weekday)
        && minute >= settings.open_minute
        && minute < settings.close_minute
}

/// The day's salt (and yesterday's, while it exists), kept in memory: they change once a day,
/// and reading them for every submission cost two database round trips.
#[derive(Default)]
pub struct SaltCache {
    current: std::sync::Mutex<Option<(String, String, Option<String>)>>,
}

impl SaltCache {
    /// Today's salt (created on first use) and yesterday's if it still exists.
    pub async fn today_and_yesterday(
        &self,
        store: &crate::store::Store,
        today: &str,
        yesterday: &str,
    ) -> Result<(String, Option<String>), crate::store::StoreError> {
        if let Some((day, salt, previous)) = self.current.lock().expect("salt cache").as_ref() {
            if day == today {
                return Ok((salt.clone(), previous.clone()));
            }
        }
        let salt = store.daily_salt(today, yesterday).await?;
        let previous = store.existing_salt(yesterday).await?;
        *self.current.lock().expect("salt cache") =
            Some((today.to_string(), salt.clone(), previous.clone()));
        Ok((salt, previous))
    }
}

/// Who is submitting, as far as the server can tell without storing it.
#[derive(Clone, Debug)]
pub struct ClientInfo {
    pub ip: IpAddr,
    pub device_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_share_their_64_and_ipv4_is_kept_whole() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(c));
        assert_eq!(client_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
        assert_eq!(
            client_key("::ffff:203.0.113.7".parse().unwrap()),
            "203.0.113.7"
        );
    }

    #[test]
    fn only_well_formed_device_cookies_are_read() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(
            device_from_cookie_header(&format!("a=b; hl_dev={id}; c=d")).as_deref(),
            Some(id)
        );
        assert_eq!(device_from_cookie_header("hl_dev=<script>"), None);
        assert_eq!(device_from_cookie_header(""), None);
    }

    #[test]
    fn a_device_is_limited_without_slowing_others() {
        let settings = AbuseSettings {
            device_burst: 2,
            device_per_minute: 1,
            ..AbuseSettings::default()
        };
        let limiters = Limiters::new(&settings);
        assert!(limiters.check("1.2.3.4", Some("dev-a")).is_ok());
        assert!(limiters.check("1.2.3.4", Some("dev-a")).is_ok());
        let wait = limiters.check("1.2.3.4", Some("dev-a")).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(60));
        assert!(limiters.check("1.2.3.4", Some("dev-b")).is_ok());
    }

    #[test]
    fn desk_counts_keep_to_the_window_the_desk_and_the_threshold() {
        let settings = AbuseSettings {
            client_burst_flag: 3,
            identical_flag: 2,
            ..AbuseSettings::default()
        };
        let recent = RecentAtDesk::default();
        let at = |desk_id, client_hash, answer_digest| AtDesk {
            desk_id,
            client_hash,
            answer_digest,
        };
        for t in [100, 200, 300, 400] {
            recent.record(&at(1, "c", "d"), t, &settings);
        }
        recent.record(&at(1, "other", "e"), 450, &settings);
        assert_eq!(
            recent.counts(&at(1, "c", "d"), 0, 500),
            DeskCounts {
                from_client: 3,
                identical: 2,
                last_minute: 5,
            },
            "each count stops at its threshold"
        );
        assert_eq!(
            recent.counts(&at(1, "c", "d"), 350, 500),
            DeskCounts {
                from_client: 1,
                identical: 1,
                last_minute: 5,
            }
        );
        assert_eq!(
            recent.counts(&at(1, "c", "d"), 0, 60_420).last_minute,
            1,
            "the desk's rate counts the last minute only"
        );
        assert_eq!(
            recent.counts(&at(2, "c", "d"), 0, 500),
            DeskCounts {
                from_client: 0,
                identical: 0,
                last_minute: 0,
            },
            "another desk counts on its own"
        );
        recent.forget_before(420);
        assert_eq!(recent.counts(&at(1, "c", "d"), 0, 500).from_client, 0);
        assert_eq!(recent.counts(&at(1, "other", "e"), 0, 500).from_client, 1);
    }

    #[test]
    fn opening_hours_are_half_open() {
        let s = AbuseSettings::default();
        assert!(within_opening_hours(&s, 0, 7 * 60));
        assert!(!within_opening_hours(&s, 0, 17 * 60 + 30));
        assert!(!within_opening_hours(&s, 6, 9 * 60));
    }

    #[test]
    fn hashes_depend_on_the_salt() {
        assert_ne!(salted_hash("a", "x"), salted_hash("b", "x"));
        assert_eq!(salted_hash("a", "x").len(), 64);
    }
}
