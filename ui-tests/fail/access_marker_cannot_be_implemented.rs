// Promise 3: `Access` is sealed; only `ReadOnly` and `ReadWrite` implement it,
// so no third access mode can be made outside the crate.
enum Admin {}

impl oxmsg::Access for Admin {
    const WRITABLE: bool = true;
}

fn main() {}
