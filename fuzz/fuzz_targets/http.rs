//! The server: any bytes as one client connection's, through the head
//! guard, hyper and the routes. Every answer must be whole, and every
//! error JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let answer = quire_fuzz::exchange(bytes);
    quire_fuzz::check_answers(&answer);
});
