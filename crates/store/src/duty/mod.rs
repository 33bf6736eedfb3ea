//! 两级三责: responsibility lists, the tasks that pass their gate, and admissions.

pub mod accountability;
pub mod admission;
pub mod list;
pub mod oversight;
pub mod plea;
pub mod project;
pub mod target;
pub mod task;
