//! 两级三责 through HTTP on both engines: the gate on tasks, the admission path, the
//! scope of a department, and deadlines on a clock the test moves.

use crate::both;
use crate::helpers::{COMMUNITY_A, TestApp, csrf_of, page_in, system, web_session};
use serde_json::{Value, json};

const STREET: &str = "140213050";

/// The sample catalogue the demo ships: every street of the city gets its list.
pub fn load_catalogue(app: &TestApp) {
    app.with_db(|c| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/data/duties.csv");
        let sheet =
            datong_store::import::sheet::read("duties.csv", &std::fs::read(path).unwrap()).unwrap();
        let rows = datong_store::import::duties::check(&sheet).unwrap();
        datong_store::import::duties::apply(c, &system().actor, &rows, "2026-01-01")
            .unwrap()
            .unwrap();
    });
}

fn task(category: &str, area: &str, targets: &[&str]) -> Value {
    json!({
        "title": "辖区停车秩序排查",
        "category": category,
        "area": area,
        "sender": "平城区住房和城乡建设局",
        "evidence": "排查台账和照片",
        "deadline": "2026-12-10",
        "targets": targets,
    })
}

fn count(app: &TestApp, table: &str) -> i64 {
    app.with_db(|c| {
        c.query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .unwrap()
            .i64(0)
            .unwrap()
    })
}

async fn file_admission(app: &TestApp, category: &str) -> Value {
    let r = app
        .post(
            "dept",
            "/api/v1/admissions",
            json!({
                "street": STREET,
                "category": category,
                "name": "住宅小区停车秩序排查",
                "area": "urban_management",
                "basis": "《大同市停车管理办法》",
                "office": "公共管理办公室",
                "requester": "平城区住房和城乡建设局",
                "request": "小区停车矛盾集中，需街道按月排查并报送台账。\n人员和经费由我局保障。",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

both!(an_on_list_task_passes_and_an_off_list_one_is_refused_with_its_list);
async fn an_on_list_task_passes_and_an_off_list_one_is_refused_with_its_list(app: TestApp) {
    load_catalogue(&app);
    let r = app
        .post(
            "dept",
            "/api/v1/tasks",
            task("urban.sanitation", "urban_management", &[STREET]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["targets"][0]["item_id"].is_i64());
    assert_eq!(r.body["sender_code"], "140213");

    let (tasks, targets, audit) = (
        count(&app, "task"),
        count(&app, "task_target"),
        count(&app, "audit_log"),
    );
    let r = app
        .post(
            "dept",
            "/api/v1/tasks",
            task("urban.parking", "urban_management", &[STREET]),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"]["code"], "task_refused");
    let refused = &r.body["error"]["details"]["refused"][0];
    assert_eq!(refused["target"], STREET);
    assert_eq!(refused["reason"], "off_list");
    let relevant: Vec<&str> = refused["relevant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["category"].as_str().unwrap())
        .collect();
    assert!(relevant.contains(&"urban.sanitation"), "{relevant:?}");
    assert!(
        relevant.iter().all(|c| c.starts_with("urban.")),
        "{relevant:?}"
    );

    for retired in ["investment_promotion", "tax_assistance"] {
        let r = app
            .post(
                "district",
                "/api/v1/tasks",
                task(retired, "regional_development", &[STREET]),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(
            r.body["error"]["details"]["refused"][0]["reason"],
            "retired_function"
        );
    }
    assert_eq!(
        (
            count(&app, "task"),
            count(&app, "task_target"),
            count(&app, "audit_log")
        ),
        (tasks, targets, audit),
        "a refused task leaves no trace"
    );

    // Below the street there is no gate: the street hands work to its communities.
    let r = app
        .post(
            "street",
            "/api/v1/tasks",
            task("urban.parking", "urban_management", &[COMMUNITY_A]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body["targets"][0]["item_id"].is_null());
    // Nobody sends to their own node, and a community clerk does not send to a street.
    let r = app
        .post(
            "street",
            "/api/v1/tasks",
            task("urban.sanitation", "urban_management", &[STREET]),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}

both!(an_admitted_item_lets_the_task_through);

/// The district may file an admission itself, but then another account decides it.
async fn who_files_an_admission_does_not_decide_it(app: TestApp) {
    load_catalogue(&app);
    let mut body = json!({
        "street": STREET, "category": "urban.parking", "name": "住宅小区停车秩序排查",
        "area": "urban_management", "basis": "《大同市停车管理办法》", "office": "公共管理办公室",
        "requester": "平城区委", "request": "需街道按月排查并报送台账。",
    });
    let filed = app
        .post("district", "/api/v1/admissions", body.take())
        .await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let id = filed.body["id"].as_i64().unwrap();
    let r = app
        .post(
            "street",
            &format!("/api/v1/admissions/{id}/opinion"),
            json!({"opinion": "agree", "text": "同意。"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let decide = json!({"approve": true});
    let r = app
        .post(
            "district",
            &format!("/api/v1/admissions/{id}/decision"),
            decide.clone(),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["code"].as_str()),
        (422, Some("own_admission")),
        "{}",
        r.body
    );
    let r = app
        .post("city", &format!("/api/v1/admissions/{id}/decision"), decide)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["decided_by"], "city");
}
both!(who_files_an_admission_does_not_decide_it);
async fn an_admitted_item_lets_the_task_through(app: TestApp) {
    load_catalogue(&app);
    let a = file_admission(&app, "urban.parking").await;
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["stage"], "filed");
    assert_eq!(
        a["opinion_due"], "2026-12-03",
        "five working days from Thursday"
    );
    let refused = app
        .post(
            "dept",
            "/api/v1/tasks",
            task("urban.parking", "urban_management", &[STREET]),
        )
        .await;
    assert_eq!(refused.status, 422, "filing alone admits nothing");

    // Each step belongs to one party.
    let decide = json!({"approve": true});
    assert_eq!(
        app.post(
            "dept",
            &format!("/api/v1/admissions/{id}/decision"),
            decide.clone()
        )
        .await
        .status,
        403
    );
    assert_eq!(
        app.post(
            "district",
            &format!("/api/v1/admissions/{id}/decision"),
            decide.clone()
        )
        .await
        .status,
        422,
        "not before the street answers"
    );
    let opinion = json!({"opinion": "agree", "text": "同意，按月排查。"});
    assert_eq!(
        app.post(
            "dept",
            &format!("/api/v1/admissions/{id}/opinion"),
            opinion.clone()
        )
        .await
        .status,
        403
    );
    let r = app
        .post(
            "street",
            &format!("/api/v1/admissions/{id}/opinion"),
            opinion,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["stage"], "answered");
    assert_eq!(r.body["answered_late"], false);

    let r = app
        .post(
            "district",
            &format!("/api/v1/admissions/{id}/decision"),
            decide,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["stage"], "approved");
    let item = r.body["item_id"].as_i64().unwrap();

    let list = app
        .get("street", &format!("/api/v1/territories/{STREET}/duties"))
        .await;
    let admitted = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["category"] == "urban.parking")
        .expect("on the street's list now");
    assert_eq!(admitted["admission_id"], id);
    assert_eq!(admitted["id"], item);
    // Only this street: its neighbour's list is the city catalogue still.
    let other = app
        .get("city", "/api/v1/territories/140214001/duties")
        .await;
    assert!(
        !other.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["category"] == "urban.parking")
    );

    let r = app
        .post(
            "dept",
            "/api/v1/tasks",
            task("urban.parking", "urban_management", &[STREET]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["targets"][0]["item_id"], item);
    let audited: i64 = app.with_db(|c| {
        c.query_one(
            "SELECT count(*) FROM audit_log WHERE entity = 'admission'",
            &[],
        )
        .unwrap()
        .i64(0)
        .unwrap()
    });
    assert_eq!(audited, 3, "filed, answered, decided");
}

both!(a_rejected_admission_keeps_the_task_refused);
async fn a_rejected_admission_keeps_the_task_refused(app: TestApp) {
    load_catalogue(&app);
    let id = file_admission(&app, "urban.parking").await["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            "street",
            &format!("/api/v1/admissions/{id}/opinion"),
            json!({"opinion": "disagree", "text": "属行业监管职责，街道无执法力量。"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            "district",
            &format!("/api/v1/admissions/{id}/decision"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(
        r.status, 422,
        "overriding the street needs a reason: {}",
        r.body
    );
    assert_eq!(r.body["error"]["code"], "admission_refused");
    let r = app
        .post(
            "district",
            &format!("/api/v1/admissions/{id}/decision"),
            json!({"approve": false, "text": "由行业部门自行承担。"}),
        )
        .await;
    assert_eq!(r.body["stage"], "rejected", "{}", r.body);
    assert!(r.body["item_id"].is_null());
    let r = app
        .post(
            "dept",
            "/api/v1/tasks",
            task("urban.parking", "urban_management", &[STREET]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.body["error"]["details"]["refused"][0]["reason"],
        "off_list"
    );

    // A retired function cannot be admitted back, nor something already listed.
    for (category, why) in [
        ("investment_promotion", "招商引资"),
        ("urban.sanitation", "无需准入"),
    ] {
        let r = app
            .post(
                "dept",
                "/api/v1/admissions",
                json!({
                "street": STREET, "category": category, "name": "x", "area": "regional_development",
                "basis": "x", "office": "x", "requester": "x", "request": "x"}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body["error"]["message"].as_str().unwrap().contains(why),
            "{}",
            r.body
        );
    }
}

both!(a_department_of_another_district_cannot_see_these_streets);
async fn a_department_of_another_district_cannot_see_these_streets(app: TestApp) {
    load_catalogue(&app);
    let id = file_admission(&app, "urban.parking").await["id"]
        .as_i64()
        .unwrap();
    let t = app
        .post(
            "dept",
            "/api/v1/tasks",
            task("urban.sanitation", "urban_management", &[STREET]),
        )
        .await;
    let task_id = t.body["id"].as_i64().unwrap();
    let target_id = t.body["targets"][0]["id"].as_i64().unwrap();

    for path in [
        format!("/api/v1/territories/{STREET}/duties"),
        format!("/api/v1/admissions/{id}"),
        format!("/api/v1/tasks/{task_id}"),
    ] {
        let r = app.get("dept_b", &path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
    for path in ["/api/v1/admissions", "/api/v1/task-targets"] {
        let r = app.get("dept_b", path).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["items"], json!([]), "{path}");
        assert_eq!(
            app.get("dept", path).await.body["items"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "{path}"
        );
    }
    let r = app
        .post(
            "dept_b",
            "/api/v1/tasks",
            task("urban.sanitation", "urban_management", &[STREET]),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "targets[0]");
    let r = app
        .post(
            "dept_b",
            &format!("/api/v1/admissions/{id}/opinion"),
            json!({"opinion": "agree", "text": "x"}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .post(
            "dept_b",
            &format!("/api/v1/task-targets/{target_id}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404);
}

both!(deadlines_follow_the_clock);
async fn deadlines_follow_the_clock(app: TestApp) {
    load_catalogue(&app);
    let mut body = task("urban.sanitation", "urban_management", &[STREET]);
    body["deadline"] = json!("2026-11-25");
    let r = app.post("dept", "/api/v1/tasks", body.clone()).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["error"]["field"], "deadline");
    body["deadline"] = json!("2026-11-30");
    let r = app.post("dept", "/api/v1/tasks", body).await;
    let target = r.body["targets"][0]["id"].as_i64().unwrap();
    let overdue = || app.get("street", "/api/v1/task-targets?overdue=true");
    assert_eq!(overdue().await.body["items"], json!([]));
    *app.clock.0.lock().unwrap() += chrono::Duration::days(5);
    assert_eq!(overdue().await.body["items"][0]["id"], target);
    let r = app
        .post(
            "street",
            &format!("/api/v1/task-targets/{target}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "done");
    assert_eq!(overdue().await.body["items"], json!([]));
    let r = app
        .post(
            "street",
            &format!("/api/v1/task-targets/{target}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 409);
}

/// The `code` of each row of a JSON array.
fn codes(rows: &Value) -> Vec<&str> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

/// Runs the job queue at the test clock's time, as the server's worker would.
fn tick(app: &TestApp) -> usize {
    let now = *app.clock.0.lock().unwrap();
    app.with_db(|c| datong_store::job::tick(c, now).unwrap())
}

fn set_day(app: &TestApp, day: &str) {
    let d: chrono::NaiveDate = day.parse().unwrap();
    *app.clock.0.lock().unwrap() = d.and_hms_opt(8, 0, 0).unwrap().and_utc();
}

both!(overdue_targets_climb_the_ladder_on_the_clock);
async fn overdue_targets_climb_the_ladder_on_the_clock(app: TestApp) {
    load_catalogue(&app);
    let mut body = task(
        "urban.sanitation",
        "urban_management",
        &[STREET, "140214001"],
    );
    body["deadline"] = json!("2026-11-30");
    let t = app.post("city", "/api/v1/tasks", body).await;
    assert_eq!(t.status, 201, "{}", t.body);
    let (a, b) = (
        t.body["targets"][0]["id"].as_i64().unwrap(),
        t.body["targets"][1]["id"].as_i64().unwrap(),
    );
    let steps = |id: i64| {
        let app = &app;
        async move {
            app.get("city", &format!("/api/v1/task-targets/{id}/escalations"))
                .await
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["step"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    set_day(&app, "2026-11-30");
    tick(&app);
    assert_eq!(steps(a).await, "", "due today is not overdue");
    // B reports done on its due day: it never climbs.
    let r = app
        .post(
            "city",
            &format!("/api/v1/task-targets/{b}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200);
    set_day(&app, "2026-12-01");
    tick(&app);
    tick(&app);
    assert_eq!(
        steps(a).await,
        "reminder",
        "a second run the same day adds nothing"
    );
    set_day(&app, "2026-12-03");
    tick(&app);
    assert_eq!(steps(a).await, "reminder supervision");
    // The worker missed a fortnight: the target goes straight to the step it has reached.
    set_day(&app, "2026-12-20");
    tick(&app);
    assert_eq!(steps(a).await, "reminder supervision notice");
    assert_eq!(steps(b).await, "");
    let audited: i64 = app.with_db(|c| {
        c.query_one(
            "SELECT count(*) FROM audit_log WHERE action LIKE 'escalate:%'",
            &[],
        )
        .unwrap()
        .i64(0)
        .unwrap()
    });
    assert_eq!(audited, 3, "every step is in the audit log");

    // Lists by ladder step: a target's step is its highest.
    let ids = |path: String| {
        let app = &app;
        async move {
            let r = app.get("city", &path).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    let task_id = t.body["id"].as_i64().unwrap();
    assert_eq!(ids("/api/v1/task-targets?step=notice".into()).await, [a]);
    assert!(
        ids("/api/v1/task-targets?step=supervision".into())
            .await
            .is_empty()
    );
    let sent = app
        .get("city", "/api/v1/territories/1402/sent-tasks")
        .await
        .body;
    assert_eq!(
        (
            &sent["items"][0]["id"],
            &sent["items"][0]["targets"],
            &sent["items"][0]["done"],
            &sent["items"][0]["overdue"],
            &sent["items"][0]["step"]
        ),
        (
            &json!(task_id),
            &json!(2),
            &json!(1),
            &json!(1),
            &json!("notice")
        )
    );
    assert_eq!(
        ids("/api/v1/territories/1402/sent-tasks?step=notice".into()).await,
        [task_id]
    );
    assert!(
        ids("/api/v1/territories/1402/sent-tasks?step=reminder".into())
            .await
            .is_empty()
    );
    assert_eq!(
        app.get("street", "/api/v1/territories/1402/sent-tasks")
            .await
            .status,
        404
    );
    // The sender's pages: x/N done, and the receivers filtered by step.
    let (status, page) = app.page("city", "/t/1402/duties").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"sent\"") && page.contains(&format!("href=\"/tasks/{task_id}\"")),
        "{page}"
    );
    let name = |id: i64| {
        let app = &app;
        async move {
            app.get("city", &format!("/api/v1/task-targets/{id}"))
                .await
                .body["territory_name"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (name_a, name_b) = (name(a).await, name(b).await);
    let (_, page) = app.page("city", &format!("/tasks/{task_id}")).await;
    assert!(
        page.contains("id=\"progress\">1/2<") && page.contains(&name_a) && page.contains(&name_b),
        "{page}"
    );
    let (_, page) = app
        .page("city", &format!("/tasks/{task_id}?step=notice"))
        .await;
    assert!(page.contains(&name_a) && !page.contains(&name_b), "{page}");

    // The city changes the ladder; nobody else may.
    let ladder = json!({"steps": [{"step": "supervision", "days_overdue": 2}, {"step": "interview", "days_overdue": 5}]});
    assert_eq!(
        app.call(
            "dept",
            "PUT",
            "/api/v1/escalation-ladder",
            Some(ladder.clone())
        )
        .await
        .status,
        403
    );
    let bad = json!({"steps": [{"step": "interview", "days_overdue": 2}, {"step": "supervision", "days_overdue": 5}]});
    assert_eq!(
        app.call("city", "PUT", "/api/v1/escalation-ladder", Some(bad))
            .await
            .status,
        422
    );
    let r = app
        .call(
            "city",
            "PUT",
            "/api/v1/escalation-ladder",
            Some(ladder.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        app.get("dept", "/api/v1/escalation-ladder").await.body,
        ladder
    );
}

both!(scores_and_rankings_from_a_known_fixture);
async fn scores_and_rankings_from_a_known_fixture(app: TestApp) {
    load_catalogue(&app);
    // Three tasks to both streets, due in December.
    let mut targets = Vec::new();
    for due in ["2026-12-05", "2026-12-10", "2026-12-15"] {
        let mut body = task(
            "urban.sanitation",
            "urban_management",
            &[STREET, "140214001"],
        );
        body["deadline"] = json!(due);
        let r = app.post("city", "/api/v1/tasks", body).await;
        assert_eq!(r.status, 201, "{}", r.body);
        targets.push((
            r.body["targets"][0]["id"].as_i64().unwrap(),
            r.body["targets"][1]["id"].as_i64().unwrap(),
        ));
    }
    let done = |id: i64| {
        let app = &app;
        async move {
            let r = app
                .post(
                    "city",
                    &format!("/api/v1/task-targets/{id}/complete"),
                    json!({}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    };
    let rate = |id: i64, rating: i64| {
        let app = &app;
        async move {
            let r = app
                .post(
                    "city",
                    &format!("/api/v1/task-targets/{id}/rating"),
                    json!({"rating": rating}),
                )
                .await;
            assert_eq!(r.status, 204, "{}", r.body);
        }
    };
    // 永泰街道 does all three on time, rated 5, 4, 4.
    set_day(&app, "2026-12-01");
    for ((a, _), rating) in targets.iter().zip([5, 4, 4]) {
        done(*a).await;
        rate(*a, rating).await;
    }
    // 新胜街道 does the first on time (rated 3), the second four days late, and leaves
    // the third open until the year's end.
    done(targets[0].1).await;
    rate(targets[0].1, 3).await;
    assert_eq!(
        app.post(
            "dept",
            &format!("/api/v1/task-targets/{}/rating", targets[0].1),
            json!({"rating": 1})
        )
        .await
        .status,
        404,
        "another district's department"
    );
    let r = app
        .post(
            "city",
            &format!("/api/v1/task-targets/{}/rating", targets[1].1),
            json!({"rating": 3}),
        )
        .await;
    assert_eq!(r.status, 409, "not before it is done");
    for day in ["2026-12-11", "2026-12-13", "2026-12-14"] {
        set_day(&app, day);
        tick(&app);
    }
    done(targets[1].1).await;
    set_day(&app, "2026-12-31");
    tick(&app);

    let r = app
        .get(
            "city",
            "/api/v1/territories/1402/assessments?level=street&period=2026-12",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got: Vec<String> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {:?}",
                a["rank"],
                a["code"].as_str().unwrap(),
                a["score"]
                    .as_f64()
                    .map_or("-".into(), |s| format!("{s:.2}")),
                a["facts"]["escalations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_i64().unwrap())
                    .collect::<Vec<_>>()
            )
        })
        .collect();
    // 永泰: on time 3/3, mean rating 13/3 → 60 + 40 × 0.8667 = 94.67.
    // 新胜: on time 1/3, one rating of 3 → 0.6 × 0.3333 + 0.4 × 0.6 = 44.00, less the late
    // one's supervision (−2) and the open one's notice after 16 days (−10).
    assert_eq!(
        got,
        vec![
            "1 140213050 94.67 [0, 0, 0, 0]".to_owned(),
            "2 140214001 32.00 [0, 1, 0, 1]".to_owned(),
        ]
    );
    // A task not yet due counts against no one until its day has passed.
    let mut later = task("urban.sanitation", "urban_management", &[STREET]);
    later["deadline"] = json!("2026-12-31");
    assert_eq!(app.post("city", "/api/v1/tasks", later).await.status, 201);
    let again = app
        .get(
            "city",
            "/api/v1/territories/1402/assessments?level=street&period=2026-12",
        )
        .await;
    assert_eq!(again.body[0]["facts"]["due"], 3, "{}", again.body);
    let r = app
        .get(
            "city",
            "/api/v1/territories/1402/assessments?level=district&period=2026-Q4",
        )
        .await;
    let ranks: Vec<(String, i64)> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap().to_owned(),
                a["rank"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranks,
        vec![("140213".to_owned(), 1), ("140214".to_owned(), 2)]
    );
    let r = app
        .get(
            "dept",
            "/api/v1/territories/1402/assessments?level=street&period=2026-12",
        )
        .await;
    let seen = codes(&r.body);
    assert_eq!(
        seen,
        vec![STREET],
        "a district's department ranks only what it sees"
    );
    assert_eq!(
        app.get(
            "city",
            "/api/v1/territories/1402/assessments?level=street&period=2026-13"
        )
        .await
        .status,
        400
    );
}

both!(a_scheduled_task_meets_the_gate_on_its_day);
async fn a_scheduled_task_meets_the_gate_on_its_day(app: TestApp) {
    load_catalogue(&app);
    let mut off = task("urban.parking", "urban_management", &[STREET]);
    off["send_on"] = json!("2026-11-28");
    let mut on = task("urban.sanitation", "urban_management", &[STREET]);
    on["send_on"] = json!("2026-11-28");
    let off = app.post("dept", "/api/v1/tasks", off).await;
    assert_eq!(off.status, 202, "{}", off.body);
    // A different instant, so a different job.
    *app.clock.0.lock().unwrap() += chrono::Duration::seconds(1);
    let on = app.post("dept", "/api/v1/tasks", on).await;
    assert_eq!(on.status, 202, "{}", on.body);
    let (off, on) = (
        off.body["id"].as_i64().unwrap(),
        on.body["id"].as_i64().unwrap(),
    );
    assert_eq!(
        app.get("dept_b", &format!("/api/v1/jobs/{off}"))
            .await
            .status,
        404
    );

    set_day(&app, "2026-11-27");
    tick(&app);
    assert!(app.get("dept", &format!("/api/v1/jobs/{on}")).await.body["done_at"].is_null());
    assert_eq!(count(&app, "task"), 0);
    set_day(&app, "2026-11-28");
    tick(&app);
    let off = app.get("dept", &format!("/api/v1/jobs/{off}")).await.body;
    assert_eq!(off["outcome"]["refused"], "task_refused", "{off}");
    assert_eq!(
        off["outcome"]["details"]["refused"][0]["reason"],
        "off_list"
    );
    let on = app.get("dept", &format!("/api/v1/jobs/{on}")).await.body;
    let task_id = on["outcome"]["task_id"].as_i64().expect("sent");
    let t = app.get("street", &format!("/api/v1/tasks/{task_id}")).await;
    assert!(t.body["targets"][0]["item_id"].is_i64());
    assert_eq!(count(&app, "task"), 1, "only the on-list one");
    tick(&app);
    assert_eq!(count(&app, "task"), 1, "a job runs once");
}

both!(an_imported_batch_meets_the_gate_row_by_row_and_goes_in_whole);
async fn an_imported_batch_meets_the_gate_row_by_row_and_goes_in_whole(app: TestApp) {
    load_catalogue(&app);
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = std::env::temp_dir().join(format!("datong-tasks-{}-{n}.csv", std::process::id()));
    let header = "任务名称,发文单位,类别代码,职责领域,完成时限,佐证材料,接收单位\n";
    let good = "垃圾分类督导,区城管局,urban.waste_sorting,城市管理,2026-12-20,督导记录,140213050\n";
    let off =
        "小区停车排查,区住建局,urban.parking,城市管理,2026/12/20,排查台账,140213050；140214001\n";
    let run = |body: &str, extra: &[&str]| {
        std::fs::write(&file, body).unwrap();
        let mut args = vec!["--db", &app.url, "import", "tasks", file.to_str().unwrap()];
        args.extend(extra);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_datong"))
            .args(&args)
            .env("DATONG_LOG", "warn")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let shown = file.display().to_string();
    let (ok, err) = crate::helpers::blocking(|| run(&format!("{header}{good}{off}"), &[]));
    assert!(!ok);
    assert!(
        err.contains(&format!(
            "{shown}:3: 接收单位: 永泰街道（140213050）：不在该街道权责清单内"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{shown}:3: 接收单位: 新胜街道（140214001）")),
        "{err}"
    );
    assert_eq!(count(&app, "task"), 0, "the good row is not sent either");
    // As a department of 平城区: 新胜街道 is not its to send to.
    let (ok, err) = crate::helpers::blocking(|| {
        run(
            &format!(
                "{header}{good}{}",
                off.replace("urban.parking", "urban.sanitation")
            ),
            &["--as", "dept"],
        )
    });
    assert!(!ok);
    assert!(err.contains(&format!("{shown}:3:")), "{err}");
    assert_eq!(count(&app, "task"), 0);
    let (ok, err) = crate::helpers::blocking(|| {
        run(
            &format!(
                "{header}{good}{}",
                off.replace("urban.parking", "urban.sanitation")
            ),
            &[],
        )
    });
    assert!(ok, "{err}");
    assert_eq!((count(&app, "task"), count(&app, "task_target")), (2, 3));
    std::fs::remove_file(&file).unwrap();
}

both!(oversight_drills_down_from_the_city_to_the_streets);
async fn oversight_drills_down_from_the_city_to_the_streets(app: TestApp) {
    load_catalogue(&app);
    // Filed on 2026-11-26 (opinion due 12-03), answered late, rejected.
    let id = file_admission(&app, "urban.parking").await["id"]
        .as_i64()
        .unwrap();
    set_day(&app, "2026-12-04");
    app.post(
        "street",
        &format!("/api/v1/admissions/{id}/opinion"),
        json!({"opinion": "disagree", "text": "无执法力量。"}),
    )
    .await;
    app.post(
        "district",
        &format!("/api/v1/admissions/{id}/decision"),
        json!({"approve": false, "text": "不予准入。"}),
    )
    .await;
    let mut body = task(
        "urban.sanitation",
        "urban_management",
        &[STREET, "140214001"],
    );
    body["deadline"] = json!("2026-12-10");
    let t = app.post("city", "/api/v1/tasks", body).await;
    let a = t.body["targets"][0]["id"].as_i64().unwrap();
    app.post(
        "city",
        &format!("/api/v1/task-targets/{a}/complete"),
        json!({}),
    )
    .await;
    set_day(&app, "2026-12-20");
    tick(&app);

    let rows = app
        .get("city", "/api/v1/territories/1402/oversight?period=2026-Q4")
        .await;
    assert_eq!(rows.status, 200, "{}", rows.body);
    let line = |r: &Value| {
        format!(
            "{} {} list {}/{} adm {}/{}/{}/{} late {} tasks {}/{} esc {} score {}",
            r["rank"],
            r["code"].as_str().unwrap(),
            r["coverage"]["listed"],
            r["coverage"]["streets"],
            r["admissions"]["filed"],
            r["admissions"]["approved"],
            r["admissions"]["rejected"],
            r["admissions"]["pending"],
            r["admissions"]["answered_late"],
            r["facts"]["on_time"],
            r["facts"]["due"],
            r["facts"]["escalations"],
            r["score"],
        )
    };
    let got: Vec<String> = rows.body.as_array().unwrap().iter().map(line).collect();
    assert_eq!(
        got,
        vec![
            "1 140213 list 1/1 adm 1/0/1/0 late 1 tasks 1/1 esc [0,0,0,0] score 100.0",
            "2 140214 list 1/1 adm 0/0/0/0 late 0 tasks 0/1 esc [0,0,1,0] score 0.0",
        ]
    );
    let down = app
        .get(
            "district",
            "/api/v1/territories/140213/oversight?period=2026-Q4",
        )
        .await;
    assert_eq!(codes(&down.body), vec![STREET]);
    let other = app
        .get(
            "dept_b",
            "/api/v1/territories/1402/oversight?period=2026-Q4",
        )
        .await;
    assert_eq!(
        codes(&other.body),
        vec!["140214"],
        "a district's department sees its own district only"
    );
    // Half-years are periods too (the district's half-yearly meeting, the half-year report).
    let half = app
        .get("city", "/api/v1/territories/1402/oversight?period=2026-H2")
        .await;
    let got: Vec<String> = half.body.as_array().unwrap().iter().map(line).collect();
    assert_eq!(
        got,
        vec![
            "1 140213 list 1/1 adm 1/0/1/0 late 1 tasks 1/1 esc [0,0,0,0] score 100.0",
            "2 140214 list 1/1 adm 0/0/0/0 late 0 tasks 0/1 esc [0,0,1,0] score 0.0",
        ]
    );
    assert_eq!(
        app.get(
            "city",
            &format!("/api/v1/territories/{STREET}/oversight?period=2026")
        )
        .await
        .status,
        422
    );
}

/// One task, sent by one path; the outcome as a word: `sent`, the gate's reason, or
/// `unseen` when the sender cannot see the street.
async fn send_by(app: &TestApp, path: &str, sender: &str, category: &str) -> String {
    let refused_reason = |body: &Value| -> String {
        body["refused"][0]["reason"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| "unseen".into())
    };
    match path {
        "api" => {
            let r = app
                .post(
                    sender,
                    "/api/v1/tasks",
                    task(category, "urban_management", &[STREET]),
                )
                .await;
            match r.status {
                201 => "sent".into(),
                422 if r.body["error"]["code"] == "task_refused" => {
                    refused_reason(&r.body["error"]["details"])
                }
                422 if r.body["error"]["field"] == "targets[0]" => "unseen".into(),
                s => panic!("{s}: {}", r.body),
            }
        }
        "form" => {
            let (http, cookie) = web_session(app, sender).await;
            // The sender's own district's form: a department of 云冈区 sends from there.
            let from = if sender == "dept_b" {
                "140214"
            } else {
                "140213"
            };
            let form = http
                .get(format!("{}/t/{from}/tasks/new", app.base))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            let form = form.text().await.unwrap();
            let csrf = csrf_of(&form);
            let r = http
                .post(format!("{}/t/{from}/tasks/new", app.base))
                .header("cookie", &cookie)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("title", "网格巡查"),
                    ("sender", "区里"),
                    ("area", "urban_management"),
                    ("category", category),
                    ("deadline", "2026-12-10"),
                    ("evidence", "台账"),
                    ("targets", STREET),
                ])
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let page = r.text().await.unwrap();
            match status {
                303 => "sent".into(),
                422 if page.contains("id=\"refusal\"") => page
                    .split("data-reason=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_owned(),
                422 if page.contains("接收单位不存在或不在权限范围内") => {
                    "unseen".into()
                }
                s => panic!("{s}: {page}"),
            }
        }
        "import" => {
            let sheet = datong_store::import::sheet::read(
                "tasks.csv",
                format!("任务名称,发文单位,类别代码,职责领域,完成时限,佐证材料,接收单位\n网格巡查,区里,{category},城市管理,2026-12-10,台账,{STREET}\n").as_bytes(),
            )
            .unwrap();
            let rows = datong_store::import::tasks::check(&sheet).unwrap();
            let now = app
                .clock
                .0
                .lock()
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                .to_string();
            app.with_db(|c| {
                let caller = datong_store::account::caller_for_login(c, sender, &now)
                    .unwrap()
                    .unwrap();
                match datong_store::import::tasks::apply(c, &caller, &rows).unwrap() {
                    Ok(_) => "sent".into(),
                    Err(errors) if errors[0].column == "targets[0]" => "unseen".into(),
                    Err(errors) => {
                        let reason = &errors[0].reason;
                        datong_domain::duty::Refusal::ALL
                            .iter()
                            .find(|r| reason.ends_with(r.label()))
                            .map_or_else(|| panic!("{reason}"), |r| r.as_str().to_owned())
                    }
                }
            })
        }
        "job" => {
            let mut body = task(category, "urban_management", &[STREET]);
            body["send_on"] = json!("2026-11-27");
            let r = app.post(sender, "/api/v1/tasks", body).await;
            assert_eq!(r.status, 202, "{}", r.body);
            let id = r.body["id"].as_i64().unwrap();
            let now = *app.clock.0.lock().unwrap();
            set_day(app, "2026-11-27");
            tick(app);
            *app.clock.0.lock().unwrap() = now + chrono::Duration::seconds(1);
            let job = app.get(sender, &format!("/api/v1/jobs/{id}")).await.body;
            match job["outcome"]["refused"].as_str() {
                None => "sent".into(),
                Some("task_refused") => refused_reason(&job["outcome"]["details"]),
                Some("invalid") => "unseen".into(),
                Some(other) => panic!("{other}: {job}"),
            }
        }
        other => panic!("no path {other}"),
    }
}

both!(every_path_that_creates_a_task_meets_the_gate);
async fn every_path_that_creates_a_task_meets_the_gate(app: TestApp) {
    load_catalogue(&app);
    // urban.parking admitted through the full path; urban.stalls filed and rejected.
    for (category, approve) in [("urban.parking", true), ("urban.stalls", false)] {
        let id = file_admission(&app, category).await["id"].as_i64().unwrap();
        let opinion = if approve { "agree" } else { "disagree" };
        app.post(
            "street",
            &format!("/api/v1/admissions/{id}/opinion"),
            json!({"opinion": opinion, "text": "书面意见。"}),
        )
        .await;
        let r = app
            .post(
                "district",
                &format!("/api/v1/admissions/{id}/decision"),
                json!({"approve": approve, "text": "审批意见。"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let cases = [
        ("on the list", "dept", "urban.sanitation", "sent"),
        ("off the list", "dept", "urban.lighting", "off_list"),
        ("admitted", "dept", "urban.parking", "sent"),
        ("admission rejected", "dept", "urban.stalls", "off_list"),
        (
            "retired function",
            "dept",
            "investment_promotion",
            "retired_function",
        ),
        (
            "another district's department",
            "dept_b",
            "urban.sanitation",
            "unseen",
        ),
    ];
    for path in ["api", "form", "import", "job"] {
        for (case, sender, category, expect) in cases {
            let before = count(&app, "task");
            let got = send_by(&app, path, sender, category).await;
            assert_eq!(got, expect, "{path}: {case}");
            let sent = i64::from(expect == "sent");
            assert_eq!(
                count(&app, "task"),
                before + sent,
                "{path}: {case}: a task only when sent"
            );
        }
    }
}

/// The server's own worker runs the queue: an overdue target climbs with no one calling
/// `tick`, on the clock the test moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_worker_runs_the_overdue_scan() {
    let app = crate::helpers::spawn_app(datong_store::Engine::Sqlite).await;
    load_catalogue(&app);
    let mut body = task("urban.sanitation", "urban_management", &[STREET]);
    body["deadline"] = json!("2026-11-30");
    let t = app.post("dept", "/api/v1/tasks", body).await;
    let target = t.body["targets"][0]["id"].as_i64().unwrap();
    set_day(&app, "2026-12-04");
    let worker = datong_http::jobs::spawn_worker(
        datong_http::App::new(app.db.clone(), app.clock.clone()),
        std::time::Duration::from_millis(20),
    );
    let mut steps = json!([]);
    for _ in 0..250 {
        steps = app
            .get(
                "dept",
                &format!("/api/v1/task-targets/{target}/escalations"),
            )
            .await
            .body;
        if steps.as_array().is_some_and(|s| !s.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    worker.abort();
    assert_eq!(
        steps[0]["step"], "supervision",
        "four days overdue: {steps}"
    );
}

both!(the_admission_form_shows_a_refusal_at_its_field_and_hides_other_districts);
async fn the_admission_form_shows_a_refusal_at_its_field_and_hides_other_districts(app: TestApp) {
    load_catalogue(&app);
    let (http, cookie) = web_session(&app, "dept").await;
    let page = http
        .get(format!("{}/t/140213/admissions", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    // The item's name and area make its category: 招商引资 is a retired function.
    let form = |name: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("street", STREET.to_owned()),
            ("name", name.to_owned()),
            ("area", "regional_development".to_owned()),
            ("basis", "无".to_owned()),
            ("office", "公共服务办公室".to_owned()),
            ("requester", "区商务局".to_owned()),
            ("request", "请街道协助招商。".to_owned()),
        ]
    };
    let r = http
        .post(format!("{}/t/140213/admissions", app.base))
        .header("cookie", &cookie)
        .form(&form("协助街道开展招商引资"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("id=\"err-name\"") && page.contains("招商引资、协税护税等职能已从街道取消"),
        "{page}"
    );
    assert_eq!(count(&app, "admission"), 0);
    // Another district's department: the street is not there for it.
    let (http_b, cookie_b) = web_session(&app, "dept_b").await;
    let page = http_b
        .get(format!("{}/t/140214/admissions", app.base))
        .header("cookie", &cookie_b)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut other = form("住宅小区停车秩序排查");
    other[0].1 = csrf_of(&page);
    let r = http_b
        .post(format!("{}/t/140213/admissions", app.base))
        .header("cookie", &cookie_b)
        .form(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(count(&app, "admission"), 0);
}

/// A task's loop closed by the roles that own each step, through the API and the pages:
/// the street signs for it, uploads its evidence and reports it done in one form; the
/// district that sent it rates the work. Each page shows only the steps its viewer may
/// take, and says what was done.
async fn a_task_is_signed_for_done_with_evidence_and_rated(app: TestApp) {
    load_catalogue(&app);
    let r = app
        .post(
            "district",
            "/api/v1/tasks",
            task("urban.sanitation", "urban_management", &[STREET]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["targets"][0]["id"].as_i64().unwrap();
    let view = |who: &'static str| {
        let app = &app;
        async move { app.get(who, &format!("/api/v1/task-targets/{id}")).await }
    };
    let v = view("street").await;
    assert_eq!(v.status, 200, "{}", v.body);
    assert_eq!(
        (&v.body["may_work"], &v.body["may_rate"]),
        (&json!(true), &json!(false))
    );
    let v = view("district").await.body;
    assert_eq!(
        v["may_work"], false,
        "the sender does not work the street's task"
    );
    assert_eq!(view("dept_b").await.status, 404);

    let sign = app
        .post(
            "street",
            &format!("/api/v1/task-targets/{id}/sign"),
            json!({}),
        )
        .await;
    assert_eq!(
        (sign.status, sign.body["signed_by"].as_str()),
        (200, Some("street")),
        "{}",
        sign.body
    );
    let again = app
        .post(
            "street",
            &format!("/api/v1/task-targets/{id}/sign"),
            json!({}),
        )
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(
        app.post(
            "district",
            &format!("/api/v1/task-targets/{id}/sign"),
            json!({})
        )
        .await
        .status,
        403
    );
    let refused = app
        .raw(
            "street",
            "POST",
            &format!("/api/v1/task-targets/{id}/evidence?name=a.txt"),
            "application/octet-stream",
            "not a document",
        )
        .await;
    assert_eq!(
        (refused.status, &refused.body["error"]["code"]),
        (422, &json!("evidence_refused"))
    );

    // The pages: the street's shows 办结 with its upload, not 评价.
    let (status, page) = app.page("street", &format!("/task-targets/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"complete\"")
            && !page.contains("id=\"rate\"")
            && !page.contains("id=\"sign\""),
        "{page}"
    );
    let (http, cookie) = web_session(&app, "street").await;
    let csrf = csrf_of(&page_in(&http, &cookie, &app, &format!("/task-targets/{id}")).await);
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf)
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 synthetic".to_vec())
                .file_name("巡查台账.pdf"),
        );
    let r = http
        .post(format!("{}/task-targets/{id}/complete", app.base))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/task-targets/{id}?ok=done").as_str()
    );
    let (_, page) = app
        .page("street", &format!("/task-targets/{id}?ok=done"))
        .await;
    assert!(
        page.contains("已办结")
            && page.contains("巡查台账.pdf")
            && !page.contains("id=\"complete\""),
        "{page}"
    );

    // The district rates it, once.
    let (_, page) = app.page("district", &format!("/task-targets/{id}")).await;
    assert!(page.contains("id=\"rate\""), "{page}");
    let (http, cookie) = web_session(&app, "district").await;
    let csrf = csrf_of(&page_in(&http, &cookie, &app, &format!("/task-targets/{id}")).await);
    let r = http
        .post(format!("{}/task-targets/{id}/rating", app.base))
        .header("cookie", &cookie)
        .form(&[("csrf_token", csrf.as_str()), ("rating", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"],
        format!("/task-targets/{id}?ok=rated").as_str()
    );
    let v = view("district").await.body;
    assert_eq!(
        (&v["rating"], &v["may_rate"], &v["status"]),
        (&json!(5), &json!(false), &json!("done"))
    );
    let file = v["files"][0]["id"].as_i64().unwrap();
    let r = app
        .raw(
            "district",
            "GET",
            &format!("/api/v1/task-evidence/{file}"),
            "text/plain",
            "",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        app.raw(
            "dept_b",
            "GET",
            &format!("/api/v1/task-evidence/{file}"),
            "text/plain",
            ""
        )
        .await
        .status,
        404
    );
}
both!(a_task_is_signed_for_done_with_evidence_and_rated);

/// 申请延期 and 退回: the receiving street asks, with a reason, one plea at a time; the
/// district that sent the task answers. A granted extension moves the due date, a granted
/// return closes the receiving end as returned so nothing more is done on it. The street
/// files in its page, the district answers in its own, and a plea waits on its 工作台.
async fn a_receiver_pleads_for_time_or_returns_a_task_and_the_sender_answers(app: TestApp) {
    load_catalogue(&app);
    let send = || async {
        let r = app
            .post(
                "district",
                "/api/v1/tasks",
                task("urban.sanitation", "urban_management", &[STREET]),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["targets"][0]["id"].as_i64().unwrap()
    };
    let (late, wrong) = (send().await, send().await);
    let plead = |who: &'static str, id: i64, body: Value| {
        let app = &app;
        async move {
            app.post(who, &format!("/api/v1/task-targets/{id}/pleas"), body)
                .await
        }
    };
    let view = |who: &'static str, id: i64| {
        let app = &app;
        async move {
            app.get(who, &format!("/api/v1/task-targets/{id}"))
                .await
                .body
        }
    };

    // Bad pleas name their field and leave nothing behind.
    for (body, field) in [
        (
            json!({ "kind": "extension", "reason": "雨季施工" }),
            "until",
        ),
        (
            json!({ "kind": "extension", "until": "2026-12-10", "reason": "雨季施工" }),
            "until",
        ),
        (
            json!({ "kind": "extension", "until": "2026-12-20", "reason": "  " }),
            "reason",
        ),
        (
            json!({ "kind": "return", "until": "2026-12-20", "reason": "非本街道职责" }),
            "until",
        ),
    ] {
        let r = plead("street", late, body).await;
        assert_eq!(
            (r.status, &r.body["error"]["field"]),
            (422, &json!(field)),
            "{}",
            r.body
        );
    }
    assert_eq!(count(&app, "task_plea"), 0);
    assert_eq!(
        plead("district", late, json!({ "kind": "return", "reason": "x" }))
            .await
            .status,
        403,
        "the sender does not plead to itself"
    );

    // The street asks for time in its page.
    let (_, page) = app.page("street", &format!("/task-targets/{late}")).await;
    assert!(
        page.contains("id=\"plead\"") && !page.contains("id=\"decide\""),
        "{page}"
    );
    let (http, cookie) = web_session(&app, "street").await;
    let csrf = csrf_of(&page_in(&http, &cookie, &app, &format!("/task-targets/{late}")).await);
    let r = http
        .post(format!("{}/task-targets/{late}/pleas", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("kind", "extension"),
            ("until", "2026-12-24"),
            ("reason", "需协调物业共同排查"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            r.status().as_u16(),
            r.headers()["location"].to_str().unwrap()
        ),
        (303, format!("/task-targets/{late}?ok=pleaded").as_str())
    );
    let again = plead(
        "street",
        late,
        json!({ "kind": "return", "reason": "非本街道职责" }),
    )
    .await;
    assert_eq!(again.status, 409, "one plea waits at a time");
    let v = view("street", late).await;
    assert_eq!(
        (&v["may_plead"], &v["may_decide"], &v["pleas"][0]["stage"]),
        (&json!(false), &Value::Null, &json!("pending"))
    );

    // It waits on the district's 工作台, and the district answers in its page.
    let wb = app.get("district", "/api/v1/workbench").await.body;
    let group = wb["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "pleas_to_decide")
        .expect("the sender's workbench holds the plea");
    assert_eq!(group["count"], 1);
    assert_eq!(group["lines"][0]["href"], format!("/task-targets/{late}"));
    let plea = view("district", late).await["may_decide"].as_i64().unwrap();
    let decide = |who: &'static str, body: Value| {
        let app = &app;
        async move {
            app.post(who, &format!("/api/v1/task-pleas/{plea}/decision"), body)
                .await
        }
    };
    assert_eq!(decide("street", json!({ "grant": true })).await.status, 403);
    for outsider in ["dept_b", "a"] {
        assert_eq!(
            decide(outsider, json!({ "grant": true })).await.status,
            404,
            "{outsider}"
        );
        let r = plead(outsider, late, json!({ "kind": "return", "reason": "x" })).await;
        assert_eq!(r.status, 404, "{outsider}");
    }
    let r = decide("district", json!({ "grant": false })).await;
    assert_eq!(
        (r.status, &r.body["error"]["field"]),
        (422, &json!("answer"))
    );
    let (_, page) = app.page("district", &format!("/task-targets/{late}")).await;
    assert!(
        page.contains("id=\"decide\"") && page.contains("需协调物业共同排查"),
        "{page}"
    );
    let (http, cookie) = web_session(&app, "district").await;
    let csrf = csrf_of(&page_in(&http, &cookie, &app, &format!("/task-targets/{late}")).await);
    let r = http
        .post(format!("{}/task-targets/{late}/plea-decision", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("plea", plea.to_string().as_str()),
            ("grant", "1"),
            ("answer", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/task-targets/{late}?ok=granted")
    );
    let v = view("street", late).await;
    assert_eq!(
        (
            &v["due"],
            &v["status"],
            &v["pleas"][0]["stage"],
            &v["may_plead"]
        ),
        (
            &json!("2026-12-24"),
            &json!("open"),
            &json!("granted"),
            &json!(true)
        )
    );
    assert_eq!(
        decide("district", json!({ "grant": true })).await.status,
        409
    );

    // The other task goes back to its sender.
    let r = plead(
        "street",
        wrong,
        json!({ "kind": "return", "reason": "该路段属区交通运输局管养" }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let plea = r.body["id"].as_i64().unwrap();
    let r = app
        .post(
            "district",
            &format!("/api/v1/task-pleas/{plea}/decision"),
            json!({ "grant": true, "answer": "已转交区交通运输局" }),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["stage"]),
        (200, &json!("granted")),
        "{}",
        r.body
    );
    let v = view("street", wrong).await;
    assert_eq!(
        (&v["status"], &v["may_work"], &v["may_plead"]),
        (&json!("returned"), &json!(false), &json!(false))
    );
    let done = app
        .post(
            "street",
            &format!("/api/v1/task-targets/{wrong}/complete"),
            json!({}),
        )
        .await;
    assert_eq!(done.status, 409, "a returned task is not reported done");
    let (_, page) = app.page("street", &format!("/task-targets/{wrong}")).await;
    assert!(
        page.contains("已退回")
            && page.contains("已转交区交通运输局")
            && !page.contains("id=\"complete\""),
        "{page}"
    );
    let pleas = app.with_db(|c| {
        c.query_one(
            "SELECT count(*) FROM audit_log WHERE entity = 'task_plea'",
            &[],
        )
        .unwrap()
        .i64(0)
        .unwrap()
    });
    assert_eq!(pleas, 4, "two pleas filed and two answered, each audited");
}
both!(a_receiver_pleads_for_time_or_returns_a_task_and_the_sender_answers);
