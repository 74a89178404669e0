//! The command line's own parts: the arguments as clap reads them
//! ([`args`]) and the progress bar of `quire index` ([`progress`]).

pub mod args;
pub mod progress;
