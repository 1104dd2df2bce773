//! The criteria sets a deployment scores with, and whether they are its province's own.
//!
//! A province scores with the sets `criteria/provinces.csv` lists for it (or those
//! `HAILONG_CRITERIA` names). A province that has issued none of its own is scored with the
//! model sets of that file, so its pages and score runs work from the first day; every page and
//! report that names such a set says it is a model, which the province replaces with its own.

use std::ops::Deref;

use survey_definitions::{CriteriaSet, Lang};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CriteriaInForce {
    sets: Vec<CriteriaSet>,
    model: bool,
}

impl CriteriaInForce {
    /// The province's own sets, oldest period first.
    pub fn own(sets: Vec<CriteriaSet>) -> CriteriaInForce {
        CriteriaInForce { sets, model: false }
    }

    /// The model sets, for a province that has issued none of its own.
    pub fn model(sets: Vec<CriteriaSet>) -> CriteriaInForce {
        CriteriaInForce { sets, model: true }
    }

    /// Whether these are the model sets.
    pub fn is_model(&self) -> bool {
        self.model
    }

    /// A set's name as pages and reports write it: with the model note when it is one.
    pub fn name(&self, set: &CriteriaSet, lang: Lang) -> String {
        let name = set.name.get(lang);
        match (self.model, lang) {
            (false, _) => name.to_string(),
            (true, Lang::Vi | Lang::Supplied(_)) => {
                format!("Bộ tiêu chí mẫu — tỉnh chưa ban hành bộ tiêu chí riêng: {name}")
            }
            (true, Lang::En) => {
                format!("Model criteria — the province has not issued its own: {name}")
            }
        }
    }
}

impl Deref for CriteriaInForce {
    type Target = [CriteriaSet];

    fn deref(&self) -> &[CriteriaSet] {
        &self.sets
    }
}
