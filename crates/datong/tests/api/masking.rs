//! Each masking rule: ID and phone masked by default, in lists and single reads; unmasking
//! needs the right over the member's node, and every unmasked read is audited.

use crate::both;
use crate::helpers::{COMMUNITY_A, TestApp, id_number};

fn audit_rows(app: &TestApp, action: &str) -> i64 {
    app.with_db(|c| {
        c.query_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = $1",
            datong_store::params![action],
        )
        .unwrap()
        .i64(0)
        .unwrap()
    })
}

async fn id_number_is_masked_in_lists(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "支部").await;
    let id = id_number("19800101", 11);
    app.member(org, &id).await;
    for who in ["a", "a_unmask", "city"] {
        let r = app.get(who, "/api/v1/members").await;
        let m = &r.body["items"][0];
        assert_eq!(
            m["id_number"],
            format!("{}********{}", &id[..6], &id[14..]),
            "{who}"
        );
        assert_eq!(m["id_number_masked"], true);
    }
}
both!(id_number_is_masked_in_lists);

async fn phone_is_masked(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "支部").await;
    let m = app.member(org, &id_number("19800101", 11)).await;
    assert_eq!(m["phone"], "138****8000");
    let r = app.get("a", &format!("/api/v1/members/{}", m["id"])).await;
    assert_eq!(r.body["phone"], "138****8000");
}
both!(phone_is_masked);

async fn unmask_without_the_right_is_refused(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "支部").await;
    let m = app.member(org, &id_number("19800101", 11)).await;
    let r = app
        .get("a", &format!("/api/v1/members/{}?unmask=true", m["id"]))
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(audit_rows(&app, "unmask"), 0);
    // A plain read stays masked.
    let r = app.get("a", &format!("/api/v1/members/{}", m["id"])).await;
    assert!(r.body["id_number"].as_str().unwrap().contains('*'));
}
both!(unmask_without_the_right_is_refused);

async fn unmask_with_the_right_shows_and_audits(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "支部").await;
    let id = id_number("19800101", 11);
    let m = app.member(org, &id).await;
    let r = app
        .get(
            "a_unmask",
            &format!("/api/v1/members/{}?unmask=true", m["id"]),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["id_number"], id);
    assert_eq!(r.body["phone"], "13800138000");
    assert_eq!(r.body["id_number_masked"], false);
    assert_eq!(audit_rows(&app, "unmask"), 1);
    let row = app.with_db(|c| {
        c.query_one(
            "SELECT actor, entity_id FROM audit_log WHERE action = 'unmask'",
            &[],
        )
        .unwrap()
    });
    assert_eq!(row.str(0).unwrap(), "a_unmask");
    assert_eq!(row.str(1).unwrap(), m["id"].to_string());
}
both!(unmask_with_the_right_shows_and_audits);
