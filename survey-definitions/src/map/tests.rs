//! The shipped map, checked against the counts of the legal sources, and the loader's errors.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::*;
use crate::test_support::temp_dir;

fn d(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(MAP_DIR)
}

/// The shipped map, loaded once for all tests (it is read-only).
fn map() -> &'static Map {
    static MAP: OnceLock<Map> = OnceLock::new();
    MAP.get_or_init(|| load_map(&shipped_dir()).unwrap())
}

fn kinds(communes: &[&CommuneOn]) -> HashMap<CommuneKind, usize> {
    let mut counts = HashMap::new();
    for c in communes {
        *counts.entry(c.kind).or_default() += 1;
    }
    counts
}

#[test]
fn all_34_provinces_and_3321_communes_are_in_force_from_1_july_2025() {
    let map = map();

    let provinces = map.provinces_on(d("2025-07-01"));
    let communes: Vec<&CommuneOn> = provinces
        .iter()
        .flat_map(|p| map.communes_of(&p.code, d("2025-07-01")))
        .collect();

    assert_eq!(provinces.len(), 34);
    assert_eq!(communes.len(), 3321);
    let kinds = kinds(&communes);
    assert_eq!(
        (
            kinds[&CommuneKind::Xa],
            kinds[&CommuneKind::Phuong],
            kinds[&CommuneKind::DacKhu]
        ),
        (2621, 687, 13)
    );
    assert!(communes.iter().all(|c| c.district_code.is_none()));
    // The day before, the 63 old provinces and 10,033 old communes were in force.
    assert_eq!(map.provinces_on(d("2025-06-30")).len(), 63);
    assert_eq!(
        map.communes()
            .iter()
            .filter(|c| c.is_in_force_on(d("2025-06-30")))
            .count(),
        10_033
    );
}

#[test]
fn dong_nai_has_95_units_and_ten_xa_become_phuong_with_their_codes_on_30_april_2026() {
    let map = map();

    let in_2025 = map.communes_of("75", d("2025-07-01"));
    let in_2026 = map.communes_of("75", d("2026-05-01"));

    assert_eq!(in_2025.len(), 95);
    assert_eq!(in_2026.len(), 95);
    let before = kinds(&in_2025);
    assert_eq!(
        (before[&CommuneKind::Xa], before[&CommuneKind::Phuong]),
        (72, 23)
    );
    let after = kinds(&in_2026);
    assert_eq!(
        (after[&CommuneKind::Xa], after[&CommuneKind::Phuong]),
        (62, 33)
    );
    let codes = |list: &[&CommuneOn]| list.iter().map(|c| c.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&in_2025), codes(&in_2026));
    let changed: Vec<&str> = in_2026
        .iter()
        .filter(|c| c.valid_from == Some(d("2026-04-30")))
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(
        changed,
        [
            "25270", "25357", "25363", "26116", "26170", "26248", "26326", "26368", "26425",
            "26485"
        ]
    );
    assert!(changed
        .iter()
        .all(|code| map.commune(code, d("2026-05-01")).unwrap().kind == CommuneKind::Phuong));

    let loc_ninh = |date| map.commune("25270", d(date)).unwrap();
    assert_eq!(loc_ninh("2026-05-01").name, "Phường Lộc Ninh");
    assert_eq!(loc_ninh("2026-04-30").name, "Phường Lộc Ninh");
    assert_eq!(loc_ninh("2026-04-29").name, "Xã Lộc Ninh");
    assert_eq!(loc_ninh("2026-04-29").kind, CommuneKind::Xa);
    assert_eq!(loc_ninh("2025-07-01").name, "Xã Lộc Ninh");
    assert_eq!(loc_ninh("2025-06-30").name, "Thị trấn Lộc Ninh");

    let province = |date| map.province("75", d(date)).unwrap();
    assert_eq!(province("2026-04-29").name, "Tỉnh Đồng Nai");
    assert_eq!(province("2026-04-30").name, "Thành phố Đồng Nai");
    assert_eq!(province("2026-04-30").kind, ProvinceKind::ThanhPho);
    assert_eq!(map.provinces_on(d("2026-05-01")).len(), 34);
}

#[test]
fn a_code_alone_does_not_name_a_unit_code_and_date_do() {
    let map = map();

    let before = map.commune("25195", d("2025-06-30")).unwrap();
    let after = map.commune("25195", d("2025-07-01")).unwrap();

    assert_eq!(before.name, "Phường Tân Phú");
    assert_eq!(before.province_code, "70");
    assert_eq!(before.district_name.as_deref(), Some("Thành phố Đồng Xoài"));
    assert_eq!(before.valid_to, Some(d("2025-07-01")));
    assert_eq!(after.name, "Phường Bình Phước");
    assert_eq!(after.province_code, "75");
    assert_eq!(
        (after.valid_from, after.valid_to),
        (Some(d("2025-07-01")), None)
    );
    assert_eq!(
        map.commune("25195", d("2026-05-01")).unwrap().name,
        "Phường Bình Phước"
    );
    assert_eq!(
        map.province("70", d("2025-06-30")).unwrap().name,
        "Tỉnh Bình Phước"
    );
    assert!(map.province("70", d("2025-07-01")).is_none());
}

/// The distinct pre-reform communes behind the units of `province` on `date`.
fn pre_reform_predecessors<'m>(map: &'m Map, province: &str, date: Date) -> Vec<&'m CommuneOn> {
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for unit in map.communes_of(province, date) {
        for p in map.predecessors(&unit.code, date) {
            if p.commune.valid_to == Some(d("2025-07-01")) && seen.insert(&p.commune.code) {
                found.push(p.commune);
            }
        }
    }
    found
}

#[test]
fn dong_nai_units_have_270_predecessors_111_of_them_from_binh_phuoc() {
    let map = map();

    let olds = pre_reform_predecessors(map, "75", d("2026-05-01"));

    assert_eq!(olds.len(), 270);
    assert_eq!(olds.iter().filter(|c| c.province_code == "70").count(), 111);
    assert_eq!(olds.iter().filter(|c| c.province_code == "75").count(), 159);
    // Through the 2026 change: Phường Lộc Ninh ← Xã Lộc Ninh ← Thị trấn Lộc Ninh and others.
    let loc_ninh = map.predecessors("25270", d("2026-05-01"));
    assert_eq!(loc_ninh[0].commune.name, "Xã Lộc Ninh");
    assert_eq!(loc_ninh[0].link.effective, d("2026-04-30"));
    assert!(loc_ninh[0].link.takes_answers);
    assert!(loc_ninh[1..]
        .iter()
        .all(|p| p.commune.province_code == "70" && p.link.effective == d("2025-07-01")));
}

#[test]
fn ha_noi_has_126_units_formed_from_526_communes() {
    let map = map();

    assert_eq!(
        map.province("01", d("2025-07-01")).unwrap().name,
        "Thành phố Hà Nội"
    );
    assert_eq!(map.communes_of("01", d("2025-07-01")).len(), 126);
    assert_eq!(
        pre_reform_predecessors(map, "01", d("2025-07-01")).len(),
        526
    );
}

#[test]
fn a_split_commune_gives_its_answers_to_at_most_one_successor() {
    let map = map();
    let mut links_of: HashMap<&str, Vec<&Link>> = HashMap::new();
    for link in map
        .links()
        .iter()
        .filter(|l| l.effective == d("2025-07-01"))
    {
        links_of.entry(&link.old_code).or_default().push(link);
    }

    for (old, links) in &links_of {
        let heirs = links.iter().filter(|l| l.takes_answers).count();
        if links.len() == 1 {
            assert_eq!(heirs, 1, "{old}");
        } else {
            assert!(heirs <= 1, "{old}");
            assert!(links.iter().all(|l| !l.whole), "{old}");
        }
    }
    assert_eq!(links_of.len(), 10_033);
    assert_eq!(links_of.values().filter(|l| l.len() > 1).count(), 442);

    // Phường Cống Vị (Hà Nội) went partly into Phường Ngọc Hà and partly elsewhere: both are its
    // successors, and as the data names no heir its answers stay with it.
    let split = map.successors("00007", d("2025-06-30"));
    assert_eq!(split.len(), 2);
    assert!(split.iter().all(|s| !s.link.takes_answers && !s.link.whole));
    assert_eq!(
        map.answers_owner("00007", d("2025-03-01"), d("2025-07-01")),
        None
    );
    assert_eq!(
        map.answers_owner("00007", d("2025-03-01"), d("2025-06-30")),
        Some("00007")
    );
}

#[test]
fn answers_at_an_ex_binh_phuoc_commune_now_belong_to_a_dong_nai_unit() {
    let map = map();

    let owner = map
        .answers_owner("25288", d("2024-10-15"), d("2026-05-01"))
        .unwrap();

    let unit = map.commune(owner, d("2026-05-01")).unwrap();
    assert_eq!(
        (
            unit.code.as_str(),
            unit.name.as_str(),
            unit.province_code.as_str()
        ),
        ("25270", "Phường Lộc Ninh", "75")
    );
    assert_eq!(
        map.commune("25288", d("2024-10-15")).unwrap().name,
        "Xã Lộc Thuận"
    );
    // Every ex-Bình Phước commune's answers land in Đồng Nai.
    for old in map
        .communes()
        .iter()
        .filter(|c| c.province_code == "70" && c.valid_to == Some(d("2025-07-01")))
    {
        let owner = map.answers_owner(&old.code, d("2025-06-30"), d("2026-05-01"));
        let owner = owner.map(|code| map.commune(code, d("2026-05-01")).unwrap());
        assert!(
            owner.is_none_or(|unit| unit.province_code == "75"),
            "{} {}",
            old.code,
            old.name
        );
    }
    // Successors run through both changes, nearest first.
    let successors = map.successors("25288", d("2025-06-30"));
    let names: Vec<(&str, Date)> = successors
        .iter()
        .map(|s| (s.commune.name.as_str(), s.link.effective))
        .collect();
    assert_eq!(
        names,
        [
            ("Xã Lộc Ninh", d("2025-07-01")),
            ("Phường Lộc Ninh", d("2026-04-30"))
        ]
    );
    assert_eq!(
        map.answers_owner("25288", d("2026-05-01"), d("2024-01-01")),
        None
    );
    assert_eq!(
        map.answers_owner("99999", d("2025-01-01"), d("2026-05-01")),
        None
    );
}

#[test]
fn the_documented_source_corrections_are_in_the_shipped_links() {
    let map = map();
    let old = |code| map.commune(code, d("2025-06-30")).unwrap();

    // README.md "Corrections": provinces by the district they are in, names from the NSO list.
    assert_eq!(old("27691").province_code, "80");
    assert_eq!(old("30781").province_code, "91");
    assert_eq!(old("27076").name, "Phường 15");
    assert_eq!(old("03980").name, "Phường Mộc Lỵ");
    assert!(map.communes().iter().all(|c| !c.name.contains('?')));
}

#[test]
fn an_unknown_province_lists_the_valid_codes() {
    let map = map();

    let error = map.require_province("70", d("2026-05-01")).unwrap_err();

    let MapError::UnknownProvince { code, date, valid } = &error else {
        panic!("{error}");
    };
    assert_eq!((code.as_str(), *date), ("70", d("2026-05-01")));
    assert_eq!(valid.len(), 34);
    assert!(valid.contains(&"75".to_owned()));
    let message = error.to_string();
    assert!(message.contains("`70`"), "{message}");
    assert!(message.contains("01, 04, 08"), "{message}");
    assert!(message.contains("92, 96"), "{message}");
    assert_eq!(
        map.require_province("70", d("2025-06-30")).unwrap().name,
        "Tỉnh Bình Phước"
    );
}

/// Rewrites one line of a map file.
type Edit<'e> = &'e dyn Fn(&str) -> String;

/// A broken line: (file, line, edit, the column the error names, words of its message).
type Case = (
    &'static str,
    usize,
    fn(&str) -> String,
    Option<&'static str>,
    &'static str,
);

/// A copy of the shipped map in a temp dir, with line `line` (1-based) of `file` replaced.
fn broken_copy(name: &str, file: &str, line: usize, edit: impl Fn(&str) -> String) -> PathBuf {
    broken_copy_lines(name, file, &[(line, &edit)])
}

/// A copy of the shipped map in a temp dir, with the given lines (1-based) of `file` replaced.
fn broken_copy_lines(name: &str, file: &str, edits: &[(usize, Edit)]) -> PathBuf {
    let dir = temp_dir(name);
    for entry in std::fs::read_dir(shipped_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let text = std::fs::read_to_string(dir.join(file)).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(
            |(i, l)| match edits.iter().find(|(line, _)| *line == i + 1) {
                Some((_, edit)) => edit(l),
                None => l.to_owned(),
            },
        )
        .collect();
    std::fs::write(dir.join(file), lines.join("\n") + "\n").unwrap();
    dir
}

fn file_error(dir: &Path) -> DefinitionError {
    match load_map(dir) {
        Err(MapError::File(error)) => error,
        other => panic!("expected a file error, got {other:?}"),
    }
}

#[test]
fn a_bad_line_names_its_file_line_and_column() {
    let links = "vn-links-2024-to-2025.csv";
    let cases: [Case; 8] = [
        (
            links,
            1000,
            |l| l.replacen(",all", ",some", 1),
            Some("answers"),
            "`some` must be `all` or `none`",
        ),
        (
            links,
            5,
            |l| l.replacen(",00008,", ",99999,", 1),
            Some("new_code"),
            "no commune 99999",
        ),
        (
            links,
            5,
            |l| l.replacen("Phường Ngọc Hà", "Phường Ngọc Hồi", 1),
            Some("new_name"),
            "is `Phường Ngọc Hà` in the units list",
        ),
        // A part of Phường Cống Vị (lines 5 and 6) claiming to be all of it.
        (
            links,
            6,
            |l| l.replacen(",no,", ",yes,", 1),
            Some("whole"),
            "split between 2 units",
        ),
        (
            links,
            2,
            |l| l.replacen(",all", ",none", 1),
            Some("answers"),
            "write `all`",
        ),
        // The source's own slip: a Long An ward filed under Tiền Giang.
        (
            links,
            8950,
            |l| l.replacen(",80,", ",82,", 1),
            Some("old_province_code"),
            "district 794",
        ),
        (
            "vn-units-2025.csv",
            3,
            |l| l.replacen("Phường Ngọc Hà", "Xã Ngọc Hà", 1),
            Some("commune_name"),
            "must start with its kind",
        ),
        (
            "vn-changes-2026-04-30.csv",
            3,
            |l| l.replacen("Xã Lộc Ninh", "Xã Lộc Thuận", 1),
            Some("old_name"),
            "is `Xã Lộc Ninh`",
        ),
    ];
    for (i, (file, line, edit, column, hint)) in cases.into_iter().enumerate() {
        let dir = broken_copy(&format!("map-line-{i}"), file, line, edit);

        let error = file_error(&dir);

        assert!(error.file.ends_with(file), "case {i}: {error}");
        assert_eq!(error.line, Some(line), "case {i}: {error}");
        assert_eq!(error.field.as_deref(), column, "case {i}: {error}");
        assert!(error.message.contains(hint), "case {i}: {error}");
        assert!(
            error
                .to_string()
                .starts_with(&format!("{}:{line}: ", error.file)),
            "case {i}: {error}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn two_parts_of_a_split_cannot_both_take_its_answers() {
    let to_all = |l: &str| l.replacen(",none", ",all", 1);
    let dir = broken_copy_lines(
        "map-two-heirs",
        "vn-links-2024-to-2025.csv",
        &[(5, &to_all), (6, &to_all)],
    );

    let error = file_error(&dir);

    assert_eq!(
        (error.line, error.field.as_deref()),
        (Some(6), Some("answers")),
        "{error}"
    );
    assert!(error.message.contains("line 5"), "{error}");
    assert!(error.message.contains("at most one part"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_malformed_csv_line_or_manifest_names_file_and_line() {
    let dir = broken_copy("map-quote", "vn-provinces-2024-to-2025.csv", 7, |l| {
        format!("{l}\"x")
    });
    let error = file_error(&dir);
    assert!(
        error.file.ends_with("vn-provinces-2024-to-2025.csv"),
        "{error}"
    );
    assert_eq!(error.line, Some(7), "{error}");
    assert!(error.message.contains("quote"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();

    let dir = broken_copy("map-manifest", "map.toml", 23, |_| {
        "effective = \"2025-06-01\"".to_owned()
    });
    let error = file_error(&dir);
    assert!(error.file.ends_with("map.toml"), "{error}");
    assert_eq!(
        (error.line, error.field.as_deref()),
        (Some(23), Some("changes[0].effective")),
        "{error}"
    );
    assert!(error.message.contains("after 2025-07-01"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bulk_accessors_give_every_version_and_link_with_dates() {
    let map = map();

    // 3,321 units from 2025, 10,033 pre-reform communes, 10 new versions in 2026.
    assert_eq!(map.communes().len(), 3321 + 10_033 + 10);
    assert_eq!(map.provinces().len(), 34 + 63 + 1);
    assert_eq!(map.links().len(), 10_566 + 10);
    assert_eq!(map.province_links().len(), 63 + 1);
    // Every link's ends resolve from (code, effective) alone, as a database importer needs.
    for link in map.links() {
        let old = map.commune(&link.old_code, link.effective.previous_day());
        let new = map.commune(&link.new_code, link.effective);
        assert_eq!(old.unwrap().valid_to, Some(link.effective), "{link:?}");
        assert_eq!(new.unwrap().valid_from, Some(link.effective), "{link:?}");
    }
}

/// Run with `cargo test -p survey-definitions [--release] map_load_time -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn map_load_time() {
    let runs = 5;
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let map = load_map(&shipped_dir()).unwrap();
        times.push(start.elapsed());
        assert_eq!(map.communes().len(), 13_364);
    }
    times.sort();
    eprintln!(
        "load_map: min {:?}, median {:?}, max {:?} over {runs} runs",
        times[0],
        times[runs / 2],
        times[runs - 1]
    );
}
