//! `/healthz` and Prometheus metrics in the text exposition format.

use crate::app::App;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Default)]
pub struct Metrics {
    /// (method, status) → (count, total seconds)
    requests: Mutex<BTreeMap<(String, u16), (u64, f64)>>,
}

pub async fn track(State(app): State<App>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let start = Instant::now();
    let res = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let mut m = app
        .metrics
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let e = m.entry((method, res.status().as_u16())).or_default();
    e.0 += 1;
    e.1 += secs;
    res
}

pub async fn healthz(State(app): State<App>) -> Response {
    match app.run(|c| Ok(c.query_one("SELECT 1", &[])?.i64(0)?)).await {
        Ok(_) => "ok\n".into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn metrics(State(app): State<App>) -> Response {
    let mut out = String::from(
        "# HELP datong_http_requests_total HTTP requests served.\n# TYPE datong_http_requests_total counter\n",
    );
    let m = app
        .metrics
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    for ((method, status), (n, _)) in &m {
        out.push_str(&format!(
            "datong_http_requests_total{{method=\"{method}\",status=\"{status}\"}} {n}\n"
        ));
    }
    out.push_str("# HELP datong_http_request_seconds_sum Time spent serving HTTP requests.\n# TYPE datong_http_request_seconds_sum counter\n");
    for ((method, status), (_, s)) in &m {
        out.push_str(&format!(
            "datong_http_request_seconds_sum{{method=\"{method}\",status=\"{status}\"}} {s}\n"
        ));
    }
    out.push_str(&format!(
        "# HELP datong_info Build and storage engine.\n# TYPE datong_info gauge\ndatong_info{{version=\"{}\",engine=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION"),
        app.db.engine().as_str()
    ));
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
        .into_response()
}
