//! Staff accounts: roles and who may see what, sign-in with its limits and sessions, and the
//! administrator's pages (users, audit log, sign-in limits).

pub mod admin;
pub mod api;
#[cfg(feature = "ssr")]
pub mod auth;
pub mod login;
pub mod nav;
#[cfg(feature = "ssr")]
pub mod sso;
pub mod sso_admin;
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
        // Single sign-on through the province's identity service (`accounts::sso`).
        "sso_user_created" => "tạo tài khoản từ tài khoản của tỉnh",
        "sso_linked" => "liên kết tài khoản của tỉnh",
        "sso_role_changed" => "đổi vai trò theo tài khoản của tỉnh",
        "sso_refused" => "từ chối đăng nhập bằng tài khoản của tỉnh",
        "sso_failed" => "đăng nhập bằng tài khoản của tỉnh không thành công",
        "sso_provider_unreachable" => "không kết nối được hệ thống xác thực của tỉnh",
        "login_sso_required" => "đăng nhập bằng mật khẩu bị từ chối (bắt buộc tài khoản của tỉnh)",
        "sso_mapping_added" => "thêm ánh xạ tài khoản của tỉnh",
        "sso_mapping_removed" => "xoá ánh xạ tài khoản của tỉnh",
        "sso_email_link_set" => "cho phép liên kết qua thư điện tử",
        "sso_email_link_removed" => "huỷ liên kết qua thư điện tử",
        "sso_required_set" => "đổi yêu cầu đăng nhập bằng tài khoản của tỉnh",
        "break_glass_set" => "đổi tài khoản dự phòng",
        other => other,
    }
}
