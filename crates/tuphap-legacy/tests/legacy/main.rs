//! The legacy-import generator and corrupter, checked by replaying the API's rules over the
//! generated files (`checker.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod checker;

use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::sync::OnceLock;

use checker::Checker;
use tuphap_legacy::corrupt::Defect;
use tuphap_legacy::generate::split_counts;
use tuphap_legacy::{GenerateOptions, GenerateReport, corrupt, generate};

fn generated(seed: u64, count: u64) -> (Vec<u8>, GenerateReport) {
    let mut out = Vec::new();
    let report = generate(
        GenerateOptions {
            seed,
            count: Some(count),
            national: false,
        },
        &mut out,
    )
    .unwrap();
    (out, report)
}

/// One 200,000-row file and its replay, shared by the tests below.
struct Replay {
    report: GenerateReport,
    checker: Checker,
    errors: Vec<(usize, String)>,
}

fn replay() -> &'static Replay {
    static R: OnceLock<Replay> = OnceLock::new();
    R.get_or_init(|| {
        let (bytes, report) = generated(20_261_127, 200_000);
        let mut checker = Checker::default();
        let mut errors = Vec::new();
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            if let Err(code) = checker.line(line) {
                errors.push((i + 1, code));
            }
        }
        Replay {
            report,
            checker,
            errors,
        }
    })
}

#[test]
fn every_row_passes_the_api_rules_in_file_order() {
    let r = replay();
    assert!(
        r.errors.is_empty(),
        "{} rows refused, first: {:?}",
        r.errors.len(),
        &r.errors[..r.errors.len().min(10)]
    );
    assert!(
        r.checker.problems.is_empty(),
        "{} problems, first: {:?}",
        r.checker.problems.len(),
        &r.checker.problems[..r.checker.problems.len().min(10)]
    );
    assert_eq!(r.report.rows, 200_000);
    assert_eq!(r.report.first_date, "1990-01-01");
    assert_eq!(r.report.last_date, "2026-10-31");
}

#[test]
fn event_counts_are_in_the_national_proportions() {
    let r = replay();
    let c = &r.checker;
    let (b, m, d) = split_counts(200_000);
    assert_eq!((c.births, c.marriages, c.deaths), (b, m, d));
    let total = (c.births + c.marriages + c.deaths) as f64;
    for (n, national) in [(c.births, 36.65), (c.marriages, 8.20), (c.deaths, 6.16)] {
        let share = n as f64 / total;
        assert!((share - national / 51.01).abs() < 0.001, "{share}");
    }
    assert_eq!(
        (r.report.births, r.report.marriages, r.report.deaths),
        (b, m, d)
    );
}

#[test]
fn names_sexes_and_late_registrations_are_plausible() {
    let c = &replay().checker;
    let nguyen = c.nguyen as f64 / c.births as f64;
    assert!((0.35..=0.41).contains(&nguyen), "Nguyễn {nguyen}");
    let ratio = c.boys as f64 / c.girls as f64;
    assert!((1.05..=1.15).contains(&ratio), "sex ratio at birth {ratio}");
    let late_births = c.late_births as f64 / c.births as f64;
    assert!((0.02..=0.08).contains(&late_births), "{late_births}");
    let late_deaths = c.late_deaths as f64 / c.deaths as f64;
    assert!((0.03..=0.12).contains(&late_deaths), "{late_deaths}");
    // Both administrative structures are used, and the file reaches 2026.
    assert!(c.after_reform > 1_000, "{}", c.after_reform);
    // Families: registry-born children appear later as spouses and parents.
    let registry_spouses = c
        .married
        .iter()
        .filter(|id| c.parents.contains_key(*id))
        .count();
    assert!(registry_spouses > 1_000, "{registry_spouses}");
    let registry_mothers = c
        .parents
        .values()
        .filter_map(|(m, _)| m.as_ref())
        .filter(|m| c.parents.contains_key(*m))
        .count();
    assert!(registry_mothers > 1_000, "{registry_mothers}");
    let registry_deaths = c
        .dead
        .keys()
        .filter(|id| c.parents.contains_key(*id))
        .count();
    assert!(registry_deaths > 100, "{registry_deaths}");
}

#[test]
fn personal_ids_are_unique_and_consistent() {
    let c = &replay().checker;
    // Every ID was checked against sex and date of birth (and a child's against the office's
    // province) when its row was validated; `Checker::identity` records a problem whenever
    // one ID names two different people, or a child's ID was already in use.
    assert!(c.identities.len() > 250_000, "{}", c.identities.len());
    assert!(
        c.problems.is_empty(),
        "{:?}",
        &c.problems[..c.problems.len().min(5)]
    );
    // Spouses and the dead all have one (the dead born before 1900 excepted).
    assert_eq!(c.married.len() as u64, 2 * c.marriages);
    assert!(c.dead.len() as f64 > 0.98 * c.deaths as f64);
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, ra) = generated(42, 30_000);
    let (b, rb) = generated(42, 30_000);
    assert_eq!(ra, rb);
    assert!(a == b, "two runs with the same seed differ");
    let (c, _) = generated(43, 30_000);
    assert!(a != c);
}

#[test]
fn a_national_file_would_fit_the_id_space_and_the_counts() {
    let (b, m, d) = split_counts(tuphap_legacy::generate::NATIONAL_ROWS);
    assert_eq!((b, m, d), (36_650_000, 8_200_000, 6_160_000));
}

#[test]
fn corrupt_plants_exactly_n_defects_at_the_reported_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.jsonl");
    let output = dir.path().join("bad.jsonl");
    let (bytes, _) = generated(7, 20_000);
    std::fs::write(&input, &bytes).unwrap();
    let expected = corrupt(&input, &output, 300, 99).unwrap();
    assert_eq!(expected.len(), 300);
    let lines: HashSet<u64> = expected.iter().map(|e| e.line).collect();
    assert_eq!(lines.len(), 300);
    assert!(expected.windows(2).all(|w| w[0].line < w[1].line));
    let kinds: HashSet<Defect> = expected.iter().map(|e| e.defect).collect();
    assert_eq!(kinds.len(), Defect::ALL.len(), "{kinds:?}");
    for e in &expected {
        assert_eq!(e.code, e.defect.code());
    }

    // Line by line: untouched lines are identical, corrupted ones differ and the replay
    // refuses them with the expected code (and accepts every other line).
    let original: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let corrupted = std::fs::read(&output).unwrap();
    let bad: Vec<&[u8]> = corrupted.split(|&b| b == b'\n').collect();
    assert_eq!(original.len(), bad.len());
    let by_line: HashMap<u64, &str> = expected.iter().map(|e| (e.line, e.code.as_str())).collect();
    let mut checker = Checker::default();
    for (i, (o, b)) in original.iter().zip(&bad).enumerate() {
        if o.is_empty() {
            continue;
        }
        let n = i as u64 + 1;
        let got = checker.line(b);
        match by_line.get(&n) {
            Some(code) => {
                assert_ne!(o, b, "line {n} unchanged");
                assert_eq!(got, Err(code.to_string()), "line {n}");
            }
            None => {
                assert_eq!(o, b, "line {n} changed");
                assert_eq!(got, Ok(()), "line {n}");
            }
        }
    }

    // Same seed, same defects.
    let again = corrupt(&input, dir.path().join("again.jsonl"), 300, 99).unwrap();
    assert_eq!(again, expected);
    // The list as JSON Lines.
    let mut listed = Vec::new();
    tuphap_legacy::write_expected(&expected, &mut listed).unwrap();
    assert_eq!(listed.lines().count(), 300);
    // Not more defects than lines.
    assert!(corrupt(&input, dir.path().join("x.jsonl"), 20_001, 1).is_err());
}

#[test]
fn corrupt_can_spoil_every_line_of_a_small_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("rows.jsonl");
    let (bytes, _) = generated(8, 40);
    std::fs::write(&input, &bytes).unwrap();
    let expected = corrupt(&input, dir.path().join("bad.jsonl"), 40, 5).unwrap();
    assert_eq!(expected.len(), 40);
    let lines: HashSet<u64> = expected.iter().map(|e| e.line).collect();
    assert_eq!(lines, (1..=40).collect());
}

#[test]
fn the_replay_refuses_what_the_registry_forbids() {
    // The checker itself: a marriage or a death repeated later in the file is refused.
    let (bytes, _) = generated(11, 5_000);
    let lines: Vec<&str> = std::str::from_utf8(&bytes).unwrap().lines().collect();
    let find = |kind: &str| {
        lines
            .iter()
            .rev()
            .find(|l| {
                l.contains(&format!("\"kind\":\"{kind}\"")) && l.contains("\"personal_id\":\"0")
            })
            .unwrap()
            .to_string()
    };
    let repeat = |l: &str| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let id = v["source_id"].as_str().unwrap().to_string();
        l.replace(&id, "AGAIN-1")
    };
    for (kind, code) in [
        ("marriage", "marriage_already_married"),
        ("death", "death_already_registered"),
    ] {
        let again = repeat(&find(kind));
        let mut checker = Checker::default();
        for l in &lines {
            assert_eq!(checker.line(l.as_bytes()), Ok(()));
        }
        assert_eq!(checker.line(again.as_bytes()), Err(code.to_string()));
    }
}
