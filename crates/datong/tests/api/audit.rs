//! The audit chain detects an edited, an inserted and a deleted row, and a cut-off tail.

use crate::both;
use crate::helpers::{COMMUNITY_A, TestApp};
use datong_store::audit::verify;

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
