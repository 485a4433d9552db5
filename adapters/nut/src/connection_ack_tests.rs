//! The connection leaves delayed-ACK mode after each command, so upsd's reply lines, which it
//! writes one by one with Nagle's algorithm on, are not held ~40 ms each (`ack_at_once`).
//! Speed itself is the detection benchmark's to show; this checks the switch is on when a
//! reply is read.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::*;

/// A upsd that answers `LIST VAR` the way the real one does: one write per line, Nagle on.
async fn line_by_line_upsd() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("port").port();
    tokio::spawn(async move {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        while let Ok(Some(_)) = lines.next_line().await {
            let mut reply = vec!["BEGIN LIST VAR ups".to_owned()];
            reply.extend((0..50).map(|i| format!("VAR ups v.{i} \"{i}\"")));
            reply.push("END LIST VAR ups".to_owned());
            for line in reply {
                if write
                    .write_all(format!("{line}\n").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    });
    port
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn each_reply_is_read_with_immediate_acks() {
    let port = line_by_line_upsd().await;
    let mut conn = Connection::connect("127.0.0.1", port)
        .await
        .expect("connect");
    // A command right after a reply is what makes the kernel fall back to delayed ACKs.
    for _ in 0..3 {
        conn.send("LIST VAR ups").await.expect("send");
        let quick = socket2::SockRef::from(conn.stream.get_ref())
            .tcp_quickack()
            .expect("TCP_QUICKACK readable");
        assert!(quick, "the reply would be read in delayed-ACK mode");
        let mut lines = 0;
        while !conn
            .read_line()
            .await
            .expect("reply")
            .starts_with("END LIST")
        {
            lines += 1;
        }
        conn.in_flight = false;
        assert_eq!(lines, 51);
    }
}
