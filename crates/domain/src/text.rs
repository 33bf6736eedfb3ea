//! What text the platform keeps: no control characters (a NUL byte is refused by
//! PostgreSQL and cut by C strings; the others hide in pages), and something a person
//! can see — a name made only of zero-width or other invisible characters names nothing.

/// Why a piece of text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("不能为空")]
    Blank,
    #[error("不能超过 {0} 个字符")]
    TooLong(usize),
    #[error("含有控制字符")]
    Control,
}

/// Characters that take no space and show nothing: Unicode's format characters (Cf)
/// that editors and chat apps insert (zero-width spaces and joiners, direction marks,
/// the byte-order mark, the soft hyphen), and the blank fillers of Hangul and Braille.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

/// One line of text (a name, a title, an address): trimmed, at most `max` characters,
/// no control characters, at least one visible character.
pub fn line(s: &str, max: usize) -> Result<&str, TextError> {
    checked(s, max, |_| false)
}

/// Written text (a description, an opinion): as `line`, but line breaks and tabs kept.
pub fn writing(s: &str, max: usize) -> Result<&str, TextError> {
    checked(s, max, |c| matches!(c, '\n' | '\r' | '\t'))
}

fn checked(s: &str, max: usize, allowed: impl Fn(char) -> bool) -> Result<&str, TextError> {
    let t = s.trim();
    if t.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(TextError::Control);
    }
    if !t.chars().any(|c| !is_invisible(c)) {
        return Err(TextError::Blank);
    }
    if t.chars().count() > max {
        return Err(TextError::TooLong(max));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, TextError>) {
        assert_eq!(line(input, 5), expect, "line {input:?}");
    }

    #[test]
    fn lines() {
        check(" 一网格 ", Ok("一网格"));
        check("", Err(TextError::Blank));
        check("\u{200B}\u{200D}", Err(TextError::Blank));
        check("\u{FEFF} \u{3164}", Err(TextError::Blank));
        check("a\u{0}b", Err(TextError::Control));
        check("a\nb", Err(TextError::Control));
        check("a\u{1b}[31m", Err(TextError::Control));
        check("一二三四五六", Err(TextError::TooLong(5)));
        check("五\u{200D}人", Ok("五\u{200D}人"));
    }

    #[test]
    fn writings_keep_line_breaks_but_no_other_control() {
        assert_eq!(writing("一\r\n二\t三", 10), Ok("一\r\n二\t三"));
        assert_eq!(writing("一\u{0}", 10), Err(TextError::Control));
        assert_eq!(writing("\u{200B}\n", 10), Err(TextError::Blank));
    }
}
