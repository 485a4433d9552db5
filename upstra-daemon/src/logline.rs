//! The daemon's log cannot be forged or turned against the terminal that reads it.
//!
//! Log fields carry text from the socket and from peers: the user name of a failed login, a VM
//! or host name from vCenter, an adapter's error quoting a peer's reply. The formatter writes
//! `%` fields as they are, so a newline in one would start a line that looks like the daemon's
//! own, and an ESC would reach whoever tails the log on a terminal. Rather than trust every
//! `tracing` call to format its fields with care, the writer escapes every control and
//! bidirectional character of each event (see [`upstra_core::text`]), keeping only the newline
//! that ends it: one event is always one line, whatever its fields hold. Colours are off for
//! the same reason: they would be ESC bytes too.

use std::io::{self, Write};

use tracing_subscriber::fmt::MakeWriter;
use upstra_core::text;

/// Makes [`EscapingWriter`]s over the writers `M` makes.
#[derive(Debug, Clone)]
pub struct Escaping<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Escaping<M> {
    type Writer = EscapingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapingWriter(self.0.make_writer())
    }
}

/// Writes each buffer it is given with its hostile characters escaped but a final newline.
/// tracing's formatter hands over one whole event per `write_all`, so the newline that ends it
/// is the only one that can reach the log.
#[derive(Debug)]
pub struct EscapingWriter<W>(pub W);

impl<W: Write> Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let line = String::from_utf8_lossy(buf);
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line.as_ref(), ""),
        };
        let escaped = text::escape(body);
        if escaped.len() == body.len() && end.len() + body.len() == buf.len() {
            // Nothing to escape and valid UTF-8: pass the bytes as they came.
            self.0.write_all(buf)?;
        } else {
            self.0.write_all(format!("{escaped}{end}").as_bytes())?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(input: &str) -> String {
        let mut out = EscapingWriter(Vec::new());
        out.write_all(input.as_bytes()).expect("writes to memory");
        String::from_utf8(out.0).expect("UTF-8")
    }

    #[test]
    fn an_event_stays_one_line_without_escapes() {
        let event = "INFO login refused user=eve\u{1b}[2J\n2026 INFO forged\u{202e} peer_uid=0\n";
        let out = written(event);
        assert_eq!(
            out,
            "INFO login refused user=eve\\e[2J\\n2026 INFO forged\\u{202e} peer_uid=0\n"
        );
        assert_eq!(out.matches('\n').count(), 1);
    }

    #[test]
    fn ordinary_lines_pass_unchanged() {
        let event = "INFO first admin created user=zoë peer_uid=0\n";
        assert_eq!(written(event), event);
    }
}
