//! The RTF body of a .msg (`PR_RTF_COMPRESSED`): decompress it, say what it
//! encapsulates, and print its HTML and text. Without a file, it builds an
//! RTF body from HTML (as RTFSync would) and reads it back.
//!
//! `cargo run --example rtf_body [-- FILE.msg]`
//!
//! `oxmsg::body` is the codec; the message API will offer the best body
//! itself (MS-OXBBODY).

use std::io::Read;

use oxmsg::{body, tags, Session};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let compressed = match std::env::args_os().nth(1) {
        Some(path) => {
            let session = Session::new();
            let msg = session.opener().path(path)?;
            let mut bytes = Vec::new();
            msg.open_stream(tags::RTF_COMPRESSED)?.read_to_end(&mut bytes)?;
            bytes
        }
        None => {
            let html = "<html><body><p>Hello <b>world</b> &amp; caf\u{e9}</p></body></html>";
            let stream = body::compress(&body::rtf_from_html(html));
            println!("built from {html:?}: {} bytes compressed", stream.len());
            stream
        }
    };
    // A limit on the decompressed size, checked before anything is allocated.
    let rtf = body::decompress(&compressed, 64 << 20)?;
    println!("RTF: {} bytes, {:?}", rtf.len(), body::rtf_kind(&rtf));
    println!("--- HTML ---\n{}", body::html_from_any_rtf(&rtf)?);
    println!("--- text ---\n{}", body::text_from_any_rtf(&rtf)?);
    Ok(())
}
