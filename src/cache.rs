//! Placeholder: the session cache over the OS keyring (being written).
