//! `/api/v1`: one module per resource.

pub mod accounts;
pub mod duties;
pub mod members;
pub mod orgs;
pub mod projects;
pub mod requests;
pub mod session;
pub mod streets;
pub mod territories;
pub mod units;
pub mod workbench;

use crate::app::App;
use axum::Router;
use datong_store::sql::Page;
use serde::{Deserialize, Deserializer, Serialize};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/openapi.json", axum::routing::get(crate::openapi::serve))
        .merge(session::routes())
        .merge(accounts::routes())
        .merge(territories::routes())
        .merge(orgs::routes())
        .merge(members::routes())
        .merge(units::routes())
        .merge(duties::routes())
        .merge(projects::routes())
        .merge(streets::routes())
        .merge(requests::routes())
        .merge(workbench::routes())
}

/// Paging parameters: `limit` (1–500, default 50) and `offset`. Each list's query struct
/// carries them as fields (serde's `flatten` would lose their types in a query string).
pub fn page(limit: Option<i64>, offset: Option<i64>) -> Result<Page, crate::error::ApiError> {
    let limit = limit.unwrap_or(50);
    let offset = offset.unwrap_or(0);
    if !(1..=Page::MAX_LIMIT).contains(&limit) {
        return Err(crate::error::ApiError::bad_request(
            "limit",
            format!("limit 应在 1 至 {} 之间", Page::MAX_LIMIT),
        ));
    }
    if offset < 0 {
        return Err(crate::error::ApiError::bad_request(
            "offset",
            "offset 不能为负",
        ));
    }
    Ok(Page { limit, offset })
}

/// Just paging.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Paging {
    pub fn page(&self) -> Result<Page, crate::error::ApiError> {
        page(self.limit, self.offset)
    }
}

/// A page of a list.
#[derive(Debug, Serialize)]
pub struct List<T> {
    pub items: Vec<T>,
    pub limit: i64,
    pub offset: i64,
}

impl<T> List<T> {
    pub fn new(items: Vec<T>, page: Page) -> Self {
        List {
            items,
            limit: page.limit,
            offset: page.offset,
        }
    }
}

/// Text of 1 to `MAX` characters, trimmed. Over-long and blank strings are refused at the
/// boundary, naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<const MAX: usize>(pub String);

impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        datong_domain::text::line(&s, MAX)
            .map(|t| Text(t.to_owned()))
            .map_err(|e| serde::de::Error::custom(format!("应为 1 至 {MAX} 个字符的文本：{e}")))
    }
}

/// Names of people, organisations and places.
pub type Name = Text<100>;
/// Free text: reasons, topics, notes.
pub type Note = Text<500>;

/// Written documents (a request, an opinion, a decision): 1 to 4,000 characters, trimmed,
/// line breaks and tabs kept, other control characters refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Writing(pub String);

impl<'de> Deserialize<'de> for Writing {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        datong_domain::text::writing(&s, 4000)
            .map(|t| Writing(t.to_owned()))
            .map_err(|e| serde::de::Error::custom(format!("应为 1 至 4000 个字符的文本：{e}")))
    }
}
