//! Importers. Each one parses its whole input first and writes nothing unless every line is
//! good; then it writes in one transaction.

pub mod divisions;
pub mod duties;
pub mod roster;
pub mod sheet;
pub mod tasks;
pub mod text;

/// One bad line, printed as `file:line: reason`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}
