//! `wire_enum!`: how the wire's closed sets are declared (see `states.rs`, `refusal.rs`).

/// Declares a wire enum: its variants with their words, `Unknown` for any other word, and
/// `as_str`, `parse`, `Display` and the list of known values. A macro rather than a crate
/// (strum): serde already gives the (de)serialization, and the few lines below are the same for
/// every enum; writing them once keeps the words in one place per enum.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant, )+
            /// A word this build does not know: sent by a newer daemon.
            #[default]
            #[serde(rename = "unknown", other)]
            Unknown,
        }

        impl $name {
            /// Every value but `Unknown`.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),+];

            /// The word on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $word, )+
                    Self::Unknown => "unknown",
                }
            }

            /// The value for `word`; `Unknown` for a word this build does not know.
            pub fn parse(word: &str) -> Self {
                Self::KNOWN
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == word)
                    .unwrap_or(Self::Unknown)
            }
        }

        /// Reads a word as the wire does: an unknown one is `Unknown`.
        impl From<&str> for $name {
            fn from(word: &str) -> Self {
                Self::parse(word)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// For the closed sets declared outside the wire module (`diff.rs`).
pub(crate) use wire_enum;
