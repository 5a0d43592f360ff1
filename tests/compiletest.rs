//! Compile-time guarantees of `oxmsg`, checked with trybuild.
//!
//! `ui-tests/fail/*.rs` must fail to compile with the error in their
//! `.stderr` files; `ui-tests/pass/*.rs` must compile and run.
//!
//! The `.stderr` files were generated with
//! `rustc 1.95.0 (59807616e 2026-04-14)`; compiler wording changes between
//! releases. After a toolchain change, refresh them with
//! `TRYBUILD=overwrite cargo test --test compiletest`, and read the diff
//! before keeping it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
