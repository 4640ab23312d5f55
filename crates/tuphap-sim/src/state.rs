//! What a simulator remembers: the agencies' registries, the answers given per `X-Road-Id`, and
//! the request counts. Kept in memory, and in a JSON file when one is given: written atomically
//! (temp file, fsync, rename) after every request and before the answer leaves.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole state of a simulator process (all three agencies; each uses its own part).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SimState {
    pub population: Population,
    pub insurance: Insurance,
    pub residence: Residence,
    /// First answer given to each `X-Road-Id`, replayed unchanged on a repeat.
    pub exchanges: BTreeMap<String, Exchange>,
    pub stats: Stats,
    /// The OIDC provider double: signing key, clients registered at run time.
    pub oidc: crate::oidc::OidcState,
    pub portal: Portal,
    pub reporting: Reporting,
    /// The payment gateway double: merchants registered at run time, transactions.
    pub payment: crate::payment::PaymentState,
}

/// The national public-service portal (Cổng Dịch vụ công quốc gia): the status history it
/// received per dossier code.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Portal {
    pub dossiers: BTreeMap<String, Vec<serde_json::Value>>,
}

/// The Government's reporting system (Hệ thống thông tin báo cáo Chính phủ): reports received.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Reporting {
    pub next_number: u64,
    /// Receipt number → the report.
    pub reports: BTreeMap<String, serde_json::Value>,
}

/// One remembered exchange.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    /// Service code, e.g. `assignPersonalId`.
    pub service: String,
    /// `X-Road-Request-Hash` of the first request (a repeat must carry the same body).
    pub request_hash: String,
    pub status: u16,
    pub body: serde_json::Value,
}

/// Population database (CSDLQGDC): personal IDs given, per birth.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Population {
    /// Numbers drawn so far per 6-digit prefix (province code, century/sex digit, year).
    pub counters: BTreeMap<String, u32>,
    /// Everyone given a number, by personal ID.
    pub persons: BTreeMap<String, Person>,
    /// Birth record reference → personal ID (one number per birth).
    pub by_birth_record: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Person {
    pub full_name: String,
    pub sex: String,
    pub date_of_birth: String,
    pub birth_record_ref: String,
    pub date_of_death: Option<String>,
}

/// Social insurance (BHXH): health-insurance cards and funeral-allowance cases.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Insurance {
    /// Social-insurance numbers drawn so far.
    pub next_number: u64,
    /// Personal ID → card number (one card per person).
    pub cards: BTreeMap<String, String>,
    pub next_case: u64,
    /// Personal ID of the deceased → case number (one case per death).
    pub funeral_cases: BTreeMap<String, String>,
}

/// Residence database: permanent residence registrations.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Residence {
    pub next_number: u64,
    /// Personal ID → current (or last) permanent residence.
    pub registrations: BTreeMap<String, Registration>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registration {
    pub number: String,
    pub commune_code: String,
    pub removed_on: Option<String>,
}

/// Request counts, served by `GET /sim/stats`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Every request on an `/r1/…` path.
    pub requests: u64,
    /// Requests answered from `exchanges` (an `X-Road-Id` seen before).
    pub repeats: u64,
    /// Requests that took effect (a first, successful answer).
    pub effective: u64,
    /// Requests answered with an error (400/404/409/500/503).
    pub errors: u64,
    /// Per service code.
    pub services: BTreeMap<String, ServiceStats>,
    /// Per `X-Road-Id`: how many times it was received (first time included).
    pub request_ids: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceStats {
    pub requests: u64,
    pub repeats: u64,
    pub effective: u64,
    pub errors: u64,
}

/// Where the state is kept on disk (nowhere when `None`).
#[derive(Debug, Clone)]
pub struct StateFile(pub Option<PathBuf>);

impl StateFile {
    /// Reads the state; a missing file is an empty state.
    pub fn load(&self) -> std::io::Result<SimState> {
        let Some(path) = &self.0 else {
            return Ok(SimState::default());
        };
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SimState::default()),
            Err(e) => Err(e),
        }
    }

    /// Writes the state atomically: `<file>.tmp`, fsync, rename over the file.
    pub fn save(&self, state: &SimState) -> std::io::Result<()> {
        let Some(path) = &self.0 else {
            return Ok(());
        };
        let bytes = serde_json::to_vec(state)?;
        let tmp = tmp_path(path);
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_round_trips_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile(Some(dir.path().join("sim.json")));
        assert_eq!(file.load().unwrap().stats.requests, 0);
        let mut s = SimState::default();
        s.stats.requests = 7;
        s.insurance
            .cards
            .insert("001226000001".into(), "TE101".into());
        file.save(&s).unwrap();
        let back = file.load().unwrap();
        assert_eq!(back.stats.requests, 7);
        assert_eq!(back.insurance.cards.len(), 1);
        assert!(!dir.path().join("sim.json.tmp").exists());
    }
}
