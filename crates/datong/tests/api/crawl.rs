//! No dead ends: every demo role, from its 工作台, follows every link and submits every form
//! on every page it reaches — a few pages of each kind, as a clerk would not open all
//! 2,000 members — and meets no error. A form submitted as found (nothing typed) may be
//! refused for what it lacks (422, or 400 for a missing field), never with 403, 404, 405
//! or 5xx: an action the page offers is one its viewer may take.

use crate::helpers::{TestApp, demo_app, web_session_with};
use datong_store::Engine;
use std::collections::{BTreeMap, HashSet, VecDeque};

const PASSWORD: &str = "Demo-1-Datong";

/// Pages of one shape (the path with its ids and codes taken out, and its query's keys)
/// visited at most this many times.
const PER_SHAPE: usize = 2;

/// The most requests one role's crawl makes: a bound, not a target.
const MOST: usize = 600;

/// The attribute values of `attr` in every `tag` element of `html`, in order.
fn attributes<'a>(html: &'a str, tag: &str, attr: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    let key = format!(" {attr}=\"");
    html.split(open.as_str())
        .skip(1)
        .filter_map(|rest| {
            let head = rest.split('>').next()?;
            let v = format!(" {head}");
            let start = v.find(key.as_str())? + key.len() - 1;
            let value = head.get(start..)?.split('"').next()?;
            Some(value)
        })
        .collect()
}

/// The value of attribute `name` in a tag's attribute text (which starts with a space).
fn value_of(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(key.as_str())? + key.len();
    tag.get(start..)?.split('"').next().map(unescape)
}

/// `&amp;` and friends in an attribute, as the browser reads them.
fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// A path's kind: digits runs of 4 or more (ids stay short in the demo, codes are long)
/// and numeric path segments become `#`; the query keeps only its keys.
fn shape(url: &str) -> String {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path: Vec<String> = path
        .split('/')
        .map(|seg| {
            if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
                "#".to_owned()
            } else {
                seg.to_owned()
            }
        })
        .collect();
    let mut keys: Vec<&str> = query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    format!("{}?{}", path.join("/"), keys.join("&"))
}

/// A form as found: its method, action and the fields it would send untouched.
struct Form {
    method: String,
    action: String,
    fields: Vec<(String, String)>,
}

fn forms(html: &str, page: &str) -> Vec<Form> {
    html.split("<form ")
        .skip(1)
        .map(|rest| {
            let head = format!(" {}", rest.split('>').next().unwrap_or(""));
            let attr = |name: &str| value_of(&head, name);
            let body = rest.split("</form>").next().unwrap_or("");
            let mut fields = Vec::new();
            for input in body.split("<input ").skip(1) {
                let tag = format!(" {}", input.split('>').next().unwrap_or(""));
                let get = |k: &str| value_of(&tag, k);
                let kind = get("type").unwrap_or_else(|| "text".into());
                let Some(name) = get("name") else { continue };
                if kind == "file"
                    || ((kind == "checkbox" || kind == "radio") && !tag.contains(" checked"))
                {
                    continue;
                }
                fields.push((name, get("value").unwrap_or_default()));
            }
            for select in body.split("<select ").skip(1) {
                let Some(name) = value_of(
                    &format!(" {}", select.split('>').next().unwrap_or("")),
                    "name",
                ) else {
                    continue;
                };
                let options = select.split("</select>").next().unwrap_or("");
                let chosen = options
                    .split("<option ")
                    .skip(1)
                    .find(|o| o.split('>').next().unwrap_or("").contains(" selected"))
                    .or_else(|| options.split("<option ").nth(1))
                    .and_then(|o| {
                        value_of(&format!(" {}", o.split('>').next().unwrap_or("")), "value")
                    })
                    .unwrap_or_default();
                fields.push((name, chosen));
            }
            Form {
                method: attr("method")
                    .unwrap_or_else(|| "get".into())
                    .to_lowercase(),
                action: attr("action")
                    .unwrap_or_else(|| page.split('?').next().unwrap_or(page).to_owned()),
                fields,
            }
        })
        .collect()
}

/// Same-site paths worth following: not assets, not signing out, not switching language.
fn followable(href: &str) -> bool {
    href.starts_with('/')
        && !href.starts_with("//")
        && !href.starts_with("/assets/")
        && !href.starts_with("/logout")
        && !href.starts_with("/lang/")
}

async fn crawl(app: &TestApp, login: &str) -> (usize, Vec<String>) {
    let (http, cookie) = web_session_with(app, login, PASSWORD).await;
    let mut queue: VecDeque<(String, String)> =
        VecDeque::from([("/".to_owned(), "login".to_owned())]);
    let mut seen: HashSet<String> = HashSet::new();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    let mut posted: HashSet<String> = HashSet::new();
    let mut failures = Vec::new();
    let mut requests = 0;
    while let Some((url, from)) = queue.pop_front() {
        if requests >= MOST {
            break;
        }
        if !seen.insert(url.clone()) {
            continue;
        }
        let n = shapes.entry(shape(&url)).or_default();
        if *n >= PER_SHAPE {
            continue;
        }
        *n += 1;
        requests += 1;
        let res = http
            .get(format!("{}{url}", app.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        if (300..400).contains(&status) {
            if let Some(to) = res.headers().get("location").and_then(|l| l.to_str().ok())
                && followable(to)
            {
                queue.push_back((to.to_owned(), url.clone()));
            }
            continue;
        }
        if status != 200 {
            failures.push(format!(
                "{login}: GET {url} -> {status} (linked from {from})"
            ));
            continue;
        }
        let html_page = res
            .headers()
            .get("content-type")
            .and_then(|c| c.to_str().ok())
            .is_some_and(|c| c.starts_with("text/html"));
        if !html_page {
            continue;
        }
        let body = res.text().await.unwrap();
        for href in attributes(&body, "a", "href") {
            let href = unescape(href);
            if followable(&href) {
                queue.push_back((href, url.clone()));
            }
        }
        for form in forms(&body, &url) {
            if !followable(&form.action) {
                continue;
            }
            if form.method == "get" {
                let q = serde_urlencoded::to_string(&form.fields).unwrap();
                queue.push_back((format!("{}?{q}", form.action), url.clone()));
                continue;
            }
            // Each action once per shape: the first submission tells whether it exists
            // for this viewer.
            if !posted.insert(shape(&form.action)) {
                continue;
            }
            requests += 1;
            let res = http
                .post(format!("{}{}", app.base, form.action))
                .header("cookie", &cookie)
                .form(&form.fields)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            let fine = matches!(status, 200 | 303 | 400 | 413 | 415 | 422 | 409);
            if !fine {
                failures.push(format!(
                    "{login}: POST {} -> {status} (form on {url})",
                    form.action
                ));
            }
        }
    }
    (requests, failures)
}

/// One role's crawl on a demo city of its own: what it submits changes only its own city.
async fn no_dead_ends_for(login: &str) {
    let app = demo_app(Engine::Sqlite).await;
    let (requests, failures) = crawl(&app, login).await;
    // Each role reaches 30 to 150 pages and forms in the demo city.
    assert!(requests >= 20, "{login} reached only {requests} pages");
    assert!(failures.is_empty(), "dead ends:\n{}", failures.join("\n"));
}

macro_rules! roles {
    ($($name:ident => $login:literal),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            no_dead_ends_for($login).await;
        }
    )*};
}

roles! {
    the_city_meets_no_dead_end => "city",
    a_district_meets_no_dead_end => "district",
    a_department_meets_no_dead_end => "department",
    a_street_meets_no_dead_end => "street",
    a_community_meets_no_dead_end => "community",
    a_grid_meets_no_dead_end => "grid",
    a_unit_meets_no_dead_end => "unit",
    a_member_meets_no_dead_end => "member",
    a_resident_meets_no_dead_end => "resident",
    the_admin_meets_no_dead_end => "admin",
}

#[test]
fn pages_of_one_kind_share_a_shape() {
    assert_eq!(shape("/members/12"), "/members/#?");
    assert_eq!(
        shape("/t/140213050001/members?page=2&name=王"),
        "/t/#/members?name&page"
    );
    assert_eq!(shape("/"), "/?");
}
