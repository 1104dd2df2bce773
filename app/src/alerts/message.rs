//! What an alert says: the desk, the time (the province's, `dd/mm/yyyy HH:MM`), the answers
//! with their questions, the comment and the link to the commune's follow-up list. Nothing
//! that identifies the citizen: no device or address hash, no dossier code.

use serde::Serialize;
use survey_definitions::{Definitions, Lang, QuestionKind};

use crate::store::alerts::AlertResponse;

/// A mail's subject and plain-text body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
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

fn describe(response: &AlertResponse, definitions: &Definitions, out: &mut String) {
    use std::fmt::Write;
    let _ = writeln!(out, "Quầy: {}", response.desk_name);
    let _ = writeln!(out, "Xã/phường: {}", response.commune_name);
    let _ = writeln!(
        out,
        "Thời gian: {}",
        crate::clock::display(response.created_at)
    );
    let _ = writeln!(out);
    for (question, answer) in answer_lines(response, definitions) {
        let _ = writeln!(out, "- {question}: {answer}");
    }
}

/// The mail of one unfavourable answer.
pub fn single_mail(response: &AlertResponse, definitions: &Definitions, public_url: &str) -> Mail {
    let mut body = String::from("Một người dân vừa đánh giá chưa hài lòng.\n\n");
    describe(response, definitions, &mut body);
    if let Some(comment) = comment(response) {
        body.push_str(&format!("\nÝ kiến của người dân:\n{comment}\n"));
    }
    body.push_str(&format!(
        "\nXem và xử lý phản ánh: {}\n\nThư này do hệ thống Hài Lòng gửi tự động. Ông/bà có thể \
         tắt thư hoặc nhận thư tổng hợp hằng ngày tại {}/alerts\n",
        followup_url(public_url, &response.commune_code),
        public_url.trim_end_matches('/')
    ));
    Mail {
        subject: format!(
            "[Hài Lòng] Đánh giá chưa hài lòng{} tại {}",
            overall(response)
                .map(|o| format!(" ({o}/5)"))
                .unwrap_or_default(),
            response.desk_name
        ),
        body,
    }
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
    let mut body = format!(
        "Phản ánh dưới đây của người dân tại {} {state} sau {days} ngày.\n\n",
        response.commune_name
    );
    describe(response, definitions, &mut body);
    if let Some(comment) = comment(response) {
        body.push_str(&format!("\nÝ kiến của người dân:\n{comment}\n"));
    }
    body.push_str(&format!(
        "\nTheo dõi việc xử lý: {}\n",
        followup_url(public_url, &response.commune_code)
    ));
    Mail {
        subject: format!(
            "[Hài Lòng] Phản ánh chưa giải quyết sau {days} ngày: {}",
            response.commune_name
        ),
        body,
    }
}

/// The daily digest of several unfavourable answers, oldest first.
pub fn digest_mail(
    responses: &[AlertResponse],
    definitions: &Definitions,
    public_url: &str,
) -> Mail {
    let mut body = format!(
        "Tổng hợp {} đánh giá chưa hài lòng từ lần gửi trước.\n",
        responses.len()
    );
    for (i, response) in responses.iter().enumerate() {
        body.push_str(&format!("\n{}. ", i + 1));
        describe(response, definitions, &mut body);
        if let Some(comment) = comment(response) {
            body.push_str(&format!("Ý kiến của người dân: {comment}\n"));
        }
    }
    if let Some(first) = responses.first() {
        body.push_str(&format!(
            "\nXem và xử lý phản ánh: {}\n",
            followup_url(public_url, &first.commune_code)
        ));
    }
    Mail {
        subject: format!(
            "[Hài Lòng] Tổng hợp {} đánh giá chưa hài lòng",
            responses.len()
        ),
        body,
    }
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
