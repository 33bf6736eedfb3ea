//! The OpenAPI 3.1 description of `/api/v1`, built here beside the routes it describes and
//! locked by a snapshot test, so a change to the API shows up as a change to this file.

use axum::Json;
use serde_json::{Value, json};

fn list_of(schema: &str) -> Value {
    json!({ "type": "object", "required": ["items", "limit", "offset"], "properties": {
        "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{schema}") } },
        "limit": { "type": "integer" }, "offset": { "type": "integer" } } })
}

fn reference(schema: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{schema}") })
}

fn ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn errors() -> Value {
    let e = ok("错误", reference("Error"));
    json!({ "400": e, "401": e, "403": e, "404": e, "409": e, "422": e })
}

fn op(
    summary: &str,
    tag: &str,
    params: Value,
    body: Option<&str>,
    status: &str,
    response: Value,
) -> Value {
    let mut responses = errors();
    responses[status] = response;
    let mut o =
        json!({ "summary": summary, "tags": [tag], "parameters": params, "responses": responses });
    if let Some(b) = body {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": reference(b) } } });
    }
    o
}

fn p(name: &str, location: &str, schema: Value) -> Value {
    json!({ "name": name, "in": location, "required": location == "path", "schema": schema })
}

/// A query parameter the handler cannot do without.
fn required(mut param: Value) -> Value {
    param["required"] = json!(true);
    param
}

fn with_example(mut param: Value, example: Value) -> Value {
    param["example"] = example;
    param
}

fn paging() -> Vec<Value> {
    vec![
        p(
            "limit",
            "query",
            json!({ "type": "integer", "minimum": 1, "maximum": 500, "default": 50 }),
        ),
        p(
            "offset",
            "query",
            json!({ "type": "integer", "minimum": 0, "default": 0 }),
        ),
    ]
}

fn with_paging(mut v: Vec<Value>) -> Value {
    v.extend(paging());
    Value::Array(v)
}

fn enumeration(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}

fn code() -> Value {
    json!({ "type": "string", "pattern": "^(CN|[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{15}|[0-9]{18}|[0-9]{22})$" })
}

fn text(max: u32) -> Value {
    json!({ "type": "string", "minLength": 1, "maxLength": max })
}

fn date() -> Value {
    json!({ "type": "string", "format": "date" })
}

fn nullable(v: Value) -> Value {
    json!({ "oneOf": [v, { "type": "null" }] })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "additionalProperties": false, "properties": properties })
}

pub fn document() -> Value {
    use datong_domain::{
        Level,
        member::{Education, MemberStatus},
        org::OrgKind,
        unit::{Coverage, UnitKind},
    };
    let levels: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
    let kinds: Vec<&str> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
    let statuses: Vec<&str> = MemberStatus::ALL.iter().map(|s| s.as_str()).collect();
    let educations: Vec<&str> = Education::ALL.iter().map(|e| e.as_str()).collect();
    let unit_kinds: Vec<&str> = UnitKind::ALL.iter().map(|k| k.as_str()).collect();
    let coverages: Vec<&str> = Coverage::ALL.iter().map(|c| c.as_str()).collect();
    // Examples name objects the demo city has, so a reader (or a fuzzer) starts from
    // something that exists.
    let id = || with_example(p("id", "path", json!({ "type": "integer" })), json!(1));
    let code_param = || with_example(p("code", "path", code()), json!("140213"));

    let mut doc = json!({
        "openapi": "3.1.0",
        "info": { "title": "Datong 城市基层党建引领基层治理平台 API", "version": "1" },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": {
            "/session": {
                "post": { "summary": "登录：设置 HttpOnly 会话 Cookie，返回 CSRF 令牌", "tags": ["session"], "security": [],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": reference("Login") } } },
                    "responses": { "201": ok("会话", reference("Session")), "400": ok("错误", reference("Error")), "401": ok("登录名或密码错误", reference("Error")),
                        "429": ok("本地址登录失败次数过多", reference("Error")) } },
                "get": op("当前调用者；浏览器会话另返回 CSRF 令牌", "session", json!([]), None, "200", ok("会话", reference("Session"))),
                "delete": { "summary": "退出登录：结束所用的会话或访问令牌（吊销令牌）", "tags": ["session"], "responses": { "204": { "description": "已退出" }, "401": ok("错误", reference("Error")), "403": ok("缺少 CSRF 令牌", reference("Error")) } }
            },
            "/territories": { "get": op("按名称或代码检索区划", "territories", with_paging(vec![p("q", "query", json!({ "type": "string", "maxLength": 50 })), p("level", "query", enumeration(&levels))]), None, "200", ok("区划列表", list_of("Territory"))) },
            "/territories/{code}": {
                "get": op("区划节点（as_of：某日的区划与名称，当日不存在则 404）", "territories", json!([code_param(), p("as_of", "query", date())]), None, "200", ok("区划", reference("Territory"))),
                "patch": op("修改区划名称或党员中心户标记", "territories", json!([code_param()]), Some("TerritoryChange"), "200", ok("区划", reference("Territory")))
            },
            "/territories/{code}/children": {
                "get": op("下级区划（as_of：某日的区划与名称）", "territories", with_paging(vec![code_param(), p("as_of", "query", date())]), None, "200", ok("区划列表", list_of("Territory"))),
                "post": op("新建网格、楼栋或户", "territories", json!([code_param()]), Some("NewTerritory"), "201", ok("新区划", reference("Territory")))
            },
            "/territories/{code}/rollup": { "get": op("下辖统计", "territories", json!([code_param()]), None, "200", ok("统计", reference("Rollup"))) },
            "/territories/{code}/history": { "get": op("曾用名", "territories", json!([code_param()]), None, "200", ok("历史版本", json!({ "type": "array", "items": reference("TerritoryVersion") }))) },
            "/orgs": {
                "get": op("党组织列表（as_of：某日存续的组织）", "orgs", with_paging(vec![p("as_of", "query", date()), p("kind", "query", enumeration(&kinds)), p("territory", "query", code()), p("parent_id", "query", json!({ "type": "integer" })), p("name", "query", text(100)), p("sort", "query", enumeration(&["place", "name"]))]), None, "200", ok("党组织列表", list_of("Org"))),
                "post": op("新建党组织", "orgs", json!([]), Some("NewOrg"), "201", ok("党组织", reference("Org")))
            },
            "/orgs/{id}": {
                "get": op("党组织及其支部工作条例检查结果", "orgs", json!([id()]), None, "200", ok("党组织", reference("OrgWithFindings"))),
                "patch": op("修改党组织", "orgs", json!([id()]), Some("OrgChange"), "200", ok("党组织", reference("Org")))
            },
            "/workbench": { "get": op("工作台：本账号的待办，按类分组，逾期在前", "workbench", json!([]), None, "200", ok("待办", reference("Workbench"))) },
            "/workbench/count": { "get": op("工作台待办数（页头角标）", "workbench", json!([]), None, "200", ok("待办数", object(&["pending", "overdue"], json!({ "pending": { "type": "integer" }, "overdue": { "type": "integer" } })))) },
            "/orgs/{id}/rollup": { "get": op("沿党组织体系的下辖统计：本组织及各下级组织（领导某区划的组织取该区划统计）", "orgs", json!([id()]), None, "200", ok("统计", reference("OrgTree"))) },
            "/orgs/{id}/activities": { "post": op("登记组织生活", "orgs", json!([id()]), Some("NewActivity"), "201", ok("活动", reference("Created"))) },
            "/members": {
                "get": op("党员列表（证件号、电话脱敏）", "members", with_paging(vec![p("org_id", "query", json!({ "type": "integer" })), p("territory", "query", code()), p("status", "query", enumeration(&statuses)), p("name", "query", text(100)), p("lost_contact", "query", json!({ "type": "boolean" })), p("sort", "query", enumeration(&["place", "id", "name", "joined_on", "birth_date"]))]), None, "200", ok("党员列表", list_of("Member"))),
                "post": op("新增党员", "members", json!([]), Some("NewMember"), "201", ok("党员", reference("Member")))
            },
            "/members/{id}": {
                "get": op("党员信息；unmask=true 时在有权范围内显示完整号码并记入审计", "members", json!([id(), p("unmask", "query", json!({ "type": "boolean" }))]), None, "200", ok("党员", reference("Member"))),
                "patch": op("修改党员信息", "members", json!([id()]), Some("MemberChange"), "200", ok("党员", reference("Member")))
            },
            "/members/{id}/transfers": {
                "get": op("组织关系转接记录", "members", json!([id()]), None, "200", ok("转接记录", json!({ "type": "array", "items": reference("Transfer") }))),
                "post": op("转接组织关系", "members", json!([id()]), Some("NewTransfer"), "201", ok("转接记录", reference("Transfer")))
            },
            "/members/{id}/probation": { "post": op("预备党员转正或延长预备期", "members", json!([id()]), Some("Probation"), "200", ok("党员", reference("Member"))) },
            "/orgs/{id}/end": {
                "post": { "summary": "撤销党组织（注明日期与原因；尚有党员或下级组织时拒绝）", "tags": ["orgs"],
                    "parameters": [id()],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": reference("OrgEnd") } } },
                    "responses": { "204": { "description": "已撤销" }, "400": ok("错误", reference("Error")), "404": ok("错误", reference("Error")),
                        "409": ok("尚有党员或下级组织", reference("Error")), "422": ok("错误", reference("Error")) } }
            },
            "/units": {
                "get": op("驻区单位与两新组织列表", "units", with_paging(vec![p("kind", "query", enumeration(&unit_kinds)), p("coverage", "query", enumeration(&coverages)), p("territory", "query", code()), p("name", "query", text(100)), p("sort", "query", enumeration(&["place", "name"]))]), None, "200", ok("单位列表", list_of("Unit"))),
                "post": op("新增单位", "units", json!([]), Some("UnitInput"), "201", ok("单位", reference("Unit")))
            },
            "/units/{id}": {
                "get": op("单位", "units", json!([id()]), None, "200", ok("单位", reference("Unit"))),
                "put": op("修改单位", "units", json!([id()]), Some("UnitInput"), "200", ok("单位", reference("Unit")))
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer" },
                "session": { "type": "apiKey", "in": "cookie", "name": "datong_session", "description": "浏览器会话；修改数据的请求须带 X-CSRF-Token 头" }
            },
            "schemas": {
                "Login": object(&["login", "password"], json!({ "login": text(64), "password": { "type": "string", "minLength": 1, "maxLength": 256, "format": "password" } })),
                "Session": object(&["login", "assignments"], json!({
                    "login": { "type": "string" },
                    "assignments": { "type": "array", "items": object(&["role", "scope", "unmask"], json!({ "role": { "type": "string" }, "scope": code(), "unmask": { "type": "boolean" } })) },
                    "csrf_token": { "type": "string" }, "expires_at": { "type": "string", "format": "date-time" } })),
                "Error": object(&["error"], json!({ "error": object(&["code", "message"], json!({ "code": { "type": "string" }, "message": { "type": "string" }, "field": { "type": "string" },
                    "details": { "type": "object", "description": "规则拒绝时所遇情形，如任务准入关口拒绝的接收单位及其清单相关部分" } })) })),
                "Created": object(&["id"], json!({ "id": { "type": "integer" } })),
                "Territory": object(&["code", "name", "level", "kind", "member_centre", "valid_from"], json!({
                    "code": code(), "parent": nullable(code()), "name": { "type": "string" }, "level": enumeration(&levels),
                    "kind": { "type": "string" }, "member_centre": { "type": "boolean" }, "keeper_member_id": { "type": "integer", "description": "党员中心户由哪位党员负责" }, "valid_from": date(), "valid_to": nullable(date()) })),
                "TerritoryVersion": object(&["name", "valid_from", "valid_to"], json!({ "name": { "type": "string" }, "valid_from": date(), "valid_to": date() })),
                "NewTerritory": object(&["name"], json!({ "name": text(100), "serial": { "type": "integer", "minimum": 0 }, "member_centre": { "type": "boolean" } })),
                "TerritoryChange": object(&[], json!({ "name": text(100), "member_centre": { "type": "boolean" } })),
                "Rollup": object(&["code", "territories", "territory_kinds", "orgs", "members", "members_by_education", "members_by_birth_decade", "members_by_joined_decade", "members_total", "social_workers", "units_total", "units"], json!({
                    "code": code(),
                    "territories": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "territory_kinds": { "type": "object", "description": "按类型：街道、镇、乡，社区、村，区、县", "additionalProperties": { "type": "integer" } },
                    "orgs": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "members": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "members_by_education": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "members_by_birth_decade": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "members_by_joined_decade": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "members_total": { "type": "integer" }, "social_workers": { "type": "integer" }, "units_total": { "type": "integer" },
                    "units": { "type": "object", "additionalProperties": object(&["units", "covered", "instructor"], json!({
                        "units": { "type": "integer" }, "covered": { "type": "integer" }, "instructor": { "type": "integer" }, "coverage_rate": nullable(json!({ "type": "number" })) })) } })),
                "Org": object(&["id", "name", "kind", "territory", "committee_size", "version"], json!({
                    "id": { "type": "integer" }, "name": { "type": "string" }, "kind": enumeration(&kinds), "territory": code(),
                    "parent_id": nullable(json!({ "type": "integer" })), "committee_size": { "type": "integer" },
                    "term_start": nullable(date()), "term_end": nullable(date()), "version": { "type": "integer" } })),
                "Workbench": object(&["pending", "overdue", "groups"], json!({
                    "pending": { "type": "integer" }, "overdue": { "type": "integer" },
                    "groups": { "type": "array", "items": object(&["key", "label", "count", "overdue", "breakdown", "lines"], json!({
                        "key": { "type": "string" }, "label": { "type": "string" },
                        "count": { "type": "integer" }, "overdue": { "type": "integer" },
                        "breakdown": { "type": "array", "items": { "type": "array", "prefixItems": [{ "type": "string" }, { "type": "integer" }] } },
                        "lines": { "type": "array", "items": object(&["title", "overdue", "href"], json!({
                            "title": { "type": "string" }, "place": nullable(json!({ "type": "string" })),
                            "due": nullable(json!({ "type": "string" })), "overdue": { "type": "boolean" }, "href": { "type": "string" } })) } })) } })),
                "OrgFigures": object(&["members_total", "members", "orgs", "units_total"], json!({
                    "leads": nullable(code()),
                    "members_total": { "type": "integer" },
                    "members": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "orgs": { "type": "object", "additionalProperties": { "type": "integer" } },
                    "units_total": { "type": "integer" } })),
                "OrgTree": object(&["org", "figures", "children"], json!({
                    "org": reference("Org"), "figures": reference("OrgFigures"),
                    "children": { "type": "array", "items": object(&["org", "figures"], json!({ "org": reference("Org"), "figures": reference("OrgFigures") })) } })),
                "OrgWithFindings": { "allOf": [reference("Org"), { "type": "object", "properties": { "findings": { "type": "array", "items": object(&["code", "message"], json!({ "code": { "type": "string" }, "message": { "type": "string" } })) } } }] },
                "NewOrg": object(&["name", "kind", "territory"], json!({ "name": text(100), "kind": enumeration(&kinds), "territory": code(), "parent_id": { "type": "integer" }, "committee_size": { "type": "integer", "minimum": 0, "maximum": 15 }, "term_start": date() })),
                "OrgChange": object(&[], json!({ "name": text(100), "committee_size": { "type": "integer", "minimum": 0, "maximum": 15 }, "term_start": date(), "version": { "type": "integer" } })),
                "OrgEnd": object(&["on", "reason"], json!({ "on": date(), "reason": text(500) })),
                "NewActivity": object(&["kind", "held_on", "topic", "attendees"], json!({ "kind": text(100), "held_on": date(), "topic": text(500), "attendees": { "type": "array", "maxItems": 1000, "items": { "type": "integer" } } })),
                "Member": object(&["id", "name", "sex", "id_number", "id_number_masked", "status", "org_id", "territory", "version"], json!({
                    "id": { "type": "integer" }, "name": { "type": "string" }, "sex": enumeration(&["male", "female"]), "ethnicity": { "type": "string" },
                    "birth_date": date(), "id_number": { "type": "string" }, "id_number_masked": { "type": "boolean" }, "education": enumeration(&educations),
                    "joined_on": date(), "full_on": nullable(date()), "status": enumeration(&statuses), "extension_months": { "type": "integer" },
                    "org_id": { "type": "integer" }, "territory": code(), "phone": nullable(json!({ "type": "string" })), "work_unit": nullable(json!({ "type": "string" })),
                    "home_community": nullable(code()), "mobile": { "type": "boolean" }, "mobile_note": nullable(json!({ "type": "string" })),
                    "last_activity_on": nullable(date()), "version": { "type": "integer" } })),
                "NewMember": object(&["name", "sex", "ethnicity", "birth_date", "id_number", "education", "joined_on", "status", "org_id"], json!({
                    "name": text(100), "sex": enumeration(&["male", "female"]), "ethnicity": text(20), "birth_date": date(),
                    "id_number": { "type": "string", "pattern": "^[0-9]{17}[0-9Xx]$", "example": "990000198001010012" }, "education": enumeration(&educations), "joined_on": date(),
                    "full_on": date(), "status": enumeration(&statuses), "org_id": { "type": "integer" }, "phone": { "type": "string" },
                    "work_unit": text(100), "home_community": code(), "mobile": { "type": "boolean" }, "mobile_note": text(500) })),
                "MemberChange": object(&[], json!({ "phone": nullable(json!({ "type": "string" })), "work_unit": nullable(text(100)), "education": enumeration(&educations),
                    "home_community": nullable(code()), "mobile": { "type": "boolean" }, "mobile_note": nullable(text(500)), "version": { "type": "integer" } })),
                "Transfer": object(&["id", "member_id", "from_org_id", "to_org_id", "transferred_on", "reason", "actor"], json!({
                    "id": { "type": "integer" }, "member_id": { "type": "integer" }, "from_org_id": { "type": "integer" }, "to_org_id": { "type": "integer" },
                    "transferred_on": date(), "reason": { "type": "string" }, "actor": { "type": "string" } })),
                "NewTransfer": object(&["to_org_id", "transferred_on", "reason"], json!({ "to_org_id": { "type": "integer" }, "transferred_on": date(), "reason": text(500) })),
                "Probation": object(&["on"], json!({ "on": date(), "extend_months": { "type": "integer", "minimum": 6, "maximum": 12 } })),
                "Unit": object(&["id", "name", "credit_code", "kind", "territory", "coverage", "version"], json!({
                    "id": { "type": "integer" }, "name": { "type": "string" }, "credit_code": { "type": "string" }, "kind": enumeration(&unit_kinds),
                    "territory": code(), "address": nullable(json!({ "type": "string" })), "coverage": enumeration(&coverages),
                    "org_id": nullable(json!({ "type": "integer" })), "version": { "type": "integer" } })),
                "UnitInput": object(&["name", "credit_code", "kind", "territory", "coverage"], json!({
                    "name": text(100), "credit_code": { "type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$", "example": "91990000MA0000001B" }, "kind": enumeration(&unit_kinds),
                    "territory": code(), "address": text(500), "coverage": enumeration(&coverages), "org_id": { "type": "integer" }, "version": { "type": "integer" } }))
            }
        }
    });
    let (paths, schemas) = duties(&id, &code_param);
    let (more_paths, more_schemas) = accounts();
    for (k, v) in paths.into_iter().chain(more_paths) {
        doc["paths"][k] = v;
    }
    for (k, v) in schemas.into_iter().chain(more_schemas) {
        doc["components"]["schemas"][k] = v;
    }
    doc
}

/// Accounts, their tokens, and Open311 keys (the city's organisation department and the
/// administrator).
fn accounts() -> (Named, Named) {
    let roles: Vec<&str> = datong_domain::Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    let login = || with_example(p("login", "path", text(64)), json!("admin"));
    let key_id = || {
        with_example(
            p(
                "id",
                "path",
                json!({ "type": "string", "pattern": "^[0-9a-f]{16}$" }),
            ),
            json!("0123456789abcdef"),
        )
    };
    let integer = || json!({ "type": "integer" });
    let paths = vec![
        (
            "/accounts",
            json!({
                "get": op("账号列表（市级、管理员）", "accounts", with_paging(vec![]), None, "200", ok("账号", list_of("Account"))),
                "post": op("新增账号：党员账号绑定党员，单位账号绑定驻区单位", "accounts", json!([]), Some("NewAccount"), "201", ok("账号", reference("Account")))
            }),
        ),
        (
            "/accounts/{login}",
            json!({
                "get": op("账号", "accounts", json!([login()]), None, "200", ok("账号", reference("Account"))),
                "patch": op("停用或启用账号（停用即结束其全部令牌与会话）", "accounts", json!([login()]), Some("AccountChange"), "200", ok("账号", reference("Account")))
            }),
        ),
        (
            "/accounts/{login}/tokens",
            json!({ "delete": op("吊销账号的全部访问令牌", "accounts", json!([login()]), None, "200", ok("吊销数", object(&["revoked"], json!({ "revoked": integer() })))) }),
        ),
        (
            "/open311-keys",
            json!({
                "get": op("Open311 API 密钥列表（市级）", "accounts", json!([]), None, "200", ok("密钥", json!({ "type": "array", "items": reference("Open311Key") }))),
                "post": op("签发 Open311 API 密钥（市级）", "accounts", json!([]), Some("NewKey"), "201", ok("密钥（仅此一次显示）", object(&["api_key"], json!({ "api_key": { "type": "string" } }))))
            }),
        ),
        (
            "/open311-keys/{id}",
            json!({ "delete": op("停用 Open311 API 密钥", "accounts", json!([key_id()]), None, "200", ok("密钥", reference("Open311Key"))) }),
        ),
    ];
    let schemas = vec![
        (
            "Account",
            object(
                &["login", "disabled", "created_at", "assignments"],
                json!({
                "login": { "type": "string" }, "disabled": { "type": "boolean" }, "created_at": { "type": "string", "format": "date-time" },
                "assignments": { "type": "array", "items": object(&["role", "scope", "unmask"], json!({
                    "role": enumeration(&roles), "scope": code(), "unmask": { "type": "boolean" },
                    "member_id": nullable(integer()), "unit_id": nullable(integer()) })) } }),
            ),
        ),
        (
            "NewAccount",
            object(
                &["login", "password", "role"],
                json!({
                "login": { "type": "string", "pattern": "^[A-Za-z0-9._@-]{1,64}$" },
                "password": { "type": "string", "minLength": 10, "maxLength": 256, "format": "password" },
                "role": enumeration(&roles), "scope": code(), "unmask": { "type": "boolean" },
                "member_id": integer(), "unit_id": integer(), "department_id": integer() }),
            ),
        ),
        (
            "AccountChange",
            object(&["disabled"], json!({ "disabled": { "type": "boolean" } })),
        ),
        (
            "Open311Key",
            object(
                &["id", "label", "created_by", "created_at"],
                json!({
                "id": { "type": "string" }, "label": { "type": "string" }, "created_by": { "type": "string" },
                "created_at": { "type": "string", "format": "date-time" }, "revoked_at": nullable(json!({ "type": "string", "format": "date-time" })) }),
            ),
        ),
    ];
    (paths, schemas)
}

/// Paths or schemas by name.
type Named = Vec<(&'static str, Value)>;

/// 两级三责: lists, tasks and admissions.
fn duties(id: &dyn Fn() -> Value, code_param: &dyn Fn() -> Value) -> (Named, Named) {
    use datong_domain::duty::{
        AdmissionStage, DutyArea, Holder, ItemState, Opinion, PleaKind, PleaStage, Refusal,
        Responsibility, TargetStatus,
    };
    fn ids<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| f(*v)).collect()
    }
    let areas = enumeration(&ids(DutyArea::ALL, DutyArea::as_str));
    let stages = enumeration(&ids(AdmissionStage::ALL, AdmissionStage::as_str));
    let statuses = enumeration(&ids(TargetStatus::ALL, TargetStatus::as_str));
    let category = || json!({ "type": "string", "pattern": "^[a-z0-9._-]{1,40}$" });
    let escalation_steps = enumeration(&ids(
        datong_domain::accountability::Escalation::ALL,
        datong_domain::accountability::Escalation::as_str,
    ));
    let writing = || text(4000);
    let integer = || json!({ "type": "integer" });
    let string = || json!({ "type": "string" });
    let mut paths = vec![
        (
            "/territories/{code}/duties",
            json!({ "get": op("该节点现行权责清单（含已取消事项）", "duties", json!([code_param()]), None, "200", ok("权责清单", reference("DutyList"))) }),
        ),
        (
            "/duty-items/{id}/history",
            json!({ "get": op("清单事项的全部版本", "duties", json!([id()]), None, "200", ok("版本", json!({ "type": "array", "items": reference("DutyItem") }))) }),
        ),
        (
            "/tasks",
            json!({ "post": op("下达任务：每个接收街道须过清单准入关口，任一被拒则整体不下达（422 task_refused，details 列出被拒单位及清单相关部分）", "duties", json!([]), Some("NewTask"), "201", ok("任务", reference("Task"))) }),
        ),
        (
            "/tasks/{id}",
            json!({ "get": op("任务（仅含权限范围内的接收单位）", "duties", json!([id()]), None, "200", ok("任务", reference("Task"))) }),
        ),
        (
            "/task-targets",
            json!({ "get": op("权限范围内的任务接收记录（step：当前所处的逾期升级步骤）", "duties", with_paging(vec![p("territory", "query", code()), p("status", "query", statuses.clone()), p("overdue", "query", json!({ "type": "boolean" })), p("step", "query", escalation_steps.clone())]), None, "200", ok("接收记录", list_of("TaskTarget"))) }),
        ),
        (
            "/territories/{code}/sent-tasks",
            json!({ "get": op("从该节点下达的任务，各含接收单位的完成、退回、逾期数及最高升级步骤；step 只列有接收单位处于该步骤的任务", "duties", with_paging(vec![code_param(), p("step", "query", escalation_steps.clone())]), None, "200", ok("下达的任务", list_of("SentTask"))) }),
        ),
        (
            "/task-targets/{id}/complete",
            json!({ "post": op("接收单位报告办结", "duties", json!([id()]), None, "200", ok("接收记录", reference("TaskTarget"))) }),
        ),
        (
            "/task-targets/{id}",
            json!({ "get": op("任务接收记录：签收、佐证材料、评价，及本账号可办的步骤", "duties", json!([id()]), None, "200", ok("接收记录", reference("TaskTargetView"))) }),
        ),
        (
            "/task-targets/{id}/sign",
            json!({ "post": op("接收单位签收任务", "duties", json!([id()]), None, "200", ok("接收记录", reference("TaskTargetView"))) }),
        ),
        (
            "/task-targets/{id}/evidence",
            json!({ "post": { "summary": "上传任务佐证材料：请求体为文件本身，按内容识别类型（PDF、JPEG、PNG、Word/Excel），不超过 10 MB", "tags": ["duties"],
            "parameters": [id(), required(p("name", "query", text(200)))],
            "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
            "responses": { "201": ok("佐证", reference("Evidence")), "401": ok("错误", reference("Error")), "403": ok("错误", reference("Error")), "404": ok("错误", reference("Error")),
                "409": ok("已办结", reference("Error")), "413": ok("文件过大", reference("Error")), "422": ok("类型不符", reference("Error")) } } }),
        ),
        (
            "/task-targets/{id}/pleas",
            json!({ "post": op("接收单位申请延期（until 为新的完成时限）或退回任务，须写明理由；同一时间只有一件待审核", "duties", json!([id()]), Some("NewPlea"), "201", ok("申请", reference("Plea"))) }),
        ),
        (
            "/task-pleas/{id}/decision",
            json!({ "post": op("下达方审核延期或退回申请：同意延期则改完成时限，同意退回则该接收记录为已退回、不计考核；不同意须写明理由", "duties", json!([id()]), Some("PleaDecision"), "200", ok("申请", reference("Plea"))) }),
        ),
        (
            "/task-evidence/{id}",
            json!({ "get": { "summary": "下载任务佐证材料", "tags": ["duties"], "parameters": [id()],
            "responses": { "200": { "description": "文件", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                "401": ok("错误", reference("Error")), "404": ok("错误", reference("Error")) } } }),
        ),
        (
            "/admissions",
            json!({
            "get": op("清单外事项准入申请", "duties", with_paging(vec![p("territory", "query", code()), p("stage", "query", stages.clone())]), None, "200", ok("准入申请", list_of("Admission"))),
            "post": op("区直部门书面申请清单外事项准入", "duties", json!([]), Some("NewAdmission"), "201", ok("准入申请", reference("Admission"))) }),
        ),
        (
            "/admissions/{id}",
            json!({ "get": op("准入申请", "duties", json!([id()]), None, "200", ok("准入申请", reference("Admission"))) }),
        ),
        (
            "/admissions/{id}/opinion",
            json!({ "post": op("街道书面答复意见", "duties", json!([id()]), Some("AdmissionOpinion"), "200", ok("准入申请", reference("Admission"))) }),
        ),
        (
            "/admissions/{id}/decision",
            json!({ "post": op("审批：批准则纳入该街道权责清单", "duties", json!([id()]), Some("AdmissionDecision"), "200", ok("准入申请", reference("Admission"))) }),
        ),
        (
            "/jobs/{id}",
            json!({ "get": op("本人定时下达的任务作业及其结果", "duties", json!([id()]), None, "200", ok("作业", reference("Job"))) }),
        ),
        (
            "/escalation-ladder",
            json!({
            "get": op("逾期升级阶梯", "duties", json!([]), None, "200", ok("升级阶梯", reference("Ladder"))),
            "put": op("设置逾期升级阶梯（市级）", "duties", json!([]), Some("Ladder"), "200", ok("升级阶梯", reference("Ladder"))) }),
        ),
        (
            "/task-targets/{id}/escalations",
            json!({ "get": op("该接收记录的逾期升级", "duties", json!([id()]), None, "200", ok("升级记录", json!({ "type": "array", "items": reference("EscalationStep") }))) }),
        ),
        (
            "/task-targets/{id}/rating",
            json!({ "post": { "summary": "下达方评价办结质量（1–5）", "tags": ["duties"], "parameters": [id()],
            "requestBody": { "required": true, "content": { "application/json": { "schema": reference("Rating") } } },
            "responses": { "204": { "description": "已评价" }, "400": ok("错误", reference("Error")), "401": ok("错误", reference("Error")), "403": ok("错误", reference("Error")), "404": ok("错误", reference("Error")), "409": ok("错误", reference("Error")), "422": ok("错误", reference("Error")) } } }),
        ),
        (
            "/territories/{code}/assessments",
            json!({ "get": op("考核得分与排名：所选节点以下某一层级、某一考核期", "duties", json!([code_param(), required(p("level", "query", enumeration(&["district", "street", "community"]))), required(p("period", "query", json!({ "type": "string", "pattern": "^[0-9]{4}(-H[12]|-Q[1-4]|-[0-9]{2})?$" })))]), None, "200", ok("考核结果", json!({ "type": "array", "items": reference("Assessment") }))) }),
        ),
    ];
    paths.push(("/territories/{code}/oversight", json!({ "get": op("两级督导：下一级各单位的清单覆盖、准入、任务按期、逾期升级、得分与排名", "duties",
        json!([code_param(), required(p("period", "query", json!({ "type": "string", "pattern": "^[0-9]{4}(-H[12]|-Q[1-4]|-[0-9]{2})?$" })))]), None, "200",
        ok("督导", json!({ "type": "array", "items": reference("OversightRow") }))) })));
    paths.extend(projects_paths(&id, &code_param));
    paths.extend(streets_paths(&id, &code_param));
    paths.extend(requests_paths(&id, &code_param));
    if let Some((_, tasks)) = paths.iter_mut().find(|(k, _)| *k == "/tasks") {
        tasks["post"]["responses"]["202"] = ok("定时下达：已排入作业队列", reference("Job"));
    }
    let mut schemas = vec![
        (
            "DutyItem",
            object(
                &[
                    "id",
                    "scope",
                    "holder",
                    "category",
                    "name",
                    "area",
                    "basis",
                    "responsibility",
                    "office",
                    "state",
                    "valid_from",
                ],
                json!({
            "id": integer(), "scope": code(), "holder": enumeration(&ids(Holder::ALL, Holder::as_str)), "category": category(), "name": string(),
            "area": areas.clone(), "basis": string(), "responsibility": enumeration(&ids(Responsibility::ALL, Responsibility::as_str)), "office": string(),
            "state": enumeration(&ids(ItemState::ALL, ItemState::as_str)), "admission_id": nullable(integer()), "valid_from": date(), "valid_to": nullable(date()) }),
            ),
        ),
        (
            "DutyList",
            object(
                &["territory", "items"],
                json!({ "territory": code(), "items": { "type": "array", "items": reference("DutyItem") } }),
            ),
        ),
        (
            "NewTask",
            object(
                &[
                    "title", "category", "area", "sender", "evidence", "deadline", "targets",
                ],
                json!({
            "title": text(100), "category": category(), "area": areas.clone(), "detail": writing(), "sender": text(100), "evidence": text(500), "deadline": date(),
            "targets": { "type": "array", "minItems": 1, "maxItems": 1000, "items": code() }, "send_on": date() }),
            ),
        ),
        (
            "Task",
            object(
                &[
                    "id",
                    "title",
                    "category",
                    "area",
                    "detail",
                    "sender",
                    "sender_code",
                    "evidence",
                    "deadline",
                    "created_by",
                    "created_at",
                    "targets",
                ],
                json!({
            "id": integer(), "title": string(), "category": category(), "area": areas.clone(), "detail": string(), "sender": string(), "sender_code": code(),
            "evidence": string(), "deadline": date(), "created_by": string(), "created_at": string(), "targets": { "type": "array", "items": reference("TaskTarget") } }),
            ),
        ),
        (
            "TaskTarget",
            object(
                &[
                    "id",
                    "task_id",
                    "territory",
                    "territory_name",
                    "due",
                    "status",
                ],
                json!({
            "id": integer(), "task_id": integer(), "territory": code(), "territory_name": string(), "item_id": nullable(integer()), "due": date(),
            "status": statuses, "done_at": nullable(string()), "step": nullable(escalation_steps.clone()) }),
            ),
        ),
        (
            "TaskTargetView",
            json!({ "allOf": [reference("TaskTarget"), object(&["sender", "detail", "evidence_required", "files", "may_work", "may_rate", "pleas", "may_plead"], json!({
                "sender": string(), "detail": string(), "evidence_required": string(),
                "signed_at": nullable(string()), "signed_by": nullable(string()), "rating": nullable(integer()),
                "files": { "type": "array", "items": reference("Evidence") },
                "may_work": { "type": "boolean" }, "may_rate": { "type": "boolean" },
                "pleas": { "type": "array", "items": reference("Plea") },
                "may_plead": { "type": "boolean" }, "may_decide": nullable(integer()) }))] }),
        ),
        (
            "SentTask",
            object(
                &[
                    "id",
                    "title",
                    "category",
                    "deadline",
                    "created_at",
                    "targets",
                    "done",
                    "returned",
                    "overdue",
                ],
                json!({
                "id": integer(), "title": string(), "category": category(), "deadline": date(), "created_at": string(),
                "targets": integer(), "done": integer(), "returned": integer(), "overdue": integer(),
                "step": nullable(escalation_steps.clone()) }),
            ),
        ),
        (
            "NewPlea",
            object(
                &["kind", "reason"],
                json!({
                "kind": enumeration(&ids(PleaKind::ALL, PleaKind::as_str)), "until": date(), "reason": text(500) }),
            ),
        ),
        (
            "PleaDecision",
            object(
                &["grant"],
                json!({ "grant": { "type": "boolean" }, "answer": { "type": "string", "maxLength": 500 } }),
            ),
        ),
        (
            "Plea",
            object(
                &[
                    "id",
                    "target_id",
                    "kind",
                    "reason",
                    "filed_by",
                    "filed_at",
                    "stage",
                ],
                json!({
                "id": integer(), "target_id": integer(), "kind": enumeration(&ids(PleaKind::ALL, PleaKind::as_str)),
                "until": nullable(date()), "reason": string(), "filed_by": string(), "filed_at": string(),
                "stage": enumeration(&ids(PleaStage::ALL, PleaStage::as_str)),
                "answer": nullable(string()), "decided_by": nullable(string()), "decided_at": nullable(string()) }),
            ),
        ),
        (
            "TaskRefusal",
            object(
                &["target", "target_name", "reason", "message", "relevant"],
                json!({
            "target": code(), "target_name": string(), "reason": enumeration(&ids(Refusal::ALL, Refusal::as_str)), "message": string(),
            "relevant": { "type": "array", "items": object(&["category", "name", "state"], json!({ "category": category(), "name": string(), "state": string() })) } }),
            ),
        ),
        (
            "NewAdmission",
            object(
                &[
                    "street",
                    "category",
                    "name",
                    "area",
                    "basis",
                    "office",
                    "requester",
                    "request",
                ],
                json!({
            "street": code(), "category": category(), "name": text(100), "area": areas.clone(), "basis": text(500), "office": text(100), "requester": text(100), "request": writing() }),
            ),
        ),
        (
            "Admission",
            object(
                &[
                    "id",
                    "street",
                    "street_name",
                    "category",
                    "name",
                    "area",
                    "basis",
                    "office",
                    "requester",
                    "request",
                    "filed_by",
                    "filed_at",
                    "opinion_due",
                    "stage",
                    "answered_late",
                ],
                json!({
            "id": integer(), "street": code(), "street_name": string(), "category": category(), "name": string(), "area": areas, "basis": string(), "office": string(),
            "requester": string(), "request": string(), "filed_by": string(), "filed_at": string(), "opinion_due": date(), "stage": stages,
            "opinion": nullable(enumeration(&ids(Opinion::ALL, Opinion::as_str))), "opinion_text": nullable(string()), "answered_by": nullable(string()),
            "answered_at": nullable(string()), "answered_late": { "type": "boolean" }, "decision_text": nullable(string()), "decided_by": nullable(string()),
            "decided_at": nullable(string()), "item_id": nullable(integer()) }),
            ),
        ),
        (
            "AdmissionOpinion",
            object(
                &["opinion", "text"],
                json!({ "opinion": enumeration(&ids(Opinion::ALL, Opinion::as_str)), "text": writing() }),
            ),
        ),
        (
            "AdmissionDecision",
            object(
                &["approve"],
                json!({ "approve": { "type": "boolean" }, "text": writing() }),
            ),
        ),
        (
            "Job",
            object(
                &["id", "kind", "run_at", "attempts"],
                json!({ "id": integer(), "kind": enumeration(&["overdue_scan", "send_task"]), "run_at": string(),
            "attempts": integer(), "done_at": nullable(string()), "outcome": { "description": "结果：task_id，或 refused 及准入关口的 details" }, "last_error": nullable(string()) }),
            ),
        ),
        (
            "Ladder",
            object(
                &["steps"],
                json!({ "steps": { "type": "array", "minItems": 1, "maxItems": 4, "items": object(&["step", "days_overdue"], json!({
            "step": escalation_steps.clone(), "days_overdue": { "type": "integer", "minimum": 0 } })) } }),
            ),
        ),
        (
            "EscalationStep",
            object(
                &["step", "days_overdue", "at"],
                json!({ "step": escalation_steps, "days_overdue": integer(), "at": string() }),
            ),
        ),
        (
            "OversightRow",
            json!({ "allOf": [reference("Assessment"), { "type": "object", "required": ["coverage", "admissions"], "properties": {
            "coverage": object(&["streets", "listed"], json!({ "streets": integer(), "listed": integer() })),
            "admissions": object(&["filed", "approved", "rejected", "pending", "answered_late"], json!({ "filed": integer(), "approved": integer(), "rejected": integer(), "pending": integer(), "answered_late": integer() })) } }] }),
        ),
        (
            "Rating",
            object(
                &["rating"],
                json!({ "rating": { "type": "integer", "minimum": 1, "maximum": 5 } }),
            ),
        ),
        (
            "Assessment",
            object(
                &["code", "name", "facts", "score", "rank"],
                json!({ "code": code(), "name": string(), "score": nullable(json!({ "type": "number" })), "rank": integer(),
            "facts": object(&["due", "on_time", "rating_sum", "ratings", "escalations"], json!({ "due": integer(), "on_time": integer(), "rating_sum": integer(), "ratings": integer(),
                "escalations": { "type": "array", "items": integer(), "minItems": 4, "maxItems": 4, "description": "提醒、督办、约谈、通报 各级次数" } })) }),
            ),
        ),
    ];
    schemas.extend(projects_schemas());
    schemas.extend(streets_schemas());
    schemas.extend(requests_schemas());
    (paths, schemas)
}

/// 项目化履责.
fn projects_paths(id: &dyn Fn() -> Value, code_param: &dyn Fn() -> Value) -> Named {
    let view = || ok("项目", reference("Project"));
    vec![
        (
            "/projects",
            json!({ "post": op("以本节点清单事项立项（可挂在上级项目下）", "projects", json!([]), Some("NewProject"), "201", view()) }),
        ),
        (
            "/projects/{id}",
            json!({ "get": op("项目：里程碑、佐证、子项目与加权进度", "projects", json!([id()]), None, "200", view()) }),
        ),
        (
            "/projects/{id}/milestones",
            json!({ "post": op("新增里程碑", "projects", json!([id()]), Some("NewMilestone"), "201", view()) }),
        ),
        (
            "/milestones/{id}/progress",
            json!({ "post": op("报告里程碑进度（100 即完成）", "projects", json!([id()]), Some("MilestoneProgress"), "200", view()) }),
        ),
        (
            "/milestones/{id}/evidence",
            json!({ "post": { "summary": "上传佐证材料：请求体为文件本身，按内容识别类型（PDF、JPEG、PNG、Word/Excel），不超过 10 MB", "tags": ["projects"],
            "parameters": [id(), required(p("name", "query", text(200)))],
            "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
            "responses": { "201": ok("佐证", reference("Evidence")), "401": ok("错误", reference("Error")), "403": ok("错误", reference("Error")), "404": ok("错误", reference("Error")),
                "413": ok("文件过大", reference("Error")), "422": ok("类型不符", reference("Error")) } } }),
        ),
        (
            "/evidence/{id}",
            json!({ "get": { "summary": "下载佐证材料", "tags": ["projects"], "parameters": [id()],
            "responses": { "200": { "description": "文件", "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
                "401": ok("错误", reference("Error")), "404": ok("错误", reference("Error")) } } }),
        ),
        (
            "/territories/{code}/projects",
            json!({ "get": op("节点及其下一级的项目加权进度", "projects", json!([code_param()]), None, "200", ok("进度", reference("NodeProgress"))) }),
        ),
    ]
}

fn projects_schemas() -> Named {
    let integer = || json!({ "type": "integer" });
    let string = || json!({ "type": "string" });
    let percent = || json!({ "type": "number", "minimum": 0, "maximum": 100 });
    let summary = || {
        object(
            &[
                "id",
                "territory",
                "item_id",
                "name",
                "owner",
                "weight",
                "starts_on",
                "ends_on",
                "progress",
            ],
            json!({
        "id": integer(), "territory": code(), "item_id": integer(), "parent_id": nullable(integer()), "name": string(), "owner": string(),
        "weight": integer(), "starts_on": date(), "ends_on": date(), "progress": percent() }),
        )
    };
    vec![
        ("ProjectSummary", summary()),
        (
            "Evidence",
            object(
                &[
                    "id",
                    "file_name",
                    "content_type",
                    "size",
                    "digest",
                    "uploaded_by",
                    "uploaded_at",
                ],
                json!({
            "id": integer(), "file_name": string(), "content_type": string(), "size": integer(), "digest": { "type": "string", "description": "SM3，十六进制" },
            "uploaded_by": string(), "uploaded_at": string() }),
            ),
        ),
        (
            "Project",
            json!({ "allOf": [reference("ProjectSummary"), { "type": "object", "required": ["milestones", "children"], "properties": {
            "milestones": { "type": "array", "items": object(&["id", "project_id", "name", "weight", "due", "percent", "evidence"], json!({
                "id": integer(), "project_id": integer(), "name": string(), "weight": integer(), "due": date(), "percent": integer(), "done_at": nullable(string()),
                "evidence": { "type": "array", "items": reference("Evidence") } })) },
            "children": { "type": "array", "items": reference("ProjectSummary") } } }] }),
        ),
        (
            "NewProject",
            object(
                &[
                    "territory",
                    "item_id",
                    "name",
                    "owner",
                    "starts_on",
                    "ends_on",
                ],
                json!({
            "territory": code(), "item_id": integer(), "parent_id": integer(), "name": text(100), "owner": text(100),
            "weight": { "type": "integer", "minimum": 0, "maximum": 1000, "default": 1 }, "starts_on": date(), "ends_on": date() }),
            ),
        ),
        (
            "NewMilestone",
            object(
                &["name", "due"],
                json!({ "name": text(100), "weight": { "type": "integer", "minimum": 0, "maximum": 1000, "default": 1 }, "due": date() }),
            ),
        ),
        (
            "MilestoneProgress",
            object(
                &["percent"],
                json!({ "percent": { "type": "integer", "minimum": 0, "maximum": 100 } }),
            ),
        ),
        (
            "NodeProgress",
            object(
                &["code", "progress", "projects", "children"],
                json!({ "code": code(), "progress": nullable(percent()),
            "projects": { "type": "array", "items": reference("ProjectSummary") },
            "children": { "type": "array", "items": object(&["code", "name", "progress"], json!({ "code": code(), "name": string(), "progress": nullable(percent()) })) } }),
            ),
        ),
    ]
}

pub async fn serve() -> Json<&'static Value> {
    // The document depends only on the code: build it once.
    static DOCUMENT: std::sync::LazyLock<Value> = std::sync::LazyLock::new(document);
    Json(&DOCUMENT)
}

/// The street: offices, and the five powers.
fn streets_paths(id: &dyn Fn() -> Value, code_param: &dyn Fn() -> Value) -> Named {
    let array = |r: &str| json!({ "type": "array", "items": reference(r) });
    let dep = || p("department", "path", json!({ "type": "integer" }));
    vec![
        (
            "/office-template",
            json!({
            "get": op("机构模板：街道（5+2+1，默认）或乡镇", "streets", json!([p("holder", "query", enumeration(&["street", "town"]))]), None, "200", ok("模板", array("TemplateRow"))),
            "put": op("设置街道或乡镇的机构模板（市级）", "streets", json!([p("holder", "query", enumeration(&["street", "town"]))]), Some("Template"), "200", ok("模板", array("TemplateRow"))) }),
        ),
        (
            "/territories/{code}/offices",
            json!({ "get": op("街道的办公室、中心、站所及人员", "streets", json!([code_param()]), None, "200", ok("机构", array("Office"))) }),
        ),
        (
            "/territories/{code}/offices/apply",
            json!({ "post": op("按模板设置所辖街道、乡镇的机构（各用其模板）", "streets", json!([code_param()]), None, "200",
            ok("设置的街道数", object(&["streets"], json!({ "streets": { "type": "integer" } })))) }),
        ),
        (
            "/offices/{id}/staff",
            json!({ "post": op("机构人员", "streets", json!([id()]), Some("NewStaff"), "201", ok("人员", reference("Staff"))) }),
        ),
        (
            "/departments",
            json!({ "post": op("登记区直部门及其账号", "streets", json!([]), Some("NewDepartment"), "201", ok("部门", reference("Department"))) }),
        ),
        (
            "/agencies",
            json!({ "post": op("登记部门派驻街道的机构", "streets", json!([]), Some("NewAgency"), "201", ok("派出机构", reference("Agency"))) }),
        ),
        (
            "/territories/{code}/agencies",
            json!({ "get": op("所辖街道的派出机构及负责人", "streets", json!([code_param()]), None, "200", ok("派出机构", array("Agency"))) }),
        ),
        (
            "/agencies/{id}/ratings",
            json!({ "post": op("街道考核派出机构负责人（每期一次）", "streets", json!([id()]), Some("NewRating"), "201", ok("考核", reference("AgencyRating"))) }),
        ),
        (
            "/territories/{code}/agency-ratings",
            json!({ "get": op("派出机构负责人考核结果", "streets", json!([code_param(), p("period", "query", json!({ "type": "string" }))]), None, "200", ok("考核", array("AgencyRating"))) }),
        ),
        (
            "/agencies/{id}/appointments",
            json!({ "post": op("区里提出任免派出机构负责人（须经街道同意方生效）", "streets", json!([id()]), Some("NewAppointment"), "201", ok("任免", reference("Appointment"))) }),
        ),
        (
            "/appointments/{id}/consent",
            json!({ "post": op("街道同意或不同意任免", "streets", json!([id()]), Some("Consent"), "200", ok("任免", reference("Appointment"))) }),
        ),
        (
            "/consultations",
            json!({ "post": op("规划征询（区→街道）或重大决策建议（街道→区）", "streets", json!([]), Some("NewConsultation"), "201", ok("征询", reference("Consultation"))) }),
        ),
        (
            "/consultations/{id}",
            json!({ "get": op("征询或建议", "streets", json!([id()]), None, "200", ok("征询", reference("Consultation"))) }),
        ),
        (
            "/consultations/{id}/answer",
            json!({ "post": op("书面答复", "streets", json!([id()]), Some("TextOnly"), "200", ok("征询", reference("Consultation"))) }),
        ),
        (
            "/territories/{code}/consultations",
            json!({ "get": op("所辖街道的征询与建议", "streets", with_paging(vec![code_param()]), None, "200", ok("征询", list_of("Consultation"))) }),
        ),
        (
            "/summonses",
            json!({ "post": op("街道吹哨：召集部门报到并限期办结", "streets", json!([]), Some("NewSummons"), "201", ok("吹哨", reference("Summons"))) }),
        ),
        (
            "/summonses/{id}",
            json!({ "get": op("吹哨事项及各部门报到、办结情况", "streets", json!([id()]), None, "200", ok("吹哨", reference("Summons"))) }),
        ),
        (
            "/summonses/{id}/departments/{department}/report",
            json!({ "post": op("部门报到", "streets", json!([id(), dep()]), Some("TextOnly"), "200", ok("吹哨", reference("Summons"))) }),
        ),
        (
            "/summonses/{id}/departments/{department}/resolve",
            json!({ "post": op("部门办结", "streets", json!([id(), dep()]), Some("TextOnly"), "200", ok("吹哨", reference("Summons"))) }),
        ),
        (
            "/territories/{code}/summonses",
            json!({ "get": op("所辖街道的吹哨事项", "streets", with_paging(vec![code_param()]), None, "200", ok("吹哨", list_of("Summons"))) }),
        ),
    ]
}

fn streets_schemas() -> Named {
    use datong_domain::street::{Appointment, ConsultationKind, Grade, OfficeKind};
    fn ids<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| f(*v)).collect()
    }
    let integer = || json!({ "type": "integer" });
    let string = || json!({ "type": "string" });
    let kinds = enumeration(&ids(OfficeKind::ALL, OfficeKind::as_str));
    let grades = enumeration(&ids(Grade::ALL, Grade::as_str));
    let actions = enumeration(&ids(Appointment::ALL, Appointment::as_str));
    let consultation_kinds = enumeration(&ids(ConsultationKind::ALL, ConsultationKind::as_str));
    vec![
        (
            "TemplateRow",
            object(
                &["position", "name", "kind"],
                json!({ "position": { "type": "integer", "minimum": 1 }, "name": text(50), "kind": kinds.clone() }),
            ),
        ),
        (
            "Template",
            object(
                &["rows"],
                json!({ "rows": { "type": "array", "minItems": 1, "maxItems": 30, "items": reference("TemplateRow") } }),
            ),
        ),
        (
            "Staff",
            object(
                &["id", "name", "post"],
                json!({ "id": integer(), "name": string(), "post": string() }),
            ),
        ),
        (
            "NewStaff",
            object(
                &["name", "post"],
                json!({ "name": text(100), "post": text(100) }),
            ),
        ),
        (
            "Office",
            object(
                &["id", "street", "position", "name", "kind", "staff"],
                json!({ "id": integer(), "street": code(), "position": integer(), "name": string(), "kind": kinds,
            "staff": { "type": "array", "items": reference("Staff") } }),
            ),
        ),
        (
            "NewDepartment",
            object(
                &["district", "name"],
                json!({ "district": code(), "name": text(100), "logins": { "type": "array", "items": text(100) } }),
            ),
        ),
        (
            "Department",
            object(
                &["id", "district", "name", "logins"],
                json!({ "id": integer(), "district": code(), "name": string(), "logins": { "type": "array", "items": string() } }),
            ),
        ),
        (
            "NewAgency",
            object(
                &["department_id", "street", "name"],
                json!({ "department_id": integer(), "street": code(), "name": text(100) }),
            ),
        ),
        (
            "Agency",
            object(
                &["id", "department_id", "department", "street", "name"],
                json!({ "id": integer(), "department_id": integer(), "department": string(), "street": code(),
            "name": string(), "head": nullable(string()) }),
            ),
        ),
        (
            "NewRating",
            object(
                &["period", "grade", "comment"],
                json!({ "period": { "type": "string", "pattern": "^[0-9]{4}(-H[12]|-Q[1-4]|-[0-9]{2})?$" }, "grade": grades.clone(), "comment": text(500) }),
            ),
        ),
        (
            "AgencyRating",
            object(
                &[
                    "agency_id",
                    "agency",
                    "street",
                    "period",
                    "head",
                    "grade",
                    "comment",
                    "rated_by",
                    "rated_at",
                ],
                json!({ "agency_id": integer(), "agency": string(),
            "street": code(), "period": string(), "head": string(), "grade": grades, "comment": string(), "rated_by": string(), "rated_at": string() }),
            ),
        ),
        (
            "NewAppointment",
            object(
                &["action", "person", "reason"],
                json!({ "action": actions.clone(), "person": text(100), "reason": text(500) }),
            ),
        ),
        (
            "Consent",
            object(
                &["given", "text"],
                json!({ "given": { "type": "boolean" }, "text": text(4000) }),
            ),
        ),
        (
            "Appointment",
            object(
                &[
                    "id",
                    "agency_id",
                    "action",
                    "person",
                    "reason",
                    "proposed_by",
                ],
                json!({ "id": integer(), "agency_id": integer(), "action": actions,
            "person": string(), "reason": string(), "proposed_by": string(), "consent": nullable(json!({ "type": "boolean" })), "consent_text": nullable(string()), "head": nullable(string()) }),
            ),
        ),
        (
            "NewConsultation",
            object(
                &["kind", "street", "subject", "body"],
                json!({ "kind": consultation_kinds.clone(), "street": code(), "subject": text(100), "body": text(4000) }),
            ),
        ),
        (
            "Consultation",
            object(
                &[
                    "id", "kind", "street", "subject", "body", "filed_by", "filed_at", "due",
                    "late",
                ],
                json!({ "id": integer(), "kind": consultation_kinds,
            "street": code(), "subject": string(), "body": string(), "filed_by": string(), "filed_at": string(), "due": date(), "answer": nullable(string()),
            "answered_by": nullable(string()), "answered_at": nullable(string()), "late": { "type": "boolean" } }),
            ),
        ),
        ("TextOnly", object(&["text"], json!({ "text": text(4000) }))),
        (
            "NewSummons",
            object(
                &[
                    "street",
                    "subject",
                    "body",
                    "departments",
                    "report_by",
                    "resolve_by",
                ],
                json!({ "street": code(), "subject": text(100), "body": text(4000),
            "departments": { "type": "array", "minItems": 1, "items": integer() }, "report_by": date(), "resolve_by": date() }),
            ),
        ),
        (
            "Summons",
            object(
                &[
                    "id",
                    "street",
                    "subject",
                    "body",
                    "report_by",
                    "resolve_by",
                    "filed_by",
                    "filed_at",
                    "departments",
                    "closed",
                ],
                json!({ "id": integer(), "street": code(),
            "subject": string(), "body": string(), "report_by": date(), "resolve_by": date(), "filed_by": string(), "filed_at": string(), "closed": { "type": "boolean" },
            "departments": { "type": "array", "items": object(&["department_id", "department", "reported_late", "resolved_late"], json!({ "department_id": integer(), "department": string(),
                "reported_at": nullable(string()), "action": nullable(string()), "resolved_at": nullable(string()), "resolution": nullable(string()),
                "reported_late": { "type": "boolean" }, "resolved_late": { "type": "boolean" } })) } }),
            ),
        ),
    ]
}

/// 接诉即办: the catalogue, filing, reading, the steps, agendas and figures.
fn requests_paths(id: &dyn Fn() -> Value, code_param: &dyn Fn() -> Value) -> Named {
    use datong_domain::request::Stage;
    let array = |r: &str| json!({ "type": "array", "items": reference(r) });
    let stages: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
    let period = || {
        p(
            "period",
            "query",
            json!({ "type": "string", "examples": ["2026", "2026-H1", "2026-Q4", "2026-11"] }),
        )
    };
    let period_required = required(period());
    let service_code = || {
        p(
            "code",
            "path",
            json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$" }),
        )
    };
    vec![
        (
            "/request-services",
            json!({ "get": op("诉求服务类别（含停用的）", "requests", json!([]), None, "200", ok("服务类别", array("Service"))) }),
        ),
        (
            "/request-services/{code}",
            json!({ "put": op("新增或修改服务类别（市级）", "requests", json!([service_code()]), Some("ServiceInput"), "200", ok("服务类别", reference("Service"))) }),
        ),
        (
            "/request-services/{code}/rules/{scope}",
            json!({ "put": { "summary": "设置某区划内该类别的首接层级与对口部门", "tags": ["requests"],
            "parameters": [service_code(), p("scope", "path", code())],
            "requestBody": { "required": true, "content": { "application/json": { "schema": reference("RouteInput") } } },
            "responses": { "204": { "description": "已设置" }, "400": ok("错误", reference("Error")), "401": ok("错误", reference("Error")),
                "403": ok("错误", reference("Error")), "404": ok("错误", reference("Error")), "422": ok("错误", reference("Error")) } } }),
        ),
        (
            "/request-settings",
            json!({
            "get": op("诉求时限与综合评分权重", "requests", json!([]), None, "200", ok("设置", reference("RequestSettings"))),
            "put": op("设置诉求时限与综合评分权重（市级）", "requests", json!([]), Some("RequestSettings"), "200", ok("设置", reference("RequestSettings"))) }),
        ),
        (
            "/requests",
            json!({
            "get": op("可见的诉求（工作人员：所辖区划；居民：本人的）", "requests", with_paging(vec![
                p("under", "query", code()), p("service_code", "query", json!({ "type": "string" })),
                p("stage", "query", enumeration(&stages)), p("status", "query", enumeration(&["open", "closed"]))]), None, "200", ok("诉求", list_of("Request"))),
            "post": op("提交诉求（居民本人，或工作人员录入热线来电）", "requests", json!([]), Some("NewRequest"), "201", ok("受理回执", reference("Receipt"))) }),
        ),
        (
            "/requests/{id}",
            json!({ "get": op("诉求：有权者见全文，其他居民见公开摘要", "requests", json!([id(), p("unmask", "query", json!({ "type": "boolean" }))]), None, "200",
            ok("诉求", json!({ "oneOf": [reference("Request"), reference("RequestSummary")] }))) }),
        ),
        (
            "/requests/{id}/history",
            json!({ "get": op("诉求的每一步", "requests", json!([id()]), None, "200", ok("历史", array("RequestStep"))) }),
        ),
        (
            "/requests/{id}/photos/{photo}",
            json!({ "get": { "summary": "诉求照片", "tags": ["requests"], "parameters": [id(), p("photo", "path", json!({ "type": "integer" }))],
            "responses": { "200": { "description": "照片", "content": { "image/jpeg": {}, "image/png": {} } }, "401": ok("错误", reference("Error")), "404": ok("错误", reference("Error")) } } }),
        ),
        (
            "/requests/{id}/steps",
            json!({ "post": op("办理一步：派遣、签收、超职责退回、反馈、核查、评价、延期、升级、提交联席会议", "requests", json!([id()]), Some("RequestStepInput"), "200", ok("诉求", reference("Request"))) }),
        ),
        (
            "/territories/{code}/request-figures",
            json!({ "get": op("响应率、解决率、满意率、综合得分及结案、按期结案、返工、延期率，含逐月与下级", "requests", json!([code_param(), period_required.clone()]), None, "200", ok("指标", reference("RequestFigures"))) }),
        ),
        (
            "/territories/{code}/request-map",
            json!({ "get": op("所辖街道或社区的诉求量（地图）", "requests", json!([code_param(), period_required, required(p("level", "query", enumeration(&["street", "community"])))]), None, "200", ok("各点", array("RequestDot"))) }),
        ),
        (
            "/territories/{code}/agenda",
            json!({ "get": op("大党委、大工委联席会议待议诉求", "requests", with_paging(vec![code_param()]), None, "200", ok("议程", list_of("AgendaItem"))) }),
        ),
    ]
}

fn requests_schemas() -> Named {
    use datong_domain::request::{Channel, Event, Stage, Tier};
    fn ids<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| f(*v)).collect()
    }
    let integer = || json!({ "type": "integer" });
    let string = || json!({ "type": "string" });
    let number = || json!({ "type": "number" });
    let stage = enumeration(&ids(Stage::ALL, Stage::as_str));
    let tier = enumeration(&ids(Tier::ALL, Tier::as_str));
    let channel = enumeration(&ids(Channel::ALL, Channel::as_str));
    let event = enumeration(&ids(Event::ALL, Event::as_str));
    let percent = || nullable(json!({ "type": "number", "minimum": 0, "maximum": 100 }));
    let tally = object(
        &["received"],
        json!({ "received": integer(), "responded": integer(), "closed": integer(), "closed_on_time": integer(),
        "reworked": integer(), "extended": integer(), "rated": integer(), "solved": integer(), "satisfied": integer() }),
    );
    let rates = json!({ "type": "object", "properties": { "response": percent(), "resolution": percent(), "satisfaction": percent(), "composite": percent(),
        "closure": percent(), "on_time_closure": percent(), "rework": percent(), "extension": percent() } });
    let node_figures = object(
        &["code", "name", "tally", "rates"],
        json!({ "code": code(), "name": string(), "tally": tally, "rates": rates }),
    );
    let hours = |max: u32| json!({ "type": "integer", "minimum": 1, "maximum": max });
    vec![
        (
            "Service",
            object(
                &["code", "name", "group", "limit_hours", "tier", "active"],
                json!({ "code": string(), "name": string(), "group": string(),
            "description": string(), "keywords": string(), "limit_hours": integer(), "tier": tier.clone(), "department": nullable(string()), "active": { "type": "boolean" } }),
            ),
        ),
        (
            "ServiceInput",
            object(
                &["name", "group", "description", "limit_hours", "tier"],
                json!({ "name": text(100), "group": text(100), "description": text(500),
            "keywords": string(), "limit_hours": hours(2160), "tier": enumeration(&["grid", "community", "street", "department"]), "department": text(100), "active": { "type": "boolean" } }),
            ),
        ),
        (
            "RouteInput",
            object(
                &["tier"],
                json!({ "tier": enumeration(&["grid", "community", "street", "department"]), "department": text(100) }),
            ),
        ),
        (
            "RequestSettings",
            object(
                &["limits", "weights"],
                json!({
            "limits": object(&["respond_hours", "verify_hours", "extend_hours"], json!({ "respond_hours": hours(720), "verify_hours": hours(720), "extend_hours": hours(720) })),
            "weights": object(&["response", "resolution", "satisfaction"], json!({ "response": integer(), "resolution": integer(), "satisfaction": integer() })) }),
            ),
        ),
        (
            "NewRequest",
            object(
                &["service_code", "description"],
                json!({ "service_code": string(), "lat": { "type": "number", "minimum": -90, "maximum": 90 },
            "lon": { "type": "number", "minimum": -180, "maximum": 180 }, "address_id": code(), "address": text(200), "description": text(4000),
            "name": text(50), "phone": string(), "email": string(), "channel": enumeration(&["api", "hotline"]) }),
            ),
        ),
        (
            "Receipt",
            object(
                &["id", "token", "stage", "received_at", "due_at"],
                json!({ "id": integer(), "token": string(), "stage": stage.clone(),
            "tier": nullable(tier.clone()), "handler_code": nullable(code()), "received_at": string(), "due_at": string() }),
            ),
        ),
        (
            "Request",
            object(
                &[
                    "view",
                    "id",
                    "service_code",
                    "stage",
                    "node",
                    "received_at",
                    "due_at",
                ],
                json!({ "view": enumeration(&["full"]),
            "id": integer(), "token": string(), "service_code": string(), "service_name": string(), "channel": channel, "node": code(), "node_name": string(),
            "lon": nullable(number()), "lat": nullable(number()), "address": string(), "description": string(),
            "reporter": object(&["phone_masked"], json!({ "login": nullable(string()), "name": nullable(string()), "phone": nullable(string()), "phone_masked": { "type": "boolean" }, "email": nullable(string()) })),
            "stage": stage.clone(), "tier": nullable(tier.clone()), "handler_code": nullable(code()), "department_id": nullable(integer()), "handler": nullable(string()),
            "summons_id": nullable(integer()), "received_at": string(), "due_at": string(), "step_due_at": nullable(string()), "responded_at": nullable(string()),
            "closed_at": nullable(string()), "updated_at": string(), "reworks": integer(), "extensions": integer(), "score": nullable(integer()),
            "solved": nullable(json!({ "type": "boolean" })), "rating_text": nullable(string()), "status_notes": string(), "overdue": { "type": "boolean" },
            "photos": { "type": "array", "items": object(&["id", "kind", "size"], json!({ "id": integer(), "kind": string(), "size": integer() })) } }),
            ),
        ),
        (
            "RequestSummary",
            object(
                &["view", "id", "service_code", "stage"],
                json!({ "view": enumeration(&["public"]), "id": integer(), "service_code": string(),
            "service_name": string(), "stage": stage.clone(), "status_notes": string(), "area": string(), "agency_responsible": nullable(string()),
            "received_at": string(), "updated_at": string(), "due_at": string(), "lat": nullable(number()), "lon": nullable(number()) }),
            ),
        ),
        (
            "RequestStep",
            object(
                &["at", "actor", "kind", "stage"],
                json!({ "at": string(), "actor": string(), "kind": event, "stage": stage,
            "tier": nullable(tier), "handler_code": nullable(code()), "department_id": nullable(integer()), "note": string() }),
            ),
        ),
        (
            "RequestStepInput",
            json!({ "oneOf": [
            object(&["step", "to"], json!({ "step": enumeration(&["dispatch"]), "to": code() })),
            object(&["step"], json!({ "step": enumeration(&["take"]) })),
            object(&["step", "reason"], json!({ "step": enumeration(&["decline", "escalate", "table"]), "reason": text(4000) })),
            object(&["step", "text"], json!({ "step": enumeration(&["reply"]), "text": text(4000) })),
            object(&["step", "passed"], json!({ "step": enumeration(&["verify"]), "passed": { "type": "boolean" }, "note": string() })),
            object(&["step", "score", "solved"], json!({ "step": enumeration(&["rate"]), "score": { "type": "integer", "minimum": 1, "maximum": 5 }, "solved": { "type": "boolean" }, "text": string() })),
            object(&["step", "hours", "reason"], json!({ "step": enumeration(&["extend"]), "hours": hours(720), "reason": text(4000) })) ] }),
        ),
        (
            "RequestFigures",
            object(
                &["node", "weights", "months", "children"],
                json!({ "node": node_figures.clone(),
            "weights": object(&["response", "resolution", "satisfaction"], json!({ "response": integer(), "resolution": integer(), "satisfaction": integer() })),
            "months": { "type": "array", "items": { "type": "array" } }, "children": { "type": "array", "items": node_figures } }),
            ),
        ),
        (
            "RequestDot",
            object(
                &["code", "name", "lon", "lat", "received"],
                json!({ "code": code(), "name": string(), "lon": number(), "lat": number(), "received": integer() }),
            ),
        ),
        (
            "AgendaItem",
            object(
                &["id", "node", "request_id", "reason", "added_at"],
                json!({ "id": integer(), "node": code(), "request_id": integer(), "reason": string(), "added_at": string() }),
            ),
        ),
        ("NewKey", object(&["label"], json!({ "label": text(100) }))),
    ]
}
