//! No core dump of this process: it holds session tokens, secret keys and
//! TOTP codes in memory, which a core file would write to disk, and which
//! another process of the same user could read through `ptrace`. As
//! ssh-agent does: the core size limit 0 (which the programs it runs
//! inherit), and on Linux the process marked not dumpable, which also
//! closes `ptrace` and `/proc/PID/mem` to everyone but root.
//!
//! Best effort: a system that refuses either still gets its answer.

/// Turns core dumps off for this process and its children.
pub fn disable() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let none = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        let _ = setrlimit(Resource::Core, none);
    }
    #[cfg(target_os = "linux")]
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
}
