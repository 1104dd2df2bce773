//! What an alert says: the desk, the time (the province's, `dd/mm/yyyy HH:MM`), the answers
//! with their questions, the comment and the link to the commune's follow-up list. Nothing
//! that identifies the citizen: no device or address hash, no dossier code.

use serde::Serialize;
use survey_definitions::{Definitions, Lang, QuestionKind};

use crate::store::alerts::AlertResponse;

/// A mail's subject, plain-text body and the same body as HTML (the part mail programs show
/// by default; the text part is for those that show text only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
    pub html: String,
}

/// Writes a mail's body as text and as HTML in one pass, so the two parts always say the same
/// thing. What a citizen wrote is only ever escaped, never made a link: a link in an alert
/// comes from the application's own address.
#[derive(Default)]
struct BodyWriter {
    text: String,
    html: String,
    in_list: bool,
}

impl BodyWriter {
    fn close_list(&mut self) {
        if self.in_list {
            self.html.push_str("</ul>\n");
            self.in_list = false;
        }
    }

    /// A line of its own.
    fn line(&mut self, line: &str) {
        self.close_list();
        self.text.push_str(line);
        self.text.push('\n');
        self.html
            .push_str(&format!("<p style=\"margin:0\">{}</p>\n", escape(line)));
    }

    /// An empty line between parts.
    fn gap(&mut self) {
        self.close_list();
        self.text.push('\n');
        self.html.push_str("<br>\n");
    }

    /// One answer: the question and what the citizen chose.
    fn answer(&mut self, question: &str, answer: &str) {
        if !self.in_list {
            self.html.push_str("<ul>\n");
            self.in_list = true;
        }
        self.text.push_str(&format!("- {question}: {answer}\n"));
        self.html.push_str(&format!(
            "<li>{}: <strong>{}</strong></li>\n",
            escape(question),
            escape(answer)
        ));
    }

    /// The citizen's comment under its heading, its line breaks kept.
    fn comment(&mut self, heading: &str, comment: &str, inline: bool) {
        self.close_list();
        if inline {
            self.text.push_str(&format!("{heading} {comment}\n"));
        } else {
            self.text.push_str(&format!("{heading}\n{comment}\n"));
        }
        self.html.push_str(&format!(
            "<p style=\"margin:0\">{}</p>\n<blockquote style=\"margin:.25em 0 .5em 0;\
             padding-left:.75em;border-left:3px solid #b45309\">{}</blockquote>\n",
            escape(heading),
            escape(comment).replace('\n', "<br>")
        ));
    }

    /// `label: url` in text, a link named `label` in HTML.
    fn link(&mut self, label: &str, url: &str) {
        self.close_list();
        self.text.push_str(&format!("{label}: {url}\n"));
        self.html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            escape(url),
            escape(label)
        ));
    }

    fn finish(mut self, subject: String) -> Mail {
        self.close_list();
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
             <body style=\"font-family:Arial,sans-serif;line-height:1.5\">\n{}</body></html>\n",
            escape(&subject),
            self.html
        );
        Mail {
            subject,
            body: self.text,
            html,
        }
    }
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Where the commune follows its unfavourable feedback up (`/commune`, its list of comments).
pub fn followup_url(public_url: &str, commune_code: &str) -> String {
    format!(
        "{}/commune?commune={commune_code}",
        public_url.trim_end_matches('/')
    )
}

/// The answers as (question, answer) lines in the survey's order; questions the survey no
/// longer names keep their id. The dossier code is left out.
pub fn answer_lines(response: &AlertResponse, definitions: &Definitions) -> Vec<(String, String)> {
    let survey = u32::try_from(response.survey_version)
        .ok()
        .and_then(|v| definitions.survey(&response.survey_id, v));
    let Some(survey) = survey else {
        let mut lines: Vec<(String, String)> = response
            .answers
            .iter()
            .map(|(q, n, t)| {
                let value = t.clone().or_else(|| n.map(|n| n.to_string()));
                (q.clone(), value.unwrap_or_default())
            })
            .collect();
        lines.sort();
        return lines;
    };
    let mut lines = Vec::new();
    for question in &survey.questions {
        let Some((_, number, text)) = response.answers.iter().find(|(q, _, _)| *q == question.id)
        else {
            continue;
        };
        let value = match &question.kind {
            QuestionKind::DossierCode { .. } => continue,
            QuestionKind::Satisfaction5 => number.map(|n| format!("{n}/5")),
            QuestionKind::YesNo => match (number, text.as_deref()) {
                (Some(1), _) | (_, Some("yes")) => Some("Có".to_string()),
                (Some(0), _) | (_, Some("no")) => Some("Không".to_string()),
                _ => None,
            },
            QuestionKind::SingleChoice { options } => text.as_deref().map(|t| {
                options
                    .iter()
                    .find(|o| o.value == t)
                    .map_or(t.to_string(), |o| o.label.get(Lang::Vi).to_string())
            }),
            // The citizen's comment has a paragraph of its own.
            QuestionKind::Comment { .. } if question.id == "comment" => continue,
            QuestionKind::Comment { .. } => text.clone(),
        };
        if let Some(value) = value.filter(|v| !v.trim().is_empty()) {
            lines.push((question.label.get(Lang::Vi).to_string(), value));
        }
    }
    lines
}

/// The comment of a response, if it has one.
pub fn comment(response: &AlertResponse) -> Option<&str> {
    response
        .answers
        .iter()
        .find(|(q, _, t)| q == "comment" && t.as_deref().is_some_and(|t| !t.trim().is_empty()))
        .and_then(|(_, _, t)| t.as_deref())
}

/// The overall rating of a response, if it has one.
pub fn overall(response: &AlertResponse) -> Option<i64> {
    response
        .answers
        .iter()
        .find(|(q, _, _)| q == "overall")
        .and_then(|(_, n, _)| *n)
}

/// The desk, commune, time and answers of one response; `number` heads it in a digest.
fn describe(
    response: &AlertResponse,
    definitions: &Definitions,
    number: Option<usize>,
    out: &mut BodyWriter,
) {
    let prefix = number.map(|n| format!("{n}. ")).unwrap_or_default();
    out.line(&format!("{prefix}Quầy: {}", response.desk_name));
    out.line(&format!("Xã/phường: {}", response.commune_name));
    out.line(&format!(
        "Thời gian: {}",
        crate::clock::display(response.created_at)
    ));
    if number.is_none() {
        out.gap();
    }
    for (question, answer) in answer_lines(response, definitions) {
        out.answer(&question, &answer);
    }
}

/// The body of a mail about one response, between its first line and its link.
fn one_response(response: &AlertResponse, definitions: &Definitions, out: &mut BodyWriter) {
    out.gap();
    describe(response, definitions, None, out);
    if let Some(comment) = comment(response) {
        out.gap();
        out.comment("Ý kiến của người dân:", comment, false);
    }
    out.gap();
}

/// The mail of one unfavourable answer.
pub fn single_mail(response: &AlertResponse, definitions: &Definitions, public_url: &str) -> Mail {
    let mut out = BodyWriter::default();
    out.line("Một người dân vừa đánh giá chưa hài lòng.");
    one_response(response, definitions, &mut out);
    out.link(
        "Xem và xử lý phản ánh",
        &followup_url(public_url, &response.commune_code),
    );
    out.gap();
    out.line(
        "Thư này do hệ thống Hài Lòng gửi tự động. Ông/bà có thể tắt thư hoặc nhận thư tổng hợp \
         hằng ngày tại trang thư báo:",
    );
    out.link(
        "Cài đặt thư báo",
        &format!("{}/alerts", public_url.trim_end_matches('/')),
    );
    out.finish(format!(
        "[Hài Lòng] Đánh giá chưa hài lòng{} tại {}",
        overall(response)
            .map(|o| format!(" ({o}/5)"))
            .unwrap_or_default(),
        response.desk_name
    ))
}

/// The mail to a province reviewer about an unfavourable answer the commune has not resolved
/// after `days` days.
pub fn escalation_mail(
    response: &AlertResponse,
    definitions: &Definitions,
    public_url: &str,
    days: u64,
) -> Mail {
    let state = match response.followup.as_deref() {
        Some("handling") => "đang xử lý",
        _ => "chưa được xử lý",
    };
    let mut out = BodyWriter::default();
    out.line(&format!(
        "Phản ánh dưới đây của người dân tại {} {state} sau {days} ngày.",
        response.commune_name
    ));
    one_response(response, definitions, &mut out);
    out.link(
        "Theo dõi việc xử lý",
        &followup_url(public_url, &response.commune_code),
    );
    out.finish(format!(
        "[Hài Lòng] Phản ánh chưa giải quyết sau {days} ngày: {}",
        response.commune_name
    ))
}

/// The daily digest of several unfavourable answers, oldest first.
pub fn digest_mail(
    responses: &[AlertResponse],
    definitions: &Definitions,
    public_url: &str,
) -> Mail {
    let mut out = BodyWriter::default();
    out.line(&format!(
        "Tổng hợp {} đánh giá chưa hài lòng từ lần gửi trước.",
        responses.len()
    ));
    for (i, response) in responses.iter().enumerate() {
        out.gap();
        describe(response, definitions, Some(i + 1), &mut out);
        if let Some(comment) = comment(response) {
            out.comment("Ý kiến của người dân:", comment, true);
        }
    }
    if let Some(first) = responses.first() {
        out.gap();
        out.link(
            "Xem và xử lý phản ánh",
            &followup_url(public_url, &first.commune_code),
        );
    }
    out.finish(format!(
        "[Hài Lòng] Tổng hợp {} đánh giá chưa hài lòng",
        responses.len()
    ))
}

/// The webhook's JSON document: enough for a messenger to post a notice, nothing about the
/// citizen.
#[derive(Clone, Debug, Serialize)]
pub struct WebhookEvent {
    pub event: &'static str,
    pub response_id: i64,
    pub commune_code: String,
    pub commune_name: String,
    pub desk: String,
    /// `dd/mm/yyyy HH:MM`, the province's time.
    pub time: String,
    pub overall: Option<i64>,
    pub comment: Option<String>,
    pub followup_url: String,
}

pub fn webhook_event(response: &AlertResponse, public_url: &str) -> WebhookEvent {
    WebhookEvent {
        event: "unfavourable_feedback",
        response_id: response.response_id,
        commune_code: response.commune_code.clone(),
        commune_name: response.commune_name.clone(),
        desk: response.desk_name.clone(),
        time: crate::clock::display(response.created_at),
        overall: overall(response),
        comment: comment(response).map(str::to_string),
        followup_url: followup_url(public_url, &response.commune_code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_html_say_the_same_and_a_citizen_writes_no_markup_or_link() {
        let mut out = BodyWriter::default();
        out.line("Quầy: Một cửa <số 1>");
        out.answer("Thái độ", "2/5");
        out.answer("Thời gian chờ", "1/5");
        out.comment(
            "Ý kiến:",
            "<script>alert(1)</script> xem https://gia-mao.example\n\"dòng\" hai",
            false,
        );
        out.link(
            "Xem và xử lý",
            "https://hailong.test/commune?commune=25195&x=1",
        );
        let mail = out.finish("Tiêu đề & <b>".into());
        assert_eq!(
            mail.body,
            "Quầy: Một cửa <số 1>\n- Thái độ: 2/5\n- Thời gian chờ: 1/5\nÝ kiến:\n\
             <script>alert(1)</script> xem https://gia-mao.example\n\"dòng\" hai\n\
             Xem và xử lý: https://hailong.test/commune?commune=25195&x=1\n"
        );
        let html = &mail.html;
        assert!(html.contains("Quầy: Một cửa &lt;số 1&gt;"), "{html}");
        assert!(html.contains("<ul>\n<li>Thái độ: <strong>2/5</strong></li>\n<li>"));
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&quot;dòng&quot;"), "{html}");
        assert!(
            !html.contains("href=\"https://gia-mao"),
            "a citizen's address is no link: {html}"
        );
        assert!(html.contains(
            "<a href=\"https://hailong.test/commune?commune=25195&amp;x=1\">Xem và xử lý</a>"
        ));
        assert!(html.contains("<title>Tiêu đề &amp; &lt;b&gt;</title>"));
        assert_eq!(html.matches("<ul>").count(), html.matches("</ul>").count());
    }
}
