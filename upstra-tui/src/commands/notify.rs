//! `upstra notify test NAME [--json]` and `upstra notify list [--json] [--limit N]`. `--json`
//! prints the API's `NotifyTestResult` and `NotifyDelivery` array.

use std::path::Path;

use upstra_core::api::v1::NotifyDelivery;

use super::{out, out_json, shown, signed_in};
use crate::cli::NotifyVerb;
use crate::client::timeouts;
use crate::error::CliError;
use crate::format;
use crate::table::{Align, Table};

pub async fn run(socket: &Path, verb: NotifyVerb) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    match verb {
        NotifyVerb::Test(a) => {
            let name = a.name.clone();
            // A channel may take its whole delivery deadline to answer.
            let r = conn
                .call(timeouts::APPLY, |c, ctx| async move {
                    c.notify_test(ctx, token, name).await
                })
                .await?;
            if a.json {
                out_json(&r)?;
            }
            if !r.delivered {
                return Err(CliError::Failed(format!(
                    "the test message to {} was not delivered: {}",
                    shown(&r.channel),
                    shown(&r.answer)
                )));
            }
            if a.json {
                return Ok(());
            }
            out(&format!(
                "test message delivered to {}: {}\n",
                shown(&r.channel),
                shown(&r.answer)
            ))
        }
        NotifyVerb::List(a) => {
            let limit = a.limit;
            let rows = conn
                .call(timeouts::CALL, |c, ctx| async move {
                    c.notify_list(ctx, token, limit).await
                })
                .await?;
            if a.json {
                return out_json(&rows);
            }
            out(&table(&rows))
        }
    }
}

fn table(rows: &[NotifyDelivery]) -> String {
    let mut t = Table::new(&[
        ("WHEN", Align::Left),
        ("CHANNEL", Align::Left),
        ("EVENT", Align::Left),
        ("STATE", Align::Left),
        ("ATTEMPTS", Align::Right),
        ("ANSWER", Align::Left),
    ]);
    for r in rows {
        t.row(vec![
            format::timestamp(r.at),
            shown(&r.channel).into_owned(),
            shown(&r.event).into_owned(),
            r.state.to_string(),
            r.attempts.to_string(),
            r.answer
                .as_deref()
                .map_or_else(|| format::NONE.to_owned(), |a| shown(a).into_owned()),
        ]);
    }
    t.render()
}
