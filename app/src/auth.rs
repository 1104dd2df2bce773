//! Signing in and out, sessions and CSRF tokens, and the authorization rules every protected
//! page, server function and route applies on the server.
//!
//! - Passwords: argon2id (default parameters), hashed and verified off the async executor.
//! - Sessions: a random 256-bit token in an HttpOnly, SameSite=Lax cookie (Secure behind HTTPS);
//!   the database keeps only its SHA-256. A new token at every sign-in (no session fixation);
//!   sessions expire after `Settings::session_hours`.
//! - CSRF: each session has a random token that every state-changing form carries back (`_csrf`);
//!   the sign-in form, which has no session yet, uses a double-submit cookie instead.
//! - Guessing: after `MAX_FAILURES` failed sign-ins within `FAILURE_WINDOW` for a user name or
//!   from a client, further attempts are refused until the window passes.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::http::{header, HeaderMap, HeaderValue};

use crate::abuse::{hex, salted_hash, ClientInfo};
use crate::error::AppError;
use crate::roles::{Me, Role};
use crate::state::AppState;
use crate::store::users::UserRow;
use crate::store::{now_ms, StoreError};

pub const SESSION_COOKIE: &str = "hl_session";
pub const LOGIN_CSRF_COOKIE: &str = "hl_login_csrf";
pub const CSRF_FIELD: &str = "_csrf";
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Hashes a password with argon2id on a blocking thread (it takes tens of milliseconds on purpose).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|e| AppError::internal("hash_password", e))?
    .map_err(|e| AppError::internal("hash_password", e))
}

/// Checks a password against a stored hash on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
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
    Ok(session.and_then(|s| me(&s.user, s.csrf_token)))
}

fn me(user: &UserRow, csrf: String) -> Option<Me> {
    Some(Me {
        id: user.id,
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role: user.role()?,
        unit_code: user.unit_code.clone(),
        unit_name: user.unit_name.clone(),
        csrf,
    })
}

/// Why a sign-in failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong user name or password (never saying which).
    Invalid,
    /// Too many failures lately; try again later.
    Locked,
}

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
    let client_hash = salted_hash("login", &crate::abuse::client_key(client.ip));
    let failures = store
        .count_login_failures_since(username, &client_hash, now_ms() - FAILURE_WINDOW_MS)
        .await
        .map_err(err)?;
    if failures >= MAX_FAILURES {
        store
            .audit(
                None,
                username,
                "login_locked",
                username,
                "too many failed sign-ins",
            )
            .await
            .map_err(err)?;
        return Ok(Err(LoginError::Locked));
    }
    let user = store.user_by_username(username).await.map_err(err)?;
    // Verify even for unknown users, so timing does not tell which user names exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let valid = verify_password(password.to_string(), hash).await;
    let user = match user {
        Some(user) if valid && user.active == 1 => user,
        _ => {
            store
                .record_login_failure(username, &client_hash)
                .await
                .map_err(err)?;
            store
                .audit(None, username, "login_failed", username, "")
                .await
                .map_err(err)?;
            return Ok(Err(LoginError::Invalid));
        }
    };
    store.clear_login_failures(username).await.map_err(err)?;
    let token = new_token();
    let csrf = new_token();
    let lifetime_ms = i64::from(state.settings.session_hours) * 3_600_000;
    store
        .create_session(&token_hash(&token), user.id, &csrf, now_ms() + lifetime_ms)
        .await
        .map_err(err)?;
    store
        .audit(Some(user.id), &user.username, "login", &user.username, "")
        .await
        .map_err(err)?;
    let me = me(&user, csrf).ok_or_else(|| AppError::internal("login", "unknown role"))?;
    let cookie = cookie_header(
        SESSION_COOKIE,
        &token,
        lifetime_ms / 1000,
        state.settings.secure_cookies(),
    );
    Ok(Ok((me, cookie)))
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

/// Whether `me` may see the commune with this id, whose district is `district_id`.
pub fn can_see_commune(
    me_role: Role,
    me_unit: Option<i64>,
    commune_id: i64,
    district_id: Option<i64>,
) -> bool {
    match me_role {
        Role::ProvinceAdmin => true,
        Role::DistrictReviewer => me_unit.is_some() && me_unit == district_id,
        Role::CommuneLeader | Role::CommuneOfficer => me_unit == Some(commune_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("đúng mật khẩu".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("đúng mật khẩu".into(), hash.clone()).await);
        assert!(!verify_password("sai".into(), hash).await);
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash must parse, or timing leaks"
        );
        assert!(!verify_password("x".into(), DUMMY_HASH.into()).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
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
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}
