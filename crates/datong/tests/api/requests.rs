//! Residents' requests (接诉即办): the workflow on a clock the test sets, the climb up the
//! ladder, who sees what, the figures on a hand-made fixture, and Open311 GeoReport v2 in
//! both formats, with its errors.

use crate::both;
use crate::helpers::{COMMUNITY_A, COMMUNITY_B, TestApp, csrf_of, page_in, web_session};
use datong_domain::{DivisionCode, Role};
use serde_json::{Value, json};

/// Grid A1 is the west half of community A, A2 the east half; B1 covers community B.
/// Points: inside A1, inside A2, inside B1, and one in no area.
const A1: (f64, f64) = (40.0805, 113.3025);
const A2: (f64, f64) = (40.0805, 113.3075);
const B1: (f64, f64) = (40.1005, 113.3050);
const NOWHERE: (f64, f64) = (30.0, 100.0);

fn square(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> String {
    json!([[
        [lon0, lat0],
        [lon1, lat0],
        [lon1, lat1],
        [lon0, lat1],
        [lon0, lat0]
    ]])
    .to_string()
}

pub struct Fixture {
    pub a1: String,
    pub b1: String,
    pub key: String,
}

/// Grids with polygons, their workers, two residents, the district's departments with
/// `dept` acting for 城市管理局, and an Open311 key.
pub async fn fixture(app: &mut TestApp) -> Fixture {
    let mut grids = Vec::new();
    for (community, name) in [
        (COMMUNITY_A, "A 一网格"),
        (COMMUNITY_A, "A 二网格"),
        (COMMUNITY_B, "B 一网格"),
    ] {
        let r = app
            .post(
                "city",
                &format!("/api/v1/territories/{community}/children"),
                json!({ "name": name }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        grids.push(r.body["code"].as_str().unwrap().to_owned());
    }
    let places = [
        (
            COMMUNITY_A.to_owned(),
            square(113.300, 40.078, 113.310, 40.083),
        ),
        (grids[0].clone(), square(113.300, 40.078, 113.305, 40.083)),
        (grids[1].clone(), square(113.305, 40.078, 113.310, 40.083)),
        (
            COMMUNITY_B.to_owned(),
            square(113.300, 40.098, 113.310, 40.103),
        ),
        (grids[2].clone(), square(113.300, 40.098, 113.310, 40.103)),
    ];
    let logins = [
        ("grid_a1", Role::Grid, grids[0].clone()),
        ("grid_b1", Role::Grid, grids[2].clone()),
        ("resident_a", Role::Resident, COMMUNITY_A.to_owned()),
        ("resident_b", Role::Resident, COMMUNITY_B.to_owned()),
    ];
    let tokens = app.with_db(|c| {
        for (code, polygon) in &places {
            c.execute(
                "INSERT INTO territory_geo (code, lon, lat, polygon) VALUES ($1, 113.305, 40.08, $2)",
                datong_store::params![code.as_str(), polygon.as_str()],
            )
            .unwrap();
        }
        datong_store::request::catalogue::index_areas(c).unwrap();
        logins
            .iter()
            .map(|(login, role, scope)| {
                let scope = DivisionCode::parse(scope).unwrap();
                (*login, crate::helpers::add_account(c, login, *role, Some(&scope), false, datong_store::account::Binding::None))
            })
            .collect::<Vec<_>>()
    });
    app.tokens.extend(tokens);
    for (name, logins) in [
        ("城市管理局", json!(["dept"])),
        ("住房和城乡建设局", json!([])),
    ] {
        let r = app
            .post(
                "city",
                "/api/v1/departments",
                json!({ "district": "140213", "name": name, "logins": logins }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
    let key = app
        .post(
            "city",
            "/api/v1/open311-keys",
            json!({ "label": "测试客户端" }),
        )
        .await;
    assert_eq!(key.status, 201, "{:?}", key.body);
    Fixture {
        a1: grids[0].clone(),
        b1: grids[2].clone(),
        key: key.body["api_key"].as_str().unwrap().to_owned(),
    }
}

async fn file(app: &TestApp, who: &str, service: &str, at: (f64, f64)) -> Value {
    let r = app
        .post(
            who,
            "/api/v1/requests",
            json!({
                "service_code": service, "lat": at.0, "lon": at.1,
                "description": "楼下垃圾三天没人清运", "name": "张三", "phone": "13800138000"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body
}

async fn step(app: &TestApp, who: &str, id: i64, body: Value) -> Value {
    let r = app
        .post(who, &format!("/api/v1/requests/{id}/steps"), body.clone())
        .await;
    assert_eq!(r.status, 200, "{who} {body}: {:?}", r.body);
    r.body
}

fn advance(app: &TestApp, hours: i64) {
    *app.clock.0.lock().unwrap() += chrono::Duration::hours(hours);
}

fn tick(app: &TestApp) {
    let now = *app.clock.0.lock().unwrap();
    app.with_db(|c| datong_store::job::tick(c, now).unwrap());
}

async fn kinds(app: &TestApp, id: i64) -> String {
    let h = app
        .get("city", &format!("/api/v1/requests/{id}/history"))
        .await;
    assert_eq!(h.status, 200, "{:?}", h.body);
    h.body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

both!(a_request_goes_through_every_step);
async fn a_request_goes_through_every_step(mut app: TestApp) {
    let f = fixture(&mut app).await;
    let r = file(&app, "resident_a", "sanitation", A1).await;
    let id = r["id"].as_i64().unwrap();
    assert_eq!(
        (r["tier"].as_str(), r["handler_code"].as_str()),
        (Some("grid"), Some(f.a1.as_str()))
    );

    // The grid signs for it within the hour, replies; the community fails the result.
    advance(&app, 1);
    assert_eq!(
        step(&app, "grid_a1", id, json!({ "step": "take" })).await["stage"],
        "handling"
    );
    // Only the holder replies, only a level above verifies.
    let r = app
        .post(
            "grid_b1",
            &format!("/api/v1/requests/{id}/steps"),
            json!({ "step": "reply", "text": "已清运" }),
        )
        .await;
    assert_eq!(r.status, 404, "{:?}", r.body);
    step(
        &app,
        "grid_a1",
        id,
        json!({ "step": "reply", "text": "已联系环卫清运" }),
    )
    .await;
    let r = app
        .post(
            "grid_a1",
            &format!("/api/v1/requests/{id}/steps"),
            json!({ "step": "verify", "passed": true }),
        )
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    let r = step(
        &app,
        "a",
        id,
        json!({ "step": "verify", "passed": false, "note": "现场仍有垃圾" }),
    )
    .await;
    assert_eq!(
        (r["stage"].as_str(), r["reworks"].as_i64()),
        (Some("handling"), Some(1))
    );
    // Replied again and passed: closed. The resident is not satisfied: reopened.
    step(
        &app,
        "grid_a1",
        id,
        json!({ "step": "reply", "text": "已全部清运" }),
    )
    .await;
    assert_eq!(
        step(&app, "a", id, json!({ "step": "verify", "passed": true })).await["stage"],
        "closed"
    );
    let r = app
        .post(
            "resident_b",
            &format!("/api/v1/requests/{id}/steps"),
            json!({ "step": "rate", "score": 5, "solved": true }),
        )
        .await;
    assert_eq!(r.status, 404, "another resident cannot rate: {:?}", r.body);
    let r = app
        .post(
            "resident_a",
            &format!("/api/v1/requests/{id}/steps"),
            json!({ "step": "rate", "score": 9, "solved": true }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].as_str()),
        (422, Some("score")),
        "{:?}",
        r.body
    );
    let r = step(
        &app,
        "resident_a",
        id,
        json!({ "step": "rate", "score": 2, "solved": false, "text": "又堆起来了" }),
    )
    .await;
    assert_eq!(
        (r["stage"].as_str(), r["reworks"].as_i64()),
        (Some("handling"), Some(2))
    );
    step(
        &app,
        "grid_a1",
        id,
        json!({ "step": "extend", "hours": 24, "reason": "需协调环卫车辆" }),
    )
    .await;
    step(
        &app,
        "grid_a1",
        id,
        json!({ "step": "reply", "text": "已设固定清运点" }),
    )
    .await;
    step(&app, "a", id, json!({ "step": "verify", "passed": true })).await;
    let r = step(
        &app,
        "resident_a",
        id,
        json!({ "step": "rate", "score": 5, "solved": true, "text": "满意" }),
    )
    .await;
    assert_eq!(
        (
            r["stage"].as_str(),
            r["score"].as_i64(),
            r["extensions"].as_i64()
        ),
        (Some("rated"), Some(5), Some(1))
    );
    // A rated request takes no more steps.
    let r = app
        .post(
            "grid_a1",
            &format!("/api/v1/requests/{id}/steps"),
            json!({ "step": "take" }),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{:?}",
        r.body
    );

    assert_eq!(
        kinds(&app, id).await,
        "received dispatched taken replied rejected reopened replied verified closed rated reopened extended replied verified closed rated"
    );
    let h = app
        .get("city", &format!("/api/v1/requests/{id}/history"))
        .await;
    assert_eq!(h.body[2]["actor"], "grid_a1");
    assert_eq!(h.body[2]["at"], "2026-11-26T09:00:00.000000Z");
    // Every step is in the audit log, which still verifies.
    let audited = app.with_db(|c| {
        c.query_one(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'request' AND entity_id = $1",
            datong_store::params![id.to_string()],
        )
        .unwrap()
        .i64(0)
        .unwrap()
    });
    assert_eq!(audited, 11);
    assert!(
        app.with_db(|c| datong_store::audit::verify(c).unwrap())
            .problems
            .is_empty()
    );
}

both!(who_sees_what);
async fn who_sees_what(mut app: TestApp) {
    let f = fixture(&mut app).await;
    let in_a1 = file(&app, "resident_a", "sanitation", A1).await["id"]
        .as_i64()
        .unwrap();
    let in_a2 = file(&app, "resident_a", "sanitation", A2).await["id"]
        .as_i64()
        .unwrap();
    let in_b1 = file(&app, "resident_b", "sanitation", B1).await["id"]
        .as_i64()
        .unwrap();
    // Another street (of 云冈区), placed by its community's code.
    let elsewhere = "140214001002";
    let r = app.post("city", "/api/v1/requests", json!({ "service_code": "noise", "address_id": elsewhere, "description": "夜间施工", "channel": "hotline", "phone": "13900139000" })).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let far = r.body["id"].as_i64().unwrap();
    let ids = |b: &Value| -> Vec<i64> {
        b["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };

    // A grid worker: their grid only.
    assert_eq!(
        ids(&app.get("grid_a1", "/api/v1/requests").await.body),
        vec![in_a1]
    );
    assert_eq!(
        app.get("grid_a1", &format!("/api/v1/requests/{in_a2}"))
            .await
            .status,
        404
    );
    assert_eq!(
        ids(&app.get("grid_b1", "/api/v1/requests").await.body),
        vec![in_b1]
    );
    // The street: its own communities, not the other street's.
    assert_eq!(
        ids(&app.get("street", "/api/v1/requests").await.body),
        vec![in_b1, in_a2, in_a1]
    );
    assert_eq!(
        app.get("street", &format!("/api/v1/requests/{far}"))
            .await
            .status,
        404
    );
    assert_eq!(
        ids(&app.get("district", "/api/v1/requests").await.body),
        vec![in_b1, in_a2, in_a1]
    );
    assert_eq!(
        ids(&app.get("city", "/api/v1/requests").await.body),
        vec![far, in_b1, in_a2, in_a1]
    );
    // A resident: their own whole, another's as a public summary without personal data.
    assert_eq!(
        ids(&app.get("resident_b", "/api/v1/requests").await.body),
        vec![in_b1]
    );
    let own = app
        .get("resident_a", &format!("/api/v1/requests/{in_a1}"))
        .await;
    assert_eq!(
        (
            own.body["view"].as_str(),
            own.body["reporter"]["phone"].as_str()
        ),
        (Some("full"), Some("13800138000"))
    );
    let other = app
        .get("resident_b", &format!("/api/v1/requests/{in_a1}"))
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(other.body["view"], "public");
    let text = other.body.to_string();
    for private in [
        "张三",
        "13800138000",
        "垃圾三天",
        "resident_a",
        "description",
        "reporter",
        &f.a1,
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    let lat = other.body["lat"].as_f64().unwrap() * 1000.0;
    assert!(
        (lat - lat.round()).abs() < 1e-6,
        "the place is rounded: {lat}"
    );
    // Staff see the phone masked; unmasking needs the right and is audited.
    let masked = app.get("a", &format!("/api/v1/requests/{in_a1}")).await;
    assert_eq!(masked.body["reporter"]["phone"], "138****8000");
    assert_eq!(
        app.get("a", &format!("/api/v1/requests/{in_a1}?unmask=true"))
            .await
            .status,
        403
    );
    let before = app.with_db(|c| {
        c.query_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'unmask'",
            datong_store::params![],
        )
        .unwrap()
        .i64(0)
        .unwrap()
    });
    let open = app
        .get("a_unmask", &format!("/api/v1/requests/{in_a1}?unmask=true"))
        .await;
    assert_eq!(open.body["reporter"]["phone"], "13800138000");
    let after = app.with_db(|c| {
        c.query_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'unmask'",
            datong_store::params![],
        )
        .unwrap()
        .i64(0)
        .unwrap()
    });
    assert_eq!(after, before + 1);
    // Only staff take hotline calls.
    let r = app.post("resident_a", "/api/v1/requests", json!({ "service_code": "noise", "lat": A1.0, "lon": A1.1, "description": "x", "channel": "hotline" })).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    // In the pages too: a resident is neither offered the hotline form nor shown it.
    let list = format!("/t/{COMMUNITY_A}/requests");
    let (status, page) = app.page("resident_a", &list).await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("/requests/new"), "{page}");
    assert_eq!(app.page("resident_a", &format!("{list}/new")).await.0, 403);
    let (_, page) = app.page("a", &list).await;
    assert!(page.contains("/requests/new"), "staff take calls");
}

both!(unanswered_requests_climb_the_ladder);
async fn unanswered_requests_climb_the_ladder(mut app: TestApp) {
    fixture(&mut app).await;
    let id = file(&app, "resident_a", "sanitation", A1).await["id"]
        .as_i64()
        .unwrap();
    let holder = |app: &TestApp| {
        app.with_db(move |c| {
            let r = c.query_one("SELECT tier, handler_code, department_id, summons_id FROM request WHERE id = $1", datong_store::params![id]).unwrap();
            (r.str(0).unwrap(), r.opt_str(1).unwrap(), r.opt_i64(2).unwrap(), r.opt_i64(3).unwrap())
        })
    };
    // Within the two hours to sign for it, nothing moves.
    advance(&app, 1);
    tick(&app);
    assert_eq!(holder(&app).0, "grid");
    advance(&app, 2);
    tick(&app);
    assert_eq!(
        (holder(&app).0.as_str(), holder(&app).1.as_deref()),
        ("community", Some(COMMUNITY_A))
    );
    tick(&app);
    assert_eq!(
        holder(&app).0,
        "community",
        "a second run at the same moment does nothing"
    );
    // The community signs but does not answer in time (48 h for sanitation): the street.
    step(&app, "a", id, json!({ "step": "take" })).await;
    advance(&app, 44);
    tick(&app);
    assert_eq!(holder(&app).0, "community");
    advance(&app, 2);
    tick(&app);
    assert_eq!(
        (holder(&app).0.as_str(), holder(&app).1.as_deref()),
        ("street", Some("140213050"))
    );
    // The street says it is not its duty: the district's 城市管理局 is summoned.
    let r = step(
        &app,
        "street",
        id,
        json!({ "step": "decline", "reason": "属城管执法事项" }),
    )
    .await;
    assert_eq!(r["tier"], "department");
    let (_, _, dept, summons) = holder(&app);
    assert!(dept.is_some() && summons.is_some());
    let s = app
        .get("street", &format!("/api/v1/summonses/{}", summons.unwrap()))
        .await;
    assert_eq!(
        s.body["departments"][0]["department"], "城市管理局",
        "{:?}",
        s.body
    );
    // The department's account sees and holds it; the other district's does not.
    assert_eq!(
        app.get("dept", &format!("/api/v1/requests/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get("dept_b", &format!("/api/v1/requests/{id}"))
            .await
            .status,
        404
    );
    // Unsigned past its time: onto the street's 大工委 agenda, where the clock stops.
    advance(&app, 3);
    tick(&app);
    assert_eq!(
        (holder(&app).0.as_str(), holder(&app).1.as_deref()),
        ("agenda", Some("140213050"))
    );
    let agenda = app
        .get("street", "/api/v1/territories/140213050/agenda")
        .await;
    assert_eq!(
        agenda.body["items"][0]["request_id"], id,
        "{:?}",
        agenda.body
    );
    advance(&app, 100);
    tick(&app);
    assert_eq!(holder(&app).0, "agenda");
    assert_eq!(
        kinds(&app, id).await,
        "received dispatched escalated taken escalated declined escalated summoned tabled"
    );
    // A community's holder may table what it cannot solve at its own 大党委.
    let other = file(&app, "resident_a", "heating", A2).await;
    let other = other["id"].as_i64().unwrap();
    let r = step(
        &app,
        "a",
        other,
        json!({ "step": "table", "reason": "需物业与供热公司共同解决" }),
    )
    .await;
    assert_eq!(
        (r["tier"].as_str(), r["handler_code"].as_str()),
        (Some("agenda"), Some(COMMUNITY_A))
    );
}

both!(figures_on_a_known_fixture);
async fn figures_on_a_known_fixture(mut app: TestApp) {
    fixture(&mut app).await;
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for at in [A1, A1, A2, A2] {
            v.push(
                file(&app, "resident_a", "sanitation", at).await["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        v
    };
    // r0: signed in time, closed in time, rated 5 solved.
    // r1: signed late (3 h, the scan not run), closed late, rated 4 not solved.
    // r2: signed in time, failed once, extended, closed in time.
    // r3: never signed.
    // (hours to wait first, who, which request, the step)
    let script = [
        (1, "grid_a1", 0, json!({ "step": "take" })),
        (0, "a", 2, json!({ "step": "dispatch", "to": COMMUNITY_A })),
        (0, "a", 2, json!({ "step": "take" })),
        (0, "grid_a1", 0, json!({ "step": "reply", "text": "已办" })),
        (0, "a", 0, json!({ "step": "verify", "passed": true })),
        (
            0,
            "resident_a",
            0,
            json!({ "step": "rate", "score": 5, "solved": true }),
        ),
        (2, "grid_a1", 1, json!({ "step": "take" })),
        (0, "a", 2, json!({ "step": "reply", "text": "已办" })),
        (
            0,
            "street",
            2,
            json!({ "step": "verify", "passed": false, "note": "未办好" }),
        ),
        (
            0,
            "a",
            2,
            json!({ "step": "extend", "hours": 24, "reason": "等配件" }),
        ),
        (60, "a", 2, json!({ "step": "reply", "text": "已办好" })),
        (0, "street", 2, json!({ "step": "verify", "passed": true })),
        (0, "grid_a1", 1, json!({ "step": "reply", "text": "已办" })),
        (0, "a", 1, json!({ "step": "verify", "passed": true })),
        (
            0,
            "resident_a",
            1,
            json!({ "step": "rate", "score": 4, "solved": false }),
        ),
    ];
    for (wait, who, i, body) in script {
        advance(&app, wait);
        step(&app, who, ids[i], body).await;
    }

    let expect_tally = json!({ "received": 4, "responded": 2, "closed": 3, "closed_on_time": 2, "reworked": 1,
        "extended": 1, "rated": 2, "solved": 1, "satisfied": 2 });
    for node in [COMMUNITY_A, "140213050", "140213", "1402"] {
        let f = app
            .get(
                "city",
                &format!("/api/v1/territories/{node}/request-figures?period=2026"),
            )
            .await;
        assert_eq!(f.status, 200, "{:?}", f.body);
        assert_eq!(f.body["node"]["tally"], expect_tally, "{node}");
        let r = &f.body["node"]["rates"];
        assert_eq!(
            (
                r["response"].as_f64(),
                r["resolution"].as_f64(),
                r["satisfaction"].as_f64()
            ),
            (Some(50.0), Some(50.0), Some(100.0))
        );
        // 0.30 × 50 + 0.35 × 50 + 0.35 × 100
        assert_eq!(r["composite"].as_f64(), Some(67.5));
        assert_eq!(
            (
                r["closure"].as_f64(),
                r["rework"].as_f64(),
                r["extension"].as_f64()
            ),
            (Some(75.0), Some(100.0 / 3.0), Some(25.0))
        );
        assert_eq!(r["on_time_closure"].as_f64(), Some(200.0 / 3.0));
    }
    // Children: community A's two grids; the month's trend; another period is empty.
    let f = app
        .get(
            "city",
            &format!("/api/v1/territories/{COMMUNITY_A}/request-figures?period=2026-11"),
        )
        .await;
    let kids: Vec<(i64, i64)> = f.body["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["tally"]["received"].as_i64() > Some(0))
        .map(|k| {
            (
                k["tally"]["received"].as_i64().unwrap(),
                k["tally"]["closed"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(kids, vec![(2, 2), (2, 1)]);
    assert_eq!(f.body["months"][0][0], "2026-11");
    let empty = app
        .get(
            "city",
            &format!("/api/v1/territories/{COMMUNITY_A}/request-figures?period=2026-10"),
        )
        .await;
    assert_eq!(empty.body["node"]["tally"]["received"], 0);
    assert_eq!(empty.body["node"]["rates"]["composite"], Value::Null);
    // The city sets other weights: 40/30/30 → 20 + 15 + 30.
    let s = app
        .call(
            "city",
            "PUT",
            "/api/v1/request-settings",
            Some(json!({
        "limits": { "respond_hours": 2, "verify_hours": 24, "extend_hours": 72 },
        "weights": { "response": 40, "resolution": 30, "satisfaction": 30 } })),
        )
        .await;
    assert_eq!(s.status, 200, "{:?}", s.body);
    let f = app
        .get(
            "city",
            "/api/v1/territories/1402/request-figures?period=2026-Q4",
        )
        .await;
    assert_eq!(f.body["node"]["rates"]["composite"].as_f64(), Some(65.0));
    let bad = app
        .call(
            "street",
            "PUT",
            "/api/v1/request-settings",
            Some(json!({
        "limits": { "respond_hours": 2, "verify_hours": 24, "extend_hours": 72 },
        "weights": { "response": 40, "resolution": 30, "satisfaction": 30 } })),
        )
        .await;
    assert_eq!(bad.status, 403);
    // The map: requests by community under the street.
    let m = app
        .get(
            "city",
            "/api/v1/territories/140213050/request-map?period=2026&level=community",
        )
        .await;
    assert_eq!(m.status, 200, "{:?}", m.body);
    let a = m
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == COMMUNITY_A)
        .unwrap();
    assert_eq!(a["received"], 4);
}

// Open311 GeoReport v2.

async fn open311(
    app: &TestApp,
    method: &str,
    path: &str,
    form: Option<&[(&str, String)]>,
) -> (u16, String, String) {
    let mut req = app.http.request(
        method.parse().unwrap(),
        format!("{}/open311/v2/{path}", app.base),
    );
    if let Some(f) = form {
        req = req.form(f);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, ct, res.text().await.unwrap())
}

/// A 429 whose Retry-After is within the hour the throttles count.
fn told_to_wait_an_hour_at_most(r: &reqwest::Response) {
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 3600, "{wait}");
}

fn request_count(app: &TestApp) -> i64 {
    app.with_db(|c| {
        c.query_one("SELECT COUNT(*) FROM request", datong_store::params![])
            .unwrap()
            .i64(0)
            .unwrap()
    })
}

both!(open311_every_endpoint_in_both_formats);
async fn open311_every_endpoint_in_both_formats(mut app: TestApp) {
    let f = fixture(&mut app).await;
    let (s, ct, body) = open311(&app, "GET", "discovery.json", None).await;
    assert_eq!((s, ct.as_str()), (200, "application/json; charset=utf-8"));
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        d["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    let (s, ct, body) = open311(&app, "GET", "discovery.xml", None).await;
    assert_eq!((s, ct.as_str()), (200, "text/xml; charset=utf-8"));
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<discovery>"),
        "{body}"
    );
    assert!(
        body.contains(
            "<formats><format>text/xml</format><format>application/json</format></formats>"
        ),
        "{body}"
    );

    let (s, _, body) = open311(&app, "GET", "services.json", None).await;
    assert_eq!(s, 200);
    let services: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(services[0]["service_code"], "sanitation");
    assert_eq!(
        (
            services[0]["metadata"].as_bool(),
            services[0]["type"].as_str()
        ),
        (Some(false), Some("realtime"))
    );
    let (_, _, body) = open311(&app, "GET", "services.xml", None).await;
    assert!(body.contains("<services><service><service_code>sanitation</service_code><service_name>环境卫生</service_name>"), "{body}");
    let (s, _, body) = open311(&app, "GET", "services/heating.json", None).await;
    assert_eq!(
        (s, serde_json::from_str::<Value>(&body).unwrap()),
        (200, json!({ "service_code": "heating", "attributes": [] }))
    );
    let (_, _, body) = open311(&app, "GET", "services/heating.xml", None).await;
    assert!(body.contains("<service_definition><service_code>heating</service_code><attributes></attributes></service_definition>"), "{body}");
    let (s, _, body) = open311(&app, "GET", "services/nope.json", None).await;
    assert_eq!(s, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()[0]["code"],
        404
    );

    // Filing: form-encoded, in either format, with the key.
    let form = |code: &str, lat: &str| -> Vec<(&'static str, String)> {
        vec![
            ("api_key", f.key.clone()),
            ("service_code", code.into()),
            ("lat", lat.into()),
            ("long", A1.1.to_string()),
            ("description", "路灯不亮 <夜里很黑> & 危险".into()),
            ("first_name", "三".into()),
            ("last_name", "张".into()),
            ("phone", "13800138000".into()),
            ("email", "zhang@example.cn".into()),
        ]
    };
    let (s, _, body) = open311(
        &app,
        "POST",
        "requests.json",
        Some(&form("facilities", &A1.0.to_string())),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let id = created[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = created[0]["token"].as_str().unwrap().to_owned();
    let (s, _, body) = open311(
        &app,
        "POST",
        "requests.xml",
        Some(&form("noise", &A1.0.to_string())),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    assert!(
        body.contains("<service_requests><request><service_request_id>"),
        "{body}"
    );

    // Reading: one, many by id, by status and service, and the token.
    let (s, _, body) = open311(&app, "GET", &format!("requests/{id}.json"), None).await;
    assert_eq!(s, 200);
    let one: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (one[0]["status"].as_str(), one[0]["service_code"].as_str()),
        (Some("open"), Some("facilities"))
    );
    assert_eq!(one[0]["requested_datetime"], "2026-11-26T16:00:00+08:00");
    assert!(!one[0]["address"].as_str().unwrap().is_empty());
    assert!(
        !body.contains("张") && !body.contains("13800138000") && !body.contains("路灯不亮"),
        "public: {body}"
    );
    let (_, _, body) = open311(&app, "GET", &format!("requests/{id}.xml"), None).await;
    assert!(
        body.contains(&format!(
            "<request><service_request_id>{id}</service_request_id><status>open</status>"
        )),
        "{body}"
    );
    let (_, _, body) = open311(
        &app,
        "GET",
        "requests.json?status=open&service_code=noise",
        None,
    )
    .await;
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (_, _, body) = open311(
        &app,
        "GET",
        &format!("requests.json?service_request_id={id}"),
        None,
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Value>(&body)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (_, _, body) = open311(&app, "GET", "requests.json?status=closed", None).await;
    assert_eq!(body, "[]");
    let (_, _, body) = open311(
        &app,
        "GET",
        "requests.xml?start_date=2026-11-27T00:00:00%2B08:00",
        None,
    )
    .await;
    assert!(
        body.ends_with("<service_requests></service_requests>"),
        "{body}"
    );
    let (s, _, body) = open311(&app, "GET", &format!("tokens/{token}.json"), None).await;
    assert_eq!(
        (s, serde_json::from_str::<Value>(&body).unwrap()),
        (200, json!([{ "service_request_id": id, "token": token }]))
    );
    let (_, _, body) = open311(&app, "GET", &format!("tokens/{token}.xml"), None).await;
    assert!(body.contains(&format!("<token>{token}</token>")), "{body}");
    // The request is whole for its staff: the XML's escaped text came in as sent.
    let full = app.get("a", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(
        (
            full.body["description"].as_str(),
            full.body["channel"].as_str()
        ),
        (Some("路灯不亮 <夜里很黑> & 危险"), Some("open311"))
    );
    assert_eq!(full.body["reporter"]["name"], "张三");

    // Bad posts: an error in the spec's shape and nothing written.
    let before = request_count(&app);
    let mut no_key = form("facilities", "40.08");
    no_key.remove(0);
    let mut bad_key = form("facilities", "40.08");
    bad_key[0].1 = "0".repeat(48);
    type Case = (&'static str, Vec<(&'static str, String)>, u16, &'static str);
    let cases: Vec<Case> = vec![
        ("requests.json", no_key, 403, "api_key"),
        ("requests.json", bad_key, 403, "api_key"),
        ("requests.json", form("nope", "40.08"), 400, "service_code"),
        ("requests.json", form("facilities", "95"), 400, "lat"),
        ("requests.json", form("facilities", "abc"), 400, "lat"),
        (
            "requests.json",
            form("facilities", &NOWHERE.0.to_string()),
            400,
            "lat",
        ),
        ("requests.xml", form("", "40.08"), 400, "service_code"),
    ];
    for (path, form, status, field) in cases {
        let (s, _, body) = open311(&app, "POST", path, Some(&form)).await;
        assert_eq!(s, status, "{path} {form:?}: {body}");
        if path.ends_with(".json") {
            let e: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(e[0]["code"], status);
            assert!(
                e[0]["description"].as_str().unwrap().starts_with(field),
                "{body}"
            );
        } else {
            assert!(
                body.contains(&format!(
                    "<errors><error><code>{status}</code><description>{field}"
                )),
                "{body}"
            );
        }
    }
    let (s, _, body) = open311(
        &app,
        "POST",
        "requests.json",
        Some(&[
            ("api_key", f.key.clone()),
            ("service_code", "noise".into()),
            ("description", "没有位置".into()),
        ]),
    )
    .await;
    assert_eq!(s, 400, "{body}");
    let raw = app
        .http
        .post(format!("{}/open311/v2/requests.json", app.base))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 415);
    assert!(raw.text().await.unwrap().starts_with("[{\"code\":415"));
    // Photos: too large, or not a photo.
    // A photo over 5 MB (inside the 6 MB a post may carry), and a file that is no photo.
    let big = vec![0xFFu8; (5 << 20) + (512 << 10)];
    for (bytes, status) in [(big, 400u16), (b"%PDF-1.7 not a photo".to_vec(), 400)] {
        let mut m = reqwest::multipart::Form::new();
        for (k, v) in form("facilities", &A1.0.to_string()) {
            m = m.text(k, v);
        }
        m = m.part(
            "media",
            reqwest::multipart::Part::bytes(bytes).file_name("x.jpg"),
        );
        let res = app
            .http
            .post(format!("{}/open311/v2/requests.json", app.base))
            .multipart(m)
            .send()
            .await
            .unwrap();
        let s = res.status().as_u16();
        let body = res.text().await.unwrap();
        assert_eq!(s, status, "{body}");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()[0]["code"],
            status
        );
    }
    assert_eq!(request_count(&app), before);
    // A real photo goes in with the request.
    let mut m = reqwest::multipart::Form::new();
    for (k, v) in form("facilities", &A1.0.to_string()) {
        m = m.text(k, v);
    }
    m = m.part(
        "media",
        reqwest::multipart::Part::bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).file_name("x.png"),
    );
    let res = app
        .http
        .post(format!("{}/open311/v2/requests.json", app.base))
        .multipart(m)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let id: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    let id = id[0]["service_request_id"].as_str().unwrap();
    let full = app.get("a", &format!("/api/v1/requests/{id}")).await;
    assert_eq!(
        full.body["photos"][0]["kind"], "image/png",
        "{:?}",
        full.body
    );
    let _ = f.b1;
}

both!(open311_with_real_client_libraries);
async fn open311_with_real_client_libraries(mut app: TestApp) {
    let f = fixture(&mut app).await;
    let python = std::env::var("DATONG_TEST_PYTHON").expect(
        "DATONG_TEST_PYTHON is not set: run the tests with scripts/test, which installs the Open311 clients from PyPI",
    );
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/open311/client_check.py");
    let args = vec![
        script.display().to_string(),
        app.base.clone(),
        f.key.clone(),
        A1.0.to_string(),
        A1.1.to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).unwrap();
    // What the clients filed is in the store, whole, placed in grid A1.
    for id in report["filed"].as_array().unwrap() {
        let r = app
            .get(
                "grid_a1",
                &format!("/api/v1/requests/{}", id.as_str().unwrap()),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(
            (
                r.body["channel"].as_str(),
                r.body["reporter"]["name"].as_str()
            ),
            (Some("open311"), Some("张三"))
        );
    }
}

/// The residents' form without an account: a request filed with a tapped point and a
/// photo, read back by its receipt; bad posts refused with the field named and nothing
/// written; and an address that posts too often told to wait.
async fn residents_form_without_an_account(mut app: TestApp) {
    let fx = fixture(&mut app).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = http
        .get(format!("{}/report?at={COMMUNITY_A}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("report-form") && html.contains("sanitation"),
        "{html}"
    );

    let form = |fields: &[(&str, &str)], photos: Vec<Vec<u8>>| {
        let mut m = reqwest::multipart::Form::new();
        for (k, v) in fields {
            m = m.text(k.to_string(), v.to_string());
        }
        for p in photos {
            m = m.part(
                "media",
                reqwest::multipart::Part::bytes(p).file_name("p.png"),
            );
        }
        m
    };
    let (lat, lon) = (A1.0.to_string(), A1.1.to_string());
    let good = [
        ("community", COMMUNITY_A),
        ("service_code", "sanitation"),
        ("lat", lat.as_str()),
        ("lon", lon.as_str()),
        ("description", "楼下垃圾没人收"),
        ("phone", "10012345678"),
    ];
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let posted = http
        .post(format!("{}/report", app.base))
        .multipart(form(&good, vec![png.clone()]))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    let receipt = posted.headers()["location"].to_str().unwrap().to_owned();
    assert!(receipt.starts_with("/report/r/"), "{receipt}");
    let shown = http
        .get(format!("{}{receipt}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    let shown = shown.text().await.unwrap();
    assert!(
        shown.contains("环境卫生") && !shown.contains("10012345678"),
        "{shown}"
    );
    let stored = app.with_db(|c| {
        let r = c
            .query_one(
                "SELECT channel, node_code, reporter_login, (SELECT COUNT(*) FROM request_photo p WHERE p.request_id = r.id) \
                 FROM request r ORDER BY id DESC LIMIT 1",
                &[],
            )
            .unwrap();
        (r.str(0).unwrap(), r.str(1).unwrap(), r.opt_str(2).unwrap(), r.i64(3).unwrap())
    });
    assert_eq!(stored, ("web".into(), fx.a1.clone(), None, 1));

    // Each bad post: 400, the form again with the field marked, nothing written.
    let before = request_count(&app);
    let no_text: Vec<(&str, &str)> = good
        .iter()
        .copied()
        .filter(|(k, _)| *k != "description")
        .collect();
    let no_place: Vec<(&str, &str)> = good
        .iter()
        .copied()
        .filter(|(k, _)| *k != "lat" && *k != "lon")
        .collect();
    fn with<'a>(
        fields: &[(&'a str, &'a str)],
        field: &str,
        value: &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        fields
            .iter()
            .map(|&(k, v)| if k == field { (k, value) } else { (k, v) })
            .collect()
    }
    let bad_phone = with(&good, "phone", "12345");
    // A NUL byte (which PostgreSQL refuses), and a text of zero-width spaces.
    let nul = with(&good, "description", "楼下\u{0}垃圾");
    let invisible = with(&good, "description", "\u{200B}\u{200B}");
    // A point in community B on community A's map.
    let (b_lat, b_lon) = (B1.0.to_string(), B1.1.to_string());
    let outside = with(&with(&good, "lat", &b_lat), "lon", &b_lon);
    type Fields<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(Fields, Vec<Vec<u8>>, &str)> = vec![
        (no_text, vec![], "err-description"),
        (no_place, vec![], "err-lat"),
        (bad_phone, vec![], "err-phone"),
        (nul, vec![], "err-description"),
        (invisible, vec![], "err-description"),
        (outside, vec![], "err-lat"),
        (good.to_vec(), vec![b"%PDF-1.7".to_vec()], "err-media"),
        (good.to_vec(), vec![png.clone(); 5], "err-media"),
    ];
    let posted_so_far = 1 + cases.len();
    for (fields, photos, marked) in cases {
        let r = http
            .post(format!("{}/report", app.base))
            .multipart(form(&fields, photos))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{marked}");
        let body = r.text().await.unwrap();
        assert!(
            body.contains(&format!("id=\"{marked}\"")),
            "{marked}: {body}"
        );
        if fields.contains(&("lat", b_lat.as_str())) {
            assert!(body.contains("不在您选择的社区内"), "{body}");
        }
    }
    assert_eq!(request_count(&app), before, "a refused post writes nothing");

    // The limit is ten posts an hour from one address.
    let limit = datong_http::throttle::Throttle::REPORT_LIMIT as usize;
    for _ in posted_so_far..limit {
        let r = http
            .post(format!("{}/report", app.base))
            .multipart(form(&good, vec![]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
    }
    let r = http
        .post(format!("{}/report", app.base))
        .multipart(form(&good, vec![]))
        .send()
        .await
        .unwrap();
    told_to_wait_an_hour_at_most(&r);
    assert_eq!(request_count(&app), before + (limit - posted_so_far) as i64);
}
both!(residents_form_without_an_account);

/// A backlog climbs a bounded number at a time, the longest overdue first, so one run of
/// the clock never keeps intake waiting behind all of it.
async fn a_backlog_climbs_a_bounded_number_at_a_time(mut app: TestApp) {
    fixture(&mut app).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            file(&app, "resident_a", "sanitation", A1).await["id"]
                .as_i64()
                .unwrap(),
        );
        advance(&app, 1);
    }
    advance(&app, 4);
    let actor = datong_store::audit::Actor {
        login: "job".into(),
        at: datong_store::audit::timestamp(*app.clock.0.lock().unwrap()),
    };
    let climbed = |most| {
        let actor = actor.clone();
        app.with_db(move |c| datong_store::request::workflow::scan(c, &actor, most).unwrap())
    };
    assert_eq!(climbed(2), 2);
    assert!(kinds(&app, ids[0]).await.contains("escalated"));
    assert!(kinds(&app, ids[1]).await.contains("escalated"));
    assert!(
        !kinds(&app, ids[2]).await.contains("escalated"),
        "the newest waits"
    );
    assert_eq!(climbed(2), 1);
    assert_eq!(climbed(2), 0, "nothing more at the same moment");
}
both!(a_backlog_climbs_a_bounded_number_at_a_time);

/// Forty requests are filed at once while others send control characters in every text
/// field: the bad ones are refused with a 4xx naming the field, and every good one is
/// stored, whatever batch of the group commit it shared.
async fn a_bad_request_never_fails_another(mut app: TestApp) {
    let fx = fixture(&mut app).await;
    let before = request_count(&app);
    let good = (0..40).map(|i| {
        json!({ "service_code": "sanitation", "lat": A1.0, "lon": A1.1, "description": format!("第 {i} 件") })
    });
    let bad = [
        (
            "service_code",
            json!({ "service_code": "sani\u{0}tation", "lat": A1.0, "lon": A1.1, "description": "坏" }),
        ),
        (
            "description",
            json!({ "service_code": "sanitation", "lat": A1.0, "lon": A1.1, "description": "坏\u{0}" }),
        ),
        (
            "name",
            json!({ "service_code": "sanitation", "lat": A1.0, "lon": A1.1, "description": "坏", "name": "张\u{0}三" }),
        ),
        (
            "address",
            json!({ "service_code": "sanitation", "lat": A1.0, "lon": A1.1, "description": "坏", "address": "一\u{7}号楼" }),
        ),
        (
            "email",
            json!({ "service_code": "sanitation", "lat": A1.0, "lon": A1.1, "description": "坏", "email": "a\u{0}@b.cn" }),
        ),
    ];
    let mut sent = tokio::task::JoinSet::new();
    let bodies = good
        .map(|b| (None, b))
        .chain(bad.iter().map(|(f, b)| (Some(*f), b.clone())));
    for (field, body) in bodies {
        let req = app
            .http
            .post(format!("{}/api/v1/requests", app.base))
            .bearer_auth(&app.tokens["a"])
            .json(&body);
        sent.spawn(async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (field, status, r.json::<Value>().await.unwrap())
        });
    }
    while let Some(done) = sent.join_next().await {
        let (field, status, body) = done.unwrap();
        match field {
            None => assert_eq!(status, 201, "{body}"),
            Some(f) => {
                assert!(matches!(status, 400 | 422), "{f}: {status} {body}");
                assert_eq!(body["error"]["field"], f, "{body}");
            }
        }
    }
    assert_eq!(request_count(&app), before + 40);

    // Open311's form fields go the same way.
    let r = app
        .http
        .post(format!("{}/open311/v2/requests.json", app.base))
        .form(&[
            ("api_key", fx.key.as_str()),
            ("service_code", "sanitation"),
            ("lat", &A1.0.to_string()),
            ("long", &A1.1.to_string()),
            ("description", "坏\u{0}"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(request_count(&app), before + 40);

    // A draft the database itself refuses, in the middle of a batch, fails alone.
    let written = app.with_db(|c| {
        use datong_store::request::intake::{Draft, receive};
        let draft = |login: &str| Draft {
            service_code: "sanitation".into(),
            channel: datong_domain::request::Channel::Api,
            point: None,
            place: Some(DivisionCode::parse(&fx.a1).unwrap()),
            address: String::new(),
            description: "同批".into(),
            reporter_login: Some(login.into()),
            reporter_name: None,
            reporter_phone: None,
            reporter_email: None,
            device_id: None,
            photos: Vec::new(),
            within: None,
        };
        let actor = crate::helpers::system().actor;
        // No NUL reaches a check from an account's login; the database alone refuses it
        // (PostgreSQL), or takes it (SQLite).
        let batch = [draft("a"), draft("b\u{0}"), draft("c")].map(|d| (actor.clone(), d));
        receive(c, &batch)
            .unwrap()
            .iter()
            .map(Result::is_ok)
            .collect::<Vec<_>>()
    });
    assert!(written[0] && written[2], "{written:?}");
    let expected = before + 40 + written.iter().filter(|w| **w).count() as i64;
    assert_eq!(request_count(&app), expected);
}
both!(a_bad_request_never_fails_another);

/// A jurisdiction an Open311 client names is a place this server holds, and a request
/// filed under it lies inside it; an unknown one is refused, never ignored.
async fn open311_jurisdictions_are_checked(mut app: TestApp) {
    let f = fixture(&mut app).await;
    let before = request_count(&app);
    let post = |jurisdiction: &str| {
        vec![
            ("api_key", f.key.clone()),
            ("jurisdiction_id", jurisdiction.to_owned()),
            ("service_code", "sanitation".to_owned()),
            ("lat", A1.0.to_string()),
            ("long", A1.1.to_string()),
            ("description", "楼道堆物".to_owned()),
        ]
    };
    let (s, _, body) = open311(&app, "POST", "requests.json", Some(&post("1402"))).await;
    assert_eq!(s, 201, "{body}");
    // Community A lies in 平城区 (140213), not 云冈区 (140214).
    for (jurisdiction, says) in [
        ("140214", "辖区（jurisdiction_id）内"),
        ("9999", "jurisdiction_id"),
        ("datong.gov.cn", "jurisdiction_id"),
    ] {
        let (s, _, body) = open311(&app, "POST", "requests.json", Some(&post(jurisdiction))).await;
        assert_eq!(s, 400, "{jurisdiction}: {body}");
        assert!(body.contains(says), "{jurisdiction}: {body}");
    }
    assert_eq!(request_count(&app), before + 1);
    let (s, _, _) = open311(&app, "GET", "services.json?jurisdiction_id=1402", None).await;
    assert_eq!(s, 200);
    let (s, _, body) = open311(&app, "GET", "services.json?jurisdiction_id=nowhere", None).await;
    assert_eq!(s, 400, "{body}");
}
both!(open311_jurisdictions_are_checked);

/// A resident's account files as the residents' form does, so many an hour; a clerk
/// taking calls is not held to it.
async fn a_residents_account_files_so_many_an_hour(mut app: TestApp) {
    fixture(&mut app).await;
    let limit = datong_http::throttle::Throttle::REPORT_LIMIT;
    for _ in 0..limit {
        file(&app, "resident_a", "sanitation", A1).await;
    }
    let body = json!({ "service_code": "sanitation", "lat": A1.0, "lon": A1.1, "description": "再报一件" });
    let r = app
        .http
        .post(format!("{}/api/v1/requests", app.base))
        .bearer_auth(&app.tokens["resident_a"])
        .json(&body)
        .send()
        .await
        .unwrap();
    told_to_wait_an_hour_at_most(&r);
    // Another resident, and a clerk, file on.
    file(&app, "resident_b", "sanitation", B1).await;
    for _ in 0..=limit {
        let mut call = body.clone();
        call["channel"] = json!("hotline");
        let r = app.post("a", "/api/v1/requests", call).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
    }
}
both!(a_residents_account_files_so_many_an_hour);

/// A resident without an account follows the request on the receipt — what they sent,
/// their photo, every step with its time — finds the receipt again by the number and the
/// phone they gave (a wrong pair says only that it does not match), and rates the result
/// there once it is closed, once.
async fn a_resident_follows_and_rates_by_the_receipt(mut app: TestApp) {
    let _ = fixture(&mut app).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (lat, lon) = (A1.0.to_string(), A1.1.to_string());
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let form = reqwest::multipart::Form::new()
        .text("community", COMMUNITY_A)
        .text("service_code", "sanitation")
        .text("lat", lat)
        .text("lon", lon)
        .text("description", "三号楼下垃圾没人收")
        .text("phone", "10012345678")
        .part(
            "media",
            reqwest::multipart::Part::bytes(png.clone()).file_name("p.png"),
        );
    let posted = http
        .post(format!("{}/report", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    let receipt = posted.headers()["location"].to_str().unwrap().to_owned();
    let get = |path: String| {
        let http = http.clone();
        let base = app.base.clone();
        async move {
            let r = http.get(format!("{base}{path}")).send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    // The community is found by typing its name, or its pinyin initials.
    let (name, initials) = app.with_db(|c| {
        let r = c
            .query_one(
                "SELECT name, initials FROM territory WHERE code = $1",
                &[COMMUNITY_A.into()],
            )
            .unwrap();
        (r.str(0).unwrap(), r.str(1).unwrap())
    });
    for q in [name.chars().take(2).collect::<String>(), initials] {
        let (status, found) = get(format!("/report?q={q}")).await;
        assert_eq!(status, 200);
        assert!(
            found.contains(&format!("href=\"/report?at={COMMUNITY_A}\"")),
            "{q}: {found}"
        );
    }
    let (status, page) = get(receipt.clone()).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("三号楼下垃圾没人收")
            && page.contains("id=\"timeline\"")
            && page.contains("受理"),
        "{page}"
    );
    assert!(
        !page.contains("id=\"rate\""),
        "nothing to rate before it is closed"
    );
    let photo = page
        .split(&format!("src=\"{receipt}/photos/"))
        .nth(1)
        .expect("the photo is shown");
    let photo = photo.split('"').next().unwrap();
    let r = http
        .get(format!("{}{receipt}/photos/{photo}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec()),
        (200, png)
    );
    let id: i64 = page
        .split("id=\"request-id\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    // Found again by number and phone; a wrong pair is told only that it does not match.
    let lookup = |id: String, phone: &'static str| {
        let http = http.clone();
        let base = app.base.clone();
        async move {
            http.post(format!("{base}/report/status"))
                .form(&[("id", id.as_str()), ("phone", phone)])
                .send()
                .await
                .unwrap()
        }
    };
    let found = lookup(id.to_string(), "10012345678").await;
    assert_eq!(
        (
            found.status().as_u16(),
            found.headers()["location"].to_str().unwrap()
        ),
        (303, receipt.as_str())
    );
    for (id, phone) in [
        (id.to_string(), "13800138000"),
        ((id + 1000).to_string(), "10012345678"),
        ("x".into(), "1"),
    ] {
        let miss = lookup(id, phone).await;
        assert_eq!(miss.status(), 422);
        assert!(miss.text().await.unwrap().contains("不匹配"));
    }

    // Closed by the grid and the community, then rated on the receipt, once.
    step(&app, "grid_a1", id, json!({ "step": "take" })).await;
    step(
        &app,
        "grid_a1",
        id,
        json!({ "step": "reply", "text": "已清运" }),
    )
    .await;
    step(&app, "a", id, json!({ "step": "verify", "passed": true })).await;
    let (_, page) = get(receipt.clone()).await;
    assert!(page.contains("id=\"rate\""), "{page}");
    let rate = |score: &'static str| {
        let http = http.clone();
        let url = format!("{}{receipt}/rating", app.base);
        async move {
            http.post(url)
                .form(&[("score", score), ("solved", "1"), ("text", "很及时")])
                .send()
                .await
                .unwrap()
        }
    };
    let bad = rate("9").await;
    assert_eq!(bad.status(), 422, "a score out of range");
    let ok = rate("5").await;
    assert_eq!(
        ok.headers()["location"].to_str().unwrap(),
        format!("{receipt}?ok=rated")
    );
    let (_, page) = get(format!("{receipt}?ok=rated")).await;
    assert!(
        page.contains("评价已提交") && page.contains("5 / 5") && !page.contains("id=\"rate\""),
        "{page}"
    );
    assert_eq!(rate("4").await.status(), 422, "rated once");
    let stored = app.with_db(|c| {
        let r = c
            .query_one(
                "SELECT stage, score, solved FROM request WHERE id = $1",
                &[id.into()],
            )
            .unwrap();
        (r.str(0).unwrap(), r.i64(1).unwrap(), r.i64(2).unwrap())
    });
    assert_eq!(stored, ("rated".into(), 5, 1));
}
both!(a_resident_follows_and_rates_by_the_receipt);

/// Places are chosen by name: the hotline form offers the community's grids in a picker,
/// and the request page's 改派 offers the street's places, never a box for a code; the
/// history names a resident's step by what it was, not by a login's token.
async fn hotline_and_dispatch_choose_places_by_name(mut app: TestApp) {
    let f = fixture(&mut app).await;
    let (status, form) = app
        .page("a", &format!("/t/{COMMUNITY_A}/requests/new"))
        .await;
    assert_eq!(status, 200);
    assert!(
        form.contains("<select class=\"picker\" name=\"address_id\"")
            && form.contains(&format!("<option value=\"{}\"", f.a1))
            && form.contains("A 二网格"),
        "{form}"
    );
    assert!(!form.contains("编码"), "no code is asked for: {form}");
    let (http, cookie) = web_session(&app, "a").await;
    let csrf = csrf_of(
        &page_in(
            &http,
            &cookie,
            &app,
            &format!("/t/{COMMUNITY_A}/requests/new"),
        )
        .await,
    );
    let r = http
        .post(format!("{}/t/{COMMUNITY_A}/requests/new", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("service_code", "sanitation"),
            ("address_id", f.a1.as_str()),
            ("description", "来电反映楼道堆物"),
            ("phone", "13900139000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = at.trim_start_matches("/requests/").parse().unwrap();

    // The community re-dispatches it by name.
    let (_, page) = app.page("a", &at).await;
    assert!(
        page.contains("data-step=\"dispatch\"")
            && page.contains("<select class=\"picker\" name=\"to\""),
        "{page}"
    );
    let a2 = page
        .split("<option value=\"")
        .skip(1)
        .find(|o| o.contains("A 二网格"))
        .and_then(|o| o.split('"').next())
        .expect("the second grid is offered")
        .to_owned();
    let csrf = csrf_of(&page_in(&http, &cookie, &app, &at).await);
    let r = http
        .post(format!("{}{at}/steps", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("step", "dispatch"),
            ("to", a2.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_redirection() || r.status() == 200,
        "{}",
        r.status()
    );
    let handler = app.get("a", &format!("/api/v1/requests/{id}")).await.body;
    assert_eq!(handler["handler_code"], json!(a2));

    // The map a point is tapped on: the picked grid's community, for who sees it.
    for (who, code, status) in [
        ("a", f.a1.clone(), 200),
        ("a", COMMUNITY_A.to_owned(), 200),
        ("b", f.a1.clone(), 404),
        ("a", COMMUNITY_A[..9].to_owned(), 400),
    ] {
        let (got, body) = app.page(who, &format!("/t/{code}/pick-map")).await;
        assert_eq!(got, status, "{who} {code}: {body}");
        if status == 200 {
            assert!(
                body.contains("class=\"grid") && body.contains("<svg"),
                "{body}"
            );
        }
    }
}
both!(hotline_and_dispatch_choose_places_by_name);
