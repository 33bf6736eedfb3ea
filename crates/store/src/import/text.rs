//! Decoding text files as Chinese offices produce them: UTF-8 with or without a BOM,
//! UTF-16 with a BOM (Excel's "Unicode text"), and GBK/GB18030 (most government exports).
//! LF and CRLF line ends both work.

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Gb18030,
}

/// A decoded file: its text, whose lines keep their numbers (from 1), and the numbers of
/// lines that could not be decoded, which are left empty in `text`. Valid UTF-8 is
/// borrowed, not copied: a national villages file is 37 MB.
#[derive(Debug)]
pub struct Decoded<'a> {
    pub encoding: TextEncoding,
    pub text: Cow<'a, str>,
    pub undecodable: Vec<usize>,
}

impl Decoded<'_> {
    /// The lines, without their `\n` or `\r\n` ends.
    pub fn lines(&self) -> std::str::Lines<'_> {
        self.text.lines()
    }
}

fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn decode_strict<'a>(enc: &'static Encoding, line: &'a [u8]) -> Option<Cow<'a, str>> {
    enc.decode_without_bom_handling_and_without_replacement(line)
}

fn utf8(line: &[u8]) -> Option<Cow<'_, str>> {
    std::str::from_utf8(line).ok().map(Into::into)
}

pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let unmarked = bytes.strip_prefix(b"\xEF\xBB\xBF");
    // The common case, valid UTF-8 throughout, is taken whole: no copy line by line.
    if let Ok(text) = std::str::from_utf8(unmarked.unwrap_or(bytes)) {
        return Decoded {
            encoding: TextEncoding::Utf8,
            text: Cow::Borrowed(text),
            undecodable: Vec::new(),
        };
    }
    if let Some(rest) = unmarked {
        return by_line(TextEncoding::Utf8, rest, utf8);
    }
    for (bom, enc, te) in [
        (b"\xFF\xFE", UTF_16LE, TextEncoding::Utf16Le),
        (b"\xFE\xFF", UTF_16BE, TextEncoding::Utf16Be),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            // UTF-16 cannot be split on the byte 0x0A: decode first, then split.
            let (text, had_errors) = enc.decode_without_bom_handling(rest);
            let mut undecodable = Vec::new();
            let text = if had_errors {
                let mut clean = String::with_capacity(text.len());
                for (i, l) in text.lines().enumerate() {
                    if l.contains('\u{FFFD}') {
                        undecodable.push(i + 1);
                    } else {
                        clean.push_str(l);
                    }
                    clean.push('\n');
                }
                clean
            } else {
                text.into_owned()
            };
            return Decoded {
                encoding: te,
                text: Cow::Owned(text),
                undecodable,
            };
        }
    }
    // No BOM: UTF-8 unless most lines with non-ASCII bytes are not UTF-8. Chinese text in
    // GBK is almost never valid UTF-8, while a UTF-8 file with one damaged line still has
    // its other Chinese lines valid, so the majority tells the two apart.
    let lines = split_lines(bytes);
    let (mut utf8_ok, mut utf8_bad) = (0usize, 0usize);
    for l in &lines {
        if !l.is_ascii() {
            if std::str::from_utf8(l).is_ok() {
                utf8_ok += 1;
            } else {
                utf8_bad += 1;
            }
        }
    }
    if utf8_bad > utf8_ok {
        by_line(TextEncoding::Gb18030, bytes, |l| decode_strict(GB18030, l))
    } else {
        by_line(TextEncoding::Utf8, bytes, utf8)
    }
}

fn by_line<'a>(
    encoding: TextEncoding,
    bytes: &'a [u8],
    f: impl Fn(&'a [u8]) -> Option<Cow<'a, str>>,
) -> Decoded<'a> {
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2);
    let mut undecodable = Vec::new();
    for (i, l) in split_lines(bytes).into_iter().enumerate() {
        match f(l) {
            Some(s) => text.push_str(&s),
            None => undecodable.push(i + 1),
        }
        text.push('\n');
    }
    Decoded {
        encoding,
        text: Cow::Owned(text),
        undecodable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_and_crlf() {
        let d = decode("\u{FEFF}code,name\r\n14,\"山西省\"\r\n".as_bytes());
        assert_eq!(d.encoding, TextEncoding::Utf8);
        assert_eq!(
            d.lines().collect::<Vec<_>>(),
            ["code,name", "14,\"山西省\""]
        );
    }

    #[test]
    fn gbk() {
        let (bytes, _, _) = GB18030.encode("code,name\n1402,大同市\n140213,平城区\n");
        let d = decode(&bytes);
        assert_eq!(d.encoding, TextEncoding::Gb18030);
        assert_eq!(d.lines().nth(2), Some("140213,平城区"));
        assert!(d.undecodable.is_empty());
    }

    #[test]
    fn utf16le() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "code\tname\r\n14\t山西省\r\n".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&bytes);
        assert_eq!(d.encoding, TextEncoding::Utf16Le);
        assert_eq!(d.lines().collect::<Vec<_>>(), ["code\tname", "14\t山西省"]);
    }

    #[test]
    fn damaged_utf8_line_is_reported() {
        let mut bytes = "code,name\n14,山西省\n1402,大同市\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"140213,\xE5\xB9\n");
        let d = decode(&bytes);
        assert_eq!(d.encoding, TextEncoding::Utf8);
        assert_eq!(d.undecodable, [4]);
    }
}
