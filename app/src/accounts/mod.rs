//! Staff accounts: roles and who may see what, sign-in with its limits and sessions, and the
//! administrator's pages (users, audit log, sign-in limits).

pub mod admin;
pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod login;
pub mod nav;
#[cfg(feature = "ssr")]
pub mod users;

/// The Vietnamese name of an audit-log action, as the audit page shows it. An action this version
/// does not name (an old row) reads as its stored code, so no row is hidden.
pub fn audit_action_vi(action: &str) -> &str {
    match action {
        "login" => "đăng nhập",
        "login_failed" => "đăng nhập sai",
        "login_throttled" => "đăng nhập bị tạm chặn",
        "logout" => "đăng xuất",
        "user_created" => "tạo tài khoản",
        "user_email_set" => "đổi thư điện tử",
        "password_reset" => "đặt lại mật khẩu",
        "sign_in_limit_lifted" => "gỡ giới hạn đăng nhập",
        "reviewer_commune_assigned" => "giao xã cho người duyệt",
        "units_imported" => "nhập danh sách đơn vị",
        "units_synced" => "đồng bộ danh sách đơn vị",
        "definitions_loaded" => "nạp bộ tiêu chí",
        "desk_added" => "thêm quầy",
        "desk_renamed" => "đổi tên quầy",
        "independent_imported" => "nhập kết quả khảo sát độc lập",
        "desks_created" => "tạo các quầy",
        "desks_settled" => "chốt danh sách quầy",
        "kiosk_created" => "tạo máy đánh giá",
        "kiosk_enrolled" => "ghép máy đánh giá",
        "kiosk_revoked" => "thu hồi máy đánh giá",
        "alert_settings_set" => "đặt cảnh báo",
        "followup" => "xử lý ý kiến phản ánh",
        "complaint_marked" => "đánh dấu ý kiến là phản ánh",
        "desk_dossiers" => "nhập số hồ sơ đã giải quyết",
        other => other,
    }
}
