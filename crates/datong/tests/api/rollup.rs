//! Roll-ups: the counters kept on write equal a recomputation, and a walk of the subtree,
//! after any mix of writes.

use crate::both;
use crate::helpers::{COMMUNITY_A, COMMUNITY_B, TestApp, credit_code, id_number};
use serde_json::json;

async fn counters_agree_with_a_rebuild(app: TestApp) {
    let a = app.branch(COMMUNITY_A, "A 支部").await;
    let b = app.branch(COMMUNITY_B, "B 支部").await;
    let m = app.member(a, &id_number("19800101", 11)).await["id"]
        .as_i64()
        .unwrap();
    app.member(b, &id_number("19800101", 13)).await;
    app.post(
        "city",
        &format!("/api/v1/members/{m}/transfers"),
        json!({ "to_org_id": b, "transferred_on": "2026-11-01", "reason": "迁居" }),
    )
    .await;
    for (i, (kind, coverage, org)) in [
        ("non_public_enterprise", "own_org", Some(a)),
        ("non_public_enterprise", "none", None),
        ("social_organisation", "instructor", None),
    ]
    .into_iter()
    .enumerate()
    {
        let r = app.post("city", "/api/v1/units", json!({ "name": format!("单位{i}"), "credit_code": credit_code(i as u32 + 10), "kind": kind, "territory": COMMUNITY_A, "coverage": coverage, "org_id": org })).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let r = app
        .call(
            "city",
            "PATCH",
            &format!("/api/v1/members/{m}"),
            Some(json!({ "education": "master", "version": 2 })),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    app.post(
        "city",
        &format!("/api/v1/territories/{COMMUNITY_A}/children"),
        json!({ "name": "一网格" }),
    )
    .await;

    // 永泰街道 becomes a town in a new year's files: it counts as one from then on.
    app.with_db(|c| {
        let dir = std::env::temp_dir().join(format!("datong-town-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("streets.csv"),
            "code,name,areaCode\n140213050,永泰镇,140213\n",
        )
        .unwrap();
        let read =
            datong_store::import::divisions::read(&dir, &datong_domain::DivisionCode::nation())
                .unwrap();
        let extent = datong_store::import::divisions::Extent::Additions;
        datong_store::import::divisions::apply(
            c,
            &crate::helpers::system().actor,
            &read,
            "2026-06-01",
            extent,
        )
        .unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    });

    let r = app.get("city", "/api/v1/territories/1402/rollup").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["territories"]["community"], 4);
    // Streets apart from towns, communities apart from villages.
    assert_eq!(r.body["territories"]["street"], 2);
    assert_eq!(
        (
            &r.body["territory_kinds"]["street"],
            &r.body["territory_kinds"]["town"],
            &r.body["territory_kinds"]["community"]
        ),
        (&json!(1), &json!(1), &json!(4)),
        "{:?}",
        r.body
    );
    assert_eq!(r.body["territories"]["grid"], 1);
    assert_eq!(r.body["orgs"]["branch"], 2);
    assert_eq!(r.body["members_total"], 2);
    assert_eq!(r.body["members_by_education"]["master"], 1);
    assert_eq!(r.body["members_by_birth_decade"]["1980"], 2);
    assert_eq!(r.body["members_by_joined_decade"]["2010"], 2);
    assert_eq!(
        r.body["units"]["non_public_enterprise"]["coverage_rate"],
        0.5
    );
    assert_eq!(r.body["units"]["social_organisation"]["instructor"], 1);
    let r = app
        .get("a", &format!("/api/v1/territories/{COMMUNITY_A}/rollup"))
        .await;
    assert_eq!(
        r.body["members_total"], 0,
        "the transferred member left A: {:?}",
        r.body
    );

    app.with_db(|c| {
        let codes: Vec<datong_domain::DivisionCode> =
            ["CN", "14", "1402", "140213", COMMUNITY_A, COMMUNITY_B]
                .iter()
                .map(|c| datong_domain::DivisionCode::parse(c).unwrap())
                .collect();
        let many = datong_store::rollup::read_many(c, &codes).unwrap();
        for (code, one) in codes.iter().zip(&many) {
            assert_eq!(&datong_store::rollup::read(c, code).unwrap(), one, "{code}");
        }
        for code in codes {
            assert_eq!(
                datong_store::rollup::read(c, &code).unwrap(),
                datong_store::rollup::read_by_walking(c, &code).unwrap(),
                "{code}"
            );
        }
        let kept = datong_store::rollup::snapshot(c).unwrap();
        c.tx(datong_store::rollup::rebuild).unwrap();
        assert_eq!(datong_store::rollup::snapshot(c).unwrap(), kept);
    });
}
both!(counters_agree_with_a_rebuild);
