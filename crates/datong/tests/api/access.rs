//! The access matrix: a caller scoped to community A gets 403/404 for every object of
//! community B, and no list carries a foreign row.

use crate::both;
use crate::helpers::{COMMUNITY_A, COMMUNITY_B, TestApp, credit_code, id_number};
use datong_domain::{DivisionCode, Role};
use datong_store::account::Binding;
use serde_json::json;

async fn community_a_never_reaches_community_b(app: TestApp) {
    let org_a = app.branch(COMMUNITY_A, "A 第一支部").await;
    let org_b = app.branch(COMMUNITY_B, "B 第一支部").await;
    let member_a = app.member(org_a, &id_number("19800101", 11)).await["id"]
        .as_i64()
        .unwrap();
    let member_b = app.member(org_b, &id_number("19800101", 21)).await["id"]
        .as_i64()
        .unwrap();
    let unit_b = app
        .post("city", "/api/v1/units", json!({ "name": "B 物业", "credit_code": credit_code(2), "kind": "property_company", "territory": COMMUNITY_B, "coverage": "none" }))
        .await;
    assert_eq!(unit_b.status, 201, "{:?}", unit_b.body);
    let unit_b = unit_b.body["id"].as_i64().unwrap();
    let grid_b = app
        .post(
            "city",
            &format!("/api/v1/territories/{COMMUNITY_B}/children"),
            json!({ "name": "B 一网格" }),
        )
        .await;
    assert_eq!(grid_b.status, 201, "{:?}", grid_b.body);
    let grid_b = grid_b.body["code"].as_str().unwrap().to_owned();

    // Every read of a B object.
    for path in [
        format!("/api/v1/territories/{COMMUNITY_B}"),
        format!("/api/v1/territories/{COMMUNITY_B}/children"),
        format!("/api/v1/territories/{COMMUNITY_B}/children?as_of=2026-06-01"),
        format!("/api/v1/territories/{COMMUNITY_B}?as_of=2026-11-26"),
        format!("/api/v1/territories/{COMMUNITY_B}/rollup"),
        format!("/api/v1/territories/{COMMUNITY_B}/sent-tasks"),
        format!("/api/v1/territories/{COMMUNITY_B}/history"),
        format!("/api/v1/territories/{grid_b}"),
        format!("/api/v1/orgs/{org_b}"),
        format!("/api/v1/orgs/{org_b}/rollup"),
        format!("/api/v1/members/{member_b}"),
        format!("/api/v1/members/{member_b}?unmask=true"),
        format!("/api/v1/members/{member_b}/transfers"),
        format!("/api/v1/units/{unit_b}"),
        // The street above A is on A's path (breadcrumbs) but its roll-up is not A's.
        "/api/v1/territories/140213050/rollup".to_owned(),
    ] {
        let r = app.get("a", &path).await;
        assert!(
            r.status == 404 || r.status == 403,
            "GET {path}: {} {:?}",
            r.status,
            r.body
        );
    }
    // Every write to a B object, or into B.
    let before = app.counts();
    for (method, path, body) in [
        (
            "PATCH",
            format!("/api/v1/territories/{COMMUNITY_B}"),
            json!({ "name": "改名" }),
        ),
        (
            "POST",
            format!("/api/v1/territories/{COMMUNITY_B}/children"),
            json!({ "name": "网格" }),
        ),
        (
            "PATCH",
            format!("/api/v1/orgs/{org_b}"),
            json!({ "name": "改名" }),
        ),
        (
            "POST",
            format!("/api/v1/orgs/{org_b}/end"),
            json!({ "on": "2026-11-26", "reason": "撤并" }),
        ),
        (
            "POST",
            format!("/api/v1/orgs/{org_b}/activities"),
            json!({ "kind": "党员大会", "held_on": "2026-11-01", "topic": "学习", "attendees": [] }),
        ),
        (
            "POST",
            "/api/v1/orgs".to_owned(),
            json!({ "name": "越权支部", "kind": "branch", "territory": COMMUNITY_B }),
        ),
        (
            "POST",
            "/api/v1/orgs".to_owned(),
            json!({ "name": "越权支部", "kind": "group", "territory": COMMUNITY_A, "parent_id": org_b }),
        ),
        (
            "PATCH",
            format!("/api/v1/members/{member_b}"),
            json!({ "work_unit": "某单位" }),
        ),
        (
            "POST",
            format!("/api/v1/members/{member_b}/transfers"),
            json!({ "to_org_id": org_a, "transferred_on": "2026-11-01", "reason": "迁居" }),
        ),
        (
            "POST",
            format!("/api/v1/members/{member_a}/transfers"),
            json!({ "to_org_id": org_b, "transferred_on": "2026-11-01", "reason": "迁居" }),
        ),
        (
            "POST",
            format!("/api/v1/members/{member_b}/probation"),
            json!({ "on": "2026-11-01" }),
        ),
        (
            "PUT",
            format!("/api/v1/units/{unit_b}"),
            json!({ "name": "B 物业", "credit_code": credit_code(2), "kind": "property_company", "territory": COMMUNITY_A, "coverage": "none" }),
        ),
        (
            "POST",
            "/api/v1/units".to_owned(),
            json!({ "name": "越权单位", "credit_code": credit_code(3), "kind": "other", "territory": COMMUNITY_B, "coverage": "none" }),
        ),
        (
            "POST",
            "/api/v1/members".to_owned(),
            json!({
            "name": "越权", "sex": "male", "ethnicity": "汉族", "birth_date": "1980-01-01", "id_number": id_number("19800101", 31),
            "education": "bachelor", "joined_on": "2010-07-01", "full_on": "2011-07-01", "status": "full", "org_id": org_b }),
        ),
    ] {
        let r = app.call("a", method, &path, Some(body)).await;
        assert!(
            (400..500).contains(&r.status) && r.status != 401,
            "{method} {path}: {} {:?}",
            r.status,
            r.body
        );
    }
    assert_eq!(app.counts(), before, "a refused write left a trace");

    // Lists never carry a foreign row.
    for (path, field) in [
        ("/api/v1/orgs?limit=500", "territory"),
        ("/api/v1/orgs?as_of=2026-11-26&limit=500", "territory"),
        ("/api/v1/members?limit=500", "territory"),
        ("/api/v1/units?limit=500", "territory"),
        ("/api/v1/territories?limit=500", "code"),
        ("/api/v1/territories?q=社区&limit=500", "code"),
        ("/api/v1/territories?q=kjsq&limit=500", "code"),
        ("/api/v1/territories?q=PHSQ&limit=500", "code"),
        ("/api/v1/territories/140213050/children", "code"),
        ("/api/v1/territories/CN/children", "code"),
        ("/api/v1/territories/1402/children", "code"),
    ] {
        let r = app.get("a", path).await;
        assert_eq!(r.status, 200, "{path}: {:?}", r.body);
        for item in r.body["items"].as_array().unwrap() {
            let code = item[field].as_str().unwrap();
            assert!(
                COMMUNITY_A.starts_with(code) || code.starts_with(COMMUNITY_A),
                "{path} leaked {code}"
            );
        }
    }
    // A sees its own.
    assert_eq!(
        app.get("a", &format!("/api/v1/orgs/{org_a}")).await.status,
        200
    );
    assert_eq!(
        app.get("a", &format!("/api/v1/members/{member_a}"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get("a", "/api/v1/members").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // The street sees both, the city everything.
    assert_eq!(
        app.get("street", "/api/v1/members").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.get("street", &format!("/api/v1/units/{unit_b}"))
            .await
            .status,
        200
    );
}
both!(community_a_never_reaches_community_b);

/// Roles that do not manage a subtree see by relation: a member their own record and
/// organisation, a unit itself, a department nothing of the party's rosters.
async fn members_units_and_departments_see_by_relation(mut app: TestApp) {
    let org_a = app.branch(COMMUNITY_A, "A 第一支部").await;
    let org_b = app.branch(COMMUNITY_A, "A 第二支部").await;
    let me = app.member(org_a, &id_number("19800101", 11)).await;
    let me_id = me["id"].as_i64().unwrap();
    let other = app.member(org_a, &id_number("19800101", 21)).await["id"]
        .as_i64()
        .unwrap();
    let unit = app
        .post("city", "/api/v1/units", json!({ "name": "A 物业", "credit_code": credit_code(2), "kind": "property_company", "territory": COMMUNITY_A, "coverage": "none" }))
        .await;
    assert_eq!(unit.status, 201, "{:?}", unit.body);
    let unit = unit.body["id"].as_i64().unwrap();
    let unit_b = app
        .post("city", "/api/v1/units", json!({ "name": "A 超市", "credit_code": credit_code(3), "kind": "non_public_enterprise", "territory": COMMUNITY_A, "coverage": "none" }))
        .await;
    assert_eq!(unit_b.status, 201, "{:?}", unit_b.body);
    let unit_b = unit_b.body["id"].as_i64().unwrap();
    app.bound_account("me", Role::Member, Binding::Member(me_id));
    app.bound_account("unit", Role::Unit, Binding::Unit(unit));

    let items = |r: &crate::helpers::Resp| -> Vec<i64> {
        r.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("{:?}", r.body))
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect()
    };
    // (who, path, status, the ids a list holds)
    let cases: Vec<(&str, String, u16, Option<Vec<i64>>)> = vec![
        ("me", "/api/v1/members".into(), 200, Some(vec![me_id])),
        (
            "me",
            format!("/api/v1/members?territory={COMMUNITY_A}"),
            200,
            Some(vec![me_id]),
        ),
        ("me", format!("/api/v1/members/{me_id}"), 200, None),
        (
            "me",
            format!("/api/v1/members/{me_id}?unmask=true"),
            200,
            None,
        ),
        ("me", format!("/api/v1/members/{other}"), 404, None),
        ("me", format!("/api/v1/orgs/{org_a}"), 200, None),
        ("me", format!("/api/v1/orgs/{org_b}"), 404, None),
        ("me", format!("/api/v1/orgs/{org_a}/rollup"), 200, None),
        ("me", format!("/api/v1/orgs/{org_b}/rollup"), 404, None),
        ("unit", format!("/api/v1/orgs/{org_a}/rollup"), 404, None),
        ("dept", format!("/api/v1/orgs/{org_a}/rollup"), 404, None),
        ("me", "/api/v1/orgs".into(), 200, Some(vec![org_a])),
        ("me", format!("/api/v1/units/{unit}"), 404, None),
        ("me", "/api/v1/units".into(), 200, Some(vec![])),
        ("unit", format!("/api/v1/units/{unit}"), 200, None),
        ("unit", format!("/api/v1/units/{unit_b}"), 404, None),
        ("unit", "/api/v1/units".into(), 200, Some(vec![unit])),
        ("unit", "/api/v1/members".into(), 200, Some(vec![])),
        ("unit", format!("/api/v1/members/{me_id}"), 404, None),
        ("unit", format!("/api/v1/orgs/{org_a}"), 404, None),
        ("dept", "/api/v1/members".into(), 200, Some(vec![])),
        ("dept", format!("/api/v1/members/{me_id}"), 404, None),
        ("dept", "/api/v1/orgs".into(), 200, Some(vec![])),
        ("dept", format!("/api/v1/units/{unit}"), 404, None),
        // The places stay readable: names and figures, no one's record.
        (
            "me",
            format!("/api/v1/territories/{COMMUNITY_A}"),
            200,
            None,
        ),
        ("dept", "/api/v1/territories/140213".to_owned(), 200, None),
        // Accounts and keys are the city's and the administrator's alone.
        ("me", "/api/v1/accounts".into(), 403, None),
        ("unit", "/api/v1/open311-keys".into(), 403, None),
        ("dept", "/api/v1/accounts/city".into(), 403, None),
        ("a", "/api/v1/accounts".into(), 403, None),
        ("street", "/api/v1/open311-keys".into(), 403, None),
        ("district", "/api/v1/accounts".into(), 403, None),
        ("city", "/api/v1/accounts/me".into(), 200, None),
        // Subtree roles still read their whole subtree.
        ("a", "/api/v1/members".into(), 200, Some(vec![other, me_id])),
    ];
    for (who, path, status, list) in cases {
        let r = app.get(who, &path).await;
        assert_eq!(r.status, status, "{who} GET {path}: {:?}", r.body);
        if let Some(mut want) = list {
            let mut got = items(&r);
            got.sort();
            want.sort();
            assert_eq!(got, want, "{who} GET {path}");
        }
    }
    // The unit's page, as the pages show it: its own account and its community's staff
    // read it, no one else; its 工作台 leads there.
    for (who, path, status) in [
        ("unit", format!("/units/{unit}"), 200),
        ("unit", format!("/units/{unit_b}"), 404),
        ("me", format!("/units/{unit}"), 404),
        ("dept", format!("/units/{unit}"), 404),
        ("a", format!("/units/{unit}"), 200),
        ("b", format!("/units/{unit}"), 404),
    ] {
        let (got, body) = app.page(who, &path).await;
        assert_eq!(got, status, "{who} GET {path}: {body}");
    }
    let (_, bench) = app.page("unit", "/").await;
    assert!(
        bench.contains(&format!("href=\"/units/{unit}\"")),
        "{bench}"
    );
    // Their own numbers, whole and audited.
    let whole = app
        .get("me", &format!("/api/v1/members/{me_id}?unmask=true"))
        .await;
    assert_eq!(whole.body["id_number"], id_number("19800101", 11));
    // Reading is not managing.
    let r = app
        .post(
            "me",
            "/api/v1/orgs",
            json!({ "name": "支部", "kind": "branch", "territory": COMMUNITY_A }),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let r = app
        .call(
            "unit",
            "PATCH",
            &format!("/api/v1/members/{me_id}"),
            Some(json!({ "work_unit": "某单位" })),
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
}
both!(members_units_and_departments_see_by_relation);

/// A role is held only at its own level, and a member or unit account names its record.
async fn roles_are_held_at_their_levels(app: TestApp) {
    use datong_store::account::{NewAccount, add_user};
    let refused = app.with_db(|c| {
        let actor = crate::helpers::system().actor;
        [
            (Role::City, Some(COMMUNITY_A), Binding::None),
            (Role::Admin, Some("140213"), Binding::None),
            (Role::Street, Some("140213"), Binding::None),
            (Role::Department, Some("1402"), Binding::None),
            (Role::Grid, Some(COMMUNITY_A), Binding::None),
            (Role::Member, Some(COMMUNITY_A), Binding::None),
            (Role::Unit, Some(COMMUNITY_A), Binding::None),
            (Role::Community, Some(COMMUNITY_A), Binding::Member(1)),
            (Role::Member, None, Binding::Member(999)),
            (Role::Resident, Some(COMMUNITY_A), Binding::None),
        ]
        .into_iter()
        .map(|(role, scope, binding)| {
            let account = NewAccount {
                login: "x",
                password: crate::helpers::PASSWORD,
                role,
                scope: scope.map(|s| DivisionCode::parse(s).unwrap()),
                unmask: false,
                binding,
            };
            match add_user(c, &actor, &account) {
                Err(datong_store::StoreError::Invalid { field, message }) => {
                    format!("{}: {field}: {message}", role.as_str())
                }
                Err(e) => format!("{}: {e}", role.as_str()),
                Ok(_) => format!("{}: added", role.as_str()),
            }
        })
        .collect::<Vec<_>>()
    });
    let expect = [
        "city: scope: city 角色不能设在 community 一级（140213050001）",
        "admin: scope: admin 角色不能设在 district 一级（140213）",
        "street: scope: street 角色不能设在 district 一级（140213）",
        "department: scope: department 角色不能设在 city 一级（1402）",
        "grid: scope: grid 角色不能设在 community 一级（140213050001）",
        "member: member: 党员账号应绑定党员（--member），单位账号应绑定驻区单位（--unit），部门账号只可绑定部门",
        "unit: unit: 党员账号应绑定党员（--member），单位账号应绑定驻区单位（--unit），部门账号只可绑定部门",
        "community: role: 党员账号应绑定党员（--member），单位账号应绑定驻区单位（--unit），部门账号只可绑定部门",
        "member: member: member 999 不存在",
        "resident: added",
    ];
    assert_eq!(refused, expect);
}
both!(roles_are_held_at_their_levels);

async fn no_token_no_data(app: TestApp) {
    for path in [
        "/api/v1/members",
        "/api/v1/territories/1402",
        "/api/v1/orgs/1",
        "/api/v1/orgs/1/rollup",
        "/api/v1/workbench",
        "/api/v1/workbench/count",
        "/api/v1/task-targets/1",
        "/api/v1/task-evidence/1",
        "/api/v1/territories/1402/sent-tasks",
    ] {
        let r = app.get("nobody", path).await;
        assert_eq!(r.status, 401, "{path}");
        assert_eq!(r.body["error"]["code"], "unauthenticated");
    }
    let r = app
        .http
        .get(format!("{}/api/v1/members", app.base))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}
both!(no_token_no_data);
