//! Accounts, role assignments, and the credentials that prove who is calling: API tokens
//! and browser sessions. Only the SM3 hash of a secret is stored.

use crate::access::{Assignment, Caller};
use crate::audit::{self, Actor, Entry};
use crate::db::Conn;
use crate::error::{StoreError, StoreResult};
use crate::params;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use datong_domain::{DivisionCode, Role};
use sm3::{Digest, Sm3};

/// 等保 2.0 asks for complex passwords: at least 10 characters from 3 of 4 classes.
pub fn check_password(p: &str) -> StoreResult<()> {
    let classes = [
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if p.chars().count() < 10 || classes.iter().filter(|c| **c).count() < 3 {
        return Err(StoreError::invalid(
            "password",
            "密码至少 10 位，并包含大写字母、小写字母、数字、符号中的三类",
        ));
    }
    Ok(())
}

fn random_secret() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random source works");
    hex::encode(b)
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sm3::digest(secret.as_bytes()))
}

pub fn hash_password(p: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source works");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes fit");
    Argon2::default()
        .hash_password(p.as_bytes(), &salt)
        .expect("argon2 with default parameters")
        .to_string()
}

/// Creates an account with one role assignment.
pub fn add_user(
    conn: &mut Conn,
    actor: &Actor,
    login: &str,
    password: &str,
    role: Role,
    scope: &DivisionCode,
    unmask: bool,
) -> StoreResult<i64> {
    if login.is_empty()
        || login.len() > 64
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        return Err(StoreError::invalid(
            "login",
            "登录名由 1 至 64 位字母、数字和 ._-@ 组成",
        ));
    }
    check_password(password)?;
    let hash = hash_password(password);
    conn.tx(|c| {
        if !scope.is_nation() && c.query_opt("SELECT code FROM territory WHERE code = $1", params![scope.as_path()])?.is_none() {
            return Err(StoreError::invalid("scope", format!("区划 {scope} 不存在")));
        }
        let id = c
            .query_one(
                "INSERT INTO account (login, password_hash, display_name, created_at) VALUES ($1, $2, $1, $3) RETURNING id",
                params![login, hash, &actor.at],
            )
            .map_err(|e| if e.is_unique_violation() { StoreError::conflict("login", "登录名已存在") } else { e.into() })?
            .i64(0)?;
        c.execute(
            "INSERT INTO role_assignment (account_id, role, scope_code, unmask) VALUES ($1, $2, $3, $4)",
            params![id, role.as_str(), scope.as_path(), unmask],
        )?;
        let after = serde_json::json!({ "login": login, "role": role, "scope": scope, "unmask": unmask });
        audit::append(c, actor, Entry { action: "create", entity: "account", entity_id: login, before: None, after: Some(&after) })?;
        Ok(id)
    })
}

/// Issues a bearer token for an account; the token is shown once and stored hashed.
pub fn create_token(conn: &mut Conn, actor: &Actor, login: &str) -> StoreResult<String> {
    let id = conn
        .query_opt("SELECT id FROM account WHERE login = $1", params![login])?
        .ok_or_else(|| StoreError::invalid("login", "账号不存在"))?
        .i64(0)?;
    let secret = random_secret();
    conn.tx(|c| {
        c.execute(
            "INSERT INTO credential (account_id, kind, secret_hash, created_at) VALUES ($1, 'token', $2, $3)",
            params![id, secret_hash(&secret), &actor.at],
        )?;
        audit::append(c, actor, Entry { action: "create", entity: "token", entity_id: login, before: None, after: None })?;
        Ok(secret)
    })
}

/// Checks a login and password; returns the account id.
pub fn verify_password(conn: &mut Conn, login: &str, password: &str) -> StoreResult<Option<i64>> {
    let Some(r) = conn.query_opt(
        "SELECT id, password_hash, disabled FROM account WHERE login = $1",
        params![login],
    )?
    else {
        return Ok(None);
    };
    let ok = PasswordHash::new(&r.str(1)?)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    Ok((ok && !r.bool(2)?).then_some(r.i64(0)?))
}

/// Resolves a bearer token or session secret to its caller, if valid at `now`.
pub fn caller_for_secret(conn: &mut Conn, secret: &str, now: &str) -> StoreResult<Option<Caller>> {
    let Some(r) = conn.query_opt(
        "SELECT a.id, a.login FROM credential c JOIN account a ON a.id = c.account_id
         WHERE c.secret_hash = $1 AND a.disabled = FALSE AND (c.expires_at IS NULL OR c.expires_at > $2)",
        params![secret_hash(secret), now],
    )?
    else {
        return Ok(None);
    };
    let (id, login) = (r.i64(0)?, r.str(1)?);
    let assignments = conn
        .query("SELECT role, scope_code, unmask FROM role_assignment WHERE account_id = $1 ORDER BY id", params![id])?
        .iter()
        .filter_map(|r| {
            let role = Role::parse(&r.str(0).ok()?)?;
            let scope = DivisionCode::from_path(&r.str(1).ok()?).ok()?;
            Some(Assignment { role, scope, unmask: r.bool(2).ok()? })
        })
        .collect();
    Ok(Some(Caller::new(
        Actor {
            login,
            at: now.to_owned(),
        },
        assignments,
    )))
}
