//! Durability: `kill -9` of a real `datong serve` process in the middle of a stream of
//! writes loses no write it acknowledged, and the database passes its integrity checks:
//! for records written one by one (organisations) and for residents' requests, which the
//! intake writer commits in batches.

use crate::both;
use crate::helpers::{COMMUNITY_A, TestApp, blocking};
use datong_store::Engine;
use serde_json::json;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WRITERS: usize = 4;
const ACKED_BEFORE_KILL: usize = 150;

/// Starts the binary on the test's database and returns it with its base URL. A thread
/// keeps reading its stderr so that the server never writes into a closed pipe.
fn start_server(url: &str) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_datong"))
        .args(["--db", url, "serve", "--addr", "127.0.0.1:0"])
        .env("DATONG_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the datong binary starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(base) = line.strip_prefix("datong listening on ") {
                let _ = tx.send(base.to_owned());
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server says where it listens");
    (child, base)
}

/// What a stream of writes posts: the path, the body of its `i`th write, and the table
/// the acknowledged ids must be in.
struct Stream {
    path: &'static str,
    body: fn(usize, u64) -> serde_json::Value,
    table: &'static str,
}

async fn acknowledged_writes_survive_kill_9(app: TestApp) {
    let orgs = Stream {
        path: "/api/v1/orgs",
        body: |w, i| json!({ "name": format!("持久支部 {w}-{i}"), "kind": "branch", "territory": COMMUNITY_A }),
        table: "party_org",
    };
    kill_during(app, orgs).await;
}
both!(acknowledged_writes_survive_kill_9);

async fn acknowledged_requests_survive_kill_9(app: TestApp) {
    let requests = Stream {
        path: "/api/v1/requests",
        body: |w, i| {
            json!({ "service_code": "sanitation", "address_id": COMMUNITY_A,
                    "description": format!("持久诉求 {w}-{i}"), "phone": "10012345678" })
        },
        table: "request",
    };
    kill_during(app, requests).await;
}
both!(acknowledged_requests_survive_kill_9);

async fn kill_during(app: TestApp, stream: Stream) {
    let (mut server, base) = blocking(|| start_server(&app.url));
    let token = app.tokens["city"].clone();
    let acked = Arc::new(Mutex::new(Vec::<i64>::new()));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (http, base, token, acked) = (
            reqwest::Client::new(),
            base.clone(),
            token.clone(),
            acked.clone(),
        );
        let (path, body) = (stream.path, stream.body);
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let sent = http
                    .post(format!("{base}{path}"))
                    .bearer_auth(&token)
                    .json(&body(w, i))
                    .send()
                    .await;
                let Ok(res) = sent else { break };
                if res.status() != 201 {
                    // A response cut off by the kill is not an acknowledgement.
                    break;
                }
                let Ok(body) = res.json::<serde_json::Value>().await else {
                    break;
                };
                acked.lock().unwrap().push(body["id"].as_i64().unwrap());
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < ACKED_BEFORE_KILL {
        assert!(Instant::now() < deadline, "the writes did not get going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().unwrap(); // SIGKILL: no shutdown, no flush
    server.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked: Vec<i64> = acked.lock().unwrap().clone();

    let engine = app.db.engine();
    let url = app.url.clone();
    blocking(move || {
        // A new pool, as after a restart: SQLite recovers from its WAL here.
        let db = datong_store::open(&url).unwrap();
        let mut c = db.get().unwrap();
        let stored: HashSet<i64> = c
            .query(&format!("SELECT id FROM {}", stream.table), &[])
            .unwrap()
            .iter()
            .map(|r| r.i64(0).unwrap())
            .collect();
        let lost: Vec<&i64> = acked.iter().filter(|id| !stored.contains(id)).collect();
        assert!(
            lost.is_empty(),
            "{} of {} acknowledged writes lost: {lost:?}",
            lost.len(),
            acked.len()
        );
        match engine {
            Engine::Sqlite => {
                let r = c.query_one("PRAGMA integrity_check", &[]).unwrap();
                assert_eq!(r.str(0).unwrap(), "ok");
            }
            Engine::Postgres => {
                c.batch("CREATE EXTENSION IF NOT EXISTS amcheck").unwrap();
                let checked = c
                    .query_one(
                        "SELECT COUNT(*) FROM (
                             SELECT bt_index_check(i.indexrelid, true) FROM pg_index i
                               JOIN pg_class ic ON ic.oid = i.indexrelid
                               JOIN pg_am am ON am.oid = ic.relam
                              WHERE am.amname = 'btree' AND ic.relnamespace = 'public'::regnamespace
                         ) checked",
                        &[],
                    )
                    .unwrap()
                    .i64(0)
                    .unwrap();
                assert!(checked > 0, "no index was checked");
            }
        }
        let audit = datong_store::audit::verify(&mut c).unwrap();
        assert!(audit.problems.is_empty(), "{:?}", audit.problems);
        let kept = datong_store::rollup::snapshot(&mut c).unwrap();
        c.tx(datong_store::rollup::rebuild).unwrap();
        assert_eq!(datong_store::rollup::snapshot(&mut c).unwrap(), kept);
        // Requests' counters were written in the same transactions as the requests.
        let counted = c
            .query_one(
                "SELECT (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM request_tally WHERE level = 'city' AND measure = 'received'), \
                        (SELECT COUNT(*) FROM request)",
                &[],
            )
            .unwrap();
        assert_eq!(counted.i64(0).unwrap(), counted.i64(1).unwrap());
    });
}
