//! Closed vocabularies: an enum with a stable identifier (API, storage) and a Chinese label
//! (pages, files) for each value, parsed from either.

/// Declares `enum $name { $variant => ("id", "标签"), … }` with `ALL`, `as_str`, `label`,
/// `parse` (the identifier) and `from_label` (the identifier or the label, for files
/// that people write), and serde through the identifier.
#[macro_export]
macro_rules! vocab {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $v:ident => ($id:literal, $label:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $id),+ }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$v => $label),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
            pub fn from_label(s: &str) -> Option<Self> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label() == s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).ok_or_else(|| {
                    let ids: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!("应为 {} 之一", ids.join(", ")))
                })
            }
        }
    };
}
