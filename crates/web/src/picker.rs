//! Places chosen by name, never typed as codes: a `<select>` of a subtree's places, each
//! indented under its parent, that works without script; app.js puts a search box above
//! it that narrows the choices by name or pinyin initials. And who did a step, by what
//! they are rather than by a login's token.

use crate::i18n::Lang;
use datong_store::territory::Pick;
use maud::{Markup, html};

/// The places of `picks` (in code order, each under its parent) as one select named
/// `name`; the shallowest level is not indented.
pub fn select(lang: Lang, name: &str, picks: &[Pick], selected: &str) -> Markup {
    let top = picks.iter().map(|p| p.level).min();
    html! {
        select.picker name=(name) required data-search=(lang.pick("输入名称或拼音首字母查找", "Type a name or pinyin initials")) {
            option value="" { (lang.text().choose) }
            @for p in picks {
                @let depth = top.map_or(0, |t| p.level as usize - t as usize);
                option value=(p.code) data-initials=(p.initials) selected[p.code.as_path() == selected] {
                    ("\u{3000}".repeat(depth)) (p.name)
                }
            }
        }
    }
}

/// Who took a step, as a reader should see it: a resident through the form or Open311, the
/// platform's own jobs, or an account by its login.
pub fn actor(login: &str, lang: Lang) -> String {
    match login {
        "resident:web" => lang.pick("反映人（网页）", "the reporter (web)").to_owned(),
        "job" | "system" => lang.pick("系统", "the platform").to_owned(),
        l => match l.strip_prefix("open311:") {
            Some(client) => format!(
                "{}{client}",
                lang.pick("Open311 客户端 ", "Open311 client ")
            ),
            None => l.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_read_as_what_they_are() {
        let seen: Vec<String> = ["resident:web", "job", "open311:12345热线", "grid_a1"]
            .iter()
            .map(|l| actor(l, Lang::Zh))
            .collect();
        assert_eq!(
            seen,
            [
                "反映人（网页）",
                "系统",
                "Open311 客户端 12345热线",
                "grid_a1"
            ]
        );
    }
}
