//! Reads and checks the map files named by `map.toml`; every problem names file, line and column.

use std::collections::HashMap;
use std::path::Path;

use super::{CommuneKind, CommuneOn, Link, Map, MapError, ProvinceKind, ProvinceLink, ProvinceOn};
use crate::csv_file::{read_records, Record};
use crate::toml_tree::{self, Field, Spans};
use crate::{Date, DefinitionError};

const UNITS_HEADER: [&str; 5] = [
    "province_code",
    "province_name",
    "commune_code",
    "commune_name",
    "kind",
];
const PROVINCES_HEADER: [&str; 4] = ["old_code", "old_name", "new_code", "new_name"];
const LINKS_HEADER: [&str; 9] = [
    "old_code",
    "old_name",
    "old_district_code",
    "old_district",
    "old_province_code",
    "new_code",
    "new_name",
    "whole",
    "answers",
];
const CHANGES_HEADER: [&str; 5] = ["level", "code", "old_name", "new_name", "new_kind"];

/// Kinds a commune can have from the reform on; thị trấn ends with it.
const NEW_COMMUNE_KINDS: [CommuneKind; 3] =
    [CommuneKind::Xa, CommuneKind::Phuong, CommuneKind::DacKhu];
const OLD_COMMUNE_KINDS: [CommuneKind; 3] =
    [CommuneKind::Xa, CommuneKind::Phuong, CommuneKind::ThiTran];
const DISTRICT_KINDS: [&str; 4] = ["Thành phố", "Thị xã", "Quận", "Huyện"];

/// Reads `<dir>/map.toml` and the files it names, checks every rule in `units/vn/README.md` and
/// builds the dated map. `dir` is the map's directory, e.g. the crate's [`super::MAP_DIR`].
pub fn load_map(dir: &Path) -> Result<Map, MapError> {
    let manifest = read_manifest(dir)?;
    let mut builder = Builder::default();
    builder.units(
        &read_table(dir, &manifest.units, &UNITS_HEADER)?,
        manifest.from,
    )?;
    builder.old_provinces(
        &read_table(dir, &manifest.provinces_before, &PROVINCES_HEADER)?,
        manifest.from,
    )?;
    builder.old_communes(
        &read_table(dir, &manifest.communes_before, &LINKS_HEADER)?,
        manifest.from,
    )?;
    for change in &manifest.changes {
        builder.changes(
            &read_table(dir, &change.file, &CHANGES_HEADER)?,
            change.effective,
        )?;
    }
    Ok(builder.finish())
}

struct Manifest {
    from: Date,
    units: String,
    provinces_before: String,
    communes_before: String,
    changes: Vec<Change>,
}

struct Change {
    file: String,
    effective: Date,
}

fn read_manifest(dir: &Path) -> Result<Manifest, DefinitionError> {
    let path = dir.join("map.toml");
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| DefinitionError::whole_file(file.clone(), e.to_string()))?;
    let doc = toml_tree::parse_document(&file, &text)?;
    let mut spans = Spans::default();
    let mut read = || -> Result<Manifest, toml_tree::Fail> {
        let root = toml_tree::root(&doc)?;
        root.allow(&[
            "from",
            "units",
            "provinces_before",
            "communes_before",
            "changes",
        ])?;
        let from = date(&root.required("from", &mut spans)?)?;
        let units = file_name(&root.required("units", &mut spans)?)?;
        let provinces_before = file_name(&root.required("provinces_before", &mut spans)?)?;
        let communes_before = file_name(&root.required("communes_before", &mut spans)?)?;
        let mut changes: Vec<Change> = Vec::new();
        if let Some(list) = root.optional("changes", &mut spans) {
            for item in list.array(&mut spans)? {
                let table = item.table()?;
                table.allow(&["effective", "file"])?;
                let effective_field = table.required("effective", &mut spans)?;
                let effective = date(&effective_field)?;
                let last = changes.last().map_or(from, |c| c.effective);
                if effective <= last {
                    return Err(effective_field.fail(format!(
                        "must be after {last}: changes follow the units list and each other in \
                         date order"
                    )));
                }
                let file = file_name(&table.required("file", &mut spans)?)?;
                changes.push(Change { file, effective });
            }
        }
        Ok(Manifest {
            from,
            units,
            provinces_before,
            communes_before,
            changes,
        })
    };
    read().map_err(|f| f.into_error(&file, &text))
}

fn date(field: &Field) -> Result<Date, toml_tree::Fail> {
    Date::parse(field.str()?).map_err(|message| field.fail(message))
}

/// A bare name keeps every map file next to the manifest that vouches for it.
fn file_name(field: &Field) -> Result<String, toml_tree::Fail> {
    let name = field.str()?;
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(field.fail("must be a file name in the map directory, without a path"));
    }
    Ok(name.to_owned())
}

/// A CSV file whose header and column count have been checked, ready to read by column.
struct Table {
    file: String,
    header: &'static [&'static str],
    rows: Vec<Record>,
}

impl Table {
    fn fail(&self, line: usize, column: Option<&str>, message: String) -> DefinitionError {
        DefinitionError {
            file: self.file.clone(),
            line: Some(line),
            field: column.map(str::to_owned),
            message,
        }
    }

    fn column(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| *h == name)
            .expect("known column")
    }
}

/// One row of a [`Table`], read by column name.
struct Row<'t> {
    table: &'t Table,
    record: &'t Record,
}

impl<'t> Row<'t> {
    fn line(&self) -> usize {
        self.record.line
    }

    fn get(&self, column: &str) -> &'t str {
        self.record.get(self.table.column(column))
    }

    fn fail(&self, column: &str, message: impl Into<String>) -> DefinitionError {
        self.table.fail(self.line(), Some(column), message.into())
    }

    /// A code of exactly `digits` ASCII digits (official codes are zero-padded).
    fn code(&self, column: &str, digits: usize) -> Result<&'t str, DefinitionError> {
        let code = self.get(column);
        if code.len() != digits || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.fail(column, format!("`{code}` is not a code of {digits} digits")));
        }
        Ok(code)
    }

    /// A name that starts with one of `kinds` followed by a space and more text.
    fn named<K: Copy>(
        &self,
        column: &str,
        kinds: &[K],
        as_str: impl Fn(K) -> &'static str,
    ) -> Result<(&'t str, K), DefinitionError> {
        let name = self.get(column);
        let kind = kinds.iter().copied().find(|&k| {
            name.strip_prefix(as_str(k))
                .is_some_and(|rest| rest.starts_with(' ') && !rest.trim().is_empty())
        });
        match kind {
            Some(kind) => Ok((name, kind)),
            None => Err(self.fail(
                column,
                format!(
                    "`{name}` must start with its kind, one of: {}",
                    kinds
                        .iter()
                        .map(|&k| as_str(k))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    fn yes_no(&self, column: &str, yes: &str, no: &str) -> Result<bool, DefinitionError> {
        match self.get(column) {
            value if value == yes => Ok(true),
            value if value == no => Ok(false),
            other => Err(self.fail(column, format!("`{other}` must be `{yes}` or `{no}`"))),
        }
    }
}

fn read_table(
    dir: &Path,
    name: &str,
    header: &'static [&'static str],
) -> Result<Table, DefinitionError> {
    let path = dir.join(name);
    let file = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| DefinitionError::whole_file(file.clone(), e.to_string()))?;
    let mut records = read_records(&text).map_err(|(line, message)| DefinitionError {
        file: file.clone(),
        line: Some(line),
        field: None,
        message,
    })?;
    let table = |rows| Table {
        file: file.clone(),
        header,
        rows,
    };
    if records.is_empty() {
        return Err(table(Vec::new()).fail(1, None, "empty file: expected a header line".into()));
    }
    let first = records.remove(0);
    if first.fields != header {
        return Err(table(Vec::new()).fail(
            first.line,
            None,
            format!(
                "expected the header `{}`, found `{}`",
                header.join(","),
                first.fields.join(",")
            ),
        ));
    }
    let table = table(records);
    for record in &table.rows {
        if record.fields.len() != header.len() {
            return Err(table.fail(
                record.line,
                None,
                format!(
                    "expected {} columns, found {} (quote names that contain commas)",
                    header.len(),
                    record.fields.len()
                ),
            ));
        }
        if let Some(i) = record.fields.iter().position(String::is_empty) {
            return Err(table.fail(record.line, Some(header[i]), "must not be empty".into()));
        }
    }
    Ok(table)
}

fn rows(table: &Table) -> impl Iterator<Item = Row<'_>> {
    table.rows.iter().map(move |record| Row { table, record })
}

#[derive(Default)]
struct Builder {
    provinces: Vec<ProvinceOn>,
    communes: Vec<CommuneOn>,
    links: Vec<Link>,
    province_links: Vec<ProvinceLink>,
    link_ends: Vec<(usize, usize)>,
    commune_versions: HashMap<String, Vec<usize>>,
    province_versions: HashMap<String, Vec<usize>>,
}

impl Builder {
    fn add_province(&mut self, province: ProvinceOn) -> usize {
        let i = self.provinces.len();
        self.province_versions
            .entry(province.code.clone())
            .or_default()
            .push(i);
        self.provinces.push(province);
        i
    }

    fn add_commune(&mut self, commune: CommuneOn) -> usize {
        let i = self.communes.len();
        self.commune_versions
            .entry(commune.code.clone())
            .or_default()
            .push(i);
        self.communes.push(commune);
        i
    }

    fn province_on(&self, code: &str, date: Date) -> Option<usize> {
        self.province_versions
            .get(code)?
            .iter()
            .copied()
            .find(|&i| self.provinces[i].is_in_force_on(date))
    }

    fn commune_on(&self, code: &str, date: Date) -> Option<usize> {
        self.commune_versions
            .get(code)?
            .iter()
            .copied()
            .find(|&i| self.communes[i].is_in_force_on(date))
    }

    /// The list in force from the reform: provinces and communes, one row per commune.
    fn units(&mut self, table: &Table, from: Date) -> Result<(), DefinitionError> {
        let mut province_lines: HashMap<&str, (usize, &str)> = HashMap::new();
        let mut commune_lines: HashMap<&str, usize> = HashMap::new();
        for row in rows(table) {
            let province_code = row.code("province_code", 2)?;
            let (province_name, province_kind) =
                row.named("province_name", &ProvinceKind::ALL, ProvinceKind::as_str)?;
            match province_lines.get(province_code) {
                Some(&(line, name)) if name != province_name => {
                    return Err(row.fail(
                        "province_name",
                        format!("province {province_code} is `{name}` on line {line}"),
                    ))
                }
                Some(_) => {}
                None => {
                    province_lines.insert(province_code, (row.line(), province_name));
                    self.add_province(ProvinceOn {
                        code: province_code.to_owned(),
                        name: province_name.to_owned(),
                        kind: province_kind,
                        valid_from: Some(from),
                        valid_to: None,
                    });
                }
            }
            let code = row.code("commune_code", 5)?;
            let kind = CommuneKind::parse(row.get("kind"))
                .filter(|k| NEW_COMMUNE_KINDS.contains(k))
                .ok_or_else(|| {
                    row.fail(
                        "kind",
                        format!("`{}` is not one of: Xã, Phường, Đặc khu", row.get("kind")),
                    )
                })?;
            let (name, _) = row.named("commune_name", &[kind], CommuneKind::as_str)?;
            if let Some(first) = commune_lines.insert(code, row.line()) {
                return Err(row.fail(
                    "commune_code",
                    format!("commune code {code} is already used on line {first}"),
                ));
            }
            self.add_commune(CommuneOn {
                code: code.to_owned(),
                name: name.to_owned(),
                kind,
                province_code: province_code.to_owned(),
                district_code: None,
                district_name: None,
                valid_from: Some(from),
                valid_to: None,
            });
        }
        if self.provinces.is_empty() {
            return Err(DefinitionError::whole_file(
                table.file.clone(),
                "no units after the header",
            ));
        }
        Ok(())
    }

    /// Pre-reform provinces, each → the province it became part of on `from`.
    fn old_provinces(&mut self, table: &Table, from: Date) -> Result<(), DefinitionError> {
        let mut lines: HashMap<&str, usize> = HashMap::new();
        let mut reached: HashMap<&str, ()> = HashMap::new();
        for row in rows(table) {
            let old_code = row.code("old_code", 2)?;
            let (old_name, old_kind) =
                row.named("old_name", &ProvinceKind::ALL, ProvinceKind::as_str)?;
            if let Some(first) = lines.insert(old_code, row.line()) {
                return Err(row.fail(
                    "old_code",
                    format!("province {old_code} is already listed on line {first}"),
                ));
            }
            let new_code = row.code("new_code", 2)?;
            let new = self.province_on(new_code, from).ok_or_else(|| {
                row.fail(
                    "new_code",
                    format!("no province {new_code} in the units list of {from}"),
                )
            })?;
            if self.provinces[new].name != row.get("new_name") {
                return Err(row.fail(
                    "new_name",
                    format!(
                        "province {new_code} is `{}` in the units list, not `{}`",
                        self.provinces[new].name,
                        row.get("new_name")
                    ),
                ));
            }
            reached.insert(new_code, ());
            self.add_province(ProvinceOn {
                code: old_code.to_owned(),
                name: old_name.to_owned(),
                kind: old_kind,
                valid_from: None,
                valid_to: Some(from),
            });
            self.province_links.push(ProvinceLink {
                old_code: old_code.to_owned(),
                new_code: new_code.to_owned(),
                effective: from,
            });
        }
        if let Some(orphan) = self
            .provinces
            .iter()
            .find(|p| p.valid_from == Some(from) && !reached.contains_key(p.code.as_str()))
        {
            return Err(DefinitionError::whole_file(
                table.file.clone(),
                format!(
                    "province {} {} is formed from no old province",
                    orphan.code, orphan.name
                ),
            ));
        }
        Ok(())
    }

    /// Pre-reform communes, one row per (old commune, new unit) pair.
    fn old_communes(&mut self, table: &Table, from: Date) -> Result<(), DefinitionError> {
        // The first row of each old commune and of each old district: later rows must agree.
        let mut olds: HashMap<&str, (usize, usize)> = HashMap::new();
        let mut districts: HashMap<&str, (usize, &str, &str)> = HashMap::new();
        let mut pairs: HashMap<(&str, &str), usize> = HashMap::new();
        let mut links_of: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for row in rows(table) {
            let line = row.line();
            let old_code = row.code("old_code", 5)?;
            let (old_name, old_kind) =
                row.named("old_name", &OLD_COMMUNE_KINDS, CommuneKind::as_str)?;
            let district_code = row.code("old_district_code", 3)?;
            let district_name = row.get("old_district");
            // The official list writes two districts "Thành Phố …"; the kind is only checked.
            if !DISTRICT_KINDS.iter().any(|k| {
                district_name
                    .to_lowercase()
                    .starts_with(&format!("{} ", k.to_lowercase()))
            }) {
                return Err(row.fail(
                    "old_district",
                    format!(
                        "`{district_name}` must start with its kind, one of: {}",
                        DISTRICT_KINDS.join(", ")
                    ),
                ));
            }
            let province_code = row.code("old_province_code", 2)?;
            let old_province = self
                .province_on(province_code, from.previous_day())
                .ok_or_else(|| {
                    row.fail(
                        "old_province_code",
                        format!("no old province {province_code} in the province links"),
                    )
                })?;
            match districts.get(district_code) {
                Some(&(first, name, province))
                    if (name, province) != (district_name, province_code) =>
                {
                    return Err(row.fail(
                        if name != district_name {
                            "old_district"
                        } else {
                            "old_province_code"
                        },
                        format!(
                            "district {district_code} is `{name}` in province {province} on \
                             line {first}"
                        ),
                    ))
                }
                Some(_) => {}
                None => {
                    districts.insert(district_code, (line, district_name, province_code));
                }
            }

            let new_code = row.code("new_code", 5)?;
            let new = self.commune_on(new_code, from).ok_or_else(|| {
                row.fail(
                    "new_code",
                    format!("no commune {new_code} in the units list of {from}"),
                )
            })?;
            if self.communes[new].name != row.get("new_name") {
                return Err(row.fail(
                    "new_name",
                    format!(
                        "commune {new_code} is `{}` in the units list, not `{}`",
                        self.communes[new].name,
                        row.get("new_name")
                    ),
                ));
            }
            let became = self
                .province_links
                .iter()
                .find(|l| l.old_code == province_code)
                .map(|l| l.new_code.as_str());
            if became != Some(self.communes[new].province_code.as_str()) {
                return Err(row.fail(
                    "old_province_code",
                    format!(
                        "province {province_code} ({}) became province {}, but {new_code} {} is \
                         in province {}",
                        self.provinces[old_province].name,
                        became.unwrap_or("?"),
                        self.communes[new].name,
                        self.communes[new].province_code
                    ),
                ));
            }
            if let Some(first) = pairs.insert((old_code, new_code), line) {
                return Err(row.fail(
                    "new_code",
                    format!("{old_code} → {new_code} is already listed on line {first}"),
                ));
            }
            let whole = row.yes_no("whole", "yes", "no")?;
            let takes_answers = row.yes_no("answers", "all", "none")?;

            let old = match olds.get(old_code) {
                Some(&(first, old)) => {
                    let earlier = &self.communes[old];
                    if (earlier.name.as_str(), earlier.district_code.as_deref())
                        != (old_name, Some(district_code))
                    {
                        return Err(row.fail(
                            "old_name",
                            format!(
                                "commune {old_code} is `{}` in district {} on line {first}",
                                earlier.name,
                                earlier.district_code.as_deref().unwrap_or("?")
                            ),
                        ));
                    }
                    old
                }
                None => {
                    let old = self.add_commune(CommuneOn {
                        code: old_code.to_owned(),
                        name: old_name.to_owned(),
                        kind: old_kind,
                        province_code: province_code.to_owned(),
                        district_code: Some(district_code.to_owned()),
                        district_name: Some(district_name.to_owned()),
                        valid_from: None,
                        valid_to: Some(from),
                    });
                    olds.insert(old_code, (line, old));
                    old
                }
            };
            links_of
                .entry(old_code)
                .or_default()
                .push((line, self.links.len()));
            self.links.push(Link {
                old_code: old_code.to_owned(),
                new_code: new_code.to_owned(),
                effective: from,
                whole,
                takes_answers,
            });
            self.link_ends.push((old, new));
        }

        // Answers go to exactly one place for a commune that went into one unit, and to at most
        // one for a split, so no answer is ever counted in two units.
        let mut checks: Vec<_> = links_of.into_iter().collect();
        checks.sort_by_key(|(_, links)| links[0].0);
        for (old_code, links) in checks {
            let heirs: Vec<usize> = links
                .iter()
                .filter(|(_, l)| self.links[*l].takes_answers)
                .map(|(line, _)| *line)
                .collect();
            if links.len() == 1 {
                if heirs.is_empty() {
                    return Err(table.fail(
                        links[0].0,
                        Some("answers"),
                        format!(
                            "{old_code} went into one unit only, so that unit takes its \
                             answers: write `all`"
                        ),
                    ));
                }
                continue;
            }
            if let Some(&(line, _)) = links.iter().find(|(_, l)| self.links[*l].whole) {
                return Err(table.fail(
                    line,
                    Some("whole"),
                    format!(
                        "{old_code} is split between {} units, so no part is the whole: write `no`",
                        links.len()
                    ),
                ));
            }
            if heirs.len() > 1 {
                return Err(table.fail(
                    heirs[1],
                    Some("answers"),
                    format!(
                        "{old_code} is split and line {} already gives its answers to another \
                         part: at most one part takes them",
                        heirs[0]
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Same-code changes on `effective`: a new name and/or kind for a province or commune.
    fn changes(&mut self, table: &Table, effective: Date) -> Result<(), DefinitionError> {
        let before = effective.previous_day();
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        for row in rows(table) {
            let level = row.get("level");
            let code = row.code("code", if level == "province" { 2 } else { 5 })?;
            if let Some(first) = seen.insert((level, code), row.line()) {
                return Err(row.fail(
                    "code",
                    format!("{level} {code} already changes on line {first}"),
                ));
            }
            let old_name = row.get("old_name");
            match level {
                "province" => {
                    let kind = ProvinceKind::parse(row.get("new_kind")).ok_or_else(|| {
                        row.fail("new_kind", "a province is `Tỉnh` or `Thành phố`")
                    })?;
                    let (new_name, _) = row.named("new_name", &[kind], ProvinceKind::as_str)?;
                    let old = self.province_on(code, before).ok_or_else(|| {
                        row.fail("code", format!("no province {code} on {before}"))
                    })?;
                    let current = &self.provinces[old];
                    if current.name != old_name || current.valid_to.is_some() {
                        return Err(row.fail(
                            "old_name",
                            format!(
                                "province {code} on {before} is `{}`{}",
                                current.name,
                                current.valid_to.map_or(String::new(), |to| format!(
                                    " and already changes on {to}"
                                ))
                            ),
                        ));
                    }
                    if new_name == old_name {
                        return Err(row.fail("new_name", "is the same as old_name"));
                    }
                    self.provinces[old].valid_to = Some(effective);
                    let next = ProvinceOn {
                        name: new_name.to_owned(),
                        kind,
                        valid_from: Some(effective),
                        valid_to: None,
                        ..self.provinces[old].clone()
                    };
                    self.add_province(next);
                    self.province_links.push(ProvinceLink {
                        old_code: code.to_owned(),
                        new_code: code.to_owned(),
                        effective,
                    });
                }
                "commune" => {
                    let kind = CommuneKind::parse(row.get("new_kind"))
                        .filter(|k| NEW_COMMUNE_KINDS.contains(k))
                        .ok_or_else(|| {
                            row.fail("new_kind", "a commune is `Xã`, `Phường` or `Đặc khu`")
                        })?;
                    let (new_name, _) = row.named("new_name", &[kind], CommuneKind::as_str)?;
                    let old = self.commune_on(code, before).ok_or_else(|| {
                        row.fail("code", format!("no commune {code} on {before}"))
                    })?;
                    let current = &self.communes[old];
                    if current.name != old_name || current.valid_to.is_some() {
                        return Err(row.fail(
                            "old_name",
                            format!(
                                "commune {code} on {before} is `{}`{}",
                                current.name,
                                current.valid_to.map_or(String::new(), |to| format!(
                                    " and already changes on {to}"
                                ))
                            ),
                        ));
                    }
                    if new_name == old_name {
                        return Err(row.fail("new_name", "is the same as old_name"));
                    }
                    self.communes[old].valid_to = Some(effective);
                    let next = CommuneOn {
                        name: new_name.to_owned(),
                        kind,
                        valid_from: Some(effective),
                        valid_to: None,
                        ..self.communes[old].clone()
                    };
                    let new = self.add_commune(next);
                    // Same code, same territory: everything the unit had stays with it.
                    self.links.push(Link {
                        old_code: code.to_owned(),
                        new_code: code.to_owned(),
                        effective,
                        whole: true,
                        takes_answers: true,
                    });
                    self.link_ends.push((old, new));
                }
                other => {
                    return Err(row.fail(
                        "level",
                        format!("`{other}` must be `province` or `commune`"),
                    ))
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Map {
        let mut links_out = vec![Vec::new(); self.communes.len()];
        let mut links_in = vec![Vec::new(); self.communes.len()];
        for (l, &(old, new)) in self.link_ends.iter().enumerate() {
            links_out[old].push(l);
            links_in[new].push(l);
        }
        Map {
            provinces: self.provinces,
            communes: self.communes,
            links: self.links,
            province_links: self.province_links,
            commune_versions: self.commune_versions,
            province_versions: self.province_versions,
            links_out,
            links_in,
            link_ends: self.link_ends,
        }
    }
}
