//! Signing in through the province's identity service (OpenID Connect single sign-on): who the
//! person the provider vouches for is in Hài Lòng, and what they may do. The protocol (discovery,
//! PKCE, the ID token's signature and claims) is the server's (`server/src/oidc/`); it hands over
//! a [`Person`] whose ID token it has verified, and this module decides:
//!
//! 1. the account: the one linked to the person's issuer and stable subject; else, once, the
//!    account the admin lets be matched by an e-mail address, if the provider says the person's
//!    address is that one and verified; else a new account from the claims the admin maps;
//!    else the person is refused, and nothing is created;
//! 2. the role and unit: those the admin's mappings give the claims (a claim's value → a role and
//!    a unit), every change audited; an account the admin made or linked keeps its role when no
//!    mapping speaks for it, while an account made from claims is refused once its claims no
//!    longer map. A commune that ended gives way to the commune its answers count for, as the
//!    accounts of ended communes move at start-up.

use serde_json::{Map, Value};

use crate::abuse::{client_key, ClientInfo};
pub use crate::accounts::login::SsoProblem;
use crate::domain::roles::Role;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::sso::MappingRow;
use crate::store::users::UserRow;
use crate::store::{Store, StoreError};

/// The cookie that ties a sign-in begun at the provider to the browser that began it.
pub const SSO_COOKIE: &str = "hl_sso";
/// How long a sign-in may stay at the provider before its callback is refused.
pub const FLOW_LIFETIME_MS: i64 = 10 * 60 * 1000;
/// Who the audit log names for what happens before anyone is known.
pub const SSO_ACTOR: &str = "(đăng nhập bằng tài khoản của tỉnh)";

/// The province's provider as configured (`HAILONG_OIDC_ISSUER`, `HAILONG_OIDC_CLIENT_ID`,
/// `HAILONG_OIDC_CLIENT_SECRET`).
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .finish()
    }
}

impl ProviderSettings {
    /// The settings from the three variables: none set is no single sign-on; one or two set is
    /// an error naming the missing ones. The issuer must be HTTPS (plain HTTP only on loopback,
    /// for a provider on the same machine).
    pub fn parse(
        issuer: Option<&str>,
        client_id: Option<&str>,
        client_secret: Option<&str>,
    ) -> Result<Option<ProviderSettings>, String> {
        fn given(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        let (issuer, client_id, client_secret) =
            (given(issuer), given(client_id), given(client_secret));
        let missing: Vec<&str> = [
            ("HAILONG_OIDC_ISSUER", issuer.is_none()),
            ("HAILONG_OIDC_CLIENT_ID", client_id.is_none()),
            ("HAILONG_OIDC_CLIENT_SECRET", client_secret.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect();
        let (Some(issuer), Some(client_id), Some(client_secret)) =
            (issuer, client_id, client_secret)
        else {
            return if missing.len() == 3 {
                Ok(None)
            } else {
                Err(format!(
                    "single sign-on needs HAILONG_OIDC_ISSUER, HAILONG_OIDC_CLIENT_ID and \
                     HAILONG_OIDC_CLIENT_SECRET together: {} missing",
                    missing.join(", ")
                ))
            };
        };
        let url = url::Url::parse(issuer).map_err(|e| {
            format!("HAILONG_OIDC_ISSUER must be the provider's URL (got `{issuer}`: {e})")
        })?;
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name == "localhost",
            None => false,
        };
        if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
            return Err(format!(
                "HAILONG_OIDC_ISSUER must start with https:// (plain http only for a provider on \
                 this machine; got `{issuer}`)"
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "HAILONG_OIDC_ISSUER is the provider's issuer URL, without ? or # (got `{issuer}`)"
            ));
        }
        // Kept exactly as written: discovery checks that the provider names itself so.
        Ok(Some(ProviderSettings {
            issuer: issuer.to_string(),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
        }))
    }
}

/// Where the provider sends the browser back: the redirect URI the province registers.
pub fn redirect_uri(public_url: &str) -> String {
    format!("{public_url}/login/oidc/callback")
}

/// Where the provider sends the browser after its own sign-out (registered beside the first).
pub fn after_logout_uri(public_url: &str) -> String {
    format!("{public_url}/login")
}

/// `next` if it is a path of this site: one slash, then no second slash or backslash (which a
/// browser reads as another host), no scheme, no control characters. Anything else lands on the
/// role's own page: after a sign-in the browser is never sent to another host.
pub fn local_path(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let safe = !rest.starts_with(['/', '\\'])
        && next.len() <= 500
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    safe.then_some(next)
}

/// The person a verified ID token names.
#[derive(Clone, Debug, Default)]
pub struct Person {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// The provider says the address is the person's (`email_verified`).
    pub email_verified: bool,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
    /// Every claim of the ID token, for the mappings.
    pub claims: Map<String, Value>,
}

/// What the audit log says of a refused sign-in through the provider.
pub fn reason(problem: SsoProblem) -> &'static str {
    match problem {
        SsoProblem::NothingMaps => "không có ánh xạ nào cho các thuộc tính của người này",
        SsoProblem::Ambiguous => "các ánh xạ cho những vai trò hoặc đơn vị khác nhau",
        SsoProblem::UnitUnknown => "đơn vị trong ánh xạ không còn hiệu lực",
        SsoProblem::Inactive => "tài khoản đã bị khoá",
        SsoProblem::UnverifiedEmail => "thư điện tử chưa được xác minh",
        SsoProblem::NoLongerMapped => "các thuộc tính không còn ánh xạ nào",
        SsoProblem::Unreachable => "không kết nối được hệ thống xác thực",
        SsoProblem::Invalid => "phản hồi không hợp lệ",
        SsoProblem::Cancelled => "hệ thống xác thực không đăng nhập",
        SsoProblem::NotConfigured => "chưa cấu hình",
        SsoProblem::Busy => "quá nhiều lượt",
    }
}

/// What the mappings make of a person's claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapped {
    Nothing,
    /// A role, and the code of its unit (`None` for a role without one).
    One {
        role: Role,
        unit: Option<String>,
    },
    /// Several mappings disagree.
    Ambiguous,
}

/// The strings a claim holds: itself, or each element of a list; numbers and booleans as
/// written.
fn claim_strings(value: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// The role and unit the mappings give `claims`: every mapping whose claim holds its value
/// counts; they must agree. A mapping that takes its unit from a claim needs that claim to hold
/// exactly one value.
pub fn map_claims(mappings: &[MappingRow], claims: &Map<String, Value>) -> Mapped {
    let mut found: Option<(Role, Option<String>)> = None;
    for mapping in mappings {
        let Some(held) = claims.get(&mapping.claim) else {
            continue;
        };
        if !claim_strings(held).contains(&mapping.claim_value) {
            continue;
        }
        let Some(role) = Role::parse(&mapping.role) else {
            continue;
        };
        let unit = match (role.unit_level(), &mapping.unit_code, &mapping.unit_claim) {
            (None, _, _) => None,
            (Some(_), Some(code), _) => Some(code.clone()),
            (Some(_), None, Some(claim)) => match claims.get(claim).map(claim_strings).as_deref() {
                Some([code]) if !code.is_empty() => Some(code.clone()),
                _ => return Mapped::Ambiguous,
            },
            (Some(_), None, None) => return Mapped::Ambiguous,
        };
        match &found {
            None => found = Some((role, unit)),
            Some(earlier) if *earlier == (role, unit.clone()) => {}
            Some(_) => return Mapped::Ambiguous,
        }
    }
    match found {
        None => Mapped::Nothing,
        Some((role, unit)) => Mapped::One { role, unit },
    }
}

/// The unit id of a mapped role: the unit in force with the code at the role's level, or, for
/// a commune that ended, the commune in force its answers count for.
async fn unit_of(
    store: &Store,
    role: Role,
    code: Option<&str>,
) -> Result<Option<Option<i64>>, StoreError> {
    let (Some(level), Some(code)) = (role.unit_level(), code) else {
        return Ok(Some(None));
    };
    if let Some(id) = store.unit_id(code, level).await? {
        return Ok(Some(Some(id)));
    }
    if level == "commune" {
        if let Some(heir) = store.commune_heir(code).await? {
            return Ok(Some(Some(heir)));
        }
    }
    Ok(None)
}

/// A user name for an account made from claims: the person's user name at the provider or the
/// start of their address, in the characters user names allow, else one from the subject.
fn username_base(person: &Person) -> String {
    let source = person
        .preferred_username
        .clone()
        .or_else(|| {
            person
                .email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let cleaned: String = source
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(*c))
        .take(30)
        .collect();
    if cleaned.len() >= 3 {
        cleaned
    } else {
        let digest = crate::abuse::salted_hash("sso-user", &person.subject);
        format!("tinh-{}", &digest[..10])
    }
}

fn display_name(person: &Person, username: &str) -> String {
    person
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(100).collect())
        .unwrap_or_else(|| username.to_string())
}

/// `role unit` as the audit log writes a role change.
fn role_text(role: Role, unit: Option<&str>) -> String {
    match unit {
        Some(unit) => format!("{} {unit}", role.label(survey_definitions::Lang::Vi)),
        None => role.label(survey_definitions::Lang::Vi).to_string(),
    }
}

/// Decides who a person the provider signed in is here: the account they enter (its role and
/// unit brought up to date with their claims), or why they are refused. Every account made,
/// linked or changed is audited; a refusal is audited by the caller ([`audit_refusal`]), which
/// knows the client.
pub async fn admit(
    state: &AppState,
    person: &Person,
) -> Result<Result<UserRow, SsoProblem>, AppError> {
    let store = &state.store;
    let err = |e: StoreError| AppError::internal("sso", e);
    let mappings = store.sso_mappings().await.map_err(err)?;
    let mapped = match map_claims(&mappings, &person.claims) {
        Mapped::Ambiguous => return Ok(Err(SsoProblem::Ambiguous)),
        Mapped::Nothing => None,
        Mapped::One { role, unit } => {
            match unit_of(store, role, unit.as_deref()).await.map_err(err)? {
                Some(unit_id) => Some((role, unit_id, unit)),
                None => return Ok(Err(SsoProblem::UnitUnknown)),
            }
        }
    };
    let mut user = store
        .sso_identity_user(&person.issuer, &person.subject)
        .await
        .map_err(err)?;
    if user.is_none() {
        if let Some(email) = person.email.as_deref() {
            if let Some(link) = store.sso_email_link(email).await.map_err(err)? {
                if !person.email_verified {
                    return Ok(Err(SsoProblem::UnverifiedEmail));
                }
                if store
                    .link_sso_identity_by_email(&person.issuer, &person.subject, link.user_id)
                    .await
                    .map_err(err)?
                {
                    store
                        .audit(
                            None,
                            SSO_ACTOR,
                            "sso_linked",
                            &link.username,
                            "liên kết một lần qua thư điện tử đã xác minh",
                        )
                        .await
                        .map_err(err)?;
                    user = store.user_by_id(link.user_id).await.map_err(err)?;
                }
            }
        }
    }
    let Some(user) = user else {
        let Some((role, unit_id, unit)) = mapped else {
            return Ok(Err(SsoProblem::NothingMaps));
        };
        return create_from_claims(state, person, role, unit_id, unit.as_deref()).await;
    };
    if user.active != 1 {
        return Ok(Err(SsoProblem::Inactive));
    }
    let (_, claims_managed) = store.user_sso_flags(user.id).await.map_err(err)?;
    match mapped {
        Some((role, unit_id, unit)) if (Some(role), unit_id) != (user.role(), user.unit_id) => {
            store
                .set_user_role_unit(user.id, role, unit_id)
                .await
                .map_err(err)?;
            let before = match user.role() {
                Some(old) => role_text(old, user.unit_code.as_deref()),
                None => user.role.clone(),
            };
            let now = store
                .user_by_id(user.id)
                .await
                .map_err(err)?
                .and_then(|u| u.unit_code);
            let mut after = role_text(role, now.as_deref());
            if let Some(written) = unit.filter(|code| Some(code) != now.as_ref()) {
                after.push_str(&format!(" (thuộc tính ghi mã {written}, đã sáp nhập)"));
            }
            store
                .audit(
                    None,
                    SSO_ACTOR,
                    "sso_role_changed",
                    &user.username,
                    &format!("theo thuộc tính của tài khoản tỉnh: {before} → {after}"),
                )
                .await
                .map_err(err)?;
        }
        Some(_) => {}
        None if claims_managed => return Ok(Err(SsoProblem::NoLongerMapped)),
        None => {}
    }
    store
        .touch_sso_identity(&person.issuer, &person.subject)
        .await
        .map_err(err)?;
    let user = store
        .user_by_id(user.id)
        .await
        .map_err(err)?
        .ok_or_else(|| AppError::internal("sso", "the account vanished"))?;
    Ok(Ok(user))
}

/// Makes the account of a person whose claims map to `role` in `unit_id`, under a free user
/// name; audited.
async fn create_from_claims(
    state: &AppState,
    person: &Person,
    role: Role,
    unit_id: Option<i64>,
    unit: Option<&str>,
) -> Result<Result<UserRow, SsoProblem>, AppError> {
    let store = &state.store;
    let err = |e: StoreError| AppError::internal("sso", e);
    let base = username_base(person);
    let mut id = None;
    let mut username = base.clone();
    for n in 1..=50 {
        if n > 1 {
            username = format!("{base}-{n}");
        }
        let name = display_name(person, &username);
        id = store
            .create_sso_user(
                &username,
                &name,
                role,
                unit_id,
                &person.issuer,
                &person.subject,
            )
            .await
            .map_err(err)?;
        if id.is_some() {
            break;
        }
    }
    let id = id.ok_or_else(|| AppError::internal("sso", "no free user name"))?;
    store
        .audit(
            None,
            SSO_ACTOR,
            "sso_user_created",
            &username,
            &format!(
                "từ thuộc tính của tài khoản tỉnh: {}",
                role_text(role, unit)
            ),
        )
        .await
        .map_err(err)?;
    let user = store
        .user_by_id(id)
        .await
        .map_err(err)?
        .ok_or_else(|| AppError::internal("sso", "the new account vanished"))?;
    Ok(Ok(user))
}

/// Whether a correct password of `user` is refused: the province has single sign-on configured
/// and requires it, and the account is not one of the break-glass accounts kept for when the
/// provider cannot be used. Without a provider configured, passwords work whatever was chosen.
pub async fn password_refused(state: &AppState, user: &UserRow) -> Result<bool, AppError> {
    if state.settings.oidc.is_none() {
        return Ok(false);
    }
    let err = |e: StoreError| AppError::internal("sso", e);
    if !state.store.sso_required().await.map_err(err)? {
        return Ok(false);
    }
    let (break_glass, _) = state.store.user_sso_flags(user.id).await.map_err(err)?;
    Ok(!break_glass)
}

/// Records a refused or failed sign-in through the provider: one entry per kind of refusal (a
/// fixed text, see `kind_of`), person, address and hour, which counts them (the first one's
/// `reason` is kept), so a flood of forged callbacks cannot grow the log.
pub async fn audit_refusal(
    state: &AppState,
    action: &str,
    person: Option<&str>,
    kind: &str,
    reason: &str,
    client: &ClientInfo,
) -> Result<(), AppError> {
    let store = &state.store;
    let err = |e: StoreError| AppError::internal("sso", e);
    let today = crate::clock::today();
    let yesterday = crate::clock::day_minus(&today, 1);
    let (salt, _) = state
        .salts
        .today_and_yesterday(store, &today, &yesterday)
        .await
        .map_err(err)?;
    let client_hash = crate::accounts::auth::address_hash(&salt, &client_key(client.ip));
    let address = &client_hash[..client_hash.len().min(crate::accounts::auth::ADDRESS_SHOWN)];
    let target = person.unwrap_or("(không rõ)");
    let hour = crate::clock::now_ms() / 3_600_000;
    store
        .audit_repeated(
            SSO_ACTOR,
            action,
            target,
            &format!("{reason}; địa chỉ #{address}"),
            // The kind of refusal, not its whole text: what a forger writes in a token cannot
            // make new entries.
            &format!("{action}:{hour}:{address}:{target}:{kind}"),
        )
        .await
        .map_err(err)
}

/// The fixed part of a refusal's reason, before any detail a provider or a forger wrote (after
/// the first ` (` or `: `): what audit entries are grouped by.
pub fn kind_of(reason: &str) -> &str {
    let end = [reason.find(" ("), reason.find(": ")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(reason.len());
    &reason[..end]
}

/// Where the provider ends its own session, for the request's session when it was opened
/// through the provider (read before the session ends, to send the browser there after).
pub async fn provider_logout_url(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Option<String>, AppError> {
    let Some(token) = crate::accounts::auth::cookie(headers, crate::accounts::auth::SESSION_COOKIE)
        .filter(|t| t.len() == 64)
    else {
        return Ok(None);
    };
    state
        .store
        .sso_logout_url(&crate::accounts::auth::session_token_hash(token))
        .await
        .map_err(|e| AppError::internal("sso", e))
}

/// Form fields' problems, by the form's field names.
pub type Problems = std::collections::BTreeMap<String, String>;

/// A claim mapping as the admin's form or the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct NewMapping<'a> {
    pub claim: &'a str,
    pub value: &'a str,
    pub role: &'a str,
    /// The unit's code, for every person the mapping admits; or empty, with `unit_claim`.
    pub unit: &'a str,
    /// The claim that carries each person's unit code.
    pub unit_claim: &'a str,
}

/// A claim name: what providers write (`groups`, `ma_don_vi`, a URL for a namespaced claim),
/// without spaces or control characters.
fn claim_problem(claim: &str) -> Option<&'static str> {
    if claim.is_empty() || claim.chars().count() > 200 {
        return Some("Nhập tên thuộc tính (tối đa 200 ký tự), ví dụ groups.");
    }
    if claim.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("Tên thuộc tính không có khoảng trắng.");
    }
    None
}

/// Adds a claim mapping after checking every field; audited as done by `actor`. The new
/// mapping's id, or each field's problem.
pub async fn add_mapping(
    state: &AppState,
    actor: (Option<i64>, &str),
    new: &NewMapping<'_>,
) -> Result<Result<i64, Problems>, AppError> {
    let err = |e: StoreError| AppError::internal("sso", e);
    let mut problems = Problems::new();
    let (claim, value, unit, unit_claim) = (
        new.claim.trim(),
        new.value.trim(),
        new.unit.trim(),
        new.unit_claim.trim(),
    );
    if let Some(problem) = claim_problem(claim) {
        problems.insert("claim".into(), problem.into());
    }
    if value.is_empty() || value.chars().count() > 200 || value.chars().any(char::is_control) {
        problems.insert(
            "value".into(),
            "Nhập giá trị của thuộc tính (tối đa 200 ký tự), ví dụ xa-25195-lanh-dao.".into(),
        );
    }
    let role = Role::parse(new.role.trim());
    match role.map(Role::unit_level) {
        None => {
            problems.insert("role".into(), "Vai trò không hợp lệ.".into());
        }
        Some(None) if !unit.is_empty() || !unit_claim.is_empty() => {
            problems.insert(
                "unit".into(),
                "Vai trò này không gắn với đơn vị: để trống mã đơn vị và thuộc tính đơn vị.".into(),
            );
        }
        Some(None) => {}
        Some(Some(_)) if unit.is_empty() == unit_claim.is_empty() => {
            problems.insert(
                "unit".into(),
                "Nhập mã đơn vị, hoặc tên thuộc tính mang mã đơn vị của từng người (chỉ một trong hai)."
                    .into(),
            );
        }
        Some(Some(level)) if !unit.is_empty() => {
            let known = unit.len() <= 10
                && state
                    .store
                    .unit_id(unit, level)
                    .await
                    .map_err(err)?
                    .is_some();
            if !known {
                problems.insert(
                    "unit".into(),
                    format!(
                        "Không tìm thấy {} đang hoạt động có mã “{unit}”.",
                        if level == "district" {
                            "huyện"
                        } else {
                            "xã"
                        }
                    ),
                );
            }
        }
        Some(Some(_)) => {
            if let Some(problem) = claim_problem(unit_claim) {
                problems.insert("unit_claim".into(), problem.into());
            }
        }
    }
    let Some(role) = role.filter(|_| problems.is_empty()) else {
        return Ok(Err(problems));
    };
    let row = MappingRow {
        id: 0,
        claim: claim.into(),
        claim_value: value.into(),
        role: role.key().into(),
        unit_code: (!unit.is_empty()).then(|| unit.to_string()),
        unit_claim: (!unit_claim.is_empty()).then(|| unit_claim.to_string()),
    };
    let Some(id) = state
        .store
        .add_sso_mapping(&row, actor.1)
        .await
        .map_err(err)?
    else {
        problems.insert(
            "value".into(),
            format!("Thuộc tính {claim} = {value} đã được ánh xạ: xoá ánh xạ cũ trước."),
        );
        return Ok(Err(problems));
    };
    state
        .store
        .audit(
            actor.0,
            actor.1,
            "sso_mapping_added",
            &format!("{claim} = {value}"),
            &mapping_text(&row),
        )
        .await
        .map_err(err)?;
    Ok(Ok(id))
}

/// What a mapping gives, as the page and the audit log write it.
pub fn mapping_text(row: &MappingRow) -> String {
    let role =
        Role::parse(&row.role).map_or(row.role.as_str(), |r| r.label(survey_definitions::Lang::Vi));
    match (&row.unit_code, &row.unit_claim) {
        (Some(code), _) => format!("{role}, đơn vị {code}"),
        (None, Some(claim)) => format!("{role}, đơn vị theo thuộc tính {claim}"),
        (None, None) => role.to_string(),
    }
}

/// Removes a mapping, audited; whether there was one.
pub async fn remove_mapping(
    state: &AppState,
    actor: (Option<i64>, &str),
    id: i64,
) -> Result<bool, AppError> {
    let err = |e: StoreError| AppError::internal("sso", e);
    let Some(row) = state.store.remove_sso_mapping(id).await.map_err(err)? else {
        return Ok(false);
    };
    state
        .store
        .audit(
            actor.0,
            actor.1,
            "sso_mapping_removed",
            &format!("{} = {}", row.claim, row.claim_value),
            &mapping_text(&row),
        )
        .await
        .map_err(err)?;
    Ok(true)
}

/// Lets the account `username` be matched once by the verified address `email` at its owner's
/// first sign-in through the provider; audited (without the address: it is personal data).
pub async fn set_email_link(
    state: &AppState,
    actor: (Option<i64>, &str),
    username: &str,
    email: &str,
) -> Result<Result<(), Problems>, AppError> {
    let err = |e: StoreError| AppError::internal("sso", e);
    let mut problems = Problems::new();
    let user = state
        .store
        .user_by_username(username.trim())
        .await
        .map_err(err)?
        .filter(|u| u.active == 1);
    if user.is_none() {
        problems.insert(
            "username".into(),
            format!("Không có tài khoản đang hoạt động “{}”.", username.trim()),
        );
    }
    match crate::accounts::users::parse_email(email) {
        Ok(Some(_)) => {}
        Ok(None) => {
            problems.insert(
                "email".into(),
                "Nhập địa chỉ thư điện tử của người này ở hệ thống xác thực của tỉnh.".into(),
            );
        }
        Err(problem) => {
            problems.insert("email".into(), problem);
        }
    }
    let (Some(user), true) = (user, problems.is_empty()) else {
        return Ok(Err(problems));
    };
    let email = email.trim();
    if !state
        .store
        .set_sso_email_link(user.id, email, actor.1)
        .await
        .map_err(err)?
    {
        problems.insert(
            "email".into(),
            "Địa chỉ này đang chờ liên kết với một tài khoản khác.".into(),
        );
        return Ok(Err(problems));
    }
    state
        .store
        .audit(
            actor.0,
            actor.1,
            "sso_email_link_set",
            &user.username,
            "đặt",
        )
        .await
        .map_err(err)?;
    Ok(Ok(()))
}

/// Withdraws an account's e-mail link, audited; whether there was one.
pub async fn remove_email_link(
    state: &AppState,
    actor: (Option<i64>, &str),
    user_id: i64,
) -> Result<bool, AppError> {
    let err = |e: StoreError| AppError::internal("sso", e);
    let Some(user) = state.store.user_by_id(user_id).await.map_err(err)? else {
        return Ok(false);
    };
    if !state
        .store
        .remove_sso_email_link(user_id)
        .await
        .map_err(err)?
    {
        return Ok(false);
    }
    state
        .store
        .audit(
            actor.0,
            actor.1,
            "sso_email_link_removed",
            &user.username,
            "",
        )
        .await
        .map_err(err)?;
    Ok(true)
}

/// Turns "require single sign-on" on or off, audited. It is refused on while no provider is
/// configured, or while no active province admin with a password is a break-glass account:
/// the province must keep a way in when the provider fails.
pub async fn set_required(
    state: &AppState,
    actor: (Option<i64>, &str),
    on: bool,
) -> Result<Result<(), String>, AppError> {
    let err = |e: StoreError| AppError::internal("sso", e);
    if on && state.settings.oidc.is_none() {
        return Ok(Err(
            "Chưa kết nối hệ thống xác thực của tỉnh (HAILONG_OIDC_ISSUER…), nên chưa thể bắt buộc."
                .into(),
        ));
    }
    if on && state.store.break_glass_admins().await.map_err(err)? == 0 {
        return Ok(Err(
            "Cần ít nhất một tài khoản quản trị cấp tỉnh dự phòng (có mật khẩu) trước khi bắt buộc."
                .into(),
        ));
    }
    state
        .store
        .set_sso_required(on, actor.1)
        .await
        .map_err(err)?;
    state
        .store
        .audit(
            actor.0,
            actor.1,
            "sso_required_set",
            "đăng nhập bằng tài khoản của tỉnh",
            if on {
                "bắt buộc"
            } else {
                "không bắt buộc"
            },
        )
        .await
        .map_err(err)?;
    Ok(Ok(()))
}

/// Makes an account a break-glass account (it signs in with its password even when single
/// sign-on is required) or not, audited. Taking the last break-glass province admin away while
/// single sign-on is required is refused.
pub async fn set_break_glass(
    state: &AppState,
    actor: (Option<i64>, &str),
    user_id: i64,
    on: bool,
) -> Result<Result<(), String>, AppError> {
    let err = |e: StoreError| AppError::internal("sso", e);
    let Some(user) = state.store.user_by_id(user_id).await.map_err(err)? else {
        return Ok(Err("Không tìm thấy người dùng.".into()));
    };
    let (was, _) = state.store.user_sso_flags(user_id).await.map_err(err)?;
    if was == on {
        return Ok(Ok(()));
    }
    let last_admin = !on
        && user.role() == Some(Role::ProvinceAdmin)
        && state.store.sso_required().await.map_err(err)?
        && state.store.break_glass_admins().await.map_err(err)? <= 1;
    if last_admin {
        return Ok(Err(
            "Đây là tài khoản quản trị dự phòng cuối cùng trong khi tỉnh bắt buộc đăng nhập bằng tài khoản của tỉnh: thêm một tài khoản dự phòng khác trước."
                .into(),
        ));
    }
    state
        .store
        .set_break_glass(user_id, on)
        .await
        .map_err(err)?;
    state
        .store
        .audit(
            actor.0,
            actor.1,
            "break_glass_set",
            &user.username,
            if on {
                "là tài khoản dự phòng"
            } else {
                "không còn là tài khoản dự phòng"
            },
        )
        .await
        .map_err(err)?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(
        claim: &str,
        value: &str,
        role: &str,
        code: Option<&str>,
        from: Option<&str>,
    ) -> MappingRow {
        MappingRow {
            id: 1,
            claim: claim.into(),
            claim_value: value.into(),
            role: role.into(),
            unit_code: code.map(Into::into),
            unit_claim: from.map(Into::into),
        }
    }

    fn claims(json: serde_json::Value) -> Map<String, Value> {
        json.as_object().unwrap().clone()
    }

    #[test]
    fn a_claim_value_or_a_list_member_maps_to_a_role_and_unit() {
        let mappings = [
            mapping(
                "groups",
                "xa-25195-lanh-dao",
                "commune_leader",
                Some("25195"),
                None,
            ),
            mapping(
                "chuc_vu",
                "can-bo",
                "commune_officer",
                None,
                Some("ma_don_vi"),
            ),
            mapping("groups", "so-noi-vu", "province_admin", None, None),
        ];
        let leader = claims(serde_json::json!({"groups": ["khac", "xa-25195-lanh-dao"]}));
        assert_eq!(
            map_claims(&mappings, &leader),
            Mapped::One {
                role: Role::CommuneLeader,
                unit: Some("25195".into())
            }
        );
        let officer = claims(serde_json::json!({"chuc_vu": "can-bo", "ma_don_vi": 25217}));
        assert_eq!(
            map_claims(&mappings, &officer),
            Mapped::One {
                role: Role::CommuneOfficer,
                unit: Some("25217".into())
            }
        );
        let admin = claims(serde_json::json!({"groups": "so-noi-vu"}));
        assert_eq!(
            map_claims(&mappings, &admin),
            Mapped::One {
                role: Role::ProvinceAdmin,
                unit: None
            }
        );
        assert_eq!(
            map_claims(&mappings, &claims(serde_json::json!({"groups": []}))),
            Mapped::Nothing
        );
        assert_eq!(
            map_claims(
                &mappings,
                &claims(serde_json::json!({"groups": "XA-25195-LANH-DAO"}))
            ),
            Mapped::Nothing,
            "values compare exactly"
        );
    }

    #[test]
    fn disagreeing_mappings_or_an_unclear_unit_map_to_nothing_certain() {
        let mappings = [
            mapping("groups", "a", "commune_leader", Some("25195"), None),
            mapping("groups", "b", "commune_officer", Some("25195"), None),
            mapping(
                "chuc_vu",
                "can-bo",
                "commune_officer",
                None,
                Some("ma_don_vi"),
            ),
        ];
        assert_eq!(
            map_claims(
                &mappings,
                &claims(serde_json::json!({"groups": ["a", "b"]}))
            ),
            Mapped::Ambiguous
        );
        assert_eq!(
            map_claims(
                &mappings,
                &claims(serde_json::json!({"chuc_vu": "can-bo", "ma_don_vi": ["1", "2"]}))
            ),
            Mapped::Ambiguous
        );
        assert_eq!(
            map_claims(&mappings, &claims(serde_json::json!({"chuc_vu": "can-bo"}))),
            Mapped::Ambiguous
        );
        let same_twice = [
            mapping("groups", "a", "commune_leader", Some("25195"), None),
            mapping("chuc_vu", "lanh-dao", "commune_leader", Some("25195"), None),
        ];
        assert_eq!(
            map_claims(
                &same_twice,
                &claims(serde_json::json!({"groups": "a", "chuc_vu": "lanh-dao"}))
            ),
            Mapped::One {
                role: Role::CommuneLeader,
                unit: Some("25195".into())
            }
        );
    }

    #[test]
    fn only_local_paths_are_landed_on() {
        // Percent-encoded characters stay in the path of this site.
        for good in [
            "/commune",
            "/desks?x=1",
            "/admin/users",
            "/%0d%0aSet-Cookie:x",
        ] {
            assert_eq!(local_path(good), Some(good));
        }
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil",
            "javascript:alert(1)",
            "",
            "commune",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn provider_settings_come_together_and_over_https() {
        assert_eq!(ProviderSettings::parse(None, None, None), Ok(None));
        let err =
            ProviderSettings::parse(Some("https://id.tinh.gov.vn"), None, Some("s")).unwrap_err();
        assert!(err.contains("HAILONG_OIDC_CLIENT_ID missing"), "{err}");
        let ok = ProviderSettings::parse(
            Some("https://id.tinh.gov.vn/realms/cb/"),
            Some("hailong"),
            Some("s"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(ok.issuer, "https://id.tinh.gov.vn/realms/cb/");
        assert!(
            !format!("{ok:?}").contains("\"s\""),
            "the secret stays out of logs"
        );
        assert!(
            ProviderSettings::parse(Some("http://127.0.0.1:8080"), Some("a"), Some("b")).is_ok()
        );
        let err = ProviderSettings::parse(Some("http://id.tinh.gov.vn"), Some("a"), Some("b"))
            .unwrap_err();
        assert!(err.contains("https://"), "{err}");
        assert!(ProviderSettings::parse(Some("not a url"), Some("a"), Some("b")).is_err());
    }

    #[test]
    fn refusals_are_grouped_by_their_fixed_words() {
        assert_eq!(
            kind_of("mã định danh đã hết hạn (Expired: 2026-12-08)"),
            "mã định danh đã hết hạn"
        );
        assert_eq!(
            kind_of("hệ thống xác thực trả lỗi: access_denied"),
            "hệ thống xác thực trả lỗi"
        );
        assert_eq!(kind_of("thiếu state"), "thiếu state");
    }

    #[test]
    fn user_names_from_claims_fit_the_rules() {
        let person = Person {
            preferred_username: Some("Nguyễn.Văn-An".into()),
            ..Default::default()
        };
        assert_eq!(username_base(&person), "nguyn.vn-an");
        let person = Person {
            email: Some("chu.tich@xa.gov.vn".into()),
            ..Default::default()
        };
        assert_eq!(username_base(&person), "chu.tich");
        let person = Person {
            subject: "f81d4fae".into(),
            ..Default::default()
        };
        assert!(username_base(&person).starts_with("tinh-"));
    }
}
