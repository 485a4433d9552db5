//! The console's language: English or French, chosen from the locale at start and switchable
//! at run time (key `L`, or the palette).

use super::strings::{EN, FR, Strings};

/// A language the catalog has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    /// The language of the locale, read the POSIX way for messages: the first of `LC_ALL`,
    /// `LC_MESSAGES` and `LANG` that is set and not empty decides; `fr`, `fr_FR.UTF-8`,
    /// `fr_CA`... mean French, anything else English.
    pub fn from_locale(
        lc_all: Option<&str>,
        lc_messages: Option<&str>,
        lang: Option<&str>,
    ) -> Self {
        let locale = [lc_all, lc_messages, lang]
            .into_iter()
            .flatten()
            .find(|v| !v.is_empty());
        match locale {
            Some(l) if l.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("fr")) => Self::Fr,
            _ => Self::En,
        }
    }

    /// [`Self::from_locale`] on this process's environment.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok();
        Self::from_locale(
            var("LC_ALL").as_deref(),
            var("LC_MESSAGES").as_deref(),
            var("LANG").as_deref(),
        )
    }

    /// The other one: what the language switch goes to.
    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Fr,
            Self::Fr => Self::En,
        }
    }

    /// This language's catalog.
    pub fn strings(self) -> &'static Strings {
        match self {
            Self::En => &EN,
            Self::Fr => &FR,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn the_first_set_variable_decides_and_fr_anything_is_french() {
        let cases = [
            ((None, None, None), Lang::En),
            ((None, None, Some("fr_FR.UTF-8")), Lang::Fr),
            ((None, None, Some("fr")), Lang::Fr),
            ((None, Some("fr_CA.UTF-8"), Some("en_GB.UTF-8")), Lang::Fr),
            ((Some("C"), None, Some("fr_FR.UTF-8")), Lang::En),
            ((Some(""), None, Some("fr_BE.UTF-8")), Lang::Fr),
            ((None, None, Some("C.UTF-8")), Lang::En),
            ((None, None, Some("f")), Lang::En),
        ];
        for ((all, messages, lang), want) in cases {
            assert_eq!(
                Lang::from_locale(all, messages, lang),
                want,
                "{all:?} {messages:?} {lang:?}"
            );
        }
    }
}
