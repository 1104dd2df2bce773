//! Slips (phiếu hẹn trả kết quả) with a QR per dossier: the list of codes an officer pastes or
//! a CSV file gives, checked line by line before anything is printed.

use crate::domain::dossier_code::{normalise, DossierPattern};

/// Most slips one request prints: a day's dossiers at a busy centre, well below what would make
/// a page too heavy to print.
pub const MAX_SLIPS: usize = 500;

/// Why a list of codes was refused: the line (1-based) and the reason, in Vietnamese.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodesError {
    pub line: Option<usize>,
    pub reason: String,
}

impl std::fmt::Display for CodesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "Dòng {line}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

/// The dossier codes of a pasted list or CSV file: the first column of each line (comma or
/// semicolon separated, quotes allowed), blank lines skipped, a first line that is not a code
/// taken as the header (`ma_ho_so`). Codes are normalised (upper case) and checked against the
/// province's format; a repeated code is printed once.
pub fn parse_codes(text: &str, pattern: &DossierPattern) -> Result<Vec<String>, CodesError> {
    let mut codes: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let first = line
            .trim_start_matches('\u{feff}')
            .split([',', ';', '\t'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .trim();
        if first.is_empty() {
            continue;
        }
        let code = normalise(first);
        if !pattern.accepts(&code) {
            if codes.is_empty() && i == 0 && !first.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            return Err(CodesError {
                line: Some(i + 1),
                reason: format!(
                    "«{first}» không phải mã hồ sơ đúng định dạng (ví dụ: {}).",
                    pattern.example()
                ),
            });
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
        if codes.len() > MAX_SLIPS {
            return Err(CodesError {
                line: Some(i + 1),
                reason: format!("Mỗi lần in tối đa {MAX_SLIPS} phiếu."),
            });
        }
    }
    if codes.is_empty() {
        return Err(CodesError {
            line: None,
            reason: "Chưa có mã hồ sơ nào: nhập mỗi dòng một mã.".to_owned(),
        });
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_with_a_header_gives_its_first_column_once_per_code() {
        let text = "ma_ho_so,ghi_chu\n000.00.14.H20-200703-0002,x\n\n\"h12.22-230515-0001\";y\n000.00.14.H20-200703-0002\n";

        let codes = parse_codes(text, &DossierPattern::default()).unwrap();

        assert_eq!(codes, ["000.00.14.H20-200703-0002", "H12.22-230515-0001"]);
    }

    #[test]
    fn a_bad_code_is_refused_with_its_line() {
        let error = parse_codes(
            "000.00.14.H20-200703-0002\nHS-1\n",
            &DossierPattern::default(),
        )
        .unwrap_err();

        assert_eq!(error.line, Some(2));
        assert!(error.to_string().starts_with("Dòng 2: «HS-1»"), "{error}");
        assert!(parse_codes("\n\n", &DossierPattern::default()).is_err());
    }
}
