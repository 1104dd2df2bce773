//! The two languages every citizen-facing text comes in: Vietnamese first, English second.

use serde::{Deserialize, Serialize};

/// A language the survey can be shown in. Vietnamese is the default: most citizens read it, and
/// English is offered for foreign residents and investors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Tiếng Việt.
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    /// Both languages, Vietnamese first.
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The ISO 639-1 code: `"vi"` or `"en"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Reads a language code, ignoring case, surrounding spaces and any region (`"en-US"`,
    /// `"vi_VN"`), so a query parameter or one `Accept-Language` entry can be passed as is.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("vi") {
            Some(Lang::Vi)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// A text written in both languages. Definition files must fill in both, so no page ever shows
/// an empty label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    /// Vietnamese, with full diacritics.
    pub vi: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// A [`Text`] fixed at compile time, for tables that must be `const` (a `String` cannot be built
/// in a constant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StaticText {
    /// Vietnamese, with full diacritics.
    pub vi: &'static str,
    /// English.
    pub en: &'static str,
}

impl StaticText {
    /// The text in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Vi => self.vi,
            Lang::En => self.en,
        }
    }

    /// An owned copy, for places that take a [`Text`].
    pub fn to_text(self) -> Text {
        Text {
            vi: self.vi.to_owned(),
            en: self.en.to_owned(),
        }
    }
}

impl From<StaticText> for Text {
    fn from(text: StaticText) -> Text {
        text.to_text()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_regions_are_ignored() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::parse(" EN-us "), Some(Lang::En));
        assert_eq!(Lang::parse("vi_VN"), Some(Lang::Vi));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse(""), None);
        assert_eq!(Lang::default(), Lang::Vi);
    }

    #[test]
    fn texts_are_picked_by_language() {
        let text = StaticText {
            vi: "Hài lòng",
            en: "Satisfied",
        };

        assert_eq!(text.get(Lang::Vi), "Hài lòng");
        assert_eq!(Text::from(text).get(Lang::En), "Satisfied");
    }

    #[test]
    fn satisfaction_levels_run_from_1_to_5_in_both_languages() {
        let levels: Vec<_> = crate::SATISFACTION_LEVELS.iter().map(|l| l.0).collect();

        assert_eq!(levels, [1, 2, 3, 4, 5]);
        for (_, label, face) in crate::SATISFACTION_LEVELS {
            assert!(!label.vi.is_empty() && !label.en.is_empty() && !face.is_empty());
        }
        assert_eq!(crate::SATISFACTION_LEVELS[4].1.vi, "Rất hài lòng");
    }
}
