#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use time::macros::date;

use super::*;

fn count(level: AdminLevel, on: Date) -> usize {
    units_valid_on(on).filter(|v| v.level == level).count()
}

fn day_before(d: Date) -> Date {
    d.previous_day().unwrap()
}

#[test]
fn loads_and_reports_parse_time() {
    // Parse everything once more, outside the LazyLocks, to measure the cost.
    let t = std::time::Instant::now();
    let admin = admin::load().unwrap();
    let ethnic = ethnic::load().unwrap();
    let countries = countries::load().unwrap();
    eprintln!(
        "reference data parsed in {:?}: {} unit versions, {} successions, {} ethnic groups, {} countries",
        t.elapsed(),
        admin.versions.len(),
        admin.successions.len(),
        ethnic.len(),
        countries.len()
    );
    assert!(ensure_loaded().is_ok());
}

#[test]
fn province_counts() {
    assert_eq!(count(AdminLevel::Province, date!(2022 - 01 - 01)), 63);
    assert_eq!(count(AdminLevel::Province, date!(2024 - 01 - 01)), 63);
    assert_eq!(count(AdminLevel::Province, date!(2025 - 06 - 30)), 63);
    assert_eq!(count(AdminLevel::Province, date!(2025 - 07 - 01)), 34);
    assert_eq!(count(AdminLevel::Province, date!(2026 - 01 - 01)), 34);
    assert_eq!(count(AdminLevel::Province, date!(2026 - 06 - 01)), 34);
}

#[test]
fn district_counts() {
    // 705 districts in the 2023 snapshot. No district was removed before 2024-01-01 (the first
    // district removals are on 2024-09-01) and the two districts new in the pre-reform snapshot
    // (224 Thị xã Chũ, 475 Quận Phú Xuân) are inferred to start on 2025-01-01, so 705.
    assert_eq!(count(AdminLevel::District, date!(2023 - 04 - 10)), 705);
    assert_eq!(count(AdminLevel::District, date!(2024 - 01 - 01)), 705);
    // Pre-reform snapshot: 696 = 705 - 11 retired + 2 new.
    assert_eq!(count(AdminLevel::District, date!(2025 - 03 - 01)), 696);
    assert_eq!(count(AdminLevel::District, date!(2025 - 06 - 30)), 696);
    assert_eq!(count(AdminLevel::District, date!(2025 - 07 - 01)), 0);
    assert_eq!(count(AdminLevel::District, date!(2026 - 01 - 01)), 0);
}

#[test]
fn commune_counts() {
    // 10,598 in the 2023 snapshot + 2 retired units removed on 2023-04-10.
    assert_eq!(count(AdminLevel::Commune, date!(2022 - 01 - 01)), 10_600);
    assert_eq!(count(AdminLevel::Commune, date!(2023 - 04 - 10)), 10_598);
    // The first commune change after the 2023 snapshot is on 2024-02-01.
    assert_eq!(count(AdminLevel::Commune, date!(2024 - 01 - 01)), 10_598);
    // 10,035 still to come + 14 retired on 2025-03-01 + 12 created on 2025-01-01 and retired on
    // 2025-03-01 − 3 new communes of the pre-reform snapshot (inferred from 2025-03-01).
    assert_eq!(count(AdminLevel::Commune, date!(2025 - 02 - 28)), 10_058);
    assert_eq!(count(AdminLevel::Commune, date!(2025 - 06 - 30)), 10_035);
    assert_eq!(count(AdminLevel::Commune, date!(2025 - 07 - 01)), 3_321);
    assert_eq!(count(AdminLevel::Commune, date!(2026 - 01 - 01)), 3_321);
    assert_eq!(count(AdminLevel::Commune, date!(2026 - 06 - 01)), 3_321);
}

#[test]
fn version_and_succession_totals() {
    let versions = admin_unit_versions();
    // 11,366 (2023) + 14 retired-only + 2 renamed-then-retired + 600 changed/new in the
    // pre-reform snapshot (600 changed: 1 province, 14 districts, 585 communes; 5 new) + 3,355
    // (2025) + 11 (2026 changes).
    assert_eq!(versions.len(), 11_366 + 14 + 2 + 605 + 3_355 + 11);
    let by_source = |s: &str| versions.iter().filter(|v| v.source == s).count();
    assert_eq!(by_source(source::ADMIN_2023_AND_RETIRED), 575);
    assert_eq!(by_source(source::ADMIN_RETIRED), 14 + 2);
    assert_eq!(by_source(source::ADMIN_PRE_REFORM), 605);
    assert_eq!(by_source(source::ADMIN_2025_CHANGES), 11);
    // 10,604 commune/island-district rows + 63 provinces + derived districts.
    let derived = successions()
        .iter()
        .filter(|s| s.old_level == AdminLevel::District && s.new_level == AdminLevel::Commune)
        .count();
    assert_eq!(successions().len(), 10_604 + 63 + derived - 5);
}

#[test]
fn truc_bach_becomes_ba_dinh() {
    let old = unit_on("00004", date!(2024 - 01 - 01)).unwrap();
    assert_eq!(old.full_name, "Phường Trúc Bạch");
    assert_eq!(old.level, AdminLevel::Commune);
    assert_eq!(old.parent_code.as_deref(), Some("001"));
    assert_eq!(old.valid_to, Some(DATE_REFORM));
    let new = unit_on("00004", date!(2026 - 01 - 01)).unwrap();
    assert_eq!(new.full_name, "Phường Ba Đình");
    assert_eq!(new.parent_code.as_deref(), Some("01"));
    assert_eq!(new.valid_from, Some(DATE_REFORM));
    assert_eq!(new.source, source::ADMIN_2025);
    assert_eq!(
        unit_on("00004", date!(2025 - 06 - 30)).unwrap().full_name,
        "Phường Trúc Bạch"
    );
    assert_eq!(
        unit_on("00004", DATE_REFORM).unwrap().full_name,
        "Phường Ba Đình"
    );

    let succ = successors_of("00004", AdminLevel::Commune);
    assert_eq!(succ.len(), 1);
    assert_eq!(succ[0].new_code, "00004");
    assert_eq!(succ[0].new_level, AdminLevel::Commune);
    assert_eq!(succ[0].relation, Relation::Full);
    assert_eq!(succ[0].effective, date!(2025 - 07 - 01));
    assert!(successors_of("00004", AdminLevel::District).is_empty());
}

#[test]
fn dong_nai_becomes_a_city_on_2026_04_30() {
    let before = unit_on("75", date!(2026 - 01 - 01)).unwrap();
    assert_eq!(before.full_name, "Tỉnh Đồng Nai");
    assert_eq!(before.unit_type, "Tỉnh");
    assert_eq!(before.type_code.as_deref(), Some("tinh"));
    assert_eq!(before.valid_to, Some(date!(2026 - 04 - 30)));
    let after = unit_on("75", date!(2026 - 06 - 01)).unwrap();
    assert_eq!(after.full_name, "Thành phố Đồng Nai");
    assert_eq!(after.unit_type, "Thành phố");
    assert_eq!(
        after.type_code.as_deref(),
        Some("thanh_pho_truc_thuoc_trung_uong")
    );
    assert_eq!(after.name, "Đồng Nai");
    assert_eq!(after.valid_from, Some(date!(2026 - 04 - 30)));
    assert_eq!(after.valid_to, None);
    assert_eq!(after.source, source::ADMIN_2025_CHANGES);

    let commune = unit_on("25270", date!(2026 - 04 - 30)).unwrap();
    assert_eq!(commune.full_name, "Phường Lộc Ninh");
    assert_eq!(commune.type_code.as_deref(), Some("phuong"));
    assert_eq!(
        unit_on("25270", date!(2026 - 04 - 29)).unwrap().full_name,
        "Xã Lộc Ninh"
    );
    let became_phuong = units_valid_on(date!(2026 - 06 - 01))
        .filter(|v| v.source == source::ADMIN_2025_CHANGES && v.level == AdminLevel::Commune)
        .count();
    assert_eq!(became_phuong, 10);
}

#[test]
fn provinces_keep_code_but_get_a_new_version_at_the_reform() {
    let v = versions_of("01");
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].valid_from, None);
    assert_eq!(v[0].valid_to, Some(DATE_REFORM));
    assert_eq!(v[1].valid_from, Some(DATE_REFORM));
    assert_eq!(v[1].full_name, "Thành phố Hà Nội");
    let s = successors_of("02", AdminLevel::Province);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].new_code, "08");
    assert_eq!(unit_on("02", date!(2026 - 01 - 01)), None);
    assert_eq!(
        unit_on("02", date!(2024 - 01 - 01)).unwrap().full_name,
        "Tỉnh Hà Giang"
    );
}

#[test]
fn inferred_change_dates() {
    // Thừa Thiên Huế → Thành phố Huế: retired units of province 46 were removed on 2025-01-01
    // and 2025-03-01; the latest is taken (the real date was 2025-01-01: an approximation).
    let hue = versions_of("46");
    assert_eq!(hue[0].full_name, "Tỉnh Thừa Thiên Huế");
    assert_eq!(hue[1].full_name, "Thành phố Huế");
    assert_eq!(hue[1].valid_from, Some(date!(2025 - 03 - 01)));
    // New districts of 2025-01-01 (siblings Yên Dũng / Nam Đông removed on that date).
    assert_eq!(
        versions_of("224")[0].valid_from,
        Some(date!(2025 - 01 - 01))
    );
    assert_eq!(
        versions_of("475")[0].valid_from,
        Some(date!(2025 - 01 - 01))
    );
    // Retired on 2024-09-01: Huyện Mỹ Lộc.
    let my_loc = versions_of("358");
    assert_eq!(my_loc.len(), 1);
    assert_eq!(my_loc[0].valid_to, Some(date!(2024 - 09 - 01)));
    assert_eq!(my_loc[0].source, source::ADMIN_2023_AND_RETIRED);
    // Every commune that left a dissolved district moved on the day the district was dissolved.
    for v in admin_unit_versions()
        .iter()
        .filter(|v| v.level == AdminLevel::Commune && v.valid_to.is_some_and(|t| t < DATE_REFORM))
    {
        let parent = versions_of(v.parent_code.as_deref().unwrap());
        let parent_end = parent.last().unwrap().valid_to.unwrap();
        assert!(v.valid_to.unwrap() <= parent_end, "{v:?}");
    }
    // The two retired communes renamed before their removal.
    for code in ["27361", "27379"] {
        let v = versions_of(code);
        assert_eq!(v.len(), 2, "{code}");
        assert_eq!(v[0].source, source::ADMIN_2023);
        assert_eq!(v[1].source, source::ADMIN_RETIRED);
        assert!(v[1].valid_from < v[1].valid_to);
    }
    assert_eq!(versions_of("27361")[0].full_name, "Phường 05");
    assert_eq!(versions_of("27361")[1].full_name, "Phường 2");
}

#[test]
fn versions_of_one_code_never_overlap() {
    let mut by_code: HashMap<&str, Vec<&AdminUnitVersion>> = HashMap::new();
    for v in admin_unit_versions() {
        if let (Some(f), Some(t)) = (v.valid_from, v.valid_to) {
            assert!(f < t, "empty or inverted validity: {v:?}");
        }
        by_code.entry(&v.code).or_default().push(v);
    }
    for (code, vs) in &by_code {
        assert!(
            vs.iter().all(|v| v.level == vs[0].level),
            "{code}: several levels"
        );
        assert_eq!(vs[0].code.len(), vs[0].level.code_len());
        // Only the first version may start before the coverage; only the last may be open.
        for pair in vs.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (Some(end), Some(start)) = (a.valid_to, b.valid_from) else {
                panic!("{code}: open-ended version followed by another: {a:?} {b:?}");
            };
            assert!(end <= start, "{code}: overlap {a:?} {b:?}");
        }
        assert_eq!(versions_of(code).len(), vs.len());
    }
}

#[test]
fn parents_exist_at_both_ends_of_every_version() {
    // The parent must be a unit of the parent level valid on the version's first day (the
    // coverage start, taken as 2021-11-01, for `valid_from = None`) and on its last day.
    let coverage_start = date!(2021 - 11 - 01);
    for v in admin_unit_versions() {
        let Some(parent) = v.parent_code.as_deref() else {
            assert_eq!(v.level, AdminLevel::Province);
            assert_eq!(v.province_code, v.code);
            continue;
        };
        let expected_level = match (v.level, v.valid_from) {
            (AdminLevel::District, _) => AdminLevel::Province,
            (AdminLevel::Commune, Some(f)) if f >= DATE_REFORM => AdminLevel::Province,
            (AdminLevel::Commune, _) => AdminLevel::District,
            (AdminLevel::Province, _) => unreachable!(),
        };
        assert_eq!(v.parent_level(), Some(expected_level), "{v:?}");
        let first = v.valid_from.unwrap_or(coverage_start);
        let last = v.valid_to.map_or(date!(2026 - 12 - 31), day_before);
        for day in [first, last] {
            let p = unit_on(parent, day)
                .unwrap_or_else(|| panic!("parent {parent} of {v:?} not valid on {day}"));
            assert_eq!(p.level, expected_level);
            let province = if p.level == AdminLevel::Province {
                &p.code
            } else {
                &p.province_code
            };
            assert_eq!(province, &v.province_code, "{v:?}");
        }
    }
}

#[test]
fn successions_are_complete_and_resolve() {
    let old_units: Vec<_> = units_valid_on(date!(2025 - 06 - 30)).collect();
    for u in &old_units {
        assert!(
            !successors_of(&u.code, u.level).is_empty(),
            "no successor for {} {}",
            u.code,
            u.full_name
        );
    }
    let mut old_not_valid_on_eve = HashSet::new();
    for s in successions() {
        assert_eq!(s.effective, DATE_REFORM);
        let new = unit_on(&s.new_code, DATE_REFORM).unwrap();
        assert_eq!(new.level, s.new_level);
        assert!(matches!(
            (s.old_level, s.new_level),
            (AdminLevel::Province, AdminLevel::Province)
                | (AdminLevel::District, AdminLevel::Commune)
                | (AdminLevel::Commune, AdminLevel::Commune)
        ));
        match unit_on(&s.old_code, day_before(DATE_REFORM)) {
            Some(old) => assert_eq!(old.level, s.old_level),
            None => {
                // Only the 12 communes dissolved on 2025-03-01 that the mapping still lists.
                let last = versions_of(&s.old_code).last().unwrap();
                assert_eq!(last.valid_to, Some(date!(2025 - 03 - 01)), "{s:?}");
                old_not_valid_on_eve.insert(s.old_code.clone());
            }
        }
    }
    assert_eq!(old_not_valid_on_eve.len(), 12);
    // Every new commune and province has a predecessor.
    let targets: HashSet<_> = successions().iter().map(|s| s.new_code.as_str()).collect();
    for u in units_valid_on(DATE_REFORM) {
        assert!(
            targets.contains(u.code.as_str()),
            "{} has no predecessor",
            u.code
        );
    }
    // Provinces: 63 → 34, all full.
    let provinces: Vec<_> = successions()
        .iter()
        .filter(|s| s.old_level == AdminLevel::Province)
        .collect();
    assert_eq!(provinces.len(), 63);
    assert!(provinces.iter().all(|s| s.relation == Relation::Full));
    let new_provinces: HashSet<_> = provinces.iter().map(|s| &s.new_code).collect();
    assert_eq!(new_provinces.len(), 34);
}

#[test]
fn district_successions() {
    // Island district without communes: straight from the mapping.
    let bach_long_vi = successors_of("318", AdminLevel::District);
    assert_eq!(bach_long_vi.len(), 1);
    assert_eq!(bach_long_vi[0].new_code, "11948");
    assert_eq!(bach_long_vi[0].relation, Relation::Full);
    // Quận Ba Đình (001): its wards went into several new wards → all partial.
    let ba_dinh = successors_of("001", AdminLevel::District);
    assert!(ba_dinh.len() > 1);
    assert!(ba_dinh.iter().all(|s| s.relation == Relation::Partial));
    assert!(ba_dinh.iter().any(|s| s.new_code == "00004"));
    // A district is Full only when it has exactly one successor.
    let mut per_district: HashMap<&str, Vec<&Succession>> = HashMap::new();
    for s in successions()
        .iter()
        .filter(|s| s.old_level == AdminLevel::District)
    {
        per_district.entry(&s.old_code).or_default().push(s);
    }
    assert_eq!(per_district.len(), 696);
    for (code, links) in per_district {
        if links.iter().any(|s| s.relation == Relation::Full) {
            assert_eq!(links.len(), 1, "{code}");
        }
    }
}

#[test]
fn ethnic_groups_and_countries() {
    assert_eq!(ethnic_groups().len(), 54);
    assert_eq!(ethnic_groups()[0].code, "01");
    assert_eq!(ethnic_groups()[53].code, "54");
    let kinh = ethnic_group("01").unwrap();
    assert_eq!(kinh.name, "Kinh");
    assert_eq!(kinh.name_with_alt, "Kinh (Việt)");
    assert_eq!(kinh.other_names, vec!["Việt"]);
    let hmong = ethnic_group("08").unwrap();
    assert_eq!(hmong.spelling_variants, vec!["H'Mông", "Hmông", "Mông"]);
    assert!(hmong.other_names.contains(&"Mèo Xanh".to_string()));
    assert!(ethnic_group("55").is_none());

    assert_eq!(countries().len(), 250);
    let vn = country("VN").unwrap();
    assert_eq!(vn.alpha3, "VNM");
    assert_eq!(vn.numeric, "704");
    assert_eq!(vn.name_vi, "Việt Nam");
    assert_eq!(country("usa").unwrap().alpha2, "US");
    assert_eq!(
        country("XK").unwrap().iso_status,
        "user-assigned (not in ISO 3166-1)"
    );
    let codes: HashSet<_> = countries().iter().map(|c| &c.alpha2).collect();
    assert_eq!(codes.len(), 250);
}

#[test]
fn admin_level_round_trips() {
    for l in AdminLevel::ALL {
        assert_eq!(AdminLevel::parse(l.as_str()), Ok(l));
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, format!("\"{}\"", l.as_str()));
        assert_eq!(serde_json::from_str::<AdminLevel>(&json).unwrap(), l);
    }
    let e = AdminLevel::parse("ward").unwrap_err();
    assert_eq!(e.code(), "unknown_admin_level");
    assert!(e.message_vi().contains("ward"));
    assert_eq!(
        serde_json::to_string(&Relation::Partial).unwrap(),
        "\"partial\""
    );
}

#[test]
fn dates_serialise_as_iso() {
    let s = serde_json::to_value(successors_of("00004", AdminLevel::Commune)[0]).unwrap();
    assert_eq!(s["effective"], "2025-07-01");
    assert_eq!(s["relation"], "full");
    let v = serde_json::to_value(unit_on("00004", date!(2024 - 01 - 01)).unwrap()).unwrap();
    assert_eq!(v["valid_from"], serde_json::Value::Null);
    assert_eq!(v["valid_to"], "2025-07-01");
    assert_eq!(v["level"], "commune");
}

#[test]
fn names_are_nfc() {
    use unicode_normalization::is_nfc;
    for v in admin_unit_versions() {
        assert!(is_nfc(&v.full_name) && is_nfc(&v.name), "{v:?}");
    }
    for g in ethnic_groups() {
        assert!(is_nfc(&g.name));
    }
    for c in countries() {
        assert!(is_nfc(&c.name_vi));
    }
}

proptest! {
    #[test]
    fn at_most_one_version_per_code_on_any_day(days in 0i64..(6 * 366)) {
        let day = date!(2021 - 01 - 01) + time::Duration::days(days);
        let mut seen = HashSet::new();
        let mut provinces = 0;
        for v in units_valid_on(day) {
            prop_assert!(seen.insert(v.code.as_str()), "two versions of {} on {}", v.code, day);
            prop_assert_eq!(unit_on(&v.code, day), Some(v));
            provinces += usize::from(v.level == AdminLevel::Province);
        }
        prop_assert_eq!(provinces, if day < DATE_REFORM { 63 } else { 34 });
    }
}
