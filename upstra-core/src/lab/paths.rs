//! The file names a lab file gives (`password_file`, `ca_file`): read by `apply` or by the
//! daemon, so an empty one or one that cannot show as itself is refused with its line.

use toml::Spanned;

use super::Checker;

impl Checker<'_> {
    /// Refuses an empty (or blank) file name and one with a hostile character.
    pub(super) fn file_name(&mut self, value: &Spanned<String>, what: &str) {
        if value.get_ref().trim().is_empty() {
            self.error(
                value.span(),
                format!("{what} is empty: name a file, or leave the key out"),
            );
        } else {
            self.name_chars(value, what);
        }
    }
}
