//! Creating staff accounts: what makes a new user valid, checked the same way by the
//! administrator's form and `hailong user add`, and the creation itself.

use crate::domain::roles::Role;
use crate::state::AppState;
use crate::store::StoreError;

/// A new account as a form or the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub unit: &'a str,
    pub password: &'a str,
    /// Empty for none.
    pub email: &'a str,
}

/// Why a new account is refused: every field's problem at once (by the form's field name), or
/// the user name is taken.
#[derive(Debug)]
pub enum NewUserRefused {
    Invalid(std::collections::BTreeMap<String, String>),
    Taken,
}

impl std::fmt::Display for NewUserRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewUserRefused::Invalid(problems) => {
                let all: Vec<&str> = problems.values().map(String::as_str).collect();
                write!(f, "{}", all.join(" "))
            }
            NewUserRefused::Taken => write!(f, "Tên đăng nhập này đã có người dùng."),
        }
    }
}

/// Checks every field of `new`, each on its own, so a form can show all its problems at once.
async fn check_new_user(
    state: &AppState,
    new: &NewUser<'_>,
) -> Result<Result<(Role, Option<i64>, Option<String>), NewUserRefused>, crate::error::AppError> {
    let mut problems = std::collections::BTreeMap::new();
    let username = new.username.trim();
    if !(3..=crate::accounts::auth::MAX_USERNAME_CHARS).contains(&username.len())
        || !username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        problems.insert(
            "username".to_string(),
            "Tên đăng nhập gồm 3–40 chữ thường không dấu, chữ số hoặc . _ -".to_string(),
        );
    }
    if new.display_name.trim().is_empty() || new.display_name.chars().count() > 100 {
        problems.insert(
            "display_name".into(),
            "Vui lòng nhập họ tên (tối đa 100 ký tự).".into(),
        );
    }
    if let Err(problem) = password_problem(new.password) {
        problems.insert("password".into(), problem);
    }
    let email = match parse_email(new.email) {
        Ok(email) => email,
        Err(problem) => {
            problems.insert("email".into(), problem);
            None
        }
    };
    let unit = new.unit.trim();
    let role = Role::parse(new.role);
    let unit_id = match role {
        None => {
            problems.insert("role".into(), "Vai trò không hợp lệ.".into());
            None
        }
        Some(_) if unit.len() > 10 => {
            problems.insert("unit".into(), "Mã đơn vị có tối đa 10 chữ số.".into());
            None
        }
        Some(role) => match role.unit_level() {
            None if unit.is_empty() => None,
            None => {
                problems.insert(
                    "unit".into(),
                    format!(
                        "{} không gắn với đơn vị: để trống mã đơn vị.",
                        role.label(survey_definitions::Lang::Vi)
                    ),
                );
                None
            }
            Some(level) => {
                let id = state
                    .store
                    .unit_id(unit, level)
                    .await
                    .map_err(|e: StoreError| crate::error::AppError::internal("users", e))?;
                if id.is_none() {
                    problems.insert(
                        "unit".into(),
                        format!(
                            "Không tìm thấy {} có mã “{}”.",
                            if level == "district" {
                                "huyện"
                            } else {
                                "xã"
                            },
                            unit
                        ),
                    );
                }
                id
            }
        },
    };
    Ok(match role {
        Some(role) if problems.is_empty() => Ok((role, unit_id, email)),
        _ => Err(NewUserRefused::Invalid(problems)),
    })
}

/// Creates the account `new` after [`check_new_user`], with its e-mail address, audited as
/// done by `actor` (a user's id and name, or `None` and "command line"); the new user's id.
pub async fn create_user(
    state: &AppState,
    new: &NewUser<'_>,
    actor: (Option<i64>, &str),
) -> Result<Result<i64, NewUserRefused>, crate::error::AppError> {
    let internal = |e: String| crate::error::AppError::internal("users", e);
    let (role, unit_id, email) = match check_new_user(state, new).await? {
        Ok(valid) => valid,
        Err(refused) => return Ok(Err(refused)),
    };
    let hash = crate::accounts::auth::hash_password(new.password.to_string())
        .await
        .map_err(|e| internal(e.to_string()))?;
    let username = new.username.trim();
    let Some(id) = state
        .store
        .create_user(username, new.display_name.trim(), &hash, role, unit_id)
        .await
        .map_err(|e| internal(e.to_string()))?
    else {
        return Ok(Err(NewUserRefused::Taken));
    };
    if email.is_some() {
        state
            .store
            .set_user_email(id, email.as_deref())
            .await
            .map_err(|e| internal(e.to_string()))?;
    }
    state
        .store
        .audit(
            actor.0,
            actor.1,
            "user_created",
            username,
            &format!("role={} unit={}", role.key(), new.unit.trim()),
        )
        .await
        .map_err(|e| internal(e.to_string()))?;
    // A province admin made on the command line (the first admin, and any made on the server
    // when the province's identity service fails) keeps its password when single sign-on is
    // required: a break-glass account (`accounts::sso`).
    if actor.0.is_none() && role == Role::ProvinceAdmin {
        state
            .store
            .set_break_glass(id, true)
            .await
            .map_err(|e| internal(e.to_string()))?;
    }
    Ok(Ok(id))
}

/// Why a new password is refused, if it is.
pub fn password_problem(password: &str) -> Result<(), String> {
    if password.chars().count() < 10 {
        return Err("Mật khẩu phải có ít nhất 10 ký tự.".into());
    }
    if password.len() > crate::accounts::auth::MAX_PASSWORD_BYTES {
        return Err(format!(
            "Mật khẩu quá dài (tối đa {} byte).",
            crate::accounts::auth::MAX_PASSWORD_BYTES
        ));
    }
    Ok(())
}

/// Creates a user after the same checks as the web form; audited as done by the command line.
pub async fn add_user(
    state: &AppState,
    username: &str,
    name: &str,
    role: &str,
    unit: &str,
    password: &str,
) -> Result<(), String> {
    add_user_with_email(state, username, name, role, unit, password, "").await
}

/// [`add_user`] with an e-mail address (empty for none), checked before anything is stored.
pub async fn add_user_with_email(
    state: &AppState,
    username: &str,
    name: &str,
    role: &str,
    unit: &str,
    password: &str,
    email: &str,
) -> Result<(), String> {
    let new = NewUser {
        username,
        display_name: name,
        role,
        unit,
        password,
        email,
    };
    match create_user(state, &new, (None, "command line")).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(NewUserRefused::Taken)) => Err(format!("the user name {username} is taken")),
        Ok(Err(refused)) => Err(refused.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// Assigns communes (official codes of communes in force) to a province reviewer, audited as
/// done by the command line, one entry per commune newly assigned; the codes newly assigned.
/// Nothing changes when the user is no province reviewer or any code is unknown.
pub async fn assign_communes(
    state: &AppState,
    username: &str,
    codes: &[String],
) -> Result<Vec<String>, String> {
    let store = &state.store;
    let user = store
        .user_by_username(username.trim())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user {username}"))?;
    if user.role() != Some(Role::ProvinceReviewer) {
        return Err(format!(
            "{username} is a {}: only a {} is assigned communes",
            user.role,
            Role::ProvinceReviewer.key()
        ));
    }
    let mut units = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let id = store
            .unit_id(code, "commune")
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("no commune in force has the code {code}"))?;
        units.push((id, code.to_string()));
    }
    if units.is_empty() {
        return Err("no commune code given".into());
    }
    let ids: Vec<i64> = units.iter().map(|(id, _)| *id).collect();
    let added = store
        .assign_communes(user.id, &ids, "command line")
        .await
        .map_err(|e| e.to_string())?;
    let mut assigned = Vec::new();
    for (id, code) in units.into_iter().filter(|(id, _)| added.contains(id)) {
        store
            .audit(
                None,
                "command line",
                "reviewer_commune_assigned",
                &user.username,
                &format!("commune {code} (unit {id})"),
            )
            .await
            .map_err(|e| e.to_string())?;
        assigned.push(code);
    }
    Ok(assigned)
}

/// Sets or (with an empty `email`) removes a user's e-mail address, audited as done by
/// `actor` (the address itself stays out of the log: it is personal data).
pub async fn set_email(
    state: &AppState,
    actor: (Option<i64>, &str),
    username: &str,
    email: &str,
) -> Result<Option<String>, String> {
    let email = parse_email(email)?;
    let store = &state.store;
    let user = store
        .user_by_username(username.trim())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("Không có người dùng “{}”.", username.trim()))?;
    store
        .set_user_email(user.id, email.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    store
        .audit(
            actor.0,
            actor.1,
            "user_email_set",
            &user.username,
            if email.is_some() { "set" } else { "removed" },
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(email)
}

/// An e-mail address as typed: `Ok(None)` when left empty, the address trimmed when it parses
/// (RFC 5321 `local@domain`, by `lettre`), else why not (in Vietnamese, for the form and the
/// command line alike).
pub fn parse_email(typed: &str) -> Result<Option<String>, String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    if typed.len() > 254 {
        return Err("Địa chỉ thư điện tử quá dài (tối đa 254 ký tự).".into());
    }
    typed
        .parse::<lettre::Address>()
        .map(|address| Some(address.to_string()))
        .map_err(|e| {
            format!("Địa chỉ thư điện tử “{typed}” không hợp lệ ({e}): cần dạng ten@vi-du.gov.vn.")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_or_say_why() {
        assert_eq!(parse_email("  "), Ok(None));
        assert_eq!(
            parse_email(" chu.tich@xa.gov.vn ").unwrap(),
            Some("chu.tich@xa.gov.vn".into())
        );
        for bad in ["chu tich@xa", "khong-co-a-cong", "@xa.gov.vn", "a@"] {
            let err = parse_email(bad).unwrap_err();
            assert!(err.contains("không hợp lệ"), "{bad}: {err}");
        }
    }
}
