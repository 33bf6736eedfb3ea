//! Datong's domain rules, free of I/O.
//!
//! Every type here that carries an identifier (`DivisionCode`, `IdNumber`, `CreditCode`,
//! `Phone`, `Name`) can only be built by parsing, so holding one means holding a valid value.

pub mod accountability;
pub mod branch_rules;
pub mod credit_code;
pub mod division;
pub mod duty;
pub mod id_number;
pub mod initials;
pub mod member;
pub mod name;
pub mod org;
pub mod phone;
pub mod project;
pub mod request;
pub mod role;
pub mod street;
pub mod synthetic;
pub mod text;
pub mod unit;
pub mod vocab;

/// China Standard Time (UTC+8, no daylight saving): the wall clock every page, Open311
/// answer and working day is in; times are stored in UTC.
pub fn china_time() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).expect("a valid offset")
}

pub use credit_code::CreditCode;
pub use division::{DivisionCode, Level};
pub use id_number::IdNumber;
pub use name::Name;
pub use phone::Phone;
pub use role::{Role, Scope};
