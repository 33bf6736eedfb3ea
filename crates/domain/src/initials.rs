//! Pinyin initials of a name, for searching the tree the way people type on a phone:
//! `pcq` finds 平城区 (Píngchéng Qū), `yt` finds 永泰街道.

use pinyin::ToPinyin;

/// The first letter of each character's pinyin; ASCII letters and digits as they are
/// (lower-cased); everything else left out.
pub fn initials(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            None => None,
        })
        .collect()
}

/// Whether a search text is meant as initials: ASCII letters (and digits after them).
pub fn looks_like_initials(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_to_initials() {
        for (name, want) in [
            ("平城区", "pcq"),
            ("大同市", "dts"),
            ("永泰街道", "ytjd"),
            ("康吉社区居民委员会", "kjsqjmwyh"),
            ("第1网格", "d1wg"),
            ("3单元502室", "3dy502s"),
            ("A座", "az"),
            ("（演示）", "ys"),
        ] {
            assert_eq!(initials(name), want, "{name}");
        }
        assert!(looks_like_initials("PCQ") && looks_like_initials("d1"));
        assert!(
            !looks_like_initials("1402")
                && !looks_like_initials("平城")
                && !looks_like_initials("")
        );
    }
}
