//! Runs one input through what the fuzz targets do, printing each step's
//! result (for investigating a finding without the fuzzer):
//! `cargo run --manifest-path fuzz/Cargo.toml --example repro -- FILE`

use oxmsg::{tags, Session};
use oxmsg_fuzz::SharedBuf;

fn main() {
    let path = std::env::args().nth(1).expect("usage: repro FILE");
    let data = std::fs::read(&path).expect("read input");
    let session = Session::new();
    match session.opener().reader(std::io::Cursor::new(data.clone())) {
        Ok(msg) => {
            println!("open: ok, {} warnings {:?}", msg.warnings().len(), msg.warnings());
            println!("props: {:?}", msg.props().map(|p| p.len()));
            println!("recipients: {:?}", msg.recipients().map(|r| r.len()));
            println!("attachments: {:?}", msg.attachment_numbers());
            oxmsg_fuzz::walk(&msg);
            println!("to_bytes: {:?}", msg.to_bytes().map(|b| b.len()));
        }
        Err(e) => println!("open: {e}"),
    };
    let buf = SharedBuf::new(data);
    let session = Session::new();
    match session.opener().read_write().reader(buf.clone()) {
        Ok(mut msg) => {
            println!("open_rw: ok");
            println!("set: {:?}", msg.set(tags::SUBJECT, "fuzzed subject"));
            println!("save_changes: {:?}", msg.save_changes());
            drop(msg);
            let check = Session::new();
            match check.opener().reader(std::io::Cursor::new(buf.bytes())) {
                Ok(m) => println!("reopen: ok, subject {:?}", m.get(tags::SUBJECT)),
                Err(e) => println!("reopen: {e}"),
            };
        }
        Err(e) => println!("open_rw: {e}"),
    };
}
