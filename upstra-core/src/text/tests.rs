use proptest::prelude::*;

use super::*;

#[test]
fn escapes_controls_and_bidi_and_leaves_the_rest() {
    let table = [
        ("alice", "alice"),
        ("Zoë 東京 ümlaut", "Zoë 東京 ümlaut"),
        ("a\u{1b}[2Jb", "a\\e[2Jb"),
        ("bell\u{7}", "bell\\a"),
        ("x\r\ny", "x\\r\\ny"),
        ("tab\there", "tab\\there"),
        ("nul\0", "nul\\0"),
        ("del\u{7f}", "del\\u{7f}"),
        ("csi\u{9b}31m", "csi\\u{9b}31m"),
        ("vm-evil\u{202e}gpj.exe", "vm-evil\\u{202e}gpj.exe"),
        ("\u{2066}iso\u{2069}", "\\u{2066}iso\\u{2069}"),
        (
            "mark\u{200e}\u{200f}\u{61c}",
            "mark\\u{200e}\\u{200f}\\u{61c}",
        ),
        ("line\u{2028}sep", "line\\u{2028}sep"),
        ("", ""),
    ];
    for (input, shown) in table {
        assert_eq!(Shown(input).to_string(), shown, "{input:?}");
        assert_eq!(escape(input), shown, "{input:?}");
    }
}

#[test]
fn borrows_when_nothing_needs_escaping() {
    assert!(matches!(escape("esx-01 ünïcode"), Cow::Borrowed(_)));
    assert!(matches!(escape("esx\u{1b}"), Cow::Owned(_)));
}

#[test]
fn a_forged_audit_row_stays_on_one_line() {
    let forged = "eve\n2026-01-01T00:00:00Z  admin  user_removed  ok";
    let shown = escape(forged);
    assert_eq!(shown.lines().count(), 1);
}

#[test]
fn name_rule_names_the_character_and_where() {
    assert_eq!(check_name("esx-01.lab"), Ok(()));
    assert_eq!(check_name("Zoë-東京"), Ok(()));
    let err = check_name("esx\u{1b}]0;pwned\u{7}").expect_err("ESC refused");
    assert_eq!(err.ch, '\u{1b}');
    assert_eq!(err.position, 4);
    let message = err.to_string();
    assert!(message.contains("`\\e`"), "{message}");
    assert!(!message.contains('\u{1b}'), "{message}");
    assert!(!message.contains('\u{7}'), "{message}");
    for hostile in ["a\u{202e}b", "a\nb", "a\tb", "a\u{85}b", "a\u{7f}b"] {
        assert!(check_name(hostile).is_err(), "{hostile:?}");
    }
}

proptest! {
    #[test]
    fn shown_text_never_holds_a_hostile_character(text in any::<String>()) {
        let shown = Shown(&text).to_string();
        prop_assert!(!shown.contains(is_hostile), "{shown:?}");
    }

    #[test]
    fn text_without_hostile_characters_is_shown_as_is(text in "[^\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]*") {
        prop_assert_eq!(Shown(&text).to_string(), text);
    }

    #[test]
    fn names_that_pass_the_rule_show_as_themselves(text in any::<String>()) {
        if check_name(&text).is_ok() {
            prop_assert_eq!(escape(&text), text.as_str());
        }
    }
}
