//! Backups restore: on the other engine, with every row and the audit chain as they were,
//! and the restored database takes new writes. A file cut short, changed in its audit
//! log, from another schema, or not a backup at all, and a restore into a database that
//! holds data, restore nothing.

use crate::helpers::{demo_db, fresh_db_url, run_cli, temp_file};
use datong_store::db::Value;
use datong_store::{Conn, Engine, params};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

fn datong(url: &str, args: &[&str], stdin: &str) -> (bool, String) {
    run_cli(url, args, stdin, None)
}

/// Every table's rows but the restore's own audit entry, sorted, with booleans as the
/// integers SQLite keeps them as. The audit head is left out: the restore moved it on.
fn contents(conn: &mut Conn) -> BTreeMap<String, Vec<String>> {
    let tables = match conn.engine() {
        Engine::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        }
        Engine::Postgres => {
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()"
        }
    };
    let names: Vec<String> = conn
        .query(tables, &[])
        .unwrap()
        .iter()
        .map(|r| r.str(0).unwrap())
        .filter(|t| t != "audit_head")
        .collect();
    let restore = Value::Text("restore".into());
    names
        .into_iter()
        .map(|t| {
            let mut rows: Vec<String> = conn
                .query(&format!("SELECT * FROM {t}"), &[])
                .unwrap()
                .iter()
                .filter(|r| !(t == "audit_log" && r.values()[3] == restore))
                .map(|r| {
                    let values: Vec<Value> = r
                        .values()
                        .iter()
                        .map(|v| match v {
                            Value::Bool(b) => Value::Int(i64::from(*b)),
                            v => v.clone(),
                        })
                        .collect();
                    format!("{values:?}")
                })
                .collect();
            rows.sort();
            (t, rows)
        })
        .collect()
}

fn restores_on_the_other_engine(from: Engine, to: Engine) {
    let (source_url, source) = demo_db(from);
    // A photo, so that bytes make the trip too.
    source
        .get()
        .unwrap()
        .execute(
            "INSERT INTO request_photo (request_id, kind, sm3, size, bytes, added_at)
             SELECT MIN(id), 'image/png', 'test', 3, $1, '2026-11-26' FROM request",
            params![vec![0u8, 255, 10]],
        )
        .unwrap();
    // An organisation whose parent was made after it: rows cannot simply go in id order.
    source
        .get()
        .unwrap()
        .execute(
            "UPDATE party_org SET parent_id = (SELECT MAX(id) FROM party_org)
              WHERE id = (SELECT MIN(id) FROM party_org WHERE parent_id IS NOT NULL)",
            &[],
        )
        .unwrap();
    let before = contents(&mut source.get().unwrap());
    assert!(before["request_photo"].len() == 1 && before["member"].len() > 100);

    let file = temp_file(&format!("{from:?}-to-{to:?}.backup.gz"));
    let (ok, printed) = datong(&source_url, &["backup", file.to_str().unwrap()], "");
    assert!(ok, "{printed}");
    let target_url = fresh_db_url(to);
    let (ok, printed) = datong(&target_url, &["restore", file.to_str().unwrap()], "");
    assert!(ok, "{printed}");

    let target = datong_store::open(&target_url).unwrap();
    let after = contents(&mut target.get().unwrap());
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &before {
        let differ: Vec<_> = rows
            .iter()
            .zip(&after[table])
            .filter(|(a, b)| a != b)
            .take(2)
            .collect();
        assert!(
            after[table] == *rows,
            "{table} differs after the restore: {differ:?}"
        );
    }
    let (ok, printed) = datong(&target_url, &["audit", "verify"], "");
    assert!(ok && printed.contains("intact"), "{printed}");
    // New rows take fresh ids (PostgreSQL's sequences moved past the restored ones).
    let (ok, printed) = datong(
        &target_url,
        &[
            "user",
            "add",
            "clerk2",
            "--role",
            "community",
            "--scope",
            "140213050001",
        ],
        "Clerk-Passw0rd-2026\n",
    );
    assert!(ok, "{printed}");
    let (ok, printed) = datong(&target_url, &["token", "create", "clerk2"], "");
    assert!(ok, "{printed}");
    std::fs::remove_file(file).unwrap();
}

#[test]
fn a_sqlite_backup_restores_on_postgresql() {
    restores_on_the_other_engine(Engine::Sqlite, Engine::Postgres);
}

#[test]
fn a_postgresql_backup_restores_on_sqlite() {
    restores_on_the_other_engine(Engine::Postgres, Engine::Sqlite);
}

fn gunzip(bytes: &[u8]) -> Vec<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap();
    text.lines().map(str::to_owned).collect()
}

fn gzip(lines: &[String]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for l in lines {
        writeln!(gz, "{l}").unwrap();
    }
    gz.finish().unwrap()
}

fn holds_nothing(url: &str) -> bool {
    let db = datong_store::open(url).unwrap();
    let mut c = db.get().unwrap();
    ["audit_log", "territory", "account", "member"]
        .iter()
        .all(|t| {
            c.query_one(&format!("SELECT COUNT(*) FROM {t}"), &[])
                .unwrap()
                .i64(0)
                .unwrap()
                == 0
        })
}

fn restore(url: &str, file: &Path, bytes: &[u8]) -> (bool, String) {
    std::fs::write(file, bytes).unwrap();
    datong(url, &["restore", file.to_str().unwrap()], "")
}

fn bad_backups_restore_nothing(to: Engine) {
    let (source_url, _) = demo_db(Engine::Sqlite);
    let file = temp_file(&format!("bad-to-{to:?}.backup.gz"));
    let (ok, printed) = datong(&source_url, &["backup", file.to_str().unwrap()], "");
    assert!(ok, "{printed}");
    let good = std::fs::read(&file).unwrap();
    let lines = gunzip(&good);

    let cut_short = gzip(&lines[..lines.len() - 1]);
    let mut changed = lines.clone();
    let audit = 1 + changed
        .iter()
        .position(|l| l.contains(r#""table":"audit_log""#))
        .unwrap();
    let mut row: serde_json::Value = serde_json::from_str(&changed[audit]).unwrap();
    row[2] = "intruder".into();
    changed[audit] = row.to_string();
    let changed = gzip(&changed);
    let mut future = lines.clone();
    let mut head: serde_json::Value = serde_json::from_str(&future[0]).unwrap();
    head["schema"]
        .as_array_mut()
        .unwrap()
        .push("0099_future".into());
    future[0] = head.to_string();
    let future = gzip(&future);

    for (bytes, expect) in [
        (cut_short, "cut short"),
        (changed, "audit chain does not verify"),
        (future, "0099_future"),
        (b"code,name\n14,shanxi\n".to_vec(), "line 1"),
    ] {
        let url = fresh_db_url(to);
        let (ok, printed) = restore(&url, &file, &bytes);
        assert!(!ok && printed.contains(expect), "{expect}: {printed}");
        assert!(printed.contains("nothing was restored"), "{printed}");
        assert!(holds_nothing(&url), "{expect}: something was written");
    }
    // A database that holds data is never overwritten.
    let (_, target) = demo_db(to);
    let url = fresh_db_url(to);
    datong_store::open(&url).unwrap();
    let (ok, _) = restore(&url, &file, &good);
    assert!(ok, "the good backup restores");
    let (ok, printed) = restore(&url, &file, &good);
    assert!(!ok && printed.contains("holds data"), "{printed}");
    drop(target);
    std::fs::remove_file(file).unwrap();
}

crate::engines!(bad_backups_restore_nothing);

/// What a backup taken before `0009_sealed` looked like: no blind index columns, no
/// `data_key` table, and nothing later: no accounts bound to records (0010), no
/// `audit_key` (0011), no organisation's end reason (0012), no 党员中心户 keepers (0013),
/// lists held by level and one office template, the streets' (0015), no signing for a
/// task nor its evidence (0016).
fn before_sealing(lines: &[String]) -> Vec<String> {
    let added = [
        ("member", "id_number_blind"),
        ("social_worker", "id_number_blind"),
        ("role_assignment", "member_id"),
        ("role_assignment", "unit_id"),
        ("party_org", "end_reason"),
        ("office_template", "holder"),
        ("task_target", "signed_at"),
        ("task_target", "signed_by"),
    ];
    let mut out = Vec::new();
    let (mut skip, mut drop_at, mut dropped) = (false, Vec::new(), 0);
    // The towns' template rows, which had no place before 0015.
    let mut town_at = None;
    for (i, line) in lines.iter().enumerate() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        if i == 0 {
            let schema = v["schema"].as_array_mut().unwrap();
            while let Some(later) = schema.pop() {
                if later == "0009_sealed" {
                    break;
                }
            }
        } else if let Some(table) = v.get("table").and_then(|t| t.as_str()).map(str::to_owned) {
            skip = matches!(
                table.as_str(),
                "data_key" | "audit_key" | "centre_keeper" | "task_evidence" | "task_plea"
            );
            let columns = v["columns"].as_array_mut().unwrap();
            town_at = (table == "office_template")
                .then(|| columns.iter().position(|c| c == "holder"))
                .flatten();
            for c in columns.iter_mut() {
                if table == "duty_item" && c == "holder" {
                    *c = "holder_level".into();
                }
            }
            // Highest first, so each removal leaves the others' places as they were.
            drop_at = (0..columns.len())
                .rev()
                .filter(|at| added.iter().any(|(t, c)| *t == table && columns[*at] == *c))
                .collect();
            for at in &drop_at {
                columns.remove(*at);
            }
        } else if let Some(row) = v.as_array_mut() {
            if town_at.is_some_and(|at| row[at] == "town") {
                dropped += 1;
                continue;
            }
            for at in &drop_at {
                row.remove(*at);
            }
            if skip {
                dropped += 1;
            }
        } else if let Some(end) = v.get("end").and_then(|n| n.as_i64()) {
            v["end"] = (end - dropped).into();
        }
        if !skip {
            out.push(v.to_string());
        }
    }
    out
}

fn an_older_backup_restores_and_is_upgraded(to: Engine) {
    let (source_url, source) = demo_db(Engine::Sqlite);
    let file = temp_file(&format!("older-to-{to:?}.backup.gz"));
    let (ok, printed) = datong(&source_url, &["backup", file.to_str().unwrap()], "");
    assert!(ok, "{printed}");
    let older = gzip(&before_sealing(&gunzip(&std::fs::read(&file).unwrap())));
    let url = fresh_db_url(to);
    let (ok, printed) = restore(&url, &file, &older);
    assert!(ok, "{printed}");
    let target = datong_store::open(&url).unwrap();
    let mut c = target.get().unwrap();
    assert_eq!(
        datong_store::migrate::applied(&mut c).unwrap(),
        datong_store::migrate::known()
    );
    let count = |c: &mut Conn, t: &str| {
        c.query_one(&format!("SELECT COUNT(*) FROM {t}"), &[])
            .unwrap()
            .i64(0)
            .unwrap()
    };
    let mut s = source.get().unwrap();
    for t in ["member", "social_worker", "request", "territory"] {
        assert_eq!(count(&mut c, t), count(&mut s, t), "{t}");
    }
    drop((c, s));
    let (ok, printed) = datong(&url, &["audit", "verify"], "");
    assert!(ok, "{printed}");
    // A database already set up on this version's schema takes the older backup nowhere.
    let newer = fresh_db_url(to);
    datong_store::open(&newer).unwrap();
    let (ok, printed) = restore(&newer, &file, &older);
    assert!(!ok && printed.contains("newer schema"), "{printed}");
    std::fs::remove_file(file).unwrap();
}

crate::engines!(an_older_backup_restores_and_is_upgraded);
