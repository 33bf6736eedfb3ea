//! The OpenAPI document is locked: a change to the API is a change to this snapshot.

#[test]
fn openapi_is_locked() {
    insta::assert_json_snapshot!(datong_http::openapi::document());
}

#[tokio::test]
async fn openapi_is_served() {
    let app = crate::helpers::spawn_app(datong_store::Engine::Sqlite).await;
    let r = app.get("nobody", "/api/v1/openapi.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, datong_http::openapi::document());
    let r = app.get("nobody", "/healthz").await;
    assert_eq!(r.status, 200);
    let r = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(r.contains("datong_http_requests_total"), "{r}");
}

/// A value the schema allows: its example, default or first choice, else a plain one of
/// its type. Periods get a year, the shortest form their pattern takes.
fn sample(param: &serde_json::Value) -> String {
    let schema = &param["schema"];
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(v) = param.get("example").or_else(|| schema.get("default")) {
        return shown(v);
    }
    if let Some(first) = schema["enum"].get(0) {
        return shown(first);
    }
    match (schema["type"].as_str(), param["name"].as_str()) {
        (_, Some("period")) => "2026".into(),
        (Some("integer"), _) => "1".into(),
        (Some("boolean"), _) => "false".into(),
        _ => "x".into(),
    }
}

/// Every query parameter a handler cannot do without is marked required in the document:
/// each read, called with only its required parameters, is never refused for a missing one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_names_every_required_query_parameter() {
    let app = crate::helpers::demo_app(datong_store::Engine::Sqlite).await;
    let token = app.with_db(|c| {
        datong_store::account::create_token(c, &crate::helpers::system().actor, "admin").unwrap()
    });
    let doc = datong_http::openapi::document();
    let mut called = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let params = get["parameters"].as_array().cloned().unwrap_or_default();
        let mut url = format!("/api/v1{path}");
        let mut query = Vec::new();
        for p in &params {
            let name = p["name"].as_str().unwrap();
            match p["in"].as_str() {
                Some("path") => url = url.replace(&format!("{{{name}}}"), &sample(p)),
                Some("query") if p["required"] == true => {
                    query.push(format!("{name}={}", sample(p)))
                }
                _ => {}
            }
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let r = app
            .http
            .get(format!("{}{url}", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert!(
            !(status == 400 && body.contains("missing field")),
            "GET {url}: {body}"
        );
        called += 1;
    }
    assert!(called > 30, "{called} reads");
}
