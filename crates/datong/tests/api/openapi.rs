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
