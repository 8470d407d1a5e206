//! `erase`: git rejected credentials (HTTP 401). If they came from the
//! cached MFA session, that session is dropped, so that the next `get`
//! makes a new one. Other hosts and passwords are left alone, silently.

use std::io::BufRead;

use super::get::codecommit_host;
use crate::cli::Args;
use crate::error::Error;
use crate::git::protocol::Request;
use crate::session::context::Context;
use crate::session::obtain;
use crate::session::plan::Plan;

pub(super) fn run(args: &Args, input: impl BufRead, context: &Context) -> Result<(), Error> {
    let request = Request::read_from(input)?;
    let (Some(host), Some(username)) = (codecommit_host(&request, false)?, &request.username)
    else {
        return Ok(());
    };
    let Some(need) = Plan::load_for_host(&args.flags(), &host, context)?.need else {
        return Ok(());
    };
    let key_id = username.split('%').next().unwrap_or_default();
    obtain::forget_if_issued(&need, key_id, context);
    Ok(())
}
