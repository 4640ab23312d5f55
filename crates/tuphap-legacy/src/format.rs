//! The legacy-import format (`docs/legacy-format.md`): JSON Lines, one registered civil-status
//! event per line, lines in order of registration date.
//!
//! ```json
//! {"source_id":"KS-2019-000000042","kind":"birth",
//!  "registration":{"office_unit_code":"00004","date":"2019-03-12","number":15,"book":"01"},
//!  "declaration":{ … the body of POST /api/v1/civil/births … },
//!  "child_personal_id":"001219012345"}
//! ```
//!
//! The declaration structs here mirror, field for field, the API's `BirthDeclaration`,
//! `DeathDeclaration` and `MarriageDeclaration` (`tuphap-domain::civil`), with the same
//! `deny_unknown_fields`: a line that deserializes here deserializes there. They live in this
//! crate so that the format does not depend on the domain (and its database drivers).
//!
//! Reading: [`LegacyRecord<serde_json::Value>`] (the default type parameter) accepts any
//! declaration; [`LegacyRecord::typed`] then parses it by `kind`.

use serde::{Deserialize, Serialize};

/// Register book used for every record (the API's `DEFAULT_BOOK`).
pub const BOOK: &str = "01";

/// The kind of event, and so of register book.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordKind {
    Birth,
    Death,
    Marriage,
}

impl RecordKind {
    pub const ALL: [RecordKind; 3] = [RecordKind::Birth, RecordKind::Death, RecordKind::Marriage];

    /// `birth`, `death`, `marriage`.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Birth => "birth",
            RecordKind::Death => "death",
            RecordKind::Marriage => "marriage",
        }
    }

    /// The API path whose body is the declaration.
    pub fn api_path(self) -> &'static str {
        match self {
            RecordKind::Birth => "/api/v1/civil/births",
            RecordKind::Death => "/api/v1/civil/deaths",
            RecordKind::Marriage => "/api/v1/civil/marriages",
        }
    }
}

/// Where, when and under which number the event was registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// Code of the commune whose People's Committee registered the event, valid on `date`
    /// (3-tier codes before 2025-07-01, 2-tier codes from then on).
    pub office_unit_code: String,
    /// Registration date, `YYYY-MM-DD`.
    pub date: String,
    /// Register number, ≥ 1, consecutive per (office, kind, year of `date`).
    pub number: u32,
    /// Register book, `01`.
    pub book: String,
}

/// One line of the file. `D` is the declaration: [`Declaration`] when writing or after
/// [`LegacyRecord::typed`], `serde_json::Value` when reading an unknown line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyRecord<D = serde_json::Value> {
    /// Identifier of the record in the source system, unique in the file.
    pub source_id: String,
    pub kind: RecordKind,
    pub registration: Registration,
    /// Exactly the API body for `kind`.
    pub declaration: D,
    /// Births only, optional: the personal ID assigned to the child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_personal_id: Option<String>,
}

impl LegacyRecord<serde_json::Value> {
    /// Parses one line without interpreting the declaration.
    pub fn parse_line(line: &str) -> Result<LegacyRecord, serde_json::Error> {
        serde_json::from_str(line)
    }

    /// Parses the declaration as the body of the API for `kind`.
    pub fn typed(self) -> Result<LegacyRecord<Declaration>, serde_json::Error> {
        let declaration = match self.kind {
            RecordKind::Birth => Declaration::Birth(serde_json::from_value(self.declaration)?),
            RecordKind::Death => Declaration::Death(serde_json::from_value(self.declaration)?),
            RecordKind::Marriage => {
                Declaration::Marriage(serde_json::from_value(self.declaration)?)
            }
        };
        Ok(LegacyRecord {
            source_id: self.source_id,
            kind: self.kind,
            registration: self.registration,
            declaration,
            child_personal_id: self.child_personal_id,
        })
    }
}

/// A declaration of one of the three kinds (serialized as the bare API body).
// One value per line, built and written at once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Declaration {
    Birth(BirthDeclaration),
    Death(DeathDeclaration),
    Marriage(MarriageDeclaration),
}

impl Declaration {
    pub fn kind(&self) -> RecordKind {
        match self {
            Declaration::Birth(_) => RecordKind::Birth,
            Declaration::Death(_) => RecordKind::Death,
            Declaration::Marriage(_) => RecordKind::Marriage,
        }
    }
}

/// `PlaceInput` of the API: a commune code valid on the event's date and a free-text detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceInput {
    pub admin_unit_code: String,
    pub detail: Option<String>,
}

/// `ChildInput` of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildInput {
    pub full_name: String,
    /// `male` / `female`.
    pub sex: String,
    pub date_of_birth: String,
    pub place_of_birth: PlaceInput,
    pub ethnicity_code: String,
    pub nationality_code: String,
    pub home_town: Option<String>,
}

/// `ParentInput` of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParentInput {
    pub full_name: String,
    pub date_of_birth: Option<String>,
    pub personal_id: Option<String>,
    pub ethnicity_code: String,
    pub nationality_code: String,
    pub residence: PlaceInput,
}

/// `DeclarantInput` of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarantInput {
    pub full_name: String,
    pub personal_id: Option<String>,
    pub relationship: String,
}

/// `BirthDeclaration` of the API (`POST /api/v1/civil/births`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BirthDeclaration {
    pub child: ChildInput,
    pub mother: ParentInput,
    pub father: Option<ParentInput>,
    pub declarant: DeclarantInput,
}

/// `DeceasedInput` of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeceasedInput {
    pub personal_id: Option<String>,
    pub full_name: String,
    pub sex: String,
    /// `YYYY-MM-DD`, or `YYYY-MM` / `YYYY` when only that is known.
    pub date_of_birth: String,
    pub ethnicity_code: Option<String>,
    pub nationality_code: Option<String>,
    pub residence: Option<PlaceInput>,
}

/// `DeathDeclaration` of the API (`POST /api/v1/civil/deaths`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeathDeclaration {
    pub deceased: DeceasedInput,
    pub date_of_death: String,
    pub place_of_death: PlaceInput,
    pub cause: Option<String>,
    pub declarant: DeclarantInput,
}

/// `SpouseInput` of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpouseInput {
    pub full_name: String,
    pub date_of_birth: String,
    pub personal_id: Option<String>,
    pub ethnicity_code: String,
    pub nationality_code: String,
    pub residence: PlaceInput,
}

/// `MarriageDeclaration` of the API (`POST /api/v1/civil/marriages`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarriageDeclaration {
    pub husband: SpouseInput,
    pub wife: SpouseInput,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_round_trips_and_types_by_kind() {
        let line = r#"{"source_id":"KT-2020-1","kind":"death","registration":{"office_unit_code":"00004","date":"2020-05-02","number":1,"book":"01"},"declaration":{"deceased":{"personal_id":null,"full_name":"Lê Văn Bình","sex":"male","date_of_birth":"1931","ethnicity_code":"01","nationality_code":"VN","residence":{"admin_unit_code":"00004","detail":null}},"date_of_death":"2020-05-01","place_of_death":{"admin_unit_code":"00004","detail":"Tại nhà"},"cause":null,"declarant":{"full_name":"Lê Văn An","personal_id":null,"relationship":"con"}}}"#;
        let rec = LegacyRecord::parse_line(line).unwrap();
        assert_eq!(rec.kind, RecordKind::Death);
        let typed = rec.typed().unwrap();
        let Declaration::Death(d) = &typed.declaration else {
            panic!("not a death")
        };
        assert_eq!(d.deceased.date_of_birth, "1931");
        assert_eq!(serde_json::to_string(&typed).unwrap(), line);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let line = r#"{"source_id":"x","kind":"birth","registration":{"office_unit_code":"00004","date":"2020-05-02","number":1,"book":"01"},"declaration":{},"extra":1}"#;
        assert!(LegacyRecord::parse_line(line).is_err());
        let line = r#"{"source_id":"x","kind":"marriage","registration":{"office_unit_code":"00004","date":"2020-05-02","number":1,"book":"01"},"declaration":{"husband":{}}}"#;
        assert!(LegacyRecord::parse_line(line).unwrap().typed().is_err());
    }
}
