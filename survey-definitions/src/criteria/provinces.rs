//! Which criteria sets score each province's communes: `criteria/provinces.csv`.
//!
//! A set scores one period (its own `period`); a province lists the sets it has issued, one per
//! period, and a commune is scored for a period with the set of its province whose period it
//! is. Rows for the province `*` name the model sets: those a province that has issued none of
//! its own is scored with until it adds its own, and every page and report that shows them
//! says so. Keeping the choice in a file, not in each deployment's settings, means switching
//! `HAILONG_PROVINCE` switches the criteria with it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::CriteriaSet;
use crate::csv_file::read_records;
use crate::DefinitionError;

/// The file's name in the `criteria` folder.
pub const PROVINCES_FILE: &str = "provinces.csv";

/// The `province` of the rows that name the model sets.
pub const MODEL: &str = "*";

const HEADER: [&str; 2] = ["province", "criteria"];

/// The sets of each province, and the model sets, as read from [`PROVINCES_FILE`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProvinceCriteria {
    /// Province code (or [`MODEL`]) → criteria set ids, in file order.
    sets: BTreeMap<String, Vec<String>>,
}

/// The sets a province scores with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetsOfProvince<'a> {
    pub ids: Vec<&'a str>,
    /// The province has none of its own: these are the model sets.
    pub model: bool,
}

impl ProvinceCriteria {
    /// The sets `province` scores with: its own, or else the model sets.
    pub fn for_province(&self, province: &str) -> SetsOfProvince<'_> {
        let ids = |code: &str| {
            self.sets
                .get(code)
                .map(|ids| ids.iter().map(String::as_str).collect())
                .unwrap_or_default()
        };
        let own: Vec<&str> = ids(province);
        if own.is_empty() {
            SetsOfProvince {
                ids: ids(MODEL),
                model: true,
            }
        } else {
            SetsOfProvince {
                ids: own,
                model: false,
            }
        }
    }

    /// Every province code with sets of its own.
    pub fn provinces(&self) -> impl Iterator<Item = &str> {
        self.sets.keys().map(String::as_str).filter(|c| *c != MODEL)
    }
}

/// Reads and checks the file's `text`: every row names a known province (one of `provinces`,
/// or [`MODEL`]) and a known set, once; the sets of one province never score the same day.
pub fn parse_province_criteria(
    file: &str,
    text: &str,
    sets: &[CriteriaSet],
    provinces: &BTreeSet<String>,
) -> Result<ProvinceCriteria, DefinitionError> {
    let error = |line: usize, message: String| DefinitionError {
        file: file.to_owned(),
        line: Some(line),
        field: None,
        message,
    };
    let records = read_records(text).map_err(|(line, message)| error(line, message))?;
    let mut records = records.into_iter();
    let header = records
        .next()
        .ok_or_else(|| DefinitionError::whole_file(file, "the file is empty"))?;
    if header.fields != HEADER {
        return Err(error(
            header.line,
            format!("the header must be `{}`", HEADER.join(",")),
        ));
    }
    // The newest version of each set: the one new work is scored with.
    let mut newest: BTreeMap<&str, &CriteriaSet> = BTreeMap::new();
    for set in sets {
        let entry = newest.entry(set.id.as_str()).or_insert(set);
        if set.version > entry.version {
            *entry = set;
        }
    }
    let mut out = ProvinceCriteria::default();
    let mut seen: BTreeMap<(String, String), usize> = BTreeMap::new();
    for record in records {
        if record.fields.len() != HEADER.len() {
            return Err(error(
                record.line,
                format!(
                    "{} fields, expected {} ({})",
                    record.fields.len(),
                    HEADER.len(),
                    HEADER.join(",")
                ),
            ));
        }
        let (province, id) = (record.get(0), record.get(1));
        if province != MODEL && !provinces.contains(province) {
            return Err(error(
                record.line,
                format!(
                    "`{province}` is not a province code of the map (two digits, e.g. 75), nor \
                     `{MODEL}` for the model sets"
                ),
            ));
        }
        let Some(set) = newest.get(id) else {
            return Err(error(
                record.line,
                format!(
                    "no criteria set `{id}` (known: {})",
                    newest.keys().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        if let Some(first) = seen.insert((province.to_owned(), id.to_owned()), record.line) {
            return Err(error(
                record.line,
                format!("`{province},{id}` is already on line {first}"),
            ));
        }
        let listed = out.sets.entry(province.to_owned()).or_default();
        for other in listed.iter() {
            let other = newest[other.as_str()];
            if other.period.from < set.period.to && set.period.from < other.period.to {
                return Err(error(
                    record.line,
                    format!(
                        "`{id}` ({} – {}) and `{}` ({} – {}) would both score province {province} \
                         on the same days; a province has one set per period",
                        set.period.from,
                        set.period.to,
                        other.id,
                        other.period.from,
                        other.period.to
                    ),
                ));
            }
        }
        listed.push(id.to_owned());
    }
    Ok(out)
}

/// Reads `criteria/provinces.csv` under the definitions folder `dir`. A folder without one
/// gives an empty table: a deployment may name its sets itself (`HAILONG_CRITERIA`).
pub fn load_province_criteria(
    dir: &Path,
    sets: &[CriteriaSet],
    provinces: &BTreeSet<String>,
) -> Result<ProvinceCriteria, DefinitionError> {
    let path = dir.join("criteria").join(PROVINCES_FILE);
    let file = path.display().to_string();
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_province_criteria(&file, &text, sets, provinces),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ProvinceCriteria::default()),
        Err(e) => Err(DefinitionError::whole_file(file, e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn sets() -> Vec<CriteriaSet> {
        let definitions = crate::load_dir(dir()).expect("the shipped surveys load");
        crate::load_criteria_dir(dir(), &definitions).expect("the shipped sets load")
    }

    fn provinces() -> BTreeSet<String> {
        ["01", "75"].iter().map(|c| c.to_string()).collect()
    }

    fn parse(text: &str) -> Result<ProvinceCriteria, DefinitionError> {
        parse_province_criteria("provinces.csv", text, &sets(), &provinces())
    }

    #[test]
    fn a_province_without_sets_of_its_own_gets_the_model_sets() {
        let p = parse("province,criteria\n75,dong-nai-2025\n75,dong-nai-2026\n*,dong-nai-2026\n")
            .unwrap();
        assert_eq!(
            p.for_province("75"),
            SetsOfProvince {
                ids: vec!["dong-nai-2025", "dong-nai-2026"],
                model: false
            }
        );
        assert_eq!(
            p.for_province("01"),
            SetsOfProvince {
                ids: vec!["dong-nai-2026"],
                model: true
            }
        );
        assert_eq!(p.provinces().collect::<Vec<_>>(), ["75"]);
    }

    #[test]
    fn bad_rows_are_refused_with_their_line() {
        let cases = [
            ("province,set\n", 1, "header"),
            (
                "province,criteria\n99,dong-nai-2025\n",
                2,
                "not a province code",
            ),
            (
                "province,criteria\n75,ha-noi-2025\n",
                2,
                "no criteria set `ha-noi-2025`",
            ),
            (
                "province,criteria\n75,dong-nai-2025\n\n75,dong-nai-2025\n",
                4,
                "already on line 2",
            ),
            ("province,criteria\n75,dong-nai-2025,x\n", 2, "3 fields"),
        ];
        for (text, line, message) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, Some(line), "{text}: {e}");
            assert!(e.message.contains(message), "{text}: {e}");
        }
    }

    #[test]
    fn two_sets_of_a_province_may_not_score_the_same_days() {
        let mut sets = sets();
        let mut copy = sets
            .iter()
            .find(|s| s.id == "dong-nai-2025")
            .unwrap()
            .clone();
        copy.id = "dong-nai-2025-bis".into();
        sets.push(copy);
        let e = parse_province_criteria(
            "provinces.csv",
            "province,criteria\n75,dong-nai-2025\n75,dong-nai-2025-bis\n",
            &sets,
            &provinces(),
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("same days"), "{e}");
    }

    #[test]
    fn the_shipped_file_scores_dong_nai_with_its_own_sets_and_offers_them_as_the_model() {
        let map = crate::load_map(&dir().join(crate::MAP_DIR)).expect("the shipped map loads");
        let today = crate::Date::parse("2026-12-03").unwrap();
        let codes: BTreeSet<String> = map
            .provinces_on(today)
            .iter()
            .map(|p| p.code.clone())
            .collect();
        assert_eq!(codes.len(), 34);
        let p = load_province_criteria(dir(), &sets(), &codes).unwrap();
        let dong_nai = p.for_province("75");
        assert_eq!(dong_nai.ids, ["dong-nai-2025", "dong-nai-2026"]);
        assert!(!dong_nai.model);
        let ha_noi = p.for_province("01");
        assert_eq!(ha_noi.ids, ["dong-nai-2025", "dong-nai-2026"]);
        assert!(ha_noi.model, "Hà Nội has issued no set of its own here");
    }
}
