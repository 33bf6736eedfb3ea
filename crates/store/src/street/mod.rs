//! The street: its offices and staff, and its five powers.

pub mod powers;
pub mod structure;
