//! Building the bilingual explanations: sentences are written side by side in Vietnamese and
//! English, numbers in each language's own form (`12,5` and `84,75%` in Vietnamese).

use survey_definitions::criteria::{Points, Share};
use survey_definitions::{Lang, Text};

/// A text under construction, one sentence at a time in both languages.
#[derive(Default)]
pub(crate) struct Words {
    vi: String,
    en: String,
}

impl Words {
    /// Appends one sentence (or fragment, with its own punctuation) in both languages.
    pub fn say(&mut self, vi: impl AsRef<str>, en: impl AsRef<str>) {
        for (text, part) in [(&mut self.vi, vi.as_ref()), (&mut self.en, en.as_ref())] {
            if !text.is_empty() && !part.is_empty() {
                text.push(' ');
            }
            text.push_str(part);
        }
    }

    pub fn done(self) -> Text {
        Text {
            vi: self.vi,
            en: self.en,
        }
    }
}

/// A number written for Vietnamese or English readers.
pub(crate) trait Localized {
    fn in_lang(&self, lang: Lang) -> String;

    fn vi(&self) -> String {
        self.in_lang(Lang::Vi)
    }

    fn en(&self) -> String {
        self.in_lang(Lang::En)
    }
}

impl Localized for Points {
    fn in_lang(&self, lang: Lang) -> String {
        self.format(lang)
    }
}

impl Localized for Share {
    fn in_lang(&self, lang: Lang) -> String {
        self.percent(lang)
    }
}

/// A mean on the 1–5 scale, in hundredths (`421` → `4,21` / `4.21`).
pub(crate) struct Mean(pub u64);

impl Localized for Mean {
    fn in_lang(&self, lang: Lang) -> String {
        // Same digits as points: a whole number of hundredths without trailing zeros.
        Points::from_hundredths(self.0)
            .unwrap_or_default()
            .format(lang)
    }
}

/// Ids or question names as a list: `overall, access`.
pub(crate) fn list(items: &[String]) -> String {
    items.join(", ")
}
