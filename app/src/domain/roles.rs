//! Who signs in, and what each role may see. Shared by the server and the pages.

use serde::{Deserialize, Serialize};
use survey_definitions::Lang;

/// One role per user. Commune roles belong to one commune, the district reviewer to one district;
/// the province reviewer belongs to no unit and sees the communes the province admin assigns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// Manages units, desks, users and definitions; sees everything.
    ProvinceAdmin,
    /// Sees and reviews the communes of its district (for provinces that still have districts).
    DistrictReviewer,
    /// Reviews the communes assigned to it (`reviewer_communes`), wherever they lie.
    ProvinceReviewer,
    /// Approves the commune's data; sees only the own commune.
    CommuneLeader,
    /// Enters the commune's data; sees only the own commune.
    CommuneOfficer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::ProvinceAdmin,
        Role::DistrictReviewer,
        Role::ProvinceReviewer,
        Role::CommuneLeader,
        Role::CommuneOfficer,
    ];

    /// How the role is stored and typed on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Role::ProvinceAdmin => "province_admin",
            Role::DistrictReviewer => "district_reviewer",
            Role::ProvinceReviewer => "province_reviewer",
            Role::CommuneLeader => "commune_leader",
            Role::CommuneOfficer => "commune_officer",
        }
    }

    pub fn parse(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Role::ProvinceAdmin, Lang::Vi | Lang::Supplied(_)) => "Quản trị cấp tỉnh",
            (Role::ProvinceAdmin, Lang::En) => "Province admin",
            (Role::DistrictReviewer, Lang::Vi | Lang::Supplied(_)) => "Thẩm định cấp huyện",
            (Role::DistrictReviewer, Lang::En) => "District reviewer",
            (Role::ProvinceReviewer, Lang::Vi | Lang::Supplied(_)) => "Thẩm định cấp tỉnh",
            (Role::ProvinceReviewer, Lang::En) => "Province reviewer",
            (Role::CommuneLeader, Lang::Vi | Lang::Supplied(_)) => "Lãnh đạo xã",
            (Role::CommuneLeader, Lang::En) => "Commune leader",
            (Role::CommuneOfficer, Lang::Vi | Lang::Supplied(_)) => "Cán bộ xã",
            (Role::CommuneOfficer, Lang::En) => "Commune officer",
        }
    }

    /// The administrative level of the unit this role is tied to, if any.
    pub fn unit_level(self) -> Option<&'static str> {
        match self {
            Role::ProvinceAdmin | Role::ProvinceReviewer => None,
            Role::DistrictReviewer => Some("district"),
            Role::CommuneLeader | Role::CommuneOfficer => Some("commune"),
        }
    }

    /// Where the role lands after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::ProvinceAdmin => "/admin/users",
            Role::DistrictReviewer | Role::ProvinceReviewer => "/review",
            Role::CommuneLeader | Role::CommuneOfficer => "/commune",
        }
    }
}

/// The signed-in user as pages see it (never the password hash or session token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    pub unit_name: Option<String>,
    /// The communes a province reviewer is assigned (unit ids of the communes in force); empty
    /// for every other role.
    pub assigned: Vec<i64>,
    /// The session's CSRF token, which every state-changing form must carry back.
    pub csrf: String,
}

/// What a protected page got: the data, or why not. The page sets the matching status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access<T> {
    Granted(T),
    /// Not signed in (401).
    SignInRequired,
    /// Signed in, but this is not for this user (403).
    Forbidden,
}
