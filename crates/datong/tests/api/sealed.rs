//! Personal numbers sealed at rest (DATONG_DATA_KEY): ID and phone numbers are SM4
//! ciphertext in the database and read back whole only where unmasking is allowed; one
//! ID number is still one member; a sealed database opens with its key only; a database
//! kept in clear is sealed when it is first opened with a key.

use crate::helpers::{COMMUNITY_A, DATA_KEY, TestApp, blocking, demo_db, id_number, run_cli};
use datong_store::seal::{DataKey, OpenError};
use datong_store::{Engine, params};
use serde_json::json;

fn sealed(stored: &str, plain: &str) -> bool {
    stored.starts_with("sm4$") && !stored.contains(plain)
}

async fn numbers_are_sealed_at_rest(app: TestApp) {
    let org = app.branch(COMMUNITY_A, "康吉社区第一支部").await;
    let id = id_number("19800101", 41);
    let mid = app.member(org, &id).await["id"].as_i64().unwrap();
    let r = app
        .post(
            "city",
            "/api/v1/requests",
            json!({ "service_code": "noise", "address_id": COMMUNITY_A, "description": "夜间施工",
                    "channel": "hotline", "phone": "13900139000" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let rid = r.body["id"].as_i64().unwrap();
    let (stored_id, stored_phone, blind, reporter) = app.with_db(|c| {
        let m = c
            .query_one(
                "SELECT id_number, phone, id_number_blind FROM member WHERE id = $1",
                params![mid],
            )
            .unwrap();
        let r = c
            .query_one(
                "SELECT reporter_phone FROM request WHERE id = $1",
                params![rid],
            )
            .unwrap();
        (
            m.str(0).unwrap(),
            m.str(1).unwrap(),
            m.opt_str(2).unwrap(),
            r.str(0).unwrap(),
        )
    });
    assert!(sealed(&stored_id, &id[6..14]), "{stored_id}");
    assert!(sealed(&stored_phone, "13800138000"), "{stored_phone}");
    assert!(sealed(&reporter, "13900139000"), "{reporter}");
    assert!(blind.is_some_and(|b| !b.contains(&id[6..14])));

    // Read back masked, or whole with the right.
    let masked = app.get("a", &format!("/api/v1/members/{mid}")).await;
    assert_eq!(
        masked.body["id_number"],
        format!("{}********{}", &id[..6], &id[14..])
    );
    let whole = app
        .get("a_unmask", &format!("/api/v1/members/{mid}?unmask=true"))
        .await;
    assert_eq!(
        (&whole.body["id_number"], &whole.body["phone"]),
        (&json!(id), &json!("13800138000"))
    );
    let whole = app
        .get("a_unmask", &format!("/api/v1/requests/{rid}?unmask=true"))
        .await;
    assert_eq!(whole.body["reporter"]["phone"], "13900139000");

    // The same ID number again is the same person: refused, by its blind index.
    let again = app
        .post(
            "city",
            "/api/v1/members",
            json!({
                "name": "重复党员", "sex": "male", "ethnicity": "汉族", "birth_date": "1980-01-01",
                "id_number": id, "education": "bachelor", "joined_on": "2010-07-01",
                "status": "probationary", "org_id": org
            }),
        )
        .await;
    assert_eq!(
        (again.status, &again.body["error"]["field"]),
        (409, &json!("id_number")),
        "{:?}",
        again.body
    );

    // The database opens with its key alone.
    let url = app.url.clone();
    blocking(move || {
        assert!(matches!(datong_store::open(&url), Err(OpenError::Missing)));
        let other = DataKey::new([7; 16]);
        assert!(matches!(
            datong_store::open_with_key(&url, Some(other)),
            Err(OpenError::Wrong)
        ));
        datong_store::open_with_key(&url, Some(DATA_KEY.parse().unwrap())).unwrap();
    });
}

crate::both!(numbers_are_sealed_at_rest, crate::helpers::spawn_sealed_app);

/// A city that ran without a key gets one: its first opening with the key seals every
/// number already stored (the demo's members, social workers and residents' requests),
/// and a sealed backup restores only where the key is given.
fn a_database_kept_in_clear_is_sealed_when_given_a_key(engine: Engine) {
    let (url, db) = demo_db(engine);
    drop(db);
    let key: DataKey = DATA_KEY.parse().unwrap();
    let db = datong_store::open_with_key(&url, Some(key)).unwrap();
    let mut c = db.get().unwrap();
    for (table, column) in [
        ("member", "id_number"),
        ("member", "phone"),
        ("social_worker", "id_number"),
        ("social_worker", "phone"),
        ("request", "reporter_phone"),
    ] {
        let (all, clear) = (
            c.query_one(&format!("SELECT COUNT({column}) FROM {table}"), &[])
                .unwrap()
                .i64(0)
                .unwrap(),
            c.query_one(
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} NOT LIKE 'sm4$%'"),
                &[],
            )
            .unwrap()
            .i64(0)
            .unwrap(),
        );
        assert!(
            all > 0 && clear == 0,
            "{table}.{column}: {clear} of {all} in clear"
        );
    }
    let unblinded = c
        .query_one(
            "SELECT COUNT(*) FROM member WHERE id_number_blind IS NULL",
            &[],
        )
        .unwrap()
        .i64(0)
        .unwrap();
    assert_eq!(unblinded, 0);
    drop(c);
    drop(db);

    // Its backup restores where the key is given, and nowhere else.
    let datong = |url: &str, args: &[&str], key: Option<&str>| run_cli(url, args, "", key);
    let file = crate::helpers::temp_file(&format!("sealed-{engine:?}.backup.gz"));
    let file = file.to_str().unwrap();
    let (ok, printed) = datong(&url, &["backup", file], Some(DATA_KEY));
    assert!(ok, "{printed}");
    let (ok, printed) = datong(&url, &["audit", "verify"], None);
    assert!(!ok && printed.contains("DATONG_DATA_KEY"), "{printed}");
    let target = crate::helpers::fresh_db_url(engine);
    let (ok, printed) = datong(&target, &["restore", file], None);
    assert!(!ok && printed.contains("nothing was restored"), "{printed}");
    let (ok, printed) = datong(&target, &["restore", file], Some(DATA_KEY));
    assert!(ok, "{printed}");
    let (ok, printed) = datong(&target, &["audit", "verify"], Some(DATA_KEY));
    assert!(ok, "{printed}");
    std::fs::remove_file(file).unwrap();
}

crate::engines!(a_database_kept_in_clear_is_sealed_when_given_a_key);
