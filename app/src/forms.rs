//! A staff form the server refused, drawn again by its own page: the axum route that checked it
//! renders the page as a GET would with a [`RefusedForm`] in the context, and the page fills the
//! form that was sent with what the user typed and writes each problem under its field. One
//! type serves every staff form, so each page shows refusals the same way.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::components::set_status;

/// What one refused form held and what was wrong with it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefusedForm {
    /// The form's `action`: a page with several forms (one per row) fills only the one sent.
    pub action: String,
    /// The page's status: 422 for input to correct, 409 when the input is fine but the state
    /// of things refuses it (a limit reached).
    pub status: u16,
    pub values: BTreeMap<String, String>,
    pub problems: BTreeMap<String, String>,
}

impl RefusedForm {
    pub fn new(action: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            status: 422,
            ..Self::default()
        }
    }

    /// Keeps what the user typed in `field`.
    pub fn keep(mut self, field: &str, value: &str) -> Self {
        self.values.insert(field.to_owned(), value.to_owned());
        self
    }

    /// Writes `message` under `field` (the first problem of a field wins).
    pub fn problem(mut self, field: &str, message: impl Into<String>) -> Self {
        self.problems
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }

    /// The refusal of the form posting to `action`, when this page answers one; the page then
    /// carries the refusal's status.
    pub fn of(action: &str) -> Option<RefusedForm> {
        let refused = use_context::<RefusedForm>().filter(|r| r.action == action)?;
        set_status(refused.status);
        Some(refused)
    }

    /// What the user typed in `field`, if the form came back.
    pub fn value(&self, field: &str) -> Option<String> {
        self.values.get(field).cloned()
    }

    /// The problem of `field`, under it, with the id its input names in `aria-describedby`.
    pub fn error(&self, field: &str, id: &str) -> Option<impl IntoView + use<>> {
        self.problems.get(field).cloned().map(|message| {
            view! {
                <p class="error" id=id.to_owned() role="alert">
                    {message}
                </p>
            }
        })
    }
}

/// [`RefusedForm::value`] of a form that may not have come back, else `fallback`.
pub fn kept_value(refused: &Option<RefusedForm>, field: &str, fallback: String) -> String {
    refused
        .as_ref()
        .and_then(|r| r.value(field))
        .unwrap_or(fallback)
}

/// [`RefusedForm::error`] of a form that may not have come back.
pub fn error_under(
    refused: &Option<RefusedForm>,
    field: &str,
    id: &str,
) -> Option<impl IntoView + use<>> {
    refused.as_ref().and_then(|r| r.error(field, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_problem_of_a_field_is_the_one_shown() {
        let refused = RefusedForm::new("/alerts/settings")
            .problem("email", "first")
            .problem("email", "second")
            .keep("email", "a@");
        assert_eq!(refused.problems["email"], "first");
        assert_eq!(refused.value("email").as_deref(), Some("a@"));
        assert_eq!(refused.status, 422);
        assert!(refused.has_problems());
        assert!(!RefusedForm::new("/x").has_problems());
    }
}
