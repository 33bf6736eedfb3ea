//! The street through HTTP on both engines: its 5+2+1 offices from the city's template,
//! and each of its five powers, with who may do what.

use crate::both;
use crate::helpers::TestApp;
use serde_json::json;

const STREET: &str = "140213050";

async fn head(app: &TestApp) -> serde_json::Value {
    app.get("city", &format!("/api/v1/territories/{STREET}/agencies"))
        .await
        .body[0]["head"]
        .clone()
}

fn set_day(app: &TestApp, day: &str) {
    let d: chrono::NaiveDate = day.parse().unwrap();
    *app.clock.0.lock().unwrap() = d.and_hms_opt(8, 0, 0).unwrap().and_utc();
}

both!(streets_take_their_offices_from_the_citys_template);
async fn streets_take_their_offices_from_the_citys_template(app: TestApp) {
    // A district sets up its own streets, not the city's.
    let r = app
        .post(
            "district",
            "/api/v1/territories/1402/offices/apply",
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .post(
            "district",
            "/api/v1/territories/140213/offices/apply",
            json!({}),
        )
        .await;
    assert_eq!(r.body["streets"], 1);
    let r = app
        .post("city", "/api/v1/territories/1402/offices/apply", json!({}))
        .await;
    assert_eq!(
        (r.status, r.body["streets"].as_i64()),
        (200, Some(2)),
        "{}",
        r.body
    );
    let offices = app
        .get("street", &format!("/api/v1/territories/{STREET}/offices"))
        .await
        .body;
    let kinds: Vec<&str> = offices
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "office").count(), 5);
    assert_eq!(kinds.iter().filter(|k| **k == "centre").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "station").count(), 1);
    let first = offices[0]["id"].as_i64().unwrap();
    let r = app
        .post(
            "street",
            &format!("/api/v1/offices/{first}/staff"),
            json!({"name": "赵敏", "post": "主任"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        app.post(
            "dept_b",
            &format!("/api/v1/offices/{first}/staff"),
            json!({"name": "x", "post": "y"})
        )
        .await
        .status,
        404
    );
    assert_eq!(
        app.get("dept_b", &format!("/api/v1/territories/{STREET}/offices"))
            .await
            .status,
        404
    );

    // The city renames one; applying again renames it in every street, staff kept.
    let mut rows = app.get("city", "/api/v1/office-template").await.body;
    rows[3]["name"] = json!("公共安全办公室（平安建设办公室）");
    assert_eq!(
        app.call(
            "street",
            "PUT",
            "/api/v1/office-template",
            Some(json!({"rows": rows.clone()}))
        )
        .await
        .status,
        403
    );
    let r = app
        .call(
            "city",
            "PUT",
            "/api/v1/office-template",
            Some(json!({"rows": rows})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.post("city", "/api/v1/territories/1402/offices/apply", json!({}))
        .await;
    let offices = app
        .get("street", &format!("/api/v1/territories/{STREET}/offices"))
        .await
        .body;
    assert_eq!(offices[3]["name"], "公共安全办公室（平安建设办公室）");
    assert_eq!(offices[0]["staff"][0]["name"], "赵敏");
}

both!(the_five_powers_each_belong_to_one_side);
async fn the_five_powers_each_belong_to_one_side(app: TestApp) {
    let dep = app
        .post(
            "district",
            "/api/v1/departments",
            json!({"district": "140213", "name": "平城区市场监督管理局", "logins": ["dept"]}),
        )
        .await;
    assert_eq!(dep.status, 201, "{}", dep.body);
    let dep = dep.body["id"].as_i64().unwrap();
    assert_eq!(
        app.post(
            "dept_b",
            "/api/v1/departments",
            json!({"district": "140213", "name": "x"})
        )
        .await
        .status,
        404
    );
    let agency = app
        .post(
            "district",
            "/api/v1/agencies",
            json!({"department_id": dep, "street": STREET, "name": "永泰市场监管所"}),
        )
        .await;
    assert_eq!(agency.status, 201, "{}", agency.body);
    let agency = agency.body["id"].as_i64().unwrap();

    // Consent to appointments: nothing changes without it.
    let propose = |person: &'static str| {
        let app = &app;
        async move {
            let r = app
                .post(
                    "district",
                    &format!("/api/v1/agencies/{agency}/appointments"),
                    json!({"action": "appoint", "person": person, "reason": "工作需要"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.body["id"].as_i64().unwrap()
        }
    };
    assert_eq!(
        app.post(
            "street",
            &format!("/api/v1/agencies/{agency}/appointments"),
            json!({"action": "appoint", "person": "x", "reason": "x"})
        )
        .await
        .status,
        403
    );
    let first = propose("王建国").await;
    assert_eq!(
        head(&app).await,
        json!(null),
        "a proposal alone appoints nobody"
    );
    assert_eq!(
        app.post(
            "district",
            &format!("/api/v1/appointments/{first}/consent"),
            json!({"given": true, "text": "同意"})
        )
        .await
        .status,
        403
    );
    let r = app
        .post(
            "street",
            &format!("/api/v1/appointments/{first}/consent"),
            json!({"given": false, "text": "该同志不熟悉街道情况。"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["consent"].as_bool()),
        (200, Some(false)),
        "{}",
        r.body
    );
    assert_eq!(head(&app).await, json!(null), "refused: no appointment");
    let second = propose("李卫东").await;
    let r = app
        .post(
            "street",
            &format!("/api/v1/appointments/{second}/consent"),
            json!({"given": true, "text": "同意。"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(head(&app).await, json!("李卫东"));
    assert_eq!(
        app.post(
            "street",
            &format!("/api/v1/appointments/{second}/consent"),
            json!({"given": false, "text": "改主意"})
        )
        .await
        .status,
        409
    );

    // Rating the head: the street rates once a period, the district sees it.
    let rate = json!({"period": "2026-Q4", "grade": "competent", "comment": "配合街道工作积极。"});
    assert_eq!(
        app.post(
            "district",
            &format!("/api/v1/agencies/{agency}/ratings"),
            rate.clone()
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.post(
            "street",
            &format!("/api/v1/agencies/{agency}/ratings"),
            rate.clone()
        )
        .await
        .status,
        201
    );
    assert_eq!(
        app.post(
            "street",
            &format!("/api/v1/agencies/{agency}/ratings"),
            rate
        )
        .await
        .status,
        409
    );
    let seen = app
        .get(
            "district",
            "/api/v1/territories/140213/agency-ratings?period=2026-Q4",
        )
        .await
        .body;
    assert_eq!(
        (seen[0]["head"].as_str(), seen[0]["grade"].as_str()),
        (Some("李卫东"), Some("competent"))
    );
    assert_eq!(
        app.get("dept_b", "/api/v1/territories/1402/agency-ratings")
            .await
            .body,
        json!([])
    );

    // Planning participation: the district consults, the street answers in ten working days.
    assert_eq!(
        app.post(
            "street",
            "/api/v1/consultations",
            json!({"kind": "planning", "street": STREET, "subject": "x", "body": "x"})
        )
        .await
        .status,
        403
    );
    let c = app
        .post("district", "/api/v1/consultations", json!({"kind": "planning", "street": STREET, "subject": "御河东路改造工程", "body": "拟于明年三月开工，请街道提出意见。"}))
        .await;
    assert_eq!(
        (c.status, c.body["due"].as_str()),
        (201, Some("2026-12-10")),
        "{}",
        c.body
    );
    let c = c.body["id"].as_i64().unwrap();
    set_day(&app, "2026-12-11");
    assert_eq!(
        app.post(
            "district",
            &format!("/api/v1/consultations/{c}/answer"),
            json!({"text": "x"})
        )
        .await
        .status,
        403
    );
    let r = app
        .post(
            "street",
            &format!("/api/v1/consultations/{c}/answer"),
            json!({"text": "建议增设非机动车道。"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["late"].as_bool()),
        (200, Some(true)),
        "{}",
        r.body
    );
    // Advice: the other way round.
    let a = app
        .post("street", "/api/v1/consultations", json!({"kind": "advice", "street": STREET, "subject": "老旧小区加装电梯", "body": "建议优先安排永泰街道三个小区。"}))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let r = app
        .post(
            "district",
            &format!("/api/v1/consultations/{}/answer", a.body["id"]),
            json!({"text": "已纳入明年计划。"}),
        )
        .await;
    assert_eq!((r.status, r.body["late"].as_bool()), (200, Some(false)));

    // 吹哨报到: the street summons; the department reports, then resolves.
    let body = json!({"street": STREET, "subject": "农贸市场周边占道经营", "body": "请于次日到场会商。", "departments": [dep], "report_by": "2026-12-12", "resolve_by": "2026-12-20"});
    assert_eq!(
        app.post("district", "/api/v1/summonses", body.clone())
            .await
            .status,
        403
    );
    let s = app.post("street", "/api/v1/summonses", body).await;
    assert_eq!(s.status, 201, "{}", s.body);
    let s = s.body["id"].as_i64().unwrap();
    let path = |step: &str| format!("/api/v1/summonses/{s}/departments/{dep}/{step}");
    assert_eq!(
        app.get("dept_b", &format!("/api/v1/summonses/{s}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.post("dept", &path("resolve"), json!({"text": "已清理"}))
            .await
            .status,
        409,
        "report first"
    );
    let r = app
        .post("dept", &path("report"), json!({"text": "执法人员已到场。"}))
        .await;
    assert_eq!(
        (
            r.status,
            r.body["departments"][0]["reported_late"].as_bool()
        ),
        (200, Some(false)),
        "{}",
        r.body
    );
    set_day(&app, "2026-12-22");
    let r = app
        .post(
            "dept",
            &path("resolve"),
            json!({"text": "已清理摊点 12 处。"}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        (
            r.body["closed"].as_bool(),
            r.body["departments"][0]["resolved_late"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let listed = app
        .get("district", "/api/v1/territories/140213/summonses")
        .await
        .body;
    assert_eq!(listed["items"][0]["id"], s);
}

/// 吹哨报到 in the pages, each step by its own side: the street summons from its page, the
/// department reports and resolves from the same page, each with a message; neither sees
/// the other's forms.
async fn a_summons_is_answered_in_the_pages(app: TestApp) {
    use crate::helpers::{csrf_of, page_in, web_session};
    let dep = app
        .post(
            "district",
            "/api/v1/departments",
            json!({"district": "140213", "name": "平城区城市管理局", "logins": ["dept"]}),
        )
        .await;
    assert_eq!(dep.status, 201, "{}", dep.body);
    let dep = dep.body["id"].as_i64().unwrap();
    let page = format!("/t/{STREET}/street");
    let (_, dept_page) = app.page("dept", &page).await;
    assert!(
        !dept_page.contains("id=\"summon\""),
        "only the street summons"
    );

    let (http, cookie) = web_session(&app, "street").await;
    let street_page = page_in(&http, &cookie, &app, &page).await;
    assert!(
        street_page.contains("id=\"summon\"") && street_page.contains("平城区城市管理局"),
        "{street_page}"
    );
    let token = csrf_of(&street_page);
    let dep_id = dep.to_string();
    let r = http
        .post(format!("{}/t/{STREET}/summonses", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", token.as_str()),
            ("subject", "背街小巷占道经营整治"),
            ("body", "需城管、市场监管联合执法。"),
            ("departments", dep_id.as_str()),
            ("report_by", "2026-11-28"),
            ("resolve_by", "2026-12-05"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        page_in(&http, &cookie, &app, &back)
            .await
            .contains("已吹哨")
    );

    // The department answers in its row, first 报到, then 办结.
    let (http, cookie) = web_session(&app, "dept").await;
    for (step, message) in [("report", "已报到"), ("resolve", "已办结")] {
        let page = http
            .get(format!("{}{page}", app.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let action = page
            .split("action=\"")
            .find(|a| a.contains(&format!("/{step}\"")))
            .unwrap_or_else(|| panic!("a {step} form: {page}"))
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let r = http
            .post(format!("{}{action}", app.base))
            .header("cookie", &cookie)
            .form(&[
                ("csrf_token", csrf_of(&page).as_str()),
                ("text", "已派员到场。"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{step}");
        let back = r.headers()["location"].to_str().unwrap().to_owned();
        let after = http
            .get(format!("{}{back}", app.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(after.contains(message), "{step}: {after}");
    }
    let s = app
        .get("street", &format!("/api/v1/territories/{STREET}/summonses"))
        .await
        .body;
    let row = &s["items"][0]["departments"][0];
    assert!(
        row["reported_at"].is_string() && row["resolved_at"].is_string(),
        "{s}"
    );
}
both!(a_summons_is_answered_in_the_pages);

/// The street consents to its agency's new head, rates the head for the quarter and
/// answers the district's planning consultation, all from its page; the district sees
/// none of those forms.
async fn agency_heads_and_consultations_are_answered_in_the_pages(app: TestApp) {
    use crate::helpers::{csrf_of, page_in, web_session};
    let dep = app
        .post(
            "district",
            "/api/v1/departments",
            json!({"district": "140213", "name": "平城区公安分局"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let agency = app
        .post(
            "district",
            "/api/v1/agencies",
            json!({"department_id": dep, "street": STREET, "name": "永泰派出所"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let p = app
        .post(
            "district",
            &format!("/api/v1/agencies/{agency}/appointments"),
            json!({"action": "appoint", "person": "王建国", "reason": "工作需要"}),
        )
        .await
        .body["id"]
        .as_i64()
        .unwrap();
    let c = app
        .post("district", "/api/v1/consultations", json!({"kind": "planning", "street": STREET, "subject": "道路改造", "body": "请提出意见。"}))
        .await;
    assert_eq!(c.status, 201, "{}", c.body);

    let page = format!("/t/{STREET}/street");
    let (_, district_page) = app.page("district", &page).await;
    assert!(
        !district_page.contains("rate-agency")
            && !district_page.contains("class=\"inline answer\"")
            && !district_page.contains("class=\"inline consent\""),
        "{district_page}"
    );
    let (http, cookie) = web_session(&app, "street").await;
    let street_page = page_in(&http, &cookie, &app, &page).await;
    let token = csrf_of(&street_page);
    for (path, form, message) in [
        (
            format!("/t/{STREET}/appointments/{p}/consent"),
            vec![("given", "true"), ("text", "同意")],
            "街道意见已记录",
        ),
        (
            format!("/t/{STREET}/agencies/{agency}/rating"),
            vec![("grade", "excellent"), ("comment", "配合街道工作")],
            "考核结果已保存",
        ),
        (
            format!("/t/{STREET}/consultations/{}/answer", c.body["id"]),
            vec![("text", "建议同步改造雨污管网。")],
            "已答复",
        ),
    ] {
        let mut form = form;
        form.push(("csrf_token", token.as_str()));
        let r = http
            .post(format!("{}{path}", app.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{path}");
        let back = r.headers()["location"].to_str().unwrap().to_owned();
        let after = page_in(&http, &cookie, &app, &back).await;
        assert!(after.contains(message), "{path}: {after}");
        assert!(
            !after.contains(&format!("action=\"{path}\"")),
            "the form is gone once done"
        );
    }
    let ratings = app
        .get(
            "street",
            &format!("/api/v1/territories/{STREET}/agency-ratings"),
        )
        .await
        .body;
    assert_eq!(ratings[0]["grade"], "excellent", "{ratings}");
}
both!(agency_heads_and_consultations_are_answered_in_the_pages);
