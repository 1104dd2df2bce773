//! Signing in and out, sessions and CSRF tokens, and the authorization rules every protected
//! page, server function and route applies on the server.
//!
//! - Passwords: argon2id (default parameters, 19 MiB each), hashed and verified off the async
//!   executor, [`HASHING_PERMITS`] at a time in the whole process, so a burst of sign-ins cannot
//!   take more memory than that; an attempt that waits longer than [`HASHING_WAIT`] is turned
//!   away as "busy" (429). User names longer than [`MAX_USERNAME_CHARS`] and passwords longer
//!   than [`MAX_PASSWORD_BYTES`] are refused before anything is stored or hashed.
//! - Sessions: a random 256-bit token in an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS);
//!   the database keeps only its SHA-256. A new token at every sign-in (no session fixation);
//!   sessions expire after `Settings::session_hours`.
//! - CSRF: each session has a random token that every state-changing form carries back (`_csrf`);
//!   the sign-in form, which has no session yet, uses a double-submit cookie instead.
//! - Guessing is slowed where it comes from, so that nobody can lock the owner out from elsewhere:
//!   - per (user name, client address): [`FREE_FAILURES`] failures, then each further attempt
//!     waits 2^n seconds after the n-th failure (at most [`MAX_WAIT_SECS`]); a success clears it;
//!   - per client address, over all names: after [`ADDRESS_FAILURES`] failures within
//!     [`ADDRESS_WINDOW_MS`], the names that have already failed from that address wait for the
//!     window to end, while a name that has not is still checked once: a colleague behind the
//!     same address signs in, a guesser gets one try per name.
//!
//!   Each attempt is counted before its password is checked, in one transaction
//!   ([`Store::reserve_sign_in`]), so concurrent attempts cannot slip past the limits. The
//!   counts live in the database (shared by every instance, visible to the province admin, who
//!   can lift them) under a daily-salted hash of the address, as for survey responses, and are
//!   deleted with the salt ([`forget_old_sign_in_failures`]). The salt changes at midnight
//!   (Vietnam time), which starts the counts of an address afresh.
//! - Failed and refused sign-ins are audited one row per user name, address and hour, which
//!   counts them (`Store::audit_repeated`), so guessing cannot grow the log without bound.

use std::time::Duration;

use argon2::password_hash::{
    self, rand_core::OsRng, Output, ParamsString, PasswordHash, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::http::{header, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;

use crate::abuse::{client_key, hex, salted_hash, ClientInfo};
use crate::domain::roles::{Me, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::sign_in::LimitCounters;
use crate::store::users::UserRow;
use crate::store::{Store, StoreError};

pub const SESSION_COOKIE: &str = "hl_session";
pub const LOGIN_CSRF_COOKIE: &str = "hl_login_csrf";
pub const CSRF_FIELD: &str = "_csrf";
/// Failures a (user name, address) pair makes before its attempts have to wait.
pub const FREE_FAILURES: i64 = 5;
/// The longest wait between two attempts of one pair.
pub const MAX_WAIT_SECS: i64 = 15 * 60;
/// Failures from one address, over all names, within a window, beyond which only names that
/// have not failed from it are checked.
pub const ADDRESS_FAILURES: i64 = 30;
pub const ADDRESS_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Password hashes computed at the same time in this process.
pub const HASHING_PERMITS: usize = 2;
/// How long a sign-in waits for its turn to be checked before it is told to come back.
pub const HASHING_WAIT: Duration = Duration::from_secs(5);
/// The longest user name anyone has (see `accounts::users::create_user`).
pub const MAX_USERNAME_CHARS: usize = 40;
/// Far beyond any typed password; argon2 would take any length, the form does not.
pub const MAX_PASSWORD_BYTES: usize = 1000;

/// Turns for argon2, which takes 19 MiB and tens of milliseconds of one core per hash: the
/// process's limit on both, whatever the number of requests.
static HASHING: Semaphore = Semaphore::const_new(HASHING_PERMITS);

/// Runs `work` on a blocking thread once a hashing turn is free, waiting at most `wait`
/// (`None`: as long as it takes). The turn travels with the work, so a request that gives up
/// early does not free it while the hash still runs.
async fn on_hashing_turn<T: Send + 'static>(
    wait: Option<Duration>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let permit = match wait {
        Some(wait) => tokio::time::timeout(wait, HASHING.acquire()).await.ok()?,
        None => HASHING.acquire().await,
    }
    .ok()?;
    tokio::task::spawn_blocking(move || {
        let _turn = permit;
        work()
    })
    .await
    .ok()
}

/// Memory for one argon2 computation of `block_count` blocks. It is reserved larger than glibc's
/// highest dynamic mmap threshold (32 MiB on 64-bit), so the allocator always maps it fresh and
/// gives it back to the system when the hash is done; only the blocks in use are touched. A
/// buffer of exactly the blocks in use falls under the threshold once one has been freed, and
/// then stays in the allocator's arena of every thread that ever hashed, long after the burst.
fn argon2_memory(block_count: usize) -> Vec<Block> {
    const RESERVED_BYTES: usize = 33 << 20;
    let reserved = block_count.max(RESERVED_BYTES / std::mem::size_of::<Block>());
    let mut blocks = Vec::with_capacity(reserved);
    blocks.resize(block_count, Block::default());
    blocks
}

/// The argon2 output of `password` with `salt` (base64, as in the PHC string) under `argon2`.
fn argon2_output(
    argon2: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    len: usize,
) -> password_hash::Result<Output> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let memory = argon2_memory(argon2.params().block_count());
    Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password, salt_bytes, out, memory)
            .map_err(password_hash::Error::from)
    })
}

/// Hashes a password with argon2id (it takes tens of milliseconds on purpose), waiting for a
/// hashing turn as long as needed: only staff and the command line set passwords. The PHC
/// string is what `Argon2::default().hash_password` writes.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    on_hashing_turn(None, move || {
        let argon2 = Argon2::default();
        let salt = SaltString::generate(&mut OsRng);
        let output = argon2_output(
            &argon2,
            password.as_bytes(),
            salt.as_salt(),
            Params::DEFAULT_OUTPUT_LEN,
        )?;
        Ok::<_, password_hash::Error>(
            PasswordHash {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(argon2.params())?,
                salt: Some(salt.as_salt()),
                hash: Some(output),
            }
            .to_string(),
        )
    })
    .await
    .ok_or_else(|| AppError::internal("hash_password", "the hashing task failed"))?
    .map_err(|e| AppError::internal("hash_password", e))
}

/// Whether `password` matches the PHC string `hash`, with the algorithm, version and parameters
/// the string names, as `PasswordVerifier::verify_password` checks it.
fn password_matches(password: &[u8], hash: &str) -> bool {
    let check = || -> password_hash::Result<bool> {
        let parsed = PasswordHash::new(hash)?;
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return Ok(false);
        };
        let argon2 = Argon2::new(
            Algorithm::try_from(parsed.algorithm)?,
            parsed
                .version
                .map(Version::try_from)
                .transpose()?
                .unwrap_or_default(),
            Params::try_from(&parsed)?,
        );
        let computed = argon2_output(&argon2, password, salt, expected.len())?;
        // `Output` compares in constant time.
        Ok(computed == expected)
    };
    check().unwrap_or(false)
}

/// Checks a password against a stored hash; `None` when no hashing turn came within
/// [`HASHING_WAIT`].
pub async fn verify_password(password: String, hash: String) -> Option<bool> {
    on_hashing_turn(Some(HASHING_WAIT), move || {
        password_matches(password.as_bytes(), &hash)
    })
    .await
}

/// A new random token (256 bits, hex).
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex(&bytes)
}

fn token_hash(token: &str) -> String {
    salted_hash("session", token)
}

/// What identifies the request's sign-in in memory (live streams): the hash the database keeps,
/// never the cookie itself.
pub fn session_key(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
        .filter(|t| t.len() == 64)
        .map(token_hash)
}

/// The value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|part| part.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

fn cookie_header(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let value = format!(
        "{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).expect("cookie values are ASCII tokens")
}

/// The user of the request's session, if it is valid and unexpired.
pub async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<Me>, AppError> {
    let Some(token) = cookie(headers, SESSION_COOKIE).filter(|t| t.len() == 64) else {
        return Ok(None);
    };
    let session = state
        .store
        .session(&token_hash(token))
        .await
        .map_err(|e| AppError::internal("session", e))?;
    let Some(session) = session else {
        return Ok(None);
    };
    let assigned = assigned_of(&state.store, &session.user)
        .await
        .map_err(|e| AppError::internal("session", e))?;
    Ok(me(&session.user, session.csrf_token, assigned))
}

/// The communes a province reviewer is assigned; none for other roles.
async fn assigned_of(store: &Store, user: &UserRow) -> Result<Vec<i64>, StoreError> {
    if user.role() == Some(Role::ProvinceReviewer) {
        store.assigned_communes(user.id).await
    } else {
        Ok(Vec::new())
    }
}

fn me(user: &UserRow, csrf: String, assigned: Vec<i64>) -> Option<Me> {
    Some(Me {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role()?,
        unit_code: user.unit_code.clone(),
        unit_name: user.unit_name.clone(),
        assigned,
        csrf,
    })
}

/// Why a sign-in failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong user name or password (never saying which).
    Invalid,
    /// Too many failures lately; the password was not checked.
    Locked { retry_after_secs: u64 },
    /// Every hashing turn stayed taken; the password was not checked and the attempt not counted.
    Busy,
    /// A user name or password longer than anyone's; nothing was stored.
    TooLong,
    /// The password is right, but the province requires single sign-on of this account
    /// (`accounts::sso`); no session was opened.
    SsoRequired,
}

/// The salted hash a client address is counted under, with the day's salt: the address cannot
/// be recovered once the salt is deleted. "login" keeps it apart from the hashes of survey
/// responses made with the same salt, so the two cannot be matched.
pub fn address_hash(salt: &str, client_key: &str) -> String {
    salted_hash(salt, &format!("login {client_key}"))
}

/// How long a pair waits after its `failures`-th failure, in milliseconds.
fn wait_after_ms(failures: i64) -> i64 {
    if failures < FREE_FAILURES {
        return 0;
    }
    let secs = u32::try_from(failures)
        .ok()
        .and_then(|n| 1i64.checked_shl(n))
        .map_or(MAX_WAIT_SECS, |secs| secs.min(MAX_WAIT_SECS));
    secs * 1000
}

/// What the limits allow an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    /// Check the password; should it be wrong, the pair waits until `next_at`.
    Check { next_at: i64 },
    /// Too many failures: not checked, and not before `until`.
    Wait { until: i64 },
    /// A name nobody has, tried from an address past its limit: answered as a wrong password,
    /// without hashing and without keeping anything about the name. Checking it would cost a
    /// hash and a row for every name a guesser makes up; refusing it openly would tell which
    /// names exist.
    NoSuchName,
}

/// What the limits allow an attempt, from the counts of its pair and its address before it and
/// whether anyone has the name.
pub fn allowance(
    pair: &LimitCounters,
    address: &LimitCounters,
    name_exists: bool,
    now: i64,
) -> Allowance {
    if pair.next_at > now {
        return Allowance::Wait {
            until: pair.next_at,
        };
    }
    if address.failures >= ADDRESS_FAILURES {
        if pair.failures > 0 {
            return Allowance::Wait {
                until: address.window_start + ADDRESS_WINDOW_MS,
            };
        }
        if !name_exists {
            return Allowance::NoSuchName;
        }
    }
    Allowance::Check {
        next_at: now + wait_after_ms(pair.failures + 1),
    }
}

/// How long the latest password check took, in microseconds: how long an unchecked answer
/// waits, so that it looks like a checked one.
static LAST_CHECK_MICROS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Today's and yesterday's dates in Vietnam, which the salts are named by.
fn salt_days() -> (String, String) {
    let today = crate::clock::today();
    let yesterday = crate::clock::day_minus(&today, 1);
    (today, yesterday)
}

/// Deletes the sign-in counts whose salt is gone or about to go (those made before yesterday,
/// Vietnam time, as `Store::daily_salt` deletes salts); the housekeeping calls it hourly.
pub async fn forget_old_sign_in_failures(store: &Store) -> Result<u64, StoreError> {
    let (_, yesterday) = salt_days();
    let start = chrono::NaiveDate::parse_from_str(&yesterday, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(crate::clock::now_ms() - 86_400_000, |t| {
            t.and_utc().timestamp_millis() - 7 * 3_600_000
        });
    store.delete_sign_in_counts_before(start).await
}

/// Records an anonymous sign-in event in the audit log, one row per action, user name, address
/// and hour, which counts them.
async fn audit_attempt(
    store: &Store,
    action: &str,
    username: &str,
    client_hash: &str,
    now: i64,
) -> Result<(), StoreError> {
    let address = &client_hash[..client_hash.len().min(ADDRESS_SHOWN)];
    let hour = now / 3_600_000;
    store
        .audit_repeated(
            username,
            action,
            username,
            &format!("địa chỉ #{address}"),
            &format!("{action}:{hour}:{address}:{username}"),
        )
        .await
}

/// How many hex digits of an address hash pages and the audit log show: enough to tell the
/// addresses of a day apart.
pub const ADDRESS_SHOWN: usize = 12;

/// The name the audit log gives to made-up names that were not checked (`Allowance::NoSuchName`),
/// counted together per address and hour.
pub const UNKNOWN_NAMES: &str = "(tên không tồn tại)";

/// Checks the credentials and opens a new session; returns the user and the `Set-Cookie` value.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    client: &ClientInfo,
) -> Result<Result<(Me, HeaderValue), LoginError>, AppError> {
    let store = &state.store;
    let err = |e: StoreError| AppError::internal("login", e);
    let username = username.trim();
    if username.chars().count() > MAX_USERNAME_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Ok(Err(LoginError::TooLong));
    }
    // Nobody has an empty name, and the address's own counts are kept under it.
    if username.is_empty() {
        return Ok(Err(LoginError::Invalid));
    }
    let now = crate::clock::now_ms();
    let (today, yesterday) = salt_days();
    let (salt, _) = state
        .salts
        .today_and_yesterday(store, &today, &yesterday)
        .await
        .map_err(err)?;
    let client_hash = address_hash(&salt, &client_key(client.ip));
    let user = store.user_by_username(username).await.map_err(err)?;
    let name_exists = user.is_some();
    let reservation = store
        .reserve_sign_in(
            username,
            &client_hash,
            now,
            now - ADDRESS_WINDOW_MS,
            |pair, address| match allowance(pair, address, name_exists, now) {
                Allowance::Check { next_at } => Some(next_at),
                Allowance::Wait { .. } | Allowance::NoSuchName => None,
            },
        )
        .await
        .map_err(err)?;
    match allowance(&reservation.pair, &reservation.address, name_exists, now) {
        Allowance::Check { .. } => {}
        Allowance::Wait { until } => {
            store
                .count_refused(username, &client_hash)
                .await
                .map_err(err)?;
            audit_attempt(store, "login_throttled", username, &client_hash, now)
                .await
                .map_err(err)?;
            let retry_after_secs = u64::try_from((until - now + 999) / 1000)
                .unwrap_or(1)
                .max(1);
            return Ok(Err(LoginError::Locked { retry_after_secs }));
        }
        Allowance::NoSuchName => {
            store.count_refused("", &client_hash).await.map_err(err)?;
            audit_attempt(store, "login_throttled", UNKNOWN_NAMES, &client_hash, now)
                .await
                .map_err(err)?;
            let micros = LAST_CHECK_MICROS.load(std::sync::atomic::Ordering::Relaxed);
            tokio::time::sleep(Duration::from_micros(micros)).await;
            return Ok(Err(LoginError::Invalid));
        }
    }
    // Verify even for unknown users, so timing does not tell which user names exist (nor which
    // accounts have no password: those made by single sign-on).
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .filter(|hash| !hash.is_empty())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let has_password = user.as_ref().is_some_and(|u| !u.password_hash.is_empty());
    let started = std::time::Instant::now();
    let Some(valid) = verify_password(password.to_string(), hash).await else {
        store
            .refund_sign_in(username, &client_hash)
            .await
            .map_err(err)?;
        return Ok(Err(LoginError::Busy));
    };
    LAST_CHECK_MICROS.store(
        u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        std::sync::atomic::Ordering::Relaxed,
    );
    let user = match user {
        Some(user) if valid && has_password && user.active == 1 => user,
        _ => {
            audit_attempt(store, "login_failed", username, &client_hash, now)
                .await
                .map_err(err)?;
            return Ok(Err(LoginError::Invalid));
        }
    };
    store
        .clear_sign_in(username, &client_hash)
        .await
        .map_err(err)?;
    if crate::accounts::sso::password_refused(state, &user).await? {
        audit_attempt(store, "login_sso_required", username, &client_hash, now)
            .await
            .map_err(err)?;
        return Ok(Err(LoginError::SsoRequired));
    }
    open_session(state, &user, None, "").await.map(Ok)
}

/// Opens a new session for `user` (a new token: a session is never carried over from before the
/// sign-in) and audits the sign-in with `how` as its detail; returns the user and the
/// `Set-Cookie` value. `sso_logout_url` is where the province's provider ends its own session
/// when this one ends (a sign-in through it).
pub async fn open_session(
    state: &AppState,
    user: &UserRow,
    sso_logout_url: Option<&str>,
    how: &str,
) -> Result<(Me, HeaderValue), AppError> {
    let store = &state.store;
    let err = |e: StoreError| AppError::internal("login", e);
    let token = new_token();
    let csrf = new_token();
    let lifetime_ms = i64::from(state.settings.session_hours) * 3_600_000;
    let expires_at = crate::clock::now_ms() + lifetime_ms;
    match sso_logout_url {
        None => {
            store
                .create_session(&token_hash(&token), user.id, &csrf, expires_at)
                .await
        }
        Some(url) => {
            store
                .create_sso_session(&token_hash(&token), user.id, &csrf, expires_at, Some(url))
                .await
        }
    }
    .map_err(err)?;
    store
        .audit(Some(user.id), &user.username, "login", &user.username, how)
        .await
        .map_err(err)?;
    let assigned = assigned_of(store, user).await.map_err(err)?;
    let me = me(user, csrf, assigned).ok_or_else(|| AppError::internal("login", "unknown role"))?;
    let cookie = cookie_header(
        SESSION_COOKIE,
        &token,
        lifetime_ms / 1000,
        state.settings.secure_cookies(),
    );
    Ok((me, cookie))
}

/// The hash a session's token is stored under (`sessions.token_hash`).
pub fn session_token_hash(token: &str) -> String {
    token_hash(token)
}

/// Ends the request's session; returns the `Set-Cookie` value that clears the cookie.
pub async fn logout(
    state: &AppState,
    headers: &HeaderMap,
    me: &Me,
) -> Result<HeaderValue, AppError> {
    if let Some(token) = cookie(headers, SESSION_COOKIE) {
        state
            .store
            .delete_session(&token_hash(token))
            .await
            .map_err(|e| AppError::internal("logout", e))?;
        state.live.end_session(&token_hash(token));
    }
    state
        .store
        .audit(Some(me.id), &me.username, "logout", &me.username, "")
        .await
        .map_err(|e| AppError::internal("logout", e))?;
    Ok(cookie_header(
        SESSION_COOKIE,
        "",
        0,
        state.settings.secure_cookies(),
    ))
}

/// `Set-Cookie` for a cookie of this site: HttpOnly, SameSite=Lax, Secure behind HTTPS.
pub fn site_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    cookie_header(name, value, max_age_secs, secure)
}

/// `Set-Cookie` for the sign-in form's double-submit CSRF token.
pub fn login_csrf_cookie(token: &str, secure: bool) -> HeaderValue {
    cookie_header(LOGIN_CSRF_COOKIE, token, 3600, secure)
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A valid argon2id hash of a random password, verified against for unknown user names.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpg";

/// Whether a user of `me_role` and unit `me_unit` may see the commune with this id, whose
/// district is `district_id`. A province reviewer sees only its assigned communes, which this
/// rule does not know: it is refused here, and [`may_see_commune`] decides for it.
pub fn can_see_commune(
    me_role: Role,
    me_unit: Option<i64>,
    commune_id: i64,
    district_id: Option<i64>,
) -> bool {
    match me_role {
        Role::ProvinceAdmin => true,
        Role::ProvinceReviewer => false,
        Role::DistrictReviewer => me_unit.is_some() && me_unit == district_id,
        Role::CommuneLeader | Role::CommuneOfficer => me_unit == Some(commune_id),
    }
}

/// Whether the signed-in `me` (unit `me_unit`) may see the commune with this id, whose district
/// is `district_id`: [`can_see_commune`], and for a province reviewer its assigned communes.
pub fn may_see_commune(
    me: &Me,
    me_unit: Option<i64>,
    commune_id: i64,
    district_id: Option<i64>,
) -> bool {
    match me.role {
        Role::ProvinceReviewer => me.assigned.contains(&commune_id),
        role => can_see_commune(role, me_unit, commune_id, district_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("đúng mật khẩu".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert_eq!(
            verify_password("đúng mật khẩu".into(), hash.clone()).await,
            Some(true)
        );
        assert_eq!(verify_password("sai".into(), hash).await, Some(false));
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash must parse, or timing leaks"
        );
        assert_eq!(
            verify_password("x".into(), DUMMY_HASH.into()).await,
            Some(false)
        );
        assert_eq!(
            verify_password("x".into(), "not a hash".into()).await,
            Some(false)
        );
    }

    #[test]
    fn hashes_are_those_of_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::default()
            .hash_password(b"mat khau", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(password_matches(b"mat khau", &theirs));
        assert!(!password_matches(b"mat khau!", &theirs));
        let ours = tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(hash_password("mat khau".into()))
            .unwrap();
        assert!(Argon2::default()
            .verify_password(b"mat khau", &PasswordHash::new(&ours).unwrap())
            .is_ok());
        assert_eq!(
            PasswordHash::new(&ours).unwrap().params,
            PasswordHash::new(&theirs).unwrap().params
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_there_are_turns() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut all = tokio::task::JoinSet::new();
        for _ in 0..12 {
            let (running, most) = (running.clone(), most.clone());
            all.spawn(on_hashing_turn(None, move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        let done = all.join_all().await;

        assert!(done.iter().all(Option::is_some));
        assert!(most.load(Ordering::SeqCst) <= HASHING_PERMITS);
    }

    #[tokio::test]
    async fn a_check_waits_for_a_turn_only_so_long() {
        let all_turns = HASHING.acquire_many(HASHING_PERMITS as u32).await.unwrap();

        let waited = on_hashing_turn(Some(Duration::from_millis(50)), || true).await;
        drop(all_turns);
        let later = on_hashing_turn(Some(Duration::from_millis(50)), || true).await;

        assert_eq!(waited, None, "busy: the caller answers 429");
        assert_eq!(later, Some(true));
    }

    #[test]
    fn a_pair_waits_twice_as_long_after_each_failure_past_five() {
        let now = 1_000_000;
        let pair = |failures, next_at| LimitCounters {
            failures,
            next_at,
            window_start: 0,
        };
        let check = |next_at| Allowance::Check { next_at };
        let quiet = LimitCounters::default();
        let allow = |p: LimitCounters| allowance(&p, &quiet, true, now);
        assert_eq!(allow(pair(0, 0)), check(now), "first failures cost nothing");
        assert_eq!(allow(pair(3, now)), check(now));
        assert_eq!(
            allow(pair(4, 0)),
            check(now + 32_000),
            "2^5 s after the fifth"
        );
        assert_eq!(allow(pair(5, now + 1)), Allowance::Wait { until: now + 1 });
        assert_eq!(allow(pair(6, now)), check(now + 128_000));
        assert_eq!(
            allow(pair(60, 0)),
            check(now + MAX_WAIT_SECS * 1000),
            "capped"
        );
    }

    #[test]
    fn a_failing_address_still_gets_one_try_per_existing_name() {
        let now = 1_000_000;
        let address = LimitCounters {
            failures: ADDRESS_FAILURES,
            next_at: 0,
            window_start: now - 1000,
        };
        let fresh = LimitCounters::default();
        let failed_once = LimitCounters {
            failures: 1,
            ..fresh
        };
        let window_end = Allowance::Wait {
            until: now - 1000 + ADDRESS_WINDOW_MS,
        };
        assert_eq!(
            allowance(&fresh, &address, true, now),
            Allowance::Check { next_at: now }
        );
        assert_eq!(
            allowance(&fresh, &address, false, now),
            Allowance::NoSuchName
        );
        assert_eq!(allowance(&failed_once, &address, true, now), window_end);
        assert_eq!(allowance(&failed_once, &address, false, now), window_end);
        let below = LimitCounters {
            failures: ADDRESS_FAILURES - 1,
            ..address
        };
        assert_eq!(
            allowance(&failed_once, &below, false, now),
            Allowance::Check { next_at: now }
        );
    }

    #[test]
    fn login_hashes_are_salted_and_apart_from_survey_hashes() {
        assert_ne!(address_hash("a", "1.2.3.4"), address_hash("b", "1.2.3.4"));
        assert_ne!(address_hash("a", "1.2.3.4"), salted_hash("a", "1.2.3.4"));
    }

    #[test]
    fn roles_see_only_their_units() {
        assert!(can_see_commune(Role::ProvinceAdmin, None, 5, Some(1)));
        assert!(can_see_commune(Role::DistrictReviewer, Some(1), 5, Some(1)));
        assert!(!can_see_commune(
            Role::DistrictReviewer,
            Some(2),
            5,
            Some(1)
        ));
        assert!(can_see_commune(Role::CommuneLeader, Some(5), 5, Some(1)));
        assert!(!can_see_commune(Role::CommuneOfficer, Some(6), 5, Some(1)));
        assert!(!can_see_commune(Role::ProvinceReviewer, None, 5, Some(1)));
        let reviewer = Me {
            id: 1,
            username: "r".into(),
            display_name: "R".into(),
            role: Role::ProvinceReviewer,
            unit_code: None,
            unit_name: None,
            assigned: vec![5],
            csrf: String::new(),
        };
        assert!(may_see_commune(&reviewer, None, 5, Some(1)));
        assert!(!may_see_commune(&reviewer, None, 6, Some(1)));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}
