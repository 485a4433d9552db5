use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::*;

const QUICK: Clocks = Clocks {
    idle: Duration::from_millis(300),
    frame: Duration::from_millis(300),
};

fn pair(authenticated: bool) -> (DuplexStream, Watched<DuplexStream>) {
    let (client, server) = tokio::io::duplex(1 << 20);
    let flag = Arc::new(AtomicBool::new(authenticated));
    (client, Watched::with_clocks(server, flag, QUICK))
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// Reads until `want` bytes arrived or the stream failed.
async fn read(server: &mut Watched<DuplexStream>, want: usize) -> io::Result<Vec<u8>> {
    let mut out = vec![0; want];
    server.read_exact(&mut out).await?;
    Ok(out)
}

#[tokio::test]
async fn whole_frames_pass_through_unchanged() {
    let (mut client, mut server) = pair(false);
    let wire = [frame(b"hello"), frame(b""), frame(b"world")].concat();
    client.write_all(&wire).await.unwrap();
    assert_eq!(read(&mut server, wire.len()).await.unwrap(), wire);
}

#[tokio::test]
async fn an_unauthenticated_frame_over_its_allowance_is_refused() {
    let (mut client, mut server) = pair(false);
    let length = u32::try_from(UNAUTHENTICATED_MAX_FRAME + 1).unwrap();
    client.write_all(&length.to_be_bytes()).await.unwrap();
    let err = read(&mut server, 4).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("without a valid session"), "{err}");
}

#[tokio::test]
async fn an_authenticated_connection_gets_the_full_allowance() {
    let (mut client, mut server) = pair(true);
    let big = u32::try_from(UNAUTHENTICATED_MAX_FRAME + 1).unwrap();
    client.write_all(&big.to_be_bytes()).await.unwrap();
    assert!(read(&mut server, 4).await.is_ok());
    let (mut client, mut server) = pair(true);
    let over = u32::try_from(MAX_FRAME + 1).unwrap();
    client.write_all(&over.to_be_bytes()).await.unwrap();
    assert!(read(&mut server, 4).await.is_err());
}

#[tokio::test]
async fn a_frame_trickling_in_is_cut_at_its_deadline() {
    let (mut client, mut server) = pair(true);
    let wire = frame(&[b'x'; 64]);
    let trickle = tokio::spawn(async move {
        for byte in wire {
            if client.write_all(&[byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let err = read(&mut server, 68).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(err.to_string().contains("whole"), "{err}");
    trickle.abort();
}

#[tokio::test]
async fn an_idle_unauthenticated_connection_is_closed() {
    let (_client, mut server) = pair(false);
    let err = read(&mut server, 1).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    assert!(err.to_string().contains("no request"), "{err}");
}

#[tokio::test]
async fn an_authenticated_connection_may_stay_idle() {
    let (mut client, mut server) = pair(false);
    client.write_all(&frame(b"login")).await.unwrap();
    read(&mut server, 9).await.unwrap();
    server.authenticated.store(true, Ordering::Relaxed);
    let idle = tokio::time::timeout(QUICK.idle * 3, read(&mut server, 1)).await;
    assert!(
        idle.is_err(),
        "still open after three idle periods: {idle:?}"
    );
}
