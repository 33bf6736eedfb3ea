//! Accounts and the credentials that end: accounts added bound to their records, tokens
//! that expire and are revoked, accounts disabled and enabled, Open311 keys revoked.

use crate::both;
use crate::helpers::{COMMUNITY_A, PASSWORD, TestApp, id_number};
use serde_json::json;

async fn the_city_manages_accounts_and_credentials_end(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "A 第一支部").await;
    let member = app.member(org, &id_number("19800101", 11)).await["id"]
        .as_i64()
        .unwrap();
    // Only the city (and the administrator) manage accounts.
    let body = json!({ "login": "party.member", "password": PASSWORD, "role": "member", "member_id": member });
    for who in ["street", "a", "dept"] {
        assert_eq!(
            app.post(who, "/api/v1/accounts", body.clone()).await.status,
            403,
            "{who}"
        );
        assert_eq!(app.get(who, "/api/v1/accounts").await.status, 403, "{who}");
    }
    let r = app.post("city", "/api/v1/accounts", body.clone()).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["assignments"][0]["member_id"], member);
    assert_eq!(
        r.body["assignments"][0]["scope"], COMMUNITY_A,
        "the member's own node"
    );
    // A member account names its member; a role sits at its level.
    for (bad, field) in [
        (
            json!({ "login": "m2", "password": PASSWORD, "role": "member", "scope": COMMUNITY_A }),
            "member",
        ),
        (
            json!({ "login": "c2", "password": PASSWORD, "role": "city", "scope": COMMUNITY_A }),
            "scope",
        ),
        (
            json!({ "login": "m3", "password": PASSWORD, "role": "member", "member_id": member, "unit_id": 1 }),
            "member_id",
        ),
    ] {
        let r = app.post("city", "/api/v1/accounts", bad).await;
        assert_eq!(
            (r.status, r.body["error"]["field"].as_str()),
            (422, Some(field)),
            "{:?}",
            r.body
        );
    }
    let listed = app.get("city", "/api/v1/accounts?limit=500").await;
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["login"] == "party.member"),
        "{:?}",
        listed.body
    );

    // The member logs in and reads their own record.
    let login = app
        .http
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({ "login": "party.member", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 201);

    // A token ends when its holder logs out with it.
    let token = app.with_db(|c| {
        datong_store::account::create_token(c, &crate::helpers::system().actor, "a", 30).unwrap()
    });
    let status = |t: &str, method: reqwest::Method, path: &str| {
        let req = app
            .http
            .request(method, format!("{}{path}", app.base))
            .bearer_auth(t);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        status(&token, reqwest::Method::GET, "/api/v1/session").await,
        200
    );
    assert_eq!(
        status(&token, reqwest::Method::DELETE, "/api/v1/session").await,
        204
    );
    assert_eq!(
        status(&token, reqwest::Method::GET, "/api/v1/session").await,
        401
    );

    // Tokens expire: one for 30 days works on day 29 and not on day 31.
    let token = app.with_db(|c| {
        datong_store::account::create_token(c, &crate::helpers::system().actor, "b", 30).unwrap()
    });
    *app.clock.0.lock().unwrap() += chrono::Duration::days(29);
    assert_eq!(
        status(&token, reqwest::Method::GET, "/api/v1/session").await,
        200
    );
    *app.clock.0.lock().unwrap() += chrono::Duration::days(2);
    assert_eq!(
        status(&token, reqwest::Method::GET, "/api/v1/session").await,
        401
    );
    *app.clock.0.lock().unwrap() -= chrono::Duration::days(31);

    // Disabling ends every credential at once; enabling brings none back.
    assert_eq!(app.get("a", "/api/v1/members").await.status, 200);
    let r = app
        .call(
            "city",
            "PATCH",
            "/api/v1/accounts/a",
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["disabled"]),
        (200, &json!(true)),
        "{:?}",
        r.body
    );
    assert_eq!(app.get("a", "/api/v1/members").await.status, 401);
    let r = app
        .call(
            "city",
            "PATCH",
            "/api/v1/accounts/a",
            Some(json!({ "disabled": false })),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        app.get("a", "/api/v1/members").await.status,
        401,
        "the old token stays ended"
    );
    let r = app
        .call(
            "city",
            "PATCH",
            "/api/v1/accounts/city",
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_eq!(r.status, 409, "no one disables themself");
    // The city revokes another account's tokens.
    let r = app
        .call("city", "DELETE", "/api/v1/accounts/b/tokens", None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(app.get("b", "/api/v1/members").await.status, 401);

    // Open311 keys: listed without the key, revoked by their id.
    let key = app
        .post(
            "city",
            "/api/v1/open311-keys",
            json!({ "label": "市民热线系统" }),
        )
        .await
        .body["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let keys = app.get("city", "/api/v1/open311-keys").await;
    let listed = &keys.body[0];
    assert_eq!(listed["label"], "市民热线系统");
    assert!(
        !keys.body.to_string().contains(&key),
        "the key itself is never shown again"
    );
    let id = listed["id"].as_str().unwrap().to_owned();
    let file = || {
        app.http
            .post(format!("{}/open311/v2/requests.json", app.base))
            .form(&[("api_key", key.as_str()), ("service_code", "nothing")])
            .send()
    };
    assert_eq!(
        file().await.unwrap().status(),
        400,
        "the key is good; the service is not"
    );
    let r = app
        .call(
            "city",
            "DELETE",
            &format!("/api/v1/open311-keys/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["revoked_at"].is_string());
    assert_eq!(
        file().await.unwrap().status(),
        403,
        "a revoked key files nothing"
    );
    assert_eq!(
        app.call(
            "street",
            "DELETE",
            &format!("/api/v1/open311-keys/{id}"),
            None
        )
        .await
        .status,
        403
    );
}
both!(the_city_manages_accounts_and_credentials_end);
