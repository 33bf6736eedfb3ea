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

/// The small demo city, and a token of its administrator over the whole tree.
async fn demo_as_admin() -> (crate::helpers::TestApp, String) {
    let app = crate::helpers::demo_app(datong_store::Engine::Sqlite).await;
    let token = app.with_db(|c| {
        datong_store::account::create_token(c, &crate::helpers::system().actor, "admin", 90)
            .unwrap()
    });
    (app, token)
}

/// An operation's address under `/api/v1`, its path parameters filled with samples.
fn url_of(path: &str, parameters: &serde_json::Value) -> String {
    let mut url = format!("/api/v1{path}");
    for p in parameters.as_array().into_iter().flatten() {
        if p["in"] == "path" {
            let name = p["name"].as_str().unwrap();
            url = url.replace(&format!("{{{name}}}"), &sample(p));
        }
    }
    url
}

/// Every query parameter a handler cannot do without is marked required in the document:
/// each read, called with only its required parameters, is never refused for a missing one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_names_every_required_query_parameter() {
    let (app, token) = demo_as_admin().await;
    let doc = datong_http::openapi::document();
    let mut called = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let mut url = url_of(path, &get["parameters"]);
        let query: Vec<String> = get["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query" && p["required"] == true)
            .map(|p| format!("{}={}", p["name"].as_str().unwrap(), sample(p)))
            .collect();
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

/// `schema` with its `$ref` followed.
fn resolved<'a>(
    doc: &'a serde_json::Value,
    schema: &'a serde_json::Value,
) -> &'a serde_json::Value {
    match schema["$ref"].as_str() {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    }
}

/// A JSON value the schema allows, as plain as may be: objects with their required
/// properties only, one-item arrays, the first choice of an enumeration.
fn sample_value(doc: &serde_json::Value, schema: &serde_json::Value) -> serde_json::Value {
    use serde_json::json;
    let schema = resolved(doc, schema);
    if let Some(v) = schema.get("example") {
        return v.clone();
    }
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    if let Some(first) = schema["oneOf"].get(0) {
        return sample_value(doc, first);
    }
    match schema["type"].as_str() {
        Some("object") => {
            let mut o = serde_json::Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                let name = name.as_str().unwrap();
                o.insert(name.into(), sample_value(doc, &schema["properties"][name]));
            }
            serde_json::Value::Object(o)
        }
        Some("array") => json!([sample_value(doc, &schema["items"])]),
        Some("integer") | Some("number") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(false),
        _ if schema["format"] == "date" => json!("2026-01-01"),
        _ if schema["pattern"]
            .as_str()
            .is_some_and(|p| p.contains("[0-9]{12}")) =>
        {
            json!("140213050001")
        }
        _ => json!("x"),
    }
}

/// Every field a handler's body cannot do without is required in the document: each
/// write, sent a body with only what the document requires, is never refused for a missing
/// field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_names_every_required_body_field() {
    let (app, token) = demo_as_admin().await;
    let doc = datong_http::openapi::document();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op["requestBody"]["content"]["application/json"].get("schema")
            else {
                continue;
            };
            let url = url_of(path, &op["parameters"]);
            let body = sample_value(&doc, resolved(&doc, schema));
            let r = app
                .http
                .request(
                    method.to_uppercase().parse().unwrap(),
                    format!("{}{url}", app.base),
                )
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let answer: serde_json::Value = r.json().await.unwrap_or_default();
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(
                !message.contains("missing field"),
                "{method} {url} {body}: the server requires a field the document does not: {answer}"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked} writes");
}
