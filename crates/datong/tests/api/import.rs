//! `import divisions`: encodings, re-import, renames with history, and every bad-input case
//! refusing the whole import with `file:line: reason` and nothing written.

use crate::helpers::{fixtures, fresh_db, system};
use datong_domain::DivisionCode;
use datong_store::Engine;
use datong_store::import::divisions::{self, ImportError};
use std::path::Path;

pub fn write_dir(files: &[(&str, Vec<u8>)]) -> tempdir::Dir {
    let d = tempdir::Dir::new();
    for (name, bytes) in files {
        std::fs::write(d.path().join(name), bytes).unwrap();
    }
    d
}

pub mod tempdir {
    pub struct Dir(std::path::PathBuf);
    impl Dir {
        pub fn new() -> Self {
            static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let p = std::env::temp_dir().join(format!(
                "datong-import-{}-{}",
                std::process::id(),
                N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn import(
    db: &datong_store::Db,
    dir: &Path,
    scope: &str,
) -> Result<divisions::Report, ImportError> {
    let records = divisions::read(dir, &DivisionCode::parse(scope).unwrap())?;
    divisions::apply(
        &mut db.get().unwrap(),
        &system().actor,
        &records,
        "2026-01-01",
        divisions::Extent::Additions,
    )
}

fn territory_count(db: &datong_store::Db) -> i64 {
    db.get()
        .unwrap()
        .query_one("SELECT COUNT(*) FROM territory", &[])
        .unwrap()
        .i64(0)
        .unwrap()
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn on_both(f: impl Fn(Engine)) {
    f(Engine::Sqlite);
    f(Engine::Postgres);
}

#[test]
fn reimport_changes_nothing_and_renames_keep_history() {
    on_both(|engine| {
        let db = fresh_db(engine);
        let r = import(&db, &fixtures().join("divisions"), "CN").unwrap();
        assert_eq!((r.inserted, r.renamed), (10, 0));
        let audit_before = datong_store::audit::verify(&mut db.get().unwrap())
            .unwrap()
            .rows;
        let r = import(&db, &fixtures().join("divisions"), "CN").unwrap();
        assert_eq!((r.inserted, r.renamed, r.unchanged), (0, 0, 10));
        assert_eq!(
            datong_store::audit::verify(&mut db.get().unwrap())
                .unwrap()
                .rows,
            audit_before,
            "a no-op import writes nothing"
        );
        let d = write_dir(&[(
            "streets.csv",
            "code,name,areaCode\n140213050,永泰南街道,140213\n"
                .as_bytes()
                .to_vec(),
        )]);
        let r = import(&db, d.path(), "CN").unwrap();
        assert_eq!(r.renamed, 1);
        let mut c = db.get().unwrap();
        let v = c
            .query_one(
                "SELECT name, valid_to FROM territory_version WHERE code = '140213050'",
                &[],
            )
            .unwrap();
        assert_eq!(v.str(0).unwrap(), "永泰街道");
        assert_eq!(
            c.query_one("SELECT name FROM territory WHERE code = '140213050'", &[])
                .unwrap()
                .str(0)
                .unwrap(),
            "永泰南街道"
        );
    });
}

#[test]
fn encodings_and_line_ends() {
    on_both(|engine| {
        let text = "code,name\r\n14,山西省\r\n1402,大同市\r\n140213,平城区\r\n";
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.replace(',', "\t").encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        for bytes in [
            text.as_bytes().to_vec(),
            text.replace("\r\n", "\n").into_bytes(),
            bom,
            gbk(text),
            utf16,
        ] {
            let db = fresh_db(engine);
            let d = write_dir(&[("all.csv", bytes)]);
            let r = import(&db, d.path(), "CN").unwrap();
            assert_eq!(r.inserted, 3);
            let name = db
                .get()
                .unwrap()
                .query_one("SELECT name FROM territory WHERE code = '140213'", &[])
                .unwrap()
                .str(0)
                .unwrap();
            assert_eq!(name, "平城区");
        }
    });
}

#[test]
fn scope_takes_the_subtree_and_its_ancestors() {
    on_both(|engine| {
        let db = fresh_db(engine);
        let r = import(&db, &fixtures().join("divisions"), "140214").unwrap();
        // 14, 1402, 140214, one street, two communities.
        assert_eq!(r.inserted, 6);
        assert_eq!(territory_count(&db), 6);
    });
}

#[test]
fn every_kind_of_bad_input_is_listed_and_nothing_written() {
    on_both(|engine| {
        let db = fresh_db(engine);
        let mut bad_bytes = "code,name\n14,山西省\n1402,大同市\n".as_bytes().to_vec();
        bad_bytes.extend_from_slice(b"1403,\xE9\x98\n");
        let d = write_dir(&[
            ("a.csv", bad_bytes),
            ("b.csv", "code,name\n140213,平城区\n140213,平城区\n1402131,错\n140214001,孤\n140215,\n140216\n140217,多,余\n1402130500011,长\n".as_bytes().to_vec()),
            ("cities.csv", "code,name\n140213,区\n".as_bytes().to_vec()),
        ]);
        let err = import(&db, d.path(), "CN").unwrap_err();
        let ImportError::Lines(lines) = err else {
            panic!("{err}")
        };
        let shown: Vec<String> = lines
            .iter()
            .map(|l| {
                format!(
                    "{}:{}",
                    Path::new(&l.file).file_name().unwrap().to_str().unwrap(),
                    l.line
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "a.csv:4",
                "b.csv:3",
                "b.csv:4",
                // 140214001's parent is nowhere: listed in the same run as the rest.
                "b.csv:5",
                "b.csv:6",
                "b.csv:7",
                "b.csv:8",
                "b.csv:9",
                "cities.csv:2"
            ],
            "{lines:#?}"
        );
        assert!(lines[0].reason.contains("解码"));
        assert!(lines[1].reason.contains("重复"));
        assert!(lines[2].reason.contains("长度"));
        assert!(lines[3].reason.contains("上级代码 140214 不存在"));
        assert!(lines[4].reason.contains("名称为空"));
        assert!(lines[5].reason.contains("字段不足"));
        assert!(lines[6].reason.contains("字段过多"));
        assert!(lines[7].reason.contains("长度"));
        assert!(lines[8].reason.contains("应为 city 级"));
        assert_eq!(territory_count(&db), 0);
        // A missing parent alone.
        let d = write_dir(&[(
            "x.csv",
            "code,name\n14,山西省\n140214001,孤儿街道\n"
                .as_bytes()
                .to_vec(),
        )]);
        let ImportError::Lines(lines) = import(&db, d.path(), "CN").unwrap_err() else {
            panic!()
        };
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0]
                .to_string()
                .ends_with("x.csv:3: 上级代码 140214 不存在"),
            "{}",
            lines[0]
        );
        assert_eq!(territory_count(&db), 0);
    });
}

/// A load large enough to build the parent index afresh leaves the schema as the
/// migrations made it, and a later small load keeps that index up row by row.
#[test]
fn a_bulk_load_rebuilds_the_parent_index_as_it_was() {
    on_both(|engine| {
        let db = fresh_db(engine);
        let definition = |db: &datong_store::Db| {
            let sql = match engine {
                Engine::Sqlite => "SELECT sql FROM sqlite_master WHERE name = 'territory_parent'",
                Engine::Postgres => {
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'territory_parent'"
                }
            };
            db.get()
                .unwrap()
                .query_one(sql, &[])
                .unwrap()
                .str(0)
                .unwrap()
        };
        let before = definition(&db);
        let mut villages = String::from("code,name\n");
        for street in 1..=11 {
            for village in 1..=999 {
                villages += &format!("140214{street:03}{village:03},第{village}社区\n");
            }
        }
        let streets: String = (1..=11)
            .map(|s| format!("140214{s:03},第{s}街道\n"))
            .collect();
        let d = write_dir(&[
            ("provinces.csv", "code,name\n14,山西省\n".into()),
            ("cities.csv", "code,name\n1402,大同市\n".into()),
            ("areas.csv", "code,name\n140214,云冈区\n".into()),
            ("streets.csv", format!("code,name\n{streets}").into_bytes()),
            ("villages.csv", villages.into_bytes()),
        ]);
        let r = import(&db, d.path(), "CN").unwrap();
        assert_eq!(r.inserted, 3 + 11 + 11 * 999);
        assert_eq!(definition(&db), before);
        let r = import(&db, &fixtures().join("divisions"), "CN").unwrap();
        // 140213's branch is new; 140214001 and two of its villages are renamed.
        assert_eq!((r.inserted, r.renamed), (4, 3));
        assert_eq!(definition(&db), before);
        let children = db
            .get()
            .unwrap()
            .query_one(
                "SELECT count(*) FROM territory WHERE parent_code = '140213050'",
                &[],
            )
            .unwrap()
            .i64(0)
            .unwrap();
        assert_eq!(children, 2, "found through the kept-up index");
    });
}

/// A re-import that stands for the whole of its levels ends what it lacks on its day,
/// never deletes it, says what hangs on it, keeps the counts true, and leaves the past
/// readable (`as_of`); an import of additions ends nothing.
async fn a_whole_reimport_ends_what_has_gone(app: crate::helpers::TestApp) {
    use crate::helpers::COMMUNITY_B;
    let org = app.branch(COMMUNITY_B, "B 第一支部").await;
    app.member(org, &crate::helpers::id_number("19800101", 11))
        .await;
    let grid = app
        .post(
            "city",
            &format!("/api/v1/territories/{COMMUNITY_B}/children"),
            serde_json::json!({ "name": "B 一网格" }),
        )
        .await;
    assert_eq!(grid.status, 201);
    let without_b = "code,name,streetCode\n140213050001,康吉社区居民委员会,140213050\n140214001002,新胜街社区居委会,140214001\n";
    let d = write_dir(&[("villages.csv", without_b.as_bytes().to_vec())]);
    let run = |extent| {
        app.with_db(|c| {
            let read = divisions::read(d.path(), &DivisionCode::parse("140213").unwrap()).unwrap();
            divisions::apply(c, &system().actor, &read, "2026-12-01", extent).unwrap()
        })
    };
    // Additions alone: nothing ends.
    assert!(run(divisions::Extent::Additions).ended.is_empty());
    let report = run(divisions::Extent::Whole);
    assert_eq!(
        report.ended,
        [divisions::Ended {
            code: COMMUNITY_B.into(),
            name: "平和社区居民委员会".into(),
            descendants: 1,
            orgs: 1,
            members: 1,
            units: 0,
            open_requests: 0,
        }],
        "only within the scope (140214's communities stay) and only what is gone"
    );
    assert!(
        run(divisions::Extent::Whole).ended.is_empty(),
        "ending twice ends nothing more"
    );
    app.with_db(|c| {
        let ended = c
            .query(
                "SELECT valid_to FROM territory WHERE code >= $1 AND code < $2",
                datong_store::params![COMMUNITY_B, format!("{COMMUNITY_B}:")],
            )
            .unwrap();
        assert_eq!(ended.len(), 2, "kept, with its grid");
        assert!(
            ended
                .iter()
                .all(|r| r.opt_str(0).unwrap().as_deref() == Some("2026-12-01"))
        );
        for code in ["140213050", "1402"] {
            let code = DivisionCode::parse(code).unwrap();
            assert_eq!(
                datong_store::rollup::read(c, &code).unwrap(),
                datong_store::rollup::read_by_walking(c, &code).unwrap()
            );
        }
    });
    let now = app
        .get("city", "/api/v1/territories/140213050/children")
        .await;
    assert_eq!(
        now.body["items"].as_array().unwrap().len(),
        1,
        "{:?}",
        now.body
    );
    let before = app
        .get(
            "city",
            "/api/v1/territories/140213050/children?as_of=2026-11-30",
        )
        .await;
    let names: Vec<&str> = before.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["康吉社区居民委员会", "平和社区居民委员会"]);
    let node_on = |day: &'static str| {
        let app = &app;
        async move {
            app.get(
                "city",
                &format!("/api/v1/territories/{COMMUNITY_B}?as_of={day}"),
            )
            .await
        }
    };
    let r = node_on("2026-11-30").await;
    assert_eq!(
        (r.status, &r.body["name"]),
        (200, &serde_json::json!("平和社区居民委员会"))
    );
    assert_eq!(node_on("2026-12-01").await.status, 404, "ended that day");
    assert_eq!(node_on("2025-12-31").await.status, 404, "not yet set up");

    // Its organisation ends too, with a reason, once its member has moved.
    let end = serde_json::json!({ "on": "2026-12-01", "reason": "社区撤并" });
    let r = app
        .post("city", &format!("/api/v1/orgs/{org}/end"), end.clone())
        .await;
    assert_eq!(r.status, 409, "a member is still in it: {:?}", r.body);
    let to = app.branch(crate::helpers::COMMUNITY_A, "A 第一支部").await;
    let member = app
        .get("city", &format!("/api/v1/members?org_id={org}"))
        .await
        .body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let moved = app
        .post("city", &format!("/api/v1/members/{member}/transfers"), serde_json::json!({ "to_org_id": to, "transferred_on": "2026-11-26", "reason": "社区撤并" }))
        .await;
    assert_eq!(moved.status, 201, "{:?}", moved.body);
    let r = app
        .post("city", &format!("/api/v1/orgs/{org}/end"), end)
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        app.get("city", &format!("/api/v1/orgs/{org}")).await.status,
        404
    );
    let orgs_on = |day: &'static str| {
        let app = &app;
        async move {
            app.get(
                "city",
                &format!("/api/v1/orgs?territory={COMMUNITY_B}&as_of={day}"),
            )
            .await
            .body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        orgs_on("2026-11-30").await,
        [org],
        "it stood the day before"
    );
    assert!(orgs_on("2026-12-01").await.is_empty());
    app.with_db(|c| {
        let r = c
            .query_one(
                "SELECT valid_to, end_reason FROM party_org WHERE id = $1",
                datong_store::params![org],
            )
            .unwrap();
        assert_eq!(
            (r.opt_str(0).unwrap(), r.opt_str(1).unwrap()),
            (Some("2026-12-01".into()), Some("社区撤并".into()))
        );
        let city = DivisionCode::parse("1402").unwrap();
        assert_eq!(
            datong_store::rollup::read(c, &city).unwrap(),
            datong_store::rollup::read_by_walking(c, &city).unwrap()
        );
    });
}
crate::both!(a_whole_reimport_ends_what_has_gone);
