//! Roles of users of the back office and what each may do (the RBAC policy).

use serde::{Deserialize, Serialize};

use crate::error::Coded;

/// A user's role. Stored and sent as the lowercase English identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Commune civil-status officer (công chức tư pháp – hộ tịch).
    Officer,
    /// Signing official (Chủ tịch / Phó Chủ tịch UBND).
    Signer,
    /// Provincial Department of Justice staff (Sở Tư pháp).
    Province,
    /// Ministry staff (Bộ Tư pháp).
    Ministry,
    /// Auditor: reads the audit log.
    Auditor,
    /// Administrator: users, offices, reference data.
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl Coded for UnknownRole {
    fn code(&self) -> &'static str {
        "unknown_role"
    }
    fn message_vi(&self) -> String {
        format!(
            "Vai trò \u{201c}{}\u{201d} không tồn tại. Các vai trò hợp lệ: officer, signer, province, ministry, auditor, admin.",
            self.0
        )
    }
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Officer,
        Role::Signer,
        Role::Province,
        Role::Ministry,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "officer",
            Role::Signer => "signer",
            Role::Province => "province",
            Role::Ministry => "ministry",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }

    /// Vietnamese label shown to people.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Officer => "Công chức tư pháp – hộ tịch",
            Role::Signer => "Người ký (lãnh đạo UBND)",
            Role::Province => "Sở Tư pháp",
            Role::Ministry => "Bộ Tư pháp",
            Role::Auditor => "Kiểm tra viên",
            Role::Admin => "Quản trị hệ thống",
        }
    }

    /// May read the audit log.
    pub fn can_read_audit(self) -> bool {
        matches!(self, Role::Auditor | Role::Admin | Role::Ministry)
    }

    /// May export personal data in bulk (`GET /api/v1/civil/records/export`): the provincial
    /// Department of Justice and the ministry, who supervise and report on many offices'
    /// registers; a stated purpose is still required for each export (issue 8).
    pub fn can_export_personal_data(self) -> bool {
        matches!(self, Role::Province | Role::Ministry)
    }

    /// May manage users, offices and reference data (substitute days off, …).
    pub fn can_administer(self) -> bool {
        matches!(self, Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_unknown_is_coded() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        let e = Role::parse("boss").unwrap_err();
        assert_eq!(e.code(), "unknown_role");
        assert!(e.message_vi().contains("boss"));
    }
}
