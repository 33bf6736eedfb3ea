//! The audit chain detects an edited, an inserted and a deleted row, and a cut-off tail.

use crate::both;
use crate::helpers::{COMMUNITY_A, TestApp};
use datong_store::audit::{self, verify};

async fn audit_chain_detects_tampering(app: TestApp) {
    for i in 0..3 {
        app.branch(COMMUNITY_A, &format!("支部{i}")).await;
    }
    app.with_db(tamper);
}
both!(audit_chain_detects_tampering);

fn tamper(c: &mut datong_store::Conn) {
    let clean = verify(c).unwrap();
    assert!(clean.problems.is_empty(), "{:?}", clean.problems);
    assert!(clean.rows >= 5);
    let mid = clean.rows / 2;

    // Edit.
    c.execute(
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = $1",
        datong_store::params![mid],
    )
    .unwrap();
    assert!(
        verify(c)
            .unwrap()
            .problems
            .iter()
            .any(|p| p.contains("edited"))
    );
    c.execute(
        "UPDATE audit_log SET actor = (SELECT actor FROM audit_log WHERE seq = 1) WHERE seq = $1",
        datong_store::params![mid],
    )
    .unwrap();

    // Delete from the middle.
    let row = c.query_one("SELECT seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash FROM audit_log WHERE seq = $1", datong_store::params![mid]).unwrap();
    c.execute(
        "DELETE FROM audit_log WHERE seq = $1",
        datong_store::params![mid],
    )
    .unwrap();
    assert!(!verify(c).unwrap().problems.is_empty());

    // Insert a forged row in its place.
    c.execute(
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash) VALUES ($1, $2, 'mallory', 'create', 'x', '1', NULL, NULL, $3, $4)",
        datong_store::params![mid, row.str(1).unwrap(), row.str(8).unwrap(), row.str(9).unwrap()],
    )
    .unwrap();
    assert!(!verify(c).unwrap().problems.is_empty());

    // Cut off the tail.
    c.execute(
        "DELETE FROM audit_log WHERE seq = $1",
        datong_store::params![mid],
    )
    .unwrap();
    let last = clean.rows;
    c.execute(
        "DELETE FROM audit_log WHERE seq >= $1",
        datong_store::params![mid],
    )
    .unwrap();
    let v = verify(c).unwrap();
    assert!(
        v.problems.iter().any(|p| p.contains("cut off")),
        "{last}: {:?}",
        v.problems
    );
}

const AUDIT_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// Whoever can write the database rewrites a row and chains every later row again with
/// plain SM3, as `verify` computes it without a key; then sets the head to match.
fn rewrite_and_rechain(c: &mut datong_store::Conn, from: i64) {
    use sm3::Digest;
    let rows = c
        .query(
            "SELECT seq, at, actor, action, entity, entity_id, before, after FROM audit_log WHERE seq >= $1 ORDER BY seq",
            datong_store::params![from],
        )
        .unwrap();
    let mut prev = c
        .query_one(
            "SELECT hash FROM audit_log WHERE seq = $1",
            datong_store::params![from - 1],
        )
        .unwrap()
        .str(0)
        .unwrap();
    for r in &rows {
        let seq = r.i64(0).unwrap();
        let actor = if seq == from {
            "mallory".to_owned()
        } else {
            r.str(2).unwrap()
        };
        let canonical = serde_json::json!([
            seq,
            r.str(1).unwrap(),
            actor,
            r.str(3).unwrap(),
            r.str(4).unwrap(),
            r.str(5).unwrap(),
            r.opt_str(6).unwrap(),
            r.opt_str(7).unwrap(),
            prev
        ])
        .to_string();
        let hash = hex::encode(sm3::Sm3::digest(canonical.as_bytes()));
        c.execute(
            "UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
            datong_store::params![actor, &prev, &hash, seq],
        )
        .unwrap();
        prev = hash;
    }
    c.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        datong_store::params![prev],
    )
    .unwrap();
}

/// Without a key a rewritten, re-chained log verifies: that is the gap the audit key
/// closes. With one, the same rewrite shows; a cut tail shows against a checkpoint; and a
/// signed log opens only with its key.
fn a_keyed_chain_resists_rewriting_and_checkpoints_catch_a_cut_tail(engine: datong_store::Engine) {
    use datong_store::audit::{self, Actor, Entry};
    let write_some = |c: &mut datong_store::Conn, n: usize| {
        for i in 0..n {
            let actor = Actor {
                login: format!("clerk{i}"),
                at: format!("2026-12-0{}T08:00:00.000000Z", 1 + i % 5),
            };
            c.tx(|c| {
                audit::append(
                    c,
                    &actor,
                    Entry {
                        action: "create",
                        entity: "org",
                        entity_id: &i.to_string(),
                        before: None,
                        after: None,
                    },
                )
            })
            .unwrap();
        }
    };
    // Unkeyed: the rewrite goes unseen.
    let url = crate::helpers::fresh_db_url(engine);
    let db = datong_store::open(&url).unwrap();
    let mut c = db.get().unwrap();
    write_some(&mut c, 6);
    rewrite_and_rechain(&mut c, 3);
    assert!(
        audit::verify(&mut c).unwrap().problems.is_empty(),
        "without a key, nothing can tell"
    );
    drop(c);

    // Keyed from its first opening with the key.
    let key: audit::AuditKey = AUDIT_KEY.parse().unwrap();
    let keys = || datong_store::Keys {
        data: None,
        audit: Some(key.clone()),
    };
    let db = datong_store::open_with_keys(&url, keys()).unwrap();
    let mut c = db.get().unwrap();
    write_some(&mut c, 6);
    let clean = audit::verify(&mut c).unwrap();
    assert!(clean.problems.is_empty(), "{:?}", clean.problems);
    let checkpoint =
        serde_json::to_string(&audit::checkpoint(&mut c, "2026-12-07T08:00:00.000000Z").unwrap())
            .unwrap();
    assert!(
        audit::verify_checkpoints(&mut c, &checkpoint)
            .unwrap()
            .is_empty()
    );
    let last = clean.rows;

    // A keyed row rewritten and the chain rebuilt: the signatures fail.
    let saved = c
        .query(
            "SELECT seq, actor, prev_hash, hash FROM audit_log ORDER BY seq",
            &[],
        )
        .unwrap();
    let head = c
        .query_one("SELECT hash FROM audit_head WHERE id = 1", &[])
        .unwrap()
        .str(0)
        .unwrap();
    rewrite_and_rechain(&mut c, last - 2);
    let v = audit::verify(&mut c).unwrap();
    assert!(
        v.problems.iter().any(|p| p.contains("edited")),
        "{:?}",
        v.problems
    );
    assert!(
        !audit::verify_checkpoints(&mut c, &checkpoint)
            .unwrap()
            .is_empty()
    );
    for r in &saved {
        c.execute(
            "UPDATE audit_log SET actor = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
            datong_store::params![
                r.str(1).unwrap(),
                r.str(2).unwrap(),
                r.str(3).unwrap(),
                r.i64(0).unwrap()
            ],
        )
        .unwrap();
    }
    c.execute(
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        datong_store::params![head],
    )
    .unwrap();
    assert!(audit::verify(&mut c).unwrap().problems.is_empty());

    // The tail cut and the head moved back: the chain alone is consistent, the checkpoint is not.
    let keep = last - 2;
    c.execute(
        "DELETE FROM audit_log WHERE seq > $1",
        datong_store::params![keep],
    )
    .unwrap();
    c.execute(
        "UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1) WHERE id = 1",
        datong_store::params![keep],
    )
    .unwrap();
    assert!(audit::verify(&mut c).unwrap().problems.is_empty());
    let found = audit::verify_checkpoints(&mut c, &checkpoint).unwrap();
    assert!(found.iter().any(|p| p.contains("cut off")), "{found:?}");
    // A forged checkpoint line does not verify.
    let forged = checkpoint.replace(&format!("\"seq\":{last}"), &format!("\"seq\":{keep}"));
    let found = audit::verify_checkpoints(&mut c, &forged).unwrap();
    assert!(found.iter().any(|p| p.contains("signature")), "{found:?}");
    drop(c);
    drop(db);

    // A signed log opens only with its key.
    let without = datong_store::open(&url)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(without.contains("DATONG_AUDIT_KEY"), "{without}");
    let other: audit::AuditKey = AUDIT_KEY.replace("00", "ff").parse().unwrap();
    let wrong = datong_store::open_with_keys(
        &url,
        datong_store::Keys {
            data: None,
            audit: Some(other),
        },
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(wrong.contains("not the one"), "{wrong}");
}
crate::engines!(a_keyed_chain_resists_rewriting_and_checkpoints_catch_a_cut_tail);

/// `datong audit checkpoint` and `audit verify --checkpoints` as an operator runs them.
fn checkpoints_from_the_command_line(engine: datong_store::Engine) {
    let url = crate::helpers::fresh_db_url(engine);
    let file = crate::helpers::temp_file(&format!("checkpoints-{engine:?}.jsonl"));
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_datong"))
            .args(["--db", &url])
            .args(args)
            .env("DATONG_LOG", "warn")
            .env("DATONG_AUDIT_KEY", AUDIT_KEY)
            .env_remove("DATONG_DATA_KEY")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    for label in ["热线", "小程序"] {
        let (ok, printed) = run(&["open311-key", "create", label]);
        assert!(ok, "{printed}");
        let (ok, printed) = run(&["audit", "checkpoint", file.to_str().unwrap()]);
        assert!(ok, "{printed}");
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 2);
    let (ok, printed) = run(&["audit", "verify", "--checkpoints", file.to_str().unwrap()]);
    assert!(ok && printed.contains("intact"), "{printed}");
    let db = datong_store::open_with_keys(
        &url,
        datong_store::Keys {
            data: None,
            audit: Some(AUDIT_KEY.parse().unwrap()),
        },
    )
    .unwrap();
    let mut c = db.get().unwrap();
    c.execute(
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
        &[],
    )
    .unwrap();
    c.execute(
        "UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)) WHERE id = 1",
        &[],
    )
    .unwrap();
    drop(c);
    let (ok, printed) = run(&["audit", "verify", "--checkpoints", file.to_str().unwrap()]);
    assert!(!ok && printed.contains("cut off"), "{printed}");
    std::fs::remove_file(file).unwrap();
}
crate::engines!(checkpoints_from_the_command_line);

/// Entries appended many at once (the overdue scan's) chain as entries appended one by
/// one do: the same hashes, the head on the last, and the chain verifies.
async fn entries_appended_together_chain_as_one_by_one(app: TestApp) {
    app.with_db(|c| {
        let actor = audit::Actor {
            login: "test".into(),
            at: "2026-11-26T08:00:00.000000Z".into(),
        };
        let after = serde_json::json!({ "step": "reminder" });
        let entry = |id: &'static str| audit::Entry {
            action: "escalate:reminder",
            entity: "task",
            entity_id: id,
            before: None,
            after: Some(&after),
        };
        let start = audit::generation(c).unwrap();
        c.tx(|c| audit::append_all(c, &actor, &[entry("1"), entry("2"), entry("3")]))
            .unwrap();
        c.tx(|c| audit::append_all(c, &actor, &[])).unwrap();
        c.tx(|c| audit::append(c, &actor, entry("4"))).unwrap();
        assert_eq!(audit::generation(c).unwrap(), start + 4);
        let v = verify(c).unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        let ids: Vec<String> = c
            .query(
                "SELECT entity_id FROM audit_log WHERE seq > $1 ORDER BY seq",
                datong_store::params![start],
            )
            .unwrap()
            .iter()
            .map(|r| r.str(0).unwrap())
            .collect();
        assert_eq!(ids, ["1", "2", "3", "4"]);
    });
}
both!(entries_appended_together_chain_as_one_by_one);
