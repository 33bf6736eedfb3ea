use chrono::{DateTime, TimeZone, Utc};
use datong_domain::{DivisionCode, Role};
use datong_store::access::Caller;
use datong_store::account::Binding;
use datong_store::audit::Actor;
use datong_store::import::divisions;
use datong_store::{Db, Engine};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Runs an async test body on both engines: `both!(name);` needs `async fn name(app: TestApp)`;
/// `both!(name, spawner)` starts the app with another `async fn(Engine) -> TestApp`.
#[macro_export]
macro_rules! both {
    ($name:ident) => {
        $crate::both!($name, $crate::helpers::spawn_app);
    };
    ($name:ident, $spawn:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($spawn(datong_store::Engine::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($spawn(datong_store::Engine::Postgres).await).await
            }
        }
    };
}

/// Runs a synchronous test on both engines: `engines!(name);` needs `fn name(engine: Engine)`.
#[macro_export]
macro_rules! engines {
    ($name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name(datong_store::Engine::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name(datong_store::Engine::Postgres)
            }
        }
    };
}

pub const COMMUNITY_A: &str = "140213050001";
pub const COMMUNITY_B: &str = "140213050002";
pub const PASSWORD: &str = "Test-Passw0rd";

/// A clock the tests set.
pub struct TestClock(pub Mutex<DateTime<Utc>>);

impl datong_http::Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub struct TestApp {
    pub base: String,
    /// The database's URL, for a second process on the same database.
    pub url: String,
    pub db: Db,
    pub clock: Arc<TestClock>,
    pub http: reqwest::Client,
    /// Tokens by login: `city` (whole city, may unmask), `street` (the street of A and B),
    /// `a` and `b` (one community each), `a_unmask` (community A, may unmask),
    /// `district` (平城区, A's), `dept` (a department of 平城区), `dept_b` (one of 云冈区).
    pub tokens: std::collections::HashMap<&'static str, String>,
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    format!(
        "datong_t{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs `datong --db URL ARGS…` with `stdin`, and with `data_key` as DATONG_DATA_KEY
/// (never the environment's own): whether it succeeded, and what it printed on both streams.
pub fn run_cli(url: &str, args: &[&str], stdin: &str, data_key: Option<&str>) -> (bool, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_datong"));
    cmd.args(["--db", url])
        .args(args)
        .env("DATONG_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .env_remove("DATONG_DATA_KEY_FILE")
        .env_remove("DATONG_AUDIT_KEY")
        .env_remove("DATONG_AUDIT_KEY_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match data_key {
        Some(k) => cmd.env("DATONG_DATA_KEY", k),
        None => cmd.env_remove("DATONG_DATA_KEY"),
    };
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let printed =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), printed)
}

/// A fresh, empty, migrated database on `engine`.
pub fn fresh_db(engine: Engine) -> Db {
    datong_store::open(&fresh_db_url(engine)).unwrap()
}

/// A path for a file of this test run's, named `name`, in the tests' temp directory.
pub fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join("datong-tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}-{name}", std::process::id()))
}

/// A path for a new SQLite database with nothing left at it: a file of an earlier run
/// whose process had the same id (and its WAL) is removed first.
fn fresh_db_file() -> PathBuf {
    let path = temp_file(&format!("{}.db", unique_name()));
    for end in ["", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(end);
        let _ = std::fs::remove_file(file);
    }
    path
}

/// The URL of a fresh, empty database on `engine` (created but not migrated).
pub fn fresh_db_url(engine: Engine) -> String {
    match engine {
        Engine::Sqlite => fresh_db_file().display().to_string(),
        Engine::Postgres => {
            let base = std::env::var("DATONG_TEST_PG").expect(
                "DATONG_TEST_PG is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL",
            );
            let name = unique_name();
            let mut admin = postgres_admin(&base);
            admin.batch(&format!("CREATE DATABASE {name}")).unwrap();
            let (head, _) = base.rsplit_once('/').unwrap();
            format!("{head}/{name}")
        }
    }
}

fn postgres_admin(base: &str) -> datong_store::db::PooledConn {
    Db::open(base).unwrap().get().unwrap()
}

pub fn system() -> Caller {
    Caller::system(Actor {
        login: "test".into(),
        at: "2026-11-26T08:00:00.000000Z".into(),
    })
}

/// Runs blocking database work off the async runtime: the synchronous PostgreSQL client
/// refuses to run on a runtime thread.
pub fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| s.spawn(f).join().unwrap())
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, |app| app).await
}

/// [`spawn_app`] with the server's settings changed by `configure`.
pub async fn spawn_app_with(
    engine: Engine,
    configure: impl FnOnce(datong_http::App) -> datong_http::App,
) -> TestApp {
    let (url, db, tokens) = blocking(|| {
        let url = fresh_db_url(engine);
        let (db, tokens) = setup(&url);
        (url, db, tokens)
    });
    serve_with(url, db, tokens, configure).await
}

/// The server on a fresh small demo city (seed 1, the fixture divisions): its accounts are
/// the demo logins, with password `Demo-1-Datong`.
pub async fn demo_app(engine: Engine) -> TestApp {
    demo_app_with(engine, |app| app).await
}

/// [`demo_app`] with the server's settings changed by `configure`.
pub async fn demo_app_with(
    engine: Engine,
    configure: impl FnOnce(datong_http::App) -> datong_http::App,
) -> TestApp {
    let (url, db) = blocking(move || demo_db(engine));
    serve_with(url, db, Tokens::new(), configure).await
}

/// A fresh small demo city (seed 1, the fixture divisions) on `engine`, and its URL: a
/// copy of the one city built for this test run, so each test may write to its own.
pub fn demo_db(engine: Engine) -> (String, Db) {
    let url = demo_copy_url(engine);
    let db = datong_store::open(&url).unwrap();
    (url, db)
}

/// The demo city, built once per engine and test run (about 2 s on SQLite and 10 s on
/// PostgreSQL, wanted by some forty tests): the SQLite file, the PostgreSQL database name.
static DEMO_SQLITE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
static DEMO_POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn build_demo(url: &str) {
    let db = datong_store::open(url).unwrap();
    let options = datong_demo::Options {
        scale: datong_demo::Scale::Small,
        seed: 1,
        divisions: fixtures().join("divisions"),
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
    };
    datong_demo::build(&db, &options, &system().actor).unwrap();
    if db.engine() == Engine::Sqlite {
        // Everything into the main file, which alone is copied.
        db.get()
            .unwrap()
            .batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
}

/// A new database holding a copy of the demo city: a file copy in SQLite, a database made
/// from it as a template in PostgreSQL (which waits for the builder's sessions to end).
fn demo_copy_url(engine: Engine) -> String {
    match engine {
        Engine::Sqlite => {
            let built = DEMO_SQLITE.get_or_init(|| {
                let path = fresh_db_file();
                build_demo(&path.display().to_string());
                path
            });
            let copy = fresh_db_file();
            std::fs::copy(built, &copy).unwrap();
            copy.display().to_string()
        }
        Engine::Postgres => {
            let built = DEMO_POSTGRES.get_or_init(|| {
                let url = fresh_db_url(Engine::Postgres);
                build_demo(&url);
                url.rsplit_once('/').unwrap().1.to_owned()
            });
            let base = std::env::var("DATONG_TEST_PG").unwrap();
            let name = unique_name();
            postgres_admin(&base)
                .batch(&format!("CREATE DATABASE {name} TEMPLATE {built}"))
                .unwrap();
            let (head, _) = base.rsplit_once('/').unwrap();
            format!("{head}/{name}")
        }
    }
}

/// The server on a database the test prepared itself.
pub async fn serve(url: String, db: Db, tokens: Tokens) -> TestApp {
    serve_with(url, db, tokens, |app| app).await
}

async fn serve_with(
    url: String,
    db: Db,
    tokens: Tokens,
    configure: impl FnOnce(datong_http::App) -> datong_http::App,
) -> TestApp {
    let clock = Arc::new(TestClock(Mutex::new(
        Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap(),
    )));
    let app = configure(datong_http::App::new(db.clone(), clock.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let service = datong_http::router(app, datong_web::routes())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).await.unwrap()
    });
    TestApp {
        base,
        url,
        db,
        clock,
        http: reqwest::Client::new(),
        tokens,
    }
}

pub type Tokens = std::collections::HashMap<&'static str, String>;

/// The data key of sealed test databases (and of the CLI run against them).
pub const DATA_KEY: &str = "000102030405060708090a0b0c0d0e0f";

/// [`spawn_app`] on a database that seals ID and phone numbers with [`DATA_KEY`].
pub async fn spawn_sealed_app(engine: Engine) -> TestApp {
    let (url, db, tokens) = blocking(|| {
        let url = fresh_db_url(engine);
        let (db, tokens) = setup_with_key(&url, Some(DATA_KEY.parse().unwrap()));
        (url, db, tokens)
    });
    serve(url, db, tokens).await
}

fn setup(url: &str) -> (Db, Tokens) {
    setup_with_key(url, None)
}

fn setup_with_key(url: &str, key: Option<datong_store::seal::DataKey>) -> (Db, Tokens) {
    let db = datong_store::open_with_key(url, key).unwrap();
    let mut tokens = std::collections::HashMap::new();
    {
        let mut c = db.get().unwrap();
        let records =
            divisions::read(&fixtures().join("divisions"), &DivisionCode::nation()).unwrap();
        divisions::apply(
            &mut c,
            &system().actor,
            &records,
            "2026-01-01",
            divisions::Extent::Additions,
        )
        .unwrap();
        for (login, role, scope, unmask) in [
            ("city", Role::City, "1402", true),
            ("street", Role::Street, "140213050", false),
            ("a", Role::Community, COMMUNITY_A, false),
            ("b", Role::Community, COMMUNITY_B, false),
            ("a_unmask", Role::Community, COMMUNITY_A, true),
            ("district", Role::District, "140213", false),
            ("dept", Role::Department, "140213", false),
            ("dept_b", Role::Department, "140214", false),
        ] {
            let scope = DivisionCode::parse(scope).unwrap();
            tokens.insert(
                login,
                add_account(&mut c, login, role, Some(&scope), unmask, Binding::None),
            );
        }
    }
    (db, tokens)
}

/// Adds an account, returning a bearer token for it.
pub fn add_account(
    c: &mut datong_store::Conn,
    login: &str,
    role: Role,
    scope: Option<&DivisionCode>,
    unmask: bool,
    binding: Binding,
) -> String {
    let actor = system().actor;
    let account = datong_store::account::NewAccount {
        login,
        password: PASSWORD,
        role,
        scope: scope.cloned(),
        unmask,
        binding,
    };
    datong_store::account::add_user(c, &actor, &account).unwrap();
    datong_store::account::create_token(c, &actor, login, 90).unwrap()
}

/// A browser-like session for `login`: a client that does not follow redirects, and
/// the session cookie.
pub async fn web_session(app: &TestApp, login: &str) -> (reqwest::Client, String) {
    web_session_with(app, login, PASSWORD).await
}

/// [`web_session`] for an account with its own password (the demo's).
pub async fn web_session_with(
    app: &TestApp,
    login: &str,
    password: &str,
) -> (reqwest::Client, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .post(format!("{}/login", app.base))
        .form(&[("login", login), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{login} logs in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (http, cookie)
}

/// A page in one browser session (its forms carry that session's CSRF token).
pub async fn page_in(http: &reqwest::Client, cookie: &str, app: &TestApp, path: &str) -> String {
    http.get(format!("{}{path}", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The CSRF token a page's forms carry.
pub fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

impl TestApp {
    /// A page as `who` sees it in a browser, logged in through the form: status and body.
    pub async fn page(&self, who: &str, path: &str) -> (u16, String) {
        let (http, cookie) = web_session(self, who).await;
        let r = http
            .get(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
}

impl TestApp {
    pub async fn call(&self, who: &str, method: &str, path: &str, body: Option<Value>) -> Resp {
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method.parse().unwrap(), &url);
        if let Some(t) = self.tokens.get(who) {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Resp { status, body }
    }

    pub async fn raw(
        &self,
        who: &str,
        method: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> Resp {
        let res = self
            .http
            .request(method.parse().unwrap(), format!("{}{}", self.base, path))
            .bearer_auth(&self.tokens[who])
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        Resp {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    pub async fn get(&self, who: &str, path: &str) -> Resp {
        self.call(who, "GET", path, None).await
    }

    pub async fn post(&self, who: &str, path: &str, body: Value) -> Resp {
        self.call(who, "POST", path, Some(body)).await
    }

    /// Creates a branch in `community` as the city clerk; returns its id.
    pub async fn branch(&self, community: &str, name: &str) -> i64 {
        let r = self
            .post(
                "city",
                "/api/v1/orgs",
                json!({ "name": name, "kind": "branch", "territory": community }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_i64().unwrap()
    }

    /// Creates a full member in `org`; returns the member.
    pub async fn member(&self, org: i64, id_number: &str) -> Value {
        let birth = format!(
            "{}-{}-{}",
            &id_number[6..10],
            &id_number[10..12],
            &id_number[12..14]
        );
        let sex = if (id_number.as_bytes()[16] - b'0') % 2 == 1 {
            "male"
        } else {
            "female"
        };
        let r = self
            .post(
                "city",
                "/api/v1/members",
                json!({
                    "name": "测试党员", "sex": sex, "ethnicity": "汉族", "birth_date": birth, "id_number": id_number,
                    "education": "bachelor", "joined_on": "2010-07-01", "full_on": "2011-07-01", "status": "full",
                    "org_id": org, "phone": "13800138000"
                }),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body
    }

    /// Row counts of every data table: a failed request must leave them as they were.
    pub fn counts(&self) -> Vec<(String, i64)> {
        self.with_db(|c| {
            [
                "territory",
                "territory_version",
                "party_org",
                "member",
                "member_transfer",
                "org_activity",
                "unit",
                "rollup_counter",
                "audit_log",
            ]
            .iter()
            .map(|t| {
                (
                    t.to_string(),
                    c.query_one(&format!("SELECT COUNT(*) FROM {t}"), &[])
                        .unwrap()
                        .i64(0)
                        .unwrap(),
                )
            })
            .collect()
        })
    }

    /// Direct database work, off the runtime.
    pub fn with_db<T: Send>(&self, f: impl FnOnce(&mut datong_store::Conn) -> T + Send) -> T {
        blocking(|| f(&mut self.db.get().unwrap()))
    }

    /// Adds an account bound to a record (a member, a unit, a department), taking the
    /// record's node, and keeps its token under `login`.
    pub fn bound_account(&mut self, login: &'static str, role: Role, binding: Binding) {
        let token = self.with_db(|c| add_account(c, login, role, None, false, binding));
        self.tokens.insert(login, token);
    }
}

/// A synthetic citizen ID with a valid check digit: region 140213 (平城区), the given birth
/// date and sequence.
pub fn id_number(birth: &str, seq: u32) -> String {
    let first17 = format!("140213{birth}{seq:03}");
    let c = datong_domain::id_number::check_char(first17.as_bytes()) as char;
    format!("{first17}{c}")
}

/// A credit code with a valid check character.
pub fn credit_code(serial: u32) -> String {
    let first17 = format!("91140213MA{serial:07}");
    let c = datong_domain::credit_code::check_char(first17.as_bytes()) as char;
    format!("{first17}{c}")
}
