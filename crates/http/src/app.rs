//! Application state and the router.

use crate::client_addr::TrustedProxies;
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;
use crate::throttle::Throttle;
use axum::Router;
use chrono::{DateTime, Utc};
use datong_store::{Conn, Db, StoreError};
use std::sync::Arc;

/// The time as the platform sees it; tests substitute a clock they control.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Clone)]
pub struct App {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub metrics: Arc<Metrics>,
    pub login_throttle: Arc<Throttle>,
    /// Residents' form posts per address: anonymous intake is bounded.
    pub report_throttle: Arc<Throttle>,
    /// Requests filed through the API per account that takes no calls (a resident's).
    pub filing_throttle: Arc<Throttle<String>>,
    /// Where intake batches its writes (see `intake`).
    pub intake: crate::intake::Intake,
    /// Mark the session cookie `Secure` (sent over HTTPS only).
    pub secure_cookies: bool,
    /// A map tile URL template (`…/{z}/{x}/{y}.png`) drawn under community maps; none by
    /// default, since an intranet usually has no tile server.
    pub map_tiles: Option<String>,
    /// Proxies whose `X-Forwarded-For` names the client (see `client_addr`).
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Aggregate reads kept until the next write (see `memo`).
    pub memo: Arc<crate::memo::Memo>,
}

impl App {
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        let intake = crate::intake::Intake::start(db.clone());
        App {
            db,
            clock,
            metrics: Arc::new(Metrics::default()),
            login_throttle: Arc::new(Throttle::logins()),
            report_throttle: Arc::new(Throttle::reports()),
            filing_throttle: Arc::new(Throttle::filings()),
            intake,
            secure_cookies: false,
            map_tiles: None,
            trusted_proxies: Arc::default(),
            memo: Arc::default(),
        }
    }

    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    pub fn with_map_tiles(mut self, template: Option<String>) -> Self {
        self.map_tiles = template.filter(|t| !t.is_empty());
        self
    }

    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// RFC 3339 UTC with microseconds: sorts as text in both engines.
    pub fn now_text(&self) -> String {
        datong_store::audit::timestamp(self.clock.now())
    }

    /// Runs storage work on a blocking thread with a pooled connection.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> ApiResult<T> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db.get().map_err(StoreError::from)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "storage task failed");
            ApiError::internal()
        })?
        .map_err(ApiError::from)
    }
}

impl App {
    /// Like `run`, for a read kept until the next write: `key` names everything the
    /// result depends on besides the database (see `memo`).
    pub async fn memo<T: Send + Sync + 'static>(
        &self,
        key: String,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> ApiResult<Arc<T>> {
        self.memo_until(crate::memo::Ends::AnyWrite, key, f).await
    }

    /// [`App::memo`] for a read that only some writes end.
    pub async fn memo_until<T: Send + Sync + 'static>(
        &self,
        ends: crate::memo::Ends,
        key: String,
        f: impl FnOnce(&mut Conn) -> Result<T, StoreError> + Send + 'static,
    ) -> ApiResult<Arc<T>> {
        let memo = self.memo.clone();
        self.run(move |c| memo.get(c, ends, key, f)).await
    }
}

/// The whole service: `pages` (the web workspace, another crate) beside the API.
pub fn router(app: App, pages: Router<App>) -> Router {
    let csp = crate::headers::content_security_policy(app.map_tiles.as_deref());
    let csp = axum::http::HeaderValue::from_str(&csp).expect("the policy is ASCII");
    Router::new()
        .merge(pages)
        .route("/healthz", axum::routing::get(crate::metrics::healthz))
        .route("/metrics", axum::routing::get(crate::metrics::metrics))
        .nest("/api/v1", crate::api::routes())
        .nest("/open311/v2", crate::open311::routes())
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(csp),
            crate::headers::secure,
        ))
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            crate::metrics::track,
        ))
        .with_state(app)
}
