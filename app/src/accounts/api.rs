//! Server functions of the signed-in pages. Every one checks on the server who is asking and
//! returns `Access::SignInRequired` or `Access::Forbidden` instead of data when it must.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::roles::{Access, Me, Role};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::state::AppState;

/// The sign-in page: the double-submit CSRF token, and who is already signed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginPageData {
    pub csrf: String,
    pub me: Option<Me>,
    /// Staff may sign in with the province's own accounts (`accounts::sso`).
    #[serde(default)]
    pub sso: bool,
}

/// What a commune's leaders see of their commune (issue 5 grows this into the dashboard).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommuneOverview {
    pub me: Me,
    pub commune_code: String,
    pub commune_name: String,
    pub district_name: String,
    pub desks: Vec<(String, String)>,
    pub last_30_days: (i64, i64),
    pub all_time: (i64, i64),
    pub comments: Vec<CommentView>,
    /// The units this commune was formed from (mergers, splits, renames), in import order.
    pub formerly: Vec<FormerUnit>,
}

/// A refused "new user" form as the server shows it again: what was typed (the password
/// excepted) and each field's problem, by the form's field names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUserPrefill {
    pub values: std::collections::BTreeMap<String, String>,
    pub problems: std::collections::BTreeMap<String, String>,
}

/// A refused form of one user's row (a new password, an e-mail address) as the server shows the
/// users page again: the field's problem under it, the typed address kept (never a password).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRowProblem {
    pub user_id: i64,
    /// `password` or `email`.
    pub field: String,
    pub value: String,
    pub message: String,
}

/// A unit a commune came from: its name, and whether only part of it came (a split).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormerUnit {
    pub name: String,
    pub part: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    pub when: String,
    pub desk: String,
    pub overall: Option<i64>,
    pub text: String,
    /// Marked as a complaint by the commune's staff.
    pub marked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit: Option<String>,
    /// Personal data: this page is the province admin's only.
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPageData {
    pub me: Me,
    pub users: Vec<UserView>,
    /// Sign-in limits holding attempts back now, newest first.
    pub limits: Vec<SignInLimitView>,
}

/// A sign-in limit as the province admin sees it (see `crate::accounts::auth`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInLimitView {
    /// Empty for the limit of a whole address.
    pub username: String,
    /// The start of the address's salted hash, as the audit log shows it.
    pub address: String,
    /// The whole hash, which the lift form posts back.
    pub client_hash: String,
    pub failures: i64,
    pub refused: i64,
    /// When the next attempt is allowed (a pair) or the address's window ends (an address).
    pub until: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub when: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    /// How many times a grouped event happened, and the time of the latest.
    pub repeats: i64,
    pub last: Option<String>,
}

/// Entries shown per page of the audit log.
pub const AUDIT_PAGE_SIZE: i64 = 100;

/// The audit page's filters and position as the URL carries them; empty values do not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    /// A commune's code.
    #[serde(default)]
    pub commune: Option<String>,
    /// Days `YYYY-MM-DD` in Vietnam time, both included.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// Entries older (`before`) or newer (`after`) than this id.
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
}

/// A filter value, or `None` when empty.
#[cfg(feature = "ssr")]
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl AuditQuery {
    /// The filters without the position, as `name=value` pairs in a fixed order.
    #[cfg(feature = "ssr")]
    fn filter_pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("commune", &self.commune),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(name, value)| given(value).map(|v| (name, v)))
        .collect()
    }

    /// `path` with the filters and `extra` as its query string.
    #[cfg(feature = "ssr")]
    pub fn link(&self, path: &str, extra: Option<(&str, String)>) -> String {
        use leptos_router::location::Url;
        let mut pairs: Vec<(&str, String)> = self
            .filter_pairs()
            .into_iter()
            .map(|(n, v)| (n, v.to_string()))
            .collect();
        pairs.extend(extra);
        if pairs.is_empty() {
            return path.to_string();
        }
        let query: Vec<String> = pairs
            .iter()
            .map(|(n, v)| format!("{n}={}", Url::escape(v)))
            .collect();
        format!("{path}?{}", query.join("&"))
    }

    /// The store's filter, or what is wrong with the query (in Vietnamese).
    #[cfg(feature = "ssr")]
    pub fn filter(&self) -> Result<crate::store::audit::AuditFilter, &'static str> {
        let day = |value: &Option<String>, next: bool| -> Result<Option<i64>, &'static str> {
            let Some(value) = given(value) else {
                return Ok(None);
            };
            let day = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| "Ngày không hợp lệ: hãy chọn ngày hoặc viết dạng 2026-01-31.")?;
            let day = if next {
                day.succ_opt().unwrap_or(day)
            } else {
                day
            };
            let midnight = day.and_hms_opt(0, 0, 0).ok_or("Ngày không hợp lệ.")?;
            Ok(Some(midnight.and_utc().timestamp_millis() - 7 * 3_600_000))
        };
        let text = |value: &Option<String>, max: usize| -> Result<Option<String>, &'static str> {
            match given(value) {
                Some(v) if v.chars().count() > max => Err("Bộ lọc quá dài."),
                other => Ok(other.map(str::to_string)),
            }
        };
        let commune = text(&self.commune, 10)?;
        if commune
            .as_deref()
            .is_some_and(|c| !c.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err("Mã xã gồm các chữ số, ví dụ 25195.");
        }
        Ok(crate::store::audit::AuditFilter {
            actor: text(&self.actor, 100)?,
            action: text(&self.action, 100)?,
            commune,
            from_ms: day(&self.from, false)?,
            until_ms: day(&self.to, true)?,
        })
    }

    /// Where the page starts, or what is wrong with it.
    #[cfg(feature = "ssr")]
    pub fn cursor(&self) -> Result<crate::store::audit::AuditCursor, &'static str> {
        use crate::store::audit::AuditCursor;
        let id = |value: &Option<String>| -> Result<Option<i64>, &'static str> {
            given(value)
                .map(|v| v.parse::<i64>().map_err(|_| "Trang không hợp lệ."))
                .transpose()
        };
        Ok(match (id(&self.before)?, id(&self.after)?) {
            (Some(before), _) => AuditCursor::Before(before),
            (None, Some(after)) => AuditCursor::After(after),
            (None, None) => AuditCursor::Newest,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPageData {
    pub me: Me,
    pub entries: Vec<AuditEntryView>,
    /// The filters as asked, to fill the filter form again.
    pub query: AuditQuery,
    /// Every action in the log, for the filter's choices.
    pub actions: Vec<String>,
    /// Links to the newer and older pages with the same filters, when there are any.
    pub newer: Option<String>,
    pub older: Option<String>,
    /// The CSV export with the same filters.
    pub csv: String,
    /// What is wrong with the filters (the page then shows no entries and answers 400).
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedView {
    pub id: i64,
    pub when: String,
    pub commune: String,
    pub desk: String,
    /// Why it was flagged, as a reviewer reads it.
    pub reasons: String,
    pub excluded: bool,
    /// Waiting for this review before it counts.
    pub held: bool,
    pub overall: Option<i64>,
    pub channel: String,
    /// Every answer as (question, answer), in the survey's order, comment included: what the
    /// reviewer reads before deciding.
    #[serde(default)]
    pub answers: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPageData {
    pub me: Me,
    pub flagged: Vec<FlaggedView>,
}

#[cfg(feature = "ssr")]
fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::internal("account", e)
}

/// The signed-in user of this request, if any.
#[cfg(feature = "ssr")]
pub async fn request_user(state: &AppState) -> Result<Option<Me>, AppError> {
    let headers: axum::http::HeaderMap = leptos_axum::extract().await.map_err(internal)?;
    crate::accounts::auth::current_user(state, &headers).await
}

/// The commune `me` asks for (their own when `code` is absent or empty) if they may see it:
/// commune users their own, a district reviewer its district's, a province reviewer those
/// assigned to it, the province admin any. `None`
/// for an unknown commune or one that is not theirs, which pages and routes answer with 403.
#[cfg(feature = "ssr")]
pub async fn visible_commune(
    state: &AppState,
    me: &Me,
    code: Option<&str>,
) -> Result<Option<crate::store::overview::CommuneRow>, AppError> {
    let code = match (code.filter(|c| !c.is_empty()), me.role) {
        (Some(code), _) => code.to_string(),
        (None, Role::CommuneLeader | Role::CommuneOfficer) => {
            me.unit_code.clone().unwrap_or_default()
        }
        (None, _) => return Ok(None),
    };
    let store = &state.store;
    let Some(row) = store.commune_by_code(&code).await? else {
        return Ok(None);
    };
    let unit = store.user_by_id(me.id).await?.and_then(|u| u.unit_id);
    Ok(crate::accounts::auth::may_see_commune(me, unit, row.id, row.district_id).then_some(row))
}

/// The user if signed in with one of `roles`, else the refusal the page should show.
#[cfg(feature = "ssr")]
async fn require(state: &AppState, roles: &[Role]) -> Result<Result<Me, Access<()>>, AppError> {
    Ok(match request_user(state).await? {
        None => Err(Access::SignInRequired),
        Some(me) if roles.contains(&me.role) => Ok(me),
        Some(_) => Err(Access::Forbidden),
    })
}

#[cfg(feature = "ssr")]
fn refuse<T>(refusal: Access<()>) -> Access<T> {
    match refusal {
        Access::SignInRequired => Access::SignInRequired,
        _ => Access::Forbidden,
    }
}

/// Who is signed in on this request, if anyone: the bar of pages that are not a role's own.
#[server]
pub async fn get_me() -> Result<Option<Me>, AppError> {
    let state = expect_context::<AppState>();
    request_user(&state).await
}

#[server]
pub async fn get_login_page() -> Result<LoginPageData, AppError> {
    let state = expect_context::<AppState>();
    let me = request_user(&state).await?;
    let csrf = crate::accounts::auth::new_token();
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.append_header(
            axum::http::header::SET_COOKIE,
            crate::accounts::auth::login_csrf_cookie(&csrf, state.settings.secure_cookies()),
        );
    }
    let sso = state.settings.oidc.is_some();
    Ok(LoginPageData { csrf, me, sso })
}

/// The commune page: commune users see their own commune (`commune` must be theirs or absent);
/// the province admin and the district's reviewer may open any commune they oversee.
#[server]
pub async fn get_commune_overview(
    commune: Option<String>,
) -> Result<Access<CommuneOverview>, AppError> {
    let state = expect_context::<AppState>();
    let me = match require(&state, &Role::ALL).await? {
        Ok(me) => me,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let Some(row) = visible_commune(&state, &me, commune.as_deref()).await? else {
        return Ok(Access::Forbidden);
    };
    let store = &state.store;
    let desks = store
        .list_current_desks(None)
        .await?
        .into_iter()
        .filter(|d| d.commune_code == row.code)
        .map(|d| (d.public_code, d.name))
        .collect();
    let now = crate::clock::now_ms();
    let last_30_days = store
        .commune_satisfaction(row.id, now - 30 * 86_400_000)
        .await?;
    let all_time = store.commune_satisfaction(row.id, 0).await?;
    let comments = store
        .latest_comments(row.id, 20)
        .await?
        .into_iter()
        .map(|c| CommentView {
            when: crate::clock::display(c.created_at),
            desk: c.desk_name,
            overall: c.overall,
            text: c.text,
            marked: c.marked == 1,
        })
        .collect();
    let formerly = store
        .predecessors(row.id)
        .await?
        .into_iter()
        .map(|p| FormerUnit {
            part: p.kind == "split",
            name: p.name,
        })
        .collect();
    Ok(Access::Granted(CommuneOverview {
        me,
        commune_code: row.code,
        commune_name: row.name,
        district_name: row.district_name.unwrap_or_default(),
        desks,
        last_30_days,
        all_time,
        comments,
        formerly,
    }))
}

#[server]
pub async fn get_users_page() -> Result<Access<UsersPageData>, AppError> {
    let state = expect_context::<AppState>();
    let me = match require(&state, &[Role::ProvinceAdmin]).await? {
        Ok(me) => me,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let emails: std::collections::HashMap<i64, String> = state
        .store
        .alert_contacts()
        .await?
        .into_iter()
        .filter_map(|c| Some((c.user_id, c.email?)))
        .collect();
    let users = state
        .store
        .list_users()
        .await?
        .into_iter()
        .filter_map(|u| {
            Some(UserView {
                email: emails.get(&u.id).cloned(),
                id: u.id,
                role: u.role()?,
                unit: u
                    .unit_name
                    .map(|n| format!("{n} ({})", u.unit_code.unwrap_or_default())),
                username: u.username,
                display_name: u.display_name,
            })
        })
        .collect();
    let now = crate::clock::now_ms();
    let window_since = now - crate::accounts::auth::ADDRESS_WINDOW_MS;
    let limits = state
        .store
        .sign_in_limits(
            crate::accounts::auth::FREE_FAILURES,
            crate::accounts::auth::ADDRESS_FAILURES,
            window_since,
        )
        .await?
        .into_iter()
        .map(|row| SignInLimitView {
            until: crate::clock::display(if row.username.is_empty() {
                row.window_start + crate::accounts::auth::ADDRESS_WINDOW_MS
            } else {
                row.next_at
            }),
            address: row.client_hash[..row
                .client_hash
                .len()
                .min(crate::accounts::auth::ADDRESS_SHOWN)]
                .to_string(),
            username: row.username,
            client_hash: row.client_hash,
            failures: row.failures,
            refused: row.refused,
        })
        .collect();
    Ok(Access::Granted(UsersPageData { me, users, limits }))
}

/// A page of the audit log, newest first, with the filters of `AuditQuery`.
#[server]
pub async fn get_audit_page(
    actor: Option<String>,
    action: Option<String>,
    commune: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
    after: Option<String>,
) -> Result<Access<AuditPageData>, AppError> {
    let state = expect_context::<AppState>();
    let me = match require(&state, &[Role::ProvinceAdmin]).await? {
        Ok(me) => me,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let query = AuditQuery {
        actor,
        action,
        commune,
        from,
        to,
        before,
        after,
    };
    let actions = state.store.audit_actions().await?;
    let csv = query.link("/admin/audit.csv", None);
    let mut data = AuditPageData {
        me,
        entries: Vec::new(),
        query: query.clone(),
        actions,
        newer: None,
        older: None,
        csv,
        error: None,
    };
    let (filter, cursor) = match query.filter().and_then(|f| Ok((f, query.cursor()?))) {
        Ok(valid) => valid,
        Err(message) => {
            data.error = Some(message.to_string());
            return Ok(Access::Granted(data));
        }
    };
    let page = state
        .store
        .audit_page(&filter, cursor, AUDIT_PAGE_SIZE)
        .await?;
    if page.has_newer {
        data.newer = page
            .rows
            .first()
            .map(|row| query.link("/admin/audit", Some(("after", row.id.to_string()))));
    }
    if page.has_older {
        data.older = page
            .rows
            .last()
            .map(|row| query.link("/admin/audit", Some(("before", row.id.to_string()))));
    }
    data.entries = page
        .rows
        .into_iter()
        .map(|e| AuditEntryView {
            when: crate::clock::display(e.created_at),
            last: e
                .last_at
                .filter(|_| e.repeats > 1)
                .map(crate::clock::display),
            repeats: e.repeats,
            actor: e.actor,
            action: e.action,
            target: e.target,
            detail: e.detail,
        })
        .collect();
    Ok(Access::Granted(data))
}

/// Flagged responses: the district reviewer sees its district, the province reviewer its
/// assigned communes, the province admin all.
#[server]
pub async fn get_review_page() -> Result<Access<ReviewPageData>, AppError> {
    let state = expect_context::<AppState>();
    let reviewers = [
        Role::ProvinceAdmin,
        Role::DistrictReviewer,
        Role::ProvinceReviewer,
    ];
    let me = match require(&state, &reviewers).await? {
        Ok(me) => me,
        Err(refusal) => return Ok(refuse(refusal)),
    };
    let district = match me.role {
        Role::DistrictReviewer => {
            let user = state.store.user_by_id(me.id).await?;
            match user.and_then(|u| u.unit_id) {
                Some(id) => Some(id),
                None => return Ok(Access::Forbidden),
            }
        }
        _ => None,
    };
    let flagged = match me.role {
        Role::ProvinceReviewer => state.store.assigned_flagged_responses(me.id, 200).await?,
        _ => state.store.flagged_responses(district, 200).await?,
    };
    let ids: Vec<i64> = flagged.iter().map(|f| f.response_id).collect();
    let mut answers: std::collections::HashMap<
        i64,
        Vec<crate::store::overview::ResponseAnswerRow>,
    > = std::collections::HashMap::new();
    for answer in state.store.answers_of_responses(&ids).await? {
        answers.entry(answer.response_id).or_default().push(answer);
    }
    let flagged = flagged
        .into_iter()
        .map(|f| {
            let flags = crate::domain::flags::Flags::parse_stored(Some(&f.flags))
                .map_err(|e| internal(format!("response {}: {e}", f.response_id)))?;
            let stored = answers.remove(&f.response_id).unwrap_or_default();
            let survey = u32::try_from(f.survey_version)
                .ok()
                .and_then(|v| state.definitions.survey(&f.survey_id, v));
            let written =
                |q: Option<&survey_definitions::Question>,
                 a: &crate::store::overview::ResponseAnswerRow| {
                    match q {
                        Some(q) => (
                            q.label.get(survey_definitions::Lang::Vi).to_string(),
                            q.written_answer(
                                a.value_int,
                                a.value_text.as_deref(),
                                survey_definitions::Lang::Vi,
                            ),
                        ),
                        None => (
                            a.question_id.clone(),
                            a.value_text
                                .clone()
                                .or(a.value_int.map(|n| n.to_string()))
                                .unwrap_or_default(),
                        ),
                    }
                };
            // In the survey's order; answers to questions it no longer has, by id, after.
            let mut shown = Vec::new();
            if let Some(survey) = survey {
                for q in &survey.questions {
                    if let Some(a) = stored.iter().find(|a| a.question_id == q.id) {
                        shown.push(written(Some(q), a));
                    }
                }
            }
            for a in &stored {
                if survey.is_none_or(|s| s.questions.iter().all(|q| q.id != a.question_id)) {
                    shown.push(written(None, a));
                }
            }
            Ok(FlaggedView {
                answers: shown,
                id: f.response_id,
                when: crate::clock::display(f.created_at),
                commune: f.commune_name,
                desk: f.desk_name,
                reasons: flags.labels_vi(),
                excluded: f.excluded != 0,
                held: f.held != 0,
                overall: f.overall,
                channel: f.channel,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(Access::Granted(ReviewPageData { me, flagged }))
}
