//! A form that carries evidence files (佐证材料) with its fields, as multipart: read whole
//! before anything is stored, each file bounded, so the caller can attach the files and
//! take its step in one transaction.

use axum::extract::Multipart;
use datong_domain::project::MAX_EVIDENCE_BYTES;
use datong_http::error::ApiError;
use std::collections::HashMap;

/// The most a form of evidence takes: a handful of files at their limit.
pub const MAX_BODY: usize = 4 * MAX_EVIDENCE_BYTES;

pub struct EvidenceForm {
    /// The text fields by name (the last of a name wins).
    pub fields: HashMap<String, String>,
    /// The files of the `file` field, by name, empty ones left out.
    pub files: Vec<(String, Vec<u8>)>,
}

impl EvidenceForm {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

pub async fn read(mut m: Multipart) -> Result<EvidenceForm, ApiError> {
    let mut form = EvidenceForm {
        fields: HashMap::new(),
        files: Vec::new(),
    };
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(form),
            Err(_) => return Err(ApiError::invalid("file", "上传未完成，请重试")),
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_owned();
            match field.bytes().await {
                Ok(b) if b.len() <= MAX_EVIDENCE_BYTES => {
                    if !b.is_empty() {
                        form.files.push((file_name, b.to_vec()));
                    }
                }
                _ => return Err(ApiError::invalid("file", "每个文件不超过 10 MB")),
            }
        } else {
            let text = field.text().await.unwrap_or_default();
            form.fields.insert(name, text);
        }
    }
}
