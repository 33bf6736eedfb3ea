//! 项目化履责: a responsibility item run as a project, with weighted milestones and
//! weighted sub-projects, and the evidence a milestone may carry.

/// One part of a project's progress: a milestone (its reported percent) or a sub-project
/// (its own progress), with its weight among its siblings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Part {
    pub weight: u32,
    /// 0–100.
    pub percent: f64,
}

/// The weighted mean of the parts' percents; a project with no parts (or only parts of
/// weight 0) has made no progress.
pub fn progress(parts: &[Part]) -> f64 {
    let total: u64 = parts.iter().map(|p| u64::from(p.weight)).sum();
    if total == 0 {
        return 0.0;
    }
    parts
        .iter()
        .map(|p| f64::from(p.weight) * p.percent.clamp(0.0, 100.0))
        .sum::<f64>()
        / total as f64
}

/// A project tree's progress, from the leaves up: `milestones[p]` are project `p`'s
/// milestones, `children[p]` its sub-projects (indices), each with its weight.
pub fn tree_progress(milestones: &[Vec<Part>], children: &[Vec<(usize, u32)>]) -> Vec<f64> {
    fn visit(
        p: usize,
        milestones: &[Vec<Part>],
        children: &[Vec<(usize, u32)>],
        memo: &mut [Option<f64>],
    ) -> f64 {
        if let Some(v) = memo[p] {
            return v;
        }
        let mut parts = milestones[p].clone();
        for &(c, w) in &children[p] {
            parts.push(Part {
                weight: w,
                percent: visit(c, milestones, children, memo),
            });
        }
        let v = progress(&parts);
        memo[p] = Some(v);
        v
    }
    let mut memo = vec![None; milestones.len()];
    (0..milestones.len())
        .map(|p| visit(p, milestones, children, &mut memo))
        .collect()
}

/// The kinds of file a milestone's evidence may be, told by their first bytes (the name
/// and the declared type are not trusted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
    Pdf,
    Jpeg,
    Png,
    /// Office Open XML (.docx, .xlsx): a zip.
    OfficeDocument,
}

impl EvidenceKind {
    pub fn content_type(self) -> &'static str {
        match self {
            EvidenceKind::Pdf => "application/pdf",
            EvidenceKind::Jpeg => "image/jpeg",
            EvidenceKind::Png => "image/png",
            EvidenceKind::OfficeDocument => "application/octet-stream",
        }
    }
}

/// The largest evidence file: 10 MiB, a scanned document or a phone photo.
pub const MAX_EVIDENCE_BYTES: usize = 10 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    #[error("文件为空")]
    Empty,
    #[error("文件超过 10 MB")]
    TooLarge,
    #[error("只接受 PDF、JPEG、PNG 图片或 Word、Excel 文档")]
    WrongType,
}

/// What kind of evidence `bytes` are, if acceptable.
pub fn evidence_kind(bytes: &[u8]) -> Result<EvidenceKind, EvidenceError> {
    if bytes.is_empty() {
        return Err(EvidenceError::Empty);
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(EvidenceError::TooLarge);
    }
    if bytes.starts_with(b"%PDF-") {
        Ok(EvidenceKind::Pdf)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(EvidenceKind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(EvidenceKind::Png)
    } else if bytes.starts_with(b"PK\x03\x04") {
        Ok(EvidenceKind::OfficeDocument)
    } else {
        Err(EvidenceError::WrongType)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(weight: u32, percent: f64) -> Part {
        Part { weight, percent }
    }

    /// `input`: parts as `weight:percent`; `expect`: the progress to one decimal.
    fn check(input: &str, expect: &str) {
        let parts: Vec<Part> = input
            .split_whitespace()
            .map(|p| {
                let (w, v) = p.split_once(':').unwrap();
                part(w.parse().unwrap(), v.parse().unwrap())
            })
            .collect();
        assert_eq!(format!("{:.1}", progress(&parts)), expect, "case: {input}");
    }

    #[test]
    fn weighted_progress() {
        check("", "0.0");
        check("1:100", "100.0");
        check("1:100 1:0", "50.0");
        check("3:100 1:0", "75.0");
        check("2:50 1:20 1:90", "52.5");
        check("0:100 0:50", "0.0");
        check("1:150 1:-10", "50.0");
    }

    #[test]
    fn a_tree_rolls_up_from_its_leaves() {
        // 0: a district project with one milestone (weight 1, 100%) and two street
        // projects: 1 (weight 2, milestones 1:100 1:0 → 50%) and 2 (weight 1, 3:20 1:100
        // → 40%). 0 = (1×100 + 2×50 + 1×40) / 4 = 60.
        let milestones = vec![
            vec![part(1, 100.0)],
            vec![part(1, 100.0), part(1, 0.0)],
            vec![part(3, 20.0), part(1, 100.0)],
        ];
        let children = vec![vec![(1, 2), (2, 1)], vec![], vec![]];
        let got: Vec<String> = tree_progress(&milestones, &children)
            .iter()
            .map(|v| format!("{v:.1}"))
            .collect();
        assert_eq!(got, ["60.0", "50.0", "40.0"]);
    }

    #[test]
    fn evidence_is_told_by_its_bytes() {
        assert_eq!(evidence_kind(b"%PDF-1.7 ..."), Ok(EvidenceKind::Pdf));
        assert_eq!(
            evidence_kind(b"\x89PNG\r\n\x1a\n...."),
            Ok(EvidenceKind::Png)
        );
        assert_eq!(
            evidence_kind(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Ok(EvidenceKind::Jpeg)
        );
        assert_eq!(
            evidence_kind(b"PK\x03\x04...."),
            Ok(EvidenceKind::OfficeDocument)
        );
        assert_eq!(evidence_kind(b"MZ\x90\x00"), Err(EvidenceError::WrongType));
        assert_eq!(evidence_kind(b""), Err(EvidenceError::Empty));
        assert_eq!(
            evidence_kind(&vec![b'%'; MAX_EVIDENCE_BYTES + 1]),
            Err(EvidenceError::TooLarge)
        );
    }
}
