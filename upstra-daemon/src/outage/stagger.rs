//! Spaces the power-on commands of each room during a run: a server draws several times its
//! running current as it powers on, and a room's circuits should see one inrush at a time.
//! A step that wants to power a server on takes its room's turn, which waits until the
//! room's stagger has passed since the previous command went out, and holds the turn until
//! its own command has been answered; the next one then waits a full stagger again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::OwnedMutexGuard;
use tokio::time::Instant;
use upstra_core::ids::RoomId;

/// The rooms' turns, for one run.
#[derive(Default)]
pub struct PowerOnGate {
    rooms: Mutex<HashMap<RoomId, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
}

/// A room's turn to send one power-on command. Dropping it, once the command was answered
/// (or failed: it may still have reached the BMC), starts the room's stagger.
pub struct Turn {
    last_sent: OwnedMutexGuard<Option<Instant>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        *self.last_sent = Some(Instant::now());
    }
}

impl PowerOnGate {
    /// Waits for `room`'s turn: until no other command of the room is being sent and
    /// `stagger` has passed since the last one was answered.
    pub async fn turn(&self, room: &RoomId, stagger: Duration) -> Turn {
        let slot = {
            let mut rooms = self
                .rooms
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            rooms.entry(room.clone()).or_default().clone()
        };
        let last_sent = slot.lock_owned().await;
        if let Some(last) = *last_sent {
            let ready = last + stagger;
            if ready > Instant::now() {
                tracing::debug!(%room, wait_ms = (ready - Instant::now()).as_millis(), "power-on waits for the room's stagger");
                tokio::time::sleep_until(ready).await;
            }
        }
        Turn { last_sent }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_rooms_commands_go_out_a_stagger_after_the_previous_one_was_answered() {
        let gate = PowerOnGate::default();
        let stagger = Duration::from_millis(300);
        let (a, b) = (
            RoomId::new("a").expect("room"),
            RoomId::new("b").expect("room"),
        );
        let mut answered: Vec<(RoomId, Instant)> = Vec::new();
        let mut sent: Vec<Instant> = Vec::new();
        for room in [&a, &b, &a, &b, &a] {
            let turn = gate.turn(room, stagger).await;
            sent.push(Instant::now());
            drop(turn);
            answered.push((room.clone(), Instant::now()));
        }
        for (i, (room, _)) in answered.iter().enumerate() {
            let previous = answered[..i].iter().rev().find(|(r, _)| r == room);
            if let Some((_, at)) = previous {
                assert!(
                    sent[i] - *at >= stagger,
                    "command {i} of room {room} too early"
                );
            }
        }
    }
}
