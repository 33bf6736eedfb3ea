//! Transfers, probation, organisational life and lost contact, branch findings.

use crate::both;
use crate::helpers::{COMMUNITY_A, COMMUNITY_B, TestApp, id_number};
use serde_json::{Value, json};

async fn transfer_keeps_history(app: TestApp) {
    let from = app.branch(COMMUNITY_A, "第一支部").await;
    let to = app.branch(COMMUNITY_A, "第二支部").await;
    let m = app.member(from, &id_number("19800101", 11)).await;
    let id = m["id"].as_i64().unwrap();
    let r = app
        .post(
            "a",
            &format!("/api/v1/members/{id}/transfers"),
            json!({ "to_org_id": to, "transferred_on": "2026-11-20", "reason": "工作调动" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let r = app
        .get("a", &format!("/api/v1/members/{id}/transfers"))
        .await;
    let t = &r.body[0];
    assert_eq!(
        (t["from_org_id"].as_i64(), t["to_org_id"].as_i64()),
        (Some(from), Some(to))
    );
    assert_eq!(t["actor"], "a");
    assert_eq!(t["reason"], "工作调动");
    assert_eq!(
        app.get("a", &format!("/api/v1/members/{id}")).await.body["org_id"].as_i64(),
        Some(to)
    );
    let r = app
        .post(
            "a",
            &format!("/api/v1/members/{id}/transfers"),
            json!({ "to_org_id": to, "transferred_on": "2026-11-21", "reason": "再转" }),
        )
        .await;
    assert_eq!(r.status, 422);
}
both!(transfer_keeps_history);

async fn probation_ends_in_full_membership_or_one_extension(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "支部").await;
    let body = json!({
        "name": "李四", "sex": "female", "ethnicity": "汉族", "birth_date": "1995-03-04", "id_number": id_number("19950304", 12),
        "education": "master", "joined_on": "2025-12-01", "status": "probationary", "org_id": org
    });
    let r = app.post("a", "/api/v1/members", body).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let id = r.body["id"].as_i64().unwrap();
    let url = format!("/api/v1/members/{id}/probation");
    let r = app.post("a", &url, json!({ "on": "2026-11-26" })).await;
    assert_eq!(
        (r.status, r.body["error"]["field"].as_str()),
        (422, Some("full_on")),
        "too early: {:?}",
        r.body
    );
    let r = app
        .post(
            "a",
            &url,
            json!({ "on": "2026-11-26", "extend_months": 13 }),
        )
        .await;
    assert_eq!(r.status, 422);
    // Less than half a year is no extension the 细则 allows (art. 32).
    let r = app
        .post("a", &url, json!({ "on": "2026-11-26", "extend_months": 5 }))
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    let r = app
        .post("a", &url, json!({ "on": "2026-11-26", "extend_months": 6 }))
        .await;
    assert_eq!(
        (r.status, r.body["extension_months"].as_i64()),
        (200, Some(6)),
        "{:?}",
        r.body
    );
    let r = app
        .post("a", &url, json!({ "on": "2026-11-26", "extend_months": 3 }))
        .await;
    assert_eq!(r.status, 422, "a second extension: {:?}", r.body);
}
both!(probation_ends_in_full_membership_or_one_extension);

async fn lost_contact_after_six_months(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "支部").await;
    let active = app.member(org, &id_number("19800101", 11)).await["id"]
        .as_i64()
        .unwrap();
    let idle = app.member(org, &id_number("19800101", 13)).await["id"]
        .as_i64()
        .unwrap();
    let never = app.member(org, &id_number("19800101", 15)).await["id"]
        .as_i64()
        .unwrap();
    let act = |day: &str, who: Vec<i64>| json!({ "kind": "党员大会", "held_on": day, "topic": "学习", "attendees": who });
    assert_eq!(
        app.post(
            "a",
            &format!("/api/v1/orgs/{org}/activities"),
            act("2026-05-26", vec![active, idle])
        )
        .await
        .status,
        201
    );
    assert_eq!(
        app.post(
            "a",
            &format!("/api/v1/orgs/{org}/activities"),
            act("2026-06-01", vec![active])
        )
        .await
        .status,
        201
    );
    let r = app.get("a", "/api/v1/members?lost_contact=true").await;
    let ids: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [idle],
        "never-recorded member {never} is not judged without activities"
    );
}
both!(lost_contact_after_six_months);

async fn branch_findings_follow_the_rules(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "支部").await;
    let codes = |b: &serde_json::Value| -> Vec<String> {
        b["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = app.get("a", &format!("/api/v1/orgs/{org}")).await;
    assert_eq!(codes(&r.body), ["too_few_full_members"]);
    for i in 0..7 {
        app.member(org, &id_number("19800101", 11 + 2 * i)).await;
    }
    let r = app.get("a", &format!("/api/v1/orgs/{org}")).await;
    assert_eq!(codes(&r.body), ["committee_required"]);
    let r = app
        .call(
            "a",
            "PATCH",
            &format!("/api/v1/orgs/{org}"),
            Some(json!({ "committee_size": 3, "term_start": "2020-01-01" })),
        )
        .await;
    assert_eq!(
        r.body["term_end"], "2025-01-01",
        "community branches serve 5 years: {:?}",
        r.body
    );
    let r = app.get("a", &format!("/api/v1/orgs/{org}")).await;
    assert_eq!(codes(&r.body), ["term_expired"]);
}
both!(branch_findings_follow_the_rules);

/// A 党小组 is part of its branch: the branch's members are its own and its groups'.
async fn a_branch_counts_the_members_of_its_groups(app: TestApp) {
    let branch = app.branch(COMMUNITY_A, "支部").await;
    let group = app
        .post("city", "/api/v1/orgs", json!({ "name": "一号楼党小组", "kind": "group", "territory": COMMUNITY_A, "parent_id": branch }))
        .await;
    assert_eq!(group.status, 201, "{:?}", group.body);
    let group = group.body["id"].as_i64().unwrap();
    for i in 0..3 {
        app.member(group, &id_number("19800101", 11 + 2 * i)).await;
    }
    let r = app.get("a", &format!("/api/v1/orgs/{branch}")).await;
    assert_eq!(
        r.body["findings"],
        json!([]),
        "three full members, in its group: {:?}",
        r.body
    );
    let summary = app.with_db(|c| {
        let code = datong_domain::DivisionCode::parse(COMMUNITY_A).unwrap();
        datong_store::org::findings_summary(c, &crate::helpers::system(), &code).unwrap()
    });
    assert!(summary.is_empty(), "{summary:?}");
}
both!(a_branch_counts_the_members_of_its_groups);

/// Roll-ups run along the party tree: an organisation that leads its place reads that
/// place's counters (市委 the city's, 区委 the district's …); one beside its parent at the
/// same place (a 两新 branch in the community) counts its own subtree of the party tree.
async fn roll_ups_run_along_the_party_tree(app: TestApp) {
    let org = |name: &'static str,
               kind: &'static str,
               territory: &'static str,
               parent: Option<i64>| {
        let app = &app;
        async move {
            let r = app
                .post("city", "/api/v1/orgs", json!({ "name": name, "kind": kind, "territory": territory, "parent_id": parent }))
                .await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            r.body["id"].as_i64().unwrap()
        }
    };
    let city = org("中共大同市委员会", "committee", "1402", None).await;
    let district = org("中共大同市平城区委员会", "committee", "140213", Some(city)).await;
    let street = org(
        "永泰街道党工委",
        "working_committee",
        "140213050",
        Some(district),
    )
    .await;
    let community = org("康吉社区党委", "committee", COMMUNITY_A, Some(street)).await;
    let grid_branch = org("康吉社区第一支部", "branch", COMMUNITY_A, Some(community)).await;
    let firm = org("某科技公司党支部", "branch", COMMUNITY_A, Some(community)).await;
    let firm_group = org("研发党小组", "group", COMMUNITY_A, Some(firm)).await;
    let other = org("平和社区党委", "committee", COMMUNITY_B, Some(street)).await;
    for (i, o) in [grid_branch, grid_branch, firm, firm_group, other]
        .into_iter()
        .enumerate()
    {
        app.member(o, &id_number("19800101", 11 + 2 * i as u32))
            .await;
    }

    let tree = |who: &'static str, id: i64| {
        let app = &app;
        async move { app.get(who, &format!("/api/v1/orgs/{id}/rollup")).await }
    };
    let r = tree("city", city).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["figures"]["leads"], "1402");
    assert_eq!(r.body["figures"]["members_total"], 5);
    assert_eq!(r.body["children"][0]["org"]["id"], district);
    assert_eq!(r.body["children"][0]["figures"]["leads"], "140213");
    assert_eq!(r.body["children"][0]["figures"]["members_total"], 5);
    let rollup = app
        .get("city", "/api/v1/territories/140213/rollup")
        .await
        .body;
    assert_eq!(
        r.body["children"][0]["figures"]["orgs"], rollup["orgs"],
        "the same counters"
    );

    let r = tree("street", street).await;
    let children: Vec<(i64, i64)> = r.body["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["org"]["id"].as_i64().unwrap(),
                c["figures"]["members_total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(children, [(community, 4), (other, 1)]);

    let r = tree("a", community).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["figures"]["leads"], COMMUNITY_A);
    assert_eq!(r.body["figures"]["members_total"], 4);
    let firm_row = r.body["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["org"]["id"] == firm)
        .unwrap()
        .clone();
    assert_eq!(
        firm_row["figures"]["leads"],
        Value::Null,
        "beside its parent, it leads nothing"
    );
    assert_eq!(
        firm_row["figures"]["members_total"], 2,
        "its own and its group's"
    );
    assert_eq!(
        firm_row["figures"]["orgs"],
        json!({ "branch": 1, "group": 1 })
    );

    // Each sees the tree from its own organisations down.
    assert_eq!(tree("a", street).await.status, 404);
    assert_eq!(tree("b", community).await.status, 404);
    assert_eq!(tree("dept", community).await.status, 404);

    // The page shows the same, with links down the tree.
    let (status, page) = app.page("city", &format!("/orgs/{street}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(&format!("href=\"/orgs/{community}\"")),
        "{page}"
    );
    assert!(page.contains("康吉社区党委"), "{page}");
    assert_eq!(app.page("b", &format!("/orgs/{community}")).await.0, 404);
}
both!(roll_ups_run_along_the_party_tree);
