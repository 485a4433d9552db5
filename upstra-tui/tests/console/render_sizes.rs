//! Every screen drawn at sizes from 1×1 up, as a terminal being resized passes through: none
//! may panic, and each fills exactly the area it is given.

use crate::support;

use crossterm::event::KeyCode;
use support::plan::{restored, shed, shedding, simulation};
use support::replied;
use support::{
    accounts, apply, audit_trail, ctrl, draw, key, logged_in, logged_in_with, people, press,
};
use upstra_tui::console::action::Action;
use upstra_tui::console::call::Reply;
use upstra_tui::console::state::State;

const ADMIN: &str = "read,write,delete,power,migrate,ssh,plan,audit,admin";

fn screens() -> Vec<(&'static str, State)> {
    let mut out = Vec::new();
    let mut login = State::new("/s");
    apply(&mut login, vec![Action::Start { session: None }]);
    out.push(("login", login));
    out.push(("tree", logged_in()));
    let mut palette = logged_in();
    ctrl(&mut palette, 'k');
    out.push(("palette", palette));
    let mut confirm = logged_in();
    press(&mut confirm, "jjx");
    out.push(("confirm", confirm));
    let mut help = logged_in();
    press(&mut help, "?");
    out.push(("help", help));
    for (name, status) in [("plan-run", shedding()), ("plan-report", restored())] {
        let mut plan = logged_in_with(ADMIN);
        key(&mut plan, KeyCode::F(3));
        replied(
            &mut plan,
            Reply::PlanShown {
                ups: Some("ups-a1".into()),
                result: Ok(shed()),
            },
        );
        replied(&mut plan, Reply::PlanStatus(Ok(status)));
        apply(&mut plan, vec![Action::Toggle]);
        out.push((name, plan));
    }
    let mut sim = logged_in_with(ADMIN);
    key(&mut sim, KeyCode::F(3));
    replied(
        &mut sim,
        Reply::Simulated {
            ups: "ups-a1".into(),
            result: Ok(simulation()),
        },
    );
    out.push(("plan-simulation", sim));
    let mut history = logged_in_with(ADMIN);
    key(&mut history, KeyCode::F(4));
    replied(&mut history, Reply::Audit(Ok(audit_trail())));
    out.push(("history", history.clone()));
    press(&mut history, "/");
    out.push(("history-filter", history));
    let mut admin = logged_in_with(ADMIN);
    key(&mut admin, KeyCode::F(5));
    replied(&mut admin, Reply::Accounts(Ok(accounts())));
    replied(&mut admin, Reply::People(Ok(people(None))));
    for tab in ["users", "access", "people"] {
        out.push((tab, admin.clone()));
        apply(&mut admin, vec![Action::Expand]);
    }
    press(&mut admin, "+");
    out.push(("new-user", admin));
    let mut setup = State::new("/s");
    apply(&mut setup, vec![Action::Start { session: None }]);
    replied(
        &mut setup,
        Reply::Health(Ok(upstra_core::api::v1::Health {
            version: "0".into(),
            api_version: 1,
            has_users: false,
            simulated: false,
        })),
    );
    out.push(("setup", setup));
    out
}

#[test]
fn every_screen_draws_at_every_size_without_panicking() {
    let sizes = [
        (1, 1),
        (2, 2),
        (5, 3),
        (10, 3),
        (20, 5),
        (30, 8),
        (40, 12),
        (60, 15),
        (79, 23),
        (81, 25),
        (300, 80),
    ];
    for (name, state) in screens() {
        for (w, h) in sizes {
            let terminal = draw(&state, w, h);
            let area = terminal.backend().buffer().area;
            assert_eq!((area.width, area.height), (w, h), "{name} at {w}x{h}");
        }
    }
}
