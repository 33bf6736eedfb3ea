//! Accounts, role assignments, and the credentials that prove who is calling: API tokens
//! and browser sessions. Only the SM3 hash of a secret is stored.

use crate::access::{Assignment, Caller, Own};
use crate::audit::{self, Actor, Entry, timestamp};
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

/// A new account: one role, held at one node, and for a member or a unit the record it
/// is (its node is that record's).
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub password: &'a str,
    pub role: Role,
    /// Where the role is held; for a member or a unit, the record's node when absent.
    pub scope: Option<DivisionCode>,
    /// May read ID and phone numbers unmasked in its subtree (roles that manage one only).
    pub unmask: bool,
    pub binding: Binding,
}

/// The record an account is bound to, beside its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    None,
    /// The member record a `member` account is.
    Member(i64),
    /// The resident unit a `unit` account acts for.
    Unit(i64),
    /// The district department a `department` account acts for.
    Department(i64),
}

fn check_login(login: &str) -> StoreResult<()> {
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
    Ok(())
}

/// The node a bound record stands at: a member's or a unit's territory, a department's
/// district.
fn bound_node(c: &mut Conn, binding: Binding) -> StoreResult<Option<DivisionCode>> {
    let (sql, id, field) = match binding {
        Binding::None => return Ok(None),
        Binding::Member(id) => (
            "SELECT territory_code FROM member WHERE id = $1",
            id,
            "member",
        ),
        Binding::Unit(id) => ("SELECT territory_code FROM unit WHERE id = $1", id, "unit"),
        Binding::Department(id) => (
            "SELECT district_code FROM department WHERE id = $1",
            id,
            "department",
        ),
    };
    let r = c
        .query_opt(sql, params![id])?
        .ok_or_else(|| StoreError::invalid(field, format!("{field} {id} 不存在")))?;
    DivisionCode::from_path(&r.str(0)?)
        .map(Some)
        .map_err(|e| StoreError::invalid(field, e.to_string()))
}

/// Creates an account with one role assignment. A role is held only at its own levels
/// (`Role::held_at`); a member account is bound to a member record and a unit account to
/// a unit, and either takes its node from that record; only the roles that manage a
/// subtree may hold the unmask right.
pub fn add_user(conn: &mut Conn, actor: &Actor, a: &NewAccount) -> StoreResult<i64> {
    check_login(a.login)?;
    check_password(a.password)?;
    let binding_fits = match a.binding {
        Binding::None => !matches!(a.role, Role::Member | Role::Unit),
        Binding::Member(_) => a.role == Role::Member,
        Binding::Unit(_) => a.role == Role::Unit,
        Binding::Department(_) => a.role == Role::Department,
    };
    if !binding_fits {
        let field = match a.role {
            Role::Member => "member",
            Role::Unit => "unit",
            _ => "role",
        };
        return Err(StoreError::invalid(
            field,
            "党员账号应绑定党员（--member），单位账号应绑定驻区单位（--unit），部门账号只可绑定部门",
        ));
    }
    if a.unmask && !a.role.manages_records() {
        return Err(StoreError::invalid(
            "unmask",
            "只有管理辖区的角色可查看完整证件号码",
        ));
    }
    let hash = hash_password(a.password);
    conn.tx(|c| {
        let bound = bound_node(c, a.binding)?;
        let scope = match (&a.scope, bound) {
            (Some(s), Some(b)) if *s != b => {
                return Err(StoreError::invalid("scope", format!("账号所绑定的记录在 {b}，不在 {s}")));
            }
            (Some(s), _) => s.clone(),
            (None, Some(b)) => b,
            (None, None) => return Err(StoreError::invalid("scope", "请指定账号所在区划")),
        };
        if !scope.is_nation() && c.query_opt("SELECT code FROM territory WHERE code = $1", params![scope.as_path()])?.is_none() {
            return Err(StoreError::invalid("scope", format!("区划 {scope} 不存在")));
        }
        if !a.role.held_at(scope.level()) {
            return Err(StoreError::invalid(
                "scope",
                format!("{} 角色不能设在 {} 一级（{scope}）", a.role.as_str(), scope.level().as_str()),
            ));
        }
        let id = c
            .query_one(
                "INSERT INTO account (login, password_hash, display_name, created_at) VALUES ($1, $2, $1, $3) RETURNING id",
                params![a.login, hash, &actor.at],
            )
            .map_err(|e| if e.is_unique_violation() { StoreError::conflict("login", "登录名已存在") } else { e.into() })?
            .i64(0)?;
        let (member, unit) = match a.binding {
            Binding::Member(m) => (Some(m), None),
            Binding::Unit(u) => (None, Some(u)),
            _ => (None, None),
        };
        c.execute(
            "INSERT INTO role_assignment (account_id, role, scope_code, unmask, member_id, unit_id) VALUES ($1, $2, $3, $4, $5, $6)",
            params![id, a.role.as_str(), scope.as_path(), a.unmask, member, unit],
        )?;
        if let Binding::Department(d) = a.binding {
            c.execute(
                "INSERT INTO department_account (department_id, login) VALUES ($1, $2)",
                params![d, a.login],
            )?;
        }
        let after = serde_json::json!({
            "login": a.login, "role": a.role, "scope": scope, "unmask": a.unmask,
            "member_id": member, "unit_id": unit,
            "department_id": match a.binding { Binding::Department(d) => Some(d), _ => None },
        });
        audit::append(c, actor, Entry { action: "create", entity: "account", entity_id: a.login, before: None, after: Some(&after) })?;
        Ok(id)
    })
}

/// How long a bearer token lasts unless whoever issues it says otherwise.
pub const TOKEN_DAYS: i64 = 90;
/// The longest a token may last: a year; a script that runs longer gets a new one.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// Issues a bearer token for an account, valid for `days` from now; the token is shown
/// once and stored hashed.
pub fn create_token(conn: &mut Conn, actor: &Actor, login: &str, days: i64) -> StoreResult<String> {
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(StoreError::invalid(
            "days",
            format!("有效期应为 1 至 {MAX_TOKEN_DAYS} 天"),
        ));
    }
    let now = chrono::DateTime::parse_from_rfc3339(&actor.at)
        .map_err(|_| StoreError::invalid("at", "时间格式错误"))?
        .to_utc();
    let expires_at = timestamp(now + chrono::Duration::days(days));
    let id = conn
        .query_opt("SELECT id FROM account WHERE login = $1", params![login])?
        .ok_or_else(|| StoreError::invalid("login", "账号不存在"))?
        .i64(0)?;
    let secret = random_secret();
    conn.tx(|c| {
        c.execute(
            "INSERT INTO credential (account_id, kind, secret_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            params![id, CredentialKind::Token.as_str(), secret_hash(&secret), &actor.at, &expires_at],
        )?;
        let after = serde_json::json!({ "expires_at": expires_at });
        audit::append(c, actor, Entry { action: "create", entity: "token", entity_id: login, before: None, after: Some(&after) })?;
        Ok(secret)
    })
}

/// Ends every token of an account (its browser sessions stay); returns how many.
pub fn revoke_tokens(conn: &mut Conn, actor: &Actor, login: &str) -> StoreResult<u64> {
    conn.tx(|c| {
        let n = c.execute(
            "DELETE FROM credential WHERE kind = 'token' AND account_id = (SELECT id FROM account WHERE login = $1)",
            params![login],
        )?;
        let after = serde_json::json!({ "revoked": n });
        audit::append(c, actor, Entry { action: "revoke", entity: "token", entity_id: login, before: None, after: Some(&after) })?;
        Ok(n)
    })
}

/// An account as those who manage accounts see it: no secret, no password hash.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct AccountView {
    pub login: String,
    pub disabled: bool,
    pub created_at: String,
    pub assignments: Vec<AssignmentView>,
}

/// An assignment with the record it is bound to.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct AssignmentView {
    #[serde(flatten)]
    pub assignment: Assignment,
    pub member_id: Option<i64>,
    pub unit_id: Option<i64>,
}

/// Accounts, by login, for the city's organisation department and the administrator.
pub fn list(
    conn: &mut Conn,
    caller: &Caller,
    page: &crate::sql::Page,
) -> StoreResult<Vec<AccountView>> {
    caller.may_set_city_wide()?;
    let mut q =
        crate::sql::Sql::new("SELECT id, login, disabled, created_at FROM account ORDER BY login");
    q.page(page);
    views(conn, &q)
}

/// One account, for those who manage accounts.
pub fn get(conn: &mut Conn, caller: &Caller, login: &str) -> StoreResult<AccountView> {
    caller.may_set_city_wide()?;
    let mut q =
        crate::sql::Sql::new("SELECT id, login, disabled, created_at FROM account WHERE login = ");
    q.bind(login);
    views(conn, &q)?.pop().ok_or(StoreError::NotFound)
}

/// The accounts `q` selects (id, login, disabled, created_at), with their assignments.
fn views(conn: &mut Conn, q: &crate::sql::Sql) -> StoreResult<Vec<AccountView>> {
    let accounts = conn.query(&q.text, &q.params)?;
    let mut ids = crate::sql::Sql::new(
        "SELECT role, scope_code, unmask, member_id, unit_id, account_id FROM role_assignment WHERE account_id IN ",
    );
    ids.bind_list(
        accounts
            .iter()
            .map(|r| r.i64(0))
            .collect::<Result<Vec<_>, _>>()?,
    );
    ids.push(" ORDER BY id");
    let mut by_account: std::collections::HashMap<i64, Vec<AssignmentView>> = Default::default();
    for r in conn.query(&ids.text, &ids.params)? {
        if let Some(a) = assignment_row(&r)? {
            by_account.entry(r.i64(5)?).or_default().push(a);
        }
    }
    accounts
        .iter()
        .map(|r| {
            Ok(AccountView {
                login: r.str(1)?,
                disabled: r.bool(2)?,
                created_at: r.str(3)?,
                assignments: by_account.remove(&r.i64(0)?).unwrap_or_default(),
            })
        })
        .collect()
}

/// Disables an account (every token and session it holds ends at once) or enables it
/// again (with no credential: it logs in anew). The command line's caller may do it to
/// anyone; a web caller not to itself, so no one locks the last door from inside.
pub fn set_disabled(
    conn: &mut Conn,
    caller: &Caller,
    login: &str,
    disabled: bool,
) -> StoreResult<AccountView> {
    let before = get(conn, caller, login)?;
    if disabled && login == caller.actor.login && !caller.assignments.is_empty() {
        return Err(StoreError::conflict("login", "不能停用自己的账号"));
    }
    conn.tx(|c| {
        c.execute("UPDATE account SET disabled = $1 WHERE login = $2", params![disabled, login])?;
        if disabled {
            c.execute(
                "DELETE FROM credential WHERE account_id = (SELECT id FROM account WHERE login = $1)",
                params![login],
            )?;
        }
        let (b, a) = (serde_json::json!({ "disabled": before.disabled }), serde_json::json!({ "disabled": disabled }));
        audit::append(c, &caller.actor, Entry { action: if disabled { "disable" } else { "enable" }, entity: "account", entity_id: login, before: Some(&b), after: Some(&a) })
    })?;
    get(conn, caller, login)
}

/// Password attempts an account may fail in a row before it is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_MINUTES: i64 = 15;
/// How long a browser session lasts from its login.
pub const SESSION_HOURS: i64 = 8;
/// A browser session left idle this long ends (等保 2.0 asks for an idle timeout).
pub const SESSION_IDLE_MINUTES: i64 = 30;
// A session's last use is written at most this often, not on every request.
const TOUCH_SECONDS: i64 = 60;

/// What a credential is: a bearer token for scripts, or a browser session (a cookie, with
/// a CSRF token that must come back on every request that changes something).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    Token,
    Session,
}

impl CredentialKind {
    fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Token => "token",
            CredentialKind::Session => "session",
        }
    }
}

/// A browser session just opened. The secret goes into the cookie and nowhere else.
#[derive(Debug, Clone)]
pub struct Session {
    pub secret: String,
    pub csrf_token: String,
    pub expires_at: String,
}

#[derive(Debug, Clone)]
pub enum Login {
    Opened(Session),
    /// Unknown login, wrong password or disabled account: not told apart.
    Refused,
    /// Too many failures in a row; the account opens again at `until`.
    Locked {
        until: String,
    },
}

// An unknown login costs the same Argon2 work as a known one, so timing tells nothing.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("no-such-account-Aa1"));

fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a login and password and opens a session. Failures are counted per account:
/// after `MAX_FAILED_LOGINS` in a row the account is locked for `LOCK_MINUTES`, even to the
/// right password. Every outcome on an existing account is audited.
pub fn log_in(
    conn: &mut Conn,
    login: &str,
    password: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<Login> {
    let at = timestamp(now);
    let actor = Actor {
        login: login.to_owned(),
        at: at.clone(),
    };
    conn.tx(|c| {
        let Some(r) = c.query_opt(
            "SELECT id, password_hash, disabled, failed_logins, locked_until FROM account WHERE login = $1",
            params![login],
        )?
        else {
            password_matches(&DUMMY_HASH, password);
            return Ok(Login::Refused);
        };
        let (id, hash, disabled, failed) = (r.i64(0)?, r.str(1)?, r.bool(2)?, r.i64(3)?);
        if let Some(until) = r.opt_str(4)?.filter(|u| *u > at) {
            audit::append(c, &actor, Entry { action: "login_locked", entity: "account", entity_id: login, before: None, after: None })?;
            return Ok(Login::Locked { until });
        }
        if disabled || !password_matches(&hash, password) {
            let failed = failed + 1;
            let lock = (failed >= MAX_FAILED_LOGINS)
                .then(|| timestamp(now + chrono::Duration::minutes(LOCK_MINUTES)));
            c.execute(
                "UPDATE account SET failed_logins = $1, locked_until = $2 WHERE id = $3",
                params![if lock.is_some() { 0 } else { failed }, lock.clone(), id],
            )?;
            let after = serde_json::json!({ "failed_logins": failed, "locked_until": lock });
            audit::append(c, &actor, Entry { action: "login_failed", entity: "account", entity_id: login, before: None, after: Some(&after) })?;
            return Ok(match lock {
                Some(until) => Login::Locked { until },
                None => Login::Refused,
            });
        }
        c.execute(
            "UPDATE account SET failed_logins = 0, locked_until = NULL WHERE id = $1",
            params![id],
        )?;
        let session = Session {
            secret: random_secret(),
            csrf_token: random_secret(),
            expires_at: timestamp(now + chrono::Duration::hours(SESSION_HOURS)),
        };
        c.execute(
            "INSERT INTO credential (account_id, kind, secret_hash, csrf_token, created_at, expires_at) VALUES ($1, 'session', $2, $3, $4, $5)",
            params![id, secret_hash(&session.secret), &session.csrf_token, &at, &session.expires_at],
        )?;
        audit::append(c, &actor, Entry { action: "login", entity: "session", entity_id: login, before: None, after: None })?;
        Ok(Login::Opened(session))
    })
}

/// Ends the credential presented, a browser session or a bearer token; ending one that
/// is already gone is not an error.
pub fn log_out(
    conn: &mut Conn,
    actor: &Actor,
    secret: &str,
    kind: CredentialKind,
) -> StoreResult<()> {
    conn.tx(|c| {
        let n = c.execute(
            "DELETE FROM credential WHERE secret_hash = $1 AND kind = $2",
            params![secret_hash(secret), kind.as_str()],
        )?;
        if n > 0 {
            audit::append(
                c,
                actor,
                Entry {
                    action: "logout",
                    entity: kind.as_str(),
                    entity_id: &actor.login,
                    before: None,
                    after: None,
                },
            )?;
        }
        Ok(())
    })
}

/// A resolved credential: who is calling and, for a browser session, its CSRF token.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub caller: Caller,
    pub csrf_token: Option<String>,
}

/// Resolves a bearer token or session secret of `kind` to its caller, if valid at `now`.
pub fn caller_for_secret(
    conn: &mut Conn,
    secret: &str,
    kind: CredentialKind,
    now: &str,
) -> StoreResult<Option<Resolved>> {
    let Some(r) = conn.query_opt(
        "SELECT a.id, a.login, c.csrf_token, c.id, COALESCE(c.last_used_at, c.created_at)
           FROM credential c JOIN account a ON a.id = c.account_id
         WHERE c.secret_hash = $1 AND c.kind = $2 AND a.disabled = FALSE
           AND (c.expires_at IS NULL OR c.expires_at > $3)",
        params![secret_hash(secret), kind.as_str(), now],
    )?
    else {
        return Ok(None);
    };
    let (id, login, csrf_token) = (r.i64(0)?, r.str(1)?, r.opt_str(2)?);
    if kind == CredentialKind::Session {
        let (credential, last_used) = (r.i64(3)?, r.str(4)?);
        let Ok(at) = chrono::DateTime::parse_from_rfc3339(now) else {
            return Ok(None);
        };
        let ago = |secs: i64| timestamp(at.to_utc() - chrono::Duration::seconds(secs));
        if last_used <= ago(SESSION_IDLE_MINUTES * 60) {
            return Ok(None);
        }
        // Bookkeeping, not a change to the records: not audited.
        if last_used <= ago(TOUCH_SECONDS) {
            conn.execute(
                "UPDATE credential SET last_used_at = $1 WHERE id = $2",
                params![now, credential],
            )?;
        }
    }
    let caller = caller_of(
        conn,
        id,
        Actor {
            login,
            at: now.to_owned(),
        },
    )?;
    Ok(Some(Resolved { caller, csrf_token }))
}

/// The caller an account is: its assignments and what it stands in a relation to.
fn caller_of(conn: &mut Conn, account: i64, actor: Actor) -> StoreResult<Caller> {
    // The member's and the unit's organisations come with their assignments.
    let rows = conn.query(
        "SELECT r.role, r.scope_code, r.unmask, r.member_id, r.unit_id, m.org_id, u.org_id
           FROM role_assignment r LEFT JOIN member m ON m.id = r.member_id LEFT JOIN unit u ON u.id = r.unit_id
          WHERE r.account_id = $1 ORDER BY r.id",
        params![account],
    )?;
    let mut assignments = Vec::new();
    let mut own = Own::default();
    for r in &rows {
        let Some(a) = assignment_row(r)? else {
            continue;
        };
        // A member or unit role without its record relates to nothing.
        if a.assignment.role == Role::Member && own.member.is_none() {
            own.member = a.member_id;
            own.orgs.extend(r.opt_i64(5)?);
        }
        if a.assignment.role == Role::Unit && own.unit.is_none() {
            own.unit = a.unit_id;
            own.orgs.extend(r.opt_i64(6)?);
        }
        assignments.push(a.assignment);
    }
    if assignments.iter().any(|a| a.role == Role::Department) {
        // Its departments, and every clerk of each, in one read.
        for r in conn.query(
            "SELECT DISTINCT peer.department_id, peer.login FROM department_account mine
               JOIN department_account peer ON peer.department_id = mine.department_id
              WHERE mine.login = $1 ORDER BY peer.department_id, peer.login",
            params![&actor.login],
        )? {
            let (department, login) = (r.i64(0)?, r.str(1)?);
            if !own.departments.contains(&department) {
                own.departments.push(department);
            }
            if !own.department_logins.contains(&login) {
                own.department_logins.push(login);
            }
        }
        // What it filed itself is its own before any department is named for it.
        if !own.department_logins.contains(&actor.login) {
            own.department_logins.push(actor.login.clone());
        }
    }
    Ok(Caller::with_own(actor, assignments, own))
}

/// A `role_assignment` row read as `role, scope_code, unmask, member_id, unit_id`; `None`
/// for a role or code this version does not know.
fn assignment_row(r: &crate::db::Row) -> StoreResult<Option<AssignmentView>> {
    let (Some(role), Ok(scope)) = (Role::parse(&r.str(0)?), DivisionCode::from_path(&r.str(1)?))
    else {
        return Ok(None);
    };
    Ok(Some(AssignmentView {
        assignment: Assignment {
            role,
            scope,
            unmask: r.bool(2)?,
        },
        member_id: r.opt_i64(3)?,
        unit_id: r.opt_i64(4)?,
    }))
}

/// The caller an enabled account is at `now`, with the roles it holds then: for work done
/// later on its behalf (a scheduled task is sent with the sender's rights on the day).
pub fn caller_for_login(conn: &mut Conn, login: &str, now: &str) -> StoreResult<Option<Caller>> {
    let Some(r) = conn.query_opt(
        "SELECT id FROM account WHERE login = $1 AND disabled = FALSE",
        params![login],
    )?
    else {
        return Ok(None);
    };
    let actor = Actor {
        login: login.to_owned(),
        at: now.to_owned(),
    };
    Ok(Some(caller_of(conn, r.i64(0)?, actor)?))
}
