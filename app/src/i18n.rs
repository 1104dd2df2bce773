//! The interface's own words in Vietnamese (the default) and English. Survey wording lives in the
//! survey definition files instead, so reviewers change questions without touching code.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
pub use survey_definitions::Lang;

/// Every fixed string a page shows, in one language.
pub struct Ui {
    pub app_name: &'static str,
    pub other_lang_label: &'static str,
    pub submit: &'static str,
    pub submitting: &'static str,
    pub required_mark: &'static str,
    pub optional: &'static str,
    pub fix_errors: &'static str,
    pub submit_failed: &'static str,
    pub thanks_title: &'static str,
    pub thanks_again: &'static str,
    pub desk_not_found_title: &'static str,
    pub desk_not_found_body: &'static str,
    pub desk_retired_body: &'static str,
    pub page_not_found_title: &'static str,
    pub page_not_found_body: &'static str,
    pub back_home: &'static str,
    pub poster_instruction: &'static str,
    pub poster_or_open: &'static str,
    pub print: &'static str,
    pub chars_max: &'static str,
    pub home_intro: &'static str,
    pub home_desks: &'static str,
    pub home_how_title: &'static str,
    pub home_how: &'static str,
    pub survey_link: &'static str,
    pub poster_link: &'static str,
    pub print_all_district: &'static str,
    pub print_all_province: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub expired_form: &'static str,
    pub rate_limited: &'static str,
    pub not_stored: &'static str,
    pub already_rated: &'static str,
}

pub const VI: Ui = Ui {
    app_name: "Hài Lòng",
    other_lang_label: "English",
    submit: "Gửi đánh giá",
    submitting: "Đang gửi…",
    required_mark: "(bắt buộc)",
    optional: "(không bắt buộc)",
    fix_errors: "Vui lòng xem lại các câu được đánh dấu bên dưới.",
    submit_failed: "Chưa gửi được đánh giá. Vui lòng thử lại.",
    thanks_title: "Cảm ơn ông/bà!",
    thanks_again: "Đánh giá của ông/bà đã được ghi nhận.",
    desk_not_found_title: "Không tìm thấy quầy tiếp nhận",
    desk_not_found_body: "Mã QR này không ứng với quầy tiếp nhận nào. Vui lòng quét lại mã dán tại quầy hoặc hỏi cán bộ tiếp nhận.",
    desk_retired_body: "Quầy tiếp nhận này không còn nhận đánh giá. Vui lòng quét mã QR mới tại quầy.",
    page_not_found_title: "Không tìm thấy trang",
    page_not_found_body: "Trang ông/bà tìm không tồn tại.",
    back_home: "Về trang chủ",
    poster_instruction: "Quét mã QR để đánh giá mức độ hài lòng của ông/bà",
    poster_or_open: "hoặc mở địa chỉ",
    print: "In",
    chars_max: "ký tự tối đa",
    home_intro: "Người dân quét mã QR tại Bộ phận tiếp nhận và trả kết quả để đánh giá mức độ hài lòng; kết quả góp phần chấm điểm xã, phường đạt chuẩn “Chính quyền thân thiện”.",
    home_desks: "Quầy tiếp nhận theo đơn vị hành chính",
    home_how_title: "Người dân đánh giá thế nào?",
    home_how: "Mỗi quầy tiếp nhận hồ sơ có một áp phích mã QR. Sau khi được phục vụ, Ông/Bà dùng điện thoại quét mã QR tại quầy (hoặc trên phiếu hẹn trả kết quả) để mở phiếu khảo sát của đúng quầy đó, trả lời trong khoảng một phút và bấm Gửi. Không cần đăng nhập, không cần cài ứng dụng.",
    survey_link: "Phiếu khảo sát",
    poster_link: "Áp phích QR",
    print_all_district: "In áp phích cả huyện",
    print_all_province: "In áp phích toàn tỉnh",
    yes: "Có",
    no: "Không",
    expired_form: "Phiếu đã hết hạn. Vui lòng tải lại trang và gửi lại.",
    rate_limited: "Có quá nhiều lượt gửi đánh giá từ thiết bị hoặc mạng này. Vui lòng thử lại sau ít phút.",
    not_stored: "Hệ thống tạm thời chưa lưu được đánh giá của Ông/Bà; đánh giá chưa được ghi nhận. \
                 Các câu trả lời vẫn còn trên trang này: vui lòng bấm Gửi lại sau ít phút.",
    already_rated: "Ông/bà vừa đánh giá quầy này cách đây ít phút, nên lần gửi này không được tính thêm.",
};

pub const EN: Ui = Ui {
    app_name: "Hài Lòng",
    other_lang_label: "Tiếng Việt",
    submit: "Send rating",
    submitting: "Sending…",
    required_mark: "(required)",
    optional: "(optional)",
    fix_errors: "Please check the questions marked below.",
    submit_failed: "Your rating could not be sent. Please try again.",
    thanks_title: "Thank you!",
    thanks_again: "Your rating has been recorded.",
    desk_not_found_title: "Desk not found",
    desk_not_found_body: "This QR code does not belong to any desk. Please scan the code posted at the desk again or ask the officer.",
    desk_retired_body: "This desk no longer takes ratings. Please scan the new QR code at the desk.",
    page_not_found_title: "Page not found",
    page_not_found_body: "The page you are looking for does not exist.",
    back_home: "Home",
    poster_instruction: "Scan the QR code to rate our service",
    poster_or_open: "or open",
    print: "Print",
    chars_max: "characters at most",
    home_intro: "Citizens scan the QR code at the one-stop desk to rate their satisfaction; the results feed the commune's “Friendly government” score.",
    home_desks: "Desks by administrative unit",
    home_how_title: "How do citizens rate?",
    home_how: "Every one-stop desk has a QR code poster. After being served, scan the code at the desk (or on the appointment slip) with your phone: it opens that desk's survey. Answer in about a minute and press Send. No sign-in, no app to install.",
    survey_link: "Survey",
    poster_link: "QR poster",
    print_all_district: "Print the district's posters",
    print_all_province: "Print the province's posters",
    yes: "Yes",
    no: "No",
    expired_form: "This form has expired. Please reload the page and send it again.",
    rate_limited: "Too many ratings were sent from this device or network. Please try again in a few minutes.",
    not_stored: "Your rating could not be saved just now and has not been recorded. \
                 Your answers are still on this page: please press Send again in a few minutes.",
    already_rated: "You rated this desk a few minutes ago, so this one was not counted again.",
};

/// The fixed strings for a language.
pub fn ui(lang: Lang) -> &'static Ui {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

/// The page language, from `?lang=en`; Vietnamese when absent or unknown.
pub fn use_lang() -> Memo<Lang> {
    let query = use_query_map();
    Memo::new(move |_| {
        query
            .read()
            .get("lang")
            .and_then(|l| Lang::parse(&l))
            .unwrap_or_default()
    })
}

/// `path` with the language kept in the query, so links stay in the citizen's language.
pub fn with_lang(path: &str, lang: Lang) -> String {
    match lang {
        Lang::Vi => path.to_string(),
        Lang::En => format!("{path}?lang=en"),
    }
}
