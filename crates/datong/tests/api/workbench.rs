//! The 工作台 on both engines: each role lands on its own pending work, counted within its
//! own places and relations, overdue first, each line a link to where it is done.

use crate::both;
use crate::duties::load_catalogue;
use crate::helpers::{COMMUNITY_A, TestApp, id_number};
use datong_domain::Role;
use datong_store::account::Binding;
use serde_json::{Value, json};

const STREET: &str = "140213050";

async fn bench(app: &TestApp, who: &str) -> Value {
    let r = app.get(who, "/api/v1/workbench").await;
    assert_eq!(r.status, 200, "{who}: {:?}", r.body);
    r.body
}

/// (count, overdue, hrefs) of one group, or `None` when the role has no such group.
fn group(bench: &Value, key: &str) -> Option<(i64, i64, Vec<String>)> {
    let g = bench["groups"]
        .as_array()?
        .iter()
        .find(|g| g["key"] == key)?;
    Some((
        g["count"].as_i64().unwrap(),
        g["overdue"].as_i64().unwrap(),
        g["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["href"].as_str().unwrap().to_owned())
            .collect(),
    ))
}

fn keys(bench: &Value) -> Vec<String> {
    bench["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap().to_owned())
        .collect()
}

both!(each_role_lands_on_its_own_pending_work);
async fn each_role_lands_on_its_own_pending_work(mut app: TestApp) {
    load_catalogue(&app);
    let r = app
        .post(
            "district",
            "/api/v1/departments",
            json!({"district": "140213", "name": "平城区住房和城乡建设局", "logins": ["dept"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    // Each role has the groups of its own work, and no other's.
    assert_eq!(
        keys(&bench(&app, "street").await),
        [
            "tasks_received",
            "admissions_to_answer",
            "consultations_to_answer",
            "agencies_to_rate",
            "open_summonses",
            "pleas_to_decide"
        ]
    );
    assert_eq!(
        keys(&bench(&app, "dept").await),
        [
            "admissions_filed",
            "summonses_to_answer",
            "requests_assigned",
            "pleas_to_decide"
        ]
    );
    let district = keys(&bench(&app, "district").await);
    assert!(
        district.contains(&"admissions_to_decide".to_owned())
            && !district.contains(&"tasks_received".to_owned()),
        "{district:?}"
    );

    // An admission: the street answers, then the district decides.
    let r = app
        .post(
            "dept",
            "/api/v1/admissions",
            json!({
                "street": STREET, "category": "urban.parking", "name": "住宅小区停车秩序排查",
                "area": "urban_management", "basis": "《大同市停车管理办法》", "office": "公共管理办公室",
                "requester": "平城区住房和城乡建设局", "request": "请书面答复。",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let admission = format!("/admissions/{}", r.body["id"]);
    assert_eq!(
        group(&bench(&app, "street").await, "admissions_to_answer").unwrap(),
        (1, 0, vec![admission.clone()])
    );
    assert_eq!(
        group(&bench(&app, "dept").await, "admissions_filed")
            .unwrap()
            .0,
        1
    );
    assert_eq!(
        group(&bench(&app, "district").await, "admissions_to_decide")
            .unwrap()
            .0,
        0
    );
    let r = app
        .post(
            "street",
            &format!("/api/v1{admission}/opinion"),
            json!({"opinion": "agree", "text": "同意。"}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        group(&bench(&app, "street").await, "admissions_to_answer")
            .unwrap()
            .0,
        0
    );
    assert_eq!(
        group(&bench(&app, "district").await, "admissions_to_decide").unwrap(),
        (1, 0, vec![admission])
    );

    // A task: received by the street, overdue for both once its day has passed.
    let r = app
        .post(
            "district",
            "/api/v1/tasks",
            json!({
                "title": "辖区环境卫生巡查", "category": "urban.sanitation", "area": "urban_management",
                "sender": "平城区委办公室", "evidence": "巡查台账", "deadline": "2026-12-10", "targets": [STREET],
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let duties = format!("/task-targets/{}", r.body["targets"][0]["id"]);
    assert_eq!(
        group(&bench(&app, "street").await, "tasks_received").unwrap(),
        (1, 0, vec![duties.clone()])
    );
    assert_eq!(
        group(&bench(&app, "district").await, "overdue_targets")
            .unwrap()
            .0,
        0
    );
    *app.clock.0.lock().unwrap() = "2026-12-20T08:00:00Z".parse().unwrap();
    assert_eq!(
        group(&bench(&app, "street").await, "tasks_received").unwrap(),
        (1, 1, vec![duties.clone()])
    );
    let district = bench(&app, "district").await;
    assert_eq!(
        group(&district, "overdue_targets").unwrap(),
        (1, 1, vec![duties])
    );
    assert_eq!(district["overdue"], 1);

    // The community: its branches' findings and the probationary members whose year ends.
    let org = app.branch(COMMUNITY_A, "A 第一支部").await;
    let r = app
        .post(
            "a",
            "/api/v1/members",
            json!({
                "name": "李四", "sex": "female", "ethnicity": "汉族", "birth_date": "1995-03-04",
                "id_number": id_number("19950304", 12), "education": "master",
                "joined_on": "2025-12-01", "status": "probationary", "org_id": org
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let me = r.body["id"].as_i64().unwrap();
    let a = bench(&app, "a").await;
    assert_eq!(
        group(&a, "probation_due").unwrap(),
        (1, 1, vec![format!("/members/{me}")])
    );
    assert!(group(&a, "branch_findings").unwrap().0 >= 1, "{a}");
    let b = bench(&app, "b").await;
    assert_eq!(
        group(&b, "probation_due").unwrap().0,
        0,
        "another community's members"
    );
    assert_eq!(group(&b, "branch_findings").unwrap().0, 0);

    // A member: their own record and organisation.
    app.bound_account("me", Role::Member, Binding::Member(me));
    let mine = bench(&app, "me").await;
    assert_eq!(keys(&mine), ["my_record"]);
    assert_eq!(
        group(&mine, "my_record").unwrap().2,
        [format!("/members/{me}"), format!("/orgs/{org}")]
    );

    // The badge's count, and the landing page.
    let count = app.get("street", "/api/v1/workbench/count").await.body;
    assert_eq!(count, json!({"pending": 1, "overdue": 1}));
    let (status, page) = app.page("district", "/").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("工作台") && page.contains("href=\"/admissions/"),
        "{page}"
    );
    let (status, page) = app.page("b", "/").await;
    assert_eq!(status, 200);
    assert!(!page.contains("href=\"/admissions/"), "{page}");
}
