//! Browser sessions: login sets an HttpOnly cookie; writes by cookie need the CSRF token;
//! failed logins lock the account and throttle the address; tokens and cookies don't mix.

use crate::both;
use crate::helpers::{COMMUNITY_A, PASSWORD, TestApp};
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};
use serde_json::{Value, json};

struct Browser<'a> {
    app: &'a TestApp,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            cookie: None,
            csrf: None,
        }
    }

    async fn send(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, HeaderMap, Value) {
        let mut req = self
            .app
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.app.base));
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c);
        }
        if let Some(t) = &self.csrf {
            req = req.header("x-csrf-token", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        let body = res.json().await.unwrap_or(Value::Null);
        (status, headers, body)
    }

    async fn log_in(&mut self, login: &str, password: &str) -> (u16, HeaderMap, Value) {
        let r = self
            .send(
                "POST",
                "/api/v1/session",
                Some(json!({ "login": login, "password": password })),
            )
            .await;
        if r.0 == 201 {
            let set = r.1[SET_COOKIE].to_str().unwrap().to_owned();
            self.cookie = Some(set.split(';').next().unwrap().to_owned());
            self.csrf = r.2["csrf_token"].as_str().map(str::to_owned);
        }
        r
    }
}

async fn a_browser_session_reads_and_writes_with_its_csrf_token(app: TestApp) {
    let mut b = Browser::new(&app);
    let (status, headers, body) = b.log_in("a", PASSWORD).await;
    assert_eq!(status, 201, "{body}");
    let set = headers[SET_COOKIE].to_str().unwrap();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(set.contains(attr), "{set}");
    }
    assert_eq!(body["assignments"][0]["scope"], COMMUNITY_A);

    let (status, _, me) = b.send("GET", "/api/v1/session", None).await;
    assert_eq!((status, &me["login"]), (200, &json!("a")));
    assert_eq!(me["csrf_token"], body["csrf_token"]);

    let org = json!({ "name": "会话支部", "kind": "branch", "territory": COMMUNITY_A });
    let csrf = b.csrf.take();
    let (status, _, err) = b.send("POST", "/api/v1/orgs", Some(org.clone())).await;
    assert_eq!((status, &err["error"]["code"]), (403, &json!("csrf")));
    b.csrf = Some("wrong".into());
    assert_eq!(
        b.send("POST", "/api/v1/orgs", Some(org.clone())).await.0,
        403
    );
    b.csrf = csrf;
    let (status, _, created) = b.send("POST", "/api/v1/orgs", Some(org)).await;
    assert_eq!(status, 201, "{created}");
    let (status, _, list) = b.send("GET", "/api/v1/orgs", None).await;
    assert_eq!(status, 200);
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["territory"].as_str().unwrap().starts_with(COMMUNITY_A))
    );

    let (status, headers, _) = b.send("DELETE", "/api/v1/session", None).await;
    assert_eq!(status, 204);
    assert!(headers[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(
        b.send("GET", "/api/v1/orgs", None).await.0,
        401,
        "the session ended"
    );
}
both!(a_browser_session_reads_and_writes_with_its_csrf_token);

async fn tokens_and_session_secrets_do_not_stand_in_for_each_other(app: TestApp) {
    let mut b = Browser::new(&app);
    b.log_in("a", PASSWORD).await;
    let session_secret = b
        .cookie
        .clone()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned();
    let r = app
        .http
        .get(format!("{}/api/v1/orgs", app.base))
        .bearer_auth(&session_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let mut forged = Browser::new(&app);
    forged.cookie = Some(format!("datong_session={}", app.tokens["a"]));
    assert_eq!(forged.send("GET", "/api/v1/orgs", None).await.0, 401);
    let (status, _, me) = app_get_session_by_token(&app).await;
    assert_eq!((status, &me["login"]), (200, &json!("a")));
    assert!(
        me.get("csrf_token").is_none(),
        "a token has no CSRF token: {me}"
    );
}
both!(tokens_and_session_secrets_do_not_stand_in_for_each_other);

async fn an_idle_session_ends(app: TestApp) {
    let mut b = Browser::new(&app);
    b.log_in("a", PASSWORD).await;
    let step = |minutes| *app.clock.0.lock().unwrap() += chrono::Duration::minutes(minutes);
    for _ in 0..10 {
        step(25);
        assert_eq!(
            b.send("GET", "/api/v1/orgs", None).await.0,
            200,
            "in use, it stays open"
        );
    }
    step(31);
    assert_eq!(
        b.send("GET", "/api/v1/orgs", None).await.0,
        401,
        "idle for 31 minutes"
    );
    let mut fresh = Browser::new(&app);
    fresh.log_in("a", PASSWORD).await;
    for _ in 0..19 {
        step(25);
        assert_eq!(fresh.send("GET", "/api/v1/session", None).await.0, 200);
    }
    step(10);
    assert_eq!(
        fresh.send("GET", "/api/v1/session", None).await.0,
        401,
        "8 hours after login, however busy"
    );
}
both!(an_idle_session_ends);

async fn app_get_session_by_token(app: &TestApp) -> (u16, HeaderMap, Value) {
    let r = app.get("a", "/api/v1/session").await;
    (r.status, HeaderMap::new(), r.body)
}

async fn failed_logins_lock_the_account_for_a_while(app: TestApp) {
    let mut b = Browser::new(&app);
    let (status, _, unknown) = b.log_in("nobody", PASSWORD).await;
    let (status2, _, wrong) = b.log_in("b", "Wrong-Passw0rd").await;
    assert_eq!((status, status2), (401, 401));
    assert_eq!(
        unknown["error"], wrong["error"],
        "unknown login and wrong password look the same"
    );
    for _ in 0..4 {
        assert_eq!(b.log_in("b", "Wrong-Passw0rd").await.0, 401);
        assert_eq!(b.log_in("nobody", "Wrong-Passw0rd").await.0, 401);
    }
    // Locked now; it answers as an unknown login does, so a lock tells no one that
    // the account exists.
    let (status, _, locked) = b.log_in("b", PASSWORD).await;
    let (_, _, unknown) = b.log_in("nobody", PASSWORD).await;
    assert_eq!(status, 401, "locked even to the right password");
    assert_eq!(locked, unknown);
    assert_eq!(
        b.log_in("a", PASSWORD).await.0,
        201,
        "other accounts are not locked"
    );

    *app.clock.0.lock().unwrap() += chrono::Duration::minutes(16);
    assert_eq!(b.log_in("b", PASSWORD).await.0, 201, "the lock ends");

    let failures = app.with_db(|c| {
        c.query_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'login_failed' AND entity_id = 'b'",
            &[],
        )
        .unwrap()
        .i64(0)
        .unwrap()
    });
    assert_eq!(failures, 5, "each failure is audited");
}
both!(failed_logins_lock_the_account_for_a_while);

async fn one_address_cannot_guess_across_accounts(app: TestApp) {
    let mut b = Browser::new(&app);
    for i in 0..datong_http::throttle::Throttle::LOGIN_LIMIT {
        assert_eq!(
            b.log_in(&format!("guess{i}"), "Wrong-Passw0rd").await.0,
            401
        );
    }
    let (status, headers, body) = b.log_in("a", PASSWORD).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (429, &json!("too_many_attempts"))
    );
    let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
}
both!(one_address_cannot_guess_across_accounts);

/// Behind a trusted reverse proxy each resident has their own allowance, read from the
/// hop the proxy appended to `X-Forwarded-For`; without one, the header changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttles_count_the_client_a_trusted_proxy_names() {
    let behind = crate::helpers::spawn_app_with(datong_store::Engine::Sqlite, |app| {
        app.with_trusted_proxies("127.0.0.1".parse().unwrap())
    })
    .await;
    let direct = crate::helpers::spawn_app(datong_store::Engine::Sqlite).await;
    let http = reqwest::Client::new();
    // Unknown logins, so no account lock answers first.
    let guess = |app: &TestApp, forwarded_for: &'static str| {
        http.post(format!("{}/api/v1/session", app.base))
            .header("x-forwarded-for", forwarded_for)
            .json(&json!({ "login": "nobody", "password": "Wrong-Passw0rd" }))
            .send()
    };
    let limit = datong_http::throttle::Throttle::LOGIN_LIMIT;
    for app in [&behind, &direct] {
        for _ in 0..limit {
            // A client's own header comes first; the proxy appends the address it saw.
            let r = guess(app, "10.9.9.9, 198.51.100.1").await.unwrap();
            assert_eq!(r.status(), 401);
        }
        let r = guess(app, "198.51.100.1").await.unwrap();
        assert_eq!(r.status(), 429, "the same client is throttled");
    }
    let r = guess(&behind, "10.9.9.9, 198.51.100.2").await.unwrap();
    assert_eq!(r.status(), 401, "another resident behind the proxy is not");
    let r = guess(&direct, "198.51.100.2").await.unwrap();
    assert_eq!(
        r.status(),
        429,
        "an untrusted header cannot choose the address"
    );
}

async fn login_input_is_checked_field_by_field(app: TestApp) {
    let mut b = Browser::new(&app);
    for (body, field) in [
        (json!({ "login": "a" }), "password"),
        (json!({ "login": "a", "password": "" }), "password"),
        (
            json!({ "login": "a", "password": "x".repeat(257) }),
            "password",
        ),
        (json!({ "login": "", "password": PASSWORD }), "login"),
        (
            json!({ "login": "a", "password": PASSWORD, "remember": true }),
            "remember",
        ),
    ] {
        let (status, _, err) = b.send("POST", "/api/v1/session", Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {err}");
        assert!(
            err["error"]["field"]
                .as_str()
                .unwrap_or_default()
                .contains(field)
                || err["error"]["message"].as_str().unwrap().contains(field),
            "{body}: {err}"
        );
    }
}
both!(login_input_is_checked_field_by_field);
