//! Links the `quire` binary at a fixed address on Linux.
//!
//! A position-independent executable is relocated each time it starts:
//! for this binary, about 55,000 pointers written into some 500 pages,
//! which the kernel copies and faults in one by one. That was half of a
//! whole `quire search` on the shipped corpus (3.1 ms against 2.4 ms
//! linked at a fixed address, means of 300 runs; system time 1.4 ms
//! against 0.7 ms). Packing the relocations (`-z pack-relative-relocs`)
//! did not help: the pages are written all the same.
//!
//! The cost is address-space randomisation of the binary's own image
//! (libraries, stack and heap are still placed at random). Set
//! `QUIRE_PIE=1` when building to keep a position-independent binary.

fn main() {
    println!("cargo:rerun-if-env-changed=QUIRE_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let pie = std::env::var_os("QUIRE_PIE").is_some_and(|v| !v.is_empty() && v != "0");
    if linux && !pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
