//! Placeholder: cache tests against real keyrings (being written).
