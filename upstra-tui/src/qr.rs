//! QR codes drawn with text, for two-factor enrollment: `qrcode`'s `Dense1x2` renderer packs
//! two rows of modules into one line of half blocks (`▀`, `▄`, `█`), so a code for an
//! `otpauth://` URI fits a terminal (about 37×19 cells).
//!
//! Which way round the code reads depends on the terminal's colours: the glyphs draw dark
//! modules in the foreground colour. On a dark-on-light terminal that is a normal code; on a
//! light-on-dark one it is an inverted code. Three things keep both scannable:
//! - the quiet zone (a margin of light modules) is always drawn, so even an inverted code is
//!   surrounded by its own border, which is what scanners that read inverted codes need;
//! - where colours are allowed, the lines are drawn black on white (the console always; the
//!   CLI on a terminal without `NO_COLOR`), which reads right on any theme;
//! - the same secret is always printed as text too, for typing in.
//!
//! The lowest error-correction level keeps the code small: a screen does not get dirty.

use qrcode::render::{Renderer, unicode::Dense1x2};
use qrcode::{EcLevel, QrCode};

/// The quiet zone of the standard, in modules: what the CLI draws, where lines scroll.
pub const STANDARD_QUIET_ZONE: u32 = 4;
/// The console's quiet zone: one module, so that the code of an enrollment URI fits the body of
/// an 80×24 screen even when it needs the next QR version (how many modules a URI takes varies
/// with the digits in its random key). The console widens it with white padding wherever there
/// is room; phone scanners read it well on the console's explicit white background.
pub const CONSOLE_QUIET_ZONE: u32 = 1;

/// ANSI: black on bright white, then back to the terminal's colours.
const ANSI_BLACK_ON_WHITE: &str = "\x1b[30;107m";
const ANSI_RESET: &str = "\x1b[0m";

/// Why a QR code could not be made (the data is too long for any version).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw a QR code for this key: {0}")]
pub struct QrError(String);

/// `data` as lines of half-block characters, all the same width, with `quiet_zone` modules of
/// margin on every side.
pub fn lines(data: &str, quiet_zone: u32) -> Result<Vec<String>, QrError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L)
        .map_err(|e| QrError(e.to_string()))?;
    let colors = code.to_colors();
    let text = Renderer::<Dense1x2>::new(&colors, code.width(), quiet_zone)
        .module_dimensions(1, 1)
        .build();
    Ok(text.lines().map(str::to_owned).collect())
}

/// The lines for a terminal: wrapped in black-on-white when `colour` is true.
pub fn terminal_text(lines: &[String], colour: bool) -> String {
    lines
        .iter()
        .map(|l| {
            if colour {
                format!("{ANSI_BLACK_ON_WHITE}{l}{ANSI_RESET}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

/// `uri` without its `issuer` parameter when its label already starts with that issuer
/// (`otpauth://totp/Upstra:alice?...`): every authenticator app reads the issuer from the label,
/// and the 14 bytes saved keep the code at QR version 4, which fits the console's enrollment
/// dialog at 80×24 whatever the random key (with the parameter, some keys need version 5).
pub fn compact_uri(uri: &str) -> String {
    let Some((head, query)) = uri.split_once('?') else {
        return uri.to_owned();
    };
    let label = head.rsplit('/').next().unwrap_or_default();
    let params: Vec<&str> = query
        .split('&')
        .filter(|p| match p.strip_prefix("issuer=") {
            Some(issuer) => !label.starts_with(&format!("{issuer}:")),
            None => true,
        })
        .collect();
    format!("{head}?{}", params.join("&"))
}

/// Width and height in cells of a set of lines.
pub fn size(lines: &[String]) -> (usize, usize) {
    let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (width, lines.len())
}

/// A base32 secret in groups of four, for typing: `JBSW Y3DP EHPK 3PXP`.
pub fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str =
        "otpauth://totp/Upstra:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Upstra";

    #[test]
    fn an_enrollment_uri_fits_the_console_at_80x24() {
        let console = lines(URI, CONSOLE_QUIET_ZONE).expect("encodes");
        let (w, h) = size(&console);
        // Version 4 (33 modules, the secret packed as alphanumerics) plus one module of
        // margin each side, two rows of modules per line.
        assert_eq!((w, h), (35, 18));
        assert!(console.iter().all(|l| l.chars().count() == w), "square");
        let standard = lines(URI, STANDARD_QUIET_ZONE).expect("encodes");
        assert_eq!(size(&standard), (41, 21));
    }

    #[test]
    fn the_quiet_zone_is_drawn_light() {
        let l = lines(URI, CONSOLE_QUIET_ZONE).expect("encodes");
        // One module of margin: the first and last columns are blank, and the first line's
        // upper half; the finder pattern's top edge fills its lower half after the margin.
        assert!(
            l.iter()
                .all(|row| row.starts_with(' ') && row.ends_with(' '))
        );
        assert_eq!(l[0].chars().nth(1), Some('▄'));
    }

    #[test]
    fn the_console_code_fits_80x24_whatever_the_key() {
        // Keys seen to need version 5 with the issuer parameter, and two ordinary ones.
        for key in [
            "L6AXBUJ23JC6UX5EBZ2EU5QUO3L2P53W",
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            "77777777777777777777777777777777",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        ] {
            let uri = format!("otpauth://totp/Upstra:demo?secret={key}&issuer=Upstra");
            let compact = compact_uri(&uri);
            assert_eq!(compact, format!("otpauth://totp/Upstra:demo?secret={key}"));
            // Version 4 at most: 33 modules and the margin, 18 lines; the dialog has 19.
            let (w, h) = size(&lines(&compact, CONSOLE_QUIET_ZONE).expect("encodes"));
            assert!(w <= 35 && h <= 18, "{key}: {w}x{h}");
        }
        let full =
            "otpauth://totp/Upstra:demo?secret=L6AXBUJ23JC6UX5EBZ2EU5QUO3L2P53W&issuer=Upstra";
        let (_, h) = size(&lines(full, CONSOLE_QUIET_ZONE).expect("encodes"));
        assert!(
            h > 19,
            "with the parameter this key does not fit: {h} lines"
        );
        // An issuer that is not the label's prefix is kept.
        let other = "otpauth://totp/alice?secret=AB&issuer=Upstra";
        assert_eq!(compact_uri(other), other);
    }

    #[test]
    fn colour_wraps_every_line() {
        let text = terminal_text(&["ab".to_owned()], true);
        assert_eq!(text, "\x1b[30;107mab\x1b[0m\n");
        assert_eq!(terminal_text(&["ab".to_owned()], false), "ab\n");
    }

    #[test]
    fn secrets_are_grouped_by_four() {
        assert_eq!(grouped("JBSWY3DPEHPK3PXP"), "JBSW Y3DP EHPK 3PXP");
        assert_eq!(grouped("ABCDE"), "ABCD E");
    }
}
