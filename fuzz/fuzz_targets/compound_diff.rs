//! The compound-file index against `cfb` on arbitrary bytes: both refuse
//! the input, or both open it and agree on every entry and every stream's
//! bytes (`oxmsg::__fuzz::compare`). A `cfb` panic is tolerated when the
//! index refuses the input; any other disagreement, or a panic in the
//! index, is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys installs a panic hook that aborts; `compare` catches
    // `cfb`'s panics itself, so swap in a silent hook around it.
    let aborting_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let verdict = oxmsg::__fuzz::compare(data);
    std::panic::set_hook(aborting_hook);
    if let Err(why) = verdict {
        panic!("compound index disagrees with cfb: {why}");
    }
});
