//! A post to a commune's dossier: the form parsed, the step decided against the user's role and
//! the dossier's state, and the change stored. The axum route (`server/src/routes/assessment.rs`)
//! only extracts the request and writes the [`Outcome`] as a response; the state check is
//! repeated inside the store's transaction, so a stale form cannot move a dossier someone else
//! already moved.

use std::collections::BTreeMap;

use survey_definitions::criteria::{CriteriaSet, Source};

use crate::assessment::api::open_dossier;
use crate::assessment::input::evidence_required;
use crate::domain::dossier::{parse_points, State, Step};
use crate::domain::roles::{Me, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::assessments::{
    Actor, AppraisalEntry, AssessmentRow, ImportedRow, SelfEntry, StepRefused,
};

/// What a post to a dossier came to.
#[derive(Debug)]
pub enum Outcome {
    /// Done: the page is shown again with this notice (`saved`, `submitted`, …).
    Done(&'static str),
    /// The form is shown again with its values and these problems, by leaf (`""`: the whole
    /// form); nothing was stored, except a draft saved before a refused submission (its
    /// problem says so).
    Invalid {
        assessment: AssessmentRow,
        problems: BTreeMap<String, String>,
    },
    /// The dossier is in a state where this step cannot be taken.
    WrongState(State),
    /// Not this user's dossier.
    NotTheirs,
    /// Their dossier, but not a step their role takes.
    NotTheirStep,
    /// The form names no known step.
    UnknownStep,
}

/// Takes the step the form `fields` asks for on the dossier of `commune` under `criteria`, as
/// `me`.
pub async fn act(
    state: &AppState,
    me: &Me,
    commune: &str,
    criteria: &str,
    fields: &BTreeMap<String, String>,
) -> Result<Outcome, AppError> {
    let internal = |e: String| AppError::internal("dossier", e);
    let step = match field(fields, "step") {
        "save" => Some(Step::SaveEntries),
        "submit" => Some(Step::Submit),
        "appraise" => Some(Step::Appraise),
        "approve" => Some(Step::Approve),
        "return" => Some(Step::Return),
        "finalise" => Some(Step::Finalise),
        "import" => None,
        _ => return Ok(Outcome::UnknownStep),
    };
    let Ok(dossier) = open_dossier(state, me, Some(commune), Some(criteria)).await? else {
        return Ok(Outcome::NotTheirs);
    };
    let set = dossier.set;
    let assessment = dossier.assessment;
    let current = assessment.state().map_err(|e| internal(e.to_string()))?;
    let allowed = match step {
        Some(step) => step.allowed_for(me.role),
        None => me.role == Role::ProvinceAdmin,
    };
    if !allowed {
        return Ok(Outcome::NotTheirStep);
    }
    let possible = match step {
        Some(step) => step.possible(me.role, current),
        None => current != State::Finalised,
    };
    if !possible {
        return Ok(Outcome::WrongState(current));
    }
    let actor = Actor {
        user_id: Some(me.id),
        name: &me.username,
    };
    let store = &state.store;
    let invalid = |assessment: AssessmentRow, problems| Outcome::Invalid {
        assessment,
        problems,
    };
    let stored = |result: Result<Result<(), StepRefused>, crate::store::StoreError>| match result {
        Ok(Ok(())) => Ok(None),
        Ok(Err(StepRefused::WrongState(s))) => Ok(Some(Outcome::WrongState(s))),
        Err(e) => Err(internal(e.to_string())),
    };
    match step {
        Some(Step::SaveEntries | Step::Submit) => {
            let entries = match self_entries(set, fields) {
                Ok(entries) => entries,
                Err(problems) => return Ok(invalid(assessment, problems)),
            };
            let saved = store
                .save_self_entries(&assessment, &entries, actor)
                .await
                .map(|r| r.map(|_| ()));
            if let Some(refused) = stored(saved)? {
                return Ok(refused);
            }
            if step == Some(Step::SaveEntries) {
                return Ok(Outcome::Done("saved"));
            }
            let mut problems = incomplete(set, &entries);
            if !problems.is_empty() {
                problems.insert(
                    String::new(),
                    "Đã lưu nháp nhưng chưa gửi được: còn tiêu chí thiếu điểm hoặc minh chứng (xem bên dưới).".into(),
                );
                return Ok(invalid(assessment, problems));
            }
            transition(state, &assessment, Step::Submit, None, actor, "submitted").await
        }
        Some(Step::Appraise | Step::Approve) => {
            let own: BTreeMap<String, Option<i64>> = store
                .entries(assessment.id)
                .await
                .map_err(|e| internal(e.to_string()))?
                .into_iter()
                .map(|e| (e.leaf_id, e.self_points))
                .collect();
            let entries = match appraisals(set, fields, &own) {
                Ok(entries) => entries,
                Err(problems) => return Ok(invalid(assessment, problems)),
            };
            let saved = store
                .save_appraisals(&assessment, &entries, actor)
                .await
                .map(|r| r.map(|_| ()));
            if let Some(refused) = stored(saved)? {
                return Ok(refused);
            }
            if step == Some(Step::Appraise) {
                return Ok(Outcome::Done("appraised"));
            }
            transition(state, &assessment, Step::Approve, None, actor, "approved").await
        }
        Some(Step::Return) => {
            let reason = field(fields, "return_reason").to_string();
            if reason.is_empty() || reason.chars().count() > MAX_REASON {
                let mut problems = BTreeMap::new();
                problems.insert(
                    String::new(),
                    "Cần ghi lý do trả lại hồ sơ (tối đa 1000 ký tự).".into(),
                );
                return Ok(invalid(assessment, problems));
            }
            transition(
                state,
                &assessment,
                Step::Return,
                Some(&reason),
                actor,
                "returned",
            )
            .await
        }
        Some(Step::Finalise) => {
            transition(state, &assessment, Step::Finalise, None, actor, "finalised").await
        }
        None => {
            let rows = match imported_scores(set, assessment.unit_id, fields) {
                Ok(rows) => rows,
                Err(problems) => return Ok(invalid(assessment, problems)),
            };
            store
                .set_imported_scores(&set.id, &rows, actor)
                .await
                .map_err(|e| internal(e.to_string()))?;
            Ok(Outcome::Done("imported"))
        }
    }
}

/// Moves the dossier by `step`, in one conditional update.
async fn transition(
    state: &AppState,
    assessment: &AssessmentRow,
    step: Step,
    reason: Option<&str>,
    actor: Actor<'_>,
    done: &'static str,
) -> Result<Outcome, AppError> {
    let internal = |e: crate::store::StoreError| AppError::internal("dossier", e.to_string());
    let current = assessment.state().map_err(internal)?;
    match state
        .store
        .transition(
            assessment,
            step.from_states(),
            step.to_state(current),
            reason,
            actor,
        )
        .await
        .map_err(internal)?
    {
        Ok(()) => Ok(Outcome::Done(done)),
        Err(StepRefused::WrongState(s)) => Ok(Outcome::WrongState(s)),
    }
}

fn field<'a>(fields: &'a BTreeMap<String, String>, key: &str) -> &'a str {
    fields.get(key).map(|s| s.trim()).unwrap_or("")
}

fn valid_link(link: &str) -> bool {
    link.is_empty()
        || ((link.starts_with("https://") || link.starts_with("http://"))
            && link.len() > "https://".len()
            && !link.chars().any(char::is_whitespace))
}

/// Longest evidence note and link kept; longer text is refused rather than cut.
const MAX_NOTE: usize = 2000;
const MAX_LINK: usize = 500;
const MAX_REASON: usize = 1000;

/// The commune's entries from the form, or the problems by leaf.
fn self_entries(
    set: &CriteriaSet,
    fields: &BTreeMap<String, String>,
) -> Result<Vec<SelfEntry>, BTreeMap<String, String>> {
    let mut entries = Vec::new();
    let mut problems = BTreeMap::new();
    for leaf in crate::assessment::input::commune_leaves(set) {
        let id = leaf.id;
        let note = field(fields, &format!("note.{id}")).to_string();
        let link = field(fields, &format!("link.{id}")).to_string();
        match parse_points(
            field(fields, &format!("points.{id}")),
            leaf.max.hundredths(),
        ) {
            Err(p) => {
                problems.insert(id.to_string(), p);
            }
            Ok(_) if note.chars().count() > MAX_NOTE => {
                problems.insert(
                    id.to_string(),
                    format!("Minh chứng dài quá {MAX_NOTE} ký tự."),
                );
            }
            Ok(_) if link.len() > MAX_LINK || !valid_link(&link) => {
                problems.insert(
                    id.to_string(),
                    "Đường dẫn minh chứng phải bắt đầu bằng https:// hoặc http:// và không có khoảng trắng.".into(),
                );
            }
            Ok(points) => entries.push(SelfEntry {
                leaf_id: id.to_string(),
                points,
                note,
                link,
            }),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// What keeps a dossier from being submitted: leaves without points, or without the evidence
/// the set requires.
fn incomplete(set: &CriteriaSet, entries: &[SelfEntry]) -> BTreeMap<String, String> {
    let mut problems = BTreeMap::new();
    for leaf in crate::assessment::input::commune_leaves(set) {
        let entry = entries.iter().find(|e| e.leaf_id == leaf.id);
        match entry {
            Some(e) if e.points.is_some() => {
                // Zero points claim nothing, so they need no evidence.
                let claims = e.points.unwrap_or(0) > 0;
                if claims
                    && evidence_required(leaf.source)
                    && (e.note.is_empty() || e.link.is_empty())
                {
                    problems.insert(
                        leaf.id.to_string(),
                        "Cần ghi minh chứng và đường dẫn văn bản trước khi gửi.".into(),
                    );
                }
            }
            _ if leaf.source.is_bonus() => {}
            _ => {
                problems.insert(
                    leaf.id.to_string(),
                    "Cần nhập điểm (nhập 0 nếu không đạt) trước khi gửi.".into(),
                );
            }
        }
    }
    problems
}

/// The appraiser's decisions from the form, or the problems by leaf. Points equal to the
/// commune's own count as accepted and need no reason; a change does.
fn appraisals(
    set: &CriteriaSet,
    fields: &BTreeMap<String, String>,
    own: &BTreeMap<String, Option<i64>>,
) -> Result<Vec<AppraisalEntry>, BTreeMap<String, String>> {
    let mut entries = Vec::new();
    let mut problems = BTreeMap::new();
    for leaf in set.leaves() {
        let id = leaf.id;
        let reason = field(fields, &format!("reason.{id}")).to_string();
        match parse_points(
            field(fields, &format!("appraised.{id}")),
            leaf.max.hundredths(),
        ) {
            Err(p) => {
                problems.insert(id.to_string(), p);
            }
            Ok(_) if reason.chars().count() > MAX_REASON => {
                problems.insert(id.to_string(), format!("Lý do dài quá {MAX_REASON} ký tự."));
            }
            Ok(Some(points)) if reason.is_empty() => {
                if own.get(id).copied().flatten() == Some(points) {
                    entries.push(AppraisalEntry {
                        leaf_id: id.to_string(),
                        points: Some(points),
                        reason: "Đồng ý với điểm xã tự chấm.".into(),
                    });
                } else {
                    problems.insert(
                        id.to_string(),
                        "Cần nêu lý do khi cho điểm khác điểm xã tự chấm.".into(),
                    );
                }
            }
            Ok(points) => entries.push(AppraisalEntry {
                leaf_id: id.to_string(),
                points,
                reason,
            }),
        }
    }
    if problems.is_empty() {
        Ok(entries)
    } else {
        Err(problems)
    }
}

/// The province's imported scores from the form, or the problems by leaf.
fn imported_scores(
    set: &CriteriaSet,
    unit_id: i64,
    fields: &BTreeMap<String, String>,
) -> Result<Vec<ImportedRow>, BTreeMap<String, String>> {
    let mut rows = Vec::new();
    let mut problems = BTreeMap::new();
    for leaf in set.leaves() {
        let Source::Imported { import_max } = leaf.source else {
            continue;
        };
        let id = leaf.id;
        let source = field(fields, &format!("source.{id}")).to_string();
        match parse_points(
            field(fields, &format!("imported.{id}")),
            import_max.hundredths(),
        ) {
            Err(p) => {
                problems.insert(id.to_string(), p);
            }
            Ok(None) => {}
            Ok(Some(_)) if source.is_empty() || source.chars().count() > MAX_REASON => {
                problems.insert(
                    id.to_string(),
                    "Cần ghi nguồn của điểm (văn bản, ngày công bố).".into(),
                );
            }
            Ok(Some(score)) => rows.push(ImportedRow {
                unit_id,
                leaf_id: id.to_string(),
                score,
                source,
            }),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}
