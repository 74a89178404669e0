//! The text reader: any bytes, decoded as a file's, then split.

#![no_main]

use libfuzzer_sys::fuzz_target;
use quire::Format;

fuzz_target!(|bytes: &[u8]| quire_fuzz::split(Format::Text, bytes));
