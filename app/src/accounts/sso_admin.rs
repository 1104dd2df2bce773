//! The province admin's page of single sign-on (`/admin/sso`): how the province's identity
//! service is connected (the redirect URI to register), the claim mappings that give people
//! their role and unit, the accounts that may be matched once by e-mail, the break-glass
//! accounts, and the choice to require single sign-on. Every form posts to
//! `server/src/routes/oidc.rs`, which checks the role and the CSRF token again and calls
//! `accounts::sso`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::accounts::nav::Refusal;
use crate::components::{AccountBar, ServerFailure};
use crate::domain::roles::{Access, Me, Role};
use crate::error::AppError;
use crate::forms::{error_under, kept_value, RefusedForm};
use crate::i18n::Lang;

/// A claim mapping as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingView {
    pub id: i64,
    pub claim: String,
    pub value: String,
    /// The role and unit it gives, in words.
    pub gives: String,
}

/// An account as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoAccountView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit: String,
    /// Signs in with its password even when single sign-on is required.
    pub break_glass: bool,
    /// Made from claims: its role follows them.
    pub from_claims: bool,
    /// Linked to a person at the provider.
    pub linked: bool,
    /// Waits to be matched by this e-mail address.
    pub email_link: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoPageData {
    pub me: Me,
    /// The provider's issuer and this application's client id, when configured.
    pub provider: Option<(String, String)>,
    /// What the province registers for this application.
    pub redirect_uri: String,
    pub after_logout_uri: String,
    pub required: bool,
    pub mappings: Vec<MappingView>,
    pub accounts: Vec<SsoAccountView>,
}

#[server]
pub async fn get_sso_page() -> Result<Access<SsoPageData>, AppError> {
    use crate::accounts::sso;
    let state = expect_context::<crate::state::AppState>();
    let me = match crate::accounts::api::request_user(&state).await? {
        None => return Ok(Access::SignInRequired),
        Some(me) if me.role == Role::ProvinceAdmin => me,
        Some(_) => return Ok(Access::Forbidden),
    };
    let store = &state.store;
    let public = &state.settings.public_url;
    let mappings = store
        .sso_mappings()
        .await?
        .into_iter()
        .map(|m| MappingView {
            gives: sso::mapping_text(&m),
            id: m.id,
            claim: m.claim,
            value: m.claim_value,
        })
        .collect();
    let links: std::collections::HashMap<i64, String> = store
        .sso_email_links()
        .await?
        .into_iter()
        .map(|l| (l.user_id, l.email))
        .collect();
    let accounts = store
        .sso_accounts()
        .await?
        .into_iter()
        .filter(|a| a.active == 1)
        .map(|a| SsoAccountView {
            email_link: links.get(&a.id).cloned(),
            role: Role::parse(&a.role).map_or(a.role.clone(), |r| r.label(Lang::Vi).to_string()),
            unit: a.unit_code.unwrap_or_default(),
            break_glass: a.break_glass == 1,
            from_claims: a.claims_managed == 1,
            linked: a.identities > 0,
            id: a.id,
            username: a.username,
            display_name: a.display_name,
        })
        .collect();
    Ok(Access::Granted(SsoPageData {
        me,
        provider: state
            .settings
            .oidc
            .as_ref()
            .map(|o| (o.issuer.clone(), o.client_id.clone())),
        redirect_uri: sso::redirect_uri(public),
        after_logout_uri: sso::after_logout_uri(public),
        required: store.sso_required().await?,
        mappings,
        accounts,
    }))
}

#[component]
pub fn SsoPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_sso_page());
    let query = use_query_map();
    let notice = move || query.read().get("ok");
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Access::Granted(data)) => view! { <Sso data notice=notice() /> }.into_any(),
                    Ok(Access::SignInRequired) => view! { <Refusal sign_in=true /> }.into_any(),
                    Ok(Access::Forbidden) => view! { <Refusal sign_in=false /> }.into_any(),
                    Err(_) => view! { <ServerFailure lang=Lang::Vi /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn notice_text(code: &str) -> &'static str {
    match code {
        "mapping" => "Đã thêm ánh xạ.",
        "removed" => "Đã xoá ánh xạ.",
        "link" => "Đã cho phép liên kết một lần qua thư điện tử.",
        "unlinked" => "Đã huỷ liên kết qua thư điện tử.",
        "required" => "Đã lưu yêu cầu đăng nhập.",
        "break-glass" => "Đã lưu tài khoản dự phòng.",
        _ => "Đã lưu.",
    }
}

#[component]
fn Sso(data: SsoPageData, notice: Option<String>) -> impl IntoView {
    let csrf = data.me.csrf.clone();
    let connection = match &data.provider {
        Some((issuer, client_id)) => view! {
            <p>
                "Đã kết nối với hệ thống xác thực " <code>{issuer.clone()}</code>
                ", mã ứng dụng " <code>{client_id.clone()}</code> "."
            </p>
        }
        .into_any(),
        None => view! {
            <p class="form-error" role="status">
                "Chưa kết nối: đặt HAILONG_OIDC_ISSUER, HAILONG_OIDC_CLIENT_ID và "
                "HAILONG_OIDC_CLIENT_SECRET rồi khởi động lại (xem README)."
            </p>
        }
        .into_any(),
    };
    let mapping_rows = data
        .mappings
        .into_iter()
        .map(|m| {
            let action = format!("/admin/sso/mappings/{}/remove", m.id);
            view! {
                <tr>
                    <td data-label="Thuộc tính"><code>{m.claim}</code></td>
                    <td data-label="Giá trị"><code>{m.value}</code></td>
                    <td data-label="Vai trò và đơn vị">{m.gives}</td>
                    <td data-label="Xoá">
                        <form method="post" action=action class="inline">
                            <input type="hidden" name="_csrf" value=csrf.clone() />
                            <button type="submit">"Xoá"</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let account_rows = data
        .accounts
        .into_iter()
        .map(|a| {
            let how = match (a.linked, a.from_claims) {
                (_, true) => "tạo từ tài khoản của tỉnh",
                (true, false) => "đã liên kết",
                (false, false) => "chưa liên kết",
            };
            let link = a.email_link.clone().map(|email| {
                let action = format!("/admin/sso/email-links/{}/remove", a.id);
                view! {
                    <span>"chờ liên kết qua " {email} " "</span>
                    <form method="post" action=action class="inline">
                        <input type="hidden" name="_csrf" value=csrf.clone() />
                        <button type="submit">"Huỷ"</button>
                    </form>
                }
            });
            let (set, label) = if a.break_glass {
                ("off", "Bỏ dự phòng")
            } else {
                ("on", "Đặt làm dự phòng")
            };
            view! {
                <tr>
                    <td data-label="Tên đăng nhập">{a.username}</td>
                    <td data-label="Họ tên">{a.display_name}</td>
                    <td data-label="Vai trò">{a.role}</td>
                    <td data-label="Đơn vị">{a.unit}</td>
                    <td data-label="Tài khoản của tỉnh">{how} {link}</td>
                    <td data-label="Dự phòng">
                        {if a.break_glass { "có" } else { "không" }} " "
                        <form method="post" action=format!("/admin/sso/break-glass/{}", a.id) class="inline">
                            <input type="hidden" name="_csrf" value=csrf.clone() />
                            <input type="hidden" name="set" value=set />
                            <button type="submit">{label}</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let mapping_form = RefusedForm::of("/admin/sso/mappings");
    let link_form = RefusedForm::of("/admin/sso/email-links");
    let chosen_role = kept_value(&mapping_form, "role", String::new());
    let roles = Role::ALL
        .into_iter()
        .map(|r| {
            let selected = r.key() == chosen_role;
            view! { <option value=r.key() selected=selected>{r.label(Lang::Vi)}</option> }
        })
        .collect_view();
    let (required_label, required_set, required_button) = if data.required {
        (
            "Đang bắt buộc: chỉ tài khoản dự phòng đăng nhập được bằng mật khẩu.",
            "off",
            "Thôi bắt buộc",
        )
    } else {
        (
            "Không bắt buộc: cán bộ có mật khẩu Hài Lòng vẫn đăng nhập được bằng mật khẩu.",
            "on",
            "Bắt buộc đăng nhập bằng tài khoản của tỉnh",
        )
    };
    view! {
        <Title text="Đăng nhập bằng tài khoản của tỉnh — Hài Lòng" />
        <AccountBar me=data.me />
        <main class="page sso-admin">
            <h1>"Đăng nhập bằng tài khoản của tỉnh"</h1>
            {notice.map(|n| view! { <p class="notice" role="status">{notice_text(&n)}</p> })}
            <h2>"Kết nối"</h2>
            {connection}
            <p>"Địa chỉ chuyển hướng cần đăng ký với hệ thống xác thực (redirect URI): "
                <code id="redirect-uri">{data.redirect_uri}</code></p>
            <p>"Địa chỉ sau khi đăng xuất (post-logout redirect URI): "
                <code>{data.after_logout_uri}</code></p>

            <h2>"Yêu cầu đăng nhập"</h2>
            <p id="sso-required">{required_label}</p>
            <form method="post" action="/admin/sso/require" class="inline">
                <input type="hidden" name="_csrf" value=csrf.clone() />
                <input type="hidden" name="set" value=required_set />
                <button type="submit">{required_button}</button>
            </form>

            <h2>"Ánh xạ thuộc tính → vai trò và đơn vị"</h2>
            <p>
                "Người đăng nhập lần đầu bằng tài khoản của tỉnh được tạo tài khoản với vai trò và "
                "đơn vị mà thuộc tính của họ (trong mã định danh do hệ thống xác thực cấp) ánh xạ tới. "
                "Không có ánh xạ nào khớp thì họ bị từ chối. Mỗi lần thay đổi vai trò hoặc đơn vị "
                "đều được ghi nhật ký."
            </p>
            <table class="sso-table">
                <thead>
                    <tr>
                        <th>"Thuộc tính"</th>
                        <th>"Giá trị"</th>
                        <th>"Vai trò và đơn vị"</th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>{mapping_rows}</tbody>
            </table>
            <form method="post" action="/admin/sso/mappings" class="stack" id="them-anh-xa">
                <input type="hidden" name="_csrf" value=csrf.clone() />
                <label for="map-claim">"Thuộc tính (ví dụ groups)"</label>
                <input id="map-claim" name="claim" required value=kept_value(&mapping_form, "claim", String::new()) />
                {error_under(&mapping_form, "claim", "err-map-claim")}
                <label for="map-value">"Giá trị (ví dụ xa-25195-lanh-dao)"</label>
                <input id="map-value" name="value" required value=kept_value(&mapping_form, "value", String::new()) />
                {error_under(&mapping_form, "value", "err-map-value")}
                <label for="map-role">"Vai trò"</label>
                <select id="map-role" name="role">{roles}</select>
                {error_under(&mapping_form, "role", "err-map-role")}
                <label for="map-unit">"Mã đơn vị cố định (để trống cho quản trị và thẩm định cấp tỉnh)"</label>
                <input id="map-unit" name="unit" inputmode="numeric" value=kept_value(&mapping_form, "unit", String::new()) />
                {error_under(&mapping_form, "unit", "err-map-unit")}
                <label for="map-unit-claim">"hoặc thuộc tính mang mã đơn vị của từng người (ví dụ ma_don_vi)"</label>
                <input id="map-unit-claim" name="unit_claim" value=kept_value(&mapping_form, "unit_claim", String::new()) />
                {error_under(&mapping_form, "unit_claim", "err-map-unit-claim")}
                <button type="submit" class="submit">"Thêm ánh xạ"</button>
            </form>

            <h2>"Tài khoản"</h2>
            <p>
                "Tài khoản dự phòng đăng nhập được bằng mật khẩu cả khi tỉnh bắt buộc đăng nhập bằng "
                "tài khoản của tỉnh (khi hệ thống xác thực gặp sự cố)."
            </p>
            <table class="sso-table">
                <thead>
                    <tr>
                        <th>"Tên đăng nhập"</th>
                        <th>"Họ tên"</th>
                        <th>"Vai trò"</th>
                        <th>"Đơn vị"</th>
                        <th>"Tài khoản của tỉnh"</th>
                        <th>"Dự phòng"</th>
                    </tr>
                </thead>
                <tbody>{account_rows}</tbody>
            </table>
            <h3>"Liên kết một tài khoản có sẵn qua thư điện tử"</h3>
            <p>
                "Lần đầu người này đăng nhập bằng tài khoản của tỉnh có địa chỉ thư điện tử này (đã được "
                "hệ thống xác thực xác minh), tài khoản Hài Lòng sẵn có được liên kết với họ; sau đó "
                "liên kết theo mã định danh, không theo thư điện tử nữa."
            </p>
            <form method="post" action="/admin/sso/email-links" class="stack" id="lien-ket">
                <input type="hidden" name="_csrf" value=csrf />
                <label for="link-username">"Tên đăng nhập Hài Lòng"</label>
                <input id="link-username" name="username" required value=kept_value(&link_form, "username", String::new()) />
                {error_under(&link_form, "username", "err-link-username")}
                <label for="link-email">"Thư điện tử ở hệ thống xác thực của tỉnh"</label>
                <input id="link-email" name="email" type="email" required value=kept_value(&link_form, "email", String::new()) />
                {error_under(&link_form, "email", "err-link-email")}
                <button type="submit" class="submit">"Cho phép liên kết"</button>
            </form>
        </main>
    }
}
