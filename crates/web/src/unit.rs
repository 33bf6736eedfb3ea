//! A resident unit's page: what the unit is, where, and the party organisation that covers
//! it. The unit's own account lands here from its 工作台; staff reach it from the units list.

use crate::dashboard::label_unit;
use crate::layout::{failure, page};
use crate::lists::label_coverage;
use crate::paths::IdPath;
use crate::viewer::Viewer;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use datong_http::App;
use datong_store::{org, territory, unit};
use maud::html;

pub async fn show(State(app): State<App>, viewer: Viewer, IdPath(id): IdPath) -> Response {
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let u = unit::get(c, &caller, id)?;
            let place = territory::names(c, [&u.territory])?;
            let orgs = org::names(c, &caller, u.org_id)?;
            Ok((u, place, orgs))
        })
        .await;
    let (u, place, orgs) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let (lang, t) = (viewer.lang, viewer.lang.text());
    let place = place.get(u.territory.as_path()).map_or("—", String::as_str);
    let body = html! {
        nav.crumbs { a href={ "/t/" (u.territory) "/units" } { (t.units) } " / " span { (u.name) } }
        h1 { (u.name) }
        div.table-wrap tabindex="0" { table #unit {
            tbody {
                tr { th { (t.credit_code) } td #credit-code { (u.credit_code) } }
                tr { th { (t.kind) } td { (label_unit(u.kind, lang)) } }
                tr { th { (t.place) } td { (place) } }
                tr { th { (lang.pick("地址", "Address")) } td { (u.address.as_deref().unwrap_or("—")) } }
                tr { th { (t.coverage) } td { (label_coverage(u.coverage, lang)) } }
                tr { th { (t.org) } td {
                    @match u.org_id.and_then(|id| orgs.get(&id).map(|n| (id, n))) {
                        Some((id, name)) => a href={ "/orgs/" (id) } { (name) },
                        None => "—",
                    }
                } }
            }
        } }
    };
    page(lang, Some(&viewer), &u.name, false, body).into_response()
}
