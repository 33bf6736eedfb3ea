//! A one-sheet .xlsx written as a stream: the workbook's small parts first, then the sheet's
//! rows as they come, deflated into a zip that never seeks back (sizes in data
//! descriptors). Memory stays flat however many rows a list has, and the first bytes leave
//! before the last row is read. Every cell is a string (inline, so no shared-string table
//! has to be held); columns marked as text carry the `@` format, so a spreadsheet keeps an
//! ID or phone number as typed instead of rounding it.

use std::io::{self, Write};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

/// One column: its header, its width in characters, and whether it holds text that only
/// looks like a number.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub width: u8,
    pub text: bool,
}

impl Column {
    pub const fn new(header: &'static str, width: u8) -> Self {
        Column {
            header,
            width,
            text: false,
        }
    }

    pub const fn text(header: &'static str, width: u8) -> Self {
        Column {
            header,
            width,
            text: true,
        }
    }
}

pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Style 1: bold (the header row); style 2: the text format `@`.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

pub struct SheetWriter<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    /// Per column: text-formatted.
    text: Vec<bool>,
    rows: u32,
    cell: String,
}

fn zip_error(e: zip::result::ZipError) -> io::Error {
    match e {
        zip::result::ZipError::Io(e) => e,
        e => io::Error::other(e),
    }
}

/// Text as XML character data: the five escapes, and the characters XML 1.0 cannot hold
/// (control characters other than tab and newline) left out.
fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// The column's letters: 0 → A, 25 → Z, 26 → AA.
fn column_name(mut i: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

impl<W: Write> SheetWriter<W> {
    /// Writes the workbook's parts and the sheet's header row.
    pub fn new(out: W, sheet: &str, columns: &[Column]) -> io::Result<Self> {
        let mut zip = ZipWriter::new_stream(out);
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1));
        let mut workbook = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name=""#,
        );
        escape_into(&mut workbook, sheet);
        workbook.push_str(r#"" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
        for (name, body) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", workbook.as_str()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(name, options).map_err(zip_error)?;
            zip.write_all(body.as_bytes())?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", options)
            .map_err(zip_error)?;
        let mut head = String::from(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><cols>"#,
        );
        for (i, c) in columns.iter().enumerate() {
            let style = if c.text { r#" style="2""# } else { "" };
            head.push_str(&format!(
                r#"<col min="{n}" max="{n}" width="{w}" customWidth="1"{style}/>"#,
                n = i + 1,
                w = c.width
            ));
        }
        head.push_str("</cols><sheetData>");
        zip.write_all(head.as_bytes())?;
        let mut w = SheetWriter {
            zip,
            text: columns.iter().map(|c| c.text).collect(),
            rows: 0,
            cell: String::with_capacity(1024),
        };
        let headers: Vec<&str> = columns.iter().map(|c| c.header).collect();
        w.write_row(&headers, Some(1))?;
        Ok(w)
    }

    /// One row of cells, in column order; missing cells are left empty.
    pub fn row(&mut self, cells: &[&str]) -> io::Result<()> {
        self.write_row(cells, None)
    }

    fn write_row(&mut self, cells: &[&str], style: Option<u8>) -> io::Result<()> {
        self.rows += 1;
        let r = self.rows;
        self.cell.clear();
        self.cell.push_str(&format!(r#"<row r="{r}">"#));
        for (i, v) in cells.iter().take(self.text.len()).enumerate() {
            if v.is_empty() {
                continue;
            }
            let s = match style {
                Some(s) => s,
                None if self.text[i] => 2,
                None => 0,
            };
            let col = column_name(i);
            if s == 0 {
                self.cell.push_str(&format!(
                    r#"<c r="{col}{r}" t="inlineStr"><is><t xml:space="preserve">"#
                ));
            } else {
                self.cell.push_str(&format!(
                    r#"<c r="{col}{r}" s="{s}" t="inlineStr"><is><t xml:space="preserve">"#
                ));
            }
            escape_into(&mut self.cell, v);
            self.cell.push_str("</t></is></c>");
        }
        self.cell.push_str("</row>");
        self.zip.write_all(self.cell.as_bytes())
    }

    /// Closes the sheet and the zip; gives back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.zip.write_all(b"</sheetData></worksheet>")?;
        Ok(self.zip.finish().map_err(zip_error)?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_letter_them() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(names, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn text_is_escaped_and_characters_xml_cannot_hold_are_dropped() {
        let mut out = String::new();
        escape_into(&mut out, "a<b>&\"c\"\u{1}\td");
        assert_eq!(out, "a&lt;b&gt;&amp;&quot;c&quot;\td");
    }
}
