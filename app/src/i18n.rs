//! The interface's own words in Vietnamese (the default) and English, and in any language a
//! province supplies (`translations/<code>.toml`). Survey wording lives in the survey definition
//! files instead, so reviewers change questions without touching code.

use leptos::prelude::*;
use std::sync::RwLock;

use leptos_router::hooks::use_query_map;
pub use survey_definitions::{fill, Lang};

/// Declares [`Ui`] once, with what needs every field: a supplied language's interface is built
/// field by field from its translation, and a translator's template lists every field.
macro_rules! interface_words {
    ($($field:ident),* $(,)?) => {
        /// Every fixed string a citizen page shows, in one language. Texts with `{name}`
        /// placeholders are templates, filled with [`fill`].
        pub struct Ui {
            $(pub $field: &'static str,)*
        }

        impl Ui {
            /// The same words, each passed through `word`.
            fn map(&self, word: impl Fn(&'static str) -> &'static str) -> Ui {
                let mut all = [$(self.$field),*];
                for text in &mut all {
                    *text = word(text);
                }
                let [$($field),*] = all;
                Ui { $($field),* }
            }

            /// Every text, in declaration order.
            pub fn texts(&self) -> Vec<&'static str> {
                vec![$(self.$field),*]
            }
        }
    };
}

interface_words!(
    submit,
    submitting,
    required_mark,
    optional,
    fix_errors,
    submit_failed,
    thanks_title,
    thanks_again,
    desk_not_found_title,
    desk_not_found_body,
    desk_retired_body,
    page_not_found_title,
    page_not_found_body,
    back_home,
    poster_instruction,
    poster_or_open,
    print,
    chars_max,
    home_intro,
    home_desks,
    home_how_title,
    home_how,
    survey_link,
    poster_link,
    print_all_district,
    print_all_province,
    yes,
    no,
    expired_form,
    rate_limited,
    rate_limited_wait,
    not_stored,
    already_rated,
    rated_before,
    other_version,
    dossier_refused,
    replaced_by,
    listen,
    larger_text,
    normal_text,
);

pub const VI: Ui = Ui {
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
    rate_limited_wait: "Có quá nhiều lượt gửi đánh giá từ thiết bị hoặc mạng này. Vui lòng thử lại sau {seconds} giây.",
    not_stored: "Hệ thống tạm thời chưa lưu được đánh giá của Ông/Bà; đánh giá chưa được ghi nhận. \
                 Các câu trả lời vẫn còn trên trang này: vui lòng bấm Gửi lại sau ít phút.",
    already_rated: "Ông/bà vừa đánh giá quầy này cách đây ít phút, nên lần gửi này không được tính thêm.",
    rated_before: "Thiết bị này đã gửi một phiếu đánh giá cho quầy này lúc {at}. Phiếu gửi lại trước \
                   {until} sẽ không được tính thêm; sau giờ đó, phiếu mới được tính bình thường.",
    other_version: "Phiếu đánh giá đã được cập nhật. Vui lòng xem lại các câu trả lời dưới đây và gửi lại.",
    dossier_refused: "Mã hồ sơ trong đường dẫn không đúng định dạng (ví dụ: {example}). \
                      Ông/Bà vẫn có thể đánh giá và tự nhập mã in trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả.",
    replaced_by: "Quầy mới thay thế: ",
    listen: "Nghe đọc",
    larger_text: "A+ Chữ lớn hơn",
    normal_text: "A− Chữ cỡ thường",
};

pub const EN: Ui = Ui {
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
    rate_limited_wait: "Too many ratings were sent from this device or network. Please try again in {seconds} seconds.",
    not_stored: "Your rating could not be saved just now and has not been recorded. \
                 Your answers are still on this page: please press Send again in a few minutes.",
    already_rated: "You rated this desk a few minutes ago, so this one was not counted again.",
    rated_before: "This device already rated this desk at {at}. A rating sent before {until} will not \
                   be counted again; after that, a new rating counts as usual.",
    other_version: "The survey has been updated. Please check your answers below and send them again.",
    dossier_refused: "The dossier code in this link is not in the right format (e.g. {example}). \
                      You can still rate and type the code printed on your receipt.",
    replaced_by: "It was replaced by: ",
    listen: "Listen",
    larger_text: "A+ Larger text",
    normal_text: "A− Normal text",
};

/// The fixed strings for a language. A supplied language's are built once from its
/// translation, with Vietnamese for any text it lacks.
pub fn ui(lang: Lang) -> &'static Ui {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
        Lang::Supplied(code) => {
            let Some(translation) = survey_definitions::translation::find(&code) else {
                return &VI;
            };
            // Keyed by the translation itself: a language installed again with other words
            // (a test process starting a second app) gets its own interface.
            static BUILT: RwLock<Vec<(usize, &'static Ui)>> = RwLock::new(Vec::new());
            let key = std::ptr::from_ref(translation) as usize;
            let known = |built: &[(usize, &'static Ui)]| {
                built.iter().find(|(k, _)| *k == key).map(|(_, ui)| *ui)
            };
            if let Some(built) = BUILT.read().ok().and_then(|b| known(&b)) {
                return built;
            }
            let built: &'static Ui =
                Box::leak(Box::new(VI.map(|vi| translation.word(vi).unwrap_or(vi))));
            if let Ok(mut all) = BUILT.write() {
                all.push((key, built));
            }
            built
        }
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
        _ => format!("{path}?lang={}", lang.code()),
    }
}

/// Every text a citizen's survey and thank-you pages show, as (Vietnamese, English), each once:
/// the interface's words, the answers' levels and messages, the spoken clips' words, and the
/// wording of each survey's current version. What a supplied language's translation covers, and
/// what `hailong translation-template` lists.
pub fn citizen_texts(definitions: &survey_definitions::Definitions) -> Vec<(&str, &str)> {
    use survey_definitions::{speech, ANSWER_MESSAGES, NO, SATISFACTION_LEVELS, YES};
    let fixed = VI.texts().into_iter().zip(EN.texts());
    let words = SATISFACTION_LEVELS
        .iter()
        .map(|(_, text, _)| *text)
        .chain([YES, NO, speech::CHOICES_LEAD])
        .chain(ANSWER_MESSAGES)
        .map(|t| (t.vi, t.en));
    let surveys = definitions
        .surveys()
        .filter(|s| definitions.latest(&s.id).is_some_and(|latest| latest == *s))
        .flat_map(|s| s.texts())
        .map(|t| (t.vi.as_str(), t.en.as_str()));
    let mut seen = std::collections::BTreeSet::new();
    fixed
        .chain(words)
        .chain(surveys)
        .filter(|(vi, _)| seen.insert(*vi))
        .collect()
}
