//! `/orgs/{id}`: one organisation and its children along the party tree (市委 → 区委 →
//! 党工委 → 社区党委 → 网格党支部 → 党小组), each with its figures, for drilling down the
//! party tree as the dashboard drills down the places.

use crate::dashboard::label_org;
use crate::layout::{failure, page};
use crate::paths::IdPath;
use crate::viewer::Viewer;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use datong_http::App;
use datong_store::org_tree::{self, Figures};
use maud::{Markup, html};

fn count(f: &Figures, status: &str) -> i64 {
    f.members.get(status).copied().unwrap_or(0)
}

fn figures_cells(f: &Figures) -> Markup {
    html! {
        td.num { (f.members_total) }
        td.num { (count(f, "full")) }
        td.num { (count(f, "probationary")) }
        td.num { (f.orgs.values().sum::<i64>()) }
        td.num { (f.units_total) }
    }
}

pub async fn show(State(app): State<App>, viewer: Viewer, IdPath(id): IdPath) -> Response {
    let caller = viewer.caller.clone();
    let loaded = app
        .run(move |c| {
            let tree = org_tree::read(c, &caller, id)?;
            let parent = match tree.org.parent_id {
                Some(p) => datong_store::org::get(c, &caller, p).ok(),
                None => None,
            };
            Ok((tree, parent))
        })
        .await;
    let (tree, parent) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(viewer.lang, e),
    };
    let lang = viewer.lang;
    let head = html! {
        tr {
            th { (lang.pick("组织", "Organisation")) } th { (lang.pick("类别", "Kind")) }
            th { (lang.pick("所在区划", "Place")) }
            th { (lang.pick("党员", "Members")) } th { (lang.pick("正式", "Full")) }
            th { (lang.pick("预备", "Probationary")) } th { (lang.pick("组织", "Organisations")) }
            th { (lang.pick("单位", "Units")) }
        }
    };
    let body = html! {
        nav.crumbs {
            @if let Some(p) = &parent { a href={ "/orgs/" (p.id) } { (p.name) } " › " }
            span { (tree.org.name) }
        }
        h1 { (tree.org.name) }
        p.muted {
            (label_org(tree.org.kind, lang)) " · "
            a href={ "/t/" (tree.org.territory) } { (tree.org.territory) }
            @if let Some(place) = &tree.figures.leads {
                " · " (lang.pick("领导本区划：统计含下辖全部区划", "leads its place: figures cover the place's whole subtree"))
                @if place.level() < datong_domain::Level::Street {
                    " · " a #org-oversight href={ "/t/" (place) "/oversight" } { (lang.pick("两级督导", "Oversight")) }
                }
            }
        }
        div.table-wrap tabindex="0" { table #org-figures {
            thead { (head) }
            tbody { tr {
                td { (tree.org.name) } td { (label_org(tree.org.kind, lang)) } td { (tree.org.territory) }
                (figures_cells(&tree.figures))
            } }
        } }
        h2 { (lang.pick("下级组织", "Organisations under it")) }
        div.table-wrap tabindex="0" { table #org-children {
            thead { (head) }
            tbody {
                @for n in &tree.children {
                    tr {
                        td { a href={ "/orgs/" (n.org.id) } { (n.org.name) } }
                        td { (label_org(n.org.kind, lang)) }
                        td { a href={ "/t/" (n.org.territory) } { (n.org.territory) } }
                        (figures_cells(&n.figures))
                    }
                }
                @if tree.children.is_empty() { tr { td colspan="8" { (lang.pick("无", "None")) } } }
            }
        } }
    };
    page(
        lang,
        Some(&viewer),
        lang.pick("党组织", "Organisation"),
        false,
        body,
    )
    .into_response()
}
