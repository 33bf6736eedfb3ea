//! What every list page shares: 共 N 条 with numbered pages, column headers that sort, and
//! the link that exports the list as filtered. Each list keeps its own query string; these
//! take a function that makes a link from it.

use crate::i18n::Lang;
use datong_store::sql::Count;
use maud::{Markup, html};

/// Pages either side of the current one that get a number.
const AROUND: i64 = 2;

/// "共 N 条" and the page links: first, previous, a window of numbers, next, and the last
/// page when the count is exact.
pub fn pager(
    lang: Lang,
    count: Count,
    page_no: i64,
    page_size: i64,
    link: &dyn Fn(i64) -> String,
) -> Markup {
    let total = match (lang, count.more) {
        (Lang::Zh, false) => format!("共 {} 条", count.n),
        (Lang::Zh, true) => format!("共 {} 余条", count.n),
        (Lang::En, false) => format!("{} in all", count.n),
        (Lang::En, true) => format!("{}+ in all", count.n),
    };
    let pages = ((count.n + page_size - 1) / page_size).max(1);
    // Past the cap the last page is not known: the window runs on, and so does 下一页.
    let last = if count.more { None } else { Some(pages) };
    let to = last.map_or(page_no + AROUND, |l| (page_no + AROUND).min(l));
    let from = (page_no - AROUND).max(1);
    let has_next = last.is_none_or(|l| page_no < l);
    html! {
        nav.pager aria-label=(lang.pick("分页", "Pages")) {
            span.total { (total) }
            @if page_no > 1 {
                a rel="prev" href=(link(page_no - 1)) { (lang.text().previous) }
            }
            @if from > 1 { a href=(link(1)) { "1" } @if from > 2 { span.muted { "…" } } }
            @for n in from..=to {
                @if n == page_no { span.current aria-current="page" { (n) } }
                @else { a href=(link(n)) { (n) } }
            }
            @if let Some(l) = last { @if to < l { @if to < l - 1 { span.muted { "…" } } a href=(link(l)) { (l) } } }
            @if has_next {
                a rel="next" href=(link(page_no + 1)) { (lang.text().next) }
            }
        }
    }
}

/// The key of a list's `sort` parameter and whether it runs backwards: `-name` is by name,
/// descending.
pub fn sort_key(sort: &str) -> (&str, bool) {
    match sort.strip_prefix('-') {
        Some(key) => (key, true),
        None => (sort, false),
    }
}

/// A column header that sorts the list by `key`: a link while another order holds; the
/// order in force is marked with its direction, and its link reverses it. `current` is
/// the list's `sort` parameter.
pub fn sort_header(label: &str, key: &str, current: &str, link: &dyn Fn(&str) -> String) -> Markup {
    let (by, descending) = sort_key(current);
    html! {
        @if key == by {
            th aria-sort=(if descending { "descending" } else { "ascending" }) {
                a.sort href=(link(&if descending { key.to_owned() } else { format!("-{key}") }))
                    title="反向排序" { (label) (if descending { " ▼" } else { " ▲" }) }
            }
        } @else {
            th { a.sort href=(link(key)) title="排序" { (label) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(count: Count, page: i64) -> String {
        let html = pager(Lang::Zh, count, page, 50, &|n| format!("?page={n}")).into_string();
        // The pages' labels in order, and the total.
        let mut out = Vec::new();
        for part in html.split('>').skip(1) {
            let text = part.split('<').next().unwrap_or("").trim();
            if !text.is_empty() {
                out.push(text.to_owned());
            }
        }
        out.join(" ")
    }

    #[test]
    fn the_pager_numbers_pages_around_the_current_one() {
        let check = |count: Count, page: i64, expect: &str| {
            assert_eq!(links(count, page), expect, "{count:?} page {page}");
        };
        check(Count::exact(0), 1, "共 0 条 1");
        check(Count::exact(50), 1, "共 50 条 1");
        check(Count::exact(51), 1, "共 51 条 1 2 下一页");
        check(Count::exact(1000), 1, "共 1000 条 1 2 3 … 20 下一页");
        check(
            Count::exact(1000),
            10,
            "共 1000 条 上一页 1 … 8 9 10 11 12 … 20 下一页",
        );
        check(
            Count::exact(1000),
            19,
            "共 1000 条 上一页 1 … 17 18 19 20 下一页",
        );
        check(Count::exact(1000), 20, "共 1000 条 上一页 1 … 18 19 20");
        check(
            Count {
                n: 10_000,
                more: true,
            },
            1,
            "共 10000 余条 1 2 3 下一页",
        );
    }
}
