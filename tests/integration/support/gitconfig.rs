//! The ~/.gitconfig files tests compare with or start from.

use crate::support::codecommit_server::CodeCommit;
use crate::support::mfa::Mfa;

pub(crate) const EXPECTED: &str = "\
[credential \"https://git-codecommit.*.amazonaws.com\"]
\thelper = 
\thelper = mfa-codecommit
\tuseHttpPath = true
[credential \"https://git-codecommit-fips.*.amazonaws.com\"]
\thelper = 
\thelper = mfa-codecommit
\tuseHttpPath = true
[credential \"https://git-codecommit.*.amazonaws.com.cn\"]
\thelper = 
\thelper = mfa-codecommit
\tuseHttpPath = true
";

/// `credential` and the server's http settings as `mfa`'s ~/.gitconfig.
pub(crate) fn write_gitconfig(mfa: &Mfa, credential: &str) {
    write_gitconfig_for(mfa, &mfa.server, credential);
}

pub(crate) fn write_gitconfig_for(mfa: &Mfa, server: &CodeCommit, credential: &str) {
    let mut text = credential.to_owned();
    text.push_str("[http]\n");
    for (key, value) in server.http_config() {
        text.push_str(&format!(
            "\t{} = {value}\n",
            key.trim_start_matches("http.")
        ));
    }
    mfa.scratch.write(".gitconfig", &text);
}
