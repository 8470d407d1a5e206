//! The AWS profile `setup --aws-profile NAME` adds, so that the AWS CLI and
//! SDKs use profile P's MFA session through `credential-process`:
//!
//! ```ini
//! [profile NAME]
//! credential_process = /path/to/git-credential-mfa-codecommit credential-process --profile P
//! region = <P's region, when it has one>
//! ```
//!
//! Invariants: the section is added only when no profile NAME exists in
//! either file; it is appended as one block (after a line break when the
//! file has text, in the file's own line ends), and `--undo` removes exactly
//! that block, so the file is byte for byte what it was. A block changed
//! since is left alone and reported. Pure: text in, text out.

use crate::aws::files::{command_line, writer};

/// What `setup --aws-profile` would write: the block for profile `name`
/// running `exe` for profile `source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub name: String,
    text: String,
}

impl Block {
    /// The block, with `\n` line ends.
    pub fn new(name: &str, exe: &str, source: &str, region: Option<&str>) -> Self {
        let mut text = format!(
            "[{}]\ncredential_process = {} credential-process --profile {}\n",
            writer::profile_header(name),
            command_line::quote(exe),
            command_line::quote(source)
        );
        if let Some(region) = region {
            text.push_str(&format!("region = {region}\n"));
        }
        Block {
            name: name.to_owned(),
            text,
        }
    }

    /// The block in the line ends of `contents` (CRLF when it has any).
    fn in_style_of(&self, contents: &str) -> String {
        if contents.contains("\r\n") {
            self.text.replace('\n', "\r\n")
        } else {
            self.text.clone()
        }
    }
}

/// The file with `block` appended.
pub fn add(contents: &str, block: &Block) -> String {
    let text = block.in_style_of(contents);
    if contents.is_empty() {
        return text;
    }
    let newline = if contents.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    format!("{contents}{newline}{text}")
}

/// Whether `block` is in the file as `setup` added it.
pub fn contains(contents: &str, block: &Block) -> bool {
    contents.contains(&block.in_style_of(contents))
}

/// The file without `block` and the line break `add` put before it; `None`
/// when the block is not there as added.
pub fn remove(contents: &str, block: &Block) -> Option<String> {
    let text = block.in_style_of(contents);
    if contents == text {
        return Some(String::new());
    }
    ["\r\n", "\n"]
        .iter()
        .map(|newline| format!("{newline}{text}"))
        .find_map(|added| {
            let at = contents.find(&added)?;
            Some(format!(
                "{}{}",
                &contents[..at],
                &contents[at + added.len()..]
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> Block {
        Block::new(
            "alice-mfa",
            "/home/a/.cargo/bin/git-credential-mfa-codecommit",
            "alice",
            Some("eu-west-1"),
        )
    }

    #[test]
    fn the_block_runs_credential_process_for_the_source_profile() {
        assert_eq!(
            block().text,
            "[profile alice-mfa]\n\
             credential_process = /home/a/.cargo/bin/git-credential-mfa-codecommit credential-process --profile alice\n\
             region = eu-west-1\n"
        );
        let quoted = Block::new("my tools", "/opt/my tools/helper", "it's me", None);
        // Quoted for the splitter botocore uses here.
        let line = if cfg!(windows) {
            r#""/opt/my tools/helper" credential-process --profile "it's me""#
        } else {
            r"'/opt/my tools/helper' credential-process --profile 'it'\''s me'"
        };
        assert_eq!(
            quoted.text,
            format!("[profile 'my tools']\ncredential_process = {line}\n")
        );
    }

    #[test]
    fn undo_gives_back_every_file_byte_for_byte() {
        for before in [
            "",
            "[default]\nregion = us-east-1\n",
            "[default]\nregion = us-east-1",
            "[default]\r\nregion = us-east-1\r\n",
            "# only a comment",
        ] {
            let after = add(before, &block());
            assert!(contains(&after, &block()), "{before:?}");
            assert!(after.starts_with(before));
            assert_eq!(
                remove(&after, &block()).as_deref(),
                Some(before),
                "{before:?}"
            );
        }
        let crlf = add("[default]\r\n", &block());
        assert!(!crlf.replace("\r\n", "").contains('\n'), "{crlf:?}");
    }

    #[test]
    fn a_block_changed_since_is_not_removed() {
        let after =
            add("[default]\n", &block()).replace("region = eu-west-1", "region = us-east-2");
        assert!(!contains(&after, &block()));
        assert_eq!(remove(&after, &block()), None);
        let later = format!("{}[profile x]\nregion = a\n", add("[default]\n", &block()));
        assert_eq!(
            remove(&later, &block()).as_deref(),
            Some("[default]\n[profile x]\nregion = a\n")
        );
    }
}
