//! Today's map of Vietnam, and how it came to be: provinces and communes with validity dates,
//! and the links from each unit to the unit(s) that replaced it.
//!
//! Since 1/7/2025 the country has two tiers, province → commune (xã, phường, đặc khu), with no
//! districts. A code alone does not name a unit: a new unit formed by a merger often takes the
//! code of one of its members (25195 is Phường Tân Phú until 30/6/2025 and Phường Bình Phước from
//! 1/7/2025), and a later change can keep the code but change the name or kind (25270 Xã Lộc Ninh
//! becomes Phường Lộc Ninh on 30/4/2026). So every unit here is a *version*: code plus validity
//! dates, and every query takes the date it is asked about.
//!
//! Links also say where a unit's survey answers went. A commune merged whole into one new unit
//! passes its answers on; a commune split between several passes them to at most one of them
//! (none unless the data file says which), so history is never counted twice.
//!
//! The files and their rules are described in `units/vn/README.md`; [`load_map`] checks them all
//! and names file and line for every problem. Everything here is pure (no I/O besides
//! [`load_map`]), and the bulk accessors ([`Map::provinces`], [`Map::communes`], [`Map::links`],
//! [`Map::province_links`]) give a database importer every row with its dates.

mod load;

use std::collections::{HashMap, HashSet};
use std::fmt;

pub use load::load_map;

use crate::{Date, DefinitionError};

/// Where the shipped map lives, relative to this crate's directory.
pub const MAP_DIR: &str = "units/vn";

/// Why the map could not be loaded, or a lookup that must succeed did not.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// A map file is missing or wrong; the error names file, line and column.
    #[error(transparent)]
    File(#[from] DefinitionError),
    /// No province has this code on this date.
    #[error("no province has code `{code}` on {date}; the province codes on that day are: {}", valid.join(", "))]
    UnknownProvince {
        /// The code asked for.
        code: String,
        /// The day asked about.
        date: Date,
        /// Every province code in force that day, in code order.
        valid: Vec<String>,
    },
}

/// Tỉnh or thành phố trực thuộc trung ương.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProvinceKind {
    /// Tỉnh.
    Tinh,
    /// Thành phố (centrally run city).
    ThanhPho,
}

impl ProvinceKind {
    const ALL: [ProvinceKind; 2] = [ProvinceKind::Tinh, ProvinceKind::ThanhPho];

    /// As written at the start of the name: "Tỉnh", "Thành phố".
    pub fn as_str(self) -> &'static str {
        match self {
            ProvinceKind::Tinh => "Tỉnh",
            ProvinceKind::ThanhPho => "Thành phố",
        }
    }

    fn parse(text: &str) -> Option<ProvinceKind> {
        ProvinceKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Xã, phường, đặc khu (from 1/7/2025) or thị trấn (before).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommuneKind {
    /// Xã (rural commune).
    Xa,
    /// Phường (urban ward).
    Phuong,
    /// Đặc khu (special zone, island territories from 1/7/2025).
    DacKhu,
    /// Thị trấn (township; abolished on 1/7/2025).
    ThiTran,
}

impl CommuneKind {
    const ALL: [CommuneKind; 4] = [
        CommuneKind::Xa,
        CommuneKind::Phuong,
        CommuneKind::DacKhu,
        CommuneKind::ThiTran,
    ];

    /// As written at the start of the name: "Xã", "Phường", "Đặc khu", "Thị trấn".
    pub fn as_str(self) -> &'static str {
        match self {
            CommuneKind::Xa => "Xã",
            CommuneKind::Phuong => "Phường",
            CommuneKind::DacKhu => "Đặc khu",
            CommuneKind::ThiTran => "Thị trấn",
        }
    }

    fn parse(text: &str) -> Option<CommuneKind> {
        CommuneKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for ProvinceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CommuneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One version of a province: its code and name during one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvinceOn {
    /// Two-digit code, e.g. "75".
    pub code: String,
    /// Official name, kind included: "Tỉnh Đồng Nai", "Thành phố Đồng Nai".
    pub name: String,
    /// The kind the name starts with.
    pub kind: ProvinceKind,
    /// First day in force; `None` when it predates the records (pre-reform provinces).
    pub valid_from: Option<Date>,
    /// First day no longer in force (exclusive); `None` while in force.
    pub valid_to: Option<Date>,
}

/// One version of a commune-level unit: its code, name and kind during one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommuneOn {
    /// Five-digit code, e.g. "25195".
    pub code: String,
    /// Official name, kind included: "Phường Bình Phước".
    pub name: String,
    /// The kind the name starts with.
    pub kind: CommuneKind,
    /// The province it belongs to during this period.
    pub province_code: String,
    /// Three-digit district code, for pre-reform communes only (districts end on 1/7/2025).
    pub district_code: Option<String>,
    /// District name, kind included ("Huyện Lộc Ninh"), for pre-reform communes only.
    pub district_name: Option<String>,
    /// First day in force; `None` when it predates the records (pre-reform communes).
    pub valid_from: Option<Date>,
    /// First day no longer in force (exclusive); `None` while in force.
    pub valid_to: Option<Date>,
}

/// Whether `date` lies in `[from, to)`, an open end meaning "no limit".
fn in_force(from: Option<Date>, to: Option<Date>, date: Date) -> bool {
    from.is_none_or(|from| from <= date) && to.is_none_or(|to| date < to)
}

impl ProvinceOn {
    /// Whether this version is the province's on `date`.
    pub fn is_in_force_on(&self, date: Date) -> bool {
        in_force(self.valid_from, self.valid_to, date)
    }
}

impl CommuneOn {
    /// Whether this version is the commune's on `date`.
    pub fn is_in_force_on(&self, date: Date) -> bool {
        in_force(self.valid_from, self.valid_to, date)
    }
}

/// An old commune version → a new one, on the day the old ended and the new began.
///
/// `(old_code, effective)` names the old version (the one whose `valid_to` is `effective`) and
/// `(new_code, effective)` the new one (whose `valid_from` is `effective`), so a database can
/// resolve both ends from these four values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Code of the old version.
    pub old_code: String,
    /// Code of the new version (often the same code, or the code of another member).
    pub new_code: String,
    /// The day the change took effect.
    pub effective: Date,
    /// Whether the whole old commune went into the new one (false for a part of a split).
    pub whole: bool,
    /// Whether the old commune's survey answers and history belong to the new one from now on.
    /// For an old commune, at most one of its links takes answers.
    pub takes_answers: bool,
}

/// An old province → the province it became part of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvinceLink {
    /// Code of the old version.
    pub old_code: String,
    /// Code of the new version.
    pub new_code: String,
    /// The day the change took effect.
    pub effective: Date,
}

/// A commune version reached by following links, and the link that reached it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linked<'m> {
    /// The predecessor or successor version.
    pub commune: &'m CommuneOn,
    /// For a predecessor, the link leaving it (towards the unit asked about); for a successor,
    /// the link arriving at it. `link.takes_answers` says whether answers travel along it.
    pub link: &'m Link,
}

/// All provinces and communes with their versions and links. Built by [`load_map`].
#[derive(Clone, Debug)]
pub struct Map {
    provinces: Vec<ProvinceOn>,
    communes: Vec<CommuneOn>,
    links: Vec<Link>,
    province_links: Vec<ProvinceLink>,
    /// Commune versions per code, oldest first.
    commune_versions: HashMap<String, Vec<usize>>,
    /// Province versions per code, oldest first.
    province_versions: HashMap<String, Vec<usize>>,
    /// Link indices leaving / arriving at each commune version.
    links_out: Vec<Vec<usize>>,
    links_in: Vec<Vec<usize>>,
    /// (old version, new version) of each link, parallel to `links`.
    link_ends: Vec<(usize, usize)>,
}

impl Map {
    /// Every province version, pre-reform ones first, each period in code order.
    pub fn provinces(&self) -> &[ProvinceOn] {
        &self.provinces
    }

    /// Every commune version: the 2025 list, then pre-reform communes, then later versions.
    pub fn communes(&self) -> &[CommuneOn] {
        &self.communes
    }

    /// Every commune link, in file order, later changes last.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Every province link, in file order, later changes last.
    pub fn province_links(&self) -> &[ProvinceLink] {
        &self.province_links
    }

    /// The provinces in force on `date`, in code order.
    pub fn provinces_on(&self, date: Date) -> Vec<&ProvinceOn> {
        let mut on: Vec<&ProvinceOn> = self
            .provinces
            .iter()
            .filter(|p| p.is_in_force_on(date))
            .collect();
        on.sort_by(|a, b| a.code.cmp(&b.code));
        on
    }

    /// The province with `code` on `date`, if any.
    pub fn province(&self, code: &str, date: Date) -> Option<&ProvinceOn> {
        self.province_versions
            .get(code)?
            .iter()
            .map(|&i| &self.provinces[i])
            .find(|p| p.is_in_force_on(date))
    }

    /// The province with `code` on `date`; the error lists the codes valid that day.
    pub fn require_province(&self, code: &str, date: Date) -> Result<&ProvinceOn, MapError> {
        self.province(code, date)
            .ok_or_else(|| MapError::UnknownProvince {
                code: code.to_owned(),
                date,
                valid: self
                    .provinces_on(date)
                    .into_iter()
                    .map(|p| p.code.clone())
                    .collect(),
            })
    }

    /// The communes of province `province_code` on `date`, in code order.
    pub fn communes_of(&self, province_code: &str, date: Date) -> Vec<&CommuneOn> {
        let mut on: Vec<&CommuneOn> = self
            .communes
            .iter()
            .filter(|c| c.province_code == province_code && c.is_in_force_on(date))
            .collect();
        on.sort_by(|a, b| a.code.cmp(&b.code));
        on
    }

    /// The commune with `code` on `date`, if any.
    pub fn commune(&self, code: &str, date: Date) -> Option<&CommuneOn> {
        self.commune_index(code, date).map(|i| &self.communes[i])
    }

    fn commune_index(&self, code: &str, date: Date) -> Option<usize> {
        self.commune_versions
            .get(code)?
            .iter()
            .copied()
            .find(|&i| self.communes[i].is_in_force_on(date))
    }

    /// Every earlier version the commune `code` in force on `date` was formed from, directly or
    /// through later changes (a 2026 rename, then the 2025 merger), nearest first. Each comes
    /// with the link leaving it. Empty for an unknown code or a unit formed from nothing listed.
    pub fn predecessors(&self, code: &str, date: Date) -> Vec<Linked<'_>> {
        self.walk(code, date, |map, i| &map.links_in[i], |(old, _)| old)
    }

    /// Every later version the commune `old_code` in force on `date` went into, directly or
    /// through later changes, nearest first. Each comes with the link arriving at it.
    pub fn successors(&self, old_code: &str, date: Date) -> Vec<Linked<'_>> {
        self.walk(old_code, date, |map, i| &map.links_out[i], |(_, new)| new)
    }

    /// Breadth-first over links; a version reached twice (a split whose parts meet again) is
    /// listed once, with the first link that reached it.
    fn walk<'m>(
        &'m self,
        code: &str,
        date: Date,
        links_of: impl Fn(&'m Map, usize) -> &'m Vec<usize>,
        far_end: impl Fn((usize, usize)) -> usize,
    ) -> Vec<Linked<'m>> {
        let Some(start) = self.commune_index(code, date) else {
            return Vec::new();
        };
        let mut seen = HashSet::from([start]);
        let mut found = Vec::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(i) = queue.pop_front() {
            for &l in links_of(self, i) {
                let next = far_end(self.link_ends[l]);
                if seen.insert(next) {
                    found.push(Linked {
                        commune: &self.communes[next],
                        link: &self.links[l],
                    });
                    queue.push_back(next);
                }
            }
        }
        found
    }

    /// The code of the unit that, on `on`, owns the answers given at commune `old_code` on
    /// `answered_on`: follow the links that take answers from the version in force then, as far
    /// as changes before or on `on` go. `None` when no unit had that code on `answered_on`, when
    /// `on` is before `answered_on`, or when the answers stopped at a split with no heir (or the
    /// owner no longer exists on `on`).
    pub fn answers_owner(&self, old_code: &str, answered_on: Date, on: Date) -> Option<&str> {
        if on < answered_on {
            return None;
        }
        let mut at = self.commune_index(old_code, answered_on)?;
        while !self.communes[at].is_in_force_on(on) {
            let heir = self.links_out[at]
                .iter()
                .find(|&&l| self.links[l].takes_answers)?;
            at = self.link_ends[*heir].1;
        }
        Some(&self.communes[at].code)
    }
}

#[cfg(test)]
mod tests;
