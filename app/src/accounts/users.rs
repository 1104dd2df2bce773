//! Creating staff accounts: what makes a new user valid, checked the same way by the
//! administrator's form and `hailong user add`, and the creation itself.

use crate::domain::roles::Role;
use crate::state::AppState;
use crate::store::StoreError;

/// What makes a new user valid, checked the same way by the web form and `hailong user add`.
pub async fn validate_new_user(
    state: &AppState,
    username: &str,
    display_name: &str,
    role: &str,
    unit: &str,
    password: &str,
) -> Result<(Role, Option<i64>), String> {
    let username = username.trim();
    if !(3..=crate::accounts::auth::MAX_USERNAME_CHARS).contains(&username.len())
        || !username
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        return Err("Tên đăng nhập gồm 3–40 chữ thường không dấu, chữ số hoặc . _ -".into());
    }
    if display_name.trim().is_empty() || display_name.chars().count() > 100 {
        return Err("Vui lòng nhập họ tên (tối đa 100 ký tự).".into());
    }
    let role = Role::parse(role).ok_or("Vai trò không hợp lệ.")?;
    password_problem(password)?;
    if unit.trim().len() > 10 {
        return Err("Mã đơn vị có tối đa 10 chữ số.".into());
    }
    let unit_id = match role.unit_level() {
        None if unit.trim().is_empty() => None,
        None => {
            return Err(format!(
                "{} không gắn với đơn vị: để trống mã đơn vị.",
                role.label(survey_definitions::Lang::Vi)
            ))
        }
        Some(level) => {
            let id = state
                .store
                .unit_id(unit.trim(), level)
                .await
                .map_err(|e: StoreError| e.to_string())?;
            Some(id.ok_or_else(|| {
                format!(
                    "Không tìm thấy {} có mã “{}”.",
                    if level == "district" {
                        "huyện"
                    } else {
                        "xã"
                    },
                    unit.trim()
                )
            })?)
        }
    };
    Ok((role, unit_id))
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
    let (role, unit_id) = validate_new_user(state, username, name, role, unit, password).await?;
    let email = parse_email(email)?;
    let hash = crate::accounts::auth::hash_password(password.to_string())
        .await
        .map_err(|e| e.to_string())?;
    let id = state
        .store
        .create_user(username.trim(), name.trim(), &hash, role, unit_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the user name {username} is taken"))?;
    if let Some(email) = &email {
        state
            .store
            .set_user_email(id, Some(email))
            .await
            .map_err(|e| e.to_string())?;
    }
    state
        .store
        .audit(
            None,
            "command line",
            "user_created",
            username.trim(),
            &format!("role={} unit={unit}", role.key()),
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
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
