//! Who exports, and so which communes the export may hold.

use app::domain::roles::Role;
use app::store::Store;

use super::record::ExportError;

/// Who exports, and so which communes they may see (the rule of `app::accounts::auth::can_see_commune`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    role: Role,
    unit: Option<i64>,
    /// A province reviewer's assigned communes (ids of communes in force).
    assigned: Vec<i64>,
}

impl Scope {
    /// Everything: the province admin and the command line.
    pub fn province() -> Scope {
        Scope {
            role: Role::ProvinceAdmin,
            unit: None,
            assigned: Vec::new(),
        }
    }

    /// The scope of a signed-in user; `None` for a commune or district role without its unit,
    /// which may see nothing. A province reviewer sees its `assigned` communes.
    pub fn of(role: Role, unit: Option<i64>, assigned: Vec<i64>) -> Option<Scope> {
        match (role, unit) {
            (Role::ProvinceAdmin, _) => Some(Scope::province()),
            (Role::ProvinceReviewer, _) => Some(Scope {
                role,
                unit: None,
                assigned,
            }),
            (_, None) => None,
            (role, unit) => Some(Scope {
                role,
                unit,
                assigned: Vec::new(),
            }),
        }
    }

    /// The communes a province reviewer may export; `None` for every other role.
    pub(super) fn assigned_communes(&self) -> Option<Vec<i64>> {
        (self.role == Role::ProvinceReviewer).then(|| self.assigned.clone())
    }

    pub(super) fn commune_id(&self) -> Option<i64> {
        matches!(self.role, Role::CommuneLeader | Role::CommuneOfficer)
            .then_some(self.unit)
            .flatten()
    }

    pub(super) fn district_id(&self) -> Option<i64> {
        (self.role == Role::DistrictReviewer)
            .then_some(self.unit)
            .flatten()
    }

    /// Whether this scope covers the commune `commune_id` of district `district_id`.
    pub fn allows(&self, commune_id: i64, district_id: Option<i64>) -> bool {
        match self.role {
            Role::ProvinceReviewer => self.assigned.contains(&commune_id),
            role => app::accounts::auth::can_see_commune(role, self.unit, commune_id, district_id),
        }
    }
}

const NOT_YOUR_COMMUNE: &str = "Tài khoản của ông/bà chỉ được tải dữ liệu của xã mình.";
const NOT_ASSIGNED: &str = "Tài khoản của ông/bà chỉ được tải dữ liệu của các xã được giao.";
const NOT_YOUR_DISTRICT: &str =
    "Tài khoản của ông/bà chỉ được tải dữ liệu của các xã trong huyện mình.";

/// The unit ids the commune and district filters name (all their historical rows), after
/// checking the scope may see them: asking for another commune or district is refused, never
/// silently answered with other data.
#[derive(Clone, Debug, Default)]
pub struct UnitFilter {
    pub communes: Option<Vec<i64>>,
    pub districts: Option<Vec<i64>>,
}

impl UnitFilter {
    pub async fn resolve(
        store: &Store,
        scope: &Scope,
        commune: Option<&str>,
        district: Option<&str>,
    ) -> Result<UnitFilter, ExportError> {
        let mut filter = UnitFilter::default();
        if let Some(code) = commune {
            let units = store.units_with_code(code, "commune").await?;
            if units.is_empty() {
                return Err(ExportError::BadRequest(format!(
                    "Không có xã, phường nào mã {code}."
                )));
            }
            if !units.iter().any(|u| scope.allows(u.id, u.parent_id)) {
                return Err(ExportError::Forbidden(
                    match scope.role {
                        Role::DistrictReviewer => NOT_YOUR_DISTRICT,
                        Role::ProvinceReviewer => NOT_ASSIGNED,
                        _ => NOT_YOUR_COMMUNE,
                    }
                    .into(),
                ));
            }
            filter.communes = Some(units.iter().map(|u| u.id).collect());
        }
        if let Some(code) = district {
            let units = store.units_with_code(code, "district").await?;
            if units.is_empty() {
                return Err(ExportError::BadRequest(format!(
                    "Không có huyện nào mã {code}."
                )));
            }
            let allowed = match (scope.district_id(), scope.commune_id()) {
                (Some(own), _) => units.iter().any(|u| u.id == own),
                (None, Some(commune)) => {
                    let parent = store.unit_parent(commune).await?;
                    units.iter().any(|u| Some(u.id) == parent)
                }
                (None, None) => true,
            };
            if !allowed {
                return Err(ExportError::Forbidden(
                    if scope.commune_id().is_some() {
                        NOT_YOUR_COMMUNE
                    } else {
                        NOT_YOUR_DISTRICT
                    }
                    .into(),
                ));
            }
            filter.districts = Some(units.iter().map(|u| u.id).collect());
        }
        Ok(filter)
    }

    pub(super) fn allows(&self, commune_id: i64, district_id: Option<i64>) -> bool {
        self.communes
            .as_ref()
            .is_none_or(|ids| ids.contains(&commune_id))
            && self
                .districts
                .as_ref()
                .is_none_or(|ids| district_id.is_some_and(|d| ids.contains(&d)))
    }
}
