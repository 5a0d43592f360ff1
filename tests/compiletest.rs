//! Compile-time guarantees of `oxmsg`, checked with trybuild.
//!
//! `ui-tests/fail/*.rs` must fail to compile with the error in their
//! `.stderr` files; `ui-tests/pass/*.rs` must compile and run.
//!
//! Compiler wording changes between releases, so the suite is pinned to the
//! toolchain its `.stderr` files were made with ([`STDERR_TOOLCHAIN`]): with
//! another one the test fails and says so, rather than report wording
//! differences as broken guarantees. After a toolchain change, refresh them
//! with `TRYBUILD=overwrite cargo test --test compiletest`, read the diff
//! before keeping it, and update the constant.

use std::process::Command;

/// The `rustc --version` prefix the `.stderr` files were made with.
const STDERR_TOOLCHAIN: &str = "rustc 1.95.0 ";

#[test]
fn ui() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .arg("--version")
        .output()
        .expect("running rustc --version");
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        version.starts_with(STDERR_TOOLCHAIN),
        "the ui-tests' .stderr files were made with {STDERR_TOOLCHAIN}but this is {version}: \
         run them with that toolchain (`cargo +1.95.0 test --test compiletest`), or refresh them \
         with TRYBUILD=overwrite, read the diff, and update STDERR_TOOLCHAIN"
    );
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
