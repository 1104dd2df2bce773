//! Fixtures shared by the unit tests: a small valid survey file and helpers to break it.

use crate::{parse_survey, DefinitionError, Survey};

/// A valid survey with one question of each kind.
pub(crate) const VALID: &str = r#"id = "test"
version = 1
title = { vi = "Tiêu đề", en = "Title" }
intro = { vi = "Giới thiệu", en = "Intro" }
thanks = { vi = "Cảm ơn", en = "Thanks" }

[[questions]]
id = "overall"
kind = "satisfaction5"
required = true
feeds = "overall"
label = { vi = "Hài lòng không?", en = "Satisfied?" }

[[questions]]
id = "visits"
kind = "single_choice"
required = true
feeds = "none"
label = { vi = "Mấy lần?", en = "How many times?" }
options = [
  { value = "1", label = { vi = "Một lần", en = "Once" } },
  { value = "3+", label = { vi = "Ba lần trở lên", en = "Three or more" } },
]

[[questions]]
id = "code"
kind = "dossier_code"
required = false
feeds = "none"
max_chars = 20
label = { vi = "Mã hồ sơ", en = "Dossier code" }

[[questions]]
id = "comment"
kind = "comment"
required = false
feeds = "none"
max_chars = 10
label = { vi = "Góp ý", en = "Comment" }

[[questions]]
id = "guided"
kind = "yes_no"
required = false
feeds = "criterion.c3.guidance"
label = { vi = "Được hướng dẫn?", en = "Were you guided?" }
"#;

/// The fixture survey, parsed.
pub(crate) fn valid_survey() -> Survey {
    parse_survey("test.v1.toml", VALID).expect("the fixture is valid")
}

/// The fixture with `from` (which must occur exactly once) replaced by `to`, and the error
/// parsing it gives.
pub(crate) fn broken(from: &str, to: &str) -> (String, DefinitionError) {
    assert_eq!(VALID.matches(from).count(), 1, "`{from}` must occur once");
    let text = VALID.replacen(from, to, 1);
    let error = parse_survey("broken.toml", &text).expect_err("the broken file must be rejected");
    (text, error)
}

/// 1-based line of the only line containing `needle`.
pub(crate) fn line_with(text: &str, needle: &str) -> usize {
    let lines: Vec<_> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .collect();
    assert_eq!(lines.len(), 1, "`{needle}` must be on exactly one line");
    lines[0].0 + 1
}

/// A fresh, empty directory under the system temp dir.
pub(crate) fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "survey-definitions-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
