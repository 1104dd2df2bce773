//! The format of a dossier code (mã hồ sơ) in the province, and the survey link of one dossier.
//!
//! Codes come from the province's one-stop system (e.g. `000.00.14.H20-200703-0002`): agency,
//! date, sequence. Provinces number differently, so the format is a setting
//! (`HAILONG_DOSSIER_PATTERN`): a regular expression starting with `^`, or a simple pattern in
//! which `9` stands for a digit, `A` for a letter and `*` for one or more letters or digits,
//! every other character standing for itself (`999.99.99.A99-999999-9999`).

use regex::Regex;

/// Accepts the codes seen in provincial systems: dot-separated agency parts, a six-digit date
/// and a sequence of four or more digits (`000.00.14.H20-200703-0002`, `H12.22-230515-0001`).
pub const DEFAULT_PATTERN: &str = r"^[A-Z0-9]+(\.[A-Z0-9]+)*-[0-9]{6}-[0-9]{4,}$";
const DEFAULT_EXAMPLE: &str = "000.00.14.H20-200703-0002";

/// A checked dossier-code format.
#[derive(Clone, Debug)]
pub struct DossierPattern {
    regex: Regex,
    example: String,
}

impl Default for DossierPattern {
    fn default() -> Self {
        DossierPattern {
            regex: Regex::new(DEFAULT_PATTERN).expect("the default pattern compiles"),
            example: DEFAULT_EXAMPLE.to_owned(),
        }
    }
}

impl DossierPattern {
    /// Reads the setting; the error says what is wrong with it.
    pub fn parse(setting: &str) -> Result<DossierPattern, String> {
        let setting = setting.trim();
        if setting.is_empty() {
            return Err("the dossier pattern is empty".to_owned());
        }
        if setting.starts_with('^') {
            let regex = Regex::new(setting).map_err(|e| e.to_string())?;
            // An example that matches a default-format code, or else the setting itself.
            let example = if regex.is_match(DEFAULT_EXAMPLE) {
                DEFAULT_EXAMPLE.to_owned()
            } else {
                setting
                    .trim_start_matches('^')
                    .trim_end_matches('$')
                    .to_owned()
            };
            return Ok(DossierPattern { regex, example });
        }
        let mut regex = String::from("^");
        let mut example = String::new();
        for c in setting.chars() {
            match c {
                '9' => {
                    regex.push_str("[0-9]");
                    example.push('0');
                }
                'A' => {
                    regex.push_str("[A-Z]");
                    example.push('H');
                }
                '*' => {
                    regex.push_str("[A-Z0-9]+");
                    example.push_str("X1");
                }
                c if c.is_ascii_alphanumeric() || ".-/_".contains(c) => {
                    regex.push_str(&regex::escape(&c.to_string()));
                    example.push(c);
                }
                c => return Err(format!("`{c}` cannot be part of a dossier code")),
            }
        }
        regex.push('$');
        Ok(DossierPattern {
            regex: Regex::new(&regex).map_err(|e| e.to_string())?,
            example,
        })
    }

    /// Whether `code` (already in upper case) is in the format.
    pub fn accepts(&self, code: &str) -> bool {
        self.regex.is_match(code)
    }

    /// A code in the format, for messages.
    pub fn example(&self) -> &str {
        &self.example
    }
}

/// How a code is compared and stored: trimmed, in upper case (citizens type `h20` as often as
/// `H20`, and one dossier must stay one code for the repeat rule).
pub fn normalise(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}

/// The survey link printed on a dossier's slip: the desk's survey with the code filled in.
pub fn dossier_survey_url(desk_survey_url: &str, code: &str) -> String {
    let encoded: String = url_escape(code);
    format!("{desk_survey_url}?hs={encoded}")
}

/// Codes are ASCII letters, digits and `. - / _`; only `/` needs escaping in a query value to
/// keep the link plain for scanners that do not decode.
fn url_escape(code: &str) -> String {
    code.chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || ".-_".contains(c) => c.to_string(),
            c => {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_accepts_real_codes_and_refuses_others() {
        let p = DossierPattern::default();
        for good in [
            "000.00.14.H20-200703-0002",
            "H12.22-230515-0001",
            "H70.25195-251120-0042",
        ] {
            assert!(p.accepts(good), "{good}");
        }
        for bad in [
            "HS-1",
            "12345",
            "000.00.14.H20-2007-0002",
            "H20 200703 0002",
            "",
        ] {
            assert!(!p.accepts(bad), "{bad}");
        }
    }

    #[test]
    fn a_simple_pattern_reads_9_as_a_digit_and_a_as_a_letter() {
        let p = DossierPattern::parse("999.99.99.A99-999999-9999").unwrap();

        assert!(p.accepts("000.00.14.H20-200703-0002"));
        assert!(!p.accepts("000.00.14.20H-200703-0002"));
        assert!(p.accepts(p.example()));
        assert!(DossierPattern::parse("99 99").is_err());
        assert!(DossierPattern::parse("^[").is_err());
    }

    #[test]
    fn the_slip_link_carries_the_code() {
        assert_eq!(
            dossier_survey_url("https://x.vn/q/D1", "000.00.14.H20-200703-0002"),
            "https://x.vn/q/D1?hs=000.00.14.H20-200703-0002"
        );
        assert_eq!(dossier_survey_url("u", "A/B"), "u?hs=A%2FB");
    }
}
