//! Reference data: loaded once, queried by validity date.

use time::macros::date;

use crate::Harness;

async fn reference_data_by_date(h: Harness) {
    let s = &h.store;
    assert!(s.load_reference_data().await.unwrap(), "first load writes");
    assert!(
        !s.load_reference_data().await.unwrap(),
        "second load is a no-op"
    );
    let count = |level: &'static str, d| async move {
        s.admin_units_on(Some(level), None, d).await.unwrap().len()
    };
    assert_eq!(count("province", date!(2024 - 01 - 01)).await, 63);
    assert_eq!(count("province", date!(2026 - 01 - 01)).await, 34);
    assert_eq!(count("commune", date!(2026 - 01 - 01)).await, 3321);
    assert_eq!(count("district", date!(2026 - 01 - 01)).await, 0);
    assert_eq!(count("commune", date!(2025 - 06 - 30)).await, 10035);

    let old = s
        .admin_unit_on("00004", date!(2024 - 01 - 01))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.full_name, "Phường Trúc Bạch");
    assert_eq!(old.valid_to, Some(date!(2025 - 07 - 01)));
    let new = s
        .admin_unit_on("00004", date!(2026 - 01 - 01))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.full_name, "Phường Ba Đình");
    assert_eq!(new.valid_from, Some(date!(2025 - 07 - 01)));
    let succ = s.admin_unit_successors("00004", "commune").await.unwrap();
    assert_eq!(succ.len(), 1);
    assert_eq!(succ[0].new_code, "00004");
    assert_eq!(succ[0].relation, "full");
    let pred = s.admin_unit_predecessors("00097", "commune").await.unwrap();
    assert!(
        pred.iter().any(|p| p.old_code == "00001"),
        "Phúc Xá → Hồng Hà"
    );

    // Đồng Nai became a centrally-governed city on 2026-04-30.
    let dn = s
        .admin_unit_on("75", date!(2026 - 06 - 01))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dn.full_name, "Thành phố Đồng Nai");
    let dn_before = s
        .admin_unit_on("75", date!(2026 - 01 - 01))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dn_before.full_name, "Tỉnh Đồng Nai");

    let hanoi_communes = s
        .admin_units_on(Some("commune"), Some("01"), date!(2026 - 01 - 01))
        .await
        .unwrap();
    assert!(
        hanoi_communes
            .iter()
            .any(|u| u.full_name == "Phường Ba Đình")
    );
    assert!(hanoi_communes.iter().all(|u| u.province_code == "01"));

    assert_eq!(s.ethnic_groups().await.unwrap().len(), 54);
    assert_eq!(s.countries().await.unwrap().len(), 250);
    assert!(!s.calendar_adjustments().await.unwrap().is_empty());
}
contract!(reference_data_by_date);
