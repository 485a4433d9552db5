use super::*;
use crate::api::v1::{LabSpec, LoginRequest, RoomSpec, SessionToken, UpstraRequest};
use crate::secret::Secret;

fn login(user: &str, password: &str) -> UpstraRequest {
    UpstraRequest::Login {
        req: LoginRequest {
            user: user.into(),
            password: Secret::new(password),
        },
    }
}

#[test]
fn a_huge_user_name_is_refused_naming_the_field_and_the_bound_not_the_value() {
    let name = "a".repeat(7 * 1024 * 1024);
    let e = check_request(&login(&name, "pw")).expect_err("too long");
    assert_eq!(e.to_string(), "user name is 7340032 bytes; at most 64");
    assert!(check_request(&login(&"a".repeat(USER_NAME), "pw")).is_ok());
}

#[test]
fn a_lab_with_too_many_rooms_is_refused_by_count() {
    let rooms = (0..=LAB_OBJECTS_PER_KIND)
        .map(|i| RoomSpec {
            name: format!("r{i}"),
            power_on_stagger_s: None,
        })
        .collect();
    let req = UpstraRequest::Apply {
        token: SessionToken::new("t"),
        spec: LabSpec {
            rooms,
            ..LabSpec::default()
        },
        dry_run: true,
    };
    let e = check_request(&req).expect_err("too many");
    assert_eq!(e.to_string(), "rooms has 4097 entries; at most 4096");
}

#[test]
fn cut_keeps_a_prefix_at_a_character_boundary() {
    assert_eq!(cut("short", 64), "short");
    assert_eq!(cut("ééé", 3), "é…");
    assert_eq!(cut(&"x".repeat(100), 4), "xxxx…");
}
