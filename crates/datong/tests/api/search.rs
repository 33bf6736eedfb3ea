//! Searching the tree: by code prefix, by part of the name, and by pinyin initials
//! (`pcq` finds 平城区), always inside the caller's scope.

use crate::both;
use crate::helpers::{COMMUNITY_A, TestApp};
use serde_json::json;

fn codes(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_tree_is_searched_by_initials_name_and_code(app: TestApp) {
    for (q, found) in [
        ("pcq", "140213"),
        ("PCQ", "140213"),
        ("yt", "140213050"),
        ("14021305", "140213050"),
        ("平城", "140213"),
    ] {
        let r = app.get("city", &format!("/api/v1/territories?q={q}")).await;
        assert_eq!(r.status, 200, "{q}: {:?}", r.body);
        assert!(
            codes(&r.body).contains(&found.to_owned()),
            "{q} finds {found}: {:?}",
            r.body
        );
    }
    // One slipped key still finds it, after the exact matches.
    let r = app.get("city", "/api/v1/territories?q=ptq").await;
    assert!(
        codes(&r.body).contains(&"140213".to_owned()),
        "ptq finds 平城区 too: {:?}",
        r.body
    );
    let r = app.get("city", "/api/v1/territories?q=ygq").await;
    let found = codes(&r.body);
    assert_eq!(
        found.first().map(String::as_str),
        Some("140214"),
        "the exact match 云冈区 (ygq) first: {found:?}"
    );
    assert!(
        !found.contains(&"140213".to_owned()),
        "平城区 (pcq) is two keys away: {found:?}"
    );
    let r = app.get("a", "/api/v1/territories?q=pcq").await;
    assert!(
        codes(&r.body).is_empty(),
        "平城区 is above community A's scope: {:?}",
        r.body
    );

    // A node created or renamed later is found by its new initials.
    let r = app
        .post(
            "city",
            &format!("/api/v1/territories/{COMMUNITY_A}/children"),
            json!({ "name": "银杏网格" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let grid = r.body["code"].as_str().unwrap().to_owned();
    assert!(codes(&app.get("a", "/api/v1/territories?q=yxwg").await.body).contains(&grid));
    let r = app
        .call(
            "city",
            "PATCH",
            &format!("/api/v1/territories/{grid}"),
            Some(json!({ "name": "梧桐网格" })),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(codes(&app.get("a", "/api/v1/territories?q=yxwg").await.body).is_empty());
    assert!(codes(&app.get("a", "/api/v1/territories?q=wtwg").await.body).contains(&grid));
}
both!(the_tree_is_searched_by_initials_name_and_code);
