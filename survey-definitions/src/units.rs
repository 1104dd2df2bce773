//! Administrative units (province, districts, communes) as dated lists from GSO exports.
//!
//! Units are versioned by validity period rather than edited in place: the 1/7/2025 reform
//! merged and renamed communes, and scores from earlier years must stay attached to the units
//! that existed then. Hierarchy comes from explicit parent codes, never from code ranges (GSO
//! codes are not contiguous by district).

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::csv_file::read_records;
use crate::date::is_iso_date;
use crate::toml_tree::{self, Fail, Field, Spans};
use crate::DefinitionError;

/// Columns of a GSO-style commune list, in order.
const HEADER: [&str; 7] = [
    "ma_xa",
    "ten_xa",
    "cap",
    "ma_huyen",
    "ten_huyen",
    "ma_tinh",
    "ten_tinh",
];
const COMMUNE_KINDS: [&str; 3] = ["Phường", "Xã", "Thị trấn"];
/// "Quận" does not occur in Bình Phước but does in other provinces' lists.
const DISTRICT_KINDS: [&str; 4] = ["Thành phố", "Thị xã", "Quận", "Huyện"];
const PROVINCE_KINDS: [&str; 2] = ["Tỉnh", "Thành phố"];

/// The units of one province during one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitList {
    /// First day the list is in force (ISO date, `YYYY-MM-DD`).
    pub valid_from: String,
    /// First day the list is no longer in force (exclusive, ISO date); `None` while in force.
    /// Exclusive so that a successor list can start on the same date without a gap or overlap.
    pub valid_to: Option<String>,
    /// The province.
    pub province: Unit,
    /// District-level units, in order of first appearance in the file.
    pub districts: Vec<Unit>,
    /// Commune-level units, in file order.
    pub communes: Vec<Unit>,
}

impl UnitList {
    /// Whether the list is in force on `date` (ISO `YYYY-MM-DD`; ISO dates compare as text).
    pub fn is_valid_on(&self, date: &str) -> bool {
        self.valid_from.as_str() <= date && self.valid_to.as_deref().is_none_or(|to| date < to)
    }
}

/// One administrative unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    /// GSO code, digits only (province 2, district 3, commune 5 digits in the 2004 system).
    pub code: String,
    /// Full name as GSO writes it, kind included: "Phường Tân Phú", "Huyện Lộc Ninh".
    pub name: String,
    /// "Tỉnh", "Thành phố", "Thị xã", "Quận", "Huyện", "Phường", "Xã" or "Thị trấn".
    pub kind: String,
    /// Province, district or commune.
    pub level: UnitLevel,
    /// Code of the unit one level up; `None` for the province.
    pub parent_code: Option<String>,
}

/// The tier of an administrative unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitLevel {
    /// Tỉnh / thành phố trực thuộc trung ương.
    Province,
    /// Huyện / quận / thị xã / thành phố thuộc tỉnh (abolished on 1/7/2025).
    District,
    /// Xã / phường / thị trấn.
    Commune,
}

impl UnitLevel {
    /// The name used in storage: `province`, `district`, `commune`.
    pub fn key(self) -> &'static str {
        match self {
            UnitLevel::Province => "province",
            UnitLevel::District => "district",
            UnitLevel::Commune => "commune",
        }
    }
}

/// Parses a GSO-style commune list (header: ma_xa,ten_xa,cap,ma_huyen,ten_huyen,ma_tinh,ten_tinh).
/// District kind is the leading word(s) of its name ("Thành phố", "Thị xã", "Huyện"); the
/// province's kind likewise ("Tỉnh"). Codes must be digits; a commune code must be unique; one
/// province per file. Names may contain commas only if quoted (support RFC4180 quotes).
///
/// `file` is only used in error messages; errors name the CSV line and column.
pub fn parse_units_csv(
    file: &str,
    text: &str,
    valid_from: &str,
    valid_to: Option<&str>,
) -> Result<UnitList, DefinitionError> {
    let fail = |line: Option<usize>, field: Option<&str>, message: String| DefinitionError {
        file: file.to_owned(),
        line,
        field: field.map(str::to_owned),
        message,
    };
    check_period(valid_from, valid_to)
        .map_err(|(field, message)| fail(None, Some(field), message))?;
    let records = read_records(text).map_err(|(line, message)| fail(Some(line), None, message))?;
    let mut records = records.into_iter();
    let header = records.next().ok_or_else(|| {
        fail(
            Some(1),
            None,
            "empty file: expected a header line".to_owned(),
        )
    })?;
    if header.fields != HEADER {
        return Err(fail(
            Some(header.line),
            None,
            format!(
                "expected the header `{}`, found `{}`",
                HEADER.join(","),
                header.fields.join(",")
            ),
        ));
    }

    let mut province: Option<Unit> = None;
    let mut districts: Vec<Unit> = Vec::new();
    let mut communes: Vec<Unit> = Vec::new();
    let mut commune_lines: HashMap<String, usize> = HashMap::new();
    for record in records {
        let line = record.line;
        if record.fields.len() != HEADER.len() {
            return Err(fail(
                Some(line),
                None,
                format!(
                    "expected {} columns, found {} (quote names that contain commas)",
                    HEADER.len(),
                    record.fields.len()
                ),
            ));
        }
        let column = |name: &str| {
            let i = HEADER
                .iter()
                .position(|h| *h == name)
                .expect("known column");
            record.fields[i].as_str()
        };
        for name in HEADER {
            if column(name).is_empty() {
                return Err(fail(Some(line), Some(name), "must not be empty".to_owned()));
            }
        }
        for name in ["ma_xa", "ma_huyen", "ma_tinh"] {
            if !column(name).bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail(
                    Some(line),
                    Some(name),
                    format!("code `{}` must contain digits only", column(name)),
                ));
            }
        }

        let (province_code, province_name) = (column("ma_tinh"), column("ten_tinh"));
        match &province {
            None => {
                let kind = leading_kind(province_name, &PROVINCE_KINDS).ok_or_else(|| {
                    fail(
                        Some(line),
                        Some("ten_tinh"),
                        format!(
                            "province name must start with {}",
                            PROVINCE_KINDS.join(" or ")
                        ),
                    )
                })?;
                province = Some(Unit {
                    code: province_code.to_owned(),
                    name: province_name.to_owned(),
                    kind: kind.to_owned(),
                    level: UnitLevel::Province,
                    parent_code: None,
                });
            }
            Some(p) if p.code != province_code || p.name != province_name => {
                return Err(fail(
                    Some(line),
                    Some("ma_tinh"),
                    format!(
                        "one province per file: this row has {province_code} {province_name}, \
                         earlier rows {} {}",
                        p.code, p.name
                    ),
                ));
            }
            Some(_) => {}
        }

        let (district_code, district_name) = (column("ma_huyen"), column("ten_huyen"));
        match districts.iter().find(|d| d.code == district_code) {
            Some(d) if d.name != district_name => {
                return Err(fail(
                    Some(line),
                    Some("ten_huyen"),
                    format!(
                        "district {district_code} is named `{}` on an earlier row",
                        d.name
                    ),
                ));
            }
            Some(_) => {}
            None => {
                let kind = leading_kind(district_name, &DISTRICT_KINDS).ok_or_else(|| {
                    fail(
                        Some(line),
                        Some("ten_huyen"),
                        format!(
                            "district name must start with one of: {}",
                            DISTRICT_KINDS.join(", ")
                        ),
                    )
                })?;
                districts.push(Unit {
                    code: district_code.to_owned(),
                    name: district_name.to_owned(),
                    kind: kind.to_owned(),
                    level: UnitLevel::District,
                    parent_code: Some(province_code.to_owned()),
                });
            }
        }

        let (code, name, kind) = (column("ma_xa"), column("ten_xa"), column("cap"));
        if !COMMUNE_KINDS.contains(&kind) {
            return Err(fail(
                Some(line),
                Some("cap"),
                format!("`{kind}` is not one of: {}", COMMUNE_KINDS.join(", ")),
            ));
        }
        if leading_kind(name, &[kind]).is_none() {
            return Err(fail(
                Some(line),
                Some("ten_xa"),
                format!("commune name `{name}` must start with its kind `{kind}`"),
            ));
        }
        if let Some(first) = commune_lines.insert(code.to_owned(), line) {
            return Err(fail(
                Some(line),
                Some("ma_xa"),
                format!("commune code {code} is already used on line {first}"),
            ));
        }
        communes.push(Unit {
            code: code.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            level: UnitLevel::Commune,
            parent_code: Some(district_code.to_owned()),
        });
    }

    let province =
        province.ok_or_else(|| fail(None, None, "no units after the header".to_owned()))?;
    Ok(UnitList {
        valid_from: valid_from.to_owned(),
        valid_to: valid_to.map(str::to_owned),
        province,
        districts,
        communes,
    })
}

/// Reads `<dir>/units/units.toml` (a manifest: `[[list]] file = "binh-phuoc-2024.csv",
/// valid_from = "2024-01-01"`, optional `valid_to`) and each CSV it names.
///
/// Lists of the same province must not overlap in time, so "the units in force on a date" is
/// never ambiguous.
pub fn load_units_dir(dir: &Path) -> Result<Vec<UnitList>, DefinitionError> {
    let units_dir = dir.join("units");
    let manifest_path = units_dir.join("units.toml");
    let manifest = manifest_path.display().to_string();
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|e| DefinitionError::whole_file(manifest.clone(), e.to_string()))?;
    let doc = toml_tree::parse_document(&manifest, &text)?;
    let mut spans = Spans::default();
    let entries = read_manifest(&doc, &mut spans).map_err(|f| f.into_error(&manifest, &text))?;

    let mut lists: Vec<UnitList> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let path = units_dir.join(&entry.file);
        let file = path.display().to_string();
        let csv = std::fs::read_to_string(&path)
            .map_err(|e| DefinitionError::whole_file(file.clone(), e.to_string()))?;
        let list = parse_units_csv(&file, &csv, &entry.valid_from, entry.valid_to.as_deref())?;
        let overlapping = lists.iter().position(|earlier| {
            earlier.province.code == list.province.code && overlaps(earlier, &list)
        });
        if let Some(j) = overlapping {
            let path = format!("list[{i}]");
            return Err(Fail::new(
                &path,
                spans.find(&path),
                format!(
                    "overlaps list[{j}] ({}) for province {}: lists of one province must not \
                     be in force on the same day; close the older one with valid_to",
                    entries[j].file, list.province.code
                ),
            )
            .into_error(&manifest, &text));
        }
        lists.push(list);
    }
    Ok(lists)
}

struct ManifestEntry {
    file: String,
    valid_from: String,
    valid_to: Option<String>,
}

fn read_manifest(doc: &toml_tree::Node, spans: &mut Spans) -> Result<Vec<ManifestEntry>, Fail> {
    let root = toml_tree::root(doc)?;
    root.allow(&["list"])?;
    let list = root.required("list", spans)?;
    let items = list.array(spans)?;
    if items.is_empty() {
        return Err(list.fail("the manifest must name at least one list"));
    }
    items.iter().map(|item| read_entry(item, spans)).collect()
}

fn read_entry(field: &Field, spans: &mut Spans) -> Result<ManifestEntry, Fail> {
    let table = field.table()?;
    table.allow(&["file", "valid_from", "valid_to"])?;
    let file_field = table.required("file", spans)?;
    let file = file_field.str()?;
    // A bare name keeps every list inside units/, next to the manifest that vouches for it.
    if file.is_empty() || file.contains(['/', '\\']) || file.starts_with('.') {
        return Err(file_field.fail("must be a file name in the units directory, without a path"));
    }
    let from_field = table.required("valid_from", spans)?;
    let valid_from = from_field.str()?;
    let to_field = table.optional("valid_to", spans);
    let valid_to = match &to_field {
        Some(field) => Some(field.str()?),
        None => None,
    };
    check_period(valid_from, valid_to).map_err(|(which, message)| match (which, &to_field) {
        ("valid_to", Some(to)) => to.fail(message),
        _ => from_field.fail(message),
    })?;
    Ok(ManifestEntry {
        file: file.to_owned(),
        valid_from: valid_from.to_owned(),
        valid_to: valid_to.map(str::to_owned),
    })
}

/// Both dates are ISO and the period is not empty; the error names the offending field.
fn check_period(valid_from: &str, valid_to: Option<&str>) -> Result<(), (&'static str, String)> {
    if !is_iso_date(valid_from) {
        return Err((
            "valid_from",
            format!("`{valid_from}` is not a date in the form YYYY-MM-DD"),
        ));
    }
    if let Some(to) = valid_to {
        if !is_iso_date(to) {
            return Err((
                "valid_to",
                format!("`{to}` is not a date in the form YYYY-MM-DD"),
            ));
        }
        if to <= valid_from {
            return Err((
                "valid_to",
                format!("valid_to ({to}) must be after valid_from ({valid_from})"),
            ));
        }
    }
    Ok(())
}

fn overlaps(a: &UnitList, b: &UnitList) -> bool {
    let starts_before_end =
        |from: &str, to: &Option<String>| to.as_deref().is_none_or(|to| from < to);
    starts_before_end(&a.valid_from, &b.valid_to) && starts_before_end(&b.valid_from, &a.valid_to)
}

/// The kind a unit name starts with ("Thị xã Phước Long" → "Thị xã").
fn leading_kind<'k>(name: &str, kinds: &[&'k str]) -> Option<&'k str> {
    kinds.iter().copied().find(|kind| {
        name.strip_prefix(kind)
            .is_some_and(|rest| rest.starts_with(' ') && !rest.trim().is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::temp_dir;

    const HEAD: &str = "ma_xa,ten_xa,cap,ma_huyen,ten_huyen,ma_tinh,ten_tinh\n";

    fn parse(body: &str) -> Result<UnitList, DefinitionError> {
        parse_units_csv("t.csv", &format!("{HEAD}{body}"), "2024-01-01", None)
    }

    #[test]
    fn the_shipped_binh_phuoc_list_has_111_communes_in_11_districts() {
        let lists = load_units_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();

        assert_eq!(lists.len(), 1);
        let list = &lists[0];
        assert_eq!(
            (list.valid_from.as_str(), list.valid_to.as_deref()),
            ("2024-01-01", None)
        );
        assert_eq!(
            (list.province.code.as_str(), list.province.name.as_str()),
            ("70", "Tỉnh Bình Phước")
        );
        assert_eq!(list.province.kind, "Tỉnh");
        assert_eq!(list.districts.len(), 11);
        assert_eq!(list.communes.len(), 111);
        // DOMAIN.md §4.1.
        let per_district = [
            ("689", "Thành phố Đồng Xoài", 8),
            ("688", "Thị xã Phước Long", 7),
            ("690", "Thị xã Bình Long", 6),
            ("697", "Thị xã Chơn Thành", 9),
            ("691", "Huyện Bù Gia Mập", 8),
            ("692", "Huyện Lộc Ninh", 16),
            ("693", "Huyện Bù Đốp", 7),
            ("694", "Huyện Hớn Quản", 13),
            ("695", "Huyện Đồng Phú", 11),
            ("696", "Huyện Bù Đăng", 16),
            ("698", "Huyện Phú Riềng", 10),
        ];
        for (code, name, count) in per_district {
            let district = list.districts.iter().find(|d| d.code == code).unwrap();
            assert_eq!(district.name, name);
            assert_eq!(district.parent_code.as_deref(), Some("70"));
            let communes = list
                .communes
                .iter()
                .filter(|c| c.parent_code.as_deref() == Some(code))
                .count();
            assert_eq!(communes, count, "{name}");
        }
        let kinds = |kind: &str| list.communes.iter().filter(|c| c.kind == kind).count();
        assert_eq!(
            (kinds("Phường"), kinds("Thị trấn"), kinds("Xã")),
            (20, 5, 86)
        );
        let district_kinds = |kind: &str| list.districts.iter().filter(|d| d.kind == kind).count();
        assert_eq!(
            (
                district_kinds("Thành phố"),
                district_kinds("Thị xã"),
                district_kinds("Huyện")
            ),
            (1, 3, 7)
        );
        assert!(list.is_valid_on("2025-06-30"));
        assert!(!list.is_valid_on("2023-12-31"));
    }

    #[test]
    fn quoted_fields_may_hold_commas_and_quotes() {
        let list = parse(
            "\"25216\",\"Phường \"\"Thác\"\" Mơ, mới\",Phường,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n",
        )
        .unwrap();

        assert_eq!(list.communes[0].name, "Phường \"Thác\" Mơ, mới");
        assert_eq!(list.communes[0].code, "25216");
        assert_eq!(list.districts[0].kind, "Thị xã");
    }

    #[test]
    fn a_byte_order_mark_crlf_and_blank_lines_are_accepted() {
        let text = format!(
            "\u{feff}{}\r\n25216,Phường Thác Mơ,Phường,688,Thị xã Phước Long,70,Tỉnh Bình Phước\r\n\r\n",
            HEAD.trim_end()
        );

        let list = parse_units_csv("t.csv", &text, "2024-01-01", None).unwrap();

        assert_eq!(list.communes.len(), 1);
    }

    #[test]
    fn a_bad_header_is_rejected() {
        let error = parse_units_csv(
            "t.csv",
            "Mã,Tên,Cấp\n25216,Phường Thác Mơ,Phường\n",
            "2024-01-01",
            None,
        )
        .unwrap_err();

        assert_eq!((error.file.as_str(), error.line), ("t.csv", Some(1)));
        assert!(error.message.contains("ma_xa,ten_xa"), "{error}");
    }

    #[test]
    fn a_duplicate_commune_code_is_rejected() {
        let error = parse(
            "25216,Phường Thác Mơ,Phường,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n\
             25216,Phường Long Thủy,Phường,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n",
        )
        .unwrap_err();

        assert_eq!(error.line, Some(3));
        assert_eq!(error.field.as_deref(), Some("ma_xa"));
        assert!(error.message.contains("line 2"), "{error}");
    }

    #[test]
    fn codes_must_be_digits() {
        for (row, column) in [
            (
                "2521A,Xã A,Xã,688,Thị xã Phước Long,70,Tỉnh Bình Phước",
                "ma_xa",
            ),
            (
                "25216,Xã A,Xã,68-8,Thị xã Phước Long,70,Tỉnh Bình Phước",
                "ma_huyen",
            ),
            (
                "25216,Xã A,Xã,688,Thị xã Phước Long,7O,Tỉnh Bình Phước",
                "ma_tinh",
            ),
        ] {
            let error = parse(row).unwrap_err();

            assert_eq!(error.field.as_deref(), Some(column), "{error}");
            assert_eq!(error.line, Some(2));
        }
    }

    #[test]
    fn one_province_per_file() {
        let error = parse(
            "25216,Xã A,Xã,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n\
             26000,Xã B,Xã,700,Huyện C,71,Tỉnh Khác\n",
        )
        .unwrap_err();

        assert_eq!(
            (error.line, error.field.as_deref()),
            (Some(3), Some("ma_tinh"))
        );
    }

    #[test]
    fn malformed_rows_are_rejected_with_their_line() {
        let cases = [
            ("25216,Xã A,Xã,688\n", None, "columns"),
            (
                "25216,\"Xã A,Xã,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n",
                None,
                "never closed",
            ),
            (
                "25216,Xã \"A\",Xã,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n",
                None,
                "quote",
            ),
            (
                "25216,Xã A,Làng,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n",
                Some("cap"),
                "Làng",
            ),
            (
                "25216,Phường A,Xã,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n",
                Some("ten_xa"),
                "kind",
            ),
            (
                "25216,Xã A,Xã,688,Khu Phước Long,70,Tỉnh Bình Phước\n",
                Some("ten_huyen"),
                "Huyện",
            ),
            (
                "25216,Xã A,Xã,688,Thị xã Phước Long,70,Bình Phước\n",
                Some("ten_tinh"),
                "Tỉnh",
            ),
        ];
        for (row, field, hint) in cases {
            let error = parse(row).unwrap_err();

            assert_eq!(error.line, Some(2), "{error}");
            assert_eq!(error.field.as_deref(), field, "{error}");
            assert!(error.message.contains(hint), "{error}");
        }
    }

    #[test]
    fn validity_dates_must_be_iso_and_in_order() {
        let row = "25216,Xã A,Xã,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n";
        let text = format!("{HEAD}{row}");
        for (from, to, field) in [
            ("2024-13-01", None, "valid_from"),
            ("1/7/2025", None, "valid_from"),
            ("2024-01-01", Some("2023-02-29"), "valid_to"),
            ("2024-01-01", Some("2024-01-01"), "valid_to"),
        ] {
            let error = parse_units_csv("t.csv", &text, from, to).unwrap_err();

            assert_eq!(error.field.as_deref(), Some(field), "{error}");
        }
        let closed = parse_units_csv("t.csv", &text, "2024-02-29", Some("2025-07-01")).unwrap();
        assert!(closed.is_valid_on("2025-06-30"));
        assert!(!closed.is_valid_on("2025-07-01"));
    }

    fn units_dir(name: &str, manifest: &str) -> std::path::PathBuf {
        let dir = temp_dir(name);
        std::fs::create_dir(dir.join("units")).unwrap();
        std::fs::write(dir.join("units/units.toml"), manifest).unwrap();
        let csv = format!("{HEAD}25216,Xã A,Xã,688,Thị xã Phước Long,70,Tỉnh Bình Phước\n");
        std::fs::write(dir.join("units/a.csv"), &csv).unwrap();
        std::fs::write(dir.join("units/b.csv"), &csv).unwrap();
        dir
    }

    #[test]
    fn a_manifest_error_names_the_manifest_field_and_line() {
        let dir = units_dir(
            "manifest",
            "[[list]]\nfile = \"a.csv\"\nvalid_from = \"2024-01-01\"\nvalid_to = 2025-07-01\n",
        );

        let error = load_units_dir(&dir).unwrap_err();

        assert!(error.file.ends_with("units.toml"), "{error}");
        assert_eq!(
            (error.line, error.field.as_deref()),
            (Some(4), Some("list[0].valid_to"))
        );
        assert!(error.message.contains("quotes"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn lists_of_one_province_must_not_overlap() {
        let dir = units_dir(
            "overlap",
            "[[list]]\nfile = \"a.csv\"\nvalid_from = \"2024-01-01\"\nvalid_to = \"2025-07-01\"\n\n\
             [[list]]\nfile = \"b.csv\"\nvalid_from = \"2025-06-01\"\n",
        );

        let error = load_units_dir(&dir).unwrap_err();

        assert_eq!(
            (error.line, error.field.as_deref()),
            (Some(6), Some("list[1]"))
        );
        std::fs::remove_dir_all(&dir).unwrap();

        let dir = units_dir(
            "successive",
            "[[list]]\nfile = \"a.csv\"\nvalid_from = \"2024-01-01\"\nvalid_to = \"2025-07-01\"\n\n\
             [[list]]\nfile = \"b.csv\"\nvalid_from = \"2025-07-01\"\n",
        );
        assert_eq!(load_units_dir(&dir).unwrap().len(), 2);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_list_file_must_stay_in_the_units_directory() {
        let dir = units_dir(
            "escape",
            "[[list]]\nfile = \"../surveys/a.csv\"\nvalid_from = \"2024-01-01\"\n",
        );

        let error = load_units_dir(&dir).unwrap_err();

        assert_eq!(
            (error.line, error.field.as_deref()),
            (Some(2), Some("list[0].file"))
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
