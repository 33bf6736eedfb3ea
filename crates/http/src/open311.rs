//! Open311 GeoReport v2 under `/open311/v2/`: discovery, services, a service's definition,
//! filing and reading requests, and tokens, each in XML (the spec's required format) and
//! JSON, chosen by the resource's extension. Errors take the spec's shape
//! (`[{"code", "description"}]`, `<errors><error>…`), whatever went wrong.
//!
//! Filing needs an `api_key` issued by the city; reading is public and shows the public
//! summary only (no reporter, no description, the place rounded). Times are given in
//! China Standard Time (+08:00), as the spec's ISO 8601 with an offset allows.

use crate::api::requests::{phone_of, place_of};
use crate::app::App;
use crate::error::ApiError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use datong_domain::request::Channel;
use datong_domain::{DivisionCode, Scope};
use datong_store::audit::Actor;
use datong_store::request::catalogue::{self, Service};
use datong_store::request::intake::{Draft, Within};
use datong_store::request::{self as store, Filter, Summary, keys};
use serde_json::{Value, json};

/// The spec this endpoint follows, as discovery names it.
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// The most requests `GET requests` returns, as the spec suggests.
const MAX_RESULTS: u32 = 1000;
/// When this endpoint's documents last changed shape.
const CHANGESET: &str = "2026-11-26T00:00:00+08:00";
/// The largest body a client may post: the fields and one photo (`media`).
pub const MAX_BODY: usize = 6 << 20;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/{resource}", get(top).post(post_top))
        .route("/services/{file}", get(service_definition))
        .route("/requests/{file}", get(one_request))
        .route("/tokens/{file}", get(token))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

/// Splits `name.ext` into the name and its format.
fn split(file: &str) -> Result<(&str, Format), Error> {
    let (name, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| Error::new(Format::Xml, 404, "资源应以 .xml 或 .json 结尾"))?;
    let format = match ext {
        "xml" => Format::Xml,
        "json" => Format::Json,
        _ => {
            return Err(Error::new(
                Format::Xml,
                404,
                "只支持 .xml 和 .json 两种格式",
            ));
        }
    };
    Ok((name, format))
}

/// An error in the spec's shape.
struct Error {
    format: Format,
    status: u16,
    description: String,
}

impl Error {
    fn new(format: Format, status: u16, description: impl Into<String>) -> Self {
        Error {
            format,
            status,
            description: description.into(),
        }
    }

    fn from_api(format: Format, e: ApiError) -> Self {
        let description = match &e.field {
            Some(f) if !f.is_empty() => format!("{f}: {}", e.message),
            _ => e.message,
        };
        Error::new(format, e.status.as_u16(), description)
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let body = match self.format {
            Format::Json => {
                serde_json::json!([{ "code": self.status, "description": self.description }])
                    .to_string()
            }
            Format::Xml => {
                let mut x = Xml::new("errors");
                x.open("error")
                    .field("code", &self.status.to_string())
                    .field("description", &self.description)
                    .close("error");
                x.finish("errors")
            }
        };
        (
            status,
            [(header::CONTENT_TYPE, content_type(self.format))],
            body,
        )
            .into_response()
    }
}

fn content_type(f: Format) -> &'static str {
    match f {
        Format::Xml => "text/xml; charset=utf-8",
        Format::Json => "application/json; charset=utf-8",
    }
}

/// A tiny XML writer: elements and escaped text, which is all GeoReport's documents are.
struct Xml(String);

impl Xml {
    fn new(root: &str) -> Self {
        Xml(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}>"
        ))
    }
    fn open(&mut self, tag: &str) -> &mut Self {
        self.0.push_str(&format!("<{tag}>"));
        self
    }
    fn close(&mut self, tag: &str) -> &mut Self {
        self.0.push_str(&format!("</{tag}>"));
        self
    }
    fn field(&mut self, tag: &str, text: &str) -> &mut Self {
        self.0.push_str(&format!("<{tag}>"));
        for ch in text.chars() {
            match ch {
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '&' => self.0.push_str("&amp;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&apos;"),
                // XML 1.0 cannot carry most control characters at all.
                c if c.is_control() && !matches!(c, '\n' | '\r' | '\t') => {}
                c => self.0.push(c),
            }
        }
        self.0.push_str(&format!("</{tag}>"));
        self
    }
    fn finish(mut self, root: &str) -> String {
        self.0.push_str(&format!("</{root}>"));
        self.0
    }
}

/// One record's fields, in the order the spec lists them (XML keeps it; JSON need not).
type Record = Vec<(&'static str, serde_json::Value)>;

fn to_json(r: &Record) -> serde_json::Value {
    serde_json::Value::Object(
        r.iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

/// A document in both formats: the JSON value, and the XML as the spec nests it (a root
/// element, then one element a record, each field an element).
fn respond(
    format: Format,
    status: StatusCode,
    root: &str,
    item: &str,
    records: &[Record],
) -> Response {
    let body = match format {
        Format::Json => serde_json::Value::Array(records.iter().map(to_json).collect()).to_string(),
        Format::Xml => {
            let mut x = Xml::new(root);
            for r in records {
                x.open(item);
                write_fields(&mut x, &r.iter().map(|(k, v)| (*k, v)).collect::<Vec<_>>());
                x.close(item);
            }
            x.finish(root)
        }
    };
    (status, [(header::CONTENT_TYPE, content_type(format))], body).into_response()
}

fn write_fields(x: &mut Xml, r: &[(&str, &Value)]) {
    for &(k, v) in r {
        match v {
            serde_json::Value::Null => {
                x.field(k, "");
            }
            serde_json::Value::String(s) => {
                x.field(k, s);
            }
            serde_json::Value::Array(items) => {
                // Lists nest as <formats><format>…</format></formats> and the like.
                let one = k.strip_suffix('s').unwrap_or(k);
                x.open(k);
                for i in items {
                    match i {
                        serde_json::Value::Object(o) => {
                            x.open(one);
                            write_fields(
                                x,
                                &o.iter().map(|(k, v)| (k.as_str(), v)).collect::<Vec<_>>(),
                            );
                            x.close(one);
                        }
                        serde_json::Value::String(s) => {
                            x.field(one, s);
                        }
                        other => {
                            x.field(one, &other.to_string());
                        }
                    }
                }
                x.close(k);
            }
            serde_json::Value::Object(o) => {
                x.open(k);
                write_fields(
                    x,
                    &o.iter().map(|(k, v)| (k.as_str(), v)).collect::<Vec<_>>(),
                );
                x.close(k);
            }
            other => {
                x.field(k, &other.to_string());
            }
        }
    }
}

/// A stored time in China Standard Time, to the second.
fn cst(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| {
            t.with_timezone(&datong_domain::china_time())
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

fn services_doc(list: &[Service]) -> Vec<Record> {
    list.iter()
        .map(|s| {
            vec![
                ("service_code", json!(s.code)),
                ("service_name", json!(s.name)),
                ("description", json!(s.description)),
                ("metadata", json!(false)),
                ("type", json!("realtime")),
                ("keywords", json!(s.keywords)),
                ("group", json!(s.group)),
            ]
        })
        .collect()
}

fn summary_doc(s: &Summary) -> Record {
    vec![
        ("service_request_id", json!(s.id.to_string())),
        (
            "status",
            json!(if s.stage.is_open() { "open" } else { "closed" }),
        ),
        ("status_notes", json!(s.status_notes)),
        ("service_name", json!(s.service_name)),
        ("service_code", json!(s.service_code)),
        ("description", Value::Null),
        ("agency_responsible", json!(s.agency_responsible)),
        ("service_notice", Value::Null),
        ("requested_datetime", json!(cst(&s.received_at))),
        ("updated_datetime", json!(cst(&s.updated_at))),
        ("expected_datetime", json!(cst(&s.due_at))),
        ("address", json!(s.area)),
        ("address_id", Value::Null),
        ("zipcode", Value::Null),
        ("lat", json!(s.lat)),
        ("long", json!(s.lon)),
        ("media_url", Value::Null),
    ]
}

async fn top(State(app): State<App>, Path(resource): Path<String>, Query(q): Query) -> Response {
    let (name, format) = match split(&resource) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    if name != "discovery"
        && let Err(e) = jurisdiction(&app, format, &q).await
    {
        return e.into_response();
    }
    let result = match name {
        "discovery" => Ok(discovery(format)),
        "services" => app
            .run(|c| catalogue::services(c, false))
            .await
            .map(|list| {
                respond(
                    format,
                    StatusCode::OK,
                    "services",
                    "service",
                    &services_doc(&list),
                )
            }),
        "requests" => {
            return list_requests(&app, format, &q)
                .await
                .unwrap_or_else(IntoResponse::into_response);
        }
        _ => return Error::new(format, 404, "没有这个资源").into_response(),
    };
    result.unwrap_or_else(|e| Error::from_api(format, e).into_response())
}

fn discovery(format: Format) -> Response {
    let doc: Record = vec![
        ("changeset", json!(CHANGESET)),
        ("contact", json!("请联系本市党建引领基层治理平台管理员")),
        (
            "key_service",
            json!("API 密钥由市委组织部（平台管理员）签发：POST /api/v1/open311-keys"),
        ),
        (
            "endpoints",
            json!([{
                "specification": SPECIFICATION,
                "url": "/open311/v2",
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }]),
        ),
    ];
    document(format, "discovery", &doc)
}

/// A document that is one record, not a list: discovery and a service definition.
fn document(format: Format, root: &str, doc: &Record) -> Response {
    let body = match format {
        Format::Json => to_json(doc).to_string(),
        Format::Xml => {
            let mut x = Xml::new(root);
            write_fields(
                &mut x,
                &doc.iter().map(|(k, v)| (*k, v)).collect::<Vec<_>>(),
            );
            x.finish(root)
        }
    };
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type(format))],
        body,
    )
        .into_response()
}

async fn service_definition(State(app): State<App>, Path(file): Path<String>) -> Response {
    let (code, format) = match split(&file) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let code = code.to_owned();
    match app.run(move |c| catalogue::service(c, &code)).await {
        Ok(s) if s.active => document(
            format,
            "service_definition",
            &vec![("service_code", json!(s.code)), ("attributes", json!([]))],
        ),
        Ok(_) | Err(_) => Error::new(format, 404, "没有这个服务类别").into_response(),
    }
}

/// Query parameters, kept as pairs: the spec's names (`attribute[x]`, repeated keys)
/// do not fit a fixed struct.
struct Query(Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Query {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Ok(Query(
            form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
        ))
    }
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The jurisdiction a client names, if it names one: GeoReport v2 lets an endpoint serve
/// several, and here each is a place of the tree (a city, a district …) by its division
/// code; a request filed under one must lie inside it. One this server does not hold is
/// refused rather than ignored.
async fn jurisdiction(
    app: &App,
    format: Format,
    q: &[(String, String)],
) -> Result<Option<Scope>, Error> {
    let Some(id) = param(q, "jurisdiction_id") else {
        return Ok(None);
    };
    let unknown = || Error::new(format, 400, "jurisdiction_id: 没有这个辖区");
    let code = DivisionCode::parse(id).map_err(|_| unknown())?;
    if code.is_nation() {
        return Ok(Some(Scope::new(vec![code])));
    }
    let path = code.as_path().to_owned();
    let held = app
        .run(move |c| {
            Ok(c.query_opt(
                "SELECT 1 FROM territory WHERE code = $1 AND valid_to IS NULL",
                datong_store::params![&path],
            )?
            .is_some())
        })
        .await
        .map_err(|e| Error::from_api(format, e))?;
    if held {
        Ok(Some(Scope::new(vec![code])))
    } else {
        Err(unknown())
    }
}

fn stored_time(format: Format, field: &str, v: &str) -> Result<String, Error> {
    chrono::DateTime::parse_from_rfc3339(v)
        .map(|t| datong_store::audit::timestamp(t.with_timezone(&chrono::Utc)))
        .map_err(|_| {
            Error::new(
                format,
                400,
                format!("{field}: 应为带时区的 ISO 8601 时间，如 2026-11-05T08:15:30+08:00"),
            )
        })
}

async fn list_requests(
    app: &App,
    format: Format,
    q: &[(String, String)],
) -> Result<Response, Error> {
    let mut f = Filter::default();
    if let Some(ids) = param(q, "service_request_id") {
        // Ids override every other parameter, as the spec says.
        for id in ids.split(',') {
            let id = id
                .trim()
                .parse::<i64>()
                .map_err(|_| Error::new(format, 400, "service_request_id: 应为逗号分隔的编号"))?;
            f.ids.push(id);
        }
    } else {
        if let Some(code) = param(q, "service_code") {
            f.service_code = Some(code.to_owned());
        }
        if let Some(s) = param(q, "status") {
            f.open =
                crate::api::requests::open_of(Some(s)).map_err(|e| Error::from_api(format, e))?;
        }
        f.from = param(q, "start_date")
            .map(|v| stored_time(format, "start_date", v))
            .transpose()?;
        f.until = param(q, "end_date")
            .map(|v| stored_time(format, "end_date", v))
            .transpose()?;
        if f.from.is_none() && f.until.is_none() {
            // The spec's default window: the last 90 days.
            f.from = Some(datong_store::audit::timestamp(
                app.clock.now() - chrono::Duration::days(90),
            ));
        }
    }
    let list = app
        .run(move |c| store::summaries(c, &f, MAX_RESULTS))
        .await
        .map_err(|e| Error::from_api(format, e))?;
    let docs: Vec<_> = list.iter().map(summary_doc).collect();
    Ok(respond(
        format,
        StatusCode::OK,
        "service_requests",
        "request",
        &docs,
    ))
}

async fn one_request(State(app): State<App>, Path(file): Path<String>) -> Response {
    let (id, format) = match split(&file) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let Ok(id) = id.parse::<i64>() else {
        return Error::new(format, 404, "没有这个诉求").into_response();
    };
    match app.run(move |c| store::summary(c, id)).await {
        Ok(s) => respond(
            format,
            StatusCode::OK,
            "service_requests",
            "request",
            &[summary_doc(&s)],
        ),
        Err(e) => Error::from_api(format, e).into_response(),
    }
}

async fn token(State(app): State<App>, Path(file): Path<String>) -> Response {
    let (token, format) = match split(&file) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let token = token.to_owned();
    let found = app
        .run(move |c| Ok(datong_store::request::by_token(c, &token)?.map(|id| (id, token))))
        .await;
    match found {
        Ok(Some((id, token))) => respond(
            format,
            StatusCode::OK,
            "service_requests",
            "request",
            &[vec![
                ("service_request_id", json!(id.to_string())),
                ("token", json!(token)),
            ]],
        ),
        Ok(None) => Error::new(format, 404, "没有这个令牌").into_response(),
        Err(e) => Error::from_api(format, e).into_response(),
    }
}

/// The fields of a posted request (form-encoded or multipart), and its photo if any.
struct Posted {
    fields: Vec<(String, String)>,
    media: Vec<Vec<u8>>,
}

async fn posted(req: Request, format: Format) -> Result<Posted, Error> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let too_large = || Error::new(format, 413, format!("请求体超过 {} MB", MAX_BODY >> 20));
    if content_type.starts_with("multipart/form-data") {
        let mut m = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|e| Error::new(format, 400, format!("表单格式错误：{e}")))?;
        let mut p = Posted {
            fields: Vec::new(),
            media: Vec::new(),
        };
        loop {
            let field = match m.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(e) => return Err(Error::new(format, 400, format!("表单格式错误：{e}"))),
            };
            let name = field.name().unwrap_or("").to_owned();
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    Error::new(format, 400, format!("表单格式错误：{e}"))
                }
            })?;
            if name == "media" && is_file {
                if !bytes.is_empty() {
                    p.media.push(bytes.to_vec());
                }
            } else {
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| Error::new(format, 400, format!("{name}: 应为 UTF-8 文本")))?;
                p.fields.push((name, text));
            }
        }
        return Ok(p);
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(Error::new(
            format,
            415,
            "请求体应为 application/x-www-form-urlencoded 或 multipart/form-data",
        ));
    }
    let bytes = Bytes::from_request(req, &())
        .await
        .map_err(|_| too_large())?;
    Ok(Posted {
        fields: form_urlencoded::parse(&bytes).into_owned().collect(),
        media: Vec::new(),
    })
}

async fn post_top(State(app): State<App>, Path(resource): Path<String>, req: Request) -> Response {
    let (name, format) = match split(&resource) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    if name != "requests" {
        return Error::new(format, 405, "只能向 requests 提交").into_response();
    }
    let query: Vec<(String, String)> =
        form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    match file_request(&app, format, query, req).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn file_request(
    app: &App,
    format: Format,
    query: Vec<(String, String)>,
    req: Request,
) -> Result<Response, Error> {
    let mut p = posted(req, format).await?;
    // Clients put api_key in the query string or the body; both are accepted.
    p.fields.extend(query);
    let f = &p.fields;
    let key = param(f, "api_key")
        .ok_or_else(|| Error::new(format, 403, "api_key: 需要有效的 API 密钥"))?
        .to_owned();
    let within = jurisdiction(app, format, f).await?.map(|scope| Within {
        scope,
        outside: "该位置不在所指定的辖区（jurisdiction_id）内",
    });
    let label = app
        .run(move |c| keys::check(c, &key))
        .await
        .map_err(|e| Error::from_api(format, e))?
        .ok_or_else(|| Error::new(format, 403, "api_key: API 密钥无效或已停用"))?;
    let service_code = param(f, "service_code")
        .ok_or_else(|| Error::new(format, 400, "service_code: 必填"))?
        .to_owned();
    let number = |name: &str| -> Result<Option<f64>, Error> {
        param(f, name)
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| Error::new(format, 400, format!("{name}: 应为数字")))
            })
            .transpose()
    };
    let (lat, lon) = (number("lat")?, number("long")?);
    let (point, place) =
        place_of(lat, lon, param(f, "address_id")).map_err(|e| Error::from_api(format, e))?;
    let name = [param(f, "last_name"), param(f, "first_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("");
    let description = param(f, "description").unwrap_or("").to_owned();
    let draft = Draft {
        service_code,
        channel: Channel::Open311,
        point,
        place,
        address: param(f, "address_string").unwrap_or("").to_owned(),
        description,
        reporter_login: None,
        reporter_name: (!name.is_empty()).then_some(name),
        reporter_phone: phone_of(param(f, "phone")).map_err(|e| Error::from_api(format, e))?,
        reporter_email: param(f, "email").map(str::to_owned),
        device_id: param(f, "device_id").map(str::to_owned),
        photos: p.media,
        within,
    };
    let actor = Actor {
        login: format!("open311:{label}"),
        at: app.now_text(),
    };
    let receipt = app.intake.file(actor, draft).await.map_err(|e| {
        // A field the client got wrong is the spec's 400, whatever our API calls it.
        if e.status == StatusCode::UNPROCESSABLE_ENTITY {
            Error::from_api(
                format,
                ApiError {
                    status: StatusCode::BAD_REQUEST,
                    ..e
                },
            )
        } else {
            Error::from_api(format, e)
        }
    })?;
    let doc: Record = vec![
        ("service_request_id", json!(receipt.id.to_string())),
        ("token", json!(receipt.token)),
        (
            "service_notice",
            json!(format!("已受理，办理时限至 {}", cst(&receipt.due_at))),
        ),
        ("account_id", Value::Null),
    ];
    Ok(respond(
        format,
        StatusCode::CREATED,
        "service_requests",
        "request",
        &[doc],
    ))
}
