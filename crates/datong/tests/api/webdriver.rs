//! A small W3C WebDriver client over reqwest, for the browser tests: just the commands
//! they use, against the ChromeDriver that scripts/test starts.

use serde_json::{Value, json};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    http: reqwest::Client,
    session: String,
    _profile: TempDir,
}

/// A profile directory removed with the browser.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn driver() -> String {
    std::env::var("DATONG_TEST_WEBDRIVER").expect(
        "DATONG_TEST_WEBDRIVER is not set: run the tests with scripts/test, which starts ChromeDriver",
    )
}

impl Browser {
    /// Headless Debian Chromium with a fresh profile and no background networking (the
    /// machine has no internet), in a desktop-sized window (1440 × 900).
    pub async fn start() -> Browser {
        Browser::sized(1440, 900).await
    }

    /// The same in a phone-sized window, as a resident sees the site.
    pub async fn phone() -> Browser {
        Browser::sized(390, 844).await
    }

    async fn sized(width: u32, height: u32) -> Browser {
        let profile = std::env::temp_dir().join(format!(
            "datong-chromium-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&profile).unwrap();
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--lang=zh-CN",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={width},{height}"),
        ])
        .collect::<Vec<_>>();
        let http = reqwest::Client::new();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args }
        } } });
        let r: Value = http
            .post(format!("{}/session", driver()))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_owned();
        Browser {
            http,
            session,
            _profile: TempDir(profile),
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", driver(), self.session);
        let mut req = self.http.request(method.parse().unwrap(), url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r: Value = req.send().await.unwrap().json().await.unwrap();
        r["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url }))).await;
    }

    pub async fn url(&self) -> String {
        self.call("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The element matching `css`, waiting up to ten seconds for it.
    pub async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self
                .call(
                    "POST",
                    "/element",
                    Some(json!({ "using": "css selector", "value": css })),
                )
                .await;
            if let Some(id) = v[ELEMENT].as_str() {
                return id.to_owned();
            }
            assert!(Instant::now() < deadline, "no element {css}: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.call(
            "POST",
            &format!("/element/{el}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.call("POST", &format!("/element/{el}/click"), Some(json!({})))
            .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.call("GET", &format!("/element/{el}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn run(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .await
    }

    /// The serious and critical accessibility violations axe-core finds in the page, one
    /// line each with up to three of the elements behind it.
    pub async fn axe(&self) -> Vec<String> {
        let path = std::env::var("DATONG_TEST_AXE").expect(
            "DATONG_TEST_AXE is not set: run the tests with scripts/test, which installs axe-core from npm",
        );
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        self.run(&source).await;
        let found = self
            .call(
                "POST",
                "/execute/async",
                Some(json!({ "script": r#"
                    const done = arguments[arguments.length - 1];
                    axe.run(document, { resultTypes: ["violations"] })
                      .then(r => done(r.violations
                        .filter(v => v.impact === "serious" || v.impact === "critical")
                        .map(v => v.id + " (" + v.impact + "): " +
                          v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; "))))
                      .catch(e => done(["axe failed: " + e]));
                "#, "args": [] })),
            )
            .await;
        found
            .as_array()
            .unwrap_or_else(|| panic!("axe gave no list: {found}"))
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Waits up to ten seconds for `script` to return true.
    pub async fn wait_until(&self, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.run(script).await != json!(true) {
            assert!(Instant::now() < deadline, "never true: {script}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let b64 = self.call("GET", "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap()
    }

    pub async fn quit(self) {
        self.call("DELETE", "", None).await;
    }
}
