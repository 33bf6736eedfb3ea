//! Streets are not towns, on both engines: a 乡镇 holds the town list and the gate reads
//! it for tasks sent there; the streets' retired functions stay with towns; the five powers
//! and the 5+2+1 template are a 街道's, and a town takes its own template.

use crate::both;
use crate::duties::load_catalogue;
use crate::helpers::{TestApp, system};
use crate::import::write_dir;
use datong_domain::DivisionCode;
use datong_store::import::divisions;
use serde_json::{Value, json};

const STREET: &str = "140213050";
/// 西韩岭乡, a township of 平城区 before 2021, beside 永泰街道.
const TOWN: &str = "140213100";

fn add_town(app: &TestApp) {
    let d = write_dir(&[
        ("provinces.csv", "code,name\n14,山西省\n".into()),
        ("cities.csv", "code,name\n1402,大同市\n".into()),
        ("areas.csv", "code,name\n140213,平城区\n".into()),
        (
            "streets.csv",
            format!("code,name\n{STREET},永泰街道\n{TOWN},西韩岭乡\n").into_bytes(),
        ),
    ]);
    let read = divisions::read(d.path(), &DivisionCode::nation()).unwrap();
    app.with_db(|c| {
        divisions::apply(
            c,
            &system().actor,
            &read,
            "2026-01-01",
            divisions::Extent::Additions,
        )
        .unwrap()
    });
}

fn task(category: &str, area: &str, targets: &[&str]) -> Value {
    json!({
        "title": "专项工作", "category": category, "area": area,
        "sender": "平城区委办公室", "evidence": "工作台账",
        "deadline": "2026-12-10", "targets": targets,
    })
}

/// The codes and reasons of a refused task's targets, or `sent` when it went out.
async fn send(app: &TestApp, category: &str, area: &str, targets: &[&str]) -> Vec<String> {
    let r = app
        .post("district", "/api/v1/tasks", task(category, area, targets))
        .await;
    match r.status {
        201 => vec!["sent".into()],
        422 => r.body["error"]["details"]["refused"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                format!(
                    "{} {}",
                    t["target"].as_str().unwrap(),
                    t["reason"].as_str().unwrap()
                )
            })
            .collect(),
        s => panic!("{s}: {}", r.body),
    }
}

both!(a_town_holds_the_town_list_and_the_gate_reads_it);
async fn a_town_holds_the_town_list_and_the_gate_reads_it(app: TestApp) {
    add_town(&app);
    load_catalogue(&app);
    let list = |code: &'static str| {
        let app = &app;
        async move {
            let r = app
                .get("district", &format!("/api/v1/territories/{code}/duties"))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| {
                    (
                        i["holder"].as_str().unwrap().to_owned(),
                        i["category"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let (street, town) = (list(STREET).await, list(TOWN).await);
    assert!(street.iter().all(|(h, _)| h == "street"), "{street:?}");
    assert!(town.iter().all(|(h, _)| h == "town"), "{town:?}");
    let has = |l: &[(String, String)], c: &str| l.iter().any(|(_, k)| k == c);
    assert!(has(&street, "urban.sanitation") && !has(&town, "urban.sanitation"));
    assert!(has(&town, "rural.farmland") && !has(&street, "rural.farmland"));

    // One task to both: each target meets the list of its own kind.
    assert_eq!(
        send(
            &app,
            "urban.sanitation",
            "urban_management",
            &[STREET, TOWN]
        )
        .await,
        [format!("{TOWN} off_list")]
    );
    let r = app
        .post(
            "district",
            "/api/v1/tasks",
            task("urban.sanitation", "urban_management", &[TOWN]),
        )
        .await;
    let relevant: Vec<&str> = r.body["error"]["details"]["refused"][0]["relevant"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        relevant,
        ["rural.homestead"],
        "the town's own list is shown"
    );
    assert_eq!(
        send(
            &app,
            "rural.farmland",
            "regional_development",
            &[STREET, TOWN]
        )
        .await,
        [format!("{STREET} off_list")]
    );
    assert_eq!(
        send(&app, "rural.farmland", "regional_development", &[TOWN]).await,
        ["sent"]
    );
    assert_eq!(
        send(&app, "safety.fire", "stability", &[STREET, TOWN]).await,
        ["sent"]
    );
    // 招商引资 was taken from the streets, not from the towns.
    assert_eq!(
        send(
            &app,
            "investment_promotion",
            "regional_development",
            &[STREET, TOWN]
        )
        .await,
        [format!("{STREET} retired_function")]
    );
    assert_eq!(
        send(
            &app,
            "investment_promotion",
            "regional_development",
            &[TOWN]
        )
        .await,
        ["sent"]
    );

    // An admission to a town is an admission to the town list.
    let admission = |street: &'static str, category: &'static str| {
        let app = &app;
        async move {
            app.post(
                "dept",
                "/api/v1/admissions",
                json!({
                    "street": street, "category": category, "name": "停车秩序排查",
                    "area": "urban_management", "basis": "《大同市停车管理办法》",
                    "office": "综合行政执法队", "requester": "平城区住房和城乡建设局",
                    "request": "请书面答复。",
                }),
            )
            .await
        }
    };
    assert_eq!(admission(TOWN, "urban.sanitation").await.status, 201);
    let r = admission(TOWN, "rural.farmland").await;
    assert_eq!(
        (r.status, &r.body["error"]["code"]),
        (422, &json!("admission_refused")),
        "{}",
        r.body
    );
    assert_eq!(admission(STREET, "rural.farmland").await.status, 201);
    assert_eq!(admission(STREET, "tax_assistance").await.status, 422);
    assert_eq!(admission(TOWN, "tax_assistance").await.status, 201);
    assert_eq!(admission("140213050001", "urban.parking").await.status, 422);
}

both!(the_five_powers_and_the_street_template_are_a_streets);
async fn the_five_powers_and_the_street_template_are_a_streets(app: TestApp) {
    add_town(&app);
    let dep = app
        .post(
            "district",
            "/api/v1/departments",
            json!({"district": "140213", "name": "平城区公安分局"}),
        )
        .await;
    assert_eq!(dep.status, 201, "{}", dep.body);
    let dep = dep.body["id"].as_i64().unwrap();
    let refused_at_town = |path: &'static str, body: Value| {
        let app = &app;
        async move {
            let r = app.post("district", path, body).await;
            assert_eq!(r.status, 422, "{path}: {}", r.body);
            assert_eq!(r.body["error"]["field"], "street", "{path}: {}", r.body);
        }
    };
    refused_at_town(
        "/api/v1/agencies",
        json!({"department_id": dep, "street": TOWN, "name": "西韩岭派出所"}),
    )
    .await;
    refused_at_town(
        "/api/v1/consultations",
        json!({"kind": "planning", "street": TOWN, "subject": "道路改造", "body": "请提出意见。"}),
    )
    .await;
    let agency = app
        .post(
            "district",
            "/api/v1/agencies",
            json!({"department_id": dep, "street": STREET, "name": "永泰派出所"}),
        )
        .await;
    assert_eq!(agency.status, 201, "{}", agency.body);

    // The towns' template is set apart; applying gives each kind its own.
    let rows = json!({"rows": [
        {"position": 1, "name": "党政综合办公室", "kind": "office"},
        {"position": 2, "name": "便民服务中心", "kind": "centre"},
    ]});
    let r = app
        .call(
            "city",
            "PUT",
            "/api/v1/office-template?holder=town",
            Some(rows),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .call(
            "city",
            "PUT",
            "/api/v1/office-template?holder=district",
            Some(json!({"rows": []})),
        )
        .await;
    assert_eq!(
        (r.status, &r.body["error"]["field"]),
        (422, &json!("holder")),
        "{}",
        r.body
    );
    assert_eq!(
        app.get("city", "/api/v1/office-template")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        8
    );
    let r = app
        .post(
            "district",
            "/api/v1/territories/140213/offices/apply",
            json!({}),
        )
        .await;
    assert_eq!(r.body["streets"], 2, "{}", r.body);
    let names = |code: &'static str| {
        let app = &app;
        async move {
            app.get("district", &format!("/api/v1/territories/{code}/offices"))
                .await
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(TOWN).await, ["党政综合办公室", "便民服务中心"]);
    assert_eq!(names(STREET).await.len(), 8);
    assert_eq!(names(STREET).await[0], "党建办公室");

    // A town list may not be declared at a street, nor a street list at a town.
    let sheet = datong_store::import::sheet::read(
        "towns.csv",
        format!(
            "适用范围,清单层级,类别代码,事项名称,职责领域,依据,承办科室\n\
             {STREET},乡镇,rural.grain,粮食生产,区域发展,《农业法》,经济发展办公室\n\
             {TOWN},街道,urban.waste,垃圾分类,城市管理,《固废法》,公共管理办公室\n\
             {TOWN},乡镇,rural.grain,粮食生产,区域发展,《农业法》,经济发展办公室\n"
        )
        .as_bytes(),
    )
    .unwrap();
    let rows = datong_store::import::duties::check(&sheet).unwrap();
    let errors = app.with_db(|c| {
        datong_store::import::duties::apply(c, &system().actor, &rows, "2026-01-01")
            .unwrap()
            .unwrap_err()
    });
    let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 3], "{errors:?}");
}
