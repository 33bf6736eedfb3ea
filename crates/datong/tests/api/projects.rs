//! 项目化履责 through HTTP on both engines: weighted progress from milestones up through
//! sub-projects to nodes, on a fixture with known answers; evidence files and their limits.

use crate::both;
use crate::duties::load_catalogue;
use crate::helpers::{TestApp, csrf_of, page_in, web_session};
use serde_json::{Value, json};

const STREET: &str = "140213050";

async fn item(app: &TestApp, node: &str, category: &str) -> i64 {
    let list = app
        .get("city", &format!("/api/v1/territories/{node}/duties"))
        .await;
    list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["category"] == category)
        .unwrap_or_else(|| panic!("{category} on {node}'s list"))["id"]
        .as_i64()
        .unwrap()
}

async fn project(app: &TestApp, who: &str, body: Value) -> i64 {
    let r = app.post(who, "/api/v1/projects", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_i64().unwrap()
}

async fn milestone(app: &TestApp, who: &str, project: i64, weight: u32, percent: u32) -> i64 {
    let r = app
        .post(
            who,
            &format!("/api/v1/projects/{project}/milestones"),
            json!({"name": "节点", "weight": weight, "due": "2026-12-31"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["milestones"].as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            who,
            &format!("/api/v1/milestones/{id}/progress"),
            json!({"percent": percent}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    id
}

both!(progress_rolls_up_with_weights_to_projects_and_nodes);
async fn progress_rolls_up_with_weights_to_projects_and_nodes(app: TestApp) {
    load_catalogue(&app);
    let district_item = item(&app, "140213", "party.implement").await;
    let street_item = item(&app, STREET, "party.branch").await;
    let body = |node: &str, item: i64, parent: Option<i64>, weight: u32| {
        json!({"territory": node, "item_id": item, "parent_id": parent, "name": "党建引领示范项目",
               "owner": "张主任", "weight": weight, "starts_on": "2026-11-01", "ends_on": "2026-12-31"})
    };
    // P0 at the district: one milestone done (weight 1) and two street sub-projects,
    // P1 (weight 2: milestones 1:100 1:0 → 50%) and P2 (weight 1: 3:20 1:100 → 40%).
    let p0 = project(&app, "district", body("140213", district_item, None, 1)).await;
    milestone(&app, "district", p0, 1, 100).await;
    // The district splits its project among its streets; each street runs its part.
    let p1 = project(&app, "district", body(STREET, street_item, Some(p0), 2)).await;
    let m1 = milestone(&app, "street", p1, 1, 100).await;
    milestone(&app, "street", p1, 1, 0).await;
    let p2 = project(&app, "district", body(STREET, street_item, Some(p0), 1)).await;
    milestone(&app, "street", p2, 3, 20).await;
    milestone(&app, "street", p2, 1, 100).await;

    let p = app
        .get("district", &format!("/api/v1/projects/{p0}"))
        .await
        .body;
    assert_eq!(p["progress"], 60.0, "(1×100 + 2×50 + 1×40) / 4: {p}");
    let children: Vec<f64> = p["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["progress"].as_f64().unwrap())
        .collect();
    assert_eq!(children, vec![50.0, 40.0]);

    let city = app
        .get("city", "/api/v1/territories/1402/projects")
        .await
        .body;
    assert_eq!(city["progress"], 60.0, "{city}");
    let by_child: Vec<String> = city["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}", c["code"].as_str().unwrap(), c["progress"]))
        .collect();
    assert_eq!(by_child, vec!["140213 60.0", "140214 null"]);
    let district = app
        .get("district", "/api/v1/territories/140213/projects")
        .await
        .body;
    assert_eq!(
        district["children"][0]["progress"], 46.7,
        "a street's own projects: (2×50 + 1×40) / 3"
    );
    let street = app
        .get("street", &format!("/api/v1/territories/{STREET}/projects"))
        .await
        .body;
    assert_eq!(street["progress"], 46.7);

    // The street sees its projects, not the district's; another district sees none.
    assert_eq!(
        app.get("street", &format!("/api/v1/projects/{p0}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("street", &format!("/api/v1/projects/{p1}"))
            .await
            .body["progress"],
        50.0
    );
    assert_eq!(
        app.get("dept_b", &format!("/api/v1/projects/{p1}"))
            .await
            .status,
        404
    );

    // A street cannot hang its project under one it does not see.
    let r = app
        .post(
            "street",
            "/api/v1/projects",
            body(STREET, street_item, Some(p0), 1),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].as_str()),
        (422, Some("parent_id"))
    );
    // A project runs an item of its node's list, nothing else.
    let r = app
        .post(
            "street",
            "/api/v1/projects",
            body(STREET, district_item, None, 1),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["field"].as_str()),
        (422, Some("item_id")),
        "{}",
        r.body
    );
    let r = app
        .post(
            "street",
            &format!("/api/v1/milestones/{m1}/progress"),
            json!({"percent": 101}),
        )
        .await;
    assert_eq!(r.status, 422);
}

both!(evidence_is_kept_whole_and_refused_when_wrong);
async fn evidence_is_kept_whole_and_refused_when_wrong(app: TestApp) {
    load_catalogue(&app);
    let street_item = item(&app, STREET, "party.branch").await;
    let p = project(
        &app,
        "street",
        json!({"territory": STREET, "item_id": street_item, "name": "支部规范化建设",
        "owner": "李书记", "starts_on": "2026-11-01", "ends_on": "2026-12-31"}),
    )
    .await;
    let m = milestone(&app, "street", p, 1, 50).await;
    let upload = |who: &'static str, name: &'static str, bytes: Vec<u8>| {
        let app = &app;
        async move {
            let r = app
                .http
                .post(format!(
                    "{}/api/v1/milestones/{m}/evidence?name={name}",
                    app.base
                ))
                .bearer_auth(&app.tokens[who])
                .body(bytes)
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<Value>().await.unwrap_or_default(),
            )
        }
    };
    let pdf = [b"%PDF-1.7\n".as_slice(), &vec![b'x'; 5000]].concat();
    let (status, info) = upload("street", "minutes.pdf", pdf.clone()).await;
    assert_eq!(status, 201, "{info}");
    assert_eq!(
        (info["content_type"].as_str(), info["size"].as_i64()),
        (Some("application/pdf"), Some(pdf.len() as i64))
    );
    let back = app
        .http
        .get(format!("{}/api/v1/evidence/{}", app.base, info["id"]))
        .bearer_auth(&app.tokens["street"])
        .send()
        .await
        .unwrap();
    assert_eq!(back.headers()["content-type"], "application/pdf");
    assert_eq!(back.bytes().await.unwrap().to_vec(), pdf, "kept whole");

    let before = app.with_db(|c| {
        c.query_one("SELECT count(*) FROM evidence", &[])
            .unwrap()
            .i64(0)
            .unwrap()
    });
    let (status, err) = upload("street", "setup.pdf", b"MZ\x90\x00 pretending".to_vec()).await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (422, Some("evidence_refused")),
        "{err}"
    );
    let (status, err) = upload(
        "street",
        "huge.pdf",
        [b"%PDF-".as_slice(), &vec![0u8; 10 << 20]].concat(),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (413, Some("file_too_large")),
        "{err}"
    );
    let (status, _) = upload("dept_b", "x.pdf", pdf.clone()).await;
    assert_eq!(status, 404, "another district's department");
    let after = app.with_db(|c| {
        c.query_one("SELECT count(*) FROM evidence", &[])
            .unwrap()
            .i64(0)
            .unwrap()
    });
    assert_eq!(before, after, "nothing kept of a refused file");
    assert_eq!(
        app.get("street", &format!("/api/v1/projects/{p}"))
            .await
            .body["milestones"][0]["evidence"][0]["file_name"],
        "minutes.pdf"
    );
}

/// 项目化履责 in the pages, by the street: 立项 on an item chosen from its list, a milestone
/// added, progress reported with its evidence in one form (a refused report leaves no file
/// behind); the community below sees neither the forms nor the project.
async fn a_street_runs_a_project_in_the_pages(app: TestApp) {
    load_catalogue(&app);
    let item = item(&app, STREET, "party.branch").await;
    let (status, street) = app.page("street", &format!("/t/{STREET}/street")).await;
    assert_eq!(status, 200);
    assert!(street.contains("id=\"new-project\""), "{street}");
    let (http, cookie) = web_session(&app, "street").await;
    let form = page_in(&http, &cookie, &app, &format!("/t/{STREET}/projects/new")).await;
    assert!(
        form.contains(&format!("<option value=\"{item}\"")),
        "{form}"
    );
    let csrf = csrf_of(&form);
    let r = http
        .post(format!("{}/t/{STREET}/projects/new", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("item_id", item.to_string().as_str()),
            ("name", "支部标准化建设"),
            ("owner", "王书记"),
            ("weight", "1"),
            ("starts_on", "2026-11-01"),
            ("ends_on", "2026-12-31"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let at = r.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = at
        .trim_start_matches("/projects/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = http
        .post(format!("{}/projects/{id}/milestones", app.base))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "完成阵地改造"),
            ("weight", "1"),
            ("due", "2026-12-20"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/projects/{id}?ok=milestone")
    );
    let page = page_in(&http, &cookie, &app, &format!("/projects/{id}")).await;
    let milestone = page
        .split("data-milestone=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let report = |percent: &str, file: &'static [u8]| {
        let form = reqwest::multipart::Form::new()
            .text("csrf_token", csrf.clone())
            .text("milestone", milestone.clone())
            .text("percent", percent.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(file.to_vec()).file_name("改造验收单.pdf"),
            );
        http.post(format!("{}/projects/{id}/progress", app.base))
            .header("cookie", &cookie)
            .multipart(form)
            .send()
    };
    let bad = report("150", b"%PDF-1.7 synthetic").await.unwrap();
    assert_eq!(bad.status(), 422);
    let files = |app: &TestApp| {
        app.with_db(|c| {
            c.query_one("SELECT count(*) FROM evidence", &[])
                .unwrap()
                .i64(0)
                .unwrap()
        })
    };
    assert_eq!(files(&app), 0, "a refused report leaves no file");
    let ok = report("100", b"%PDF-1.7 synthetic").await.unwrap();
    assert_eq!(
        ok.headers()["location"].to_str().unwrap(),
        format!("/projects/{id}?ok=reported")
    );
    let page = page_in(&http, &cookie, &app, &format!("/projects/{id}?ok=reported")).await;
    assert!(
        page.contains("进度已报告") && page.contains("100.0%") && page.contains("改造验收单.pdf"),
        "{page}"
    );
    let file = page
        .split("href=\"/evidence/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = app.page("street", &format!("/evidence/{file}")).await;
    assert_eq!(status, 200);
    let (status, _) = app.page("a", &format!("/projects/{id}")).await;
    assert_eq!(
        status, 404,
        "the community below does not see the street's project"
    );
}
both!(a_street_runs_a_project_in_the_pages);
