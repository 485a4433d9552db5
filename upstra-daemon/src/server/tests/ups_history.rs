//! `ups_history`: a bounded series per UPS, and only the UPS the caller may read.

use upstra_core::api::v1::*;
use upstra_core::ids::UpsId;
use upstra_core::state::{Timestamp, UpsFlag, UpsReading};

use super::Harness;
use crate::ups_history::{SAMPLE_SPAN_S, SAMPLES_KEPT};

async fn history(h: &Harness, token: &SessionToken) -> Vec<UpsHistory> {
    match h
        .call(UpstraRequest::UpsHistory {
            token: token.clone(),
        })
        .await
    {
        UpstraResponse::UpsHistory(Ok(list)) => list,
        other => panic!("unexpected reply {other:?}"),
    }
}

/// Two hours of readings, one every 10 s, the battery draining on `ups-a`.
fn two_hours_of_readings(h: &Harness) {
    let start = 1_700_000_000_000_i64;
    let step_ms = 10_000;
    let reads = 2 * 3600 * 1000 / step_ms;
    for ups in ["ups-a", "ups-b"] {
        let id = UpsId::new(ups).expect("id");
        for i in 0..reads {
            let charge = 100.0 - (i as f32) * 100.0 / reads as f32;
            let reading = UpsReading {
                flags: vec![UpsFlag::Ob, UpsFlag::Dischrg],
                charge_pct: Some(charge),
                runtime_s: Some(3600 - u64::try_from(i).expect("count")),
                load_pct: Some(35.0),
                input_voltage: Some(0.0),
            };
            h.shared
                .monitor
                .history
                .record(&id, &reading, Timestamp(start + i * step_ms));
        }
    }
}

#[tokio::test]
async fn the_history_holds_the_last_hour_and_no_more() {
    let h = Harness::new().await;
    h.user("vic", "viewer", "all").await;
    let vic = h.session("vic", SessionScope::Full).await;
    two_hours_of_readings(&h);
    let list = history(&h, &vic).await;
    let names: Vec<&str> = list.iter().map(|u| u.ups.as_str()).collect();
    assert_eq!(names, ["ups-a", "ups-b"]);
    for ups in &list {
        assert_eq!(ups.sample_s, SAMPLE_SPAN_S);
        assert_eq!(
            ups.samples.len(),
            SAMPLES_KEPT,
            "{}: one hour of samples",
            ups.ups
        );
        let span = ups.samples.last().expect("last").at.millis()
            - ups.samples.first().expect("first").at.millis();
        assert!(
            span < 3_600_000,
            "{}: {span} ms is more than an hour",
            ups.ups
        );
        // Draining: each sample's lowest charge is at most its mean, and the curve goes down.
        for pair in ups.samples.windows(2) {
            assert!(pair[1].charge_min_pct <= pair[0].charge_min_pct);
        }
        assert!(ups.samples.iter().all(|s| s.on_battery));
    }
}

#[tokio::test]
async fn a_user_of_one_room_sees_only_the_history_of_its_ups() {
    let h = Harness::new().await;
    h.user("otto", "operator", "room:lab-a").await;
    let otto = h.session("otto", SessionScope::Full).await;
    two_hours_of_readings(&h);
    let list = history(&h, &otto).await;
    let names: Vec<&str> = list.iter().map(|u| u.ups.as_str()).collect();
    assert_eq!(names, ["ups-a"], "ups-b is in lab-b");
}

#[tokio::test]
async fn without_a_session_there_is_no_history() {
    let h = Harness::new().await;
    let bogus = SessionToken::new("00".repeat(32));
    let reply = h.call(UpstraRequest::UpsHistory { token: bogus }).await;
    assert!(matches!(
        reply,
        UpstraResponse::UpsHistory(Err(ApiError::Unauthenticated))
    ));
}
