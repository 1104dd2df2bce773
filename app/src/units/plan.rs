//! From the national map to the rows one province's database holds: every version of the
//! province, of its communes, and of the pre-reform communes and districts they were formed from,
//! with the links between them. Pure: the store writes the plan in one transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use survey_definitions::{CommuneOn, Date, Map, MapError};

/// The first day the unit records cover. The official lists give no start date for a
/// pre-reform unit (they are older than any record here), so every such unit starts on this day;
/// it matches the rows earlier releases of the app stored, so an upgraded database keeps its ids.
pub const RECORDS_START: &str = "2024-01-01";

/// A version of a unit is named by its code and its first day.
pub type VersionKey = (String, String);

/// One version of a province, district or commune.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitVersion {
    pub code: String,
    /// `province`, `district` or `commune`.
    pub level: &'static str,
    /// The kind its name starts with: "Tỉnh", "Huyện", "Phường", …
    pub kind: String,
    pub name: String,
    /// The district (pre-reform communes) or province the version belongs to.
    pub parent: Option<VersionKey>,
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// The pre-reform district whose reviewers see this commune: its own district before the
    /// reform; after it, the district of the predecessors that pass their answers on (the one
    /// with the unit's own code first, else the lowest code).
    pub review_district: Option<VersionKey>,
}

impl UnitVersion {
    pub fn key(&self) -> VersionKey {
        (self.code.clone(), self.valid_from.clone())
    }
}

/// An old commune version → a new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionLink {
    pub old: VersionKey,
    pub new: VersionKey,
    /// `merge` (the new unit has several predecessors), `split` (the old one has several
    /// successors) or `rename` (one to one).
    pub kind: &'static str,
    pub effective: String,
    /// Whether the old unit's answers count for the new one.
    pub takes_answers: bool,
}

/// Everything one province's database holds about its units, parents before children.
#[derive(Clone, Debug)]
pub struct ProvincePlan {
    pub province_code: String,
    pub province_name: String,
    pub units: Vec<UnitVersion>,
    pub links: Vec<VersionLink>,
    /// Communes in force on the day the plan was made.
    pub communes_today: usize,
}

fn day(date: Option<Date>) -> String {
    date.map_or_else(|| RECORDS_START.to_owned(), |d| d.to_string())
}

/// The kind a district's name starts with.
fn district_kind(name: &str) -> &'static str {
    ["Thành phố", "Thị xã", "Huyện", "Quận"]
        .into_iter()
        .find(|k| name.starts_with(k))
        .unwrap_or("Huyện")
}

/// The plan for the province `code` as it is on `today`: its versions since the reform, the
/// communes in force today, and every earlier commune they were formed from (with its district
/// and its pre-reform province), linked as the map links them.
pub fn plan_province(map: &Map, code: &str, today: Date) -> Result<ProvincePlan, MapError> {
    let province = map.require_province(code, today)?;
    let mut communes: Vec<&CommuneOn> = Vec::new();
    let mut seen: HashSet<(String, Option<Date>)> = HashSet::new();
    let today_communes = map.communes_of(code, today);
    for commune in &today_communes {
        if seen.insert((commune.code.clone(), commune.valid_from)) {
            communes.push(commune);
        }
        for earlier in map.predecessors(&commune.code, today) {
            let c = earlier.commune;
            if seen.insert((c.code.clone(), c.valid_from)) {
                communes.push(c);
            }
        }
    }
    // Oldest first, so a version's predecessors are planned before it.
    communes.sort_by(|a, b| (a.valid_from, &a.code).cmp(&(b.valid_from, &b.code)));

    // Province versions: every version of the province and of each pre-reform province.
    let province_codes: HashSet<&str> = communes
        .iter()
        .map(|c| c.province_code.as_str())
        .chain([code])
        .collect();
    let provinces: Vec<_> = map
        .provinces()
        .iter()
        .filter(|p| province_codes.contains(p.code.as_str()))
        .collect();
    let province_of = |province_code: &str, from: Option<Date>, to: Option<Date>| {
        // The latest province version that overlaps the commune's period.
        provinces
            .iter()
            .filter(|p| {
                p.code == province_code
                    && to.is_none_or(|to| p.valid_from.is_none_or(|f| f < to))
                    && p.valid_to.is_none_or(|pto| from.is_none_or(|f| f < pto))
            })
            .max_by_key(|p| p.valid_from)
            .map(|p| (p.code.clone(), day(p.valid_from)))
    };

    let mut units = Vec::new();
    for p in &provinces {
        units.push(UnitVersion {
            code: p.code.clone(),
            level: "province",
            kind: p.kind.as_str().to_owned(),
            name: p.name.clone(),
            parent: None,
            valid_from: day(p.valid_from),
            valid_to: p.valid_to.map(|d| d.to_string()),
            review_district: None,
        });
    }
    let mut districts: BTreeMap<String, UnitVersion> = BTreeMap::new();
    for c in &communes {
        if let (Some(dcode), Some(dname)) = (&c.district_code, &c.district_name) {
            districts
                .entry(dcode.clone())
                .or_insert_with(|| UnitVersion {
                    code: dcode.clone(),
                    level: "district",
                    kind: district_kind(dname).to_owned(),
                    name: dname.clone(),
                    parent: province_of(&c.province_code, c.valid_from, c.valid_to),
                    valid_from: RECORDS_START.to_owned(),
                    valid_to: c.valid_to.map(|d| d.to_string()),
                    review_district: None,
                });
        }
    }
    units.extend(districts.into_values());

    // Links between planned versions, with their kind read off the whole map.
    let version_ending: HashMap<(&str, Date), &CommuneOn> = communes
        .iter()
        .filter_map(|c| Some(((c.code.as_str(), c.valid_to?), *c)))
        .collect();
    let planned: HashSet<VersionKey> = communes
        .iter()
        .map(|c| (c.code.clone(), day(c.valid_from)))
        .collect();
    let mut leaving: HashMap<(&str, Date), usize> = HashMap::new();
    let mut arriving: HashMap<(&str, Date), usize> = HashMap::new();
    for l in map.links() {
        *leaving
            .entry((l.old_code.as_str(), l.effective))
            .or_default() += 1;
        *arriving
            .entry((l.new_code.as_str(), l.effective))
            .or_default() += 1;
    }
    let mut links = Vec::new();
    for l in map.links() {
        let Some(old) = version_ending.get(&(l.old_code.as_str(), l.effective)) else {
            continue;
        };
        let old_key = (old.code.clone(), day(old.valid_from));
        let new_key = (l.new_code.clone(), l.effective.to_string());
        if !planned.contains(&new_key) {
            continue;
        }
        let kind = if arriving[&(l.new_code.as_str(), l.effective)] > 1 {
            "merge"
        } else if leaving[&(l.old_code.as_str(), l.effective)] > 1 {
            "split"
        } else {
            "rename"
        };
        links.push(VersionLink {
            old: old_key,
            new: new_key,
            kind,
            effective: l.effective.to_string(),
            takes_answers: l.takes_answers,
        });
    }

    // Communes, oldest first, each with the district its reviewers come from.
    let mut review: HashMap<VersionKey, Option<VersionKey>> = HashMap::new();
    for c in &communes {
        let key = (c.code.clone(), day(c.valid_from));
        let district = match &c.district_code {
            Some(d) => Some((d.clone(), RECORDS_START.to_owned())),
            None => {
                let mut heirs: Vec<&VersionLink> = links
                    .iter()
                    .filter(|l| l.new == key && l.takes_answers)
                    .collect();
                heirs.sort_by_key(|l| (l.old.0 != c.code, l.old.0.clone()));
                heirs
                    .iter()
                    .find_map(|l| review.get(&l.old).cloned().flatten())
            }
        };
        review.insert(key, district.clone());
        units.push(UnitVersion {
            code: c.code.clone(),
            level: "commune",
            kind: c.kind.as_str().to_owned(),
            name: c.name.clone(),
            parent: match &c.district_code {
                Some(d) => Some((d.clone(), RECORDS_START.to_owned())),
                None => province_of(&c.province_code, c.valid_from, c.valid_to),
            },
            valid_from: day(c.valid_from),
            valid_to: c.valid_to.map(|d| d.to_string()),
            review_district: district,
        });
    }
    Ok(ProvincePlan {
        province_code: province.code.clone(),
        province_name: province.name.clone(),
        units,
        links,
        communes_today: today_communes.len(),
    })
}

/// The name Decree 118/2025/NĐ-CP gives a commune's one-stop desk: "Trung tâm Phục vụ hành chính
/// công phường Bình Phước" for "Phường Bình Phước".
pub fn service_centre_name(commune_name: &str) -> (String, String) {
    let mut chars = commune_name.chars();
    let lowered = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    (
        format!("Trung tâm Phục vụ hành chính công {lowered}"),
        format!("Public Administration Service Centre, {commune_name}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> Map {
        survey_definitions::load_map(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../survey-definitions")
                .join(survey_definitions::MAP_DIR),
        )
        .unwrap()
    }

    fn today() -> Date {
        Date::parse("2026-12-03").unwrap()
    }

    #[test]
    fn dong_nai_has_95_communes_today_and_270_before_the_reform() {
        let plan = plan_province(&map(), "75", today()).unwrap();
        assert_eq!(plan.communes_today, 95);
        assert_eq!(plan.province_name, "Thành phố Đồng Nai");
        let pre_reform = plan
            .units
            .iter()
            .filter(|u| u.level == "commune" && u.valid_to.as_deref() == Some("2025-07-01"))
            .count();
        assert_eq!(pre_reform, 270);
        // Lộc Ninh: a xã from 1/7/2025, a phường with the same code from 30/4/2026.
        let loc_ninh: Vec<_> = plan.units.iter().filter(|u| u.code == "25270").collect();
        let names: Vec<_> = loc_ninh
            .iter()
            .map(|u| (u.name.as_str(), u.valid_from.as_str()))
            .collect();
        assert!(names.contains(&("Xã Lộc Ninh", "2025-07-01")), "{names:?}");
        assert!(
            names.contains(&("Phường Lộc Ninh", "2026-04-30")),
            "{names:?}"
        );
        // Every link joins two planned versions, and no old unit passes its answers twice.
        let keys: HashSet<_> = plan.units.iter().map(UnitVersion::key).collect();
        let mut heirs: HashMap<&VersionKey, usize> = HashMap::new();
        for l in &plan.links {
            assert!(keys.contains(&l.old) && keys.contains(&l.new), "{l:?}");
            if l.takes_answers {
                *heirs.entry(&l.old).or_default() += 1;
            }
        }
        assert!(heirs.values().all(|&n| n == 1));
    }

    #[test]
    fn binh_phuoc_ward_inherits_tan_phu_and_its_district() {
        let plan = plan_province(&map(), "75", today()).unwrap();
        let ward = plan
            .units
            .iter()
            .find(|u| u.code == "25195" && u.valid_from == "2025-07-01")
            .unwrap();
        assert_eq!(ward.name, "Phường Bình Phước");
        assert_eq!(ward.parent, Some(("75".into(), "2026-04-30".into())));
        assert_eq!(
            ward.review_district,
            Some(("689".into(), RECORDS_START.into()))
        );
        let from_tan_phu = plan
            .links
            .iter()
            .find(|l| l.old == ("25195".to_owned(), RECORDS_START.to_owned()))
            .unwrap();
        assert_eq!(from_tan_phu.new, ward.key());
        assert!(from_tan_phu.takes_answers);
        assert_eq!(from_tan_phu.kind, "merge");
    }

    #[test]
    fn every_province_plans() {
        let map = map();
        let mut total = 0;
        for p in map.provinces_on(today()) {
            let plan = plan_province(&map, &p.code, today()).unwrap();
            assert!(plan.communes_today > 0, "{}", p.code);
            total += plan.communes_today;
        }
        assert_eq!(total, 3321);
        assert_eq!(
            plan_province(&map, "01", today()).unwrap().communes_today,
            126
        );
        assert!(matches!(
            plan_province(&map, "70", today()),
            Err(MapError::UnknownProvince { .. })
        ));
    }

    #[test]
    fn desk_names_follow_decree_118() {
        assert_eq!(
            service_centre_name("Phường Bình Phước").0,
            "Trung tâm Phục vụ hành chính công phường Bình Phước"
        );
        assert_eq!(
            service_centre_name("Đặc khu Phú Quốc").0,
            "Trung tâm Phục vụ hành chính công đặc khu Phú Quốc"
        );
    }
}
