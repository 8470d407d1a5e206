//! Settings from the AWS shared config files (`~/.aws/config`, `~/.aws/credentials`)
//! and the environment, resolved the way the AWS CLI resolves them.
//!
//! The profile is `--profile`, else `AWS_PROFILE`, else `default`. Parsing is aws-config's own, so every file the AWS CLI reads is
//! read alike. The environment and file system come in as values, so tests pass
//! a fake of each; nothing here touches the network.

use std::borrow::Cow;

use aws_config::profile::{ProfileFileLoadError, ProfileSet};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not read the AWS config files: {0}")]
    Load(String),
}

/// The selected profile's settings.
#[derive(Debug)]
pub struct Profile {
    set: ProfileSet,
}

impl Profile {
    /// Reads the shared config files for `explicit` (from `--profile`) or the
    /// profile the environment selects.
    pub fn load(explicit: Option<&str>, env: &Env, fs: &Fs) -> Result<Self, Error> {
        let name = explicit.map(|name| Cow::Owned(name.to_owned()));
        let files = EnvConfigFiles::default();
        let set = crate::runtime::block_on(aws_config::profile::load(fs, env, &files, name))
            .map_err(|error| Error::Load(error.to_string()))?
            .map_err(|error: ProfileFileLoadError| Error::Load(error.to_string()))?;
        Ok(Profile { set })
    }

    /// The selected profile's name.
    pub fn name(&self) -> &str {
        self.set.selected_profile()
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.set
            .get_profile(self.name())
            .and_then(|profile| profile.get(key))
    }

    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`.
    pub fn region(&self, env: &Env) -> Option<String> {
        ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .into_iter()
            .find_map(|var| env.get(var).ok().filter(|value| !value.is_empty()))
            .or_else(|| self.get("region").map(str::to_owned))
    }
}
